"""The one optimisation loop behind every signal (Algorithm 1 of the paper, generalised).

Pluggable parts: the *variable* (any tensor: a perturbation, a patch, vertex colours, a
texture), a :class:`~aswb.signals.constraints.Constraint` (ball, mask, range) applied after
every step, a *step rule* (:mod:`aswb.signals.steps`: signed gradient as in Algorithm 1,
Adam, momentum), and an *objective* callback that renders/applies the variable, runs the
classifiers and returns its :class:`Terms`: the task loss and, separately, the penalties
(total variation, printability). The loop alone applies the direction: it descends
``sign * task + penalty``, so ``sign=+1`` assists, ``sign=-1`` attacks, and a penalty is a
penalty in both directions.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, NamedTuple

import pandas as pd
import torch
from tqdm.auto import tqdm

from .._checks import _describe, check_bool, check_seed, check_steps
from .._progress import show_progress
from .constraints import Constraint
from .steps import STEP_RULES, StepRule, check_positive, step_rule

__all__ = ["LoopSettings", "Objective", "Terms", "run", "STEP_RULES"]


class Terms(NamedTuple):
    """What an objective returns for one step.

    Fields:
        task: scalar tensor, the classification loss on the true label (descended to assist,
            ascended to attack).
        p_true: (B,) tensor, true-class probability of each image of the step (for the history).
        extra: {name: float} further columns of the history, or None (no further columns).
        penalty: scalar tensor or None: regularisers, always descended (e.g. ``tv * tv(x)``).
    A plain ``(task, p_true, extra)`` tuple is a Terms without penalty.
    """

    task: torch.Tensor
    p_true: torch.Tensor
    extra: dict | None = None
    penalty: torch.Tensor | None = None


#: objective(x, step) -> Terms (or a (task, p_true, extra) tuple)
Objective = Callable[[torch.Tensor, int], tuple]


@dataclass(frozen=True)
class LoopSettings:
    """How the loop steps.

    Fields:
        steps: number of gradient steps, an int >= 1 (the rule of :func:`aswb._checks.check_steps`,
            which every signal's settings share).
        alpha: step size of a named step rule: per-entry change for ``"sign"`` and
            ``"momentum"``, learning rate for ``"adam"``.
        step_rule: ``"sign"`` (x -= alpha * sign(grad), Algorithm 1), ``"adam"``, ``"momentum"``
            (MI-FGSM), or a :class:`~aswb.signals.steps.StepRule` (which carries its own sizes).
        sign: +1 assist (minimise the loss on the true label), -1 attack (maximise it).
        random_start: start from a random feasible point instead of the original (a bool).
        keep_best: return the iterate with the lowest loss seen (evaluated on the batch of its step).
        progress: show a tqdm progress bar; None: in a Jupyter kernel only (see
            :func:`aswb._progress.show_progress`, ``$ASWB_PROGRESS`` overrides).
        seed: int in [0, 2**31), seeds the random start (samplers take their own generator).
        evaluate_last: evaluate the final iterate once more for the history (steps + 1
            objective calls); False stops after the last step (``steps`` calls: attacks
            inside a training loop), and cannot be combined with ``keep_best``.
    """

    steps: int = 50
    alpha: float = 2 / 255
    step_rule: str | StepRule = "sign"
    sign: int = 1
    random_start: bool = False
    keep_best: bool = False
    progress: bool | None = None
    seed: int = 0
    evaluate_last: bool = True

    def __post_init__(self):
        object.__setattr__(self, "steps", check_steps(self.steps))
        step_rule(self.step_rule, check_positive(self.alpha, "alpha"))  # validates both
        if self.sign not in (1, -1):
            raise ValueError(f"sign: expected +1 (assist) or -1 (attack), got {self.sign!r}")
        check_bool(self.random_start, "random_start")
        check_bool(self.keep_best, "keep_best")
        show_progress(self.progress)  # validates it
        check_seed(self.seed)
        check_bool(self.evaluate_last, "evaluate_last")
        if self.keep_best and not self.evaluate_last:
            raise ValueError("keep_best needs evaluate_last=True (the last iterate must be evaluated to compare it)")


def run(constraint: Constraint, objective: Objective, settings: LoopSettings = LoopSettings(),
        start: torch.Tensor | None = None):
    """Projected gradient descent on ``sign * loss``.

    Args:
        constraint: the feasible set; ``constraint.x0`` is the original signal.
        objective: ``objective(x, step) -> Terms`` (or ``(task, p_true, extra)``); differentiable in x.
        settings: step count, size and rule.
        start: where to start (projected onto the feasible set); default the original, or a
            random feasible point with ``settings.random_start``.
    Returns:
        ``(x, history)``: the final (or best) feasible signal, detached, same shape as ``x0``;
        and a DataFrame with one row per evaluated step: step, loss (the task loss), penalty
        (when the objective has one), objective (what was descended: ``sign * loss + penalty``),
        p_true (mean over the batch), plus the objective's extra columns.
    """

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
    stepper = step_rule(s.step_rule, s.alpha).start()
    best, best_loss = x, math.inf
    rows = []
    bar = tqdm(total=s.steps, disable=not show_progress(s.progress), desc="assist" if s.sign > 0 else "attack", leave=False)
    for step in range(s.steps + 1):
        x = x.detach().requires_grad_(step < s.steps)
        out = objective(x, step)
        if not isinstance(out, tuple) or len(out) not in (3, 4):
            raise TypeError(f"objective: expected Terms(task, p_true, extra, penalty) or (task, p_true, extra), "
                            f"got {_describe(out)}")
        terms = Terms(*out)
        total = s.sign * terms.task + (0 if terms.penalty is None else terms.penalty)
        row = {"step": step, "loss": terms.task.item()}
        if terms.penalty is not None:
            row["penalty"] = float(terms.penalty.detach())
        row["objective"] = total.item()
        if not math.isfinite(row["objective"]):
            raise FloatingPointError(f"the objective returned a non-finite loss ({row}) at step {step}")
        rows.append({**row, "p_true": float(terms.p_true.mean()), **(terms.extra or {})})
        if row["objective"] < best_loss:
            best, best_loss = x.detach(), row["objective"]
        if step == s.steps:
            break
        (grad,) = torch.autograd.grad(total, x)
        with torch.no_grad():
            x = constraint.project(stepper.step(x, grad))
        bar.update(1)
        bar.set_postfix(p_true=f"{rows[-1]['p_true']:.3f}")
        if step == s.steps - 1 and not s.evaluate_last:
            break
    bar.close()
    out = best if s.keep_best else x.detach()
    return out, pd.DataFrame(rows)
