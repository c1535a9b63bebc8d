"""What colours a texture is made of: k-means palettes (torch only) of the original and the
signal, shares of named colours, and how the signal's palette, brightness, saturation and edge
density differ."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import torch

from .._checks import _describe, check_coloring, check_mask, coloring_kind, positive_int
from ..render import Mesh
from ..render.atlas import uv_face_mask
from ..signals import tv_texture

__all__ = ["ColorStats", "color_stats", "dominant_colors", "color_names", "COLOR_NAMES", "used_texels"]


#: colour names of :func:`color_names`, in a fixed order
COLOR_NAMES = ("black", "grey", "white", "red", "orange", "brown", "yellow", "green", "cyan", "blue", "purple",
               "pink")


def _hsv(rgb: torch.Tensor) -> torch.Tensor:
    """(N, 3) RGB in [0, 1] -> (N, 3) HSV with hue in [0, 1)."""
    mx, imx = rgb.max(-1)
    mn = rgb.min(-1).values
    c = mx - mn
    r, g, b = rgb.unbind(-1)
    safe = c.clamp_min(1e-12)
    h = torch.where(imx == 0, ((g - b) / safe) % 6, torch.where(imx == 1, (b - r) / safe + 2, (r - g) / safe + 4))
    h = torch.where(c > 0, h / 6, torch.zeros_like(h)) % 1.0
    s = torch.where(mx > 0, c / mx.clamp_min(1e-12), torch.zeros_like(mx))
    return torch.stack([h, s, mx], -1)


def color_names(rgb: torch.Tensor) -> list[str]:
    """Coarse names (one of :data:`COLOR_NAMES`) of colours ``rgb`` (N, 3) float in [0, 1].

    Dark colours (value < 0.2) are black; unsaturated ones (saturation < 0.2) grey or white
    (value >= 0.8); the rest are named by hue, with dark orange/red/yellow as brown and
    light desaturated red/purple as pink.
    """
    rgb = check_coloring(rgb.reshape(-1, 3) if isinstance(rgb, torch.Tensor) else rgb, "rgb")
    out = []
    for h, s, v in _hsv(rgb.float()).tolist():
        if v < 0.2:
            out.append("black")
        elif s < 0.2:
            out.append("white" if v >= 0.8 else "grey")
        else:
            deg = h * 360
            name = ("red" if deg < 15 or deg >= 345 else "orange" if deg < 45 else "yellow" if deg < 70
                    else "green" if deg < 165 else "cyan" if deg < 200 else "blue" if deg < 260
                    else "purple" if deg < 300 else "pink")
            if name in ("red", "orange", "yellow") and v < 0.55:
                name = "brown"
            elif name in ("red", "purple") and s < 0.5 and v > 0.7:
                name = "pink"
            out.append(name)
    return out


def dominant_colors(colors: torch.Tensor, k: int = 6, iters: int = 25, max_samples: int = 20000,
                    seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Dominant colours by k-means (k-means++ start, Lloyd iterations), torch only.

    Args:
        colors: (N, 3) float colours in [0, 1] (e.g. the used texels of a texture).
        k: clusters (fewer are returned when there are fewer distinct colours).
        iters: Lloyd iterations on a random subset of at most ``max_samples`` colours.
        seed: seeds the subset and the start (same input, same palette).
    Returns:
        ``(centers, shares)``: (k', 3) float32 colours in [0, 1] and (k',) float32 fractions
        of ``colors`` nearest to each (summing to 1), sorted by share, largest first.
    """
    x = check_coloring(colors, "colors")
    if x.dim() != 2:
        raise ValueError(f"colors: expected a flat (N, 3) list of colours, got shape {tuple(x.shape)}")
    k, iters, max_samples = positive_int(k, "k"), positive_int(iters, "iters"), positive_int(max_samples, "max_samples")
    x = x.float().cpu()
    g = torch.Generator().manual_seed(int(seed))
    sample = x[torch.randperm(len(x), generator=g)[:max_samples]] if len(x) > max_samples else x
    k = min(k, len(torch.unique(sample, dim=0)))
    centers = sample[torch.randint(0, len(sample), (1,), generator=g)]  # k-means++ start
    for _ in range(1, k):
        d2 = torch.cdist(sample, centers).min(1).values.pow(2)  # (n,)
        if float(d2.sum()) <= 0:
            break
        centers = torch.cat([centers, sample[torch.multinomial(d2 / d2.sum(), 1, generator=g)]])
    for _ in range(iters):
        assign = torch.cdist(sample, centers).argmin(1)  # (n,)
        sums = torch.zeros_like(centers).index_add_(0, assign, sample)
        cnt = torch.bincount(assign, minlength=len(centers)).float()[:, None]
        new = torch.where(cnt > 0, sums / cnt.clamp_min(1), centers)
        if torch.allclose(new, centers, atol=1e-6):
            centers = new
            break
        centers = new
    assign = torch.cat([torch.cdist(c, centers).argmin(1) for c in x.split(65536)])  # (N,) all colours
    shares = torch.bincount(assign, minlength=len(centers)).float() / len(x)
    order = shares.argsort(descending=True, stable=True)
    keep = order[shares[order] > 0]
    return centers[keep].clamp(0, 1), shares[keep]


