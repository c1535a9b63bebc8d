"""Pack a multi-material mesh into a single texture atlas (one optimisable texture)."""
from __future__ import annotations

import math
from dataclasses import replace

import torch
import torch.nn.functional as F

from .._checks import _describe, positive_int
from .mesh import Mesh

__all__ = ["pack_atlas", "uv_face_mask"]


def pack_atlas(mesh: Mesh, size: int = 256, margin: int = 2) -> Mesh:
    """One texture for all materials: each material's texture is resized into a cell of a
    ``n x n`` grid (``n = ceil(sqrt(materials))``) and its UVs remapped into that cell.

    UVs are clamped to [0, 1] first (tiling textures are not preserved). A mesh with one
    material (or none) is returned unchanged.

    Args:
        mesh: a textured mesh.
        size: atlas side in texels (> 0).
        margin: texels of padding kept inside each cell so bilinear lookups never bleed.
    Returns:
        Mesh with ``textures`` = ((size, size, 3),) and ``face_materials`` all 0.
    """
    if not isinstance(mesh, Mesh):
        raise TypeError(f"pack_atlas: expected a Mesh, got {_describe(mesh)}")
    size = positive_int(size, "size")
    if mesh.textures is None or len(mesh.textures) == 1:
        return mesh
    k = len(mesh.textures)
    n = math.ceil(math.sqrt(k))
    cell = size // n
    if cell <= 2 * margin + 1:
        raise ValueError(f"pack_atlas: size {size} is too small for {k} materials with margin {margin}")
    atlas = torch.zeros(size, size, 3, device=mesh.device)
    inner = cell - 2 * margin
    # each UV belongs to the material of the faces using it; duplicate UVs shared across materials
    fuv = mesh.face_uvs  # (F, 3)
    key = fuv * k + mesh.face_materials[:, None]  # (F, 3) unique (uv, material) pairs
    uniq, inv = torch.unique(key.reshape(-1), return_inverse=True)
    uv_src, mat = mesh.uvs[uniq // k].clamp(0, 1), uniq % k  # (U, 2), (U,)
    row, col = mat // n, mat % n  # cell of each material, row 0 at the top of the image
    x0 = (col * cell + margin).float()
    y0 = (row * cell + margin).float()
    # texel-space position inside the cell, then back to UV (v up)
    px = x0 + uv_src[:, 0] * inner
    py = y0 + (1 - uv_src[:, 1]) * inner
    new_uv = torch.stack([px / size, 1 - py / size], -1)
    for m, tex in enumerate(mesh.textures):
        r, c = divmod(m, n)
        # the cell holds the whole texture; the margin repeats its border (clamped lookups)
        big = F.interpolate(tex.permute(2, 0, 1)[None], size=(inner, inner), mode="bilinear",
                            antialias=True, align_corners=False)
        img = F.pad(big, (margin, margin, margin, margin), mode="replicate")
        atlas[r * cell:(r + 1) * cell, c * cell:(c + 1) * cell] = img[0].permute(1, 2, 0).clamp(0, 1)
    return replace(mesh, uvs=new_uv, face_uvs=inv.reshape(-1, 3), textures=(atlas,),
                   face_materials=torch.zeros_like(mesh.face_materials))


def uv_face_mask(mesh: Mesh, faces: torch.Tensor, size: tuple[int, int] | None = None) -> torch.Tensor:
    """Texels covered by the UV triangles of the selected faces.

    Args:
        mesh: a mesh with UVs.
        faces: (F,) bool mask of faces.
        size: (Ht, Wt) of the texture; defaults to the mesh's first texture.
    Returns:
        (Ht, Wt) bool texel mask (texel centres inside a selected UV triangle).
    """
    if mesh.uvs is None:
        raise ValueError("uv_face_mask: the mesh has no UVs")
    if size is None:
        if mesh.textures is None:
            raise ValueError("uv_face_mask: give size=(Ht, Wt) for a mesh without a texture")
        size = tuple(mesh.textures[0].shape[:2])
    Ht, Wt = size
    faces = torch.as_tensor(faces, device=mesh.device)
    if faces.dtype != torch.bool or faces.shape != (mesh.num_faces,):
        raise ValueError(f"uv_face_mask: expected a ({mesh.num_faces},) bool face mask, got {_describe(faces)}")
    tri = mesh.uvs[mesh.face_uvs[faces]]  # (S, 3, 2)
    tri = torch.stack([tri[..., 0] * Wt, (1 - tri[..., 1]) * Ht], -1)  # texel space, row down
    out = torch.zeros(Ht * Wt, dtype=torch.bool, device=mesh.device)
    for chunk in tri.split(4096):
        lo = chunk.amin(1).floor().clamp_min(0).long()
        hi = chunk.amax(1).ceil().long()
        hi = torch.stack([hi[:, 0].clamp(max=Wt), hi[:, 1].clamp(max=Ht)], -1)
        nx, ny = (hi - lo).clamp_min(0).unbind(-1)
        cnt = nx * ny
        k = torch.repeat_interleave(torch.arange(chunk.shape[0], device=mesh.device), cnt)
        local = torch.arange(int(cnt.sum()), device=mesh.device) - (cnt.cumsum(0) - cnt)[k]
        x = lo[k, 0] + local % nx[k]
        y = lo[k, 1] + local // nx[k]
        p = torch.stack([x + 0.5, y + 0.5], -1).float()  # texel centres
        a, b, c = chunk[k, 0], chunk[k, 1], chunk[k, 2]
        cross = lambda o, q, r: (q[:, 0] - o[:, 0]) * (r[:, 1] - o[:, 1]) - (q[:, 1] - o[:, 1]) * (r[:, 0] - o[:, 0])  # noqa: E731
        d0, d1, d2 = cross(a, b, p), cross(b, c, p), cross(c, a, p)
        inside = ((d0 >= 0) & (d1 >= 0) & (d2 >= 0)) | ((d0 <= 0) & (d1 <= 0) & (d2 <= 0))
        out[(y * Wt + x)[inside]] = True
    return out.view(Ht, Wt)
