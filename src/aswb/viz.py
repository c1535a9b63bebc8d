"""Figures people would rather look at than read.

- :func:`image_grid`: a labelled PIL picture of images (for files and READMEs)
- :func:`show_images`, :func:`confidence_grid`: image grids with captions / p_true under each
- :func:`p_true_curve`: confidence against a swept setting (ε, steps, area ...)
- :func:`heatmap`: annotated matrices (transfer matrices, Table 1 / Table 2 layouts)
- :func:`texture_diff`: texture, signal and |difference| side by side
- :func:`orbit_views` / :func:`turntable`: a mesh seen from around, with p_true under each view
- :func:`render_diff`, :func:`palette`: renders of two colourings and their difference; the
  dominant colours of :func:`aswb.analysis.color_stats`

Every plotting function returns a ``matplotlib.figure.Figure`` built without pyplot (no
global state; nothing to close) and shows itself as a PNG when it ends a Jupyter cell.
"""
from __future__ import annotations

import functools
import io
import math
from typing import Sequence

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from ._checks import _describe

__all__ = ["image_grid", "show_images", "confidence_grid", "p_true_curve", "heatmap", "texture_diff",
           "orbit_views", "turntable", "render_diff", "palette"]


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


def p_true_curve(df, x: str = "eps", y="p_true", hue: str | None = None, band: str | None = "sem",
                 logx: bool = False, ylim=None, title: str | None = None, xlabel: str | None = None,
                 ylabel: str | None = None, size=(4.5, 3.0)):
    """Mean confidence against a swept setting, one line per group, with a shaded band.

    Args:
        df: a tidy ``pandas.DataFrame`` (e.g. one :func:`aswb.evaluate.confidence` frame per
            setting, concatenated with the setting as a column), or one row per setting
            (e.g. :func:`aswb.signals.sweep_table`).
        x: the numeric column on the x axis (``"eps"``, ``"steps"``, ``"area"`` ...).
        y: the column to average (``"p_true"``), or a list of columns drawn as separate lines
            (e.g. ``["p_true_before", "p_true_after"]``; then ``hue`` must be None).
        hue: a column whose values get one line each (``"variant"``, ``"model"``), or None.
        band: ``"sem"`` (mean ± standard error), ``"std"`` (± standard deviation) or None;
            drawn where an x value has more than one row.
        logx: logarithmic x axis. ylim: (lo, hi) or None (automatic).
    Returns:
        ``matplotlib.figure.Figure`` with one Axes.
    """
    import pandas as pd

    if not isinstance(df, pd.DataFrame) or df.empty:
        raise TypeError(f"df: expected a non-empty pandas DataFrame, got {_describe(df)}")
    ys = [y] if isinstance(y, str) else list(y) if isinstance(y, (list, tuple)) else None
    if not ys or not all(isinstance(c, str) for c in ys):
        raise TypeError(f"y: expected a column name or a list of them, got {_describe(y)}")
    if len(ys) > 1 and hue is not None:
        raise ValueError("p_true_curve: give either several y columns or a hue column, not both")
    missing = [c for c in [x, *ys] + ([hue] if hue is not None else []) if c not in df.columns]
    if missing:
        raise ValueError(f"p_true_curve: column(s) {missing} not in the frame; it has {list(df.columns)}")
    for c in [x, *ys]:
        if not pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c]):
            raise TypeError(f"p_true_curve: column {c!r} must be numeric, got dtype {df[c].dtype}")
    if band not in ("sem", "std", None):
        raise ValueError(f"band: expected 'sem', 'std' or None, got {band!r}")
    fig = _figure(*size)
    ax = fig.subplots()
    groups = [(c, c, df) for c in ys] if hue is None else [(ys[0], str(h), g) for h, g in df.groupby(hue, sort=False)]
    for col, name, g in groups:
        s = g.groupby(x)[col].agg(["mean", "std", "count"]).sort_index()
        line, = ax.plot(s.index, s["mean"], marker="o" if len(s) <= 30 else None, ms=4, label=name)
        if band is not None and (s["count"] > 1).any():
            w = s["std"].fillna(0) / (np.sqrt(s["count"]) if band == "sem" else 1)
            ax.fill_between(s.index, s["mean"] - w, s["mean"] + w, color=line.get_color(), alpha=0.2, lw=0)
    if logx:
        ax.set_xscale("log")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel(xlabel or x)
    ax.set_ylabel(ylabel or (ys[0] if len(ys) == 1 else "value"))
    ax.grid(alpha=0.3)
    if len(groups) > 1:
        ax.legend(fontsize=8, title=hue, title_fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    return fig


def heatmap(matrix, fmt: str = ".2f", cmap: str = "RdYlGn", vmin: float | None = None, vmax: float | None = None,
            center: float | None = None, title: str | None = None, xlabel: str | None = None,
            ylabel: str | None = None, colorbar: bool = True, size=None):
    """A matrix as coloured cells with the value written in each, e.g. a transfer matrix
    (source classifier x target classifier) or the paper's Table 1 layout.

    Args:
        matrix: ``pandas.DataFrame``; rows and columns become the axes (MultiIndex labels are
            joined over two lines). Cells are numbers, or strings: numeric strings (``"0.88"``)
            are coloured by value, others (``"x"``: wrong prediction) are written on grey.
        fmt: format spec of numeric cells.
        cmap: matplotlib colormap; vmin/vmax: colour limits (default: the data's).
        center: a value mapped to the middle of the colormap with limits symmetric about it
            (e.g. ``0`` for Δp_true), or None.
        colorbar: draw a colour bar. size: (width, height) inches, default from the shape.
    Returns:
        ``matplotlib.figure.Figure`` with the matrix Axes (and a colour bar).
    """
    import pandas as pd
    from matplotlib import colormaps
    from matplotlib.colors import Normalize

    if not isinstance(matrix, pd.DataFrame) or matrix.empty:
        raise TypeError(f"matrix: expected a non-empty pandas DataFrame, got {_describe(matrix)}")
    try:
        format(0.5, fmt)
    except (ValueError, TypeError):
        raise ValueError(f"fmt: expected a format spec such as '.2f', got {fmt!r}") from None
    if cmap not in colormaps:
        raise ValueError(f"cmap: unknown colormap {cmap!r}")
    vals = matrix.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)  # (R, C), NaN = not a number
    if not np.isfinite(vals).any() and vmin is None and vmax is None:
        vmin, vmax = 0.0, 1.0
    lo = np.nanmin(vals) if vmin is None else vmin
    hi = np.nanmax(vals) if vmax is None else vmax
    if center is not None:
        span = max(abs(hi - center), abs(center - lo), 1e-12)
        lo, hi = center - span, center + span
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    norm = Normalize(lo, hi)
    cm = colormaps[cmap].with_extremes(bad="#dddddd")
    R, C = vals.shape
    fig = _figure(*(size or (1.0 + 0.75 * C + (1.0 if colorbar else 0), 0.9 + 0.42 * R)))
    ax = fig.subplots()
    im = ax.imshow(np.ma.masked_invalid(vals), cmap=cm, norm=norm, aspect="auto")
    label = lambda k: "\n".join(map(str, k)) if isinstance(k, tuple) else str(k)  # noqa: E731
    ax.set_xticks(range(C), [label(k) for k in matrix.columns], fontsize=8)
    ax.set_yticks(range(R), [label(k) for k in matrix.index], fontsize=8)
    ax.tick_params(length=0)
    ax.xaxis.tick_top()
    for i in range(R):
        for j in range(C):
            v, raw = vals[i, j], matrix.iat[i, j]
            if np.isfinite(v):
                r, g, b, _ = cm(norm(v))
                text, color = format(v, fmt), "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"
            else:
                text, color = ("" if raw is None or (isinstance(raw, float) and np.isnan(raw)) else str(raw)), "black"
            ax.text(j, i, text, ha="center", va="center", fontsize=8, color=color)
    if colorbar and np.isfinite(vals).any():
        fig.colorbar(im, ax=ax, shrink=0.8)
    if xlabel:
        ax.set_xlabel(xlabel)
        ax.xaxis.set_label_position("top")
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=10)
    return fig


