"""Training the toy classifiers on rendered toy-world images (CPU-friendly, reproducible)."""
from __future__ import annotations

import io
import json
import math
import time
from pathlib import Path

import torch
import torch.nn.functional as F
import torchvision
from tqdm.auto import tqdm

from .._checks import _describe, positive_int
from .._files import write_file
from ..models import Classifier
from .defenses import DEFENSES
from .defenses import defense as _defense
from .world import CLASSES, IMAGE_SIZE, Dataset, render_dataset

__all__ = ["ARCHS", "TRAIN_SEEDS", "HELDOUT_SEEDS", "MEAN", "STD", "augment", "train", "save_classifier",
           "build_net", "model_name"]

#: shipped toy classifiers: one ResNet, one DenseNet (the paper's Table 1 model), one ShuffleNet
ARCHS: tuple[str, ...] = ("resnet18", "densenet121", "shufflenet_v2_x1_0")
TRAIN_SEEDS = range(0, 60)  # instance seeds used for training
HELDOUT_SEEDS = range(100_000, 100_020)  # never trained on
MEAN, STD = (0.5, 0.5, 0.5), (0.25, 0.25, 0.25)
EPOCHS = {"resnet18": 10, "densenet121": 6, "shufflenet_v2_x1_0": 16}  # each <= 10 min on 2 CPU cores
#: hardened regimes fine-tune the standard model: epochs and peak learning rate
FINETUNE_EPOCHS, FINETUNE_LR = 4, 1e-3


def build_net(arch: str) -> torch.nn.Module:
    """A torchvision architecture with ``len(CLASSES)`` outputs and random weights."""
    if arch not in ARCHS:
        raise ValueError(f"unknown toy architecture {arch!r}; expected one of {list(ARCHS)}")
    return getattr(torchvision.models, arch)(weights=None, num_classes=len(CLASSES))


def augment(x: torch.Tensor, g: torch.Generator, background: torch.Tensor | None = None):
    """Geometric and photometric augmentation of a batch.

    Random scale (0.8-1.15), shift (+-10 %), horizontal flip; exposure gain 0.45-1.5,
    per-channel gain 0.85-1.15, gamma 0.7-1.4: wide exposure variation so brightness alone
    is no class cue.

    Args:
        x: (B, 3, H, W) float32 in [0, 1].
        background: (B, H, W) bool background masks moved with the images, or None.
    Returns:
        (B, 3, H, W) float32 in [0, 1]; with ``background`` a pair (images, moved masks
        (B, H, W) bool: pixels the geometric transform fills from background only).
    """
    B = x.shape[0]
    r = lambda *s: torch.rand(*s, generator=g)  # noqa: E731
    s = 0.8 + 0.35 * r(B)
    flip = torch.where(r(B) < 0.5, -1.0, 1.0)
    theta = torch.zeros(B, 2, 3)
    theta[:, 0, 0] = flip / s
    theta[:, 1, 1] = 1 / s
    theta[:, :, 2] = (r(B, 2) - 0.5) * 0.2
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    if background is not None:  # the object's coverage rides along as a fourth channel
        x = torch.cat([x, (~background).float()[:, None]], 1)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)
    gain = (0.45 + 1.05 * r(B, 1, 1, 1)) * (0.85 + 0.3 * r(B, 3, 1, 1))
    gamma = 0.7 + 0.7 * r(B, 1, 1, 1)
    out = (x[:, :3].clamp(1e-4, 1) ** gamma * gain).clamp(0, 1)
    return out if background is None else (out, x[:, 3] <= 0)


def model_name(arch: str, defense: str = "none") -> str:
    """A toy classifier's name: ``toy-ARCH``, or ``toy-ARCH-DEFENSE`` for a hardened one."""
    return f"toy-{arch}" if defense == "none" else f"toy-{arch}-{defense}"


