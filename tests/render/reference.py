"""Naive references for renderer tests: dense ray casting, independent of the rasteriser."""
from __future__ import annotations

import math

import torch

from aswb.render import Cameras, Mesh


def pixel_rays(cameras: Cameras, H: int, W: int) -> torch.Tensor:
    """World-space unit ray directions through pixel centres: (B, H, W, 3)."""
    f = torch.tan(torch.deg2rad(cameras.fov) / 2)  # (B,)
    j = (torch.arange(W) + 0.5) / W * 2 - 1
    i = 1 - (torch.arange(H) + 0.5) / H * 2
    x = j[None, None, :].expand(len(cameras), H, W) * (f * W / H)[:, None, None]
    y = i[None, :, None].expand(len(cameras), H, W) * f[:, None, None]
    d_cam = torch.stack([x, y, -torch.ones_like(x)], -1)  # (B, H, W, 3)
    d = torch.einsum("bhwj,bjk->bhwk", d_cam, cameras.R)  # R^T d_cam
    return d


def raycast(mesh: Mesh, cameras: Cameras, H: int, W: int):
    """Nearest hit per pixel by Möller–Trumbore over every face (double precision).

    Returns face_idx (B, H, W) int64 (-1 none), depth along the view axis (B, H, W).
    """
    v = mesh.face_verts().double()  # (F, 3, 3)
    e1, e2 = v[:, 1] - v[:, 0], v[:, 2] - v[:, 0]
    d = pixel_rays(cameras, H, W).double().reshape(len(cameras), -1, 1, 3)  # (B, P, 1, 3) view-axis length 1
    o = cameras.eye.double()[:, None, None, :]
    p = torch.linalg.cross(d.expand(-1, -1, v.shape[0], -1), e2.expand_as(d.expand(-1, -1, v.shape[0], -1)))
    det = (e1 * p).sum(-1)  # (B, P, F)
    ok = det.abs() > 1e-12
    inv = 1 / torch.where(ok, det, torch.ones_like(det))
    s = o - v[:, 0]
    u = (s * p).sum(-1) * inv
    q = torch.linalg.cross(s.expand_as(p), e1.expand_as(p))
    w = (d * q).sum(-1) * inv
    t = (e2 * q).sum(-1) * inv  # distance along d; d has unit view-axis component, so t = depth
    hit = ok & (u >= 0) & (w >= 0) & (u + w <= 1) & (t >= cameras.znear)
    t = torch.where(hit, t, torch.full_like(t, math.inf))
    depth, face = t.min(-1)
    face = torch.where(torch.isinf(depth), -1, face)
    B = len(cameras)
    return face.reshape(B, H, W), torch.where(torch.isinf(depth), -1.0, depth).reshape(B, H, W).float()


def box_walk_face_idx(mesh: Mesh, cameras: Cameras, H: int, W: int) -> torch.Tensor:
    """Visible face per pixel by testing *every* pixel of each face's screen bounding box.

    The same float32 arithmetic as the rasteriser's per-pixel test (weights affine in the
    pixel, ``lam >= -1e-6 s``, ``1 / s >= znear``, nearest depth then lowest face wins), one
    face at a time and without the row spans that prune the box: it checks that the pruning
    never drops a hit. Returns (B, H, W) int64, -1 for background.
    """
    from aswb.render.raster import _face_bboxes, _face_setup, _pixel_ndc, _weights

    E, fc, valid = _face_setup(mesh, cameras, W / H)
    x0, x1, y0, y1 = _face_bboxes(fc, cameras.znear, H, W)
    B, F = valid.shape
    best = torch.full((B, H, W), torch.iinfo(torch.int64).max, dtype=torch.int64)
    for b in range(B):
        for f in range(F):
            if not valid[b, f] or x1[b, f] < x0[b, f] or y1[b, f] < y0[b, f]:
                continue
            r, c = torch.meshgrid(torch.arange(int(y1[b, f] - y0[b, f]) + 1),
                                  torch.arange(int(x1[b, f] - x0[b, f]) + 1), indexing="ij")
            r, c = r.reshape(-1), c.reshape(-1)
            e = E[b, f]
            px0, py0 = _pixel_ndc(y0[b, f:f + 1], x0[b, f:f + 1], H, W)
            lam0 = _weights(e[None], px0, py0)  # (1, 3)
            lam = lam0 + (e[:, 0] * (2.0 / W))[None] * c[:, None] + (e[:, 1] * (-2.0 / H))[None] * r[:, None]
            s = lam.sum(-1)
            depth = 1.0 / s
            hit = (lam.amin(-1) >= -1e-6 * s) & (depth >= cameras.znear)
            key = (depth.view(torch.int32).to(torch.int64) << 32) | f
            rr, cc = r[hit] + y0[b, f], c[hit] + x0[b, f]
            best[b, rr, cc] = torch.minimum(best[b, rr, cc], key[hit])
    return torch.where(best == torch.iinfo(torch.int64).max, -1, best & 0xFFFFFFFF)
