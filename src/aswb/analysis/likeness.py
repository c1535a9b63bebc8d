"""How much a perturbation looks like a class: correlation with the class's mean image, and what
a classifier sees in the perturbation alone."""
from __future__ import annotations

import torch

from .._checks import _describe, check_finite, check_image, class_label, class_labels
from ..models import classifier_list, predict

__all__ = ["class_likeness", "perturbation_image"]


def perturbation_image(delta: torch.Tensor) -> torch.Tensor:
    """A perturbation shown alone: δ (3, H, W) scaled so its largest entry reaches 0.5, on grey
    0.5 — (3, H, W) float32 in [0, 1] (zero δ gives plain grey). δ: (3, H, W) float, finite
    (NaN or inf raise a ValueError naming ``delta``)."""
    _check_delta(delta)
    if delta.dim() != 3 or delta.shape[0] != 3:
        raise ValueError(f"delta: expected a (3, H, W) perturbation, got {_describe(delta)}")
    peak = delta.detach().abs().amax()
    return (0.5 + 0.5 * delta.detach() / peak.clamp_min(1e-12)).clamp(0, 1)


def _check_delta(delta) -> None:
    """δ a finite floating-point tensor (a TypeError or ValueError naming ``delta``)."""
    if not isinstance(delta, torch.Tensor) or not delta.is_floating_point():
        raise TypeError(f"delta: expected a float tensor (3, H, W), got {_describe(delta)}")
    check_finite(delta.detach(), "delta")


@torch.no_grad()
def class_likeness(delta: torch.Tensor, images: torch.Tensor, labels, label: int, judges) -> dict:
    """How much a perturbation δ (3, H, W) looks like class ``label``.

    Args:
        delta: (3, H, W) float perturbation (e.g. a universal perturbation).
        images: (N, 3, H, W) float32 in [0, 1] of several classes (the reference set).
        labels: (N,) int64 class of each image.
        label: the class to compare with.
        judges: a Classifier or a list (mean probabilities) that labels the perturbation alone.
    Returns:
        ``{"corr_class_mean": r, "p_label_alone": p, "top1_alone": k}``: the Pearson correlation
        of δ with the class's mean image minus the mean image of the whole set (what sets the
        class apart, in [-1, 1]); the judges' probability of ``label`` for
        :func:`perturbation_image` (δ shown alone), and their top class for it.
    """
    clfs = classifier_list(judges, "judges")
    images = check_image(images, "images", channels_last=False)
    n = clfs[0].num_classes
    labels = class_labels(labels, len(images), n, images.device)
    label = class_label(label, n)
    _check_delta(delta)
    if tuple(delta.shape) != tuple(images.shape[1:]):
        raise ValueError(f"delta: expected shape {tuple(images.shape[1:])} like the images, got {_describe(delta)}")
    sel = labels == label
    if not bool(sel.any()):
        raise ValueError(f"label: no image of class {label} in the reference set")
    ref = images[sel].mean(0) - images.mean(0)
    a, b = delta.flatten().float() - delta.float().mean(), ref.flatten() - ref.mean()
    r = float((a @ b) / (a.norm() * b.norm()).clamp_min(1e-12))
    p = predict(clfs, perturbation_image(delta)[None])[0]
    return {"corr_class_mean": r, "p_label_alone": float(p[label]), "top1_alone": int(p.argmax())}
