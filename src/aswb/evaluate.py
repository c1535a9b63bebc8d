"""Evaluation: confidence tables over views x lights x classifiers x colourings, paired
summaries with bootstrap intervals, the paper's Table 1 layout and transfer matrices."""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from ._checks import _describe, check_image, check_range, class_label, class_labels, coloring_kind
from .models import classifier_dict, predict
from .signals.controls import CONTROLS
from .views import ViewBank

__all__ = ["ViewBank", "Bank", "confidence", "confidence_images", "summary", "condition_table",
           "format_condition_table", "CONTROL_GROUPS", "paper_table1", "transfer_matrix", "psnr", "ssim"]


#: the former names of :class:`aswb.views.ViewBank` (re-exported here for one release)
Bank = ViewBank


def _frame(probs: torch.Tensor, labels: torch.Tensor, **cols) -> pd.DataFrame:
    idx = torch.arange(len(labels))
    f = pd.DataFrame({"view": idx.numpy(), "label": labels.cpu().numpy(), "pred": probs.argmax(1).cpu().numpy(),
                      "p_true": probs[idx, labels].cpu().numpy()})
    f["correct"] = f["pred"] == f["label"]
    for k, v in cols.items():
        f.insert(0, k, v)
    return f


@torch.no_grad()
def confidence(classifiers, banks, colorings: dict, label: int, kind: str | None = None, batch: int = 64) -> pd.DataFrame:
    """True-class confidence of every classifier on every view of every bank for every colouring.

    Args:
        classifiers: a Classifier, a list, or {name: Classifier}.
        banks: a :class:`ViewBank` or a list of them (e.g. one per viewing condition) — use
            views *held out* from optimisation.
        colorings: {variant name: UV texture (Ht, Wt, 3) or vertex colours (V, 3)}, float in [0, 1].
        label: the true class index (an int in [0, num_classes)).
        kind: ``"uv"`` or ``"vertex"`` to insist on one kind of colouring; None (default)
            tells them apart by shape.
        batch: images per forward pass.
    Returns:
        Tidy DataFrame, one row per (model, bank, variant, view): model, condition, variant,
        view, label, pred, p_true, correct.
    """
    clfs = classifier_dict(classifiers)
    label = class_label(label, next(iter(clfs.values())).num_classes)
    banks = [banks] if isinstance(banks, ViewBank) else list(banks) if isinstance(banks, (list, tuple)) else None
    if not banks or not all(isinstance(b, ViewBank) for b in banks):
        raise TypeError(f"banks: expected a ViewBank or a non-empty list of them, got {_describe(banks)}")
    if not isinstance(colorings, dict) or not colorings:
        raise TypeError(f"colorings: expected a non-empty {{name: tensor}} dict, got {_describe(colorings)}")
    if kind not in (None, "uv", "vertex"):
        raise ValueError(f"kind: expected None, 'uv' or 'vertex', got {kind!r}")
    for variant, col in colorings.items():
        k = coloring_kind(col, f"colorings[{variant!r}]")
        if kind is not None and k != kind:
            raise ValueError(f"colorings[{variant!r}]: expected {kind} colours, got shape {tuple(col.shape)} ({k})")
    frames = []
    for bank in banks:
        for variant, col in colorings.items():
            x = bank.images(col)  # (B, 3, H, W)
            labels = torch.full((len(x),), label, dtype=torch.int64, device=x.device)
            for name, clf in clfs.items():
                frames.append(_frame(predict(clf, x, batch), labels, model=name, condition=bank.name, variant=variant))
    return pd.concat(frames, ignore_index=True)[["model", "condition", "variant", "view", "label", "pred", "p_true",
                                                 "correct"]]


@torch.no_grad()
def confidence_images(classifiers, images: dict, labels, batch: int = 64) -> pd.DataFrame:
    """Like :func:`confidence` for 2D images: ``images`` {variant: (B, 3, H, W) float in [0, 1]},
    ``labels`` (B,) integer class indices (or one int for all)."""
    clfs = classifier_dict(classifiers)
    if not isinstance(images, dict) or not images:
        raise TypeError(f"images: expected a non-empty {{name: (B, 3, H, W) tensor}} dict, got {_describe(images)}")
    n = next(iter(clfs.values())).num_classes
    frames = []
    for variant, x in images.items():
        x = check_image(x, f"images[{variant!r}]", channels_last=False)
        y = class_labels(labels, len(x), n, x.device)
        for name, clf in clfs.items():
            frames.append(_frame(predict(clf, x, batch), y, model=name, condition="images", variant=variant))
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
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df: expected a confidence DataFrame, got {_describe(df)}")
    need = {"variant", "view", "p_true", "correct", *by}
    if not need <= set(df.columns):
        raise ValueError(f"df: expected the columns of aswb.evaluate.confidence, missing {sorted(need - set(df.columns))}")
    if df.empty:
        raise ValueError("df: the frame is empty (no views were evaluated)")
    if baseline not in set(df.variant):
        raise ValueError(f"summary: baseline {baseline!r} not among the variants {sorted(set(df.variant))}")
    _check_p_true(df)
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


