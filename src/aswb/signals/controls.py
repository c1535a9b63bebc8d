"""Trivial controls an assistive signal must beat: same-area white, black, mean colour,
random noise and brightened versions of the original colours."""
from __future__ import annotations

import torch

from .._checks import _describe, check_eps, check_mask, image_mask

__all__ = ["controls", "CONTROLS"]

CONTROLS = ("white", "black", "mean", "noise", "bright")


def controls(original: torch.Tensor, mask: torch.Tensor | None = None, eps: float | None = None,
             which=CONTROLS, brighten: float = 1.5, generator: torch.Generator | None = None) -> dict:
    """Control colourings with the same support (mask) as an assistive signal.

    Args:
        original: colours in [0, 1] with channels last: a UV texture (Ht, Wt, 3), vertex
            colours (V, 3), or an image batch channels-first (B, 3, H, W) (then ``mask`` is
            (H, W) / (B, H, W)).
        mask: bool, the signal's support (leading dims of ``original``), None = everywhere.
        eps: the signal's L-inf budget; with one, ``noise`` is uniform in [-eps, eps] around the
            original (a random signal of the same size); unbounded, it is uniform in [0, 1].
        which: subset of :data:`CONTROLS`.
        brighten: factor of the ``bright`` control.
    Returns:
        {name: tensor like ``original``}: ``white``/``black`` paint the region, ``mean`` paints
        it with its own mean colour, ``noise`` is random, ``bright`` multiplies it by ``brighten``;
        nothing changes outside the mask.
    """
    if not isinstance(original, torch.Tensor) or not original.is_floating_point():
        raise TypeError(f"controls: expected float colours, got {_describe(original)}")
    eps = check_eps(eps, None)
    bad = [w for w in which if w not in CONTROLS]
    if bad:
        raise ValueError(f"controls: unknown control(s) {bad}; expected some of {CONTROLS}")
    x0 = original.detach()
    chan_first = x0.dim() == 4  # images (B, 3, H, W)
    if x0.dim() not in (2, 3, 4) or x0.shape[-1 if not chan_first else 1] != 3 or x0.numel() == 0:
        raise ValueError(f"original: expected a UV texture (Ht, Wt, 3), vertex colours (V, 3) or images (B, 3, H, W), "
                         f"got shape {tuple(x0.shape)}")
    if mask is None:
        m = torch.ones([1] * x0.dim(), dtype=torch.bool, device=x0.device)
    elif chan_first:
        m = image_mask(mask, tuple(x0.shape))  # (B or 1, 1, H, W)
    else:
        m = check_mask(mask, tuple(x0.shape[:-1]), "mask")
        m = m.view(*m.shape, 1)
    m = m.to(x0.device)
    cdim = 1 if chan_first else -1
    full = m.expand_as(x0)
    shape = [1] * x0.dim()
    shape[cdim] = 3
    mean = torch.stack([x0.select(cdim, c)[full.select(cdim, c)].mean() for c in range(3)]).view(shape)
    rnd = torch.rand(x0.shape, generator=generator).to(x0)
    noise = (x0 + eps * (2 * rnd - 1)).clamp(0, 1) if eps is not None else rnd
    fills = {"white": torch.ones_like(x0), "black": torch.zeros_like(x0), "mean": mean.expand_as(x0),
             "noise": noise, "bright": (x0 * brighten).clamp(0, 1)}
    return {w: torch.where(m, fills[w], x0) for w in which}
