"""Views: the one home of everything a signal is seen through.

A *view distribution* (:class:`ViewDistribution`) holds a world's named viewing conditions
(cameras, lights, backgrounds, camera noise) at its render size. It is used two ways:

- :meth:`ViewDistribution.bank` -> :class:`ViewBank`: fixed, seeded views with cached
  fragments, for judging (``split="heldout"``: views no signal was optimised on);
- :meth:`ViewDistribution.sampler` -> :class:`ViewSampler`: fresh views every step, for
  optimising.

Backgrounds are pluggable sources (:mod:`aswb.views.backgrounds`). Conditions and the
held-out seed convention are in :mod:`aswb.views.conditions`.
"""
from .._checks import check_seed
from .backgrounds import BACKGROUNDS, BackgroundSource, ImageFolder, Plain, Procedural, background_source, source_seed
from .bank import ViewBank, ViewSampler
from .conditions import (CONDITION_NAMES, HELDOUT_SEED_OFFSET, SPLITS, STANDARD_CONDITIONS, Condition, heldout_seed,
                         split_seed)
from .distribution import ViewDistribution

__all__ = ["ViewDistribution", "ViewBank", "ViewSampler", "Condition", "CONDITION_NAMES", "STANDARD_CONDITIONS",
           "HELDOUT_SEED_OFFSET", "SPLITS", "split_seed", "heldout_seed", "BackgroundSource", "Procedural", "Plain",
           "ImageFolder", "BACKGROUNDS", "background_source", "source_seed", "check_seed"]
