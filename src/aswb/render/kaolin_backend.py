"""NVIDIA Kaolin rasterisation backend (CUDA only, optional).

Kaolin decides visibility (which face is nearest at each pixel); barycentrics and depth
are then computed by :mod:`aswb.render.raster` with the same exact formula as the torch
backend, so both backends return the same :class:`~aswb.render.raster.Fragments` wherever
they agree on visibility. Kaolin does not clip, so faces with a corner nearer than the
near plane are dropped from its input (the torch backend clips them per pixel).
"""
from __future__ import annotations

import torch

__all__ = ["kaolin_face_idx", "import_kaolin"]

_HINT = (
    "NVIDIA Kaolin is not installed (it is not on PyPI: the 'kaolin' name there is an empty "
    "placeholder). Install the wheel matching your torch and CUDA versions from NVIDIA's index, "
    "e.g. pip install kaolin -f https://nvidia-kaolin.s3.us-east-2.amazonaws.com/"
    "torch-<torch version>_cu<cuda version>.html, or use backend='torch'."
)


def import_kaolin():
    """Import kaolin or raise ImportError with install instructions."""
    try:
        import kaolin
    except ImportError as e:
        raise ImportError(_HINT) from e
    return kaolin


def kaolin_face_idx(fc: torch.Tensor, valid: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Visible face per pixel from Kaolin.

    Args:
        fc: (B, F, 3, 3) float32 homogeneous screen corners (x, y, w), w = distance along the view axis.
        valid: (B, F) bool faces to draw.
        size: (H, W).
    Returns:
        (B, H, W) int64 face index, -1 for background.
    """
    kaolin = import_kaolin()
    if fc.device.type != "cuda":
        raise TypeError(f"backend='kaolin' needs the mesh and cameras on CUDA, got {fc.device}")
    H, W = size
    w = fc[..., 2]  # (B, F, 3)
    valid = valid & (w > 0).all(-1)  # no clipping in Kaolin: faces crossing the eye plane dropped
    img = fc[..., :2] / w.clamp_min(1e-12)[..., None]  # (B, F, 3, 2) NDC, +y up
    z = -w  # camera-space z: negative in front; Kaolin keeps the largest z (nearest)
    B, F = valid.shape
    feats = torch.ones(B, F, 3, 1, device=fc.device)
    _, face_idx = kaolin.render.mesh.rasterize(H, W, z.contiguous(), img.contiguous(), feats,
                                               valid_faces=valid, backend="cuda")
    return face_idx.long()
