"""Settings of every signal family, passed whole: frozen dataclasses checked once, on creation.

- :class:`ImageSettings`: :func:`~aswb.signals.assist_image` / :func:`~aswb.signals.attack_image`
  (and :func:`aswb.attacks.pgd`, which runs the same PGD);
- :class:`UniversalSettings`: :func:`~aswb.signals.universal_assist`;
- :class:`PatchSettings` (with its EoT distribution :class:`PatchTransforms`): :func:`~aswb.signals.eot_patch`;
- :class:`TextureSettings`: :func:`~aswb.signals.assist_texture`.

Each builds its :class:`~aswb.signals.loop.LoopSettings` with :meth:`loop` and the dict a
:class:`~aswb.signals.SignalResult` records with :meth:`record`. A bad field raises a ValueError
(value) or TypeError (type) that names the field, what was expected and what arrived.
"""
from __future__ import annotations

import inspect
from dataclasses import asdict, dataclass, field, replace

import torch

from .._checks import (_describe, check_bool, check_eps, check_int, check_number, check_positive, check_seed,
                       check_steps, value_range)
from .._progress import show_progress
from .loop import LoopSettings
from .regions import _check_kind, patch_size
from .steps import StepRule, check_step_rule, step_name

__all__ = ["ImageSettings", "UniversalSettings", "PatchSettings", "PatchTransforms", "TextureSettings",
           "from_keywords"]


class _Settings:
    """What every family's settings share: the loop fields' checks, :meth:`loop` and :meth:`record`."""

    #: fields that do not change a result, so results do not record them
    _unrecorded: tuple = ("progress",)
    random_start = False  # families without the field start from the original
    keep_best = False
    _alpha_optional = False  # True: alpha=None means a default derived from the budget

    def _set(self, name: str, value) -> None:
        object.__setattr__(self, name, value)  # a frozen dataclass normalising its own fields

    def _check_loop_fields(self) -> None:
        self._set("steps", check_steps(self.steps))
        if not (self.alpha is None and self._alpha_optional):
            check_positive(self.alpha, "alpha")
        check_step_rule(self.step_rule)
        check_bool(self.attack, "attack")
        show_progress(self.progress)  # validates it
        check_seed(self.seed)

    def step_size(self) -> float:
        """The step size the loop uses (``alpha``)."""
        return self.alpha

    def loop(self, evaluate_last: bool = True) -> LoopSettings:
        """The loop's settings: steps, step size and rule, direction (``attack``), start, seed.

        ``evaluate_last=False`` skips the last evaluation (attacks inside a training loop)."""
        return LoopSettings(steps=self.steps, alpha=self.step_size(), step_rule=self.step_rule,
                            sign=-1 if self.attack else 1, random_start=self.random_start, keep_best=self.keep_best,
                            progress=self.progress, seed=self.seed, evaluate_last=evaluate_last)

    def record(self, **added) -> dict:
        """The JSON-ready dict a result saves: every recorded field (the step rule by
        :func:`~aswb.signals.steps.step_name`), then what the entry point adds."""
        d = {k: v for k, v in asdict(self).items() if k not in self._unrecorded}
        d["step_rule"] = step_name(self.step_rule)
        return {**d, **added}


def _default_alpha(eps: float | None, steps: int) -> float:
    """Madry et al.'s step, ``2.5 * eps / steps`` (at least 1e-6); 2/255 for an unbounded budget."""
    return 2 / 255 if eps is None else max(2.5 * eps / steps, 1e-6)


