"""Training regimes of the toy classifiers: how each training batch is perturbed before the update.

- ``none``: the clean (augmented) batch;
- ``pgd``: Madry et al.'s adversarial training, every image replaced by its PGD attack
  (:func:`aswb.attacks.pgd`, L-inf, from the clean image: the shipped models were trained so);
- ``localized``: Rothberg et al.'s localized adversarial training, PGD confined to each
  render's background (pixels where no face was rasterised), so the object is never touched;
- ``shared``: Mummadi et al.'s shared adversarial training, one perturbation per heap of
  ``heap_size`` images (:func:`aswb.attacks.shared`).

Attacks are made with the network in eval mode (batch-norm running statistics), then the
update runs in train mode on the perturbed batch.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import torch

from .. import attacks
from .._checks import _describe, check_bool, check_int, check_number, check_steps

__all__ = ["DEFENSES", "Defense", "defense", "SETTINGS"]

DEFENSES: tuple[str, ...] = ("none", "pgd", "localized", "shared")


@dataclass(frozen=True)
class Defense:
    """A training regime.

    Fields:
        name: one of :data:`DEFENSES`.
        eps: L-inf budget of the training perturbation (per pixel, images in [0, 1]).
        steps: PGD steps per batch (an int >= 1 unless ``name == "none"``).
        alpha: step size (None: ``2.5 * eps / steps``).
        heap_size: images sharing one perturbation (``shared`` only; int >= 1).
        keep_clean: train on the clean batch *and* its perturbed copy (the perturbed images are
            included in the training set, as in localized adversarial training) instead of on
            the perturbed copy alone (Madry et al.).
    """

    name: str = "none"
    eps: float = 0.0
    steps: int = 0
    alpha: float | None = None
    heap_size: int | None = None
    keep_clean: bool = False

    def __post_init__(self):
        if self.name not in DEFENSES:
            raise ValueError(f"defense: expected one of {DEFENSES}, got {self.name!r}")
        check_bool(self.keep_clean, "keep_clean")
        if self.name == "none":
            return
        if not 0 < check_number(self.eps, "eps") <= 1:
            raise ValueError(f"eps: expected a number in (0, 1] for the {self.name} regime, got {self.eps!r}")
        check_steps(self.steps)  # the loop's rule: an int >= 1
        if self.name == "shared":
            check_int(self.heap_size, "heap_size", lo=1)
        elif self.heap_size is not None:
            raise ValueError(f"heap_size: only the shared regime uses heaps, got heap_size={self.heap_size!r} "
                             f"for {self.name!r}")

    @property
    def needs_background(self) -> bool:
        """True when the regime perturbs backgrounds only (training data must carry masks)."""
        return self.name == "localized"

    def batch(self, clf, x: torch.Tensor, y: torch.Tensor, background: torch.Tensor | None = None,
              seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
        """The images and labels one update trains on: the perturbed batch (:meth:`perturb`), or
        with ``keep_clean`` the clean batch followed by its perturbed copy ((2B, 3, H, W), (2B,))."""
        adv = self.perturb(clf, x, y, background, seed)
        if self.keep_clean and self.name != "none":
            return torch.cat([x, adv]), torch.cat([y, y])
        return adv, y

    def perturb(self, clf, x: torch.Tensor, y: torch.Tensor, background: torch.Tensor | None = None,
                seed: int = 0) -> torch.Tensor:
        """The training images of one batch.

        Args:
            clf: the :class:`aswb.models.Classifier` being trained (its network's mode is restored).
            x: (B, 3, H, W) float32 in [0, 1]; y: (B,) int64 labels.
            background: (B, H, W) bool, True where no face was rasterised (``localized`` only).
            seed: seeds any random start.
        Returns:
            (B, 3, H, W) float32 in [0, 1], detached (``x`` itself for ``none``).
        """

        if self.name == "none":
            return x
        if self.needs_background and background is None:
            raise ValueError("localized training needs background masks: render the data with "
                             "render_dataset(..., masks=True)")
        net = clf.net
        was_training = net.training
        net.eval()
        try:
            if self.name == "shared":
                heap = min(self.heap_size, len(x))
                return attacks.shared(clf, x, y, self.eps, heap, alpha=self.alpha, steps=self.steps, seed=seed)
            mask = background if self.name == "localized" else None
            if mask is not None:  # an image with no background pixel keeps its clean copy
                empty = ~mask.flatten(1).any(1)
                if bool(empty.all()):
                    return x
                if bool(empty.any()):
                    keep = ~empty
                    out = x.clone()
                    out[keep] = attacks.pgd(clf, x[keep], y[keep], self.eps, alpha=self.alpha, steps=self.steps,
                                            random_start=False, mask=mask[keep], seed=seed)
                    return out
            return attacks.pgd(clf, x, y, self.eps, alpha=self.alpha, steps=self.steps, random_start=False,
                               mask=mask, seed=seed)
        finally:
            net.train(was_training)


#: the settings the shipped hardened classifiers were trained with
SETTINGS: dict[str, Defense] = {
    "none": Defense(),
    "pgd": Defense("pgd", eps=4 / 255, steps=3),
    "localized": Defense("localized", eps=16 / 255, steps=3, keep_clean=True),
    "shared": Defense("shared", eps=8 / 255, steps=3, heap_size=16),
}


def defense(name, **overrides) -> Defense:
    """The shipped settings of a regime (:data:`SETTINGS`), with any field overridden.

    ``name`` may also be a :class:`Defense`, returned with the overrides applied.
    """
    if isinstance(name, Defense):
        return replace(name, **overrides) if overrides else name
    if not isinstance(name, str):
        raise TypeError(f"defense: expected a regime name {DEFENSES} or a Defense, got {_describe(name)}")
    if name not in SETTINGS:
        raise ValueError(f"defense: expected one of {DEFENSES}, got {name!r}")
    return replace(SETTINGS[name], **overrides) if overrides else SETTINGS[name]