def _check_p_true(df: pd.DataFrame) -> None:
    bad = ~np.isfinite(df.p_true.to_numpy(dtype=float))
    if bad.any():
        first = df[bad].iloc[0].to_dict()
        raise ValueError(f"df: p_true is NaN or infinite in {int(bad.sum())} rows (first: {first}); a broken render "
                         "or classifier output would bias every mean, so nothing is summarised")


#: which controls stand beside which signals: a control group (name prefix + a name of
#: :data:`aswb.signals.CONTROLS`, e.g. ``patch_white``) and its signals
CONTROL_GROUPS = {"patch_": ("3d_patch", "2d_patch"), "full_": ("full_texture",)}


def _is_control(variant: str) -> bool:
    return any(variant == p + c for p in CONTROL_GROUPS for c in CONTROLS)


def _controls_of(signal: str, variants) -> list[str]:
    prefix = next((p for p, sigs in CONTROL_GROUPS.items() if signal in sigs), "patch_" if "patch" in signal else "full_")
    return [v for v in variants if v.startswith(prefix) and _is_control(v)]


def condition_table(df: pd.DataFrame, signals=None, controls: dict | None = None, baseline: str = "original",
                    by=("model",), n_boot: int = 1000) -> pd.DataFrame:
    """Each signal beside the original and the best same-area control, condition by condition.

    Args:
        df: a :func:`confidence` frame (held-out views), optionally with an ``object`` column.
        signals: variants to report (default: every variant that is neither ``baseline`` nor a
            control such as ``patch_white`` or ``full_noise``).
        controls: ``{signal: [control variants]}``; default :data:`CONTROL_GROUPS` (``patch_*``
            controls beside patches, ``full_*`` beside full textures).
        baseline: the original colouring.
        by: further grouping columns (``"model"``, ``"object"``...).
        n_boot: bootstrap resamples of the views for every interval.
    Returns:
        One row per (by..., condition, signal), conditions in the order easy, hard_view,
        hard_light, hard (then any other): ``p_original``, ``p_signal``, ``dp`` (signal - original)
        with ``dp_lo``/``dp_hi``, ``acc_original``, ``acc_signal``, ``control`` (the same-area
        control with the highest mean p_true in that condition, or ``""``), ``p_control``,
        ``dp_control`` with ``dp_control_lo``/``_hi``, ``margin`` (signal - best control, paired
        on views) with ``margin_lo``/``_hi``, and ``n`` views. Intervals are bootstrap 95 %.
    """
    base = summary(df, baseline, by=(*by, "condition"), n_boot=n_boot)
    variants = list(dict.fromkeys(df.variant))
    signals = [v for v in variants if v != baseline and not _is_control(v)] if signals is None else list(signals)
    unknown = [v for v in signals if v not in variants]
    if unknown:
        raise ValueError(f"signals: {unknown} are not variants of the frame {variants}")
    keys = [c for c in ("model", "object", "seed", "condition", "view") if c in df.columns]
    s = base.set_index([*by, "condition", "variant"])
    order = {c: i for i, c in enumerate(("easy", "hard_view", "hard_light", "hard"))}
    rows = []
    for group, g in df.groupby([*by, "condition"], sort=False):
        group = group if isinstance(group, tuple) else (group,)
        per_view = g.pivot_table(index=keys, columns="variant", values="p_true")  # (views, variants)
        for sig in signals:
            ctrls = _controls_of(sig, variants) if controls is None else list(controls.get(sig, ()))
            ctrls = [c for c in ctrls if c in per_view.columns]
            o, r = s.loc[(*group, baseline)], s.loc[(*group, sig)]
            row = dict(zip([*by, "condition"], group))
            row.update({"signal": sig, "p_original": o.p_true, "p_signal": r.p_true, "dp": r["Δp_true"],
                        "dp_lo": r.ci_lo, "dp_hi": r.ci_hi, "acc_original": o.acc, "acc_signal": r.acc,
                        "control": "", "p_control": np.nan, "dp_control": np.nan, "dp_control_lo": np.nan,
                        "dp_control_hi": np.nan, "margin": np.nan, "margin_lo": np.nan, "margin_hi": np.nan})
            if ctrls:
                best = max(ctrls, key=lambda c: per_view[c].mean())
                c, d = s.loc[(*group, best)], (per_view[sig] - per_view[best]).to_numpy()
                lo, hi = _bootstrap_ci(d, n_boot)
                row.update({"control": best, "p_control": c.p_true, "dp_control": c["Δp_true"],
                            "dp_control_lo": c.ci_lo, "dp_control_hi": c.ci_hi, "margin": d.mean(), "margin_lo": lo,
                            "margin_hi": hi})
            row["n"] = int(r.n)
            rows.append(row)
    out = pd.DataFrame(rows)
    out["_o"] = out.condition.map(lambda c: order.get(c, len(order)))
    return out.sort_values([*by, "_o"], kind="stable").drop(columns="_o").reset_index(drop=True)


