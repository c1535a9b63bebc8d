"""Worlds: what a notebook or experiment runs against, chosen by one parameter.

A world is data: classifiers + an object catalogue (name -> mesh, label, provenance) + a view
distribution (named conditions -> fixed banks or fresh samplers). Built-in worlds:

- ``"toy"``: procedural objects and the shipped toy classifiers (64 px, offline, fast on a CPU).
- ``"real"``: ImageNet EfficientNet-Lite0/1/2 (weights from installed packages) and real meshes
  from ``pybullet_data``, each with a UV atlas, at 224 px (offline).
- ``"imagenet"``: torchvision ImageNet classifiers (weights from the torch hub cache, see
  :func:`aswb.models.load`) judging the real objects and the toy objects by their ImageNet labels.

A new source of worlds registers a loader with :func:`register_world`.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

from ._checks import _describe, check_seed, class_label
from .models import Classifier, classifier_dict
from .render import Mesh
from .views import CONDITION_NAMES, ViewBank, ViewDistribution, ViewSampler

__all__ = ["World", "WorldObject", "Regimes", "OBJECT_SPLITS", "load_world", "register_world", "WORLDS", "Classifiers",
           "NotLoadedError"]

#: where an object of a catalogue is used: tuned on (``"dev"``), judged on (``"heldout"``), or
#: ``"both"``: the only instance of its class, so nothing of that class is held out
OBJECT_SPLITS = ("dev", "heldout", "both")


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


@dataclass(frozen=True)
class WorldObject:
    """One entry of a world's object catalogue.

    Fields:
        name: catalogue key, e.g. ``"mug"`` or ``"jeep"``.
        label: class index in the world's classifiers' label space.
        load: ``load(seed) -> Mesh``: the object (``seed=None``: the default instance, for
            procedural objects a held-out one; meshes read from files ignore the seed).
        provenance: where the mesh comes from (file, generator, licence note).
        split: one of :data:`OBJECT_SPLITS`: ``"dev"`` (tune on it), ``"heldout"`` (judge on
            it) or ``"both"`` (the only instance of its class; the default).
    """

    name: str
    label: int
    load: Callable[[int | None], Mesh]
    provenance: str = ""
    split: str = "both"

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"WorldObject: name: expected a non-empty str, got {_describe(self.name)}")
        if isinstance(self.label, bool) or not isinstance(self.label, int) or self.label < 0:
            raise ValueError(f"WorldObject {self.name!r}: label: expected a class index >= 0, got {self.label!r}")
        if not callable(self.load):
            raise TypeError(f"WorldObject {self.name!r}: load: expected a callable load(seed) -> Mesh, got "
                            f"{_describe(self.load)}")
        if self.split not in OBJECT_SPLITS:
            raise ValueError(f"WorldObject {self.name!r}: split: expected one of {OBJECT_SPLITS}, got {self.split!r}")


@dataclass(frozen=True)
class Regimes:
    """The training regimes a world ships classifiers in (e.g. standard and adversarial training).

    Fields:
        shipped: ``((arch, regime), ...)`` of every classifier that can be loaded; ``"none"``
            is standard training.
        load: ``load(arch, regime) -> Classifier``.
    """

    shipped: tuple
    load: Callable[[str, str], Classifier]

    def archs(self) -> tuple[str, ...]:
        """Architectures with at least one shipped regime, in order."""
        return tuple(dict.fromkeys(a for a, _ in self.shipped))


@dataclass
class World:
    """Classifiers + object catalogue + view distribution.

    Fields:
        name: the world's name (``"toy"``, ``"real"``, ``"imagenet"`` or a user's).
        classifiers: {arch: Classifier}; all share one label space.
        catalogue: {object name: :class:`WorldObject`}.
        views: the :class:`aswb.views.ViewDistribution` of its conditions and render size.
        regimes: the training regimes it ships classifiers in (:class:`Regimes`), or None
            (standard training only).
        instance_seeds: ``{"train": seeds, "heldout": seeds}`` for worlds whose objects are
            procedural (each seed a different instance; ``mesh(name)`` is a held-out one), or
            None where every object is one fixed mesh.
    """

    name: str
    classifiers: dict
    catalogue: Mapping[str, WorldObject]
    views: ViewDistribution
    regimes: Regimes | None = None
    instance_seeds: Mapping[str, Sequence[int]] | None = None
    _meshes: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"World: name: expected a non-empty str, got {_describe(self.name)}")
        if isinstance(self.classifiers, dict) and not self.classifiers:
            raise ValueError(f"World {self.name!r}: expected at least one classifier, got none")
        clfs = classifier_dict(self.classifiers, f"World {self.name!r}: classifiers")
        if not isinstance(self.classifiers, Classifiers):
            self.classifiers = Classifiers(clfs)
        self.classifiers.world = self.name
        if not isinstance(self.views, ViewDistribution):
            raise TypeError(f"World {self.name!r}: views: expected a ViewDistribution, got {_describe(self.views)}")
        missing = [c for c in CONDITION_NAMES if c not in self.views.conditions]
        if missing:
            raise ValueError(f"World {self.name!r}: its views lack the conditions {missing}")
        if not isinstance(self.catalogue, Mapping) or not self.catalogue:
            raise TypeError(f"World {self.name!r}: catalogue: expected a non-empty {{name: WorldObject}} mapping, got "
                            f"{_describe(self.catalogue)}")
        n = next(iter(self.classifiers.values())).num_classes
        for key, o in self.catalogue.items():
            if not isinstance(o, WorldObject):
                raise TypeError(f"World {self.name!r}: catalogue[{key!r}]: expected a WorldObject, got {_describe(o)}")
            class_label(o.label, n, f"World {self.name!r}: catalogue[{key!r}].label")
        if self.regimes is not None and not isinstance(self.regimes, Regimes):
            raise TypeError(f"World {self.name!r}: regimes: expected aswb.world.Regimes or None, got "
                            f"{_describe(self.regimes)}")
        if self.instance_seeds is not None and (not isinstance(self.instance_seeds, Mapping) or not all(
                k in self.instance_seeds for k in ("train", "heldout"))):
            raise ValueError(f"World {self.name!r}: instance_seeds: expected {{'train': seeds, 'heldout': seeds}} or "
                             f"None, got {_describe(self.instance_seeds)}")

    # -- catalogue -------------------------------------------------------------------------
    @property
    def objects(self) -> tuple[str, ...]:
        """Names of the catalogue's objects."""
        return tuple(self.catalogue)

    @property
    def labels(self) -> dict[str, int]:
        """{object name: class index}."""
        return {k: o.label for k, o in self.catalogue.items()}

    def _object(self, name: str) -> WorldObject:
        if not isinstance(name, str) or name not in self.catalogue:
            raise ValueError(f"unknown object {name!r} in the {self.name} world; expected one of {list(self.catalogue)}")
        return self.catalogue[name]

    def label(self, name: str) -> int:
        """Class index of an object (e.g. ``"jeep"`` -> 609 in an ImageNet world)."""
        return self._object(name).label

    def objects_in(self, split: str) -> tuple[str, ...]:
        """Names of the objects to tune on (``"dev"``) or to judge on (``"heldout"``); an object
        of split ``"both"`` (its class's only instance) is in both."""
        if split not in ("dev", "heldout"):
            raise ValueError(f"split: expected 'dev' or 'heldout', got {split!r}")
        return tuple(k for k, o in self.catalogue.items() if o.split in (split, "both"))

    def category(self, index: int) -> str:
        """Class name of a class index in this world's label space."""
        clf = next(iter(self.classifiers.values()))
        return clf.categories[class_label(index, clf.num_classes, "index")]

    def mesh(self, name: str, seed: int | None = None) -> Mesh:
        """An object of the catalogue: (a held-out instance of a procedural class unless ``seed``
        is given). Meshes are loaded once per world and shared (they are immutable)."""
        key = (self._object(name).name, None if seed is None else check_seed(seed))
        if key not in self._meshes:
            self._meshes[key] = self.catalogue[name].load(seed)
        return self._meshes[key]

    # -- views -----------------------------------------------------------------------------
    @property
    def image_size(self) -> int:
        """Render size in pixels."""
        return self.views.image_size

    @property
    def supersample(self) -> int:
        """Anti-aliasing factor of renders."""
        return self.views.supersample

    def bank(self, mesh: Mesh, n: int, condition: str = "easy", seed: int = 0, backgrounds=None,
             split: str = "dev") -> ViewBank:
        """Fixed views/lights/backgrounds/camera noise of a condition (:meth:`ViewDistribution.bank`;
        ``split="heldout"`` for views to judge on, ``backgrounds`` a source or its name)."""
        return self.views.bank(mesh, n, condition, seed, backgrounds=backgrounds, split=split)

    def sampler(self, mesh: Mesh, n: int, conditions=("easy", "hard"), seed: int = 0,
                backgrounds=None) -> ViewSampler:
        """Fresh views each step (:meth:`ViewDistribution.sampler`)."""
        return self.views.sampler(mesh, n, conditions, seed, backgrounds=backgrounds)

    # -- capabilities ----------------------------------------------------------------------
    def regime_classifiers(self, arch: str | None = None) -> tuple[str, dict]:
        """The training regimes of one architecture: ``(arch, {regime: Classifier})``.

        With :attr:`regimes`, every shipped regime of ``arch`` (``"none"`` first; default
        ``arch``: the first architecture shipped in a hardened regime); without, only
        ``{"none": classifiers[arch]}`` (default: the first classifier).
        """
        r = self.regimes
        known = tuple(dict.fromkeys([*(r.archs() if r else ()), *self.classifiers]))
        if arch is None:
            hardened = [a for a, d in (r.shipped if r else ()) if d != "none"]
            arch = hardened[0] if hardened else next(iter(self.classifiers))
        if arch not in known:
            raise ValueError(f"arch: expected one of the {self.name} world's architectures {list(known)}, got {arch!r}")
        if r is None or arch not in r.archs():
            return arch, {"none": self.classifiers[arch]}
        order = sorted((d for a, d in r.shipped if a == arch), key=lambda d: d != "none")
        return arch, {d: r.load(arch, d) for d in order}

    def render(self, mesh: Mesh, n: int, condition: str = "easy", generator=None, **kwargs):
        """(n, H, W, 3) float32 renders drawn from a condition (:meth:`ViewDistribution.render`)."""
        return self.views.render(mesh, n, condition, generator, **kwargs)


