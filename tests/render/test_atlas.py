"""pack_atlas keeps the rendered look; uv_face_mask selects exactly the texels of chosen faces."""
import pytest
import torch

from aswb.render import Lights, Scene, orbit, primitives as P
from aswb.render.atlas import pack_atlas, uv_face_mask
from aswb.render.mesh import concat


def two_materials():
    a = P.box((1.0, 0.6, 0.6), texture=P.checker(32, 4, ((1.0, 0.2, 0.2), (0.2, 0.2, 1.0))))
    b = P.cylinder(0.3, 0.8, segments=16, texture=P.checker(32, 8))
    b = type(b)(verts=b.verts + torch.tensor([0.0, 0.7, 0.0]), faces=b.faces, uvs=b.uvs, face_uvs=b.face_uvs,
                textures=b.textures, parts=b.parts)
    return concat([a, b, P.quad(0.5, 0.5, z=0.31, texture=torch.rand(16, 16, 3, generator=torch.Generator().manual_seed(0)))])


def test_packed_atlas_renders_like_the_original():
    m = two_materials()
    packed = pack_atlas(m, size=192)
    assert len(packed.textures) == 1 and packed.textures[0].shape == (192, 192, 3)
    assert packed.uvs.min() >= 0 and packed.uvs.max() <= 1
    cams = orbit(4, dist=3.0, elev=25.0)
    a = Scene(m, cams, Lights(), 64).render()
    b = Scene(packed, cams, Lights(), 64).render()
    assert (a - b).abs().mean() < 0.02  # resampling into cells blurs a little, nothing moves


def test_single_material_is_unchanged_and_errors():
    m = P.box(texture=P.checker(8))
    assert pack_atlas(m) is m
    with pytest.raises(ValueError, match="too small"):
        pack_atlas(two_materials(), size=8)
    with pytest.raises(TypeError, match="Mesh"):
        pack_atlas("mesh")


def test_uv_face_mask_matches_texel_centres_in_triangles():
    m = P.box(texture=P.checker(60))
    sel = m.parts["box"].clone()
    sel[:] = False
    sel[:2] = True  # the two triangles of the +z side
    mask = uv_face_mask(m, sel)
    # the +z side is the top-left cell of the 3 x 2 atlas, inset by a 2 % margin
    H = W = 60
    ys, xs = mask.nonzero(as_tuple=True)
    u, v = (xs.float() + 0.5) / W, 1 - (ys.float() + 0.5) / H
    assert ((u > 0.0) & (u < 1 / 3) & (v > 0.5)).all()
    lo, hi = (0 + 0.02) / 3, (1 - 0.02) / 3
    inner = lambda t, a, b: (t > a + 0.02) & (t < b - 0.02)  # noqa: E731
    tu = (torch.arange(W) + 0.5) / W
    tv = 1 - (torch.arange(H) + 0.5) / H
    want = inner(tv[:, None], 0.5 + 0.01, 1.0 - 0.01) & inner(tu[None, :], lo, hi)
    assert (mask | ~want).all()  # every texel well inside the cell is selected
    with pytest.raises(ValueError, match="bool face mask"):
        uv_face_mask(m, torch.ones(3, dtype=torch.bool))
