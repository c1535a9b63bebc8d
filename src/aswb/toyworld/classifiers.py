"""The shipped toy classifiers: where their checkpoints live and how to load them."""
from __future__ import annotations

import os
from pathlib import Path

import torch

from ..models import Classifier
from .defenses import DEFENSES
from .train import ARCHS, MEAN, STD, build_net, model_name
from .world import CLASSES, IMAGE_SIZE

__all__ = ["data_dir", "checkpoint_path", "available", "classifier"]


def data_dir() -> Path:
    """Folder of the shipped toy classifiers: ``$ASWB_DATA/toyworld`` or the repository's ``data/toyworld``."""
    root = os.environ.get("ASWB_DATA")
    if root:
        return Path(root) / "toyworld"
    return Path(__file__).resolve().parents[3] / "data" / "toyworld"


def _check_defense(defense) -> str:
    if not isinstance(defense, str) or defense not in DEFENSES:
        raise ValueError(f"defense: expected one of {DEFENSES}, got {defense!r}")
    return defense


def checkpoint_path(arch: str, defense: str = "none") -> Path:
    """Path of the shipped checkpoint of ``arch`` trained in regime ``defense``
    (``ARCH.pt``, or ``ARCH-DEFENSE.pt`` for a hardened one)."""
    if arch not in ARCHS:
        raise ValueError(f"unknown toy architecture {arch!r}; expected one of {list(ARCHS)}")
    defense = _check_defense(defense)
    return data_dir() / (f"{arch}.pt" if defense == "none" else f"{arch}-{defense}.pt")


def available() -> list[tuple[str, str]]:
    """(arch, defense) of every toy checkpoint present."""
    return [(a, d) for a in ARCHS for d in DEFENSES if checkpoint_path(a, d).is_file()]


def classifier(arch: str = "resnet18", device=None, path=None, defense: str = "none"):
    """Load a shipped toy classifier.

    Args:
        arch: one of :data:`ARCHS`.
        device: torch device (default CPU).
        path: a checkpoint written by :func:`save_classifier` instead of the shipped one.
        defense: the training regime, one of :data:`DEFENSES` (``"none"``: standard training;
            ``"pgd"``, ``"localized"``, ``"shared"``: hardened, see :mod:`aswb.toyworld.defenses`).
    Returns:
        :class:`aswb.models.Classifier` taking (B, 3, H, W) in [0, 1] (resized to 64 px),
        with ``categories == list(CLASSES)``, in eval mode, float32, named
        ``toy-ARCH`` (or ``toy-ARCH-DEFENSE``).
    Raises:
        ValueError: unknown arch or regime, or a checkpoint of another architecture or regime.
        FileNotFoundError: the checkpoint is missing (train it with
            ``python -m aswb.toyworld train --arch ARCH [--defense REGIME]``).
    """
    defense = _check_defense(defense)
    p = Path(path) if path is not None else checkpoint_path(arch, defense)
    if not p.is_file():
        how = f"--arch {arch}" + ("" if defense == "none" else f" --defense {defense}")
        raise FileNotFoundError(f"toy classifier checkpoint not found: {p}; "
                                f"train it with: python -m aswb.toyworld train {how}")
    ck = torch.load(p, map_location="cpu", weights_only=True)
    if not isinstance(ck, dict) or "state_dict" not in ck or ck.get("arch") != arch:
        got = ck.get("arch") if isinstance(ck, dict) else type(ck).__name__
        raise ValueError(f"{p} is not a toy checkpoint of architecture {arch!r} (found {got!r})")
    if ck.get("defense", "none") != defense:
        raise ValueError(f"{p} holds a {ck.get('defense', 'none')!r} classifier, not {defense!r}")
    net = build_net(arch)
    net.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in ck["state_dict"].items()})
    clf = Classifier(net, input_size=IMAGE_SIZE, mean=MEAN, std=STD, categories=list(CLASSES),
                     name=model_name(arch, defense))
    return clf.to(device) if device is not None else clf
