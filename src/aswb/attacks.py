"""Attack primitives for hardening and probing classifiers: tensor in, tensor out.

- :func:`pgd`: projected gradient ascent of the cross-entropy in an L-inf or L2 ball (Madry
  et al., 2018), optionally from a random start and inside a pixel mask — with the mask of
  :func:`background_mask` it is the localized attack of Rothberg et al. (only the background
  of a render changes);
- :func:`fgsm_rs`: its single step from a random start (fast adversarial training, Wong et al., 2020);
- :func:`shared`: one perturbation per heap of images (shared adversarial training, Mummadi
  et al., 2019);
- :func:`universal`: one perturbation for a whole set, or one per class; :func:`fooling_rate`.

Every attack runs the engine's loop (:func:`aswb.signals.run`) with its
:class:`~aswb.signals.Constraint`: the same signed steps, projections and masks as every
assistive signal, with the sign flipped. Images are (B, 3, H, W) float32 in [0, 1]; labels
(B,) int64 (or one int). The classifiers are used in whatever mode they are in (call
``.eval()`` first to attack with batch-norm running statistics).
"""
from __future__ import annotations

import torch

from ._checks import _describe, check_eps, check_finite, check_image, check_int, class_labels, image_mask
from .models import classifier_list, predict
from .signals.constraints import Constraint
from .signals.image import pgd_images, universal_assist
from .signals.loop import Terms, run
from .signals.losses import true_class_loss
from .signals.settings import ImageSettings

__all__ = ["pgd", "fgsm_rs", "shared", "heaps", "universal", "apply_universal", "background_mask", "fooling_rate"]


def _budget(eps, norm: str) -> float:
    eps = check_eps(eps, norm)
    if eps is None:
        raise ValueError("eps: an attack needs a bounded budget (a number >= 0), got None")
    return eps


def _inputs(classifiers, images, labels):
    clfs = classifier_list(classifiers)
    images = check_image(images, "images", channels_last=False).detach()
    return clfs, images, class_labels(labels, images.shape[0], clfs[0].num_classes, images.device)


def _attack(eps, norm, alpha, steps, random_start, seed) -> ImageSettings:
    """An attack's settings (no bar: attacks run inside training and evaluation loops)."""
    return ImageSettings(eps=_budget(eps, norm), norm=norm, alpha=alpha, steps=steps, random_start=random_start,
                         attack=True, seed=seed, progress=False)


def pgd(classifiers, images: torch.Tensor, labels, eps: float, alpha: float | None = None, steps: int = 10,
        norm: str = "linf", random_start: bool = True, mask=None, seed: int = 0) -> torch.Tensor:
    """Untargeted PGD: ``steps`` signed-gradient ascent steps of the cross-entropy, each projected
    onto the ε-ball around ``images``, [0, 1] and the mask. It runs the same PGD as
    :func:`aswb.signals.attack_image` (:func:`aswb.signals.image.pgd_images`), with the same
    default start, and gives bit-identical images for the same arguments.

    Args:
        classifiers: a Classifier or a list (mean cross-entropy).
        images: (B, 3, H, W) float32 in [0, 1].
        labels: (B,) int64 true labels, or one int for all.
        eps: budget >= 0 (L-inf: per pixel and channel; L2: per image).
        alpha: step size (default ``2.5 * eps / steps``, at least 1e-6).
        steps: number of steps (an int >= 1).
        norm: ``"linf"`` or ``"l2"``.
        random_start: start from a uniformly random point of the ball (seeded by ``seed``), as
            Madry et al. and torchattacks do; False starts from ``images``.
        mask: (H, W) or (B, H, W) bool: only these pixels may change (bit-exact elsewhere).
    Returns:
        (B, 3, H, W) float32 adversarial images in [0, 1], detached.
    """
    clfs, images, labels = _inputs(classifiers, images, labels)
    s = _attack(eps, norm, alpha, steps, random_start, seed)
    x, _ = pgd_images(clfs, images, labels, s, image_mask(mask, tuple(images.shape)), evaluate_last=False)
    return x


def fgsm_rs(classifiers, images: torch.Tensor, labels, eps: float, alpha: float | None = None,
            norm: str = "linf", mask=None, seed: int = 0) -> torch.Tensor:
    """FGSM from a random start (Wong et al., 2020): one signed step of size ``alpha`` (default
    ``1.25 * eps``) from a uniform point of the ε-ball, projected back. Same arguments and
    result as :func:`pgd`."""
    eps = _budget(eps, norm)
    alpha = alpha if alpha is not None else max(1.25 * eps, 1e-8)
    return pgd(classifiers, images, labels, eps, alpha=alpha, steps=1, norm=norm, random_start=True, mask=mask,
               seed=seed)


def heaps(n: int, heap_size) -> torch.Tensor:
    """(n,) int64 heap index of each of ``n`` images in heaps of ``heap_size`` (the last may be smaller)."""
    heap_size = check_int(heap_size, "heap_size", lo=1)
    if heap_size > n:
        raise ValueError(f"heap_size: {heap_size} is larger than the batch ({n} images); use at most {n}")
    return torch.div(torch.arange(n), heap_size, rounding_mode="floor")


