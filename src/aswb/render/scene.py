"""A mesh seen by fixed cameras: rasterise once, re-shade cheaply with new colours or lights."""
from __future__ import annotations

import torch

from .._checks import _describe, image_size as _image_size, positive_int, check_render_size
from .camera import Cameras
from .lights import Lights
from .mesh import Mesh
from .raster import BACKENDS, Fragments, rasterize
from .shade import _background, shade

__all__ = ["Scene"]


class Scene:
    """A mesh, B cameras, lights and a background; fragments are computed once and cached.

    Args:
        mesh: the mesh (moved to the cameras' device).
        cameras: B cameras.
        lights: :class:`Lights` with 1 or B entries, or None for unlit albedo.
        image_size: output ``int`` or ``(H, W)``.
        background: (3,) RGB or (B, H, W, 3) images in [0, 1].
        supersample: anti-aliasing factor s >= 1 (rasterises at s times the size).
        backend: rasteriser backend, see :func:`~aswb.render.rasterize`.
        smooth: smooth (vertex-normal) shading instead of flat.

    ``scene.render(texture=tex)`` returns (B, H, W, 3) float32 images in [0, 1] and is
    differentiable with respect to ``tex``/``vertex_colors``, the lights and the background.
    """

    def __init__(self, mesh: Mesh, cameras: Cameras, lights: Lights | None = None, image_size=224,
                 background=(1.0, 1.0, 1.0), supersample: int = 1, backend: str = "auto",
                 smooth: bool = False):
        if not isinstance(mesh, Mesh):
            raise TypeError(f"Scene: expected an aswb.render.Mesh, got {_describe(mesh)}")
        if not isinstance(cameras, Cameras):
            raise TypeError(f"Scene: expected aswb.render.Cameras, got {_describe(cameras)}")
        if lights is not None and not isinstance(lights, Lights):
            raise TypeError(f"Scene: expected aswb.render.Lights or None, got {_describe(lights)}")
        if backend not in BACKENDS:
            raise ValueError(f"Scene: unknown backend {backend!r}; expected one of {BACKENDS}")
        self.mesh = mesh.to(cameras.device)
        self.cameras = cameras
        self.lights = None if lights is None else lights.expand(len(cameras)).to(cameras.device)
        self.image_size = _image_size(image_size)
        self.supersample = positive_int(supersample, "supersample")
        H, W = self.image_size
        check_render_size(H * self.supersample, W * self.supersample,
                          "image_size" if self.supersample == 1 else "image_size x supersample")
        _background(background, (len(cameras), H, W, 3), cameras.device)  # validate now
        self.background = background
        self.backend = backend
        self.smooth = bool(smooth)
        self._frags: Fragments | None = None
        self._cache: dict = {}  # per-pixel quantities of the cached fragments (see shade)

    def __len__(self) -> int:
        return len(self.cameras)

    def __repr__(self) -> str:
        H, W = self.image_size
        return (f"Scene({self.mesh!r}, views={len(self)}, image_size=({H}, {W}), "
                f"supersample={self.supersample}, backend={self.backend!r})")

    @property
    def fragments(self) -> Fragments:
        """Cached fragments at ``supersample`` times the image size (computed on first use)."""
        if self._frags is None:
            H, W = self.image_size
            s = self.supersample
            self._frags = rasterize(self.mesh, self.cameras, (H * s, W * s), backend=self.backend)
        return self._frags

    @property
    def mask(self) -> torch.Tensor:
        """(B, H, W) float32 object coverage in [0, 1] at output size (anti-aliased)."""
        m = self.fragments.mask.float()[:, None]
        return torch.nn.functional.avg_pool2d(m, self.supersample)[:, 0]

    def render(self, vertex_colors=None, texture=None, lights: Lights | None = None, background=None) -> torch.Tensor:
        """Shade the cached fragments.

        Args:
            vertex_colors: (V, 3) float in [0, 1], or None.
            texture: (Ht, Wt, 3) float in [0, 1] (or one per material), or None.
                With both None the mesh's own colours are used.
            lights: override the scene's lights for this call (1 or B entries).
            background: override the background for this call.
        Returns:
            (B, H, W, 3) float32 images in [0, 1].
        """
        return shade(self.mesh, self.fragments, self.cameras, self.lights if lights is None else lights,
                     vertex_colors=vertex_colors, texture=texture,
                     background=self.background if background is None else background,
                     supersample=self.supersample, smooth=self.smooth, cache=self._cache)