@dataclass(frozen=True)
class ImageSettings(_Settings):
    """Settings of a perturbation per image (PGD towards or away from the true label).

    Fields:
        eps: budget (a finite number >= 0, None = unbounded) or a sequence of budgets (an ε sweep,
            stored as a tuple: one result per ε).
        norm: ``"linf"`` (per pixel and channel) or ``"l2"`` (per image).
        alpha: step size > 0; None: ``2.5 * eps / steps`` (Madry et al.; 2/255 when unbounded).
        steps: gradient steps, an int >= 1.
        step_rule: ``"sign"``, ``"adam"``, ``"momentum"`` or a :class:`~aswb.signals.StepRule`.
        random_start: start from a uniform point of the ball; None (default): True for an attack
            (PGD as in Madry et al. and torchattacks), False for an assist.
        attack: ascend the loss (untargeted PGD) instead of descending it.
        seed: int in [0, 2**31), seeds the random start.
        progress: tqdm bar: True, False or None (in Jupyter only). Not recorded in results.
    """

    eps: float | None | tuple = 8 / 255
    norm: str = "linf"
    alpha: float | None = None
    steps: int = 20
    step_rule: str | StepRule = "sign"
    random_start: bool | None = None
    attack: bool = False
    seed: int = 0
    progress: bool | None = None

    _alpha_optional = True

    def __post_init__(self):
        if isinstance(self.eps, (list, tuple)):
            if not self.eps:
                raise ValueError("eps: expected a budget or a non-empty sequence of budgets (a sweep), got []")
            self._set("eps", tuple(check_eps(e, self.norm) for e in self.eps))
        else:
            self._set("eps", check_eps(self.eps, self.norm))
        self._check_loop_fields()
        if self.random_start is None:
            self._set("random_start", self.attack)
        check_bool(self.random_start, "random_start")

    @property
    def is_sweep(self) -> bool:
        """True when ``eps`` holds several budgets."""
        return isinstance(self.eps, tuple)

    def sweep(self) -> list[ImageSettings]:
        """The settings of each budget: one per ε of a sweep, ``[self]`` for one ε."""
        return [replace(self, eps=e) for e in self.eps] if self.is_sweep else [self]

    def step_size(self) -> float:
        """``alpha``, or its default for this budget (one budget only)."""
        if self.is_sweep:
            raise ValueError(f"eps: a sweep {self.eps} has one step size per budget; take them from .sweep()")
        return self.alpha if self.alpha is not None else _default_alpha(self.eps, self.steps)

    def record(self, **added) -> dict:
        return {**super().record(), "alpha": self.step_size(), **added}  # alpha resolved, in its place


@dataclass(frozen=True)
class UniversalSettings(_Settings):
    """Settings of one perturbation for a whole set (:func:`~aswb.signals.universal_assist`).

    Fields:
        eps: budget, a finite number >= 0 (a universal perturbation is bounded).
        norm: ``"linf"`` or ``"l2"`` (over the whole (3, H, W) perturbation).
        alpha: step size > 0; None: ``2.5 * eps / steps``.
        steps: gradient steps, an int >= 1, each on a random minibatch.
        batch_size: images per minibatch, an int >= 1.
        step_rule, attack, seed, progress: as in :class:`ImageSettings`.
    """

    eps: float = 8 / 255
    norm: str = "linf"
    alpha: float | None = None
    steps: int = 100
    batch_size: int = 32
    step_rule: str | StepRule = "sign"
    attack: bool = False
    seed: int = 0
    progress: bool | None = None

    _alpha_optional = True

    def __post_init__(self):
        eps = check_eps(self.eps, self.norm)
        if eps is None:
            raise ValueError("eps: expected a finite number >= 0 (a universal perturbation is bounded), got None")
        self._set("eps", eps)
        self._check_loop_fields()
        self._set("batch_size", check_int(self.batch_size, "batch_size", lo=1))

    def step_size(self) -> float:
        """``alpha``, or its default ``2.5 * eps / steps``."""
        return self.alpha if self.alpha is not None else _default_alpha(self.eps, self.steps)

    def record(self, **added) -> dict:
        return {**super().record(), "alpha": self.step_size(), **added}


@dataclass(frozen=True)
class PatchTransforms:
    """Random placement and appearance of a patch (each a (lo, hi) range sampled uniformly).

    Fields:
        scale: patch side relative to its nominal side (lo > 0).
        rotation: degrees.
        brightness: multiplicative factor (lo >= 0).
        margin: keep the patch centre this fraction of the image away from the border, in [0, 0.5].
    """

    scale: tuple = (0.8, 1.2)
    rotation: tuple = (-20.0, 20.0)
    brightness: tuple = (0.7, 1.3)
    margin: float = 0.15

    def __post_init__(self):
        if value_range(self.scale, "scale")[0] <= 0:
            raise ValueError(f"scale: expected a (lo, hi) range of factors > 0, got {self.scale!r}")
        value_range(self.rotation, "rotation")
        value_range(self.brightness, "brightness", lo_bound=0.0)
        check_number(self.margin, "margin", lo=0.0, hi=0.5)

    def sample(self, n: int, generator=None) -> dict:
        """``n`` draws: {"center": (n, 2) float32 in [margin, 1 - margin], "scale", "rotation", "brightness": (n,)}."""
        r = lambda lo_hi: lo_hi[0] + (lo_hi[1] - lo_hi[0]) * torch.rand(n, generator=generator)  # noqa: E731
        c = self.margin + (1 - 2 * self.margin) * torch.rand(n, 2, generator=generator)
        return {"center": c, "scale": r(self.scale), "rotation": r(self.rotation), "brightness": r(self.brightness)}


