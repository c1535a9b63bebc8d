"""unwrap: a fresh xatlas atlas that keeps the render, packs charts apart and passes gradients."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pybullet_data
import pytest
import torch

from aswb.render import Cameras, Lights, Mesh, Scene, load_mesh, orbit, primitives as P, shade, unwrap
from aswb.render.mesh import concat

DATA = Path(pybullet_data.getDataPath())


def vc_sphere() -> Mesh:
    """A sphere whose vertex colour is a linear function of position: rgb = (xyz + 1) / 2."""
    m = P.uv_sphere(rings=10, sectors=20)
    return m.with_vertex_colors((m.verts + 1) / 2)


def two_materials() -> Mesh:
    a = P.box((1.0, 0.6, 0.6), texture=P.checker(32, 4, ((1.0, 0.2, 0.2), (0.2, 0.2, 1.0))))
    b = P.cylinder(0.3, 0.8, segments=16, texture=P.checker(32, 8))
    b = Mesh(verts=b.verts + torch.tensor([0.0, 0.7, 0.0]), faces=b.faces, uvs=b.uvs, face_uvs=b.face_uvs,
             textures=b.textures, parts=b.parts)
    noise = torch.rand(16, 16, 3, generator=torch.Generator().manual_seed(0))
    return concat([a, b, P.quad(0.5, 0.5, z=0.31, texture=noise)])


MESHES = {
    "vertex_colored_sphere": vc_sphere,
    "two_materials": two_materials,
    "mug": lambda: load_mesh(DATA / "objects" / "mug.obj", up="z"),  # no colour: the renderer's grey
    "duck": lambda: load_mesh(DATA / "duck.obj"),  # one 512 x 512 texture
}


@pytest.fixture(scope="module")
def unwrapped():
    """{name: (mesh, unwrap(mesh, 512))}, computed once."""
    return {k: (m, unwrap(m, size=512)) for k, m in ((k, f()) for k, f in MESHES.items())}


def _tri_texels(m: Mesh, size: int) -> torch.Tensor:
    """UV triangles in texel space (F, 3, 2) as (column, row), texel centres at +0.5."""
    t = m.uvs[m.face_uvs]
    return torch.stack([t[..., 0] * size, (1 - t[..., 1]) * size], -1)


def _edge_fns(tri: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    """Signed distances (texels) of points p (N, 2) to the edges of triangles tri (F, 3, 2): (F, N, 3), > 0 inside."""
    a, b = tri, tri.roll(-1, dims=1)  # edge i runs from corner i to corner i + 1
    e = b - a  # (F, 3, 2)
    area2 = e[:, 0, 0] * e[:, 1, 1] - e[:, 0, 1] * e[:, 1, 0]  # (F,)
    d = p[None, :, None] - a[:, None]  # (F, N, 3, 2)
    cross = e[:, None, :, 0] * d[..., 1] - e[:, None, :, 1] * d[..., 0]  # (F, N, 3)
    return cross * torch.sign(area2)[:, None, None] / e.norm(dim=-1)[:, None].clamp_min(1e-12)


def _centres(size: int) -> torch.Tensor:
    r, c = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    return torch.stack([c.reshape(-1), r.reshape(-1)], -1).float() + 0.5  # (size * size, 2) as (col, row)


def _dist_to_triangles(tri: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    """Euclidean distance (texels) from each point p (N, 2) to the nearest triangle: (N,)."""
    best = torch.full((p.shape[0],), float("inf"))
    for t in tri.split(64):
        inside = (_edge_fns(t, p) >= 0).all(-1)  # (f, N)
        a, b = t[:, None, :, :], t.roll(-1, dims=1)[:, None, :, :]  # (f, 1, 3, 2)
        q = p[None, :, None]  # (1, N, 1, 2)
        s = (((q - a) * (b - a)).sum(-1) / ((b - a) ** 2).sum(-1).clamp_min(1e-12)).clamp(0, 1)
        seg = (q - (a + s[..., None] * (b - a))).norm(dim=-1).amin(-1)  # (f, N) distance to the boundary
        best = torch.minimum(best, torch.where(inside, 0.0, seg).amin(0))
    return best


# -- the render does not change -----------------------------------------------------------------
# Where the colour is smooth (linear per face), bilinear reconstruction of the baked texels is
# exact up to a texel around kinks: the mug (one grey) and the sphere (linear colours) stay
# within 0.02 everywhere. Textures change only in one-texel bands around colour jumps and in
# detail finer than the new texel grid (the duck's eyes): under 1 % of pixels.
TOL = {  # (mean, 99th percentile, max) of |before - after| over all pixels and channels
    "vertex_colored_sphere": (1e-3, 5e-3, 0.02),
    "two_materials": (5e-3, 0.05, 1.0),
    "mug": (1e-6, 1e-6, 1e-5),
    "duck": (5e-3, 0.05, 1.0),
}


@pytest.mark.parametrize("name", list(MESHES))
def test_unwrap_keeps_the_render(unwrapped, name):
    m, u = unwrapped[name]
    cams = views()
    before = Scene(m, cams, Lights(), 128).render()
    after = Scene(u, cams, Lights(), 128).render()
    d = (before - after).abs().flatten()
    got = (float(d.mean()), float(d.kthvalue(int(0.99 * d.numel())).values), float(d.max()))
    assert all(g <= t for g, t in zip(got, TOL[name])), f"{name}: mean, p99, max {got} exceed {TOL[name]}"


def views() -> Cameras:
    """Six views around and one from above and below the object."""
    eyes = torch.cat([orbit(6, dist=3.0, elev=25.0).eye, torch.tensor([[0.0, 3.0, 0.1], [0.0, -3.0, 0.1]])])
    return Cameras.look_at(eyes)


def test_unwrap_keeps_geometry_and_gives_one_texture(unwrapped):
    for name, (m, u) in unwrapped.items():
        assert torch.equal(u.verts, m.verts) and torch.equal(u.faces, m.faces), name
        assert u.parts.keys() == m.parts.keys() and all(torch.equal(u.parts[k], m.parts[k]) for k in m.parts)
        assert len(u.textures) == 1 and u.textures[0].shape == (512, 512, 3) and u.textures[0].dtype == torch.float32
        assert u.textures[0].min() >= 0 and u.textures[0].max() <= 1
        assert torch.equal(u.face_materials, torch.zeros(m.num_faces, dtype=torch.int64))
        assert u.vertex_colors is None and u.face_uvs.shape == (m.num_faces, 3)
        assert u.uvs.min() >= 0 and u.uvs.max() <= 1, name
        # every face with an area in 3D has one in the atlas (none is squashed to a point)
        t = _tri_texels(u, 512)
        e1, e2 = t[:, 1] - t[:, 0], t[:, 2] - t[:, 0]
        uv_area = (e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]).abs() / 2
        assert (uv_area[m.face_areas() > 1e-10] > 0).all(), name


def test_baked_texels_hold_the_surface_colour():
    """Texel centres inside a face hold the colour of the 3D point they map to: here rgb = (xyz + 1) / 2."""
    m = vc_sphere()
    u = unwrap(m, size=128)
    tri, p = _tri_texels(u, 128), _centres(128)
    d = _edge_fns(tri, p)  # (F, N, 3)
    inside = (d > 1e-3).all(-1)  # (F, N) strictly inside
    f, n = inside.nonzero(as_tuple=True)
    a, b, c = tri[f].unbind(1)
    cr = lambda o, q, r: (q - o)[:, 0] * (r - o)[:, 1] - (q - o)[:, 1] * (r - o)[:, 0]  # noqa: E731
    q = p[n]
    w = torch.stack([cr(b, c, q), cr(c, a, q), cr(a, b, q)], -1) / cr(a, b, c)[:, None]  # (N, 3) barycentrics
    xyz = (w[..., None] * m.verts[m.faces[f]]).sum(1)
    texel = u.textures[0].reshape(-1, 3)[n]
    assert n.numel() > 2000
    torch.testing.assert_close(texel, (xyz + 1) / 2, atol=1e-5, rtol=0)


# -- charts --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(MESHES))
def test_charts_do_not_overlap(unwrapped, name):
    """No texel centre lies strictly inside two faces' UV triangles."""
    _, u = unwrapped[name]
    tri = _tri_texels(u, 512).double()
    counts = np.zeros((512, 512), dtype=np.int64)
    lo = tri.amin(1).floor().long().clamp(0, 511).tolist()
    hi = tri.amax(1).ceil().long().clamp(0, 512).tolist()
    for i in range(u.num_faces):  # brute force, one face at a time
        (x0, y0), (x1, y1) = lo[i], hi[i]
        ys, xs = torch.meshgrid(torch.arange(y0, y1), torch.arange(x0, x1), indexing="ij")
        p = torch.stack([xs.reshape(-1), ys.reshape(-1)], -1).double() + 0.5
        inside = (_edge_fns(tri[i:i + 1], p)[0] > 1e-6).all(-1).numpy()
        counts[ys.reshape(-1).numpy()[inside], xs.reshape(-1).numpy()[inside]] += 1
    assert counts.max() == 1


