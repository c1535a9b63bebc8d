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
