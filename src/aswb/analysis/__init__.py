"""Analyses beyond the optimisation engine: adversarial views and lights, which classes a
texture pushes towards, and what colours it is made of.

- :func:`worst_case_views`: a gradient-free search over camera and light parameters for the
  views on which an object is recognised worst (visibility is not differentiable, so
  candidates are sampled, rendered in batches and the worst kept, then refined locally).
- :func:`pushes_towards`: mean change of every class's probability when a texture replaces
  the original one (robust patterns: what else does the texture look like?).
- :func:`color_stats` / :func:`dominant_colors` / :func:`used_texels`: k-means palettes
  (torch only) of the original and the signal, shares of named colours, and how the
  signal's palette, brightness, saturation and edge density differ.
- :func:`class_likeness`: how much a perturbation looks like a class (correlation with the
  class's mean image; what a classifier sees in it alone).
"""
from .colors import COLOR_NAMES, ColorStats, color_names, color_stats, dominant_colors, used_texels
from .likeness import class_likeness, perturbation_image
from .pushes import pushes_towards
from .worst_views import VIEW_PARAMS, WorstViews, worst_case_views

__all__ = ["WorstViews", "worst_case_views", "VIEW_PARAMS", "pushes_towards", "ColorStats", "color_stats",
           "dominant_colors", "color_names", "COLOR_NAMES", "used_texels", "class_likeness", "perturbation_image"]
