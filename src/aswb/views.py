"""View distributions: the named viewing conditions of a world (cameras, lights, backgrounds,
camera noise) and the fixed view banks and fresh-view samplers drawn from them.

Every world names the same four conditions: ``"easy"`` (ordinary elevations and distances,
moderate light), ``"hard_view"`` (from below, straight down, very close or far),
``"hard_light"`` (dim, grazing or from below, strongly tinted, noisy dim camera) and
``"hard"`` (both). A :class:`ViewDistribution` holds what they mean in numbers for one world,
at that world's image size.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import torch

from ._checks import _describe, positive_int
from .render import Lights, Mesh, Scene, expose, sample_lights, sample_views
from .render.camera import Cameras

__all__ = ["Condition", "ViewDistribution", "CONDITION_NAMES", "STANDARD_CONDITIONS", "check_seed"]

CONDITION_NAMES = ("easy", "hard_view", "hard_light", "hard")


@dataclass(frozen=True)
class Condition:
    """A viewing condition: camera and light ranges (degrees, scene units of a unit-sphere mesh).

    Fields:
        views: ``((weight, (dist_lo, dist_hi), (elev_lo, elev_hi)), ...)``: a mixture of view regions.
        ambient, intensity: ranges of the ambient and directional light levels.
        light_elev: range of the light's elevation (degrees; negative = from below).
        color_jitter: how strongly lights are tinted (0 = white).
        bg_gain: range of the background's exposure (a dim scene is dim everywhere).
        noise: range of the sensor noise sigma before auto-exposure (dim scenes are noisy).
    """

    views: tuple
    ambient: tuple
    intensity: tuple
    light_elev: tuple
    color_jitter: float
    bg_gain: tuple = (1.0, 1.0)
    noise: tuple = (0.0, 0.0)


_EASY_VIEWS = ((1.0, (2.3, 3.0), (0.0, 35.0)),)
_HARD_VIEWS = ((1.0, (2.3, 3.0), (-85.0, -45.0)),  # from below
               (1.0, (2.3, 3.0), (70.0, 89.0)),  # straight down
               (1.0, (1.15, 1.45), (-10.0, 45.0)),  # so close the object overfills the frame
               (1.0, (6.0, 8.0), (-10.0, 45.0)))  # far away: a few pixels tall
#: the standard conditions, for unit-sphere meshes (toy and real worlds alike)
STANDARD_CONDITIONS: dict[str, Condition] = {
    "easy": Condition(_EASY_VIEWS, (0.35, 0.6), (0.4, 0.9), (20.0, 80.0), 0.1),
    "hard_view": Condition(_HARD_VIEWS, (0.35, 0.6), (0.4, 0.9), (20.0, 80.0), 0.1),
    "hard_light": Condition(_EASY_VIEWS, (0.02, 0.1), (0.15, 0.45), (-30.0, 5.0), 0.6, (0.08, 0.3), (0.02, 0.05)),
    "hard": Condition(_HARD_VIEWS, (0.02, 0.1), (0.15, 0.45), (-30.0, 5.0), 0.6, (0.08, 0.3), (0.02, 0.05)),
}


def check_seed(seed) -> int:
    """``seed`` as an int in [0, 2**31), or a clear TypeError/ValueError."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed: expected an int, got {_describe(seed)}")
    if not 0 <= seed < 2**31:
        raise ValueError(f"seed: expected an int in [0, 2**31), got {seed}")
    return seed


