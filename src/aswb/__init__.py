"""aswb — the Assistive Signals Workbench.

Assistive signals are perturbations, patches and textures optimised to make a classifier
MORE confident in the true class (Pestana et al., CVPR 2021 workshop).
"""
from ._seed import default_device, seed_everything
from ._version import __version__
from .report import headline
from .world import World, WorldObject, load_world, register_world

__all__ = ["seed_everything", "default_device", "load_world", "register_world", "World", "WorldObject", "headline", "__version__"]
