"""A fresh UV atlas for any mesh (xatlas), with the mesh's current colours baked into it.

:func:`unwrap` gives every face its own place in one square texture, so that a single
``(size, size, 3)`` image can be optimised for meshes that arrive with vertex colours, many
materials, tiling UVs or no UVs at all. The render does not change: each texel inside a
face's new UV triangle takes the colour the renderer shows at the same surface point
(:func:`~aswb.render.surface_colors`, sampled at the texel centre's barycentrics), and
every texel a bilinear lookup inside a chart can reach (centre up to sqrt(2) texels
outside it) takes the colour of the nearest point of the nearest face, so chart borders
never mix in background. The texels no render samples are filled with colours pulled
from nearby charts (pull-push), so resized or blurred copies of the texture stay clean.

Texel conventions are :func:`~aswb.render.sample_texture`'s: texel ``(row, col)`` has its
centre at ``u = (col + 0.5) / size``, ``v = 1 - (row + 0.5) / size`` (v up, row 0 at the
top). xatlas packs charts on the same texel grid, ``margin`` texels apart.

xatlas is a compiled dependency, imported when :func:`unwrap` runs.
"""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import torch
import torch.nn.functional as F

from .._checks import _describe, check_atlas, positive_int
from .mesh import Mesh
from .raster import Fragments
from .shade import surface_colors

__all__ = ["unwrap"]

_EMPTY = torch.iinfo(torch.int64).max
_FIT_TRIES = 8  # xatlas re-packs with a smaller texel density at most this many times


def unwrap(mesh: Mesh, size: int = 512, margin: int = 2, wrap: str = "clamp") -> Mesh:
    """A copy of ``mesh`` with a new UV atlas and one texture holding its current colours.

    Args:
        mesh: any Mesh; its surface colour (textures with their UVs and materials, else vertex
            colours, else the renderer's uniform grey) is what gets baked.
        size: side of the square texture in texels (> 0; the bake must fit
            :data:`aswb._checks.MAX_BATCH_BYTES`, about 100 bytes a texel: up to ~13000).
        margin: texels of padding xatlas leaves around each chart, in [0, min(64, max(2, size // 8))]
            (wider margins make xatlas run for minutes or crash), on top of the one texel it keeps
            for bilinear filtering.
        wrap: how the current textures are addressed outside [0, 1], ``"clamp"`` (what
            :class:`~aswb.render.Scene` renders) or ``"repeat"`` (tiling UVs; see :func:`shade`).
    Returns:
        Mesh with the same ``verts`` (V, 3), ``faces`` (F, 3) (same order) and ``parts``;
        ``uvs`` (T, 2) float32 in [0, 1] (v up, T >= V: seams split UVs), ``face_uvs`` (F, 3)
        int64, ``textures`` = ((size, size, 3) float32 in [0, 1],) detached from autograd,
        ``face_materials`` (F,) all 0 and ``vertex_colors`` None.
    Raises:
        TypeError: ``mesh`` is not a Mesh; ``size`` or ``margin`` is not an int.
        ValueError: ``size`` <= 0 or beyond the memory budget, ``margin`` out of its range,
            unknown ``wrap``, or the charts cannot be packed into ``size`` x ``size`` texels with that margin.
        ImportError: xatlas is not installed.
    """
    if not isinstance(mesh, Mesh):
        raise TypeError(f"unwrap: expected an aswb.render.Mesh, got {_describe(mesh)}")
    size = positive_int(size, "size")
    if isinstance(margin, bool) or not isinstance(margin, int):
        raise TypeError(f"margin: expected an int >= 0, got {_describe(margin)}")
    check_atlas(size, margin)  # before xatlas: a huge margin crashes it, a huge size exhausts memory
    if wrap not in ("clamp", "repeat"):
        raise ValueError(f"wrap: expected 'clamp' or 'repeat', got {wrap!r}")
    uvs, face_uvs = _atlas(mesh, size, margin)
    uvs, face_uvs = uvs.to(mesh.device), face_uvs.to(mesh.device)
    with torch.no_grad():
        tex = _bake(mesh.detach(), uvs, face_uvs, size, wrap)
    return replace(mesh, uvs=uvs, face_uvs=face_uvs, textures=(tex,), face_materials=None, vertex_colors=None)