def _texture(x, name: str) -> np.ndarray:
    if not isinstance(x, (torch.Tensor, np.ndarray)):
        raise TypeError(f"{name}: expected a (Ht, Wt, 3) texture tensor or array, got {_describe(x)}")
    if x.ndim != 3 or x.shape[-1] != 3:
        raise ValueError(f"{name}: expected a UV texture of shape (Ht, Wt, 3), got {tuple(x.shape)}")
    return _as_array(x[None])[0]


def texture_diff(original, signal=None, mask=None, titles=("original", "assistive", "|difference|"),
                 suptitle: str | None = None, size: float = 3.0):
    """A texture, the optimised one and where they differ, side by side.

    Args:
        original: (Ht, Wt, 3) float in [0, 1] UV texture (tensor or array), or a
            :class:`~aswb.signals.SignalResult` of kind ``"uv"`` or ``"patch"`` (then
            ``signal`` and ``mask`` default to the result's).
        signal: (Ht, Wt, 3) float in [0, 1], the same shape as ``original``.
        mask: (Ht, Wt) bool, the region the signal could change (outlined in cyan), or None.
        titles: three panel titles; the third gets the largest change appended.
        size: inches per panel.
    Returns:
        ``matplotlib.figure.Figure``: original | signal | per-texel max over RGB of
        |signal - original| (colormap ``magma``, from 0 to the largest change, with a colour bar).
    """
    from .signals import SignalResult

    if isinstance(original, SignalResult):
        res = original
        if res.kind not in ("uv", "patch"):
            raise ValueError(f"texture_diff: shows UV textures and patches, got a {res.kind!r} result "
                             "(render vertex colours with aswb.viz.turntable)")
        perm = (lambda t: t.permute(1, 2, 0)) if res.kind == "patch" else (lambda t: t)  # (3, h, w) -> (h, w, 3)
        original, signal = perm(res.original), perm(res.signal) if signal is None else signal
        mask = res.mask if mask is None else mask
    if signal is None:
        raise TypeError("texture_diff: expected (original, signal) textures or a SignalResult")
    a, b = _texture(original, "original"), _texture(signal, "signal")
    if a.shape != b.shape:
        raise ValueError(f"signal: expected the shape of original {a.shape}, got {b.shape}")
    if mask is not None:
        mask = mask.detach().cpu().numpy() if isinstance(mask, torch.Tensor) else np.asarray(mask)
        if mask.dtype != np.bool_ or mask.shape != a.shape[:2]:
            raise ValueError(f"mask: expected a bool mask of shape {a.shape[:2]}, got {mask.dtype} {mask.shape}")
    titles = _strings(titles, 3, "titles", "panel")
    diff = np.abs(b - a).max(-1)  # (Ht, Wt)
    fig = _figure(3 * size + 0.6, size + (0.5 if suptitle else 0.3))
    axes = fig.subplots(1, 3)
    interp = _interpolation(a.shape[0], size, fig.dpi)
    axes[0].imshow(a, interpolation=interp)
    axes[1].imshow(b, interpolation=interp)
    im = axes[2].imshow(diff, cmap="magma", vmin=0, vmax=max(float(diff.max()), 1e-6), interpolation=interp)
    fig.colorbar(im, ax=axes[2], shrink=0.8)
    for ax, t in zip(axes, titles[:2] + [f"{titles[2]} (max {diff.max():.3f})"]):
        _bare(ax)
        ax.set_title(t, fontsize=9)
    if mask is not None and mask.any() and not mask.all():
        for ax in axes[1:]:
            ax.contour(mask.astype(float), levels=[0.5], colors="cyan", linewidths=0.7)
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    return fig