# ------------------------------------------------------------------------------- registry
#: name -> "module:function" of the built-in worlds (imported when first loaded)
WORLDS: dict[str, str | Callable] = {
    "toy": "aswb.toyworld.catalogue:load_world",
    "real": "aswb.realworld:load_world",
    "imagenet": "aswb.realworld:load_imagenet_world",
}


def register_world(name: str, loader: Callable[..., World]) -> None:
    """Make ``load_world(name, archs=..., device=...)`` call ``loader(archs=..., device=...)``."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"register_world: name: expected a non-empty str, got {_describe(name)}")
    if not callable(loader):
        raise TypeError(f"register_world: loader: expected a callable, got {_describe(loader)}")
    WORLDS[name] = loader


def load_world(world: str = "toy", archs=None, device=None, **options) -> World:
    """Load a world: its classifiers, object catalogue and views.

    Args:
        world: a key of :data:`WORLDS`: ``"toy"``, ``"real"`` or ``"imagenet"``.
        archs: classifiers to load (default: the world's own set; toy: all three shipped
            models; real: EfficientNet-Lite0/1/2; imagenet: resnet50 + densenet121).
            An empty list is refused.
        device: torch device.
        options: the world's own options, e.g. ``catalogue=PATH`` (a table of further objects)
            for ``"real"`` and ``"imagenet"``.
    Raises:
        ValueError: unknown world or architecture, or an empty ``archs``.
        aswb.models.WeightsNotFoundError: ImageNet weights missing (the message names the file
            and where to put it, or the package to install).
    """
    if not isinstance(world, str) or world not in WORLDS:
        raise ValueError(f"world: expected one of {tuple(WORLDS)}, got {world!r}")
    if archs is not None:
        if isinstance(archs, str):
            archs = [archs]
        archs = tuple(archs)
        if not archs:
            raise ValueError(f"archs: expected at least one classifier for the {world} world, got none "
                             "(None loads the world's default set)")
    loader = WORLDS[world]
    if isinstance(loader, str):  # a built-in world: its module is imported when it is first loaded
        module, fn = loader.split(":")
        loader = getattr(importlib.import_module(module), fn)
    out = loader(archs=archs, device=device, **options)
    if not isinstance(out, World):
        raise TypeError(f"the loader registered for the {world!r} world returned {_describe(out)}, not an aswb.World")
    return out
