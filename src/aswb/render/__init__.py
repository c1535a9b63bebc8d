"""Differentiable mesh rendering: rasterise once (no autograd), shade differentiably.

Stages: :func:`rasterize` -> :class:`Fragments` -> :func:`interpolate` /
:func:`sample_texture` -> :func:`shade` (lighting, anti-aliasing, compositing).
:class:`Scene` caches the fragments of fixed cameras; :func:`unwrap` gives any mesh one
texture atlas (xatlas) with its colours baked in.
"""
from .camera import Cameras, orbit, sample_views, view_eye
from .lights import Lights, sample_lights
from .mesh import Mesh, MeshError, concat, subdivide
from .raster import BACKENDS, Fragments, kaolin_available, rasterize
from .scene import Scene
from .shade import composite, expose, interpolate, sample_texture, shade, surface_colors
from .io import load_mesh, save_mesh  # trimesh is imported when a file is read or written
from .unwrap import unwrap  # imports xatlas (compiled) only when called; binds the function, not the module
from . import primitives

__all__ = [
    "Mesh", "MeshError", "concat", "subdivide", "load_mesh", "save_mesh",
    "Cameras", "orbit", "sample_views", "view_eye",
    "Lights", "sample_lights",
    "Fragments", "rasterize", "BACKENDS", "kaolin_available",
    "interpolate", "sample_texture", "surface_colors", "shade", "composite", "expose",
    "Scene", "primitives", "unwrap",
]
