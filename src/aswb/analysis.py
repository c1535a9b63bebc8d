"""Analyses beyond the optimisation engine: adversarial views and lights, which classes a
texture pushes towards, and what colours it is made of.

- :func:`worst_case_views`: a gradient-free search over camera and light parameters for the
  views on which an object is recognised worst (visibility is not differentiable, so
  candidates are sampled, rendered in batches and the worst kept, then refined locally).
- :func:`pushes_towards`: mean change of every class's probability when a texture replaces
  the original one (robust patterns: what else does the texture look like?).
- :func:`color_stats` / :func:`dominant_colors` / :func:`used_texels`: k-means palettes
  (torch only) of the original and the signal, shares of named colours, and how the
  signal's palette, brightness, saturation and edge density differ.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import torch

from ._checks import _describe, positive_int
from .render import Cameras, Lights, Mesh, Scene, view_eye

__all__ = ["WorstViews", "worst_case_views", "VIEW_PARAMS", "pushes_towards", "ColorStats", "color_stats",
           "dominant_colors", "color_names", "COLOR_NAMES", "used_texels"]

#: the searched parameters of :func:`worst_case_views`, in the column order of its frame
VIEW_PARAMS = ("dist", "elev", "azim", "light_elev", "light_azim", "ambient", "intensity")
_WRAP = {"azim", "light_azim"}  # angles that wrap around at 360 degrees


# --------------------------------------------------------------------------- shared checks
def _clf_dict(classifiers) -> dict:
    """{name: Classifier} from a Classifier, a list or a dict (names made unique)."""
    from .models import Classifier

    if isinstance(classifiers, Classifier):
        return {classifiers.name: classifiers}
    if isinstance(classifiers, dict) and classifiers and all(isinstance(c, Classifier) for c in classifiers.values()):
        out = dict(classifiers)
    elif isinstance(classifiers, (list, tuple)) and classifiers and all(isinstance(c, Classifier) for c in classifiers):
        out = {}
        for c in classifiers:
            name, i = c.name, 1
            while name in out:
                i += 1
                name = f"{c.name}#{i}"
            out[name] = c
    else:
        raise TypeError(f"classifiers: expected a Classifier, a non-empty list or a {{name: Classifier}} dict, "
                        f"got {_describe(classifiers)}")
    n = {c.num_classes for c in out.values()}
    if len(n) > 1:
        raise ValueError(f"classifiers disagree on the number of classes: {sorted(n)}")
    return out


def _label(label, num_classes: int) -> int:
    if isinstance(label, torch.Tensor) and label.numel() == 1 and not label.is_floating_point() \
            and label.dtype != torch.bool:
        label = int(label)
    if isinstance(label, bool) or not isinstance(label, int):
        raise TypeError(f"label: expected an int class index, got {_describe(label)}")
    if not 0 <= label < num_classes:
        raise ValueError(f"label: expected a class index in [0, {num_classes}), got {label}")
    return label


def _range(r, name: str, lo_bound: float | None = None) -> tuple[float, float]:
    if isinstance(r, (int, float)) and not isinstance(r, bool):
        r = (r, r)
    if not (isinstance(r, (tuple, list)) and len(r) == 2 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in r)):
        raise TypeError(f"{name}: expected a number or a (lo, hi) pair, got {_describe(r)}")
    lo, hi = float(r[0]), float(r[1])
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi:
        raise ValueError(f"{name}: expected finite lo <= hi, got ({lo}, {hi})")
    if lo_bound is not None and lo < lo_bound:
        raise ValueError(f"{name}: expected values >= {lo_bound}, got range ({lo}, {hi})")
    return lo, hi


def _colors(x, name: str) -> torch.Tensor:
    """Validate colours (..., 3) float in [0, 1] (a UV texture (Ht, Wt, 3) or vertex colours (V, 3))."""
    if not isinstance(x, torch.Tensor) or not x.is_floating_point():
        raise TypeError(f"{name}: expected a float tensor of colours (..., 3) in [0, 1], got {_describe(x)}")
    if x.dim() not in (2, 3) or x.shape[-1] != 3 or x.numel() == 0:
        raise ValueError(f"{name}: expected a UV texture (Ht, Wt, 3) or vertex colours (V, 3), got shape "
                         f"{tuple(x.shape)}")
    x = x.detach()
    if not bool(torch.isfinite(x).all()) or float(x.min()) < -1e-6 or float(x.max()) > 1 + 1e-6:
        raise ValueError(f"{name}: expected finite values in [0, 1], got range [{float(x.min()):.4g}, "
                         f"{float(x.max()):.4g}]")
    return x


def _render(bank, colors: torch.Tensor | None) -> torch.Tensor:
    """Render a Scene or Bank with a UV texture (Ht, Wt, 3), vertex colours (V, 3) or None."""
    if colors is None:
        return bank.render()
    return bank.render(texture=colors) if colors.dim() == 3 else bank.render(vertex_colors=colors)


@torch.no_grad()
def _probs(clf, img: torch.Tensor, batch: int) -> torch.Tensor:
    """(B, C) probabilities of renders ``img`` (B, H, W, 3) in [0, 1]."""
    x = img.permute(0, 3, 1, 2).clamp(0, 1)  # (B, 3, H, W)
    x = x.to(clf.device)
    return torch.cat([clf.probs(x[i:i + batch]) for i in range(0, len(x), batch)])


# --------------------------------------------------------------------------- worst-case views
@dataclass(frozen=True, eq=False)
class WorstViews:
    """The views and lights on which a colouring is recognised worst.

    Fields:
        bank: :class:`aswb.evaluate.Bank` of the ``k`` worst candidates (worst first): pass
            it to :func:`aswb.evaluate.confidence` to judge other colourings on the same views.
        cameras: the ``k`` cameras; lights: the ``k`` lights.
        params: (k, 7) float32 parameters, columns :data:`VIEW_PARAMS` (degrees, scene units).
        frame: DataFrame, one row per evaluated candidate, worst first: ``round`` (0 = random
            draw, r > 0 = r-th refinement), the :data:`VIEW_PARAMS`, ``p_true`` (mean over
            classifiers), ``p_<model>`` for each classifier, ``correct`` (every classifier's
            top-1 is the label) and ``worst`` (one of the ``k`` kept).
    """

    bank: object
    cameras: Cameras
    lights: Lights
    params: torch.Tensor
    frame: pd.DataFrame

    def __len__(self) -> int:
        return len(self.cameras)

    def __repr__(self) -> str:
        w = self.frame[self.frame.worst]
        return (f"WorstViews(k={len(self)}, candidates={len(self.frame)}, p_true worst={w.p_true.min():.3f}, "
                f"mean of kept={w.p_true.mean():.3f}, all candidates={self.frame.p_true.mean():.3f})")

    def to_frame(self) -> pd.DataFrame:
        """The ``k`` kept views (a copy of ``frame``'s worst rows)."""
        return self.frame[self.frame.worst].reset_index(drop=True)


def _cams_lights(p: torch.Tensor, fov: float, device) -> tuple[Cameras, Lights]:
    """Cameras and lights from (N, 7) parameters (see :data:`VIEW_PARAMS`)."""
    p = p.float()
    eye = view_eye(p[:, 0], p[:, 1], p[:, 2])  # (N, 3)
    cams = Cameras.look_at(eye, fov=fov, device=device)
    direction = view_eye(1.0, p[:, 3], p[:, 4])  # (N, 3) towards the light
    # ambient as (N, 3) grey: a (N,) vector with N == 3 would read as one RGB colour
    lights = Lights(ambient=p[:, 5:6].expand(-1, 3).to(device), direction=direction.to(device),
                    intensity=p[:, 6].to(device))
    return cams, lights


def worst_case_views(classifiers, mesh: Mesh, label: int, texture: torch.Tensor | None = None,
                     n_candidates: int = 128, k: int = 8, rounds: int = 1, image_size: int = 64,
                     supersample: int = 1, dist=(2.0, 4.0), elev=(-30.0, 60.0), azim=(0.0, 360.0),
                     light_elev=(-30.0, 80.0), light_azim=(0.0, 360.0), ambient=(0.1, 0.6),
                     intensity=(0.2, 0.9), fov: float = 45.0, background=(1.0, 1.0, 1.0), batch: int = 64,
                     seed: int = 0, progress: bool | None = None) -> WorstViews:
    """Adversarially chosen views and lights: the ``k`` on which ``label`` is least confident.

    Visibility is not differentiable, so this is a gradient-free search: ``n_candidates``
    parameter sets are drawn uniformly from the ranges (camera distance, elevation, azimuth;
    light elevation, azimuth, ambient level, directional intensity), rendered in batches and
    scored by the true-class probability averaged over ``classifiers``; then, ``rounds``
    times, ``n_candidates`` children of the current ``k`` worst are drawn by Gaussian steps
    of 10 % (halved each round) of every range and clipped to it (azimuths wrap), and the
    ``k`` worst of everything seen are kept. Only views within the ranges are ever returned,
    so the ranges define what counts as a plausible view.

    Args:
        classifiers: a Classifier, a list or {name: Classifier} (probabilities averaged).
        mesh: the object.
        label: true class index in the classifiers' label space.
        texture: the colouring to attack: a UV texture (Ht, Wt, 3) or vertex colours (V, 3),
            float in [0, 1]; None = the mesh's own colours.
        n_candidates: candidates per round (>= k); rounds: refinement rounds (>= 0).
        k: views kept.
        image_size, supersample: render size (e.g. ``world.image_size``) and anti-aliasing.
        dist, elev, azim, light_elev, light_azim, ambient, intensity: ``(lo, hi)`` ranges or
            numbers (fixed), in scene units and degrees (same conventions as
            :func:`aswb.render.sample_views` / :func:`aswb.render.sample_lights`).
        fov: vertical field of view in degrees.
        background: (3,) RGB in [0, 1] shared by every view.
        batch: renders per batch.
        seed: seeds the search (same arguments, same views).
    Returns:
        :class:`WorstViews` with a :class:`~aswb.evaluate.Bank` of the ``k`` worst views.
    """
    from tqdm.auto import tqdm

    from ._progress import show_progress
    from .evaluate import Bank

    clfs = _clf_dict(classifiers)
    if not isinstance(mesh, Mesh):
        raise TypeError(f"worst_case_views: expected an aswb.render.Mesh, got {_describe(mesh)}")
    label = _label(label, next(iter(clfs.values())).num_classes)
    if texture is not None:
        texture = _colors(texture, "texture").to(mesh.device)
        want = (mesh.num_verts, 3) if texture.dim() == 2 else None
        if want is not None and tuple(texture.shape) != want:
            raise ValueError(f"texture: vertex colours must have shape {want}, got {tuple(texture.shape)}")
        if texture.dim() == 3 and mesh.uvs is None:
            raise ValueError("texture: a UV texture needs a mesh with UVs (pass vertex colours (V, 3) instead)")
    n, k = positive_int(n_candidates, "n_candidates"), positive_int(k, "k")
    if k > n:
        raise ValueError(f"k: cannot keep {k} views out of n_candidates={n}; expected k <= n_candidates")
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 0:
        raise ValueError(f"rounds: expected an int >= 0, got {rounds!r}")
    batch = positive_int(batch, "batch")
    ranges = torch.tensor([_range(dist, "dist"), _range(elev, "elev"), _range(azim, "azim"),
                           _range(light_elev, "light_elev"), _range(light_azim, "light_azim"),
                           _range(ambient, "ambient", 0.0), _range(intensity, "intensity", 0.0)],
                          dtype=torch.float64)  # (7, 2); float64 so that clipped values equal the bounds
    if ranges[0, 0] <= 0:
        raise ValueError(f"dist: expected positive distances, got range {dist!r}")
    for i in (1, 3):
        if ranges[i, 0] < -90 or ranges[i, 1] > 90:
            raise ValueError(f"{VIEW_PARAMS[i]}: expected degrees in [-90, 90], got {tuple(ranges[i].tolist())}")
    lo, width = ranges[:, 0], ranges[:, 1] - ranges[:, 0]
    wrap = torch.tensor([p in _WRAP and float(w) >= 360 for p, w in zip(VIEW_PARAMS, width)])
    g = torch.Generator().manual_seed(int(seed))
    dev = mesh.device

    @torch.no_grad()
    def score(p: torch.Tensor) -> dict:
        cols = {}
        for i in range(0, len(p), batch):
            cams, lights = _cams_lights(p[i:i + batch], fov, dev)
            scene = Scene(mesh, cams, lights, image_size, background=background, supersample=supersample)
            img = _render(scene, texture)  # (b, H, W, 3)
            for name, clf in clfs.items():
                pr = _probs(clf, img, batch).cpu()
                cols.setdefault(f"p_{name}", []).append(pr[:, label])
                cols.setdefault(f"ok_{name}", []).append(pr.argmax(1) == label)
        return {c: torch.cat(v) for c, v in cols.items()}

    params = lo + width * torch.rand(n, 7, generator=g, dtype=torch.float64)  # (n, 7) uniform in the ranges
    frames = []
    bar = tqdm(total=rounds + 1, disable=not show_progress(progress), desc="worst-case views")
    for r in range(rounds + 1):
        if r > 0:
            best = torch.tensor(all_f.sort_values("p_true", kind="stable").index[:k].to_numpy())
            parents = all_p[best][torch.randint(0, k, (n,), generator=g)]  # (n, 7)
            step = 0.1 * 0.5 ** (r - 1) * width
            params = parents + step * torch.randn(n, 7, generator=g, dtype=torch.float64)
            span = width.clamp_min(1e-12)
            wrapped = lo + torch.remainder(params - lo, span)
            params = torch.where(wrap, wrapped, torch.minimum(torch.maximum(params, lo), lo + width))
        s = score(params)
        f = pd.DataFrame(params.numpy(), columns=list(VIEW_PARAMS))
        f.insert(0, "round", r)
        names = list(clfs)
        f["p_true"] = torch.stack([s[f"p_{m}"] for m in names]).double().mean(0).numpy()
        for m in names:
            f[f"p_{m}"] = s[f"p_{m}"].double().numpy()
        f["correct"] = torch.stack([s[f"ok_{m}"] for m in names]).all(0).numpy()
        frames.append(f)
        all_f = pd.concat(frames, ignore_index=True)
        all_p = params if r == 0 else torch.cat([all_p, params])
        bar.update(1)
    bar.close()
    order = all_f.sort_values("p_true", kind="stable").index.to_numpy()
    keep = torch.tensor(order[:k])
    all_f["worst"] = False
    all_f.loc[order[:k], "worst"] = True
    frame = all_f.loc[order].reset_index(drop=True)
    p = all_p[keep].float()
    cams, lights = _cams_lights(p, fov, dev)
    bank = Bank(Scene(mesh, cams, lights, image_size, background=background, supersample=supersample),
                None, "worst_case")
    return WorstViews(bank=bank, cameras=cams, lights=lights, params=p, frame=frame)


# --------------------------------------------------------------------------- pushes towards
@torch.no_grad()
def pushes_towards(classifiers, bank, original: torch.Tensor, signal: torch.Tensor, k: int = 5,
                   batch: int = 64) -> pd.DataFrame:
    """Which classes a texture pushes probability towards and away from.

    Both colourings are rendered on the same views; every classifier's class probabilities
    are averaged over views and classifiers, and the change ``Δp = p_signal - p_original`` is
    reported per class (the changes sum to 0 over all classes).

    Args:
        classifiers: a Classifier, a list or {name: Classifier} with the same classes.
        bank: a :class:`~aswb.evaluate.Bank` or :class:`~aswb.render.Scene`, or a list of them
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
    from .evaluate import Bank

    clfs = _clf_dict(classifiers)
    banks = [bank] if isinstance(bank, (Bank, Scene)) else list(bank) if isinstance(bank, (list, tuple)) else None
    if not banks or not all(isinstance(b, (Bank, Scene)) for b in banks):
        raise TypeError(f"bank: expected a Bank, a Scene or a non-empty list of them, got {_describe(bank)}")
    original, signal = _colors(original, "original"), _colors(signal, "signal")
    if original.shape != signal.shape:
        raise ValueError(f"signal: expected the original's shape {tuple(original.shape)}, got {tuple(signal.shape)}")
    k = positive_int(k, "k")
    first = next(iter(clfs.values()))
    C = first.num_classes
    sums = {"o": torch.zeros(C, dtype=torch.float64), "s": torch.zeros(C, dtype=torch.float64)}
    top1 = {"o": torch.zeros(C, dtype=torch.float64), "s": torch.zeros(C, dtype=torch.float64)}
    count = 0
    for b in banks:
        dev = (b.scene if isinstance(b, Bank) else b).mesh.device
        img_o, img_s = _render(b, original.to(dev)), _render(b, signal.to(dev))
        for clf in clfs.values():
            for key, img in (("o", img_o), ("s", img_s)):
                pr = _probs(clf, img, batch).double().cpu()  # (B, C)
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


# --------------------------------------------------------------------------- colours
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
    rgb = _colors(rgb.reshape(-1, 3) if isinstance(rgb, torch.Tensor) else rgb, "rgb")
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
    x = _colors(colors, "colors")
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
    (F,) bool, default all): the part of an atlas that can ever be seen."""
    from .render.atlas import uv_face_mask

    if not isinstance(mesh, Mesh) or mesh.textures is None or mesh.uvs is None:
        raise ValueError(f"used_texels: expected a textured Mesh with UVs, got {_describe(mesh)}")
    if faces is None:
        faces = torch.ones(mesh.num_faces, dtype=torch.bool, device=mesh.device)
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
    from .signals import tv_texture

    return float(tv_texture(tex, m)) / 2 if tex.dim() == 3 else float("nan")


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
    original, signal = _colors(original, "original").float().cpu(), _colors(signal, "signal").float().cpu()
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
    m2 = mask if mask is not None and original.dim() == 3 else None
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
