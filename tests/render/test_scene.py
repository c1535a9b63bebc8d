"""Scene: fragments cached once, renders equal direct shading, differentiable."""
import pytest
import torch

import aswb.render.scene as scene_mod
from aswb.render import Lights, Scene, orbit, primitives as P, rasterize, shade


def test_fragments_are_computed_once(monkeypatch):
    calls = []
    real = scene_mod.rasterize
    monkeypatch.setattr(scene_mod, "rasterize", lambda *a, **k: calls.append(1) or real(*a, **k))
    sc = Scene(P.box(texture=P.checker(32)), orbit(3, dist=3.0), Lights(), image_size=24)
    tex = P.checker(32)
    for _ in range(3):
        sc.render(texture=tex)
    sc.render(lights=Lights(ambient=0.1), background=(0.0, 0.0, 0.0))
    assert len(calls) == 1


def test_render_equals_rasterize_then_shade_and_defaults_to_the_mesh_colours():
    mesh = P.box(texture=P.checker(32))
    cams = orbit(2, dist=3.0, elev=20.0)
    sc = Scene(mesh, cams, Lights(), image_size=32, supersample=2, background=(0.1, 0.2, 0.3))
    direct = shade(mesh, rasterize(mesh, cams, 64), cams, Lights(), background=(0.1, 0.2, 0.3), supersample=2)
    assert torch.equal(sc.render(), direct)
    assert torch.equal(sc.render(texture=mesh.textures[0]), direct)
    assert sc.mask.shape == (2, 32, 32) and ((sc.mask >= 0) & (sc.mask <= 1)).all()


def test_render_is_differentiable_and_in_range():
    mesh = P.uv_sphere(rings=8, sectors=16, texture=P.checker(16))
    sc = Scene(mesh, orbit(4, dist=3.0), Lights(ambient=0.4, intensity=0.9), image_size=20)
    tex = P.checker(16).requires_grad_()
    img = sc.render(texture=tex)
    assert img.shape == (4, 20, 20, 3) and img.min() >= 0 and img.max() <= 1
    img.mean().backward()
    assert tex.grad.abs().sum() > 0


def test_scene_errors_are_clear():
    with pytest.raises(TypeError, match="Mesh"):
        Scene("mesh.obj", orbit(2))
    with pytest.raises(TypeError, match="Cameras"):
        Scene(P.quad(), None)
    with pytest.raises(TypeError, match="Lights"):
        Scene(P.quad(), orbit(2), lights=0.5)
    with pytest.raises(ValueError, match="unknown backend"):
        Scene(P.quad(), orbit(2), backend="vulkan")
    with pytest.raises(ValueError, match="background"):
        Scene(P.quad(), orbit(2), image_size=8, background=torch.rand(2, 9, 9, 3))
    with pytest.raises(ValueError, match="positive int"):
        Scene(P.quad(), orbit(2), image_size=-4)


def test_cached_shading_equals_uncached_and_follows_light_changes():
    mesh = P.box(texture=P.checker(16)).with_vertex_colors(torch.rand(24, 3, generator=torch.Generator().manual_seed(0)))
    cams = orbit(3, dist=3.0, elev=25.0)
    sc = Scene(mesh, cams, Lights(), image_size=24, supersample=2)
    frags = sc.fragments
    for _ in range(2):  # second call hits the cache
        for kw in ({}, {"vertex_colors": mesh.vertex_colors}):
            want = shade(mesh, frags, cams, Lights(), supersample=2, **kw)
            assert torch.allclose(sc.render(**kw), want, atol=1e-6)
    dim = Lights(ambient=0.1, intensity=0.2)
    assert torch.allclose(sc.render(lights=dim), shade(mesh, frags, cams, dim, supersample=2), atol=1e-6)
    inten = torch.tensor(0.5, requires_grad=True)  # lights with gradients are never cached
    sc.render(lights=Lights(intensity=inten)).sum().backward()
    assert inten.grad is not None and inten.grad > 0
