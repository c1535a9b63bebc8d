"""Loss terms: cross-entropy to the true label over classifiers, total variation, printability."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .._checks import _describe

__all__ = ["true_class_loss", "tv_image", "tv_texture", "tv_vertex", "nps", "PRINTABLE"]

#: a small printable palette (sRGB in [0, 1]): primaries, secondaries, greys and skin/earth tones
PRINTABLE = torch.tensor([
    [0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.5, 0.5, 0.5], [0.25, 0.25, 0.25], [0.75, 0.75, 0.75],
    [0.8, 0.1, 0.1], [0.1, 0.6, 0.2], [0.1, 0.2, 0.7], [0.95, 0.85, 0.1], [0.9, 0.5, 0.1],
    [0.5, 0.2, 0.6], [0.1, 0.6, 0.7], [0.6, 0.4, 0.25], [0.95, 0.75, 0.6], [0.3, 0.2, 0.1],
])


def true_class_loss(classifiers, images: torch.Tensor, labels: torch.Tensor):
    """Mean cross-entropy to the true labels, averaged over classifiers (Algorithm 1's ensemble).

    Args:
        classifiers: a sequence of :class:`aswb.models.Classifier`.
        images: (B, 3, H, W) float in [0, 1].
        labels: (B,) int64 true labels (the same label space for every classifier).
    Returns:
        ``(loss, p_true)``: a scalar tensor and (B,) mean true-class probability over classifiers.
    """
    losses, probs = [], []
    for clf in classifiers:
        logits = clf(images)
        losses.append(F.cross_entropy(logits, labels))
        probs.append(logits.detach().softmax(-1).gather(1, labels[:, None])[:, 0])
    return torch.stack(losses).mean(), torch.stack(probs).mean(0)


def tv_image(x: torch.Tensor) -> torch.Tensor:
    """Anisotropic total variation of (..., C, H, W) images: mean absolute neighbour difference."""
    return (x[..., 1:, :] - x[..., :-1, :]).abs().mean() + (x[..., :, 1:] - x[..., :, :-1]).abs().mean()


def tv_texture(tex: torch.Tensor, used: torch.Tensor | None = None) -> torch.Tensor:
    """Seam-aware total variation of a UV texture (Ht, Wt, 3).

    ``used`` (Ht, Wt) bool marks texels inside UV charts; a difference counts only where both
    neighbours are used, so chart borders (seams) and empty atlas space are not smoothed.
    """
    dy = (tex[1:] - tex[:-1]).abs().sum(-1)  # (Ht-1, Wt)
    dx = (tex[:, 1:] - tex[:, :-1]).abs().sum(-1)  # (Ht, Wt-1)
    if used is None:
        return dy.mean() + dx.mean()
    my, mx = used[1:] & used[:-1], used[:, 1:] & used[:, :-1]
    return (dy * my).sum() / my.sum().clamp_min(1) + (dx * mx).sum() / mx.sum().clamp_min(1)


def tv_vertex(colors: torch.Tensor, edges: torch.Tensor) -> torch.Tensor:
    """Graph total variation of vertex colours (V, 3) over mesh edges (E, 2) int64."""
    return (colors[edges[:, 0]] - colors[edges[:, 1]]).abs().sum(-1).mean()


def nps(x: torch.Tensor, palette: torch.Tensor = PRINTABLE, channel_dim: int = -1) -> torch.Tensor:
    """Non-printability: mean distance of each colour to its nearest palette colour.

    Args:
        x: colours with RGB along ``channel_dim`` (e.g. (Ht, Wt, 3), (V, 3) or (3, H, W)), in [0, 1].
        palette: (K, 3) printable colours.
    """
    if not isinstance(palette, torch.Tensor) or palette.dim() != 2 or palette.shape[1] != 3:
        raise ValueError(f"palette: expected (K, 3) colours, got {_describe(palette)}")
    c = x.movedim(channel_dim, -1).reshape(-1, 3)
    return torch.cdist(c, palette.to(c)).amin(-1).mean()