@dataclass(frozen=True)
class PatchSettings(_Settings):
    """Settings of a 2D patch trained under Expectation over Transformation (:func:`~aswb.signals.eot_patch`).

    Fields:
        area: patch area as a fraction of the image, in (0, 1].
        steps: gradient steps on the patch pixels, an int >= 1.
        alpha: step size > 0.
        batch_size: images (with fresh transforms) per step, an int >= 1.
        transforms: the EoT distribution, a :class:`PatchTransforms`.
        tv: weight >= 0 of the patch's total variation (a penalty, in attacks too).
        step_rule, attack, seed, progress: as in :class:`ImageSettings`.
    """

    area: float = 0.05
    steps: int = 200
    alpha: float = 4 / 255
    batch_size: int = 16
    transforms: PatchTransforms = field(default_factory=PatchTransforms)
    tv: float = 0.0
    step_rule: str | StepRule = "sign"
    attack: bool = False
    seed: int = 0
    progress: bool | None = None

    def __post_init__(self):
        patch_size(self.area, 1)  # validates the area
        self._check_loop_fields()
        self._set("batch_size", check_int(self.batch_size, "batch_size", lo=1))
        if not isinstance(self.transforms, PatchTransforms):
            raise TypeError(f"transforms: expected an aswb.signals.PatchTransforms, got {_describe(self.transforms)}")
        check_number(self.tv, "tv", lo=0.0)


@dataclass(frozen=True)
class TextureSettings(_Settings):
    """Settings of an assistive texture or vertex colouring (:func:`~aswb.signals.assist_texture`).

    Fields:
        kind: ``"uv"`` (the (Ht, Wt, 3) texture) or ``"vertex"`` ((V, 3) colours).
        eps: L-inf/L2 budget around the original colours (finite, >= 0), or None (unbounded: robust patterns).
        norm: ``"linf"`` or ``"l2"``.
        alpha: step size (or Adam's learning rate) > 0.
        steps: gradient steps, an int >= 1.
        step_rule: as in :class:`ImageSettings`.
        tv: weight >= 0 of the (seam-aware) total variation.
        printability: weight >= 0 of the non-printability score.
        attack: ascend the loss instead (an adversarial texture).
        keep_best: return the iterate with the lowest loss seen. Not recorded in results (as before).
        seed: int in [0, 2**31), seeds the random parts (sampler batches are the sampler's own).
        progress: as in :class:`ImageSettings`.
    """

    kind: str = "uv"
    eps: float | None = None
    norm: str = "linf"
    alpha: float = 4 / 255
    steps: int = 50
    step_rule: str | StepRule = "sign"
    tv: float = 0.0
    printability: float = 0.0
    attack: bool = False
    keep_best: bool = False
    seed: int = 0
    progress: bool | None = None

    _unrecorded = ("progress", "keep_best")

    def __post_init__(self):
        _check_kind(self.kind)
        self._set("eps", check_eps(self.eps, self.norm))
        self._check_loop_fields()
        check_number(self.tv, "tv", lo=0.0)
        check_number(self.printability, "printability", lo=0.0)
        check_bool(self.keep_best, "keep_best")


def _same(value, default) -> bool:
    return value is default or (type(value) is type(default) and not isinstance(value, torch.Tensor)
                                and value == default)


def from_keywords(cls, settings, entry, **keywords):
    """The settings an entry point runs with: ``cls(**keywords)``, or ``settings`` passed whole.

    Args:
        cls: the settings class.
        settings: None, or an instance of ``cls``.
        entry: the entry point (its signature's defaults tell which keywords were changed).
        keywords: the entry point's keyword arguments that are fields of ``cls``.
    Raises:
        TypeError: ``settings`` is not a ``cls``, or comes with a keyword changed from its default.
    """
    if settings is None:
        return cls(**keywords)
    if not isinstance(settings, cls):
        raise TypeError(f"settings: expected an aswb.signals.{cls.__name__}, got {_describe(settings)}")
    params = inspect.signature(entry).parameters
    changed = [k for k, v in keywords.items() if not _same(v, params[k].default)]
    if changed:
        raise TypeError(f"settings: pass the settings whole or as keywords, not both: got settings= and "
                        f"{', '.join(f'{k}={keywords[k]!r}' for k in changed)} (set them in the "
                        f"{cls.__name__} instead, e.g. dataclasses.replace(settings, {changed[0]}=...))")
    return settings
