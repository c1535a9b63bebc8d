"""Plots of numbers: confidence against a swept setting, annotated matrices, colour palettes."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .._checks import _describe
from ..analysis import ColorStats
from ._base import _figure

__all__ = ["p_true_curve", "heatmap", "palette"]


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
