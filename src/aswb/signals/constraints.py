"""Constraints on a signal: an L-inf / L2 ball around the original, a mask, the range [0, 1].

A :class:`Constraint` projects any candidate onto the feasible set, so the loop can take
unconstrained steps and project after each one (projected gradient descent).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .._checks import NORMS, check_eps, check_mask

__all__ = ["Constraint", "NORMS", "check_eps", "check_mask"]


@dataclass(frozen=True, eq=False)
class Constraint:
    """Feasible set of a signal ``x`` with original ``x0``.

    Fields:
        x0: the original (same shape as the signal), in [0, 1].
        eps: radius of the ball around ``x0`` (None: unbounded).
        norm: ``"linf"`` or ``"l2"``; the L2 norm is taken per item of ``batch_dims`` leading dims.
        mask: bool, broadcastable to ``x0``; only True entries may differ from ``x0``.
        lo, hi: value range (default [0, 1]).
        batch_dims: number of leading dims that index independent signals (e.g. 1 for one
            perturbation per image) for the L2 norm.
    """

    x0: torch.Tensor
    eps: float | None = None
    norm: str = "linf"
    mask: torch.Tensor | None = None
    lo: float = 0.0
    hi: float = 1.0
    batch_dims: int = 0

    def project(self, x: torch.Tensor) -> torch.Tensor:
        """The nearest feasible point (for the L2 ball, radial shrinkage then clipping)."""
        d = x - self.x0
        if self.mask is not None:
            d = d * self.mask
        if self.eps is not None:
            if self.norm == "linf":
                d = d.clamp(-self.eps, self.eps)
            else:
                n = self.l2(d)
                d = d * (self.eps / n.clamp_min(1e-12)).clamp(max=1.0).view(*n.shape, *([1] * (d.dim() - n.dim())))
        x = (self.x0 + d).clamp(self.lo, self.hi)
        if self.mask is not None:  # bit-exact outside the mask, whatever rounding did
            x = torch.where(self.mask, x, self.x0)
        return x

    def l2(self, d: torch.Tensor) -> torch.Tensor:
        return d.flatten(self.batch_dims).norm(dim=-1)

    def distance(self, x: torch.Tensor) -> torch.Tensor:
        """‖x - x0‖ in the constraint's norm, per item of the batch dims."""
        d = (x - self.x0).flatten(self.batch_dims)
        return d.abs().amax(-1) if self.norm == "linf" else d.norm(dim=-1)

    def random_start(self, generator: torch.Generator | None = None) -> torch.Tensor:
        """A uniformly random feasible point (L-inf box, or L2 ball direction x radius)."""
        if self.eps is None:
            u = torch.rand(self.x0.shape, generator=generator).to(self.x0)
            return self.project(self.x0 + (u - self.x0) * (self.mask if self.mask is not None else 1.0))
        u = torch.rand(self.x0.shape, generator=generator).to(self.x0) * 2 - 1
        if self.norm == "l2":
            u = u / self.l2(u).clamp_min(1e-12).view(-1, *([1] * (u.dim() - self.batch_dims)))
            u = u * torch.rand(u.shape[: self.batch_dims] or (), generator=generator).to(u).view(
                *u.shape[: self.batch_dims], *([1] * (u.dim() - self.batch_dims)))
        return self.project(self.x0 + self.eps * u)
