"""One small set of boundary checkers shared by every public function.

Each raises ``TypeError`` (wrong type/dtype) or ``ValueError`` (wrong shape/range) with a
message that says what was expected and what arrived.
"""
from __future__ import annotations

from typing import Sequence

import torch

__all__: list[str] = []


def _describe(x) -> str:
    if isinstance(x, torch.Tensor):
        return f"tensor of shape {tuple(x.shape)} and dtype {x.dtype}"
    return f"{type(x).__name__} {x!r}"[:120]


def as_tensor(x, name: str, *, dtype=torch.float32, device=None, keep_float: bool = False) -> torch.Tensor:
    """Convert numbers, sequences, numpy arrays or tensors to a tensor of ``dtype``.

    With ``keep_float``, a floating-point tensor keeps its own precision (e.g. float64 for
    gradcheck) instead of being cast to ``dtype``.
    """
    if isinstance(x, torch.Tensor):
        if keep_float and x.is_floating_point():
            return x.to(device=device if device is not None else x.device)
        if x.is_complex() or (dtype.is_floating_point and x.dtype == torch.bool):
            raise TypeError(f"{name}: expected a real {dtype} tensor, got {_describe(x)}")
        if not dtype.is_floating_point and x.is_floating_point():
            raise TypeError(f"{name}: expected an integer tensor, got {_describe(x)}")
        return x.to(dtype=dtype, device=device if device is not None else x.device)
    try:
        t = torch.as_tensor(x, dtype=dtype, device=device)
    except (TypeError, ValueError, RuntimeError) as e:
        raise TypeError(f"{name}: expected numbers convertible to {dtype}, got {_describe(x)}") from e
    return t


def check_shape(x: torch.Tensor, name: str, shape: Sequence[int | None | str]) -> None:
    """Check ``x.shape`` against ``shape``; ``None`` matches any size (like a named dim)."""
    ok = x.dim() == len(shape) and all(
        s is None or isinstance(s, str) or s == n for s, n in zip(shape, x.shape)
    )
    if not ok:
        want = "(" + ", ".join("?" if s is None else str(s) for s in shape) + (",)" if len(shape) == 1 else ")")
        raise ValueError(f"{name}: expected shape {want}, got {tuple(x.shape)}")


def check_finite(x: torch.Tensor, name: str) -> None:
    if x.is_floating_point() and not bool(torch.isfinite(x).all()):
        n = int((~torch.isfinite(x)).sum())
        raise ValueError(f"{name}: expected finite values, got {n} NaN/inf entries")


def check_range(x: torch.Tensor, name: str, lo: float = 0.0, hi: float = 1.0) -> None:
    """``x`` finite and in [lo, hi]: one ``aminmax`` pass (NaN and inf fail it), details on failure only."""
    x = x.detach()
    if not x.numel():
        return
    mn, mx = (float(v) for v in torch.aminmax(x if x.dtype != torch.bool else x.to(torch.uint8)))
    if lo <= mn and mx <= hi:  # False for NaN
        return
    check_finite(x, name)
    raise ValueError(f"{name}: expected values in [{lo:g}, {hi:g}], got range [{mn:.4g}, {mx:.4g}]")


def check_image(x, name: str, *, channels_last: bool = True) -> torch.Tensor:
    """Validate an image batch: ``(B, H, W, 3)`` (or ``(B, 3, H, W)``) float in [0, 1]."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name}: expected a torch.Tensor, got {_describe(x)}")
    if not x.is_floating_point():
        raise TypeError(f"{name}: expected a floating-point tensor in [0, 1], got {_describe(x)}")
    check_shape(x, name, ("B", "H", "W", 3) if channels_last else ("B", 3, "H", "W"))
    check_range(x, name)
    return x


def positive_int(x, name: str) -> int:
    if isinstance(x, bool) or not isinstance(x, (int,)) and not (
        isinstance(x, torch.Tensor) and x.numel() == 1 and not x.is_floating_point()
    ):
        raise TypeError(f"{name}: expected a positive int, got {_describe(x)}")
    x = int(x)
    if x <= 0:
        raise ValueError(f"{name}: expected a positive int, got {x}")
    return x


def image_size(size, name: str = "image_size") -> tuple[int, int]:
    """Normalise an image size given as ``int`` or ``(H, W)`` to ``(H, W)``."""
    if isinstance(size, (tuple, list)):
        if len(size) != 2:
            raise ValueError(f"{name}: expected an int or (H, W), got {size!r}")
        return positive_int(size[0], name), positive_int(size[1], name)
    s = positive_int(size, name)
    return s, s
