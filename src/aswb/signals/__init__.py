"""Assistive signals: one optimisation loop, many parameterisations.

- 2D: :func:`assist_image` / :func:`attack_image` (full, masked, ε sweeps), :func:`universal_assist`,
  :func:`eot_patch` with :func:`apply_patch`
- 3D: :func:`assist_texture` (UV or vertex, full / masked / patch, fixed bank or fresh views)
- :func:`controls`: same-area trivial colourings every signal is compared with
- settings passed whole: :class:`ImageSettings`, :class:`UniversalSettings`, :class:`PatchSettings`
  (with :class:`PatchTransforms`), :class:`TextureSettings`
- building blocks: :class:`Constraint`, :func:`run` / :class:`LoopSettings` / :class:`Terms`, step rules
  (:class:`SignedGradient`, :class:`Adam`, :class:`Momentum`), loss terms,
  regions (:func:`face_patch`, :func:`part_faces`, :func:`faces_to_mask`; image regions
  :func:`square_mask`, :func:`image_region_mask`, :func:`patch_size`)
- results: :class:`SignalResult` with ``.save(dir)``; :func:`load`
"""
from .constraints import NORMS, Constraint
from .controls import CONTROLS, controls
from .image import assist_image, attack_image, sweep_table, universal_assist
from .loop import LoopSettings, Terms, run
from .losses import nps, true_class_loss, tv_image, tv_texture, tv_vertex
from .patch import apply_patch, eot_patch, patch_to_texture
from .regions import (KINDS, MASK_MODES, face_patch, faces_to_mask, image_region_mask, mesh_edges, most_visible_face,
                      part_faces, patch_size, square_mask, vertex_texture_colors)
from .result import SignalResult, load
from .settings import ImageSettings, PatchSettings, PatchTransforms, TextureSettings, UniversalSettings
from .steps import STEP_RULES, Adam, Momentum, SignedGradient, StepRule
from .texture import ViewSampler, assist_texture, texture_original

__all__ = ["Constraint", "NORMS", "LoopSettings", "Terms", "run", "StepRule", "SignedGradient", "Adam", "Momentum",
           "STEP_RULES", "true_class_loss", "tv_image", "tv_texture",
           "tv_vertex", "nps", "KINDS", "face_patch", "faces_to_mask", "part_faces", "mesh_edges", "most_visible_face",
           "vertex_texture_colors", "patch_size", "square_mask", "image_region_mask", "MASK_MODES", "SignalResult", "load", "ViewSampler", "assist_texture", "texture_original",
           "assist_image", "attack_image", "universal_assist", "sweep_table", "PatchTransforms", "apply_patch",
           "eot_patch", "patch_to_texture", "controls", "CONTROLS", "ImageSettings", "UniversalSettings",
           "PatchSettings", "TextureSettings"]