def used_texels(mesh: Mesh, faces: torch.Tensor | None = None) -> torch.Tensor:
    """(Ht, Wt) bool texels of the mesh's texture covered by its UV triangles (of ``faces``,
    (F,) bool, default all): the part of an atlas that can ever be seen. A ``faces`` that is not a
    non-empty (F,) bool mask raises a TypeError/ValueError naming ``faces``."""
    if not isinstance(mesh, Mesh) or mesh.textures is None or mesh.uvs is None:
        raise ValueError(f"used_texels: expected a textured Mesh with UVs, got {_describe(mesh)}")
    if faces is None:
        faces = torch.ones(mesh.num_faces, dtype=torch.bool, device=mesh.device)
    faces = check_mask(faces, (mesh.num_faces,), "faces", mesh.device)  # (F,) bool, named as the user passed it
    return uv_face_mask(mesh, faces)


@dataclass(frozen=True, eq=False)
class ColorStats:
    """Colours of an original colouring and a signal replacing it.

    Fields:
        palette: DataFrame, one row per dominant colour: ``which`` (``"original"`` /
            ``"signal"``), ``rank``, ``share`` (fraction of texels), ``r``, ``g``, ``b``,
            ``hex``, ``name`` (see :func:`color_names`) and ``nearest_original`` (RGB distance
            of the colour to the closest original palette colour; 0 for original rows).
        names: DataFrame, one row per colour name present: ``share_original``,
            ``share_signal`` (fractions of texels) and ``Δshare``, largest gain first.
        summary: DataFrame with rows ``original``, ``signal`` and ``Δ`` and columns ``r``,
            ``g``, ``b`` (means), ``brightness`` (Rec. 601 luma), ``saturation`` (HSV),
            ``edges`` (mean absolute neighbour difference of a UV texture inside the mask,
            NaN for vertex colours), ``changed`` (fraction of texels changed by more than
            1/255; 0 for the original) and ``mean_abs_change``.
        centers: {"original": (k, 3), "signal": (k, 3)} float32 palettes in [0, 1].
    """

    palette: pd.DataFrame
    names: pd.DataFrame
    summary: pd.DataFrame
    centers: dict

    def __repr__(self) -> str:
        top = ", ".join(f"{n} {d:+.2f}" for n, d in self.names["Δshare"].head(3).items())
        return (f"ColorStats(original={len(self.centers['original'])} colours, signal={len(self.centers['signal'])} "
                f"colours, largest gains: {top})")

    def to_frame(self) -> pd.DataFrame:
        """The palettes (one row per dominant colour)."""
        return self.palette.copy()


