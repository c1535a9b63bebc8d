"""The real world's classifiers and views, and its object catalogue as a :class:`aswb.World`."""
from __future__ import annotations

from functools import partial
from pathlib import Path

from ..models import load
from ..toyworld import IMAGENET_LABELS
from ..toyworld.catalogue import catalogue as toy_catalogue
from ..views import STANDARD_CONDITIONS, ViewDistribution
from ..world import World, WorldObject
from .catalogue import CATALOGUE_FILE, CatalogueRow, catalogue_rows, read_catalogue
from .objects import TEXTURE_SIZE, load_row

__all__ = ["OBJECTS", "IMAGE_SIZE", "DEFAULT_ARCHS", "VIEWS", "data_path", "load_object", "catalogue", "load_world",
           "load_imagenet_world"]

IMAGE_SIZE = 224
#: the classifiers ``load_world("real")`` loads by default
DEFAULT_ARCHS = ("efficientnet_lite0", "efficientnet_lite1", "efficientnet_lite2")
IMAGENET_DEFAULT_ARCHS = ("resnet50", "densenet121")

#: the shipped catalogue: {name: :class:`~aswb.realworld.catalogue.CatalogueRow`}
OBJECTS: dict[str, CatalogueRow] = {r.name: r for r in read_catalogue(CATALOGUE_FILE)}


def data_path() -> Path:
    """Folder of the ``pybullet_data`` meshes.

    Raises:
        ImportError: ``pybullet`` is not installed (with the install command).
    """
    try:  # imported here: a missing package gets a message that says what to install
        import pybullet_data
    except ImportError:
        raise ImportError("the real world's meshes come from the package 'pybullet' "
                          "(pip install pybullet; it is a dependency of aswb)") from None
    return Path(pybullet_data.getDataPath())


def load_object(name: str, seed: int | None = None, texture_size: int = TEXTURE_SIZE, rows=None):
    """A real object as a :class:`aswb.render.Mesh`, y-up, unit bounding sphere, one UV texture
    (:func:`aswb.realworld.objects.load_row`).

    Args:
        name: a catalogued name (:data:`OBJECTS`, or of ``rows``).
        seed: ignored (real meshes have one instance); accepted for the catalogue's interface.
        texture_size: side of the atlas baked for meshes without a single texture.
        rows: {name: row} to look in (default the shipped table and ``$ASWB_CATALOGUE``).
    """
    rows = catalogue_rows() if rows is None else rows
    if name not in rows:
        raise ValueError(f"unknown real object {name!r}; expected one of {list(rows)}")
    return load_row(rows[name], texture_size)


def _provenance(r: CatalogueRow) -> str:
    where = f"{r.package}: " if r.package else ""
    return f"{where}{'; '.join(r.paths)} (up={r.up}); {r.source}; licence: {r.licence}; {r.note}"


def catalogue(extra=None) -> dict[str, WorldObject]:
    """{name: :class:`aswb.WorldObject`} of the ImageNet worlds: the catalogued real objects
    first (the shipped table, ``$ASWB_CATALOGUE``, then ``extra`` tables), then the eight
    procedural toy objects under their ImageNet labels (so every notebook's toy object can be
    judged by ImageNet classifiers too)."""
    rows = catalogue_rows(extra)
    real = {k: WorldObject(k, r.label, partial(load_object, k, rows=rows), _provenance(r), r.split)
            for k, r in rows.items()}
    return {**real, **{k: o for k, o in toy_catalogue(IMAGENET_LABELS).items() if k not in real}}


#: the standard conditions (they mean the same in every world) at 224 px
VIEWS = ViewDistribution(STANDARD_CONDITIONS, IMAGE_SIZE, supersample=1)


def load_world(archs=None, device=None, catalogue=None) -> World:
    """``aswb.load_world("real")``: EfficientNet-Lite classifiers on the catalogued objects at 224 px.

    Args:
        archs: classifiers (default :data:`DEFAULT_ARCHS`).
        device: torch device.
        catalogue: a user's table (or a list of them) of further objects, in the columns of the
            shipped one (:mod:`aswb.realworld.catalogue`); ``$ASWB_CATALOGUE`` adds tables too.
    """
    clfs = {a: load(a, "imagenet", device=device) for a in (archs or DEFAULT_ARCHS)}
    return World("real", clfs, _catalogue(catalogue), VIEWS)


def load_imagenet_world(archs=None, device=None, catalogue=None) -> World:
    """``aswb.load_world("imagenet")``: torchvision ImageNet classifiers (torch hub cache) judging
    the real objects and the toy objects (by their ImageNet labels), at the classifiers' size."""
    clfs = {a: load(a, "imagenet", device=device) for a in (archs or IMAGENET_DEFAULT_ARCHS)}
    size = max(c.input_size[0] for c in clfs.values())
    return World("imagenet", clfs, _catalogue(catalogue),
                 ViewDistribution(STANDARD_CONDITIONS, size, supersample=1))


_catalogue = catalogue  # the name the loaders' argument hides
