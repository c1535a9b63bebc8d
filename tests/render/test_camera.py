"""Cameras, orbit, sample_views; Lights and sample_lights."""
import math

import pytest
import torch

from aswb.render import Cameras, Lights, orbit, sample_lights, sample_views


def test_look_at_is_orthonormal_and_centres_the_target():
    eye = torch.tensor([[1.0, 2.0, 3.0], [-2.0, 0.5, 0.1], [0.0, 0.0, -4.0]])
    cams = Cameras.look_at(eye, at=(0.1, 0.2, 0.3), fov=50.0)
    assert torch.allclose(cams.R @ cams.R.transpose(1, 2), torch.eye(3).expand(3, 3, 3), atol=1e-6)
    assert torch.allclose(torch.linalg.det(cams.R), torch.ones(3), atol=1e-6)  # right-handed
    c = cams.to_camera(torch.tensor([[0.1, 0.2, 0.3]]))  # the target lies on the -z axis
    assert torch.allclose(c[..., :2], torch.zeros(3, 1, 2), atol=1e-6) and (c[..., 2] < 0).all()
    px = cams.project(torch.tensor([[0.1, 0.2, 0.3]]), (30, 40))
    assert torch.allclose(px, torch.tensor([20.0, 15.0]).expand(3, 1, 2), atol=1e-4)


def test_up_is_up_in_the_image_and_x_is_right():
    cam = Cameras.look_at((0.0, 0.0, 5.0))
    px = cam.project(torch.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]), 64)[0]
    assert px[0, 1] < 32 and px[1, 0] > 32


def test_straight_down_view_picks_a_perpendicular_up():
    cam = Cameras.look_at((0.0, 5.0, 0.0))
    assert torch.isfinite(cam.R).all()
    assert torch.allclose(cam.forward, torch.tensor([[0.0, -1.0, 0.0]]), atol=1e-6)


def test_orbit_places_cameras_on_a_circle():
    cams = orbit(8, dist=2.5, elev=30.0)
    assert len(cams) == 8
    assert torch.allclose(cams.eye.norm(dim=-1), torch.full((8,), 2.5), atol=1e-5)
    assert torch.allclose(cams.eye[:, 1], torch.full((8,), 2.5 * math.sin(math.radians(30))), atol=1e-5)
    assert torch.allclose(cams.eye[0], torch.tensor([0.0, 1.25, 2.5 * math.cos(math.radians(30))]), atol=1e-5)


def test_sample_views_respects_ranges_and_the_generator():
    a = sample_views(64, dist=(2.0, 3.0), elev=(10.0, 20.0), generator=torch.Generator().manual_seed(3))
    b = sample_views(64, dist=(2.0, 3.0), elev=(10.0, 20.0), generator=torch.Generator().manual_seed(3))
    assert torch.equal(a.eye, b.eye)
    d = a.eye.norm(dim=-1)
    elev = torch.rad2deg(torch.asin(a.eye[:, 1] / d))
    assert (d >= 2.0 - 1e-5).all() and (d <= 3.0 + 1e-5).all()
    assert (elev >= 10.0 - 1e-3).all() and (elev <= 20.0 + 1e-3).all()


def test_cameras_index_and_device():
    cams = orbit(4)
    assert len(cams[1]) == 1 and len(cams[1:3]) == 2 and len(cams[torch.tensor([0, 3])]) == 2
    assert cams.to("cpu").device.type == "cpu"