def _colors_kwargs(mesh, colors) -> dict:
    """``colors`` -> Scene.render keyword: {} (the mesh's own), texture= or vertex_colors=."""
    from .signals import SignalResult

    if colors is None:
        return {}
    if isinstance(colors, SignalResult):
        if colors.kind not in ("uv", "vertex"):
            raise ValueError(f"colors: a {colors.kind!r} result is not a mesh colouring (expected 'uv' or 'vertex')")
        colors = colors.signal
    if not isinstance(colors, torch.Tensor) or not colors.is_floating_point():
        raise TypeError(f"colors: expected None, a SignalResult, a (Ht, Wt, 3) texture or (V, 3) vertex colours "
                        f"as a float tensor, got {_describe(colors)}")
    colors = colors.detach().to(mesh.device)
    if colors.dim() == 3 and colors.shape[-1] == 3:
        return {"texture": colors}
    if colors.shape == (mesh.num_verts, 3):
        return {"vertex_colors": colors}
    raise ValueError(f"colors: expected a (Ht, Wt, 3) texture or ({mesh.num_verts}, 3) vertex colours, "
                     f"got shape {tuple(colors.shape)}")


@torch.no_grad()
def orbit_views(mesh, n: int = 8, colors=None, image_size: int = 96, dist: float = 2.6, elev: float = 20.0,
                lights=None, background=(1.0, 1.0, 1.0), supersample: int = 2) -> torch.Tensor:
    """Render ``n`` views evenly spaced in azimuth around a mesh (a turntable).

    Args:
        mesh: :class:`aswb.render.Mesh`.
        n: views (> 0), azimuth ``360 * k / n`` degrees.
        colors: None (the mesh's own), a (Ht, Wt, 3) UV texture, (V, 3) vertex colours, or a
            :class:`~aswb.signals.SignalResult` of kind ``"uv"``/``"vertex"``; float in [0, 1].
        image_size: pixels. dist, elev: camera distance and elevation (degrees).
        lights: :class:`aswb.render.Lights` (1 or n entries), or None for a light above and
            slightly behind each camera (every view equally lit).
        background: (3,) RGB or (n, H, W, 3) images in [0, 1].
    Returns:
        (n, image_size, image_size, 3) float32 in [0, 1] on the mesh's device.
    """
    from .render import Lights, Mesh, Scene, orbit

    if not isinstance(mesh, Mesh):
        raise TypeError(f"orbit_views: expected an aswb.render.Mesh, got {_describe(mesh)}")
    kw = _colors_kwargs(mesh, colors)
    cams = orbit(_count(n, "n"), dist=dist, elev=elev, device=mesh.device)
    if lights is None:
        up = torch.tensor([0.0, 1.0, 0.0], device=mesh.device)
        lights = Lights(ambient=0.45, direction=cams.eye / cams.eye.norm(dim=-1, keepdim=True) + 0.7 * up,
                        intensity=0.6)
    return Scene(mesh, cams, lights, image_size, background=background, supersample=supersample).render(**kw)


