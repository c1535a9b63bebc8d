"""Figures: labelled image grids."""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from ._checks import _describe

__all__ = ["image_grid"]


def image_grid(images, rows: int, cols: int | None = None, row_labels: Sequence[str] | None = None,
               col_labels: Sequence[str] | None = None, pad: int = 2) -> Image.Image:
    """Tile images into one labelled RGB picture, filled row by row.

    Args:
        images: (N, H, W, 3) float in [0, 1], a torch tensor (any device, detached here)
            or a numpy array.
        rows: number of rows (> 0).
        cols: number of columns; None means ``ceil(N / rows)``. Needs ``rows * cols >= N``;
            cells past the last image stay white.
        row_labels: ``rows`` strings drawn left of each row, or None.
        col_labels: ``cols`` strings drawn above each column, or None.
        pad: white pixels between cells and around the border (>= 0).
    Returns:
        a ``PIL.Image`` in mode ``"RGB"``.
    """
    arr = _as_array(images)
    N, H, W, _ = arr.shape
    rows = _count(rows, "rows")
    cols = math.ceil(N / rows) if cols is None else _count(cols, "cols")
    if rows * cols < N:
        raise ValueError(f"image_grid: {N} images do not fit in {rows} rows x {cols} cols")
    if isinstance(pad, bool) or not isinstance(pad, int) or pad < 0:
        raise ValueError(f"pad: expected an int >= 0, got {pad!r}")
    row_labels = _labels(row_labels, rows, "row_labels")
    col_labels = _labels(col_labels, cols, "col_labels")

    font = ImageFont.load_default()
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    size = lambda s: measure.textbbox((0, 0), s, font=font)[2:]  # noqa: E731  (width, height)
    left = max((size(s)[0] for s in row_labels), default=0) + 2 * pad if row_labels else 0
    top = max((size(s)[1] for s in col_labels), default=0) + 2 * pad if col_labels else 0

    grid = Image.new("RGB", (left + cols * (W + pad) + pad, top + rows * (H + pad) + pad), "white")
    img8 = (arr * 255 + 0.5).astype(np.uint8)  # (N, H, W, 3)
    for k in range(N):
        r, c = divmod(k, cols)
        grid.paste(Image.fromarray(img8[k]), (left + pad + c * (W + pad), top + pad + r * (H + pad)))
    draw = ImageDraw.Draw(grid)
    for r, s in enumerate(row_labels or ()):
        w, h = size(s)
        draw.text((pad, top + pad + r * (H + pad) + (H - h) // 2), s, fill="black", font=font)
    for c, s in enumerate(col_labels or ()):
        w, h = size(s)
        draw.text((left + pad + c * (W + pad) + (W - w) // 2, pad), s, fill="black", font=font)
    return grid


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
