"""How hardened the toy classifiers are: clean accuracy and accuracy under attack per regime and
condition, on held-out instances (the extended model card, ``python -m aswb.toyworld card``)."""
from __future__ import annotations

import json

import pandas as pd
import torch

from .. import attacks
from ..models import predict
from .classifiers import checkpoint_path
from .train import HELDOUT_SEEDS
from .world import CLASSES, CONDITIONS, mesh, render_views

__all__ = ["PGD_EPS", "BACKGROUND_EPS", "UNIVERSAL_EPS", "heldout_with_masks", "robustness", "training_seconds"]

PGD_EPS = (2 / 255, 4 / 255, 8 / 255)  # full-image PGD budgets
BACKGROUND_EPS = (8 / 255, 16 / 255)  # background-only PGD budgets
UNIVERSAL_EPS = 8 / 255


def heldout_with_masks(views: int = 2, conditions=tuple(CONDITIONS), seeds=HELDOUT_SEEDS, seed: int = 7):
    """Held-out renders with their background masks, per condition.

    Returns:
        {condition: (images (N, 3, 64, 64) float32 in [0, 1], labels (N,) int64,
        background (N, 64, 64) bool, instance seeds (N,) int64)}.
    """
    g = torch.Generator().manual_seed(seed)
    out = {}
    for cond in conditions:
        xs, ys, bgs, ss = [], [], [], []
        for s in seeds:
            for label, name in enumerate(CLASSES):
                with torch.no_grad():
                    im, cov = render_views(mesh(name, s), views, cond, g, return_coverage=True)
                xs.append(im.permute(0, 3, 1, 2))
                bgs.append(attacks.background_mask(cov))
                ys += [label] * views
                ss += [s] * views
        out[cond] = (torch.cat(xs).contiguous(), torch.tensor(ys), torch.cat(bgs), torch.tensor(ss))
    return out


def _accuracy(clf, x, y) -> float:
    return float((predict(clf, x, 256).argmax(1) == y).float().mean())


def robustness(classifiers: dict, data: dict, steps: int = 10, universal_steps: int = 100, seed: int = 0) -> pd.DataFrame:
    """Clean and attacked accuracy of each classifier on each condition's held-out renders.

    Full-image PGD (L-inf, :data:`PGD_EPS`, ``steps`` steps, α = 2.5 ε / steps, no random start),
    background-only PGD (:data:`BACKGROUND_EPS`: only pixels where no face was rasterised change)
    and a universal perturbation (:data:`UNIVERSAL_EPS`, made on the even held-out instances, judged
    on the odd ones: accuracy and fooling rate, the fraction of predictions it changes).

    Args:
        classifiers: {name: Classifier} (eval mode).
        data: :func:`heldout_with_masks` output.
    Returns:
        One row per (model, condition): clean, pgd 2/255, ..., background 8/255, ...,
        universal 8/255, fooling rate (accuracies in [0, 1]), n.
    """
    rows = []
    for name, clf in classifiers.items():
        for cond, (x, y, bg, seeds) in data.items():
            row = {"model": name, "condition": cond, "clean": _accuracy(clf, x, y)}
            for e in PGD_EPS:
                adv = attacks.pgd(clf, x, y, e, steps=steps, random_start=False)
                row[f"pgd {round(e * 255)}/255"] = _accuracy(clf, adv, y)
            keep = bg.flatten(1).any(1)  # images with some background
            for e in BACKGROUND_EPS:
                adv = x.clone()
                adv[keep] = attacks.pgd(clf, x[keep], y[keep], e, steps=steps, random_start=False, mask=bg[keep])
                row[f"background {round(e * 255)}/255"] = _accuracy(clf, adv, y)
            fit, judge = seeds % 2 == 0, seeds % 2 == 1
            d = attacks.universal(clf, x[fit], y[fit], UNIVERSAL_EPS, steps=universal_steps, seed=seed)
            adv = attacks.apply_universal(x[judge], d)
            row[f"universal {round(UNIVERSAL_EPS * 255)}/255"] = _accuracy(clf, adv, y[judge])
            row["fooling rate"] = attacks.fooling_rate(clf, x[judge], adv)
            row["n"] = len(y)
            rows.append(row)
    return pd.DataFrame(rows)


def training_seconds(arch: str, defense: str) -> float:
    """Training time recorded in a shipped checkpoint's metadata (NaN when absent)."""

    p = checkpoint_path(arch, defense).with_suffix(".json")
    if not p.is_file():
        return float("nan")
    hist = json.loads(p.read_text()).get("history") or [{}]
    return float(hist[-1].get("seconds", float("nan")))
