"""The real world: ImageNet classifiers judging real meshes, all offline.

- Classifiers: EfficientNet-Lite0/1/2 (ImageNet-1k; weights ship inside installed packages, see
  :mod:`aswb.models.lite`).
- Objects: six real meshes from the ``pybullet_data`` package (installed with ``pybullet``), turned
  y-up, normalised to a unit bounding sphere, each with ONE optimisable UV texture: meshes
  without a single texture get a fresh ``xatlas`` atlas with their colours baked in
  (:func:`aswb.render.unwrap`); then the toy world's procedural objects under their ImageNet
  labels (``world.objects`` lists the real ones first; :data:`OBJECTS` holds the real ones).
- Views: the same four conditions as the toy world (:data:`aswb.views.STANDARD_CONDITIONS`: easy;
  hard = unusual elevations and distances, dim grazing light, sensor noise) at 224 px.

``load_world("imagenet")`` judges the same catalogue with torchvision classifiers whose weights
are in the torch hub cache. No toy classifier judges anything in either world.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

from .views import STANDARD_CONDITIONS, ViewDistribution
from .world import World, WorldObject

__all__ = ["RealObject", "OBJECTS", "IMAGE_SIZE", "DEFAULT_ARCHS", "VIEWS", "data_path", "load_object",
           "catalogue", "load_world", "load_imagenet_world"]

IMAGE_SIZE = 224
#: the classifiers ``load_world("real")`` loads by default
DEFAULT_ARCHS = ("efficientnet_lite0", "efficientnet_lite1", "efficientnet_lite2")
IMAGENET_DEFAULT_ARCHS = ("resnet50", "densenet121")
TEXTURE_SIZE = 256  # side of the baked atlas: at 224 px renders a finer atlas leaves most texels unseen per step


@dataclass(frozen=True)
class RealObject:
    """A real object of the catalogue.

    Fields:
        name: catalogue key.
        file: path inside ``pybullet_data``.
        up: the file's up axis (``load_mesh(up=...)``), checked by looking at renders.
        label: ImageNet-1k class index.
        note: provenance and what the mesh is.
    """

    name: str
    file: str
    up: str
    label: int
    note: str


OBJECTS: dict[str, RealObject] = {o.name: o for o in [
    RealObject("mug", "objects/mug.obj", "z", 504, "coffee mug: one grey material, no UVs, 864 faces"),
    RealObject("soccer_ball", "soccerball.obj", "y", 805, "soccer ball: 9k faces, one 256x256 texture"),
    RealObject("teddy", "teddy2_VHACD_CHs.obj", "y", 850, "teddy bear: convex pieces (V-HACD), untextured"),
    RealObject("tray", "tray/tray_textured.obj", "z", 868, "tray: 60 faces, one wood-grain texture"),
    RealObject("bunny", "bunny.obj", "y", 330, "the Stanford bunny as 'wood rabbit': untextured, 902 faces"),
    RealObject("duck", "duck.obj", "y", 97, "a yellow toy duck as 'drake': one 512x512 texture"),
]}
"""Catalogue key -> :class:`RealObject` (ImageNet index, up axis, file in ``pybullet_data``)."""


def data_path() -> Path:
    """Folder of the ``pybullet_data`` meshes.

    Raises:
        ImportError: ``pybullet`` is not installed (with the install command).
    """
    try:
        import pybullet_data
    except ImportError:
        raise ImportError("the real world's meshes come from the package 'pybullet' "
                          "(pip install pybullet; it is a dependency of aswb)") from None
    return Path(pybullet_data.getDataPath())


def load_object(name: str, seed: int | None = None, texture_size: int = TEXTURE_SIZE):
    """A real object as a :class:`aswb.render.Mesh`, y-up, unit bounding sphere, one UV texture.

    Args:
        name: a key of :data:`OBJECTS`.
        seed: ignored (real meshes have one instance); accepted for the catalogue's interface.
        texture_size: side of the atlas baked for meshes without a single texture.
    Returns:
        Mesh with one (Ht, Wt, 3) float32 texture in [0, 1], uvs/face_uvs in [0, 1] (a mesh
        with several materials, vertex colours, no UVs or tiled UVs gets a baked atlas), no
        vertex colours.
    """
    from .render import load_mesh, unwrap

    if name not in OBJECTS:
        raise ValueError(f"unknown real object {name!r}; expected one of {list(OBJECTS)}")
    o = OBJECTS[name]
    mesh = load_mesh(data_path() / o.file, up=o.up)
    one_texture = mesh.textures is not None and len(mesh.textures) == 1 and mesh.vertex_colors is None
    if not one_texture or float(mesh.uvs.min()) < 0 or float(mesh.uvs.max()) > 1:  # no atlas, or tiled UVs
        mesh = unwrap(mesh, size=texture_size)
    return mesh


def catalogue() -> dict[str, WorldObject]:
    """{name: :class:`aswb.WorldObject`} of the ImageNet worlds: the real objects first, then the
    eight procedural toy objects under their ImageNet labels (so every notebook's toy object can
    be judged by ImageNet classifiers too)."""
    from .toyworld import IMAGENET_LABELS
    from .toyworld.catalogue import catalogue as toy_catalogue

    real = {k: WorldObject(k, o.label, partial(load_object, k), f"pybullet_data/{o.file} (up={o.up}): {o.note}")
            for k, o in OBJECTS.items()}
    return {**real, **toy_catalogue(IMAGENET_LABELS)}


#: the standard conditions (they mean the same in every world) at 224 px
VIEWS = ViewDistribution(STANDARD_CONDITIONS, IMAGE_SIZE, supersample=1)


def load_world(archs=None, device=None) -> World:
    """``aswb.load_world("real")``: EfficientNet-Lite classifiers on the real objects at 224 px."""
    from .models import load

    clfs = {a: load(a, "imagenet", device=device) for a in (archs or DEFAULT_ARCHS)}
    return World("real", clfs, catalogue(), VIEWS)


def load_imagenet_world(archs=None, device=None) -> World:
    """``aswb.load_world("imagenet")``: torchvision ImageNet classifiers (torch hub cache) judging
    the real objects and the toy objects (by their ImageNet labels), at the classifiers' size."""
    from .models import load
    clfs = {a: load(a, "imagenet", device=device) for a in (archs or IMAGENET_DEFAULT_ARCHS)}
    size = max(c.input_size[0] for c in clfs.values())
    return World("imagenet", clfs, catalogue(),
                 ViewDistribution(STANDARD_CONDITIONS, size, supersample=1))