def _atlas(mesh: Mesh, size: int, margin: int) -> tuple[torch.Tensor, torch.Tensor]:
    """xatlas charts packed into one ``size`` x ``size`` atlas: uvs (T, 2) in [0, 1], face_uvs (F, 3)."""
    try:
        import xatlas
    except ImportError as e:
        raise ImportError("unwrap needs xatlas (UV atlas generation): pip install xatlas") from e
    atlas = xatlas.Atlas()
    atlas.add_mesh(mesh.verts.detach().cpu().numpy().astype(np.float32),
                   mesh.faces.cpu().numpy().astype(np.uint32))
    pack = xatlas.PackOptions()
    pack.padding, pack.bilinear = margin, True
    pack.resolution = size  # first try: xatlas estimates the texel density for this size
    atlas.generate(pack_options=pack)
    if atlas.chart_count * (margin + 1) ** 2 > size * size:  # hopeless: skip the re-packing
        raise _too_small(atlas, mesh, size, margin)
    pack.resolution = 0  # then: one atlas whose extent follows the texel density
    for _ in range(_FIT_TRIES):
        w, h = atlas.width, atlas.height
        if atlas.atlas_count == 1 and max(w, h) <= size:
            break
        shrink = 0.8 if atlas.atlas_count > 1 else 0.98 * size / max(w, h)
        pack.texels_per_unit = atlas.texels_per_unit * shrink
        atlas.generate(pack_options=pack)
    else:
        raise _too_small(atlas, mesh, size, margin)
    _, idx, uv = atlas[0]  # vmapping is not needed: faces keep their vertices, only UVs are new
    # xatlas UVs are texel positions / (width, height); rescale to the size x size grid
    uv = torch.from_numpy(uv * np.array([atlas.width, atlas.height], np.float32) / size)  # (T, 2)
    return uv.clamp(0, 1), torch.from_numpy(idx.astype(np.int64))  # (T, 2), (F, 3)


def _too_small(atlas, mesh: Mesh, size: int, margin: int) -> ValueError:
    return ValueError(
        f"size: {size} x {size} texels cannot hold the {atlas.chart_count} charts of this "
        f"{mesh.num_faces}-face mesh with margin={margin} (xatlas needed {atlas.width} x "
        f"{atlas.height}); use a larger size or a smaller margin")


def _texel_tris(uvs: torch.Tensor, face_uvs: torch.Tensor, size: int) -> torch.Tensor:
    """UV triangles in texel space: (F, 3 corners, 2) as (x = column, y = row), centres at +0.5."""
    tri = uvs[face_uvs]  # (F, 3, 2)
    return torch.stack([tri[..., 0] * size, (1 - tri[..., 1]) * size], -1)


def _owners(tri: torch.Tensor, size: int, ring: float = 1.0, max_pairs: int = 1 << 22) -> torch.Tensor:
    """The face each texel belongs to: (size * size,) int64 face index, -1 for none.

    A texel belongs to the face whose triangle contains its centre (lowest index on shared
    edges), else to the face whose triangle is nearest, if it lies within ``ring`` texels
    (distance to the nearest edge line: exact along edges, a little short near corners).
    Pairs (face, texel) are enumerated in each face's bounding box grown by ``ring``, in
    chunks of at most ``max_pairs``; the winner is one ``scatter_reduce(amin)`` over int64
    keys ``distance_bits << 32 | face`` (as in :mod:`aswb.render.raster`).
    """
    dev = tri.device
    e = torch.stack([tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 1], tri[:, 0] - tri[:, 2]], 1)  # (F, 3 edges, 2)
    area2 = e[:, 0, 0] * e[:, 1, 1] - e[:, 0, 1] * e[:, 1, 0]  # (F,) twice the signed area
    elen = e.norm(dim=-1)  # (F, 3)
    live = (area2.abs() > 1e-12 * size * size).nonzero().squeeze(1)  # faces xatlas left out have area 0
    # edge i's inward unit normal (for either winding): signed distance = n_i . (p - corner_i)
    nrm = torch.stack([-e[..., 1], e[..., 0]], -1) * torch.sign(area2)[:, None, None] / elen.clamp_min(1e-12)[..., None]
    off = -(nrm * tri).sum(-1)  # (F, 3): distance to edge i is nrm_i . p + off_i
    lo = (tri.amin(1) - ring - 0.5).ceil().clamp(0, size).long()  # first texel whose centre may lie in range
    hi = (tri.amax(1) + ring - 0.5).floor().clamp(-1, size - 1).long()  # last one
    lo, hi, nrm, off = lo[live], hi[live], nrm[live], off[live]
    nx, ny = (hi - lo + 1).clamp_min(0).unbind(-1)  # (n,) bbox sizes
    counts = nx * ny
    ends = counts.cumsum(0)
    key = torch.full((size * size,), _EMPTY, dtype=torch.int64, device=dev)
    start, n = 0, live.numel()
    while start < n:
        base = int(ends[start - 1]) if start else 0
        stop = max(int(torch.searchsorted(ends, base + max_pairs, right=True)), start + 1)
        k = torch.repeat_interleave(torch.arange(start, stop, device=dev), counts[start:stop])  # (N,) face slot
        local = torch.arange(base, int(ends[stop - 1]), device=dev) - (ends[k] - counts[k])
        x = lo[k, 0] + local % nx[k]
        y = lo[k, 1] + local // nx[k]
        p = torch.stack([x, y], -1).to(tri.dtype) + 0.5  # (N, 2) texel centres
        d = (nrm[k] * p[:, None]).sum(-1) + off[k]  # (N, 3) signed distances, >= 0 inside
        out = (-d).amax(-1).clamp_min(0) + 0.0  # (N,) 0 inside (never -0.0), else beyond the farthest edge
        kk = (out.view(torch.int32).to(torch.int64) << 32) | live[k]
        kk = torch.where(out <= ring * math.sqrt(2), kk, _EMPTY)  # a bilinear footprint reaches sqrt(2) texels
        key.scatter_reduce_(0, y * size + x, kk, reduce="amin")
        start = stop
    return torch.where(key == _EMPTY, -1, key & 0xFFFFFFFF)


