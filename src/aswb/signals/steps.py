"""Step rules of the optimisation loop: small optimiser objects (torch.optim-like, but on one
tensor and with no parameter groups).

Each rule holds its hyper-parameters only; :meth:`StepRule.start` returns a fresh
:class:`Stepper` that holds the state of one run, so one rule can serve many runs at once.
A stepper's ``step(x, grad)`` returns the next iterate *before* projection; ``grad`` is the
gradient of the quantity to *descend* (the loop has already applied the assist/attack sign).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .._checks import check_number, check_positive

__all__ = ["StepRule", "Stepper", "SignedGradient", "Adam", "Momentum", "STEP_RULES", "step_rule", "step_name",
           "check_step_rule", "check_positive"]


class Stepper:
    """The state of one run of a step rule."""

    def step(self, x: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:  # pragma: no cover - interface
        raise NotImplementedError


class StepRule:
    """A step rule: ``rule.start()`` -> :class:`Stepper`; ``name`` is how results record it."""

    name = "rule"

    def start(self) -> Stepper:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass(frozen=True)
class SignedGradient(StepRule):
    """x <- x - alpha * sign(grad): Algorithm 1 of the paper (FGSM/PGD's step).

    Fields:
        alpha: the change of every entry per step (same units as x).
    """

    alpha: float = 2 / 255
    name = "sign"

    def __post_init__(self):
        check_positive(self.alpha, "alpha")

    def start(self) -> Stepper:
        alpha = self.alpha

        class _S(Stepper):
            def step(self, x, grad):
                return x - alpha * grad.sign()

        return _S()


@dataclass(frozen=True)
class Adam(StepRule):
    """Adam (Kingma & Ba, 2015), bias-corrected, on one tensor.

    Fields:
        lr: learning rate (the largest change of an entry per step is about ``lr``).
        betas: decay of the first and second moment estimates, each in [0, 1).
        eps: added to the root of the second moment.
    """

    lr: float = 0.01
    betas: tuple = (0.9, 0.999)
    eps: float = 1e-8
    name = "adam"

    def __post_init__(self):
        check_positive(self.lr, "lr")
        check_positive(self.eps, "eps")
        if (not isinstance(self.betas, (tuple, list)) or len(self.betas) != 2
                or not all(isinstance(b, (int, float)) and 0 <= b < 1 for b in self.betas)):
            raise ValueError(f"betas: expected two numbers in [0, 1), got {self.betas!r}")

    def start(self) -> Stepper:
        lr, (b1, b2), eps = self.lr, self.betas, self.eps

        class _S(Stepper):
            t, m, v = 0, None, None

            def step(self, x, grad):
                self.t += 1
                self.m = (1 - b1) * grad if self.m is None else b1 * self.m + (1 - b1) * grad
                self.v = (1 - b2) * grad**2 if self.v is None else b2 * self.v + (1 - b2) * grad**2
                mh, vh = self.m / (1 - b1**self.t), self.v / (1 - b2**self.t)
                return x - lr * mh / (vh.sqrt() + eps)

        return _S()


@dataclass(frozen=True)
class Momentum(StepRule):
    """Momentum iterative signed gradient (MI-FGSM, Dong et al., 2018):
    g <- decay * g + grad / mean|grad|;  x <- x - alpha * sign(g).

    Fields:
        alpha: the change of every entry per step.
        decay: momentum decay (>= 0; 0 is the signed gradient).
    """

    alpha: float = 2 / 255
    decay: float = 1.0
    name = "momentum"

    def __post_init__(self):
        check_positive(self.alpha, "alpha")
        check_number(self.decay, "decay", lo=0)

    def start(self) -> Stepper:
        alpha, decay = self.alpha, self.decay

        class _S(Stepper):
            g = None

            def step(self, x, grad):
                scaled = grad / grad.abs().mean().clamp_min(1e-12)
                self.g = scaled if self.g is None else decay * self.g + scaled
                return x - alpha * self.g.sign()

        return _S()


#: the names ``step_rule`` accepts, with the rule each makes from ``alpha``
STEP_RULES = {"sign": lambda a: SignedGradient(a), "adam": lambda a: Adam(lr=a), "momentum": lambda a: Momentum(a)}


def check_step_rule(rule):
    """``rule`` itself if it is a name of :data:`STEP_RULES` or a :class:`StepRule`, else a ValueError."""
    if isinstance(rule, StepRule) or (isinstance(rule, str) and rule in STEP_RULES):
        return rule
    raise ValueError(f"step_rule: expected one of {tuple(STEP_RULES)} or an aswb.signals.StepRule, got {rule!r}")


def step_rule(rule, alpha: float) -> StepRule:
    """A :class:`StepRule` from a name of :data:`STEP_RULES` (``alpha`` is its step size or
    learning rate) or a StepRule instance (returned as it is; ``alpha`` is then unused)."""
    if isinstance(check_step_rule(rule), StepRule):
        return rule
    return STEP_RULES[rule](check_positive(alpha, "alpha"))


def step_name(rule) -> str | dict:
    """How a result records a step rule: its name, or a StepRule's name and fields."""
    if isinstance(rule, StepRule):
        return {"name": rule.name, **{k: v for k, v in rule.__dict__.items()}}
    return rule