def format_condition_table(table: pd.DataFrame, digits: int = 2) -> str:
    """A compact text of :func:`condition_table`: per condition and signal, the original, the
    signal with its change and interval, and the best control with its change and interval."""
    f = f"{{:.{digits}f}}"
    g = f"{{:+.{digits}f}}"
    lines = []
    group_cols = [c for c in table.columns if c in ("model", "object")]
    for _, r in table.iterrows():
        head = " ".join(str(r[c]) for c in group_cols)
        ctrl = (f"best control {r.control} {f.format(r.p_control)} ({g.format(r.dp_control)} "
                f"[{g.format(r.dp_control_lo)}, {g.format(r.dp_control_hi)}])") if r.control else "no control"
        lines.append(f"{head} {r.condition:<10} {r.signal:<13} original {f.format(r.p_original)} -> "
                     f"{f.format(r.p_signal)} ({g.format(r.dp)} [{g.format(r.dp_lo)}, {g.format(r.dp_hi)}]); "
                     f"{ctrl}".strip())
    return "\n".join(lines)


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


def _pair(x, y, name: str = "psnr") -> tuple[torch.Tensor, torch.Tensor]:
    for t, n in ((x, "x"), (y, "y")):
        if not isinstance(t, torch.Tensor) or not t.is_floating_point():
            raise TypeError(f"{name}: {n}: expected a float tensor (B, C, H, W) in [0, 1], got {_describe(t)}")
        if t.dim() != 4 or t.shape[1] not in (1, 3) or t.numel() == 0:
            raise ValueError(f"{name}: {n}: expected shape (B, C, H, W) with C = 1 or 3 (channels first), "
                             f"got {tuple(t.shape)}")
        check_range(t, f"{name}: {n}")
    if x.shape != y.shape:
        raise ValueError(f"{name}: x and y must have the same shape, got {tuple(x.shape)} and {tuple(y.shape)}")
    return x, y


def psnr(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Peak signal-to-noise ratio in dB per image of (B, C, H, W) float tensors in [0, 1]: (B,)
    (capped at 120 dB for identical images)."""
    x, y = _pair(x, y, "psnr")
    mse = (x - y).pow(2).flatten(1).mean(1)
    return 10 * torch.log10(1 / mse.clamp_min(1e-12))


def ssim(x: torch.Tensor, y: torch.Tensor, window: int = 7) -> torch.Tensor:
    """Mean structural similarity per image (uniform ``window``, odd >= 3) of (B, C, H, W) float
    tensors in [0, 1], channels first: (B,) in [-1, 1]."""
    x, y = _pair(x, y, "ssim")
    if isinstance(window, bool) or not isinstance(window, int) or window < 3 or window % 2 == 0:
        raise ValueError(f"window: expected an odd int >= 3, got {window!r}")
    c1, c2 = 0.01**2, 0.03**2
    pool = lambda t: F.avg_pool2d(t, window, 1, window // 2, count_include_pad=False)  # noqa: E731
    mx, my = pool(x), pool(y)
    vx, vy, cxy = pool(x * x) - mx**2, pool(y * y) - my**2, pool(x * y) - mx * my
    s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
    return s.flatten(1).mean(1)
