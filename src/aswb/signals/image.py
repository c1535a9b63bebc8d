"""2D assistive perturbations (and their adversarial twins) on images."""
from __future__ import annotations

from typing import Sequence

import pandas as pd
import torch

from .._checks import _describe, check_image, class_labels, positive_int
from ..models import classifier_list, predict
from .constraints import Constraint, check_eps
from .losses import true_class_loss
from .steps import step_name
from .loop import LoopSettings, run
from .result import SignalResult

__all__ = ["assist_image", "attack_image", "universal_assist", "sweep_table", "image_mask"]


def image_mask(mask, shape) -> torch.Tensor | None:
    """Broadcast a pixel mask (H, W) or (B, H, W) bool to (B or 1, 1, H, W) for images ``shape`` (B, 3, H, W)."""
    if mask is None:
        return None
    B, _, H, W = shape
    if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
        raise TypeError(f"mask: expected a bool tensor (H, W) or (B, H, W), got {_describe(mask)}")
    if tuple(mask.shape) not in ((H, W), (B, H, W)):
        raise ValueError(f"mask: expected shape ({H}, {W}) or ({B}, {H}, {W}), got {tuple(mask.shape)}")
    m = mask.view(-1, 1, H, W)
    if not bool(m.flatten(1).any(1).all()):
        raise ValueError("mask: empty for at least one image (no pixel may change)")
    return m


def _optimise_batch(clfs, images, labels, eps, norm, alpha, steps, mask, step_rule, random_start, attack, progress, seed):
    con = Constraint(x0=images, eps=eps, norm=norm, mask=mask, batch_dims=1)

    def objective(x, step):
        loss, p_true = true_class_loss(clfs, x, labels)
        return loss, p_true, {}

    settings = LoopSettings(steps=steps, alpha=alpha, step_rule=step_rule, sign=-1 if attack else 1,
                            random_start=random_start, progress=progress, seed=seed)
    x, hist = run(con, objective, settings)
    before, after = predict(clfs, images), predict(clfs, x)
    idx = torch.arange(len(labels))
    pb, pa = before[idx, labels], after[idx, labels]
    kb, ka = before.argmax(1), after.argmax(1)
    assistive = (kb == ka) & (pa > pb)  # the paper's definition: same label, higher confidence
    metrics = {"eps": eps, "p_true_before": float(pb.mean()), "p_true_after": float(pa.mean()),
               "acc_before": float((kb == labels).float().mean()), "acc_after": float((ka == labels).float().mean()),
               "assistive_rate": float(assistive.float().mean()),
               "norm_max": float(con.distance(x).max())}
    settings_d = {"eps": eps, "norm": norm, "alpha": alpha, "steps": steps, "step_rule": step_name(step_rule),
                  "random_start": random_start, "attack": attack, "seed": seed, "masked": mask is not None,
                  "classifiers": [c.name for c in clfs], "labels": labels.tolist()}
    return SignalResult(domain="image", signal=(x - images).detach(), original=torch.zeros_like(images),
                        mask=None if mask is None else mask.detach().clone(), history=hist, settings=settings_d,
                        metrics=metrics, extra={"images": x.detach(), "before": before, "after": after,
                                                "assistive": assistive, "labels": labels})


