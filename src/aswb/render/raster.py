"""Rasterisation: which face covers each pixel, with perspective-correct barycentrics.

Only colours and lights are optimised in aswb, never geometry, so visibility needs no
gradients: :func:`rasterize` runs under ``torch.no_grad`` and returns :class:`Fragments`
that :mod:`aswb.render.shade` turns into differentiable images.

The torch backend uses 2D homogeneous rasterisation (Olano & Greer, 1997). With a face's
corners in homogeneous screen space ``(x, y, w)`` as the columns of ``M``, the weights
``lam = M^-1 (px, py, 1)`` of a pixel's viewing ray are proportional to the 3D
(perspective-correct) barycentrics of the point where the ray meets the face's plane,
and ``1 / sum(lam)`` is that point's depth. The ray hits the face in front of the camera
iff all weights are >= 0, so faces with corners behind the camera need no clipping;
per-pixel depth below ``znear`` is discarded. Along each row of a face's screen bounding
box the weights are affine in the column, so the candidate columns are an interval
(computed with slack, so it holds every hit); pairs (face, pixel) in those row spans are
enumerated, vectorised and chunked to bound memory, and tested exactly; the depth test is
one ``scatter_reduce(amin)`` over int64 keys ``depth_bits << 32 | face``.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .._checks import _describe, check_render_size, image_size as _image_size
from .camera import Cameras
from .kaolin_backend import kaolin_face_idx
from .mesh import Mesh

__all__ = ["Fragments", "rasterize", "BACKENDS"]

BACKENDS = ("auto", "torch", "kaolin")
_EMPTY = torch.iinfo(torch.int64).max


@dataclass(frozen=True, eq=False)
class Fragments:
    """What covers each pixel (no autograd).

    Fields:
        face_idx: (B, H, W) int64 index of the visible face, -1 for background.
        bary: (B, H, W, 3) float32 perspective-correct barycentrics of the visible point,
            >= 0 and summing to 1 on covered pixels, 0 on background.
        depth: (B, H, W) float32 distance along the view axis (> 0), -1 on background.
    """

    face_idx: torch.Tensor
    bary: torch.Tensor
    depth: torch.Tensor

    @property
    def mask(self) -> torch.Tensor:
        """(B, H, W) bool, True where a face is visible."""
        return self.face_idx >= 0

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.face_idx.shape)  # type: ignore[return-value]

    def __getitem__(self, idx) -> "Fragments":
        """Select views (first dimension)."""
        if isinstance(idx, int):
            idx = slice(idx, idx + 1 if idx != -1 else None)
        return Fragments(self.face_idx[idx], self.bary[idx], self.depth[idx])

    def to(self, device) -> "Fragments":
        return Fragments(self.face_idx.to(device), self.bary.to(device), self.depth.to(device))


def _check_args(mesh, cameras, backend) -> None:
    if not isinstance(mesh, Mesh):
        raise TypeError(f"rasterize: expected an aswb.render.Mesh, got {_describe(mesh)}")
    if not isinstance(cameras, Cameras):
        raise TypeError(f"rasterize: expected aswb.render.Cameras (see Cameras.look_at), got {_describe(cameras)}")
    if backend not in BACKENDS:
        raise ValueError(f"rasterize: unknown backend {backend!r}; expected one of {BACKENDS}")


def kaolin_available() -> bool:
    """True when NVIDIA Kaolin imports and CUDA is present."""
    if not torch.cuda.is_available():
        return False
    try:
        import kaolin  # noqa: F401
    except ImportError:
        return False
    return True


@torch.no_grad()
def rasterize(mesh: Mesh, cameras: Cameras, image_size, backend: str = "auto",
              max_pairs: int = 1 << 22) -> Fragments:
    """Rasterise ``mesh`` seen by every camera in ``cameras``.

    Args:
        mesh: the mesh; its vertices must be on the cameras' device.
        cameras: B cameras.
        image_size: ``int`` or ``(H, W)``, each > 0.
        backend: ``"torch"`` (pure PyTorch, CPU and CUDA), ``"kaolin"`` (NVIDIA Kaolin on
            CUDA; visibility from Kaolin, barycentrics computed exactly as here) or
            ``"auto"`` (Kaolin when it imports and the mesh is on CUDA, else torch).
        max_pairs: upper bound on (face, pixel) candidate pairs evaluated at once; bounds
            memory at about ``60 * max_pairs`` bytes.

    Returns:
        :class:`Fragments` with ``face_idx (B, H, W)``, ``bary (B, H, W, 3)``, ``depth (B, H, W)``.
    """
    _check_args(mesh, cameras, backend)
    H, W = _image_size(image_size)
    check_render_size(H, W)
    if mesh.device != cameras.device:
        raise TypeError(f"rasterize: mesh is on {mesh.device} but cameras are on {cameras.device}; "
                        "move one with .to(device)")
    if backend == "auto":
        backend = "kaolin" if mesh.device.type == "cuda" and kaolin_available() else "torch"
    E, fc, valid = _face_setup(mesh, cameras, W / H)
    if backend == "kaolin":
        face_idx = kaolin_face_idx(fc, valid, (H, W))
    else:
        face_idx = _torch_face_idx(E, fc, valid, cameras.znear, H, W, max_pairs)
    return _fragments_from_face_idx(face_idx, E, H, W)


def _face_setup(mesh: Mesh, cameras: Cameras, aspect: float):
    """Per camera and face: E = M^-1 (B, F, 3, 3), corners (x, y, w) (B, F, 3, 3), validity (B, F)."""
    clip = cameras.to_clip(mesh.verts, aspect=aspect)  # (B, V, 3) as (x, y, w)
    fc = clip[:, mesh.faces]  # (B, F, 3 corners, 3 comps)
    a, b, c = fc[:, :, 0], fc[:, :, 1], fc[:, :, 2]  # (B, F, 3) each
    bc, ca, ab = torch.linalg.cross(b, c), torch.linalg.cross(c, a), torch.linalg.cross(a, b)
    det = (a * bc).sum(-1)  # (B, F) triple product = det(M)
    scale = a.norm(dim=-1) * b.norm(dim=-1) * c.norm(dim=-1)
    # degenerate (zero-area) and edge-on faces have coplanar corner rays: det ~ 0
    valid = det.abs() > 1e-7 * scale
    safe = torch.where(valid, det, torch.ones_like(det))
    E = torch.stack([bc, ca, ab], dim=2) / safe[..., None, None]  # (B, F, 3 weights, 3 comps)
    valid &= (fc[..., 2] > cameras.znear).any(-1)  # entirely nearer than znear: culled
    return E, fc, valid


def _face_bboxes(fc: torch.Tensor, znear: float, H: int, W: int):
    """Pixel bounding boxes of each face's part beyond the near plane.

    fc: (B, F, 3, 3) corners (x, y, w). Returns inclusive int64 ``x0, x1, y0, y1`` (B, F).
    """
    w = fc[..., 2]  # (B, F, 3)
    pts, ok = [fc], [w >= znear]
    for i, j in ((0, 1), (1, 2), (2, 0)):  # near-plane crossings of the three edges
        wi, wj = w[..., i], w[..., j]
        cross = (wi - znear) * (wj - znear) < 0
        t = ((wi - znear) / torch.where(cross, wi - wj, torch.ones_like(wi))).clamp(0, 1)
        pts.append((fc[..., i, :] + t[..., None] * (fc[..., j, :] - fc[..., i, :]))[..., None, :])
        ok.append(cross[..., None])
    p = torch.cat(pts, dim=2)  # (B, F, 6, 3)
    ok = torch.cat(ok, dim=2)  # (B, F, 6)
    ww = p[..., 2].clamp_min(znear)
    px = (p[..., 0] / ww + 1) * (W / 2)  # pixel-space x (col), centre of col j at j + 0.5
    py = (1 - p[..., 1] / ww) * (H / 2)  # pixel-space y (row), row 0 at the top
    inf = torch.tensor(float("inf"), device=fc.device)
    x_lo = torch.where(ok, px, inf).amin(-1)
    x_hi = torch.where(ok, px, -inf).amax(-1)
    y_lo = torch.where(ok, py, inf).amin(-1)
    y_hi = torch.where(ok, py, -inf).amax(-1)
    # pixel j is a candidate if its centre j + 0.5 lies in [lo, hi] (1-pixel slack for rounding)
    x0 = torch.ceil(x_lo - 0.5 - 1e-3).clamp(0, W).long()
    x1 = torch.floor(x_hi - 0.5 + 1e-3).clamp(-1, W - 1).long()
    y0 = torch.ceil(y_lo - 0.5 - 1e-3).clamp(0, H).long()
    y1 = torch.floor(y_hi - 0.5 + 1e-3).clamp(-1, H - 1).long()
    return x0, x1, y0, y1


def _pixel_ndc(rows: torch.Tensor, cols: torch.Tensor, H: int, W: int):
    return (2 * cols.float() + 1) / W - 1, 1 - (2 * rows.float() + 1) / H


def _weights(E: torch.Tensor, px: torch.Tensor, py: torch.Tensor) -> torch.Tensor:
    """Unnormalised barycentric weights: E (N, 3, 3) at NDC points (N,) -> (N, 3)."""
    return E[..., 0] * px[:, None] + E[..., 1] * py[:, None] + E[..., 2]


_SPAN_TOL = 1e-3  # slack of the row spans, relative to s; the exact per-pixel test decides
_SPAN_PX = 0.05  # and in pixels


def _row_spans(lam0, dc, dr, nx, ny, znear: float):
    """Per (face, bounding-box row) segment, the columns that can hold a hit.

    Along a row the weights are affine in the column ``c``: ``lam(c) = a + b c``. A hit needs
    every ``lam_i >= -1e-6 s`` and ``0 < s <= 1 / znear`` (``s = sum(lam)``), so the candidate
    columns are an intersection of half-lines, computed in float64 with slack (``_SPAN_TOL``
    relative to ``s``, ``_SPAN_PX`` pixels): a superset of the hits, which the float32 test then
    decides exactly as a walk over the whole box would (checked against such a walk in the tests).

    lam0, dc, dr: (n, 3) float32 weights at the box's first pixel and their steps per column and
    per row; nx, ny: (n,) int64 box width and height. Returns int64 ``seg_face, row, lo, hi``
    (S,) each: the face (index into the n), the row offset and inclusive column offsets inside
    the box (``hi < lo`` for a row with no candidate).
    """
    dev = lam0.device
    seg_face = torch.repeat_interleave(torch.arange(ny.numel(), device=dev), ny)
    row = torch.arange(seg_face.numel(), device=dev) - (ny.cumsum(0) - ny)[seg_face]
    a = lam0.double()[seg_face] + dr.double()[seg_face] * row[:, None]  # (S, 3) at column 0
    b = dc.double()[seg_face]  # (S, 3) per column
    sa, sb = a.sum(1, keepdim=True), b.sum(1, keepdim=True)
    A = torch.cat([a + _SPAN_TOL * sa.abs(), (1 + _SPAN_TOL) / znear - sa], 1)  # (S, 4): A + B c >= 0
    Bc = torch.cat([b, -sb], 1)
    root = -A / torch.where(Bc == 0, torch.ones_like(Bc), Bc)
    inf = torch.full_like(root, float("inf"))
    lo = torch.where(Bc > 0, root, -inf).amax(1).clamp(-1, 1e9)
    hi = torch.where(Bc < 0, root, inf).amin(1).clamp(-1e9, 1e9)
    lo = torch.ceil(lo - _SPAN_PX).long().clamp_min(0)
    hi = torch.minimum(torch.floor(hi + _SPAN_PX).long(), nx[seg_face] - 1)
    never = ((Bc == 0) & (A < 0)).any(1)  # a constraint false along the whole row
    return seg_face, row, lo, torch.where(never, lo - 1, hi)


def _torch_face_idx(E, fc, valid, znear: float, H: int, W: int, max_pairs: int) -> torch.Tensor:
    B, F = valid.shape
    dev = E.device
    x0, x1, y0, y1 = _face_bboxes(fc, znear, H, W)
    nx, ny = (x1 - x0 + 1).clamp_min(0), (y1 - y0 + 1).clamp_min(0)
    counts = torch.where(valid, nx * ny, torch.zeros_like(nx)).reshape(-1)  # (B*F,)
    live = counts.nonzero().squeeze(1)  # flat b * F + f of faces with candidate pixels
    zbuf = torch.full((B * H * W,), _EMPTY, dtype=torch.int64, device=dev)
    if live.numel() == 0:
        return torch.full((B, H, W), -1, dtype=torch.int64, device=dev)
    x0, y0, nx, ny = (t.reshape(-1)[live] for t in (x0, y0, nx, ny))
    Ef = E.reshape(B * F, 3, 3)[live]  # (n, 3 weights, 3 comps)
    # weights are affine in the pixel: lam = lam0 + dcol * col_offset + drow * row_offset
    px0, py0 = _pixel_ndc(y0, x0, H, W)
    lam0 = _weights(Ef, px0, py0)  # (n, 3) at the centre of the bbox's first pixel
    dc, dr = Ef[..., 0] * (2.0 / W), Ef[..., 1] * (-2.0 / H)
    seg, row, lo, hi = _row_spans(lam0, dc, dr, nx, ny, znear)
    lens = (hi - lo + 1).clamp_min(0)
    keep = lens.nonzero().squeeze(1)
    seg, row, lo, lens = seg[keep], row[keep], lo[keep], lens[keep]
    coef = torch.cat([lam0[seg], dc[seg], dr[seg] * row[:, None]], 1)  # (S, 9)
    ends = lens.cumsum(0)
    g = live[seg]
    # per segment: first pair, first column, pixel of the row's box start, face -> one gather per pair
    ints = torch.stack([ends - lens, lo, (g // F) * (H * W) + (y0[seg] + row) * W + x0[seg], g % F], 1)  # (S, 4)
    start, n = 0, keep.numel()
    while start < n:  # chunks of <= max_pairs pairs (a single huge row is one chunk)
        base = int(ends[start - 1]) if start else 0
        stop = max(int(torch.searchsorted(ends, base + max_pairs, right=True)), start + 1)
        total = int(ends[stop - 1]) - base
        k = torch.repeat_interleave(torch.arange(start, stop, device=dev), lens[start:stop])  # (N,)
        first, c0, pix0, f = ints[k].unbind(1)  # (N,) each
        c = torch.arange(base, base + total, device=dev) - first + c0  # column offset in the box
        cf = coef[k]  # (N, 9)
        lam = cf[:, 0:3] + cf[:, 3:6] * c[:, None] + cf[:, 6:9]  # (N, 3)
        s = lam.sum(-1)
        depth = 1.0 / s
        # inside (bary >= -1e-6: a hair of overlap so shared edges leave no pinholes), in front
        hit = (lam.amin(-1) >= -1e-6 * s) & (depth >= znear)
        key = (depth.view(torch.int32).to(torch.int64) << 32) | f
        key = torch.where(hit, key, _EMPTY)
        zbuf.scatter_reduce_(0, pix0 + c, key, reduce="amin")
        start = stop
    face_idx = torch.where(zbuf == _EMPTY, -1, zbuf & 0xFFFFFFFF)
    return face_idx.view(B, H, W)


def _fragments_from_face_idx(face_idx: torch.Tensor, E: torch.Tensor, H: int, W: int) -> Fragments:
    B = face_idx.shape[0]
    dev = face_idx.device
    bary = torch.zeros(B, H, W, 3, device=dev)
    depth = torch.full((B, H, W), -1.0, device=dev)
    b, r, c = (face_idx >= 0).nonzero(as_tuple=True)
    if b.numel():
        px, py = _pixel_ndc(r, c, H, W)
        lam = _weights(E[b, face_idx[b, r, c]], px, py)  # (N, 3)
        s = lam.sum(-1)
        depth[b, r, c] = 1.0 / s
        lam = (lam / s[:, None]).clamp_min(0)
        bary[b, r, c] = lam / lam.sum(-1, keepdim=True)
    return Fragments(face_idx=face_idx, bary=bary, depth=depth)
