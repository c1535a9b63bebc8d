"""2D assistive perturbations (and their adversarial twins) on images."""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

import pandas as pd
import torch

from .._checks import check_image, class_labels, image_mask
from ..models import classifier_list, predict
from .constraints import Constraint
from .loop import Terms, run
from .losses import true_class_loss
from .result import SignalResult
from .settings import ImageSettings, UniversalSettings, from_keywords

__all__ = ["assist_image", "attack_image", "universal_assist", "sweep_table", "pgd_images", "image_mask"]


def pgd_images(classifiers: list, images: torch.Tensor, labels: torch.Tensor, settings: ImageSettings, mask=None,
               evaluate_last: bool = True) -> tuple[torch.Tensor, pd.DataFrame]:
    """The one PGD: projected signed-gradient steps on the mean cross-entropy to ``labels``,
    towards it (assist) or away from it (``settings.attack``), within the ε-ball, [0, 1] and the mask.
    :func:`assist_image`, :func:`attack_image` and :func:`aswb.attacks.pgd` all run this.

    Args:
        classifiers: a list of :class:`~aswb.models.Classifier` (checked by the caller).
        images: (B, 3, H, W) float32 in [0, 1] (checked, detached).
        labels: (B,) int64 class indices.
        settings: one budget (not a sweep).
        mask: None or (B or 1, 1, H, W) bool from :func:`image_mask`.
        evaluate_last: see :class:`~aswb.signals.LoopSettings`.
    Returns:
        ``(x, history)``: (B, 3, H, W) float32 perturbed images in [0, 1], detached, and the loop's history.
    """
    con = Constraint(x0=images, eps=settings.eps, norm=settings.norm, mask=mask, batch_dims=1)

    def objective(x, step):
        return Terms(*true_class_loss(classifiers, x, labels))

    return run(con, objective, settings.loop(evaluate_last=evaluate_last))


def _image_results(clfs, images, labels, mask, settings: ImageSettings):
    out = []
    for s in settings.sweep():
        x, hist = pgd_images(clfs, images, labels, s, mask)
        before, after = predict(clfs, images), predict(clfs, x)
        idx = torch.arange(len(labels))
        pb, pa = before[idx, labels], after[idx, labels]
        kb, ka = before.argmax(1), after.argmax(1)
        assistive = (kb == ka) & (pa > pb)  # the paper's definition: same label, higher confidence
        norm_max = Constraint(x0=images, norm=s.norm, batch_dims=1).distance(x).max()
        metrics = {"eps": s.eps, "p_true_before": float(pb.mean()), "p_true_after": float(pa.mean()),
                   "acc_before": float((kb == labels).float().mean()),
                   "acc_after": float((ka == labels).float().mean()),
                   "assistive_rate": float(assistive.float().mean()), "norm_max": float(norm_max)}
        record = s.record(masked=mask is not None, classifiers=[c.name for c in clfs], labels=labels.tolist())
        out.append(SignalResult(domain="image", signal=(x - images).detach(), original=torch.zeros_like(images),
                                mask=None if mask is None else mask.detach().clone(), history=hist, settings=record,
                                metrics=metrics, extra={"images": x.detach(), "before": before, "after": after,
                                                        "assistive": assistive, "labels": labels}))
    return out if settings.is_sweep else out[0]


def _image_inputs(classifiers, images, labels, mask):
    clfs = classifier_list(classifiers)
    images = check_image(images, "images", channels_last=False)
    labels = class_labels(labels, images.shape[0], clfs[0].num_classes, images.device)
    return clfs, images.detach(), labels, image_mask(mask, tuple(images.shape))


def assist_image(classifiers, images: torch.Tensor, labels, eps=8 / 255, alpha: float | None = None, steps: int = 20,
                 norm: str = "linf", mask=None, step_rule="sign", random_start: bool = False,
                 attack: bool = False, progress: bool | None = None, seed: int = 0, *,
                 settings: ImageSettings | None = None):
    """Assistive perturbations: PGD towards the TRUE label within an ε-ball (and a mask).

    Args:
        classifiers: a Classifier or a list (mean cross-entropy).
        images: (B, 3, H, W) float32 in [0, 1].
        labels: (B,) int64 true labels, or one int for all.
        eps: budget, or a list of budgets (a sweep: one result per ε); None = unbounded.
        alpha: step size (default ``2.5 * eps / steps`` as in Madry et al.; 2/255 when unbounded).
        norm: ``"linf"`` or ``"l2"`` (L2 measured per image over all pixels and channels).
        mask: (H, W) or (B, H, W) bool: only these pixels may change (a region, the object,
            or only the background).
        step_rule, random_start, progress, seed: see :class:`~aswb.signals.ImageSettings`.
        attack: maximise the loss instead (the adversarial direction, PGD).
        settings: an :class:`~aswb.signals.ImageSettings` passed whole instead of the keywords
            from ``eps`` to ``seed`` (which must then keep their defaults).
    Returns:
        :class:`SignalResult` (domain ``"image"``): ``signal`` = δ (B, 3, H, W), ``extra["images"]``
        = x + δ, ``extra["assistive"]`` (B,) bool (same prediction and higher confidence), and
        metrics p_true/accuracy before and after; a list of them for a list of ε.
    """
    clfs, images, labels, m = _image_inputs(classifiers, images, labels, mask)
    s = from_keywords(ImageSettings, settings, assist_image, eps=eps, alpha=alpha, steps=steps, norm=norm,
                      step_rule=step_rule, random_start=random_start, attack=attack, progress=progress, seed=seed)
    return _image_results(clfs, images, labels, m, s)


