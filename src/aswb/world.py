"""Worlds: what a notebook or experiment runs against, chosen by one parameter.

- ``"toy"``: the built-in toy world — procedural objects and the shipped toy classifiers
  (64 px, offline, fast on a CPU).
- ``"imagenet"``: torchvision ImageNet classifiers (weights from the torch hub cache, see
  :func:`aswb.models.load`) judging the same toy meshes by their ImageNet labels, or any
  OBJ/GLB mesh the user loads, at the classifiers' own resolution.
"""
from __future__ import annotations

from dataclasses import dataclass, field


from .render import Mesh

__all__ = ["World", "load_world", "WORLDS", "Classifiers", "NotLoadedError"]

WORLDS = ("toy", "imagenet")
DEFAULT_ARCHS = {"toy": ("resnet18", "densenet121", "shufflenet_v2_x1_0"), "imagenet": ("resnet50", "densenet121")}


class NotLoadedError(KeyError):
    """A classifier asked of a world that did not load it (a ``KeyError`` with a readable message)."""

    def __str__(self) -> str:  # KeyError would show the repr of the message
        return str(self.args[0])


class Classifiers(dict):
    """``{arch: Classifier}`` of a world; asking for an architecture it did not load raises
    :class:`NotLoadedError` naming the loaded ones and how to load the one asked for."""

    world: str = "?"

    def __missing__(self, key):
        raise NotLoadedError(f"classifier {key!r} is not loaded in the {self.world} world (loaded: "
                             f"{', '.join(self) or 'none'}); pick one of those, or load it with "
                             f"aswb.load_world({self.world!r}, archs=[{key!r}, ...])")


@dataclass
class World:
    """Classifiers plus the conventions to build scenes for them.

    Fields:
        name: ``"toy"`` or ``"imagenet"``.
        classifiers: {arch: Classifier}.
        image_size: render size in pixels.
        supersample: anti-aliasing factor of renders.
        labels: {toy class: class index in the classifiers' label space}.
    """

    name: str
    classifiers: dict
    image_size: int
    supersample: int = 2
    labels: dict = field(default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.classifiers, Classifiers):
            self.classifiers = Classifiers(self.classifiers)
        self.classifiers.world = self.name

    def label(self, cls: str) -> int:
        """Class index of a toy class (e.g. ``"jeep"``) for these classifiers."""
        if cls not in self.labels:
            raise ValueError(f"unknown class {cls!r}; expected one of {list(self.labels)}")
        return self.labels[cls]

    def category(self, index: int) -> str:
        return next(iter(self.classifiers.values())).categories[index]

    def mesh(self, cls: str, seed: int | None = None) -> Mesh:
        """A toy object (a held-out instance unless ``seed`` is given)."""
        from . import toyworld as tw

        return tw.mesh(cls, tw.HELDOUT_SEEDS[0] if seed is None else seed)

    def bank(self, mesh: Mesh, n: int, condition: str = "easy", seed: int = 0):
        """Fixed views/lights/backgrounds/camera noise of a viewing condition (see :func:`aswb.toyworld.bank`)."""
        from . import toyworld as tw

        return tw.bank(mesh, n, condition, seed=seed, size=self.image_size, supersample=self.supersample)

    def sampler(self, mesh: Mesh, n: int, conditions=("easy", "hard"), seed: int = 0):
        """Fresh views each step (see :func:`aswb.toyworld.sampler`)."""
        from . import toyworld as tw

        return tw.sampler(mesh, n, conditions, seed=seed, size=self.image_size, supersample=self.supersample)


def load_world(world: str = "toy", archs=None, device=None) -> World:
    """Load a world's classifiers.

    Args:
        world: ``"toy"`` or ``"imagenet"``.
        archs: architectures to load (default: the three toy models, or resnet50 + densenet121).
        device: torch device.
    Raises:
        aswb.models.WeightsNotFoundError: ImageNet weights missing from the torch hub cache
            (the message names the file and the folder to put it in).
    """
    from . import models, toyworld as tw

    if world not in WORLDS:
        raise ValueError(f"world: expected one of {WORLDS}, got {world!r}")
    archs = tuple(archs) if archs is not None else DEFAULT_ARCHS[world]
    if world == "toy":
        clfs = {a: tw.classifier(a, device=device) for a in archs}
        return World("toy", clfs, tw.IMAGE_SIZE, 2, {c: i for i, c in enumerate(tw.CLASSES)})
    clfs = {a: models.load(a, "imagenet", device=device) for a in archs}
    size = max(c.input_size[0] for c in clfs.values())
    return World("imagenet", clfs, size, 1, dict(tw.IMAGENET_LABELS))