def turntable(mesh, colorings=None, classifier=None, label: int | None = None, n: int = 8, image_size: int = 96,
              dist: float = 2.6, elev: float = 20.0, lights=None, background=(1.0, 1.0, 1.0),
              suptitle: str | None = None, size: float = 1.3):
    """A mesh seen from ``n`` azimuths, one row per colouring, with the classifier's
    true-class confidence under each view (green: correct, red ×: another class).

    Args:
        mesh: :class:`aswb.render.Mesh`.
        colorings: None (the mesh's own colours), one colouring (see :func:`orbit_views`:
            texture, vertex colours or SignalResult), or {row name: colouring}.
        classifier: an :class:`aswb.models.Classifier` (e.g. ``world.classifiers["resnet18"]``)
            for the captions, or None for plain pictures.
        label: the true class index (needed with a classifier).
        n, image_size, dist, elev, lights, background: as in :func:`orbit_views`.
        size: inches per image.
    Returns:
        ``matplotlib.figure.Figure`` with ``len(colorings)`` rows of ``n`` views.
    """
    from .models import Classifier

    if colorings is None or not isinstance(colorings, dict):
        colorings = {"": colorings}
    if not colorings:
        raise ValueError("colorings: expected at least one colouring")
    if classifier is not None and not isinstance(classifier, Classifier):
        raise TypeError(f"classifier: expected an aswb.models.Classifier or None, got {_describe(classifier)}")
    if classifier is not None and (isinstance(label, bool) or not isinstance(label, int)
                                   or not 0 <= label < classifier.num_classes):
        raise ValueError(f"label: expected a class index in [0, {classifier.num_classes}) with a classifier, "
                         f"got {label!r}")
    imgs = torch.cat([orbit_views(mesh, n, c, image_size, dist, elev, lights, background)
                      for c in colorings.values()]).cpu()  # (R * n, H, W, 3)
    names = list(colorings) if any(colorings) else None
    if classifier is None:
        return show_images(imgs, ncols=n, row_labels=names, suptitle=suptitle, size=size)
    with torch.no_grad():
        p = classifier.probs(imgs.permute(0, 3, 1, 2).to(classifier.device)).cpu()  # (R * n, classes)
    title = suptitle if suptitle is not None else f"{classifier.name}: p({classifier.categories[label]})"
    return confidence_grid(imgs, p[:, label], p.argmax(1) == label, ncols=n, row_labels=names, suptitle=title,
                           size=size)


