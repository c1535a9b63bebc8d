"""Textures and renders of two colourings side by side, with where they differ."""
from __future__ import annotations

import numpy as np
import torch

from .._checks import _describe
from ..signals import SignalResult
from ._base import _as_array, _as_images, _bare, _figure, _interpolation, _strings
from .grids import show_images

__all__ = ["texture_diff", "render_diff"]


def _texture(x, name: str) -> np.ndarray:
    if not isinstance(x, (torch.Tensor, np.ndarray)):
        raise TypeError(f"{name}: expected a (Ht, Wt, 3) texture tensor or array, got {_describe(x)}")
    if x.ndim != 3 or x.shape[-1] != 3:
        raise ValueError(f"{name}: expected a UV texture of shape (Ht, Wt, 3), got {tuple(x.shape)}")
    return _as_array(x[None])[0]


def texture_diff(original, signal=None, mask=None, titles=("original", "assistive", "|difference|"),
                 suptitle: str | None = None, size: float = 3.0):
    """A texture, the optimised one and where they differ, side by side.

    Args:
        original: (Ht, Wt, 3) float in [0, 1] UV texture (tensor or array), or a
            :class:`~aswb.signals.SignalResult` of domain ``"uv"`` or ``"patch"`` (then
            ``signal`` and ``mask`` default to the result's).
        signal: (Ht, Wt, 3) float in [0, 1], the same shape as ``original``.
        mask: (Ht, Wt) bool, the region the signal could change (outlined in cyan), or None.
        titles: three panel titles; the third gets the largest change appended.
        size: inches per panel.
    Returns:
        ``matplotlib.figure.Figure``: original | signal | per-texel max over RGB of
        |signal - original| (colormap ``magma``, from 0 to the largest change, with a colour bar).
    """
    if isinstance(original, SignalResult):
        res = original
        if res.domain not in ("uv", "patch"):
            raise ValueError(f"texture_diff: shows UV textures and patches, got a {res.domain!r} result "
                             "(render vertex colours with aswb.viz.turntable)")
        perm = (lambda t: t.permute(1, 2, 0)) if res.domain == "patch" else (lambda t: t)  # (3, h, w) -> (h, w, 3)
        original, signal = perm(res.original), perm(res.signal) if signal is None else signal
        mask = res.mask if mask is None else mask
    if signal is None:
        raise TypeError("texture_diff: expected (original, signal) textures or a SignalResult")
    a, b = _texture(original, "original"), _texture(signal, "signal")
    if a.shape != b.shape:
        raise ValueError(f"signal: expected the shape of original {a.shape}, got {b.shape}")
    if mask is not None:
        mask = mask.detach().cpu().numpy() if isinstance(mask, torch.Tensor) else np.asarray(mask)
        if mask.dtype != np.bool_ or mask.shape != a.shape[:2]:
            raise ValueError(f"mask: expected a bool mask of shape {a.shape[:2]}, got {mask.dtype} {mask.shape}")
    titles = _strings(titles, 3, "titles", "panel")
    diff = np.abs(b - a).max(-1)  # (Ht, Wt)
    fig = _figure(3 * size + 0.6, size + (0.5 if suptitle else 0.3))
    axes = fig.subplots(1, 3)
    interp = _interpolation(a.shape[0], size, fig.dpi)
    axes[0].imshow(a, interpolation=interp)
    axes[1].imshow(b, interpolation=interp)
    im = axes[2].imshow(diff, cmap="magma", vmin=0, vmax=max(float(diff.max()), 1e-6), interpolation=interp)
    fig.colorbar(im, ax=axes[2], shrink=0.8)
    for ax, t in zip(axes, titles[:2] + [f"{titles[2]} (max {diff.max():.3f})"]):
        _bare(ax)
        ax.set_title(t, fontsize=9)
    if mask is not None and mask.any() and not mask.all():
        for ax in axes[1:]:
            ax.contour(mask.astype(float), levels=[0.5], colors="cyan", linewidths=0.7)
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    return fig


def render_diff(before, after, titles=None, row_labels=("original", "signal", "|difference|"),
                suptitle: str | None = None, size: float = 1.5):
    """Renders of two colourings on the same views and where they differ, one column per view.

    Args:
        before, after: (N, H, W, 3) or (N, 3, H, W) float in [0, 1], the same views (e.g.
            ``bank.render(texture=original)`` and ``bank.render(texture=signal)``).
        titles: N captions under the difference row, or None for the largest change per view.
        row_labels: three row labels.
        size: inches per image.
    Returns:
        ``matplotlib.figure.Figure``: 3 rows (before, after, per-pixel max over RGB of
        |after - before| on the ``magma`` colormap, scaled to the largest change of all views).
    """
    from matplotlib import colormaps

    a, b = _as_images(before), _as_images(after)
    if a.shape != b.shape:
        raise ValueError(f"after: expected the shape of before {a.shape}, got {b.shape}")
    N = len(a)
    d = np.abs(b - a).max(-1)  # (N, H, W)
    heat = colormaps["magma"](d / max(float(d.max()), 1e-6))[..., :3].astype(np.float32)  # (N, H, W, 3)
    titles = [f"max {v:.2f}" for v in d.reshape(N, -1).max(1)] if titles is None else _strings(titles, N, "titles")
    caps = [""] * (2 * N) + titles
    return show_images(np.concatenate([a, b, heat]), caps, ncols=N, row_labels=list(row_labels),
                       suptitle=suptitle, size=size)
