"""rasterize: analytic and naive-reference checks of coverage, depth and barycentrics."""
import math

import pytest
import torch

from aswb.render import Cameras, Mesh, orbit, primitives as P, rasterize, sample_views
from aswb.render.raster import kaolin_available

from reference import box_walk_face_idx, raycast


def facing(dist=2.0, fov=40.0):
    return Cameras.look_at((0.0, 0.0, dist), fov=fov)


def test_triangle_covers_the_pixels_its_area_predicts():
    H = W = 256
    tri = Mesh(verts=[[-0.6, -0.5, 0.0], [0.7, -0.4, 0.0], [0.1, 0.6, 0.0]], faces=[[0, 1, 2]])
    cam = facing(dist=2.0, fov=60.0)
    frags = rasterize(tri, cam, (H, W))
    # a plane parallel to the image plane at depth d is scaled by (W/2) * cot(fov/2) / d pixels per unit
    scale = (W / 2) / math.tan(math.radians(30)) / 2.0
    area_px = tri.surface_area() * scale**2
    v = tri.face_verts()[0]
    perimeter_px = sum(float((v[i] - v[(i + 1) % 3]).norm()) for i in range(3)) * scale
    assert abs(int(frags.mask.sum()) - area_px) <= 0.5 * perimeter_px + 4


def test_barycentrics_sum_to_one_and_reproduce_positions():
    mesh = P.uv_sphere(rings=6, sectors=10)
    cams = orbit(3, dist=2.5, elev=25.0)
    H, W = 40, 56  # non-square on purpose
    frags = rasterize(mesh, cams, (H, W))
    m = frags.mask
    assert m.any() and (~m).any()
    assert torch.allclose(frags.bary.sum(-1)[m], torch.ones(int(m.sum())), atol=1e-5)
    assert (frags.bary >= 0).all() and (frags.bary[~m] == 0).all()
    assert (frags.depth[~m] == -1).all() and (frags.face_idx[~m] == -1).all()
    # the interpolated 3D point projects back onto the pixel centre, at the reported depth
    b, i, j = m.nonzero(as_tuple=True)
    fv = mesh.face_verts()[frags.face_idx[b, i, j]]  # (N, 3, 3)
    p = (frags.bary[b, i, j][..., None] * fv).sum(1)  # (N, 3)
    for k in range(len(cams)):
        sel = b == k
        px = cams[k].project(p[sel], (H, W))[0]  # (N, 2) col, row
        assert torch.allclose(px[:, 0], j[sel].float() + 0.5, atol=1e-3)
        assert torch.allclose(px[:, 1], i[sel].float() + 0.5, atol=1e-3)
        d = -cams[k].to_camera(p[sel])[0, :, 2]
        assert torch.allclose(frags.depth[b, i, j][sel], d, rtol=1e-5)


def quads(order):
    near = P.quad(1.0, 1.0, z=0.2).verts  # seen first from +z
    far = P.quad(1.6, 1.6, z=-0.2).verts  # larger, so it shows around the near one
    vs = [near, far] if order == 0 else [far, near]
    faces = torch.tensor([[0, 1, 2], [0, 2, 3], [4, 5, 6], [4, 6, 7]])
    return Mesh(verts=torch.cat(vs), faces=faces), (0 if order == 0 else 2)


@pytest.mark.parametrize("order", [0, 1])
def test_nearer_of_two_overlapping_quads_wins_from_both_sides(order):
    mesh, near_first_face = quads(order)
    near_faces = {near_first_face, near_first_face + 1}
    front = rasterize(mesh, facing(3.0), 32)
    back = rasterize(mesh, Cameras.look_at((0.0, 0.0, -3.0)), 32)
    assert int(front.face_idx[0, 16, 16]) in near_faces  # z=+0.2 quad is nearer to +z
    assert int(back.face_idx[0, 16, 16]) not in near_faces  # z=-0.2 quad is nearer to -z
    assert int(back.face_idx[0, 16, 16]) >= 0
    # from the front the far quad still shows around the near one
    assert int(front.face_idx[0, 16, 7]) not in near_faces and int(front.face_idx[0, 16, 7]) >= 0


