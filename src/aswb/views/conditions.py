"""The named viewing conditions every world shares, and the held-out convention for seeds.

Every world names the same four conditions: ``"easy"`` (ordinary elevations and distances,
moderate light), ``"hard_view"`` (from below, straight down, very close or far),
``"hard_light"`` (dim, grazing or from below, strongly tinted, noisy dim camera) and
``"hard"`` (both).

Views that judge a signal are *held out*: drawn with other seeds than any view a signal was
optimised or tuned on. The convention is one number, :data:`HELDOUT_SEED_OFFSET`: a bank of
split ``"heldout"`` and seed ``s`` is the bank of seed ``s + HELDOUT_SEED_OFFSET``
(:func:`split_seed`).
"""
from __future__ import annotations

from dataclasses import dataclass

from .._checks import check_seed

__all__ = ["Condition", "CONDITION_NAMES", "STANDARD_CONDITIONS", "HELDOUT_SEED_OFFSET", "SPLITS", "split_seed",
           "heldout_seed"]

CONDITION_NAMES = ("easy", "hard_view", "hard_light", "hard")

#: seeds of held-out views are the optimisation seeds plus this offset (``split="heldout"``)
HELDOUT_SEED_OFFSET = 1000
#: ``"dev"``: views to optimise and tune on; ``"heldout"``: views to judge on
SPLITS = ("dev", "heldout")


def split_seed(seed, split: str = "dev") -> int:
    """The seed of a bank of ``split``: ``seed`` itself for ``"dev"``, ``seed + HELDOUT_SEED_OFFSET``
    for ``"heldout"``; an int in [0, 2**31) either way (ValueError/TypeError naming the argument)."""
    seed = check_seed(seed)
    if split not in SPLITS:
        raise ValueError(f"split: expected one of {SPLITS}, got {split!r}")
    return check_seed(seed + HELDOUT_SEED_OFFSET) if split == "heldout" else seed


def heldout_seed(seed) -> int:
    """``split_seed(seed, "heldout")``: the seed of the held-out views paired with ``seed``."""
    return split_seed(seed, "heldout")


@dataclass(frozen=True)
class Condition:
    """A viewing condition: camera and light ranges (degrees, scene units of a unit-sphere mesh).

    Fields:
        views: ``((weight, (dist_lo, dist_hi), (elev_lo, elev_hi)), ...)``: a mixture of view regions.
        ambient, intensity: ranges of the ambient and directional light levels.
        light_elev: range of the light's elevation (degrees; negative = from below).
        color_jitter: how strongly lights are tinted (0 = white).
        bg_gain: range of the background's exposure (a dim scene is dim everywhere).
        noise: range of the sensor noise sigma before auto-exposure (dim scenes are noisy).
    """

    views: tuple
    ambient: tuple
    intensity: tuple
    light_elev: tuple
    color_jitter: float
    bg_gain: tuple = (1.0, 1.0)
    noise: tuple = (0.0, 0.0)


_EASY_VIEWS = ((1.0, (2.3, 3.0), (0.0, 35.0)),)
_HARD_VIEWS = ((1.0, (2.3, 3.0), (-85.0, -45.0)),  # from below
               (1.0, (2.3, 3.0), (70.0, 89.0)),  # straight down
               (1.0, (1.15, 1.45), (-10.0, 45.0)),  # so close the object overfills the frame
               (1.0, (6.0, 8.0), (-10.0, 45.0)))  # far away: a few pixels tall
#: the standard conditions, for unit-sphere meshes (toy and real worlds alike)
STANDARD_CONDITIONS: dict[str, Condition] = {
    "easy": Condition(_EASY_VIEWS, (0.35, 0.6), (0.4, 0.9), (20.0, 80.0), 0.1),
    "hard_view": Condition(_HARD_VIEWS, (0.35, 0.6), (0.4, 0.9), (20.0, 80.0), 0.1),
    "hard_light": Condition(_EASY_VIEWS, (0.02, 0.1), (0.15, 0.45), (-30.0, 5.0), 0.6, (0.08, 0.3), (0.02, 0.05)),
    "hard": Condition(_HARD_VIEWS, (0.02, 0.1), (0.15, 0.45), (-30.0, 5.0), 0.6, (0.08, 0.3), (0.02, 0.05)),
}
