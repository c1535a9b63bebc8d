"""Adversarial views and lights: a gradient-free search for the views on which an object is
recognised worst (visibility is not differentiable, so candidates are sampled, rendered in
batches and the worst kept, then refined locally)."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import torch
from tqdm.auto import tqdm

from .._checks import _describe, check_coloring, class_label, coloring_kind, positive_int, value_range
from .._progress import show_progress
from ..evaluate import ViewBank
from ..models import classifier_dict, predict
from ..render import Cameras, Lights, Mesh, Scene, view_eye

__all__ = ["WorstViews", "worst_case_views", "VIEW_PARAMS"]

#: the searched parameters of :func:`worst_case_views`, in the column order of its frame
VIEW_PARAMS = ("dist", "elev", "azim", "light_elev", "light_azim", "ambient", "intensity")
_WRAP = {"azim", "light_azim"}  # angles that wrap around at 360 degrees


@dataclass(frozen=True, eq=False)
class WorstViews:
    """The views and lights on which a colouring is recognised worst.

    Fields:
        bank: :class:`aswb.evaluate.ViewBank` of the ``k`` worst candidates (worst first): pass
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
        :class:`WorstViews` with a :class:`~aswb.evaluate.ViewBank` of the ``k`` worst views.
    """


    clfs = classifier_dict(classifiers)
    if not isinstance(mesh, Mesh):
        raise TypeError(f"worst_case_views: expected an aswb.render.Mesh, got {_describe(mesh)}")
    label = class_label(label, next(iter(clfs.values())).num_classes)
    if texture is not None:
        texture = check_coloring(texture, "texture").to(mesh.device)
        kind = coloring_kind(texture, "texture")
        if kind == "vertex" and tuple(texture.shape) != (mesh.num_verts, 3):
            raise ValueError(f"texture: vertex colours must have shape {(mesh.num_verts, 3)}, got {tuple(texture.shape)}")
        if kind == "uv" and mesh.uvs is None:
            raise ValueError("texture: a UV texture needs a mesh with UVs (pass vertex colours (V, 3) instead)")
    n, k = positive_int(n_candidates, "n_candidates"), positive_int(k, "k")
    if k > n:
        raise ValueError(f"k: cannot keep {k} views out of n_candidates={n}; expected k <= n_candidates")
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 0:
        raise ValueError(f"rounds: expected an int >= 0, got {rounds!r}")
    batch = positive_int(batch, "batch")
    ranges = torch.tensor([value_range(dist, "dist"), value_range(elev, "elev"), value_range(azim, "azim"),
                           value_range(light_elev, "light_elev"), value_range(light_azim, "light_azim"),
                           value_range(ambient, "ambient", 0.0), value_range(intensity, "intensity", 0.0)],
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
            x = ViewBank.of(scene).images(texture)  # (b, 3, H, W)
            for name, clf in clfs.items():
                pr = predict(clf, x, batch).cpu()
                cols.setdefault(f"p_{name}", []).append(pr[:, label])
                cols.setdefault(f"ok_{name}", []).append(pr.argmax(1) == label)
        return {c: torch.cat(v) for c, v in cols.items()}

    params = lo + width * torch.rand(n, 7, generator=g, dtype=torch.float64)  # (n, 7) uniform in the ranges
    frames, all_f, all_p = [], None, None
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
    bank = ViewBank(Scene(mesh, cams, lights, image_size, background=background, supersample=supersample),
                None, "worst_case")
    return WorstViews(bank=bank, cameras=cams, lights=lights, params=p, frame=frame)