def test_matches_naive_raycast_including_faces_behind_and_crossing_the_camera():
    g = torch.Generator().manual_seed(0)
    # random triangles around the origin, plus a ground plane passing under and behind the camera
    v = torch.rand(60, 3, generator=g) * 3 - 1.5
    ground = torch.tensor([[-20.0, -0.8, -20.0], [20.0, -0.8, -20.0], [20.0, -0.8, 20.0], [-20.0, -0.8, 20.0]])
    verts = torch.cat([v, ground])
    faces = torch.cat([torch.arange(60).reshape(20, 3), torch.tensor([[60, 61, 62], [60, 62, 63]])])
    mesh = Mesh(verts=verts, faces=faces)
    cams = Cameras.look_at(torch.tensor([[0.0, 0.2, 1.2], [0.3, 0.5, -1.0], [2.5, 1.0, 2.5]]), fov=70.0)
    H, W = 48, 64
    frags = rasterize(mesh, cams, (H, W))
    ref_face, ref_depth = raycast(mesh, cams, H, W)
    agree = frags.face_idx == ref_face
    assert agree.float().mean() > 0.995  # pixels exactly on an edge may go either way
    both = agree & (ref_face >= 0)
    assert torch.allclose(frags.depth[both], ref_depth[both], rtol=1e-4)
    assert (frags.depth[frags.mask] >= cams.znear).all()
    # the ground plane has corners behind every camera and still shows where not occluded
    assert (frags.face_idx >= 20).flatten(1).any(1)[[0, 2]].all()  # view 1 is inside the cloud


def test_near_plane_clips_per_pixel():
    quad = P.quad(4.0, 4.0, z=0.0)
    cam = Cameras.look_at((0.0, 0.0, 0.5), znear=1.0)  # quad nearer than znear everywhere
    assert not rasterize(quad, cam, 16).mask.any()
    # a plane whose depth is 1 + 4x: the ray through the left image edge meets it at depth
    # 1 / (1 + 4 * 0.97) ~ 0.2 < znear, the centre ray at depth 1
    x = torch.tensor([-0.24, 1.0])
    z = 0.5 - (1 + 4 * x)
    tilted = Mesh(verts=[[x[0], -5.0, z[0]], [x[1], -5.0, z[1]], [x[1], 5.0, z[1]], [x[0], 5.0, z[0]]],
                  faces=[[0, 1, 2], [0, 2, 3]])
    cam = Cameras.look_at((0.0, 0.0, 0.5), fov=90.0, znear=0.3)
    frags = rasterize(tilted, cam, 32)
    ref_face, _ = raycast(tilted, cam, 32, 32)
    assert (frags.face_idx == ref_face).float().mean() > 0.99
    assert frags.mask[0, :, 16].all() and not frags.mask[0, :, 0].any()
    assert (frags.depth[frags.mask] >= 0.3 - 1e-6).all()