@dataclass(frozen=True)
class ViewDistribution:
    """The viewing conditions of a world at its render size.

    Fields:
        conditions: {name: :class:`Condition`}; holds at least :data:`CONDITION_NAMES`.
        image_size: render side in pixels.
        supersample: anti-aliasing factor of renders.
        fov: vertical field of view of every camera, degrees.
    """

    conditions: Mapping[str, Condition]
    image_size: int
    supersample: int = 2
    fov: float = 45.0

    def condition(self, name: str) -> Condition:
        """The :class:`Condition` called ``name`` (ValueError listing the names otherwise)."""
        if not isinstance(name, str) or name not in self.conditions:
            raise ValueError(f"unknown condition {name!r}; expected one of {list(self.conditions)}")
        return self.conditions[name]

    # -- drawing ---------------------------------------------------------------------------
    def sample(self, n: int, condition: str = "easy", generator: torch.Generator | None = None,
               device=None) -> tuple[Cameras, Lights]:
        """``n`` cameras (looking at the origin) and lights drawn from a condition."""
        n = positive_int(n, "n")
        c = self.condition(condition)
        w = torch.tensor([v[0] for v in c.views])
        region = torch.multinomial(w, n, replacement=True, generator=generator)
        eyes = [sample_views(n, dist=dist, elev=elev, fov=self.fov, generator=generator).eye for _, dist, elev in c.views]
        eye = torch.stack(eyes, 0)[region, torch.arange(n)]  # (n, 3) pick each view's region
        cams = Cameras.look_at(eye, fov=self.fov, device=device)
        lights = sample_lights(n, ambient=c.ambient, intensity=c.intensity, elev=c.light_elev,
                               color_jitter=c.color_jitter, generator=generator, device=device)
        return cams, lights

    def backgrounds(self, n: int, generator: torch.Generator | None = None, condition: str | None = None,
                    size: int | None = None) -> torch.Tensor:
        """Varied backgrounds: solid colours, vertical gradients, smooth noise and soft stripes,
        dimmed like the scene for a condition whose light is dim.

        Returns:
            (n, size, size, 3) float32 in [0, 1] (``size`` defaults to :attr:`image_size`).
        """
        n, size = positive_int(n, "n"), positive_int(self.image_size if size is None else size, "size")
        g = generator
        kind = torch.randint(0, 4, (n,), generator=g)
        c0 = torch.rand(n, 1, 1, 3, generator=g)
        c1 = torch.rand(n, 1, 1, 3, generator=g)
        nz = torch.rand(n, 3, 6, 6, generator=g)
        freq = 2 + 6 * torch.rand(n, 1, 1, 1, generator=g)
        y = torch.linspace(0, 1, size).view(1, size, 1, 1)
        x = torch.linspace(0, 1, size).view(1, 1, size, 1)
        out = torch.empty(n, size, size, 3)
        # each image computes only its own kind (the draws above are made for all, in one order)
        for k in range(4):
            sel = (kind == k).nonzero().squeeze(1)
            if sel.numel() == 0:
                continue
            a, b = c0[sel], c1[sel]
            if k == 0:  # solid
                out[sel] = a.expand(len(sel), size, size, 3)
            elif k == 1:  # vertical gradient
                out[sel] = a * (1 - y) + b * y
            elif k == 2:  # smooth noise
                up = torch.nn.functional.interpolate(nz[sel], size=(size, size), mode="bicubic", align_corners=False)
                out[sel] = (a * 0.5 + 0.5 * up.permute(0, 2, 3, 1)).clamp(0, 1)
            else:  # soft stripes
                out[sel] = a + (b - a) * (0.5 + 0.5 * torch.sin(6.283 * freq[sel] * (x + 0.5 * y)))
        if condition is not None:
            lo, hi = self.condition(condition).bg_gain
            out = out * (lo + (hi - lo) * torch.rand(n, 1, 1, 1, generator=g))
        return out.clamp(0, 1).contiguous()

    def noise(self, n: int, condition: str, generator: torch.Generator | None = None,
              size: int | None = None) -> torch.Tensor:
        """Sensor noise of a condition's camera: (n, size, size, 3) float32, Gaussian with a
        per-image sigma drawn from the condition's range (all zeros for bright conditions)."""
        size = self.image_size if size is None else size
        lo, hi = self.condition(condition).noise
        if hi == 0:
            return torch.zeros(n, size, size, 3)
        sigma = lo + (hi - lo) * torch.rand(n, 1, 1, 1, generator=generator)
        return sigma * torch.randn(n, size, size, 3, generator=generator)

    # -- banks, samplers, renders -----------------------------------------------------------
    def _draw(self, mesh: Mesh, n: int, condition: str, generator, size: int):
        from .evaluate import ViewBank

        cams, lights = self.sample(n, condition, generator, device=mesh.device)
        bg = self.backgrounds(n, generator, condition, size).to(mesh.device)
        noise = self.noise(n, condition, generator, size).to(mesh.device)
        return ViewBank(Scene(mesh, cams, lights, image_size=size, background=bg, supersample=self.supersample),
                    noise if bool(noise.any()) else None, condition)

    def bank(self, mesh: Mesh, n: int, condition: str = "easy", seed: int = 0, size: int | None = None):
        """A fixed bank of ``n`` views, lights, backgrounds and camera noise of a condition.

        Returns:
            :class:`aswb.evaluate.ViewBank` whose ``render(texture=...)`` gives (n, size, size, 3)
            float32 in [0, 1].
        """
        if not isinstance(mesh, Mesh):
            raise TypeError(f"bank: expected a Mesh, got {_describe(mesh)}")
        return self._draw(mesh, positive_int(n, "n"), condition, torch.Generator().manual_seed(check_seed(seed)),
                          self.image_size if size is None else positive_int(size, "size"))

    def sampler(self, mesh: Mesh, n: int, conditions=("easy", "hard"), seed: int = 0, size: int | None = None):
        """A :class:`aswb.signals.ViewSampler` drawing ``n`` fresh views each step, split evenly
        between ``conditions`` (EoT over easy and hard views and lights)."""
        from .evaluate import ViewBank
        from .signals import ViewSampler

        conds = [conditions] if isinstance(conditions, str) else list(conditions)
        for c in conds:
            self.condition(c)
        n = positive_int(n, "n")
        if n < len(conds):
            raise ValueError(f"sampler: n={n} views cannot be split between {len(conds)} conditions")
        size = self.image_size if size is None else positive_int(size, "size")

        def make(m, k, g):
            parts = [self._draw(m, k // len(conds) + (i < k % len(conds)), c, g, size) for i, c in enumerate(conds)]
            cams = Cameras(torch.cat([p.scene.cameras.eye for p in parts]), torch.cat([p.scene.cameras.R for p in parts]),
                           torch.cat([p.scene.cameras.fov for p in parts]), parts[0].scene.cameras.znear)
            lights = Lights(*(torch.cat([getattr(p.scene.lights, f) for p in parts])
                              for f in ("ambient", "direction", "intensity", "color")))
            bg = torch.cat([torch.as_tensor(p.scene.background) for p in parts])
            noise = torch.cat([p.noise if p.noise is not None else torch.zeros(len(p), size, size, 3, device=m.device)
                               for p in parts])
            return ViewBank(Scene(m, cams, lights, size, background=bg, supersample=self.supersample), noise, "+".join(conds))

        return ViewSampler(mesh, n, make, seed)

    def render(self, mesh: Mesh, n: int, condition: str = "easy", generator: torch.Generator | None = None,
               size: int | None = None, texture=None, vertex_colors=None,
               backgrounds: torch.Tensor | None = None, return_coverage: bool = False):
        """Render ``n`` views of ``mesh`` drawn from a condition, over random backgrounds, through
        the condition's camera (sensor noise and auto-exposure in dim light, see
        :func:`aswb.render.expose`).

        Args:
            mesh: the mesh.
            n: number of views.
            condition: a condition name.
            generator: CPU generator for views, lights, backgrounds and noise (seeded -> same bytes).
            size: output side in pixels (default :attr:`image_size`).
            texture / vertex_colors: colours to render instead of the mesh's own.
            backgrounds: (n, size, size, 3) in [0, 1], or None for :meth:`backgrounds`.
            return_coverage: also return the object's coverage.
        Returns:
            (n, size, size, 3) float32 images in [0, 1]; with ``return_coverage`` a pair
            ``(images, coverage)``, coverage (n, size, size) float32 in [0, 1] (0: no face
            rasterised in the pixel, fractional on anti-aliased edges).
        """
        if not isinstance(mesh, Mesh):
            raise TypeError(f"render_views: expected a Mesh, got {_describe(mesh)}")
        size = self.image_size if size is None else positive_int(size, "size")
        cams, lights = self.sample(n, condition, generator, device=mesh.device)
        if backgrounds is None:
            backgrounds = self.backgrounds(n, generator, condition, size).to(mesh.device)
        noise = self.noise(n, condition, generator, size).to(mesh.device)
        scene = Scene(mesh, cams, lights, image_size=size, background=backgrounds, supersample=self.supersample)
        images = expose(scene.render(texture=texture, vertex_colors=vertex_colors), noise)
        return (images, scene.mask) if return_coverage else images