def shared(classifiers, images: torch.Tensor, labels, eps: float, heap_size: int, alpha: float | None = None,
           steps: int = 10, norm: str = "linf", random_start: bool = False, seed: int = 0) -> torch.Tensor:
    """Shared perturbations (Mummadi et al., 2019): the batch is cut into consecutive heaps of
    ``heap_size`` images and each heap gets one perturbation δ (3, H, W), ascended on the heap's
    cross-entropy — a universal perturbation in miniature.

    Args: as :func:`pgd`, plus ``heap_size`` (int in [1, B]; 1 is per-image PGD).
    Returns:
        (B, 3, H, W) float32 adversarial images ``clamp(images + δ[heap], 0, 1)``, detached.
    """
    clfs, images, labels = _inputs(classifiers, images, labels)
    s = _attack(eps, norm, alpha, steps, random_start, seed)
    n_heaps = int(heaps(len(images), heap_size)[-1]) + 1
    con = Constraint(x0=images.new_zeros(n_heaps, *images.shape[1:]), eps=s.eps, norm=s.norm, lo=-1.0, hi=1.0,
                     batch_dims=1)
    full = len(images) // heap_size  # whole heaps; a last, smaller one takes the remaining images

    def perturbed(d):  # broadcasting, whose backward is a sum (indexing's would scatter)
        x = (images[:full * heap_size].view(full, heap_size, *images.shape[1:]) + d[:full, None]).flatten(0, 1)
        if full < n_heaps:
            x = torch.cat([x, images[full * heap_size:] + d[full]])
        return x.clamp(0, 1)

    def objective(d, step):
        return Terms(*true_class_loss(clfs, perturbed(d), labels))

    d, _ = run(con, objective, s.loop(evaluate_last=False))
    return perturbed(d)


def universal(classifiers, images: torch.Tensor, labels, eps: float, alpha: float | None = None, steps: int = 100,
              norm: str = "linf", batch_size: int = 32, per_class: bool = False, seed: int = 0) -> torch.Tensor:
    """A universal perturbation: one δ that raises the cross-entropy over the whole set (each
    step on a random minibatch of ``batch_size``; the engine of :func:`aswb.signals.universal_assist`).

    Returns:
        δ (3, H, W) float32 in [-eps, eps]; with ``per_class`` a (num_classes, 3, H, W) tensor,
        row k made on the images of class k only (zeros for a class absent from ``labels``).
        Apply with :func:`apply_universal`.
    """
    clfs, images, labels = _inputs(classifiers, images, labels)
    eps = _budget(eps, norm)
    if not per_class:
        return universal_assist(clfs, images, labels, eps=eps, alpha=alpha, steps=steps, norm=norm,
                                batch_size=batch_size, attack=True, progress=False, seed=seed).signal
    out = images.new_zeros(clfs[0].num_classes, *images.shape[1:])
    for k in labels.unique().tolist():
        sel = labels == k
        out[k] = universal_assist(clfs, images[sel], labels[sel], eps=eps, alpha=alpha, steps=steps, norm=norm,
                                  batch_size=batch_size, attack=True, progress=False, seed=seed).signal
    return out


def apply_universal(images: torch.Tensor, delta: torch.Tensor, labels=None) -> torch.Tensor:
    """``clamp(images + δ, 0, 1)``; δ (3, H, W), or (num_classes, 3, H, W) with ``labels`` picking each image's row.

    images: (B, 3, H, W) float in [0, 1]; δ: float, finite (NaN or inf raise a ValueError naming ``delta``).
    Returns (B, 3, H, W) in [0, 1]."""
    images = check_image(images, "images", channels_last=False)
    if isinstance(delta, torch.Tensor) and not delta.is_floating_point():
        raise TypeError(f"delta: expected a float tensor (3, H, W) or (K, 3, H, W), got {_describe(delta)}")
    if not isinstance(delta, torch.Tensor) or delta.dim() not in (3, 4) or tuple(delta.shape[-3:]) != tuple(images.shape[1:]):
        raise ValueError(f"delta: expected (3, H, W) or (K, 3, H, W) matching images {tuple(images.shape[1:])}, "
                         f"got {_describe(delta)}")
    check_finite(delta.detach(), "delta")
    if delta.dim() == 4:
        if labels is None:
            raise ValueError("labels: needed to apply per-class perturbations (K, 3, H, W)")
        delta = delta[class_labels(labels, len(images), delta.shape[0], images.device)]
    return (images + delta.to(images)).clamp(0, 1)


def background_mask(coverage: torch.Tensor) -> torch.Tensor:
    """Pixels where no face was rasterised: (B, H, W) bool from an object coverage (B, H, W)
    in [0, 1] (:attr:`aswb.render.Scene.mask`) or an object mask (bool). A pixel partly covered at
    an anti-aliased edge counts as object."""
    if not isinstance(coverage, torch.Tensor) or coverage.dim() != 3:
        raise TypeError(f"coverage: expected a (B, H, W) tensor (object coverage or mask), got {_describe(coverage)}")
    return ~coverage.bool() if coverage.dtype == torch.bool else coverage <= 0


@torch.no_grad()
def fooling_rate(classifiers, images: torch.Tensor, adversarial: torch.Tensor, batch: int = 256) -> float:
    """Fraction of images whose predicted class changes from ``images`` to ``adversarial`` (both
    (B, 3, H, W) in [0, 1]; mean probabilities over the classifiers)."""
    clfs = classifier_list(classifiers)
    images = check_image(images, "images", channels_last=False)
    adversarial = check_image(adversarial, "adversarial", channels_last=False)
    if adversarial.shape != images.shape:
        raise ValueError(f"adversarial: expected shape {tuple(images.shape)}, got {tuple(adversarial.shape)}")
    before = predict(clfs, images, batch).argmax(1)
    after = predict(clfs, adversarial, batch).argmax(1)
    return float((before != after).float().mean())