def assist_image(classifiers, images: torch.Tensor, labels, eps=8 / 255, alpha: float | None = None, steps: int = 20,
                 norm: str = "linf", mask=None, step_rule="sign", random_start: bool = False,
                 attack: bool = False, progress: bool | None = None, seed: int = 0):
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
        attack: maximise the loss instead (the adversarial direction, PGD).
    Returns:
        :class:`SignalResult` (domain ``"image"``): ``signal`` = δ (B, 3, H, W), ``extra["images"]``
        = x + δ, ``extra["assistive"]`` (B,) bool (same prediction and higher confidence), and
        metrics p_true/accuracy before and after; a list of them for a list of ε.
    """
    clfs = classifier_list(classifiers)
    images = check_image(images, "images", channels_last=False)
    labels = class_labels(labels, images.shape[0], clfs[0].num_classes, images.device)
    m = image_mask(mask, tuple(images.shape))
    steps = positive_int(steps, "steps")
    sweep = isinstance(eps, (list, tuple))
    out = []
    for e in (eps if sweep else [eps]):
        e = check_eps(e, norm)
        a = alpha if alpha is not None else (2 / 255 if e is None else max(2.5 * e / steps, 1e-6))
        out.append(_optimise_batch(clfs, images.detach(), labels, e, norm, a, steps, m, step_rule, random_start, attack,
                        progress, seed))
    return out if sweep else out[0]


def attack_image(classifiers, images, labels, eps=8 / 255, alpha=None, steps: int = 20, norm: str = "linf",
                 mask=None, random_start: bool = True, **kw):
    """Untargeted PGD (Madry et al.): the same loop as :func:`assist_image` with the opposite sign."""
    return assist_image(classifiers, images, labels, eps=eps, alpha=alpha, steps=steps, norm=norm, mask=mask,
                        random_start=random_start, attack=True, **kw)


def universal_assist(classifiers, images: torch.Tensor, labels, eps: float = 8 / 255, alpha: float | None = None,
                     steps: int = 100, norm: str = "linf", batch_size: int = 32, step_rule="sign", attack: bool = False,
                     progress: bool | None = None, seed: int = 0) -> SignalResult:
    """One perturbation δ (3, H, W) that assists (or, with ``attack``, fools) on a whole set.

    Each step uses a random minibatch of ``images`` (B, 3, H, W) in [0, 1] with ``labels``.
    Returns a :class:`SignalResult` (domain ``"universal"``) with metrics on the whole set.
    """
    clfs = classifier_list(classifiers)
    images = check_image(images, "images", channels_last=False).detach()
    labels = class_labels(labels, images.shape[0], clfs[0].num_classes, images.device)
    eps = check_eps(eps, norm)
    if eps is None:
        raise ValueError("universal_assist: eps must be a number (a universal perturbation is bounded)")
    steps, batch_size = positive_int(steps, "steps"), positive_int(batch_size, "batch_size")
    alpha = alpha if alpha is not None else max(2.5 * eps / steps, 1e-6)
    con = Constraint(x0=torch.zeros_like(images[0]), eps=eps, norm=norm, lo=-1.0, hi=1.0)
    g = torch.Generator().manual_seed(seed)

    def objective(d, step):
        idx = torch.randperm(len(images), generator=g)[:batch_size].to(images.device)
        loss, p_true = true_class_loss(clfs, (images[idx] + d).clamp(0, 1), labels[idx])
        return loss, p_true, {}

    d, hist = run(con, objective, LoopSettings(steps=steps, alpha=alpha, step_rule=step_rule, sign=-1 if attack else 1,
                                               progress=progress, seed=seed))
    before, after = predict(clfs, images), predict(clfs, (images + d).clamp(0, 1))
    idx = torch.arange(len(labels))
    metrics = {"eps": eps, "p_true_before": float(before[idx, labels].mean()),
               "p_true_after": float(after[idx, labels].mean()),
               "acc_before": float((before.argmax(1) == labels).float().mean()),
               "acc_after": float((after.argmax(1) == labels).float().mean())}
    return SignalResult(domain="universal", signal=d, original=torch.zeros_like(d), mask=None, history=hist,
                        settings={"eps": eps, "norm": norm, "alpha": alpha, "steps": steps, "batch_size": batch_size,
                                  "step_rule": step_name(step_rule),
                                  "attack": attack, "seed": seed, "classifiers": [c.name for c in clfs]},
                        metrics=metrics, extra={"before": before, "after": after, "labels": labels})


def sweep_table(results: Sequence[SignalResult]) -> pd.DataFrame:
    """One row per result of an ε sweep: eps, p_true and accuracy before/after, assistive rate."""
    return pd.DataFrame([{k: r.metrics.get(k) for k in ("eps", "p_true_before", "p_true_after", "acc_before",
                                                          "acc_after", "assistive_rate", "norm_max")} for r in results])
