"""Evaluation: confidence tables over views x lights x classifiers x colourings, paired
summaries with bootstrap intervals, the paper's Table 1 layout and transfer matrices."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ._checks import _describe
from .render import Scene, expose

__all__ = ["Bank", "confidence", "confidence_images", "summary", "paper_table1", "transfer_matrix", "psnr", "ssim"]


@dataclass(frozen=True, eq=False)
class Bank:
    """A fixed set of views to evaluate on: a :class:`~aswb.render.Scene` (cameras, lights,
    backgrounds; fragments cached) and the camera's sensor noise (or None).

    Fields:
        scene: the scene (B views).
        noise: (B, H, W, 3) float sensor noise, or None for a clean camera.
        name: a label such as the viewing condition (``"hard_view"``).
    """

    scene: Scene
    noise: torch.Tensor | None = None
    name: str = "views"

    def render(self, vertex_colors=None, texture=None) -> torch.Tensor:
        """(B, H, W, 3) float32 in [0, 1]: the scene with these colours, through the camera."""
        return expose(self.scene.render(vertex_colors=vertex_colors, texture=texture), self.noise)

    def __len__(self) -> int:
        return len(self.scene)


def _frame(probs: torch.Tensor, labels: torch.Tensor, **cols) -> pd.DataFrame:
    idx = torch.arange(len(labels))
    f = pd.DataFrame({"view": idx.numpy(), "label": labels.cpu().numpy(), "pred": probs.argmax(1).cpu().numpy(),
                      "p_true": probs[idx, labels].cpu().numpy()})
    f["correct"] = f["pred"] == f["label"]
    for k, v in cols.items():
        f.insert(0, k, v)
    return f


def _clf_dict(classifiers) -> dict:
    from .models import Classifier

    if isinstance(classifiers, Classifier):
        return {classifiers.name: classifiers}
    if isinstance(classifiers, dict) and classifiers and all(isinstance(c, Classifier) for c in classifiers.values()):
        return classifiers
    if isinstance(classifiers, (list, tuple)) and classifiers and all(isinstance(c, Classifier) for c in classifiers):
        return {c.name: c for c in classifiers}
    raise TypeError(f"classifiers: expected a Classifier, a list or a {{name: Classifier}} dict, got {_describe(classifiers)}")


@torch.no_grad()
def confidence(classifiers, banks, colorings: dict, label: int, kind: str = "uv", batch: int = 64) -> pd.DataFrame:
    """True-class confidence of every classifier on every view of every bank for every colouring.

    Args:
        classifiers: a Classifier, a list, or {name: Classifier}.
        banks: a :class:`Bank` or a list of them (e.g. one per viewing condition) — use views
            *held out* from optimisation.
        colorings: {variant name: texture (Ht, Wt, 3) for ``kind="uv"`` or vertex colours (V, 3)}.
        label: the true class index.
    Returns:
        Tidy DataFrame, one row per (model, bank, variant, view): model, condition, variant,
        view, label, pred, p_true, correct.
    """
    clfs = _clf_dict(classifiers)
    banks = [banks] if isinstance(banks, Bank) else list(banks)
    if not banks or not all(isinstance(b, Bank) for b in banks):
        raise TypeError(f"banks: expected a Bank or a list of them, got {_describe(banks)}")
    if not isinstance(colorings, dict) or not colorings:
        raise TypeError(f"colorings: expected a non-empty {{name: tensor}} dict, got {_describe(colorings)}")
    if kind not in ("uv", "vertex"):
        raise ValueError(f"kind: expected 'uv' or 'vertex', got {kind!r}")
    frames = []
    for bank in banks:
        for variant, col in colorings.items():
            img = bank.render(texture=col) if kind == "uv" else bank.render(vertex_colors=col)
            x = img.permute(0, 3, 1, 2)  # (B, 3, H, W)
            labels = torch.full((len(x),), int(label), dtype=torch.int64, device=x.device)
            for name, clf in clfs.items():
                p = torch.cat([clf.probs(x[i:i + batch]) for i in range(0, len(x), batch)])
                frames.append(_frame(p, labels, model=name, condition=bank.name, variant=variant))
    return pd.concat(frames, ignore_index=True)[["model", "condition", "variant", "view", "label", "pred", "p_true",
                                                 "correct"]]


@torch.no_grad()
def confidence_images(classifiers, images: dict, labels: torch.Tensor, batch: int = 64) -> pd.DataFrame:
    """Like :func:`confidence` for 2D images: ``images`` {variant: (B, 3, H, W) in [0, 1]}, ``labels`` (B,)."""
    clfs = _clf_dict(classifiers)
    frames = []
    for variant, x in images.items():
        for name, clf in clfs.items():
            p = torch.cat([clf.probs(x[i:i + batch]) for i in range(0, len(x), batch)])
            frames.append(_frame(p, labels.to(p.device), model=name, condition="images", variant=variant))
    return pd.concat(frames, ignore_index=True)


def _bootstrap_ci(d: np.ndarray, n: int = 1000, seed: int = 0) -> tuple[float, float]:
    if len(d) == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, len(d), size=(n, len(d)))].mean(1)
    return float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def summary(df: pd.DataFrame, baseline: str = "original", by=("model", "condition"), n_boot: int = 1000) -> pd.DataFrame:
    """Paired comparison of every variant with ``baseline`` on the same views.

    Returns one row per (by..., variant): mean p_true, Δ mean p_true with a bootstrap 95 %
    interval (views resampled), accuracy, Δ accuracy, and flip rates wrong→right and
    right→wrong (fractions of views).
    """
    if baseline not in set(df.variant):
        raise ValueError(f"summary: baseline {baseline!r} not among the variants {sorted(set(df.variant))}")
    # rows pair on every identifying column, whatever the grouping
    keys = [c for c in ("model", "object", "seed", "condition", "view") if c in df.columns]
    base = df[df.variant == baseline].set_index(keys)
    if not base.index.is_unique:
        raise ValueError(f"summary: baseline rows are not unique per {keys}; filter the frame (e.g. by source) first")
    rows = []
    for group, g in df.groupby(list(by) + ["variant"], sort=False):
        g = g.set_index(keys)
        b = base.loc[g.index]
        d = (g.p_true - b.p_true).to_numpy()
        lo, hi = _bootstrap_ci(d, n_boot)
        row = dict(zip(list(by) + ["variant"], group))
        row.update({"p_true": g.p_true.mean(), "Δp_true": d.mean(), "ci_lo": lo, "ci_hi": hi,
                    "acc": g.correct.mean(), "Δacc": g.correct.mean() - b.correct.mean(),
                    "wrong→right": (~b.correct.to_numpy() & g.correct.to_numpy()).mean(),
                    "right→wrong": (b.correct.to_numpy() & ~g.correct.to_numpy()).mean(), "n": len(g)})
        rows.append(row)
    return pd.DataFrame(rows)


def paper_table1(df: pd.DataFrame, variants=("original", "2d_patch", "3d_patch"), object_col: str = "object") -> pd.DataFrame:
    """The paper's Table 1 layout: one row per object, columns (variant, view) with the
    true-class confidence, or ``"x"`` where the classifier predicts another class."""
    need = {object_col, "variant", "view", "p_true", "correct"}
    if not need <= set(df.columns):
        raise ValueError(f"paper_table1: frame needs columns {sorted(need)}, has {sorted(df.columns)}")
    d = df[df.variant.isin(variants)].copy()
    d["cell"] = [f"{p:.2f}" if c else "x" for p, c in zip(d.p_true, d.correct)]
    t = d.pivot_table(index=object_col, columns=["variant", "view"], values="cell", aggfunc="first")
    return t.reindex(columns=[c for v in variants for c in t.columns if c[0] == v])


def transfer_matrix(df: pd.DataFrame, value: str = "Δp_true", source_col: str = "source",
                    baseline: str = "original") -> pd.DataFrame:
    """Source classifier (that optimised the texture) x target classifier (that judges it):
    mean change in true-class confidence over the original (``value="Δp_true"``), or the
    mean confidence itself (``value="p_true"``), like the paper's Table 2.

    ``df`` is a :func:`confidence` frame with an added ``source`` column naming the source of
    each non-baseline variant (baseline rows may have any source).
    """
    if source_col not in df.columns:
        raise ValueError(f"transfer_matrix: frame needs a {source_col!r} column")
    keys = ["model", "condition", "view"] + (["object"] if "object" in df.columns else [])
    base = df[df.variant == baseline].drop_duplicates(keys).set_index(keys).p_true
    d = df[df.variant != baseline].copy()
    if value == "Δp_true":
        d["Δp_true"] = d.p_true.to_numpy() - base.loc[pd.MultiIndex.from_frame(d[keys])].to_numpy()
    elif value != "p_true":
        raise ValueError(f"value: expected 'Δp_true' or 'p_true', got {value!r}")
    return d.pivot_table(index=source_col, columns="model", values=value, aggfunc="mean")


def psnr(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Peak signal-to-noise ratio in dB per image of (B, C, H, W) tensors in [0, 1]: (B,)."""
    mse = (x - y).pow(2).flatten(1).mean(1)
    return 10 * torch.log10(1 / mse.clamp_min(1e-12))


def ssim(x: torch.Tensor, y: torch.Tensor, window: int = 7) -> torch.Tensor:
    """Mean structural similarity per image (uniform window) of (B, C, H, W) tensors in [0, 1]: (B,)."""
    import torch.nn.functional as F

    c1, c2 = 0.01**2, 0.03**2
    pool = lambda t: F.avg_pool2d(t, window, 1, window // 2, count_include_pad=False)  # noqa: E731
    mx, my = pool(x), pool(y)
    vx, vy, cxy = pool(x * x) - mx**2, pool(y * y) - my**2, pool(x * y) - mx * my
    s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
    return s.flatten(1).mean(1)
