"""Image grids: a labelled PIL picture, and figures with captions or p_true under each image."""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ._base import (BAD, GOOD, _as_array, _count, _labels, _figure, _as_images, _values, _strings, _probabilities, _interpolation, _bare)

__all__ = ["image_grid", "show_images", "confidence_grid"]


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


def show_images(images, titles=None, ncols: int = 8, row_labels=None, colors=None, suptitle: str | None = None,
                size: float = 1.5):
    """Images in a grid, filled row by row, with a caption under each.

    Args:
        images: (N, H, W, 3) (renderer) or (N, 3, H, W) (classifier) float in [0, 1], a torch
            tensor (any device) or numpy array.
        titles: N captions drawn under the images (a list, array or Series of str), or None.
        ncols: columns (> 0); rows = ceil(N / ncols). Use ``ncols=n`` to give each of several
            stacked variants (e.g. original, assistive) its own row.
        row_labels: one label per row, drawn left of it, or None.
        colors: N matplotlib colours for the captions, or None (black).
        suptitle: a title over the grid.
        size: inches per image.
    Returns:
        ``matplotlib.figure.Figure`` with one Axes per cell.
    """
    arr = _as_images(images)
    N = len(arr)
    cols = min(_count(ncols, "ncols"), N)
    rows = math.ceil(N / cols)
    titles = _strings(titles, N, "titles")
    colors = None if colors is None else _values(colors, N, "colors").tolist()
    row_labels = _strings(row_labels, rows, "row_labels", f"row of {cols}")
    if isinstance(size, bool) or not isinstance(size, (int, float)) or not size > 0:
        raise ValueError(f"size: expected inches > 0, got {size!r}")
    fig = _figure(cols * size + (0.3 if row_labels else 0),
                  rows * size * (1.18 if titles else 1.0) + (0.35 if suptitle else 0))
    axes = fig.subplots(rows, cols, squeeze=False)
    for k, ax in enumerate(axes.flat):
        _bare(ax)
        if k >= N:
            ax.set_axis_off()
            continue
        ax.imshow(arr[k], interpolation=_interpolation(arr.shape[1], size, fig.dpi))
        if titles is not None:
            ax.set_xlabel(titles[k], fontsize=9, labelpad=2, color="black" if colors is None else colors[k])
    for r, s in enumerate(row_labels or ()):
        axes[r, 0].set_ylabel(s, fontsize=9)
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    return fig


def confidence_grid(images, p_true, correct=None, ncols: int = 8, row_labels=None, suptitle: str | None = None,
                    size: float = 1.5):
    """Images with the true-class confidence under each: green where the classifier predicts
    the true class, red with a ``×`` where it predicts another (the paper's Table 1 convention).

    Args:
        images: (N, H, W, 3) or (N, 3, H, W) float in [0, 1] (see :func:`show_images`).
        p_true: N true-class probabilities in [0, 1] (list, array, tensor or Series, e.g. a
            :func:`aswb.evaluate.confidence` frame's ``p_true`` column).
        correct: N bools (prediction == true class), or None for black captions.
        ncols, row_labels, suptitle, size: as in :func:`show_images`.
    Returns:
        ``matplotlib.figure.Figure``.
    """
    arr = _as_images(images)
    p = _probabilities(p_true, len(arr))
    if correct is None:
        return show_images(arr, [f"{v:.2f}" for v in p], ncols, row_labels, None, suptitle, size)
    ok = _values(correct, len(arr), "correct")
    if ok.dtype != np.bool_:
        raise TypeError(f"correct: expected {len(arr)} bools, got dtype {ok.dtype}")
    titles = [f"{v:.2f}" if c else f"{v:.2f} ×" for v, c in zip(p, ok)]
    return show_images(arr, titles, ncols, row_labels, [GOOD if c else BAD for c in ok], suptitle, size)
