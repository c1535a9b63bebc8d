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
from typing import Callable, Mapping

from ._checks import _describe
from .render import Mesh
from .views import CONDITION_NAMES, ViewDistribution

__all__ = ["World", "WorldObject", "load_world", "register_world", "WORLDS", "Classifiers", "NotLoadedError"]


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
    """

    name: str
    label: int
    load: Callable[[int | None], Mesh]
    provenance: str = ""


@dataclass
class World:
    """Classifiers + object catalogue + view distribution.

    Fields:
        name: the world's name (``"toy"``, ``"real"``, ``"imagenet"`` or a user's).
        classifiers: {arch: Classifier}; all share one label space.
        catalogue: {object name: :class:`WorldObject`}.
        views: the :class:`aswb.views.ViewDistribution` of its conditions and render size.
    """

    name: str
    classifiers: dict
    catalogue: Mapping[str, WorldObject]
    views: ViewDistribution
    _meshes: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        if not isinstance(self.classifiers, Classifiers):
            self.classifiers = Classifiers(self.classifiers)
        self.classifiers.world = self.name
        if not self.classifiers:
            raise ValueError(f"World {self.name!r}: expected at least one classifier, got none")
        if not isinstance(self.views, ViewDistribution):
            raise TypeError(f"World {self.name!r}: views: expected a ViewDistribution, got {_describe(self.views)}")
        missing = [c for c in CONDITION_NAMES if c not in self.views.conditions]
        if missing:
            raise ValueError(f"World {self.name!r}: its views lack the conditions {missing}")

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

    def category(self, index: int) -> str:
        """Class name of a class index in this world's label space."""
        return next(iter(self.classifiers.values())).categories[index]

    def mesh(self, name: str, seed: int | None = None) -> Mesh:
        """An object of the catalogue: (a held-out instance of a procedural class unless ``seed``
        is given). Meshes are loaded once per world and shared (they are immutable)."""
        key = (self._object(name).name, seed)
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

    def bank(self, mesh: Mesh, n: int, condition: str = "easy", seed: int = 0):
        """Fixed views/lights/backgrounds/camera noise of a condition (:meth:`ViewDistribution.bank`)."""
        return self.views.bank(mesh, n, condition, seed)

    def sampler(self, mesh: Mesh, n: int, conditions=("easy", "hard"), seed: int = 0):
        """Fresh views each step (:meth:`ViewDistribution.sampler`)."""
        return self.views.sampler(mesh, n, conditions, seed)

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


def load_world(world: str = "toy", archs=None, device=None) -> World:
    """Load a world: its classifiers, object catalogue and views.

    Args:
        world: a key of :data:`WORLDS`: ``"toy"``, ``"real"`` or ``"imagenet"``.
        archs: classifiers to load (default: the world's own set; toy: all three shipped
            models; real: EfficientNet-Lite0/1/2; imagenet: resnet50 + densenet121).
            An empty list is refused.
        device: torch device.
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
    if isinstance(loader, str):
        module, fn = loader.split(":")
        loader = getattr(importlib.import_module(module), fn)
    return loader(archs=archs, device=device)
