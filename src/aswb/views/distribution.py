"""View distributions: the viewing conditions of a world at its render size (cameras, lights,
backgrounds, camera noise), and the fixed view banks and fresh-view samplers drawn from them.

Order of draws (what makes seeded banks reproducible): for each condition, cameras and lights
from the views' generator, then the backgrounds (:mod:`aswb.views.backgrounds`: the procedural
source from the views' generator, any other source from its own stream), then the
background's dimming and the camera noise from the views' generator.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import torch

from .._checks import _describe, check_render_batch, check_seed, positive_int
from ..render import Lights, Mesh, Scene, expose, sample_lights, sample_views
from ..render.camera import Cameras
from .backgrounds import BackgroundSource, background_source, by_condition, source_seed
from .bank import ViewBank, ViewSampler
from .conditions import Condition, split_seed

__all__ = ["ViewDistribution"]


class _Streams:
    """The random streams of one bank or sampler: the views' generator and one per background
    source that does not share it (seeded from ``seed`` and the source's name)."""

    def __init__(self, seed: int | None = None, generator: torch.Generator | None = None):
        self.seed = seed
        self.views = generator if generator is not None else torch.Generator().manual_seed(seed)
        self._own: dict[str, torch.Generator] = {}

    def of(self, source: BackgroundSource) -> torch.Generator:
        if getattr(source, "shares_view_stream", False) or self.seed is None:
            return self.views
        if source.name not in self._own:
            self._own[source.name] = torch.Generator().manual_seed(source_seed(self.seed, source.name))
        return self._own[source.name]


class _FreshViews(ViewSampler):
    """A :class:`ViewSampler` of a view distribution: ``n`` fresh views a step, split evenly
    between conditions, every stream restarted by :meth:`reset`."""

    def __init__(self, dist: "ViewDistribution", mesh: Mesh, n: int, conditions: tuple, seed: int, size: int,
                 backgrounds: dict):
        self.dist, self.conditions, self.size, self.backgrounds = dist, conditions, size, backgrounds
        super().__init__(mesh, n, None, seed)

    def reset(self) -> None:
        self.streams = _Streams(self.seed)
        self.generator = self.streams.views

    def draw(self) -> ViewBank:
        conds, m, k, size = self.conditions, self.mesh, self.n, self.size
        parts = [self.dist._draw(m, k // len(conds) + (i < k % len(conds)), c, self.streams, size, self.backgrounds[c])
                 for i, c in enumerate(conds)]
        cams = Cameras(torch.cat([p.scene.cameras.eye for p in parts]), torch.cat([p.scene.cameras.R for p in parts]),
                       torch.cat([p.scene.cameras.fov for p in parts]), parts[0].scene.cameras.znear)
        lights = Lights(*(torch.cat([getattr(p.scene.lights, f) for p in parts])
                          for f in ("ambient", "direction", "intensity", "color")))
        bg = torch.cat([torch.as_tensor(p.scene.background) for p in parts])
        noise = torch.cat([p.noise if p.noise is not None else torch.zeros(len(p), size, size, 3, device=m.device)
                           for p in parts])
        return ViewBank(Scene(m, cams, lights, size, background=bg, supersample=self.dist.supersample), noise,
                        "+".join(conds))


@dataclass(frozen=True)
class ViewDistribution:
    """The viewing conditions of a world at its render size.

    Fields:
        conditions: {name: :class:`Condition`}; holds at least :data:`CONDITION_NAMES`.
        image_size: render side in pixels.
        supersample: anti-aliasing factor of renders.
        fov: vertical field of view of every camera, degrees.
        background: what is behind the object: a background source or a name of
            :data:`aswb.views.BACKGROUNDS` for every condition, or ``{condition: source}``
            (conditions left out draw procedural backgrounds). Default: procedural.
    """

    conditions: Mapping[str, Condition]
    image_size: int
    supersample: int = 2
    fov: float = 45.0
    background: object = "procedural"
    _sources: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if not isinstance(self.conditions, Mapping) or not self.conditions or not all(
                isinstance(k, str) and isinstance(v, Condition) for k, v in self.conditions.items()):
            raise TypeError(f"conditions: expected a non-empty {{name: Condition}} mapping, got "
                            f"{_describe(self.conditions)}")
        positive_int(self.image_size, "image_size")
        positive_int(self.supersample, "supersample")
        check_render_batch(1, self.image_size, self.supersample, size_name="image_size")  # at construction
        if isinstance(self.fov, bool) or not isinstance(self.fov, (int, float)) or not 0 < self.fov < 180:
            raise ValueError(f"fov: expected degrees in (0, 180), got {self.fov!r}")
        object.__setattr__(self, "_sources", by_condition(self.background, tuple(self.conditions), "background"))

    def condition(self, name: str) -> Condition:
        """The :class:`Condition` called ``name`` (ValueError listing the names otherwise)."""
        if not isinstance(name, str) or name not in self.conditions:
            raise ValueError(f"unknown condition {name!r}; expected one of {list(self.conditions)}")
        return self.conditions[name]

    def background_source(self, condition: str) -> BackgroundSource:
        """The background source of a condition."""
        self.condition(condition)
        return self._sources[condition]

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

    def _backgrounds(self, n: int, condition: str | None, size: int, streams: _Streams,
                     source: BackgroundSource | None) -> torch.Tensor:
        src = source if source is not None else self._sources[condition] if condition is not None \
            else background_source("procedural")
        out = src.draw(n, size, streams.of(src))
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (n, size, size, 3) or not out.is_floating_point():
            raise ValueError(f"background source {src.name!r}: draw({n}, {size}, generator) must return a float "
                             f"tensor of shape ({n}, {size}, {size}, 3), got {_describe(out)}")
        if condition is not None:
            lo, hi = self.condition(condition).bg_gain
            out = out * (lo + (hi - lo) * torch.rand(n, 1, 1, 1, generator=streams.views))
        return out.clamp(0, 1).contiguous()

    def backgrounds(self, n: int, generator: torch.Generator | None = None, condition: str | None = None,
                    size: int | None = None, source=None) -> torch.Tensor:
        """Backgrounds of a condition's source (procedural without a condition), dimmed like the
        scene for a condition whose light is dim, all drawn from ``generator``.

        Returns:
            (n, size, size, 3) float32 in [0, 1] (``size`` defaults to :attr:`image_size`).
        """
        n, size = positive_int(n, "n"), positive_int(self.image_size if size is None else size, "size")
        check_render_batch(n, size)
        src = None if source is None else background_source(source, "source")
        return self._backgrounds(n, condition, size, _Streams(generator=generator), src)

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
    def _draw(self, mesh: Mesh, n: int, condition: str, streams: _Streams, size: int,
              source: BackgroundSource | None = None) -> ViewBank:
        cams, lights = self.sample(n, condition, streams.views, device=mesh.device)
        bg = self._backgrounds(n, condition, size, streams, source).to(mesh.device)
        noise = self.noise(n, condition, streams.views, size).to(mesh.device)
        return ViewBank(Scene(mesh, cams, lights, image_size=size, background=bg, supersample=self.supersample),
                        noise if bool(noise.any()) else None, condition)

    def _size(self, size) -> int:
        return self.image_size if size is None else positive_int(size, "size")

    def bank(self, mesh: Mesh, n: int, condition: str = "easy", seed: int = 0, size: int | None = None,
             backgrounds=None, split: str = "dev") -> ViewBank:
        """A fixed bank of ``n`` views, lights, backgrounds and camera noise of a condition.

        Args:
            mesh: the object.
            n: number of views.
            condition: a condition name.
            seed: the bank's seed (same seed, same bytes).
            size: render side (default :attr:`image_size`).
            backgrounds: a background source or a name of :data:`aswb.views.BACKGROUNDS` for this
                bank (default: the condition's own); cameras and lights do not change with it.
            split: ``"dev"`` (the views of ``seed``) or ``"heldout"`` (of
                ``seed + HELDOUT_SEED_OFFSET``: views to judge on, see :func:`aswb.views.split_seed`).
        Returns:
            :class:`ViewBank` whose ``render(texture=...)`` gives (n, size, size, 3) float32 in [0, 1].
        """
        if not isinstance(mesh, Mesh):
            raise TypeError(f"bank: expected a Mesh, got {_describe(mesh)}")
        n, seed = positive_int(n, "n"), split_seed(seed, split)
        self.condition(condition)
        size = self._size(size)
        check_render_batch(n, size, self.supersample)  # before anything is drawn
        src = None if backgrounds is None else background_source(backgrounds)
        return self._draw(mesh, n, condition, _Streams(seed), size, src)

    def sampler(self, mesh: Mesh, n: int, conditions=("easy", "hard"), seed: int = 0, size: int | None = None,
                backgrounds=None) -> ViewSampler:
        """A :class:`ViewSampler` drawing ``n`` fresh views each step, split evenly between
        ``conditions`` (EoT over easy and hard views and lights); ``backgrounds`` as in
        :meth:`bank` (one source, or ``{condition: source}``)."""
        if not isinstance(mesh, Mesh):
            raise TypeError(f"sampler: expected a Mesh, got {_describe(mesh)}")
        conds = (conditions,) if isinstance(conditions, str) else tuple(conditions)
        if not conds:
            raise ValueError("conditions: expected at least one condition name, got none")
        for c in conds:
            self.condition(c)
        n = positive_int(n, "n")
        if n < len(conds):
            raise ValueError(f"sampler: n={n} views cannot be split between {len(conds)} conditions")
        size = self._size(size)
        check_render_batch(n, size, self.supersample)
        srcs = dict(self._sources) if backgrounds is None else by_condition(backgrounds, tuple(self.conditions))
        return _FreshViews(self, mesh, n, conds, check_seed(seed), size, srcs)

    def render(self, mesh: Mesh, n: int, condition: str = "easy", generator: torch.Generator | None = None,
               size: int | None = None, texture=None, vertex_colors=None,
               backgrounds=None, return_coverage: bool = False):
        """Render ``n`` views of ``mesh`` drawn from a condition, over its backgrounds, through
        the condition's camera (sensor noise and auto-exposure in dim light, see
        :func:`aswb.render.expose`). Every draw comes from ``generator``.

        Args:
            mesh: the mesh.
            n: number of views.
            condition: a condition name.
            generator: CPU generator for views, lights, backgrounds and noise (seeded -> same bytes).
            size: output side in pixels (default :attr:`image_size`).
            texture / vertex_colors: colours to render instead of the mesh's own.
            backgrounds: (n, size, size, 3) images in [0, 1], a background source (or its name),
                or None for the condition's source.
            return_coverage: also return the object's coverage.
        Returns:
            (n, size, size, 3) float32 images in [0, 1]; with ``return_coverage`` a pair
            ``(images, coverage)``, coverage (n, size, size) float32 in [0, 1] (0: no face
            rasterised in the pixel, fractional on anti-aliased edges).
        """
        if not isinstance(mesh, Mesh):
            raise TypeError(f"render_views: expected a Mesh, got {_describe(mesh)}")
        size, n = self._size(size), positive_int(n, "n")
        check_render_batch(n, size, self.supersample)
        cams, lights = self.sample(n, condition, generator, device=mesh.device)
        if not isinstance(backgrounds, torch.Tensor):
            src = None if backgrounds is None else background_source(backgrounds)
            backgrounds = self._backgrounds(n, condition, size, _Streams(generator=generator), src).to(mesh.device)
        noise = self.noise(n, condition, generator, size).to(mesh.device)
        scene = Scene(mesh, cams, lights, image_size=size, background=backgrounds, supersample=self.supersample)
        images = expose(scene.render(texture=texture, vertex_colors=vertex_colors), noise)
        return (images, scene.mask) if return_coverage else images
