"""Where a signal may live on a mesh: named parts, surface-area patches, image regions."""
from __future__ import annotations

import math

import torch

from .._checks import _describe, as_tensor, image_size
from ..render import Mesh, sample_texture
from ..render.atlas import uv_face_mask

__all__ = ["face_patch", "part_faces", "faces_to_mask", "vertex_texture_colors", "mesh_edges", "most_visible_face", "KINDS",
           "patch_size", "square_mask", "image_region_mask", "MASK_MODES"]

KINDS = ("uv", "vertex")


def _fraction(x, name: str, what: str) -> float:
    """``x`` if it is a number in (0, 1], else a ValueError (wrong types too, as these always did)."""
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not 0 < x <= 1:
        raise ValueError(f"{name}: expected {what} fraction in (0, 1], got {x!r}")
    return x


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"kind: expected one of {KINDS}, got {kind!r}")
    return kind


def part_faces(mesh: Mesh, part: str | list[str]) -> torch.Tensor:
    """(F,) bool faces of one or several named parts of ``mesh.parts``."""
    names = [part] if isinstance(part, str) else list(part)
    missing = [p for p in names if p not in mesh.parts]
    if missing:
        raise ValueError(f"unknown part(s) {missing}; this mesh has {sorted(mesh.parts)}")
    out = torch.zeros(mesh.num_faces, dtype=torch.bool, device=mesh.device)
    for p in names:
        out |= mesh.parts[p]
    return out


def face_patch(mesh: Mesh, area: float, center=None, allowed: torch.Tensor | None = None,
               generator: torch.Generator | None = None) -> torch.Tensor:
    """A compact patch of faces covering ``area`` of the surface, grown around a centre.

    Faces are taken in order of their centroid's distance to the centre until their area
    reaches ``area`` times the total surface area (of ``allowed`` faces if given).

    Args:
        area: fraction of the surface area in (0, 1].
        center: (3,) point, an int face index, or None for a random face (area-weighted)
            among ``allowed``.
        allowed: (F,) bool faces the patch may use (e.g. a part), default all.
    Returns:
        (F,) bool face mask whose area fraction is the smallest >= ``area``.
    """
    _fraction(area, "area", "a surface")
    areas = mesh.face_areas()
    ok = torch.ones(mesh.num_faces, dtype=torch.bool, device=mesh.device) if allowed is None else allowed
    if ok.dtype != torch.bool or ok.shape != (mesh.num_faces,) or not bool(ok.any()):
        raise ValueError(f"allowed: expected a non-empty ({mesh.num_faces},) bool face mask, got {_describe(ok)}")
    cent = mesh.face_verts().mean(1)  # (F, 3)
    if center is None:
        w = (areas * ok).cpu()
        center = int(torch.multinomial(w / w.sum(), 1, generator=generator))
    if isinstance(center, int):
        if not 0 <= center < mesh.num_faces:
            raise ValueError(f"center: face index out of range [0, {mesh.num_faces}), got {center}")
        c = cent[center]
    else:
        c = as_tensor(center, "center", device=mesh.device).reshape(-1)
        if c.shape != (3,):
            raise ValueError(f"center: expected a (3,) point, a face index or None, got {_describe(center)}")
    d = (cent - c).norm(dim=-1).masked_fill(~ok, float("inf"))
    order = d.argsort()
    cum = areas[order].masked_fill(~ok[order], 0).cumsum(0)
    target = area * float(areas[ok].sum())
    k = int(torch.searchsorted(cum, torch.tensor(target, device=cum.device) * (1 - 1e-6))) + 1
    out = torch.zeros(mesh.num_faces, dtype=torch.bool, device=mesh.device)
    out[order[:k]] = True
    return out & ok


def faces_to_mask(mesh: Mesh, faces: torch.Tensor, kind: str) -> torch.Tensor:
    """Turn a face selection into a signal mask: (Ht, Wt) texels for ``"uv"``, (V,) vertices for ``"vertex"``."""
    _check_kind(kind)
    if not isinstance(faces, torch.Tensor) or faces.dtype != torch.bool or faces.shape != (mesh.num_faces,):
        raise ValueError(f"faces: expected a ({mesh.num_faces},) bool face mask, got {_describe(faces)}")
    if kind == "uv":
        return uv_face_mask(mesh, faces)
    out = torch.zeros(mesh.num_verts, dtype=torch.bool, device=mesh.device)
    out[mesh.faces[faces].reshape(-1)] = True
    return out


def vertex_texture_colors(mesh: Mesh) -> torch.Tensor:
    """Vertex colours (V, 3) for a mesh: its own, or its texture sampled at each vertex's UVs
    (averaged over the faces using the vertex), or mid-grey."""

    if mesh.vertex_colors is not None:
        return mesh.vertex_colors
    if mesh.textures is None:
        return torch.full((mesh.num_verts, 3), 0.5, device=mesh.device)
    cols = torch.zeros(mesh.num_verts, 3, device=mesh.device)
    cnt = torch.zeros(mesh.num_verts, 1, device=mesh.device)
    for m, tex in enumerate(mesh.textures):
        sel = mesh.face_materials == m
        uv = mesh.uvs[mesh.face_uvs[sel]].reshape(-1, 2)
        c = sample_texture(tex, uv)
        idx = mesh.faces[sel].reshape(-1)
        cols.index_add_(0, idx, c)
        cnt.index_add_(0, idx, torch.ones(len(idx), 1, device=mesh.device))
    return (cols / cnt.clamp_min(1)).clamp(0, 1)


