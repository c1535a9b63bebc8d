"""Shared plumbing of the figures: argument checks, pyplot-free figures, image arrays."""
from __future__ import annotations

import functools
import io

import numpy as np
import torch

from .._checks import _describe

__all__: list[str] = []


def _as_array(images) -> np.ndarray:
    if isinstance(images, torch.Tensor):
        if not images.is_floating_point():
            raise TypeError(f"images: expected a float tensor in [0, 1], got {_describe(images)}")
        images = images.detach().cpu().float().numpy()
    elif isinstance(images, np.ndarray):
        if not np.issubdtype(images.dtype, np.floating):
            raise TypeError(f"images: expected a float array in [0, 1], got dtype {images.dtype} "
                            "(convert uint8 images with img / 255)")
    else:
        raise TypeError(f"images: expected a torch.Tensor or numpy array (N, H, W, 3), "
                        f"got {_describe(images)}")
    if images.ndim != 4 or images.shape[-1] != 3 or 0 in images.shape:
        raise ValueError(f"images: expected shape (N, H, W, 3) with N, H, W > 0, "
                         f"got {tuple(images.shape)}")
    if not np.isfinite(images).all():
        bad = int((~np.isfinite(images)).sum())
        raise ValueError(f"images: expected finite values in [0, 1], got {bad} NaN/inf")
    if images.min() < 0 or images.max() > 1:
        raise ValueError(f"images: expected values in [0, 1], "
                         f"got range [{images.min():.4g}, {images.max():.4g}]")
    return images


def _count(x, name: str) -> int:
    if isinstance(x, bool) or not isinstance(x, int):
        raise TypeError(f"{name}: expected a positive int, got {_describe(x)}")
    if x <= 0:
        raise ValueError(f"{name}: expected a positive int, got {x}")
    return x


def _labels(labels, n: int, name: str) -> list[str] | None:
    if labels is None:
        return None
    if not isinstance(labels, (list, tuple)) or not all(isinstance(s, str) for s in labels):
        raise TypeError(f"{name}: expected a sequence of str, got {_describe(labels)}")
    if len(labels) != n:
        raise ValueError(f"{name}: expected {n} labels, got {len(labels)}")
    return list(labels)


# -- matplotlib figures -------------------------------------------------------------------

GOOD, BAD = "#1a7f37", "#cf222e"  # caption colours: true class predicted / another class


@functools.cache
def _figure_class():
    from matplotlib.figure import Figure as _Base

    class Figure(_Base):
        """A matplotlib Figure that Jupyter shows as a PNG even where pyplot (which sets up the
        inline backend's display hook) was never imported."""

        def _repr_png_(self) -> bytes:
            buf = io.BytesIO()
            self.savefig(buf, format="png", bbox_inches="tight")
            return buf.getvalue()

    return Figure


def _figure(width: float, height: float):
    return _figure_class()(figsize=(width, height), layout="constrained")


def _as_images(images) -> np.ndarray:
    """(N, H, W, 3) numpy float in [0, 1] from channels-last or channels-first (N, 3, H, W) input."""
    shape = getattr(images, "shape", None)
    if shape is not None and len(shape) == 4 and shape[-1] != 3 and shape[1] == 3:
        images = images.permute(0, 2, 3, 1) if isinstance(images, torch.Tensor) else np.moveaxis(images, 1, -1)
    return _as_array(images)


def _values(x, n: int, name: str, per: str = "image") -> np.ndarray:
    """A length-``n`` 1D numpy array from a list, numpy array, pandas Series or tensor."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    if isinstance(x, (str, bytes)) or not hasattr(x, "__len__"):
        raise TypeError(f"{name}: expected a sequence of {n} values, got {_describe(x)}")
    a = np.asarray(list(x) if not isinstance(x, np.ndarray) else x)
    if a.ndim != 1 or len(a) != n:
        raise ValueError(f"{name}: expected {n} values (one per {per}), got shape {a.shape}")
    return a


def _strings(x, n: int, name: str, per: str = "image") -> list[str] | None:
    if x is None:
        return None
    a = _values(x, n, name, per)
    if not all(isinstance(s, str) for s in a.tolist()):
        raise TypeError(f"{name}: expected {n} strings, got {_describe(x)}")
    return a.tolist()


def _probabilities(x, n: int, name: str = "p_true") -> np.ndarray:
    a = _values(x, n, name)
    if not np.issubdtype(a.dtype, np.number) or np.issubdtype(a.dtype, np.bool_):
        raise TypeError(f"{name}: expected numbers in [0, 1], got dtype {a.dtype}")
    a = a.astype(float)
    if not np.isfinite(a).all() or a.min() < 0 or a.max() > 1:
        raise ValueError(f"{name}: expected finite values in [0, 1], got range [{a.min():.4g}, {a.max():.4g}]")
    return a


def _interpolation(pixels: int, inches: float, dpi: float) -> str:
    """``"nearest"`` where an image of ``pixels`` rows is drawn larger than its size (crisp
    pixels instead of a blur, and PNGs that compress several times better), else
    ``"antialiased"`` (a filtered downscale)."""
    return "nearest" if pixels <= inches * dpi else "antialiased"


def _bare(ax) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_visible(False)