# -- gradients -----------------------------------------------------------------------------------
def test_gradients_reach_every_visible_texel_and_nothing_outside_the_charts():
    m = vc_sphere()
    u = unwrap(m, size=32)
    corners = torch.tensor([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], dtype=torch.float32)
    axes = torch.cat([torch.eye(3), -torch.eye(3)]) + torch.tensor([0.0, 0.0, 0.01])  # off the poles' up axis
    cams = Cameras.look_at(torch.cat([corners / 3 ** 0.5, axes]) * 3.0)  # 14 views all around
    sc = Scene(u, cams, None, 128)  # unlit: albedo, so no clamp can stop a gradient
    tex = u.textures[0].clone().requires_grad_()
    sc.render(texture=tex).sum().backward()
    got = tex.grad.abs().sum(-1).reshape(-1) > 0  # (32 * 32,)
    tri, p = _tri_texels(u, 32), _centres(32)
    visible = torch.zeros(u.num_faces, dtype=torch.bool)
    visible[sc.fragments.face_idx[sc.fragments.mask].unique()] = True
    inside = ((_edge_fns(tri, p) > 1e-4).all(-1) & visible[:, None]).any(0)  # (32 * 32,)
    assert visible.all() and inside.sum() > 100
    assert got[inside].all()
    # a bilinear lookup reaches texels whose centre is less than sqrt(2) texels from the sample
    far = _dist_to_triangles(tri, p) >= 2 ** 0.5
    assert far.sum() > 50 and not got[far].any()