def mesh_edges(mesh: Mesh) -> torch.Tensor:
    """Unique undirected edges (E, 2) int64 of the mesh's faces."""
    e = torch.cat([mesh.faces[:, [0, 1]], mesh.faces[:, [1, 2]], mesh.faces[:, [2, 0]]])
    return torch.unique(e.sort(dim=1).values, dim=0)


def most_visible_face(scene, radius: float = 0.25) -> int:
    """The face around which the most surface is seen over a scene's views.

    Every face scores the number of pixels (over all views) showing faces whose centroid
    lies within ``radius`` of its own; the best one is a good centre for a patch that the
    cameras will actually see.

    Args:
        scene: a :class:`~aswb.render.Scene` (or :class:`~aswb.evaluate.ViewBank`).
        radius: neighbourhood radius in mesh units (meshes normalised to a unit sphere).
    Returns:
        a face index.
    """
    scene = getattr(scene, "scene", scene)
    fi = scene.fragments.face_idx
    mesh = scene.mesh
    hits = torch.bincount(fi[fi >= 0], minlength=mesh.num_faces).float()  # (F,) pixels per face
    cent = mesh.face_verts().mean(1)
    score = torch.zeros(mesh.num_faces, device=mesh.device)
    for chunk in torch.arange(mesh.num_faces, device=mesh.device).split(2048):
        near = (torch.cdist(cent[chunk], cent) <= radius).float()  # (c, F)
        score[chunk] = near @ hits
    return int(score.argmax())


# --------------------------------------------------------------------------- image regions
#: what :func:`image_region_mask` can select
MASK_MODES = ("full", "region", "object", "background")


def patch_size(area: float, image_size: int) -> int:
    """Side in pixels of a square patch covering ``area`` (fraction in (0, 1]) of a square image."""
    _fraction(area, "area", "an image")
    return max(1, round(math.sqrt(area) * image_size))


def square_mask(size, fraction: float, device=None, center=(0.5, 0.5)) -> torch.Tensor:
    """A square covering ``fraction`` of an image's area, centred at ``center``.

    Args:
        size: ``int`` or ``(H, W)``; the square's side is ``round(sqrt(fraction) * min(H, W))`` (>= 1 px).
        fraction: area fraction in (0, 1].
        device: torch device of the mask.
        center: ``(x, y)`` of the square's centre as fractions of the width and height, each in
            [0, 1] (``(0.5, 0.5)``: the image centre; ``(0, 0)``: the top-left corner). The square is
            shifted to lie wholly inside the image, so its area never shrinks.
    Returns:
        (H, W) bool mask.
    """

    H, W = image_size(size, "size")
    _fraction(fraction, "fraction", "an area")
    s = patch_size(fraction, min(H, W))
    try:
        cx, cy = (float(c) for c in center)
        ok = all(not isinstance(c, bool) for c in center) and 0 <= cx <= 1 and 0 <= cy <= 1
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"center: expected (x, y) fractions of the width and height in [0, 1], got {center!r}")
    top = min(max(round(cy * H - s / 2), 0), H - s)
    left = min(max(round(cx * W - s / 2), 0), W - s)
    m = torch.zeros(H, W, dtype=torch.bool, device=device)
    m[top:top + s, left:left + s] = True
    return m


def image_region_mask(mode: str, size, fraction: float = 0.25, object_mask: torch.Tensor | None = None,
                      center=(0.5, 0.5)):
    """The pixels a perturbation may change.

    Args:
        mode: ``"full"`` (None: every pixel), ``"region"`` (a square at ``center``, see :func:`square_mask`),
            ``"object"`` or ``"background"`` (the object mask or its complement).
        size: ``int`` or ``(H, W)``.
        fraction: area of the ``"region"`` square in (0, 1].
        object_mask: (H, W) or (B, H, W) bool, True on the object (e.g. ``bank.scene.mask > 0.5``).
        center: ``(x, y)`` centre of the ``"region"`` square, fractions of width and height in [0, 1].
    Returns:
        None for ``"full"``, else an (H, W) or (B, H, W) bool mask for :func:`aswb.signals.assist_image`.
    """
    if mode not in MASK_MODES:
        raise ValueError(f"mode: expected one of {MASK_MODES}, got {mode!r}")
    if mode == "full":
        return None
    if mode == "region":
        dev = None if object_mask is None else object_mask.device
        return square_mask(size, fraction, device=dev, center=center)
    if object_mask is None:
        raise ValueError(f"mode={mode!r} needs an object_mask (e.g. bank.scene.mask > 0.5)")
    return object_mask if mode == "object" else ~object_mask
