"""Perspective look-at cameras, orbits and random view sampling.

World space is y-up. A camera at ``eye`` looks at ``at``; in camera space it looks down
``-z`` with ``+x`` to the right and ``+y`` up (OpenGL). ``fov`` is the vertical field of
view in degrees. View angles: ``azim`` rotates about +y (0 puts the camera on +z), ``elev``
is the angle above the xz-plane, both in degrees.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .._checks import as_tensor, check_finite
from .._checks import image_size as _isz
from .._checks import positive_int, value_range

__all__ = ["Cameras", "orbit", "sample_views", "view_eye"]


@dataclass(frozen=True, eq=False)
class Cameras:
    """A batch of B perspective cameras; build it with :meth:`look_at`.

    Fields:
        eye: (B, 3) float32 camera positions in world space.
        R: (B, 3, 3) float32 world-to-camera rotations; rows are the camera's right, up and
           backward axes, so ``p_cam = R @ (p - eye)`` and visible points have ``z < 0``.
        fov: (B,) float32 vertical field of view in degrees, in (0, 180).
        znear: near-plane distance (> 0); geometry nearer than it is clipped per pixel.
    """

    eye: torch.Tensor
    R: torch.Tensor
    fov: torch.Tensor
    znear: float = 0.01

    @staticmethod
    def look_at(eye, at=(0.0, 0.0, 0.0), up=(0.0, 1.0, 0.0), fov=40.0, znear: float = 0.01,
                device=None) -> "Cameras":
        """Cameras at ``eye`` looking at ``at``.

        Args:
            eye: (3,) or (B, 3) camera positions.
            at: (3,) or (B, 3) look-at points; must differ from ``eye``.
            up: (3,) or (B, 3) approximate up direction; when it is parallel to the viewing
                direction (a view straight down or up) a perpendicular one is chosen.
            fov: scalar or (B,) vertical field of view in degrees, in (0, 180).
            znear: near-plane distance > 0.
        """
        eye = as_tensor(eye, "eye", device=device)
        dev = eye.device
        at = as_tensor(at, "at", device=dev)
        up = as_tensor(up, "up", device=dev)
        fov = as_tensor(fov, "fov", device=dev)
        for t, n in ((eye, "eye"), (at, "at"), (up, "up")):
            if t.shape[-1:] != (3,) or t.dim() > 2:
                raise ValueError(f"{n}: expected shape (3,) or (B, 3), got {tuple(t.shape)}")
            check_finite(t, n)
        check_finite(fov, "fov")
        if fov.dim() > 1:
            raise ValueError(f"fov: expected a scalar or shape (B,), got {tuple(fov.shape)}")
        B = max(t.shape[0] if t.dim() == 2 else 1 for t in (eye, at, up))
        B = max(B, fov.shape[0] if fov.dim() == 1 else 1)
        try:
            eye, at, up = (t.reshape(-1, 3).expand(B, 3) for t in (eye, at, up))
            fov = fov.reshape(-1).expand(B)
        except RuntimeError as e:
            raise ValueError(f"look_at: batch sizes of eye/at/up/fov disagree ({e})") from None
        if bool(((fov <= 0) | (fov >= 180)).any()):
            raise ValueError(f"fov: expected degrees in (0, 180), got {fov.tolist()}")
        if not (isinstance(znear, (int, float)) and znear > 0):
            raise ValueError(f"znear: expected a positive number, got {znear!r}")
        fwd = at - eye
        dist = fwd.norm(dim=-1, keepdim=True)
        if bool((dist < 1e-9).any()):
            i = int((dist[:, 0] < 1e-9).nonzero()[0])
            raise ValueError(
                f"look_at: camera {i} is at its look-at point {at[i].tolist()}; "
                "the eye must differ from 'at'"
            )
        fwd = fwd / dist
        right = torch.linalg.cross(fwd, up)
        bad = right.norm(dim=-1) < 1e-6 * up.norm(dim=-1).clamp_min(1e-12)
        if bool(bad.any()):  # up parallel to the view direction: use world z (or x) instead
            alt = torch.tensor([0.0, 0.0, -1.0], device=dev).expand(B, 3)
            alt = torch.where((torch.linalg.cross(fwd, alt).norm(dim=-1) < 1e-6)[:, None],
                              torch.tensor([1.0, 0.0, 0.0], device=dev).expand(B, 3), alt)
            right = torch.where(bad[:, None], torch.linalg.cross(fwd, alt), right)
        right = right / right.norm(dim=-1, keepdim=True)
        true_up = torch.linalg.cross(right, fwd)
        R = torch.stack([right, true_up, -fwd], dim=1)  # (B, 3 axes, 3 xyz)
        return Cameras(eye=eye.contiguous(), R=R, fov=fov.contiguous(), znear=float(znear))

    def __len__(self) -> int:
        return int(self.eye.shape[0])

    def __getitem__(self, idx) -> "Cameras":
        """Select cameras with an int, slice, index tensor or bool mask; always returns a batch."""
        if isinstance(idx, int):
            idx = slice(idx, idx + 1 if idx != -1 else None)
        return Cameras(self.eye[idx], self.R[idx], self.fov[idx], self.znear)

    @property
    def device(self) -> torch.device:
        return self.eye.device

    def to(self, device) -> "Cameras":
        return Cameras(self.eye.to(device), self.R.to(device), self.fov.to(device), self.znear)

    @property
    def forward(self) -> torch.Tensor:
        """Unit viewing directions: (B, 3)."""
        return -self.R[:, 2]

    def to_camera(self, points: torch.Tensor) -> torch.Tensor:
        """World points ``(P, 3)`` or ``(B, P, 3)`` to camera space ``(B, P, 3)``."""
        if points.dim() == 2:
            points = points.unsqueeze(0)
        # (B, P, 3) = (p - eye) @ R^T
        return torch.einsum("bpk,bjk->bpj", points - self.eye[:, None], self.R)

    def to_clip(self, points: torch.Tensor, aspect: float = 1.0) -> torch.Tensor:
        """World points ``(P, 3)`` to homogeneous screen coordinates ``(B, P, 3)``.

        Returns ``(x, y, w)`` with ``w = -z_cam`` (distance along the view axis) and
        ``x / w``, ``y / w`` in NDC: [-1, 1] spans the image, +y up; ``aspect = W / H``.
        """
        pc = self.to_camera(points)  # (B, P, 3)
        f = 1.0 / torch.tan(torch.deg2rad(self.fov) / 2)  # (B,)
        return torch.stack([pc[..., 0] * (f / aspect)[:, None], pc[..., 1] * f[:, None], -pc[..., 2]], dim=-1)

    def project(self, points: torch.Tensor, image_size) -> torch.Tensor:
        """World points ``(P, 3)`` to pixel coordinates ``(B, P, 2)`` as (col, row), row 0 at the top.

        Pixel ``(i, j)`` has its centre at ``(j + 0.5, i + 0.5)``. Points behind the camera give
        meaningless coordinates; check the sign of :meth:`to_clip`'s ``w``.
        """

        H, W = _isz(image_size)
        c = self.to_clip(points, aspect=W / H)
        ndc = c[..., :2] / c[..., 2:]
        return torch.stack([(ndc[..., 0] + 1) * W / 2, (1 - ndc[..., 1]) * H / 2], dim=-1)


def view_eye(dist, elev, azim, at=(0.0, 0.0, 0.0)) -> torch.Tensor:
    """Camera positions from spherical view angles: (B, 3) float32.

    Args:
        dist: scalar or (B,) distances from ``at``.
        elev: scalar or (B,) elevation in degrees above the xz-plane.
        azim: scalar or (B,) azimuth in degrees about +y; 0 is on +z, 90 on +x.
    """
    d, e, a = (as_tensor(t, n) for t, n in ((dist, "dist"), (elev, "elev"), (azim, "azim")))
    d, e, a = torch.broadcast_tensors(d.reshape(-1), e.reshape(-1), a.reshape(-1))
    e, a = torch.deg2rad(e), torch.deg2rad(a)
    eye = torch.stack([d * torch.cos(e) * torch.sin(a), d * torch.sin(e), d * torch.cos(e) * torch.cos(a)], -1)
    return eye + as_tensor(at, "at").reshape(1, 3)


def orbit(n: int, dist: float = 2.5, elev: float = 15.0, azim=None, at=(0.0, 0.0, 0.0),
          fov: float = 40.0, device=None) -> Cameras:
    """``n`` cameras evenly spaced in azimuth (or at the given ``azim`` list) around ``at``.

    Args:
        n: number of views (> 0).
        dist, elev: scalar or (n,) distance and elevation in degrees.
        azim: None for ``360 * k / n``, or (n,) azimuths in degrees.
    """
    n = positive_int(n, "n")
    if azim is None:
        azim = torch.arange(n, dtype=torch.float32) * (360.0 / n)
    azim = as_tensor(azim, "azim").reshape(-1)
    if azim.numel() != n:
        raise ValueError(f"orbit: expected {n} azimuths, got {azim.numel()}")
    eye = view_eye(dist, elev, azim, at)
    if eye.shape[0] != n:
        raise ValueError(f"orbit: dist/elev must be scalars or have {n} entries, got {eye.shape[0]} views")
    return Cameras.look_at(eye, at=at, fov=fov, device=device)


def _uniform(n: int, r, name: str, generator) -> torch.Tensor:
    lo, hi = value_range(r, name)
    return lo + (hi - lo) * torch.rand(n, generator=generator)


def sample_views(n: int, dist=(2.2, 3.0), elev=(-10.0, 40.0), azim=(0.0, 360.0), at=(0.0, 0.0, 0.0),
                 fov=40.0, generator: torch.Generator | None = None, device=None) -> Cameras:
    """``n`` cameras with distance, elevation and azimuth drawn uniformly from ranges.

    Each range is a number (fixed) or ``(lo, hi)``. Draws use ``generator`` (a CPU
    ``torch.Generator``) so a seeded generator gives the same views on any device.
    """
    n = positive_int(n, "n")
    if value_range(dist, "dist")[0] <= 0:
        raise ValueError(f"dist: expected positive distances, got range {dist!r}")
    d = _uniform(n, dist, "dist", generator)
    e = _uniform(n, elev, "elev", generator)
    a = _uniform(n, azim, "azim", generator)
    return Cameras.look_at(view_eye(d, e, a, at), at=at, fov=fov, device=device)