# -- analyses (aswb.analysis) ---------------------------------------------------------------

def render_diff(before, after, titles=None, row_labels=("original", "signal", "|difference|"),
                suptitle: str | None = None, size: float = 1.5):
    """Renders of two colourings on the same views and where they differ, one column per view.

    Args:
        before, after: (N, H, W, 3) or (N, 3, H, W) float in [0, 1], the same views (e.g.
            ``bank.render(texture=original)`` and ``bank.render(texture=signal)``).
        titles: N captions under the difference row, or None for the largest change per view.
        row_labels: three row labels.
        size: inches per image.
    Returns:
        ``matplotlib.figure.Figure``: 3 rows (before, after, per-pixel max over RGB of
        |after - before| on the ``magma`` colormap, scaled to the largest change of all views).
    """
    from matplotlib import colormaps

    a, b = _as_images(before), _as_images(after)
    if a.shape != b.shape:
        raise ValueError(f"after: expected the shape of before {a.shape}, got {b.shape}")
    N = len(a)
    d = np.abs(b - a).max(-1)  # (N, H, W)
    heat = colormaps["magma"](d / max(float(d.max()), 1e-6))[..., :3].astype(np.float32)  # (N, H, W, 3)
    titles = [f"max {v:.2f}" for v in d.reshape(N, -1).max(1)] if titles is None else _strings(titles, N, "titles")
    caps = [""] * (2 * N) + titles
    return show_images(np.concatenate([a, b, heat]), caps, ncols=N, row_labels=list(row_labels),
                       suptitle=suptitle, size=size)


def palette(stats, title: str | None = None, size=(6.0, 1.6)):
    """The dominant colours of an original colouring and of a signal, as bars of swatches.

    Args:
        stats: a :class:`aswb.analysis.ColorStats` (from :func:`aswb.analysis.color_stats`).
        title: a title over the figure.
        size: (width, height) inches.
    Returns:
        ``matplotlib.figure.Figure``: one row per colouring, each swatch as wide as its share
        of the texels and labelled with its colour name and share.
    """
    from .analysis import ColorStats

    if not isinstance(stats, ColorStats):
        raise TypeError(f"palette: expected an aswb.analysis.ColorStats, got {_describe(stats)}")
    fig = _figure(*size)
    ax = fig.subplots()
    rows = ["original", "signal"]
    for i, which in enumerate(rows):
        x = 0.0
        for r in stats.palette[stats.palette.which == which].itertuples(index=False):
            ax.barh(i, r.share, left=x, color=(r.r, r.g, r.b), edgecolor="white", height=0.8)
            if r.share >= 0.06:
                luma = 0.299 * r.r + 0.587 * r.g + 0.114 * r.b
                ax.text(x + r.share / 2, i, f"{r.name}\n{r.share:.2f}", ha="center", va="center", fontsize=7,
                        color="black" if luma > 0.5 else "white")
            x += r.share
    ax.set_yticks(range(len(rows)), rows, fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlabel("share of texels", fontsize=8)
    ax.tick_params(labelsize=7)
    if title:
        ax.set_title(title, fontsize=10)
    return fig
