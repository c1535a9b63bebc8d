"""A mesh seen from around (a turntable), with the classifier's p_true under each view."""
from __future__ import annotations

import torch

from .._checks import _describe, class_label, coloring_kind
from ..models import Classifier, predict
from ..render import Lights, Mesh, Scene, orbit
from ..signals import SignalResult
from ._base import _count
from .grids import confidence_grid, show_images

__all__ = ["orbit_views", "turntable"]


def _colors_kwargs(mesh, colors) -> dict:
    """``colors`` -> Scene.render keyword: {} (the mesh's own), texture= or vertex_colors=."""
    if colors is None:
        return {}
    if isinstance(colors, SignalResult):
        if colors.domain not in ("uv", "vertex"):
            raise ValueError(f"colors: a {colors.domain!r} result is not a mesh colouring (expected 'uv' or 'vertex')")
        colors = colors.signal
    if not isinstance(colors, torch.Tensor) or not colors.is_floating_point():
        raise TypeError(f"colors: expected None, a SignalResult, a (Ht, Wt, 3) texture or (V, 3) vertex colours "
                        f"as a float tensor, got {_describe(colors)}")
    colors = colors.detach().to(mesh.device)
    kind = coloring_kind(colors, "colors")
    if kind == "uv":
        return {"texture": colors}
    if colors.shape == (mesh.num_verts, 3):
        return {"vertex_colors": colors}
    raise ValueError(f"colors: expected a (Ht, Wt, 3) texture or ({mesh.num_verts}, 3) vertex colours, "
                     f"got shape {tuple(colors.shape)}")


@torch.no_grad()
def orbit_views(mesh, n: int = 8, colors=None, image_size: int = 96, dist: float = 2.6, elev: float = 20.0,
                lights=None, background=(1.0, 1.0, 1.0), supersample: int = 2) -> torch.Tensor:
    """Render ``n`` views evenly spaced in azimuth around a mesh (a turntable).

    Args:
        mesh: :class:`aswb.render.Mesh`.
        n: views (> 0), azimuth ``360 * k / n`` degrees.
        colors: None (the mesh's own), a (Ht, Wt, 3) UV texture, (V, 3) vertex colours, or a
            :class:`~aswb.signals.SignalResult` of domain ``"uv"``/``"vertex"``; float in [0, 1].
        image_size: pixels. dist, elev: camera distance and elevation (degrees).
        lights: :class:`aswb.render.Lights` (1 or n entries), or None for a light above and
            slightly behind each camera (every view equally lit).
        background: (3,) RGB or (n, H, W, 3) images in [0, 1].
    Returns:
        (n, image_size, image_size, 3) float32 in [0, 1] on the mesh's device.
    """
    if not isinstance(mesh, Mesh):
        raise TypeError(f"orbit_views: expected an aswb.render.Mesh, got {_describe(mesh)}")
    kw = _colors_kwargs(mesh, colors)
    cams = orbit(_count(n, "n"), dist=dist, elev=elev, device=mesh.device)
    if lights is None:
        up = torch.tensor([0.0, 1.0, 0.0], device=mesh.device)
        lights = Lights(ambient=0.45, direction=cams.eye / cams.eye.norm(dim=-1, keepdim=True) + 0.7 * up,
                        intensity=0.6)
    return Scene(mesh, cams, lights, image_size, background=background, supersample=supersample).render(**kw)


def turntable(mesh, colorings=None, classifier=None, label: int | None = None, n: int = 8, image_size: int = 96,
              dist: float = 2.6, elev: float = 20.0, lights=None, background=(1.0, 1.0, 1.0),
              suptitle: str | None = None, size: float = 1.3):
    """A mesh seen from ``n`` azimuths, one row per colouring, with the classifier's
    true-class confidence under each view (green: correct, red ×: another class).

    Args:
        mesh: :class:`aswb.render.Mesh`.
        colorings: None (the mesh's own colours), one colouring (see :func:`orbit_views`:
            texture, vertex colours or SignalResult), or {row name: colouring}.
        classifier: an :class:`aswb.models.Classifier` (e.g. ``world.classifiers["resnet18"]``)
            for the captions, or None for plain pictures.
        label: the true class index (needed with a classifier).
        n, image_size, dist, elev, lights, background: as in :func:`orbit_views`.
        size: inches per image.
    Returns:
        ``matplotlib.figure.Figure`` with ``len(colorings)`` rows of ``n`` views.
    """
    if colorings is None or not isinstance(colorings, dict):
        colorings = {"": colorings}
    if not colorings:
        raise ValueError("colorings: expected at least one colouring")
    if classifier is not None and not isinstance(classifier, Classifier):
        raise TypeError(f"classifier: expected an aswb.models.Classifier or None, got {_describe(classifier)}")
    if classifier is not None:
        label = class_label(label, classifier.num_classes)
    imgs = torch.cat([orbit_views(mesh, n, c, image_size, dist, elev, lights, background)
                      for c in colorings.values()]).cpu()  # (R * n, H, W, 3)
    names = list(colorings) if any(colorings) else None
    if classifier is None:
        return show_images(imgs, ncols=n, row_labels=names, suptitle=suptitle, size=size)
    p = predict(classifier, imgs.permute(0, 3, 1, 2)).cpu()  # (R * n, classes)
    title = suptitle if suptitle is not None else f"{classifier.name}: p({classifier.categories[label]})"
    return confidence_grid(imgs, p[:, label], p.argmax(1) == label, ncols=n, row_labels=names, suptitle=title,
                           size=size)
