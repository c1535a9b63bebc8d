"""Mesh validation, derived quantities, concat; primitives."""
import math

import pytest
import torch

from aswb.render import Mesh, MeshError, concat, primitives as P


def test_bad_meshes_get_clear_errors():
    v = torch.rand(4, 3)
    f = torch.tensor([[0, 1, 2], [0, 2, 3]])
    with pytest.raises(MeshError, match="empty mesh"):
        Mesh(verts=torch.zeros(0, 3), faces=torch.zeros(0, 3, dtype=torch.int64))
    with pytest.raises(MeshError, match="empty mesh"):
        Mesh(verts=v, faces=torch.zeros(0, 3, dtype=torch.int64))
    bad = v.clone()
    bad[2, 1] = float("nan")
    with pytest.raises(MeshError, match="1 vertices with NaN/inf"):
        Mesh(verts=bad, faces=f)
    with pytest.raises(MeshError, match=r"indices must lie in \[0, 4\)"):
        Mesh(verts=v, faces=torch.tensor([[0, 1, 4]]))
    with pytest.raises(MeshError, match=r"indices must lie in \[0, 4\)"):
        Mesh(verts=v, faces=torch.tensor([[0, -1, 2]]))
    with pytest.raises(MeshError, match=r"expected shape \(\?, 3\)"):
        Mesh(verts=torch.rand(4, 2), faces=f)
    with pytest.raises(MeshError, match="integer tensor"):
        Mesh(verts=v, faces=f.float())
    with pytest.raises(MeshError, match="together"):
        Mesh(verts=v, faces=f, uvs=torch.rand(4, 2))
    with pytest.raises(MeshError, match="need uvs"):
        Mesh(verts=v, faces=f, textures=torch.rand(4, 4, 3))
    with pytest.raises(ValueError, match=r"\(Ht, Wt, 3\)"):
        Mesh(verts=v, faces=f, uvs=torch.rand(4, 2), face_uvs=f, textures=torch.rand(4, 4, 4))
    with pytest.raises(TypeError, match="uint8"):
        Mesh(verts=v, faces=f, uvs=torch.rand(4, 2), face_uvs=f, textures=torch.zeros(4, 4, 3, dtype=torch.uint8))
    with pytest.raises(ValueError, match=r"values in \[0, 1\]"):
        Mesh(verts=v, faces=f, uvs=torch.rand(4, 2), face_uvs=f, textures=torch.full((4, 4, 3), 1.5))
    with pytest.raises(MeshError, match=r"face_materials: indices must lie in \[0, 1\)"):
        Mesh(verts=v, faces=f, uvs=torch.rand(4, 2), face_uvs=f, textures=torch.rand(4, 4, 3),
             face_materials=torch.tensor([0, 1]))
    with pytest.raises(MeshError, match=r"vertex_colors: expected values in \[0, 1\]"):
        Mesh(verts=v, faces=f, vertex_colors=torch.full((4, 3), -0.1))
    with pytest.raises(TypeError, match="bool face mask"):
        Mesh(verts=v, faces=f, parts={"body": torch.tensor([1, 0])})
    with pytest.raises(MeshError, match=r"expected shape \(2,\)"):
        Mesh(verts=v, faces=f, parts={"body": torch.tensor([True])})


def test_derived_quantities_on_a_unit_cube():
    cube = P.box((1.0, 2.0, 3.0), segments=3)
    assert math.isclose(cube.surface_area(), 2 * (2 + 3 + 6), rel_tol=1e-5)
    n = cube.face_normals()
    centroid_dir = cube.face_verts().mean(1)
    assert ((n * centroid_dir).sum(-1) > 0).all()  # wound counter-clockwise from outside
    c, r = cube.bounding_sphere()
    assert torch.allclose(c, torch.zeros(3), atol=1e-6) and math.isclose(r, math.sqrt(14) / 2, rel_tol=1e-5)
    unit = cube.normalized()
    assert math.isclose(unit.bounding_sphere()[1], 1.0, rel_tol=1e-5)
    vn = cube.vertex_normals()
    assert torch.allclose(vn.norm(dim=-1), torch.ones(cube.num_verts), atol=1e-5)


def test_concat_keeps_materials_parts_and_colours():
    a = P.box(texture=torch.rand(8, 8, 3), name="body")
    b = P.cylinder(segments=8, name="wheel")
    m = concat([a, b])
    assert m.num_faces == a.num_faces + b.num_faces
    assert len(m.textures) == 2  # the untextured part gets a 1x1 texture
    assert m.parts["body"].sum() == a.num_faces and m.parts["wheel"].sum() == b.num_faces
    assert not (m.parts["body"] & m.parts["wheel"]).any()
    assert torch.equal(m.face_materials, torch.cat([torch.zeros(a.num_faces), torch.ones(b.num_faces)]).long())
    vc = concat([a.with_vertex_colors(torch.rand(a.num_verts, 3)), b.with_vertex_colors(torch.rand(b.num_verts, 3))])
    assert vc.vertex_colors.shape == (vc.num_verts, 3)
    with pytest.raises(TypeError, match="non-empty sequence of Mesh"):
        concat([])


@pytest.mark.parametrize("mesh", [P.quad(), P.box(segments=2), P.cylinder(segments=12), P.uv_sphere(rings=6, sectors=8)],
                         ids=["quad", "box", "cylinder", "sphere"])
def test_primitives_have_uvs_in_the_unit_square_and_a_part(mesh):
    assert mesh.uvs.min() >= 0 and mesh.uvs.max() <= 1
    assert len(mesh.parts) == 1 and next(iter(mesh.parts.values())).all()
    assert (mesh.face_areas() >= 0).all()


def test_closed_primitives_have_outward_normals():
    for mesh in (P.box(segments=2), P.cylinder(segments=12), P.uv_sphere(rings=8, sectors=12)):
        ok = mesh.face_areas() > 1e-9
        out = (mesh.face_normals() * mesh.face_verts().mean(1)).sum(-1)
        assert (out[ok] > 0).all()


def test_primitive_errors():
    with pytest.raises(ValueError, match=">= 3"):
        P.cylinder(segments=2)
    with pytest.raises(ValueError, match="positive int"):
        P.box(segments=0)
    with pytest.raises(ValueError, match="rings >= 2"):
        P.uv_sphere(rings=1)


def test_subdivide_keeps_the_surface_and_its_look():
    from aswb.render import Cameras, rasterize, shade, subdivide

    m = P.box((1.0, 0.6, 0.8), texture=P.checker(32), name="body").with_vertex_colors(None)
    s = subdivide(m, 2)
    assert s.num_faces == 16 * m.num_faces
    assert math.isclose(s.surface_area(), m.surface_area(), rel_tol=1e-5)
    assert torch.equal(s.parts["body"], torch.ones(s.num_faces, dtype=torch.bool))
    cam = Cameras.look_at((1.5, 1.2, 2.0))
    a = shade(m, rasterize(m, cam, 48), cam, None)
    b = shade(s, rasterize(s, cam, 48), cam, None)
    assert (a - b).abs().max() < 1e-4  # same picture (interior edges may round differently by ~1 ulp)
    vc = subdivide(P.quad().with_vertex_colors(torch.rand(4, 3)), 1)
    assert vc.vertex_colors.shape == (vc.num_verts, 3)
    with pytest.raises(ValueError, match="int >= 0"):
        subdivide(m, -1)
