"""Frozen results of every signal, with atomic save and exact load."""
from __future__ import annotations

import json
import platform
from dataclasses import dataclass, field
from pathlib import Path

import numpy
import pandas as pd
import torch
import torchvision
from PIL import Image

from .._files import atomic_folder, repair
from .._version import __version__
from ..render import save_mesh

__all__ = ["SignalResult", "load", "versions", "DOMAINS"]

#: where a signal can live (:attr:`SignalResult.domain`)
DOMAINS = ("image", "universal", "patch", "uv", "vertex")


def versions() -> dict:
    return {"aswb": __version__, "torch": torch.__version__, "torchvision": torchvision.__version__,
            "numpy": numpy.__version__, "python": platform.python_version()}


@dataclass(frozen=True, eq=False)
class SignalResult:
    """An optimised signal.

    Fields:
        domain: where the signal lives, one of :data:`DOMAINS`: ``"image"`` (one δ per image),
            ``"universal"`` (one δ for a set of images), ``"patch"`` (a 2D patch pasted into
            images), ``"uv"`` (a mesh's UV texture) or ``"vertex"`` (a mesh's vertex colours).
            (``kind`` is its former name, still readable.)
        signal: the optimised tensor, same shape as what it replaces: δ (B, 3, H, W) for
            images, (3, H, W) for a universal δ, (3, h, w) for a patch, (Ht, Wt, 3) for a UV
            texture, (V, 3) for vertex colours; float32 (textures/patches in [0, 1]).
        original: the tensor it replaces (zeros for perturbations), same shape.
        mask: bool mask of where the signal may differ from the original, or None.
        history: DataFrame, one row per step (step, loss, p_true, ...).
        settings: JSON-serialisable dict of every setting (eps, alpha, steps, seed, label, classifiers...).
        metrics: JSON-serialisable dict of summary numbers (p_true before/after, ...).
        extra: further tensors (e.g. ``before``/``after`` probabilities, per-eps results).
    """

    domain: str
    signal: torch.Tensor
    original: torch.Tensor
    mask: torch.Tensor | None
    history: pd.DataFrame
    settings: dict
    metrics: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.domain not in DOMAINS:
            raise ValueError(f"domain: expected one of {DOMAINS}, got {self.domain!r}")

    @property
    def kind(self) -> str:
        """The former name of :attr:`domain`."""
        return self.domain

    def __repr__(self) -> str:
        m = ", ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in self.metrics.items()
                      if not isinstance(v, (list, dict)))
        mask = "" if self.mask is None else f", mask={int(self.mask.sum())}/{self.mask.numel()}"
        return f"SignalResult({self.domain}, signal={tuple(self.signal.shape)}{mask}, steps={len(self.history) - 1}, {m})"

    @property
    def delta(self) -> torch.Tensor:
        """signal - original (the change made)."""
        return self.signal - self.original

    def to_frame(self) -> pd.DataFrame:
        """The optimisation history (one row per step)."""
        return self.history.copy()

    def save(self, path, mesh=None) -> Path:
        """Write the result to folder ``path`` atomically: at every moment ``path`` holds the
        complete old result or the complete new one, even if the process is killed (see
        :mod:`aswb._files`); what an interrupted save left beside it is removed by the next.

        Files: ``signal.pt`` (exact tensors), ``history.csv``, ``result.json`` (domain, settings,
        metrics, package versions), a PNG of the signal (texture, patch or δ), and with
        ``mesh`` for texture results the textured mesh as ``mesh.obj`` (+MTL/PNG) and ``mesh.glb``.
        """


        path = Path(path)
        with atomic_folder(path) as tmp:
            tensors = {"signal": self.signal.detach().cpu(), "original": self.original.detach().cpu(),
                       "mask": None if self.mask is None else self.mask.cpu(),
                       "extra": {k: v.detach().cpu() if isinstance(v, torch.Tensor) else v for k, v in self.extra.items()}}
            torch.save(tensors, tmp / "signal.pt")
            self.history.to_csv(tmp / "history.csv", index=False)
            meta = {"domain": self.domain, "settings": self.settings, "metrics": self.metrics, "versions": versions()}
            (tmp / "result.json").write_text(json.dumps(meta, indent=2, default=str) + "\n")
            img = self._preview()
            if img is not None:
                Image.fromarray((img.clamp(0, 1) * 255).round().byte().numpy()).save(tmp / "signal.png")
            if mesh is not None and self.domain in ("uv", "vertex"):

                textured = self.apply_to(mesh)
                save_mesh(textured, tmp / "mesh.obj")
                save_mesh(textured, tmp / "mesh.glb")
        return path

    def _preview(self) -> torch.Tensor | None:
        s = self.signal.detach().cpu()
        if self.domain == "uv":
            return s
        if self.domain == "patch":
            return s.permute(1, 2, 0)
        if self.domain in ("image", "universal"):
            d = self.delta.detach().cpu()
            d = d[0] if d.dim() == 4 else d
            m = d.abs().max().clamp_min(1e-12)
            return (0.5 + 0.5 * d / m).permute(1, 2, 0)  # δ scaled to [0, 1], grey = 0
        return None

    def apply_to(self, mesh):
        """The mesh with this texture (``"uv"``) or these vertex colours (``"vertex"``)."""
        if self.domain == "uv":
            return mesh.with_texture(self.signal.to(mesh.device))
        if self.domain == "vertex":
            return mesh.with_vertex_colors(self.signal.to(mesh.device))
        raise ValueError(f"apply_to: a {self.domain!r} result is not a mesh colouring")


def load(path) -> SignalResult:
    """Load a result written by :meth:`SignalResult.save` (tensors bit-exact).

    Raises ``FileNotFoundError`` when the folder or one of its files is missing and
    ``ValueError`` naming the damaged file when one cannot be read.
    """

    path = Path(path)
    if not path.exists():
        repair(path)  # a save killed between its renames left the old copy beside the path
    if not (path / "result.json").is_file() or not (path / "signal.pt").is_file():
        raise FileNotFoundError(f"path: no saved signal in {str(path)!r} (expected result.json and signal.pt)")
    f = path / "result.json"
    try:
        meta = json.loads(f.read_text())
        domain = meta["domain"] if "domain" in meta else meta["kind"]  # results saved before the rename
        settings, metrics = meta["settings"], meta["metrics"]
    except (ValueError, KeyError, TypeError) as e:
        raise ValueError(f"path: {str(f)!r} is damaged or not an aswb result ({type(e).__name__}: {e})") from e
    f = path / "signal.pt"
    try:
        t = torch.load(f, weights_only=True)
        signal, original, mask = t["signal"], t["original"], t["mask"]
    except Exception as e:  # torch raises many kinds for a cut or foreign file
        raise ValueError(f"path: {str(f)!r} is damaged or not an aswb result ({type(e).__name__}: {e})") from e
    f = path / "history.csv"
    try:
        hist = pd.read_csv(f)
    except FileNotFoundError:
        raise
    except Exception as e:
        raise ValueError(f"path: {str(f)!r} is damaged ({type(e).__name__}: {e})") from e
    return SignalResult(domain=domain, signal=signal, original=original, mask=mask, history=hist,
                        settings=settings, metrics=metrics, extra=t.get("extra", {}))