def train(arch: str, seeds=TRAIN_SEEDS, views_per_instance: int = 12, epochs: int = 12, batch_size: int = 64,
          lr: float = 2e-3, seed: int = 0, data: Dataset | None = None, progress: bool = True,
          max_seconds: float | None = None, defense="none", init=None):
    """Train a toy classifier on easy-view renders, from scratch or from ``init``, in a regime.

    Args:
        arch: one of :data:`ARCHS`.
        seeds: training instance seeds.
        views_per_instance: easy views rendered per instance.
        epochs: passes over the rendered set (AdamW, one-cycle schedule, label smoothing 0.1).
        data: a pre-rendered :class:`Dataset` (skips rendering; ``localized`` needs its masks).
        seed: seeds rendering, initialisation, batching, augmentation and attacks.
        max_seconds: stop early after this much training time (for tests and smoke runs).
        defense: a regime name of :data:`aswb.toyworld.DEFENSES` (shipped settings) or a
            :class:`aswb.toyworld.defenses.Defense`: how each batch is perturbed before the update.
        init: a toy :class:`aswb.models.Classifier` of ``arch`` to fine-tune (its weights are
            copied), or None to start from random weights.
    Returns:
        ``(classifier, history)``: an :class:`aswb.models.Classifier` (eval mode) and a
        list of per-epoch dicts (epoch, loss, train_acc, seconds).
    """


    build_net(arch)  # validates arch before any rendering
    regime = _defense(defense)
    epochs = positive_int(epochs, "epochs")
    batch_size = positive_int(batch_size, "batch_size")
    if init is not None and (not isinstance(init, Classifier) or not init.name.startswith(f"toy-{arch}")):
        raise TypeError(f"init: expected a toy Classifier of {arch!r} to fine-tune, got {_describe(init)}")
    if data is None:
        data = render_dataset(seeds, views_per_instance, "easy", seed=seed, progress=progress,
                              masks=regime.needs_background)
    if not isinstance(data, Dataset):
        raise TypeError(f"train: data must be an aswb.toyworld.Dataset, got {_describe(data)}")
    if regime.needs_background and data.background is None:
        raise ValueError("train: the localized regime needs background masks; "
                         "render the data with render_dataset(..., masks=True)")
    torch.manual_seed(seed)
    net = build_net(arch)
    if init is not None:
        net.load_state_dict(init.net.state_dict())
    # the wrapper's own preprocessing (resize + normalise) in training too: one place for it
    clf = Classifier(net, input_size=IMAGE_SIZE, mean=MEAN, std=STD, categories=list(CLASSES),
                     name=model_name(arch, regime.name), freeze=False)
    g = torch.Generator().manual_seed(seed)
    steps = epochs * math.ceil(len(data) / batch_size)
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.2)
    history, t0 = [], time.perf_counter()
    bar = tqdm(total=steps, disable=not progress, desc=f"train {clf.name}")
    net.train()
    for ep in range(epochs):
        perm = torch.randperm(len(data), generator=g)
        tot, correct, n = 0.0, 0, 0
        for i in range(0, len(data), batch_size):
            idx = perm[i:i + batch_size]
            bg = None
            if regime.needs_background:
                x, bg = augment(data.float_images(idx), g, data.background[idx])
            else:
                x = augment(data.float_images(idx), g)
            y = data.labels[idx]
            x, y = regime.batch(clf, x, y, bg, seed=seed * 100_003 + ep * 10_007 + i)
            logits = net(clf.preprocess(x))
            loss = F.cross_entropy(logits, y, label_smoothing=0.1)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            tot += loss.item() * len(y)
            correct += int((logits.argmax(1) == y).sum())
            n += len(y)
            bar.update(1)
            bar.set_postfix(loss=f"{tot / n:.3f}", acc=f"{correct / n:.3f}")
        history.append({"epoch": ep + 1, "loss": tot / n, "train_acc": correct / n,
                        "seconds": time.perf_counter() - t0})
        if max_seconds is not None and time.perf_counter() - t0 > max_seconds:
            break
    bar.close()
    net.eval()
    clf.requires_grad_(False)
    return clf, history


def save_classifier(clf, path, meta: dict | None = None) -> Path:
    """Save a toy classifier's weights as a compact float16 state dict (+ ``.json`` metadata).

    The file holds ``{"arch", "defense", "state_dict", "meta"}``; load it with
    :func:`aswb.toyworld.classifier`. Written atomically.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    arch, _, defense = clf.name.removeprefix("toy-").rpartition("-")
    if defense in ARCHS and not arch:  # toy-ARCH
        arch, defense = defense, "none"
    if arch not in ARCHS or defense not in DEFENSES:
        raise ValueError(f"save_classifier: {clf.name!r} is not a toy classifier name (toy-ARCH or toy-ARCH-DEFENSE)")
    sd = {k: (v.half() if v.is_floating_point() else v) for k, v in clf.net.state_dict().items()}
    buf = io.BytesIO()
    torch.save({"arch": arch, "defense": defense, "state_dict": sd, "meta": meta or {}}, buf)
    write_file(path, buf.getvalue())
    write_file(path.with_suffix(".json"), json.dumps({"arch": arch, "defense": defense, **(meta or {})}, indent=2) + "\n")
    return path
