"""The toy world as an :class:`aswb.World`: the shipped toy classifiers, the eight procedural
classes (a held-out instance by default) and the toy view distribution at 64 px."""
from __future__ import annotations

from functools import partial

from ..world import Regimes, World, WorldObject
from .classifiers import available, classifier
from .train import HELDOUT_SEEDS, TRAIN_SEEDS
from .world import CLASSES, VIEWS, mesh

__all__ = ["load_world", "catalogue", "DEFAULT_ARCHS"]

#: the classifiers ``load_world("toy")`` loads by default
DEFAULT_ARCHS = ("resnet18", "densenet121", "shufflenet_v2_x1_0")


def _instance(cls: str, seed: int | None):
    return mesh(cls, HELDOUT_SEEDS[0] if seed is None else seed)


def catalogue(labels=None) -> dict[str, WorldObject]:
    """{toy class: :class:`WorldObject`}; ``labels`` maps a class to another label space
    (e.g. :data:`aswb.toyworld.IMAGENET_LABELS`), default the toy classifiers' own indices."""
    labels = labels or {c: i for i, c in enumerate(CLASSES)}
    return {c: WorldObject(c, labels[c], partial(_instance, c), f"procedural toy {c} (aswb.toyworld.mesh)")
            for c in CLASSES}


def _load(spec: str, device):
    """A classifier from ``"ARCH"`` or ``"ARCH:DEFENSE"`` (a hardened one, e.g. ``"shufflenet_v2_x1_0:pgd"``)."""
    if not isinstance(spec, str):
        raise TypeError(f"archs: expected names such as 'resnet18' or 'shufflenet_v2_x1_0:pgd', got {spec!r}")
    arch, _, defense = spec.partition(":")
    return classifier(arch, device=device, defense=defense or "none")


def load_world(archs=None, device=None) -> World:
    """``aswb.load_world("toy")``: the shipped toy classifiers (default the three standard ones)
    on toy objects. ``archs`` may name hardened ones as ``"ARCH:DEFENSE"`` (``world.classifiers``
    keeps the names as given)."""
    clfs = {a: _load(a, device) for a in (archs or DEFAULT_ARCHS)}
    regimes = Regimes(tuple(available()), lambda arch, regime: classifier(arch, device=device, defense=regime))
    return World("toy", clfs, catalogue(), VIEWS, regimes=regimes,
                 instance_seeds={"train": TRAIN_SEEDS, "heldout": HELDOUT_SEEDS})