def test_degenerate_faces_are_skipped():
    verts = [[-0.5, -0.5, 0.0], [0.5, -0.5, 0.0], [0.0, 0.5, 0.0], [0.5, 0.5, 0.0], [0.2, 0.2, 0.1]]
    faces = [[0, 0, 1], [0, 1, 3], [0, 1, 2]]  # repeated index; collinear-ish is handled below
    collinear = Mesh(verts=[[-1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [1.0, 0.0, 0.0]], faces=[[0, 1, 2]])
    frags = rasterize(Mesh(verts=verts, faces=faces), facing(), 32)
    assert set(frags.face_idx.unique().tolist()) <= {-1, 1, 2}
    assert not rasterize(collinear, facing(), 32).mask.any()
    edge_on = Mesh(verts=[[0.0, -0.5, -0.5], [0.0, 0.5, -0.5], [0.0, 0.0, 0.5]], faces=[[0, 1, 2]])
    assert not rasterize(edge_on, facing(), 32).mask.any()


def test_batch_equals_single_views_and_chunking_changes_nothing():
    mesh = P.uv_sphere(rings=8, sectors=12)
    cams = sample_views(4, generator=torch.Generator().manual_seed(1))
    full = rasterize(mesh, cams, 24)
    tiny_chunks = rasterize(mesh, cams, 24, max_pairs=50)
    assert torch.equal(full.face_idx, tiny_chunks.face_idx)
    for k in range(4):
        one = rasterize(mesh, cams[k], 24)
        assert torch.equal(one.face_idx[0], full.face_idx[k])
        assert torch.allclose(one.bary[0], full.bary[k])


@pytest.mark.parametrize("seed", range(6))
def test_row_spans_keep_every_hit_of_the_whole_bounding_box(seed):
    # random triangle soups, slivers, faces behind and through the camera, odd image shapes:
    # pruning each box to its row spans must leave exactly the faces a walk over the box finds
    g = torch.Generator().manual_seed(seed)
    verts = (torch.rand(30, 3, generator=g) - 0.5) * (4 if seed % 3 else 12)
    if seed % 2 == 0:  # slivers: every second corner a hair from the first
        verts[1::3] = verts[0::3][: len(verts[1::3])] + 1e-3 * torch.randn(len(verts[1::3]), 3, generator=g)
    mesh = Mesh(verts, torch.randint(0, 30, (40, 3), generator=g))
    eye = torch.randn(3, 3, generator=g) * (0.5 if seed % 2 else 3)  # some cameras inside the soup
    cams = Cameras.look_at(eye, torch.zeros(3, 3), fov=30 + 60 * torch.rand(1, generator=g).item())
    H, W = 17 + 7 * seed, 41 - 3 * seed
    expected = box_walk_face_idx(mesh, cams, H, W)
    assert (expected >= 0).any()
    assert torch.equal(rasterize(mesh, cams, (H, W), backend="torch").face_idx, expected)
    assert torch.equal(rasterize(mesh, cams, (H, W), backend="torch", max_pairs=37).face_idx, expected)


def test_watertight_sphere_has_no_pinholes():
    mesh = P.uv_sphere(rings=24, sectors=48)
    cams = sample_views(6, dist=(2.0, 4.0), elev=(-80.0, 80.0), generator=torch.Generator().manual_seed(2))
    frags = rasterize(mesh, cams, 96)
    m = frags.mask.float()
    # a background pixel whose 4 neighbours are all covered would be a pinhole
    nb = m[:, :-2, 1:-1] + m[:, 2:, 1:-1] + m[:, 1:-1, :-2] + m[:, 1:-1, 2:]
    assert not ((nb == 4) & (m[:, 1:-1, 1:-1] == 0)).any()


def test_bad_arguments_get_clear_errors():
    mesh = P.quad()
    with pytest.raises(ValueError, match="positive int"):
        rasterize(mesh, facing(), 0)
    with pytest.raises(ValueError, match="positive int"):
        rasterize(mesh, facing(), (32, -1))
    with pytest.raises(TypeError, match="positive int"):
        rasterize(mesh, facing(), 32.5)
    with pytest.raises(ValueError, match="unknown backend 'opengl'"):
        rasterize(mesh, facing(), 32, backend="opengl")
    with pytest.raises(TypeError, match="expected an aswb.render.Mesh"):
        rasterize(mesh.verts, facing(), 32)
    with pytest.raises(TypeError, match="Cameras"):
        rasterize(mesh, torch.eye(3), 32)


@pytest.mark.skipif(kaolin_available(), reason="kaolin is installed here")
def test_forcing_kaolin_without_it_says_how_to_install():
    with pytest.raises(ImportError, match="not on PyPI"):
        rasterize(P.quad(), facing(), 16, backend="kaolin")


@pytest.mark.skipif(not kaolin_available(), reason="NVIDIA Kaolin and CUDA are not available")
def test_kaolin_backend_matches_torch_backend():
    mesh = P.uv_sphere(rings=20, sectors=40).to("cuda")
    cams = orbit(4, dist=2.5, elev=20.0, device="cuda")
    a = rasterize(mesh, cams, 64, backend="torch")
    b = rasterize(mesh, cams, 64, backend="kaolin")
    assert (a.face_idx == b.face_idx).float().mean() > 0.99
    same = (a.face_idx == b.face_idx) & a.mask
    assert torch.allclose(a.bary[same], b.bary[same], atol=1e-5)
    assert torch.allclose(a.depth[same], b.depth[same], rtol=1e-5)
