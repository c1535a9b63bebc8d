"""Loading the real world's objects: files inside installed packages (or a user's own), parts
joined into one mesh, one texture atlas, loaded on first use and cached."""
from __future__ import annotations

import functools
import importlib.metadata as metadata
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from ..render import Mesh, concat, load_mesh, unwrap
from .catalogue import CatalogueError, CatalogueRow

__all__ = ["AssetsNotInstalledError", "object_files", "load_row", "TEXTURE_SIZE"]

#: UVs this far outside [0, 1] are rounding in the file, not tiling
UV_SLACK = 0.01
TEXTURE_SIZE = 256  # side of a baked atlas: at 224 px renders a finer atlas leaves most texels unseen per step


class AssetsNotInstalledError(FileNotFoundError):
    """The package holding an object's files is not installed (the message says what to install)."""


def object_files(row: CatalogueRow) -> list[Path]:
    """The mesh files of a catalogue row (then its ``texture`` image, when it names one),
    checked to exist.

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
        files = [Path(dist.locate_file(p)) for p in (*row.paths, *([row.texture] if row.texture else []))]
    else:
        files = [Path(p) if Path(p).is_absolute() else row.table.parent / p
                 for p in (*row.paths, *([row.texture] if row.texture else []))]
    for f in files:
        if not f.is_file():
            inside = f" (package {row.package!r} is installed but lacks it)" if row.package else ""
            raise FileNotFoundError(f"{row.where}: paths: no such file {f}{inside}")
    return files


def _load(row: CatalogueRow, path: Path) -> Mesh:
    """One file, unnormalised and turned upright; a missing material library or texture image
    (load_mesh warns and falls back to plain colours) is an error for a catalogued object."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = load_mesh(path, normalize=False, up=row.up)
    lost = [str(w.message) for w in caught if "could not be loaded" in str(w.message) or "not found" in str(w.message)]
    if lost and not row.texture:
        raise CatalogueError(f"{row.where}: paths: {path} loads without its colours ({lost[0]}); name the image in "
                             "the row's texture column, or fix the files")
    if not m.parts:  # name the part after its file, so a texture can be masked to it
        m = replace(m, parts={path.stem: torch.ones(m.num_faces, dtype=torch.bool)})
    return m


def _with_image(mesh: Mesh, path: Path, row: CatalogueRow) -> Mesh:
    if mesh.uvs is None:
        raise CatalogueError(f"{row.where}: texture: the mesh has no UVs to put {path.name} on")
    with Image.open(path) as im:
        img = torch.from_numpy(np.asarray(im.convert("RGB"), dtype=np.uint8).copy()).float() / 255
    return replace(mesh, textures=(img,), vertex_colors=None,
                   face_uvs=mesh.face_uvs if mesh.face_uvs is not None else mesh.faces,
                   face_materials=torch.zeros(mesh.num_faces, dtype=torch.int64))


@functools.lru_cache(maxsize=64)
def load_row(row: CatalogueRow, texture_size: int = TEXTURE_SIZE) -> Mesh:
    """An object of the catalogue as one mesh: y-up, unit bounding sphere, ONE UV texture.

    Its parts (several files) are joined in place (one normalisation for all); a mesh that has
    several materials, vertex colours, no UVs or UVs outside [0, 1] (tiling) gets a fresh atlas
    of ``texture_size`` texels a side with its colours baked in (:func:`aswb.render.unwrap`); a
    single texture larger than that keeps its UVs and is averaged down to ``texture_size`` on
    its longer side: at 224 px a finer texture leaves most texels unseen by any one view, and
    an optimised texture then learns little per step.
    Cached: each row is read once per process (meshes are immutable).

    Returns:
        Mesh with one (Ht, Wt, 3) float32 texture in [0, 1] (Ht, Wt <= ``texture_size``, or the
        file's own smaller size), uvs / face_uvs in [0, 1], no
        vertex colours; ``parts`` names each file's faces (several files) or the file's own
        geometries.
    """
    files = object_files(row)
    image = files.pop() if row.texture else None
    parts = [_load(row, f) for f in files]
    mesh = parts[0] if len(parts) == 1 else concat(parts)
    if image is not None:
        mesh = _with_image(mesh, image, row)
    mesh = mesh.normalized()
    one_texture = mesh.textures is not None and len(mesh.textures) == 1 and mesh.vertex_colors is None
    lo, hi = (float(v) for v in torch.aminmax(mesh.uvs)) if mesh.uvs is not None else (0.0, 1.0)
    tiled = lo < -UV_SLACK or hi > 1 + UV_SLACK
    if not tiled and (lo < 0 or hi > 1):  # a hair outside from rounding in the file: clamp, no re-bake
        mesh = replace(mesh, uvs=mesh.uvs.clamp(0, 1))
    if not one_texture or tiled:  # no single atlas, or UVs that tile the texture (OBJ repeats it)
        return unwrap(mesh, size=texture_size, wrap="repeat" if tiled else "clamp")
    tex = mesh.textures[0]
    if max(tex.shape[:2]) > texture_size:  # the object's own atlas, averaged down to at most texture_size a side
        scale = texture_size / max(tex.shape[:2])
        hw = (max(1, round(tex.shape[0] * scale)), max(1, round(tex.shape[1] * scale)))
        small = F.interpolate(tex.permute(2, 0, 1)[None], size=hw, mode="area")[0].permute(1, 2, 0)
        mesh = replace(mesh, textures=(small.clamp(0, 1).contiguous(),))
    return mesh