# -- errors and imports ----------------------------------------------------------------------------
@pytest.mark.parametrize("size, err", [(0, ValueError), (-1, ValueError), (2.5, TypeError), (True, TypeError),
                                       ("512", TypeError)])
def test_bad_size(size, err):
    with pytest.raises(err, match="size: expected a positive int"):
        unwrap(P.box(), size=size)


def test_errors_are_clear(monkeypatch):
    with pytest.raises(TypeError, match="unwrap: expected an aswb.render.Mesh, got str"):
        unwrap("mesh.obj")
    with pytest.raises(ValueError, match=r"margin: expected an int in \[0, 64\] .*, got -1"):
        unwrap(P.box(), margin=-1)
    with pytest.raises(TypeError, match="margin: expected an int >= 0"):
        unwrap(P.box(), margin=1.5)
    with pytest.raises(ValueError, match="wrap: expected 'clamp' or 'repeat', got 'mirror'"):
        unwrap(P.box(), wrap="mirror")
    with pytest.raises(ValueError, match=r"size: 4 x 4 texels cannot hold the \d+ charts .*use a larger size"):
        unwrap(vc_sphere(), size=4)
    monkeypatch.setitem(sys.modules, "xatlas", None)  # as if not installed
    with pytest.raises(ImportError, match="pip install xatlas"):
        unwrap(P.box())


def test_tiling_uvs_bake_as_shade_renders_them():
    """UVs beyond [0, 1] show a clamped or a tiled texture; the bake follows the given wrap."""
    q = P.quad(texture=P.checker(16, 4))
    q = Mesh(verts=q.verts, faces=q.faces, uvs=q.uvs * 3, face_uvs=q.face_uvs, textures=q.textures)  # 3 x 3 tiles
    cams = orbit(1, dist=2.5)
    for wrap in ("clamp", "repeat"):
        u = unwrap(q, size=256, wrap=wrap)
        sc = Scene(q, cams, None, 64)
        before = shade(q, sc.fragments, cams, wrap=wrap)
        after = Scene(u, cams, None, 64).render()
        assert (before - after).abs().mean() < 0.01, wrap
    assert (unwrap(q, 64, wrap="clamp").textures[0] - unwrap(q, 64, wrap="repeat").textures[0]).abs().mean() > 0.1


def test_unwrap_keeps_device_and_detaches():
    m = P.box(texture=P.checker(16).requires_grad_())
    u = unwrap(m, size=64)
    assert u.device == m.device and not u.textures[0].requires_grad


def test_importing_aswb_render_does_not_import_xatlas():
    code = "import sys, aswb.render as r; assert callable(r.unwrap); assert 'xatlas' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# -- issue 22: nothing a user types reaches xatlas or the allocator unbounded
@pytest.mark.parametrize("size, margin, match", [
    (32, 10**6, r"margin: expected an int in \[0, 4\] for a 32 x 32 atlas .*, got 1000000"),
    (32, 5, r"margin: expected an int in \[0, 4\]"),
    (4096, 65, r"margin: expected an int in \[0, 64\]"),
    (100000, 2, r"size: a 100000 x 100000 texture atlas would need about 931.3 GiB, more than the memory budget"),
])
def test_unwrap_bounds_margin_and_size_before_xatlas(size, margin, match):
    with pytest.raises(ValueError, match=match):  # a margin of 10**6 used to crash the interpreter inside xatlas
        unwrap(P.box(), size=size, margin=margin)


def test_unwrap_accepts_the_largest_margin_it_allows():
    m = unwrap(P.box(), size=64, margin=8)
    assert m.textures[0].shape == (64, 64, 3)
