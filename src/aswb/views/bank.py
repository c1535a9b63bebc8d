"""Banks and samplers: the two ways a view distribution is used.

A :class:`ViewBank` is a fixed, seeded set of views (cameras, lights, backgrounds, camera
noise) whose fragments are rasterised once and cached: for judging signals, and for
optimising on fixed views. A :class:`ViewSampler` draws a fresh bank every step: expectation
over transformation in 3D, for optimising signals that hold on views they never saw.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from .._checks import _describe, check_seed, coloring_kind, positive_int
from ..render import Mesh, Scene, expose, sample_lights, sample_views

__all__ = ["ViewBank", "ViewSampler"]


@dataclass(frozen=True, eq=False)
class ViewBank:
    """A fixed set of views to render an object on: a :class:`~aswb.render.Scene` (cameras,
    lights, backgrounds; fragments cached) and the camera's sensor noise (or None).

    Fields:
        scene: the scene (B views).
        noise: (B, H, W, 3) float sensor noise, or None for a clean camera.
        name: a label such as the viewing condition (``"hard_view"``).
    """

    scene: Scene
    noise: torch.Tensor | None = None
    name: str = "views"

    def render(self, vertex_colors=None, texture=None) -> torch.Tensor:
        """(B, H, W, 3) float32 in [0, 1]: the scene with these colours, through the camera
        (channels last, for display)."""
        return expose(self.scene.render(vertex_colors=vertex_colors, texture=texture), self.noise)

    def images(self, colors: torch.Tensor | None = None) -> torch.Tensor:
        """(B, 3, H, W) float32 in [0, 1]: what a classifier takes (channels first).

        ``colors``: a UV texture (Ht, Wt, 3) or vertex colours (V, 3) in [0, 1] (told apart by
        shape, see :func:`aswb._checks.coloring_kind`), or None for the mesh's own colours.
        """
        if colors is None:
            img = self.render()
        elif coloring_kind(colors) == "uv":
            img = self.render(texture=colors)
        else:
            img = self.render(vertex_colors=colors)
        return img.permute(0, 3, 1, 2)

    @staticmethod
    def of(views, name: str = "views") -> "ViewBank":
        """A ViewBank as it is, or a :class:`~aswb.render.Scene` wrapped in one (clean camera)."""
        if isinstance(views, ViewBank):
            return views
        if isinstance(views, Scene):
            return ViewBank(views, name=name)
        raise TypeError(f"{name}: expected an aswb.views.ViewBank or an aswb.render.Scene, got {_describe(views)}")

    def __len__(self) -> int:
        return len(self.scene)


class ViewSampler:
    """A fresh batch of views each step: expectation over transformation in 3D.

    Args:
        mesh: the mesh.
        n: views per step.
        make: ``make(mesh, n, generator) -> ViewBank`` draws one batch (cameras, lights,
            backgrounds, camera noise); :meth:`aswb.views.ViewDistribution.sampler` and
            :meth:`from_ranges` build samplers without one.
        seed: seeds the generator (same seed, same sequence of batches).

    Calling ``sampler(step)`` returns a :class:`ViewBank`.
    """

    def __init__(self, mesh: Mesh, n: int, make: Callable | None, seed: int = 0):
        if not isinstance(mesh, Mesh):
            raise TypeError(f"ViewSampler: expected a Mesh, got {_describe(mesh)}")
        if make is not None and not callable(make):
            raise TypeError(f"ViewSampler: make must be callable (mesh, n, generator) -> ViewBank, got {_describe(make)}")
        self.mesh, self.n, self.make, self.seed = mesh, positive_int(n, "n"), make, check_seed(seed)
        self.reset()

    def draw(self) -> ViewBank:
        """The next batch (what ``make`` returns)."""
        return self.make(self.mesh, self.n, self.generator)

    def __call__(self, step: int) -> ViewBank:
        bank = self.draw()
        if not isinstance(bank, ViewBank):
            raise TypeError(f"ViewSampler: make(...) must return an aswb.views.ViewBank, got {_describe(bank)}")
        return bank

    def reset(self) -> None:
        """Restart the sequence of batches."""
        self.generator = torch.Generator().manual_seed(self.seed)

    @staticmethod
    def from_ranges(mesh: Mesh, n: int, image_size: int = 224, dist=(2.2, 3.0), elev=(-10.0, 40.0),
                    azim=(0.0, 360.0), fov: float = 40.0, ambient=(0.3, 0.6), intensity=(0.3, 0.9),
                    light_elev=(10.0, 80.0), background=(1.0, 1.0, 1.0), supersample: int = 1,
                    seed: int = 0) -> "ViewSampler":
        """A sampler drawing views and lights uniformly from ranges, on a fixed background colour."""

        def make(m, k, g):
            cams = sample_views(k, dist=dist, elev=elev, azim=azim, fov=fov, generator=g, device=m.device)
            lights = sample_lights(k, ambient=ambient, intensity=intensity, elev=light_elev, generator=g, device=m.device)
            return ViewBank(Scene(m, cams, lights, image_size, background=background, supersample=supersample))

        return ViewSampler(mesh, n, make, seed)