def _bake(mesh: Mesh, uvs: torch.Tensor, face_uvs: torch.Tensor, size: int, wrap: str) -> torch.Tensor:
    """The mesh's surface colour on the new atlas: (size, size, 3) float32 in [0, 1]."""
    tri = _texel_tris(uvs, face_uvs, size)  # (F, 3, 2)
    owner = _owners(tri, size)  # (size * size,)
    idx = (owner >= 0).nonzero().squeeze(1)  # (N,) flat texels with a face
    f = owner[idx]
    p = torch.stack([idx % size, idx // size], -1).to(tri.dtype) + 0.5  # (N, 2) texel centres
    a, b, c = tri[f].unbind(1)  # (N, 2) each
    w = torch.stack([_cross(b, c, p), _cross(c, a, p), _cross(a, b, p)], -1) / _cross(a, b, c)[:, None]  # (N, 3)
    w = w.clamp_min(0)  # texels outside their face (the one-texel ring) move onto it
    w = w / w.sum(-1, keepdim=True).clamp_min(1e-12)
    frags = Fragments(face_idx=f.view(1, 1, -1), bary=w.view(1, 1, -1, 3).float(),
                      depth=torch.ones(1, 1, f.numel(), device=f.device))
    rgb = surface_colors(mesh, frags, wrap=wrap).view(-1, 3)  # (N, 3) what the renderer shows there
    tex = torch.zeros(size * size, 3, device=mesh.device)
    tex[idx] = rgb.clamp(0, 1)
    return _fill(tex.view(size, size, 3), (owner >= 0).view(size, size))


def _cross(o: torch.Tensor, q: torch.Tensor, r: torch.Tensor) -> torch.Tensor:
    """2D cross product (q - o) x (r - o) of points (N, 2): (N,), twice the signed area of (o, q, r)."""
    return (q[:, 0] - o[:, 0]) * (r[:, 1] - o[:, 1]) - (q[:, 1] - o[:, 1]) * (r[:, 0] - o[:, 0])


def _fill(tex: torch.Tensor, filled: torch.Tensor) -> torch.Tensor:
    """Fill the texels no render samples with colours pulled from nearby filled texels.

    Pull-push (Gortler et al., 1996): average the filled texels over a mip pyramid, then
    give each unfilled texel the average of its block at the finest level that has any.
    Filled texels keep their colour. tex: (H, W, 3); filled: (H, W) bool. Returns (H, W, 3).
    """
    if bool(filled.all()) or not bool(filled.any()):
        return tex
    w = filled[None, None].to(tex.dtype)  # (1, 1, H, W) weight
    c = tex.permute(2, 0, 1)[None] * w  # (1, 3, H, W) weighted colour
    levels = []
    while c.shape[-2] > 1 or c.shape[-1] > 1:
        levels.append((c, w))
        k = (min(2, c.shape[-2]), min(2, c.shape[-1]))
        c, w = (F.avg_pool2d(t, k, ceil_mode=True) for t in (c, w))  # (1, C, ceil(H/2), ceil(W/2))
    col = c / w.clamp_min(1e-12)
    for c, w in reversed(levels):  # coarse to fine: keep own averages, take the parent's elsewhere
        up = F.interpolate(col, size=c.shape[-2:], mode="nearest")
        col = torch.where(w > 0, c / w.clamp_min(1e-12), up)
    return col[0].permute(1, 2, 0).contiguous()  # (H, W, 3)
