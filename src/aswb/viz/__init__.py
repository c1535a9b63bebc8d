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
from ._base import BAD, GOOD  # noqa: F401  (caption colours, public)
from .grids import confidence_grid, image_grid, show_images
from .plots import heatmap, p_true_curve, palette
from .renders import orbit_views, turntable
from .textures import render_diff, texture_diff

__all__ = ["image_grid", "show_images", "confidence_grid", "p_true_curve", "heatmap", "texture_diff",
           "orbit_views", "turntable", "render_diff", "palette"]
