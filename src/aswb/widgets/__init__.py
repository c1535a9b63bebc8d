"""Interactive panels for JupyterLab: sliders wired to package functions, nothing more.

- :func:`perturbation_panel`: ε, steps, α, mask, norm, direction and classifier controls that
  re-run :func:`aswb.signals.assist_image` (or :func:`~aswb.signals.attack_image`) and show
  original, δ and result with p_true under each image.
- :func:`texture_panel`: orbit a textured object (view and light sliders) and compare p_true of
  the original and the assistive texture.
- :func:`square_mask`, :func:`image_region_mask`: the panels' pixel masks (defined in
  :mod:`aswb.signals.regions`, re-exported here).

Each panel is an object whose controls are attributes (``panel.eps``, ``panel.azim`` ...) and
whose :meth:`update` recomputes and redraws; a control change calls it. Displaying the panel
(last expression of a cell) shows ``panel.widget``. Without a browser, tests set
``panel.eps.value = ...`` and read ``panel.summary.value``.
"""
from ..signals.regions import MASK_MODES, image_region_mask, square_mask
from .perturbation import PerturbationPanel, perturbation_panel
from .texture import TexturePanel, texture_panel

__all__ = ["PerturbationPanel", "perturbation_panel", "TexturePanel", "texture_panel", "square_mask",
           "image_region_mask", "MASK_MODES"]
