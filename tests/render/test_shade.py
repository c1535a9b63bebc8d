"""shade / interpolate / sample_texture: colours, orientation, lighting, exact gradient support."""
import pytest
import torch

from aswb.render import Cameras, Lights, Mesh, orbit, primitives as P, rasterize, sample_texture, shade
from aswb.render.primitives import FACE_COLORS

AMBIENT_ONLY = Lights(ambient=1.0, intensity=0.0)
# view direction -> expected side colour (order +z, -z, +x, -x, +y, -y)
SIDES = [((0, 0, 3), 0), ((0, 0, -3), 1), ((3, 0, 0), 2), ((-3, 0, 0), 3), ((0, 3, 0), 4), ((0, -3, 0), 5)]


@pytest.mark.parametrize("eye,side", SIDES)
def test_cube_shows_the_facing_colour_at_the_centre_and_background_elsewhere(eye, side):
    cube = P.face_colored_cube()
    cam = Cameras.look_at(eye, fov=30.0)
    frags = rasterize(cube, cam, 33)
    img = shade(cube, frags, cam, AMBIENT_ONLY, background=(0.25, 0.5, 0.75))
    assert torch.allclose(img[0, 16, 16], FACE_COLORS[side], atol=1e-5)
    assert torch.allclose(img[0, 0, 0], torch.tensor([0.25, 0.5, 0.75]))
    assert torch.allclose(img[0, 32, 32], torch.tensor([0.25, 0.5, 0.75]))


