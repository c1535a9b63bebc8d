"""The one optimisation loop behind every signal (Algorithm 1 of the paper, generalised).

Pluggable parts: the *variable* (any tensor: a perturbation, a patch, vertex colours, a
texture), a :class:`~aswb.signals.constraints.Constraint` (ball, mask, range) applied after
every step, a *step rule* (signed gradient of size ``alpha`` as in Algorithm 1, or Adam),
and an *objective* callback that renders/applies the variable, runs the classifiers and
returns the loss. ``sign=+1`` descends the loss (assistive); ``sign=-1`` ascends it (attack).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import pandas as pd
import torch

from .._checks import _describe
from .._progress import show_progress
from .constraints import Constraint

__all__ = ["LoopSettings", "Objective", "run", "STEP_RULES"]

STEP_RULES = ("sign", "adam")
#: objective(x, step) -> (loss scalar tensor, p_true (B,) tensor, extra {name: float})
Objective = Callable[[torch.Tensor, int], tuple]


@dataclass(frozen=True)
class LoopSettings:
    """How the loop steps.

    Fields:
        steps: number of gradient steps (>= 0; 0 evaluates the start only).
        alpha: step size: per-entry change for ``"sign"``, learning rate for ``"adam"``.
        step_rule: ``"sign"`` (x -= alpha * sign(grad), Algorithm 1) or ``"adam"``.
        sign: +1 assist (minimise the loss on the true label), -1 attack (maximise it).
        random_start: start from a random feasible point instead of the original.
        keep_best: return the iterate with the lowest loss seen (evaluated on the batch of its step).
        progress: show a tqdm progress bar; None: in a Jupyter kernel only (see
            :func:`aswb._progress.show_progress`, ``$ASWB_PROGRESS`` overrides).
        seed: seeds the random start (samplers take their own generator).
    """

    steps: int = 50
    alpha: float = 2 / 255
    step_rule: str = "sign"
    sign: int = 1
    random_start: bool = False
    keep_best: bool = False
    progress: bool | None = None
    seed: int = 0

    def __post_init__(self):
        if isinstance(self.steps, bool) or not isinstance(self.steps, int) or self.steps < 0:
            raise ValueError(f"steps: expected an int >= 0, got {self.steps!r}")
        if isinstance(self.alpha, bool) or not isinstance(self.alpha, (int, float)) or not (
                self.alpha > 0 and math.isfinite(self.alpha)):
            raise ValueError(f"alpha: expected a finite number > 0, got {self.alpha!r}")
        if self.step_rule not in STEP_RULES:
            raise ValueError(f"step_rule: expected one of {STEP_RULES}, got {self.step_rule!r}")
        if self.sign not in (1, -1):
            raise ValueError(f"sign: expected +1 (assist) or -1 (attack), got {self.sign!r}")
        show_progress(self.progress)  # validates it


def run(constraint: Constraint, objective: Objective, settings: LoopSettings = LoopSettings(),
        start: torch.Tensor | None = None):
    """Projected gradient descent on ``sign * loss``.

    Args:
        constraint: the feasible set; ``constraint.x0`` is the original signal.
        objective: ``objective(x, step) -> (loss, p_true, extra)``; it must be differentiable in x.
        settings: step count, size and rule.
        start: where to start (projected onto the feasible set); default the original, or a
            random feasible point with ``settings.random_start``.
    Returns:
        ``(x, history)``: the final (or best) feasible signal, detached, same shape as ``x0``;
        and a DataFrame with one row per evaluated step: step, loss, p_true (mean over the
        batch), plus the objective's extra columns.
    """
    from tqdm.auto import tqdm

    if not isinstance(constraint, Constraint):
        raise TypeError(f"run: expected a Constraint, got {_describe(constraint)}")
    s = settings
    g = torch.Generator().manual_seed(s.seed)
    if start is not None:
        if not isinstance(start, torch.Tensor) or start.shape != constraint.x0.shape:
            raise ValueError(f"start: expected a tensor of shape {tuple(constraint.x0.shape)}, got {_describe(start)}")
        x = constraint.project(start.detach().to(constraint.x0))
    elif s.random_start:
        x = constraint.random_start(g)
    else:
        x = constraint.project(constraint.x0.detach().clone())
    m = v = None
    best, best_loss = x, math.inf
    rows = []
    bar = tqdm(total=s.steps, disable=not show_progress(s.progress), desc="assist" if s.sign > 0 else "attack", leave=False)
    for step in range(s.steps + 1):
        x = x.detach().requires_grad_(step < s.steps)
        loss, p_true, extra = objective(x, step)
        loss_v = loss.item()
        if not math.isfinite(loss_v):
            raise FloatingPointError(f"the objective returned a non-finite loss ({loss_v}) at step {step}")
        rows.append({"step": step, "loss": loss_v, "p_true": float(p_true.mean()), **extra})
        if s.sign * loss_v < best_loss:
            best, best_loss = x.detach(), s.sign * loss_v
        if step == s.steps:
            break
        (grad,) = torch.autograd.grad(loss, x)
        grad = s.sign * grad  # descend sign * loss
        with torch.no_grad():
            if s.step_rule == "sign":
                x = x - s.alpha * grad.sign()
            else:  # Adam, bias-corrected
                m = 0.1 * grad if m is None else 0.9 * m + 0.1 * grad
                v = 0.001 * grad**2 if v is None else 0.999 * v + 0.001 * grad**2
                mh, vh = m / (1 - 0.9 ** (step + 1)), v / (1 - 0.999 ** (step + 1))
                x = x - s.alpha * mh / (vh.sqrt() + 1e-8)
            x = constraint.project(x)
        bar.update(1)
        bar.set_postfix(p_true=f"{rows[-1]['p_true']:.3f}")
    bar.close()
    out = best if s.keep_best else x.detach()
    return out, pd.DataFrame(rows)