def test_camera_errors_are_clear():
    with pytest.raises(ValueError, match="at its look-at point"):
        Cameras.look_at((1.0, 1.0, 1.0), at=(1.0, 1.0, 1.0))
    with pytest.raises(ValueError, match=r"fov: expected degrees in \(0, 180\)"):
        Cameras.look_at((0.0, 0.0, 2.0), fov=180.0)
    with pytest.raises(ValueError, match=r"eye: expected shape \(3,\) or \(B, 3\)"):
        Cameras.look_at((0.0, 2.0))
    with pytest.raises(ValueError, match="finite"):
        Cameras.look_at((0.0, float("nan"), 2.0))
    with pytest.raises(ValueError, match="znear"):
        Cameras.look_at((0.0, 0.0, 2.0), znear=0.0)
    with pytest.raises(ValueError, match="batch sizes"):
        Cameras.look_at(torch.rand(3, 3) + 2, at=torch.rand(2, 3))
    with pytest.raises(ValueError, match="lo <= hi"):
        sample_views(2, dist=(3.0, 2.0))
    with pytest.raises(TypeError, match=r"\(lo, hi\)"):
        sample_views(2, elev="high")
    with pytest.raises(ValueError, match="positive"):
        sample_views(2, dist=(-1.0, 2.0))
    with pytest.raises(ValueError, match="positive int"):
        orbit(0)
    with pytest.raises(ValueError, match="azimuths"):
        orbit(3, azim=[0.0, 10.0])


def test_cameras_inside_the_bounding_sphere_are_allowed():
    cam = Cameras.look_at((0.0, 0.0, 0.3))  # inside a unit object
    assert len(cam) == 1


def test_lights_broadcast_and_normalise():
    lights = Lights(ambient=0.3, direction=(0.0, 0.0, 2.0), intensity=torch.tensor([0.5, 1.0]))
    assert len(lights) == 2
    assert torch.allclose(lights.direction, torch.tensor([[0.0, 0.0, 1.0]]))
    ex = lights.expand(2)
    assert ex.ambient.shape == (2, 3) and ex.direction.shape == (2, 3) and ex.intensity.shape == (2,)
    assert len(lights[1]) == 1 and float(lights[1].intensity) == 1.0
    with pytest.raises(ValueError, match="2 lights but 3 views"):
        lights.expand(3)


def test_lights_errors_are_clear():
    with pytest.raises(ValueError, match="zero direction"):
        Lights(direction=(0.0, 0.0, 0.0))
    with pytest.raises(ValueError, match=">= 0"):
        Lights(intensity=-1.0)
    with pytest.raises(ValueError, match="disagree"):
        Lights(ambient=torch.rand(2), intensity=torch.rand(3))
    with pytest.raises(ValueError, match="ambient"):
        Lights(ambient=torch.rand(2, 4))
    with pytest.raises(ValueError, match="finite"):
        Lights(color=(1.0, float("inf"), 1.0))
    with pytest.raises(ValueError, match="color_jitter"):
        sample_lights(2, color_jitter=1.5)


def test_sample_lights_ranges_and_determinism():
    a = sample_lights(50, ambient=(0.1, 0.2), intensity=(0.5, 0.6), elev=(30.0, 60.0), color_jitter=0.1,
                      generator=torch.Generator().manual_seed(0))
    b = sample_lights(50, ambient=(0.1, 0.2), intensity=(0.5, 0.6), elev=(30.0, 60.0), color_jitter=0.1,
                      generator=torch.Generator().manual_seed(0))
    assert torch.equal(a.direction, b.direction)
    assert ((a.ambient >= 0.1) & (a.ambient <= 0.2)).all() and ((a.intensity >= 0.5) & (a.intensity <= 0.6)).all()
    elev = torch.rad2deg(torch.asin(a.direction[:, 1]))
    assert ((elev >= 30 - 1e-3) & (elev <= 60 + 1e-3)).all()
    assert ((a.color >= 0.9 - 1e-6) & (a.color <= 1.1 + 1e-6)).all()


def test_three_sampled_lights_are_three_grey_ambients_not_one_colour():
    lights = sample_lights(3, ambient=(0.1, 0.6), generator=torch.Generator().manual_seed(0))
    assert len(lights) == 3 and lights.ambient.shape == (3, 3)
    assert torch.equal(lights.ambient[:, 0], lights.ambient[:, 1])  # grey per view
    assert Lights(ambient=torch.tensor([[0.2], [0.4]])).ambient.shape == (2, 3)