def _edges(tex: torch.Tensor, m: torch.Tensor | None) -> float:

    return float(tv_texture(tex, m)) / 2 if coloring_kind(tex) == "uv" else float("nan")


def color_stats(original: torch.Tensor, signal: torch.Tensor, mask: torch.Tensor | None = None, k: int = 6,
                iters: int = 25, seed: int = 0) -> ColorStats:
    """Dominant colours of a colouring and of a signal replacing it, and how they differ.

    Args:
        original: a UV texture (Ht, Wt, 3) or vertex colours (V, 3), float in [0, 1].
        signal: the same shape (e.g. an unbounded assistive texture).
        mask: bool of the leading shape ((Ht, Wt) / (V,)): the texels to describe (e.g.
            :func:`used_texels` of the mesh, or the signal's mask); None = all.
        k: palette size (k-means clusters); iters, seed: see :func:`dominant_colors`.
    Returns:
        :class:`ColorStats` (palettes, named-colour shares and a summary).
    """
    original, signal = check_coloring(original, "original").float().cpu(), check_coloring(signal, "signal").float().cpu()
    if original.shape != signal.shape:
        raise ValueError(f"signal: expected the original's shape {tuple(original.shape)}, got {tuple(signal.shape)}")
    lead = tuple(original.shape[:-1])
    if mask is not None:
        if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
            raise TypeError(f"mask: expected a bool tensor of shape {lead}, got {_describe(mask)}")
        if tuple(mask.shape) != lead:
            raise ValueError(f"mask: expected shape {lead}, got {tuple(mask.shape)}")
        mask = mask.cpu()
        if not bool(mask.any()):
            raise ValueError("mask: empty (no texel to describe)")
    sel = (lambda t: t[mask]) if mask is not None else (lambda t: t.reshape(-1, 3))
    xo, xs = sel(original), sel(signal)  # (N, 3) each
    rows, centers, name_share = [], {}, {}
    for which, x in (("original", xo), ("signal", xs)):
        c, sh = dominant_colors(x, k, iters, seed=seed)
        centers[which] = c
        near = torch.cdist(c, centers["original"]).min(1).values if which == "signal" else torch.zeros(len(c))
        for i, (col, s, nm, d) in enumerate(zip(c.tolist(), sh.tolist(), color_names(c), near.tolist())):
            rows.append({"which": which, "rank": i, "share": s, "r": col[0], "g": col[1], "b": col[2],
                         "hex": "#" + "".join(f"{round(v * 255):02x}" for v in col), "name": nm,
                         "nearest_original": d})
        names = pd.Series(color_names(x)).value_counts(normalize=True)
        name_share[which] = names
    names = pd.DataFrame({"share_original": name_share["original"], "share_signal": name_share["signal"]}).fillna(0.0)
    names["Δshare"] = names.share_signal - names.share_original
    names = names.reindex([n for n in COLOR_NAMES if n in names.index])
    names = names.sort_values("Δshare", ascending=False, kind="stable")
    names.index.name = "color"
    m2 = mask if mask is not None and coloring_kind(original) == "uv" else None
    change = (xs - xo).abs()  # (N, 3)
    changed = float((change.max(1).values > 1 / 255).float().mean())
    summ = {}
    for which, x, tex in (("original", xo, original), ("signal", xs, signal)):
        hsv = _hsv(x)
        summ[which] = {"r": float(x[:, 0].mean()), "g": float(x[:, 1].mean()), "b": float(x[:, 2].mean()),
                       "brightness": float((x @ torch.tensor([0.299, 0.587, 0.114])).mean()),
                       "saturation": float(hsv[:, 1].mean()), "edges": _edges(tex, m2),
                       "changed": 0.0 if which == "original" else changed,
                       "mean_abs_change": 0.0 if which == "original" else float(change.mean())}
    summary = pd.DataFrame(summ).T
    summary.loc["Δ"] = summary.loc["signal"] - summary.loc["original"]
    return ColorStats(palette=pd.DataFrame(rows), names=names, summary=summary, centers=centers)