def attack_image(classifiers, images: torch.Tensor, labels, eps=8 / 255, alpha: float | None = None, steps: int = 20,
                 norm: str = "linf", mask=None, random_start: bool = True, step_rule="sign",
                 progress: bool | None = None, seed: int = 0, *, settings: ImageSettings | None = None):
    """Untargeted PGD (Madry et al.): the same loop as :func:`assist_image` with the opposite sign,
    from a random start by default (as :func:`aswb.attacks.pgd`, which runs the same PGD and gives
    bit-identical images for the same arguments). Arguments and result as :func:`assist_image`;
    ``settings`` must have ``attack=True``."""
    clfs, images, labels, m = _image_inputs(classifiers, images, labels, mask)
    s = from_keywords(ImageSettings, settings, attack_image, eps=eps, alpha=alpha, steps=steps, norm=norm,
                      step_rule=step_rule, random_start=random_start, progress=progress, seed=seed)
    if settings is None:
        s = replace(s, attack=True)
    elif not s.attack:
        raise ValueError("settings: attack_image needs ImageSettings(attack=True, ...) (use assist_image to assist)")
    return _image_results(clfs, images, labels, m, s)


def universal_assist(classifiers, images: torch.Tensor, labels, eps: float = 8 / 255, alpha: float | None = None,
                     steps: int = 100, norm: str = "linf", batch_size: int = 32, step_rule="sign", attack: bool = False,
                     progress: bool | None = None, seed: int = 0, *,
                     settings: UniversalSettings | None = None) -> SignalResult:
    """One perturbation δ (3, H, W) that assists (or, with ``attack``, fools) on a whole set.

    Each step uses a random minibatch of ``images`` (B, 3, H, W) float32 in [0, 1] with ``labels``
    ((B,) int64 or one int). The keywords (or ``settings``, a :class:`~aswb.signals.UniversalSettings`
    passed whole) are those of :class:`~aswb.signals.UniversalSettings`.
    Returns a :class:`SignalResult` (domain ``"universal"``, ``signal`` (3, H, W) float32 in
    [-eps, eps]) with metrics on the whole set.
    """
    clfs = classifier_list(classifiers)
    images = check_image(images, "images", channels_last=False).detach()
    labels = class_labels(labels, images.shape[0], clfs[0].num_classes, images.device)
    s = from_keywords(UniversalSettings, settings, universal_assist, eps=eps, alpha=alpha, steps=steps, norm=norm,
                      batch_size=batch_size, step_rule=step_rule, attack=attack, progress=progress, seed=seed)
    con = Constraint(x0=torch.zeros_like(images[0]), eps=s.eps, norm=s.norm, lo=-1.0, hi=1.0)
    g = torch.Generator().manual_seed(s.seed)

    def objective(d, step):
        idx = torch.randperm(len(images), generator=g)[:s.batch_size].to(images.device)
        return Terms(*true_class_loss(clfs, (images[idx] + d).clamp(0, 1), labels[idx]))

    d, hist = run(con, objective, s.loop())
    before, after = predict(clfs, images), predict(clfs, (images + d).clamp(0, 1))
    idx = torch.arange(len(labels))
    metrics = {"eps": s.eps, "p_true_before": float(before[idx, labels].mean()),
               "p_true_after": float(after[idx, labels].mean()),
               "acc_before": float((before.argmax(1) == labels).float().mean()),
               "acc_after": float((after.argmax(1) == labels).float().mean())}
    return SignalResult(domain="universal", signal=d, original=torch.zeros_like(d), mask=None, history=hist,
                        settings=s.record(classifiers=[c.name for c in clfs]),
                        metrics=metrics, extra={"before": before, "after": after, "labels": labels})


def sweep_table(results: Sequence[SignalResult]) -> pd.DataFrame:
    """One row per result of an ε sweep: eps, p_true and accuracy before/after, assistive rate."""
    return pd.DataFrame([{k: r.metrics.get(k) for k in ("eps", "p_true_before", "p_true_after", "acc_before",
                                                          "acc_after", "assistive_rate", "norm_max")} for r in results])