def top_red_texture(h=16, w=16):
    tex = torch.zeros(h, w, 3)
    tex[: h // 2, :, 0] = 1.0  # rows at the top of the image: red
    tex[h // 2 :, :, 2] = 1.0  # bottom: blue
    tex[:, : w // 4, 1] = 1.0  # left quarter: + green
    return tex


def test_texture_top_half_appears_at_the_top_of_a_camera_facing_quad():
    quad = P.quad(1.0, 1.0, texture=top_red_texture())
    cam = Cameras.look_at((0.0, 0.0, 2.0), fov=40.0)  # the quad spans NDC +-0.69: columns 11..52
    img = shade(quad, rasterize(quad, cam, 64), cam, None)
    top, bottom = img[0, 24, 36], img[0, 40, 36]
    assert top[0] > 0.99 and top[2] < 0.01
    assert bottom[2] > 0.99 and bottom[0] < 0.01
    assert img[0, 24, 15, 1] > 0.99 and img[0, 24, 36, 1] < 0.01  # the green stripe (u < 1/4) is on the left


def test_sample_texture_bilinear_matches_a_hand_computation():
    tex = torch.arange(12.0).reshape(2, 2, 3) / 12
    # texel centres of a 2x2 texture sit at u, v in {0.25, 0.75}; v = 0.75 is row 0
    assert torch.allclose(sample_texture(tex, torch.tensor([[0.25, 0.75]])), tex[0, 0][None])
    assert torch.allclose(sample_texture(tex, torch.tensor([[0.75, 0.25]])), tex[1, 1][None])
    mid = sample_texture(tex, torch.tensor([[0.5, 0.5]]))
    assert torch.allclose(mid, tex.mean((0, 1))[None])
    assert torch.allclose(sample_texture(tex, torch.tensor([[1.25, 0.75]]), wrap="repeat"), tex[0, 0][None])
    with pytest.raises(ValueError, match="wrap"):
        sample_texture(tex, torch.zeros(1, 2), wrap="mirror")


def test_lambert_shading_follows_the_angle_and_is_two_sided():
    quad = P.quad(2.0, 2.0).with_vertex_colors(torch.ones(4, 3))
    for eye in ((0.0, 0.0, 3.0), (0.0, 0.0, -3.0)):  # front and back look the same
        cam = Cameras.look_at(eye, fov=20.0)
        frags = rasterize(quad, cam, 16)
        toward = torch.tensor(eye) / 3
        for angle, expect in ((0.0, 0.9), (60.0, 0.2 + 0.7 * 0.5)):
            rot = torch.deg2rad(torch.tensor(angle))
            d = torch.tensor([torch.sin(rot), 0.0, torch.cos(rot) * toward[2]])
            img = shade(quad, frags, cam, Lights(ambient=0.2, direction=d, intensity=0.7))
            assert torch.allclose(img[0, 8, 8], torch.full((3,), expect), atol=1e-5)
    lit_from_behind = shade(quad, rasterize(quad, facing := Cameras.look_at((0.0, 0.0, 3.0)), 16), facing,
                            Lights(ambient=0.2, direction=(0.0, 0.0, -1.0), intensity=0.7))
    assert torch.allclose(lit_from_behind[0, 8, 8], torch.full((3,), 0.2), atol=1e-6)


def test_background_images_per_view_and_supersampled_edges():
    quad = P.quad(1.0, 1.0).with_vertex_colors(torch.ones(4, 3))
    cams = orbit(2, dist=2.5, elev=0.0, azim=[0.0, 30.0])
    bg = torch.rand(2, 16, 16, 3, generator=torch.Generator().manual_seed(0))
    frags = rasterize(quad, cams, 64)  # 4x supersampled
    img = shade(quad, frags, cams, None, background=bg, supersample=4)
    assert img.shape == (2, 16, 16, 3)
    assert torch.equal(img[:, 0, 0], bg[:, 0, 0])
    cover = torch.nn.functional.avg_pool2d(frags.mask.float()[:, None], 4)[:, 0]  # (2, 16, 16)
    edge = (cover > 0) & (cover < 1)
    assert edge.any()  # anti-aliased edge pixels mix object and background by their coverage
    want = cover[..., None] + bg * (1 - cover[..., None])
    assert torch.allclose(img, want, atol=1e-6)


def test_gradients_reach_exactly_the_visible_vertices():
    cube = P.box(segments=2)
    vc = torch.full((cube.num_verts, 3), 0.5, requires_grad=True)
    cam = Cameras.look_at((0.3, 0.4, 3.0), fov=30.0)  # sees +z, +x and +y sides
    frags = rasterize(cube, cam, 48)
    w = torch.rand(1, 48, 48, 3, generator=torch.Generator().manual_seed(0)) + 0.1
    (shade(cube, frags, cam, None, vertex_colors=vc) * w).sum().backward()
    got = vc.grad.abs().sum(-1) > 0
    vis = frags.face_idx[frags.mask]
    corner_w = frags.bary[frags.mask]  # a corner with zero weight everywhere gets no gradient
    want = torch.zeros(cube.num_verts, dtype=torch.bool)
    want[cube.faces[vis][corner_w > 0]] = True
    assert torch.equal(got, want)
    assert want.sum() < cube.num_verts / 2 + 10  # hidden sides get none


def test_gradients_reach_exactly_the_texels_under_visible_pixels():
    Ht, Wt = 24, 36
    cube = P.box(texture=torch.rand(Ht, Wt, 3))
    tex = torch.full((Ht, Wt, 3), 0.5, requires_grad=True)
    cam = Cameras.look_at((0.0, 0.0, 3.0), fov=30.0)
    frags = rasterize(cube, cam, 40)
    shade(cube, frags, cam, None, texture=tex).sum().backward()
    got = tex.grad.abs().sum(-1) > 0
    # naive footprint: the bilinear neighbours (non-zero weight) of every visible pixel's UV
    from aswb.render import interpolate

    uv = interpolate(cube.uvs, frags, cube.face_uvs)[frags.mask].double()
    x, y = uv[:, 0] * Wt - 0.5, (1 - uv[:, 1]) * Ht - 0.5
    want = torch.zeros(Ht, Wt, dtype=torch.bool)
    for xs, wx in ((torch.floor(x), 1 - (x - torch.floor(x))), (torch.floor(x) + 1, x - torch.floor(x))):
        for ys, wy in ((torch.floor(y), 1 - (y - torch.floor(y))), (torch.floor(y) + 1, y - torch.floor(y))):
            ok = (wx * wy) > 1e-6
            want[ys[ok].long().clamp(0, Ht - 1), xs[ok].long().clamp(0, Wt - 1)] = True
    assert torch.equal(got, want)
    assert got.sum() < Ht * Wt / 3  # only the front cell of the 3 x 2 atlas


def test_gradcheck_on_a_tiny_scene():
    quad = P.quad(1.0, 1.0, texture=torch.rand(3, 3, 3))
    cam = Cameras.look_at((0.3, 0.2, 2.0), fov=40.0)
    frags = rasterize(quad, cam, 6)
    tex = (torch.rand(3, 3, 3, dtype=torch.float64) * 0.5 + 0.25).requires_grad_()
    inten = torch.tensor(0.4, dtype=torch.float64, requires_grad=True)
    vc = (torch.rand(4, 3, dtype=torch.float64) * 0.5 + 0.25).requires_grad_()
    light = lambda i: Lights(ambient=0.3, direction=(0.2, 0.3, 1.0), intensity=i)  # noqa: E731
    assert torch.autograd.gradcheck(lambda t, i: shade(quad, frags, cam, light(i), texture=t, background=0.5),
                                    (tex, inten))
    assert torch.autograd.gradcheck(lambda v: shade(quad, frags, cam, light(inten.detach()), vertex_colors=v), (vc,))


def test_light_intensity_gets_a_gradient():
    cube = P.face_colored_cube()
    cams = orbit(2, dist=3.0, elev=20.0)
    inten = torch.tensor([0.3, 0.5], requires_grad=True)
    img = shade(cube, rasterize(cube, cams, 24), cams, Lights(ambient=0.2, direction=(1.0, 1.0, 1.0), intensity=inten))
    img.mean().backward()
    assert (inten.grad > 0).all()


def test_multi_material_meshes_sample_each_texture():
    from aswb.render.mesh import concat

    red = P.quad(1.0, 1.0, texture=torch.tensor([1.0, 0.0, 0.0]).expand(4, 4, 3).clone())
    blue = P.quad(1.0, 1.0, texture=torch.tensor([0.0, 0.0, 1.0]).expand(4, 4, 3).clone())
    blue = Mesh(verts=blue.verts + torch.tensor([1.2, 0.0, 0.0]), faces=blue.faces, uvs=blue.uvs,
                face_uvs=blue.face_uvs, textures=blue.textures)
    both = concat([red, blue])
    assert len(both.textures) == 2
    cam = Cameras.look_at((0.6, 0.0, 3.0), at=(0.6, 0.0, 0.0), fov=40.0)
    img = shade(both, rasterize(both, cam, 64), cam, None)
    assert torch.allclose(img[0, 32, 20], torch.tensor([1.0, 0.0, 0.0]))
    assert torch.allclose(img[0, 32, 44], torch.tensor([0.0, 0.0, 1.0]))


def test_bad_colours_and_backgrounds_get_clear_errors():
    quad = P.quad(texture=torch.rand(4, 4, 3))
    cam = Cameras.look_at((0.0, 0.0, 2.0))
    frags = rasterize(quad, cam, 8)
    with pytest.raises(ValueError, match=r"expected shape \(Ht, Wt, 3\)"):
        shade(quad, frags, cam, texture=torch.rand(4, 4))
    with pytest.raises(TypeError, match="float tensor"):
        shade(quad, frags, cam, texture=torch.zeros(4, 4, 3, dtype=torch.uint8))
    with pytest.raises(ValueError, match=r"values in \[0, 1\]"):
        shade(quad, frags, cam, texture=torch.full((4, 4, 3), 2.0))
    with pytest.raises(ValueError, match="NaN"):
        shade(quad, frags, cam, texture=torch.full((4, 4, 3), float("nan")))
    with pytest.raises(ValueError, match=r"expected shape \(4, 3\)"):
        shade(quad, frags, cam, vertex_colors=torch.rand(5, 3))
    with pytest.raises(ValueError, match="not both"):
        shade(quad, frags, cam, vertex_colors=torch.rand(4, 3), texture=torch.rand(4, 4, 3))
    with pytest.raises(ValueError, match="1 material"):
        shade(quad, frags, cam, texture=[torch.rand(4, 4, 3)] * 2)
    with pytest.raises(ValueError, match="background"):
        shade(quad, frags, cam, background=torch.rand(3, 5, 5, 3))
    with pytest.raises(ValueError, match="no UVs"):
        bare = Mesh(verts=quad.verts, faces=quad.faces)
        shade(bare, frags, cam, texture=torch.rand(4, 4, 3))
    with pytest.raises(ValueError, match="multiple of supersample"):
        shade(quad, frags, cam, supersample=3)
    with pytest.raises(ValueError, match="views"):
        shade(quad, frags, orbit(2), None)
