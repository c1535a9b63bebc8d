"""Which classes a texture pushes probability towards and away from (robust patterns: what
else does the texture look like?)."""
from __future__ import annotations

import pandas as pd
import torch

from .._checks import _describe, check_coloring, positive_int
from ..evaluate import ViewBank
from ..models import classifier_dict, predict
from ..render import Scene

__all__ = ["pushes_towards"]


@torch.no_grad()
@torch.no_grad()
def pushes_towards(classifiers, bank, original: torch.Tensor, signal: torch.Tensor, k: int = 5,
                   batch: int = 64) -> pd.DataFrame:
    """Which classes a texture pushes probability towards and away from.

    Both colourings are rendered on the same views; every classifier's class probabilities
    are averaged over views and classifiers, and the change ``Δp = p_signal - p_original`` is
    reported per class (the changes sum to 0 over all classes).

    Args:
        classifiers: a Classifier, a list or {name: Classifier} with the same classes.
        bank: a :class:`~aswb.evaluate.ViewBank` or :class:`~aswb.render.Scene`, or a list of them
            (views held out from the optimisation).
        original, signal: UV textures (Ht, Wt, 3) or vertex colours (V, 3), float in [0, 1],
            of the same shape (e.g. ``result.original`` and ``result.signal``).
        k: rows per direction.
    Returns:
        DataFrame of ``2 k`` rows (fewer when there are fewer than ``2 k`` classes): the ``k``
        classes gaining most (``direction == "towards"``, largest Δp first) then the ``k``
        losing most (``"away"``, most negative first); columns ``class`` (index), ``name``,
        ``p_original``, ``p_signal``, ``Δp`` and ``top1_original``/``top1_signal`` (share of
        (view, classifier) pairs predicting the class).
    """
    clfs = classifier_dict(classifiers)
    banks = [bank] if isinstance(bank, (ViewBank, Scene)) else list(bank) if isinstance(bank, (list, tuple)) else None
    if not banks or not all(isinstance(b, (ViewBank, Scene)) for b in banks):
        raise TypeError(f"bank: expected a ViewBank, a Scene or a non-empty list of them, got {_describe(bank)}")
    banks = [ViewBank.of(b) for b in banks]
    original, signal = check_coloring(original, "original"), check_coloring(signal, "signal")
    if original.shape != signal.shape:
        raise ValueError(f"signal: expected the original's shape {tuple(original.shape)}, got {tuple(signal.shape)}")
    k = positive_int(k, "k")
    first = next(iter(clfs.values()))
    C = first.num_classes
    sums = {"o": torch.zeros(C, dtype=torch.float64), "s": torch.zeros(C, dtype=torch.float64)}
    top1 = {"o": torch.zeros(C, dtype=torch.float64), "s": torch.zeros(C, dtype=torch.float64)}
    count = 0
    for b in banks:
        dev = b.scene.mesh.device
        img_o, img_s = b.images(original.to(dev)), b.images(signal.to(dev))
        for clf in clfs.values():
            for key, img in (("o", img_o), ("s", img_s)):
                pr = predict(clf, img, batch).double().cpu()  # (B, C)
                sums[key] += pr.sum(0)
                top1[key] += torch.bincount(pr.argmax(1), minlength=C).double()
            count += len(img_o)
    po, ps = sums["o"] / count, sums["s"] / count
    d = ps - po
    f = pd.DataFrame({"class": range(C), "name": first.categories, "p_original": po.numpy(), "p_signal": ps.numpy(),
                      "Δp": d.numpy(), "top1_original": (top1["o"] / count).numpy(),
                      "top1_signal": (top1["s"] / count).numpy()})
    kk = min(k, C // 2) if C > 1 else 1
    up = f.sort_values("Δp", ascending=False, kind="stable").head(kk).assign(direction="towards")
    down = f.sort_values("Δp", ascending=True, kind="stable").head(kk).assign(direction="away")
    out = pd.concat([up, down], ignore_index=True)
    return out[["direction", "class", "name", "p_original", "p_signal", "Δp", "top1_original", "top1_signal"]]

