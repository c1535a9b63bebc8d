"""The paper's experiment for one object, as a library call (used by ``bench/paper.py`` and
``python -m aswb demo``): a 3D patch, a 2D EoT patch, a full texture and same-area controls,
optimised over fresh views and evaluated on held-out views by every classifier of a world."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import torch

from . import evaluate
from ._checks import check_bool, check_int, check_number, check_seed
from .render import subdivide
from .signals import (SignalResult, assist_texture, controls, eot_patch, face_patch, faces_to_mask, most_visible_face,
                      patch_to_texture)

__all__ = ["ObjectRun", "run_object", "EVAL_CONDITIONS", "PatchRegion", "patch_region", "two_d_patch", "fine_mesh",
           "regimes"]

EVAL_CONDITIONS = ("easy", "hard_view", "hard_light", "hard")


@dataclass
class ObjectRun:
    """Everything one object's experiment produced.

    Fields:
        frame: tidy confidence frame (object, source, model, condition, variant, view, ...).
        results: {name: SignalResult} (``"3d_patch"``, ``"full_texture"``, ``"2d_patch"``).
        colorings: {variant: (Ht, Wt, 3) texture} that were evaluated.
        patch_area: surface fraction actually covered by the 3D patch.
        seconds: optimisation time.
    """

    frame: pd.DataFrame
    results: dict
    colorings: dict
    patch_area: float
    seconds: float
    info: dict = field(default_factory=dict)


class PatchRegion(NamedTuple):
    """Where a 3D patch goes.

    Fields:
        faces: (F,) bool faces of the patch.
        mask: (Ht, Wt) bool UV texels of those faces (the texels a 3D patch may change).
        area: the fraction of the surface the faces cover.
    """

    faces: torch.Tensor
    mask: torch.Tensor
    area: float


def patch_region(mesh, area: float, look) -> PatchRegion:
    """A compact patch covering ``area`` of the surface, centred on the face the views ``look``
    (a :class:`~aswb.evaluate.ViewBank`, e.g. views of the distribution the patch is optimised
    for; never the evaluation views) see most."""
    faces = face_patch(mesh, area, center=most_visible_face(look))
    return PatchRegion(faces, faces_to_mask(mesh, faces, "uv"),
                       float(mesh.face_areas()[faces].sum() / mesh.face_areas().sum()))


def two_d_patch(world, classifiers, mesh, label: int, conditions=("easy", "hard"), renders: int = 32,
                area: float | None = None, faces: torch.Tensor | None = None, steps: int = 100,
                alpha: float = 4 / 255, batch_size: int = 16, seed: int = 3) -> SignalResult:
    """Brown et al.'s EoT patch trained on 2D renders of the object — the paper's "2D patch".

    Args:
        world, mesh, label: the object and its class.
        classifiers: what the patch is optimised for.
        conditions: the renders are ``renders // len(conditions)`` fixed views of each
            (``world.bank(..., seed=seed)``).
        area: the patch's image fraction; None: the mean image footprint of ``faces`` (the 3D
            patch) on 24 easy views, so both patches cover the same part of the picture.
        steps, alpha, batch_size, seed: the EoT optimisation (:func:`aswb.signals.eot_patch`).
    Returns:
        :class:`~aswb.signals.SignalResult` with a (3, h, w) patch; paste it on the texture with
        :func:`aswb.signals.patch_to_texture`.
    """
    with torch.no_grad():
        imgs = torch.cat([world.bank(mesh, renders // len(conditions), c, seed=seed).images() for c in conditions])
    if area is None:
        if faces is None:
            raise ValueError("two_d_patch: give the patch's image fraction (area) or the 3D patch's faces")
        fi = world.bank(mesh, 24, "easy", seed=5).scene.fragments.face_idx
        area = max(float(torch.where(fi >= 0, faces[fi.clamp_min(0)], False).float().mean()), 0.01)
    return eot_patch(classifiers, imgs, label, area=area, steps=steps, batch_size=batch_size, alpha=alpha, seed=seed)


def fine_mesh(mesh, max_face_fraction: float = 0.01, max_times: int = 3):
    """Subdivide a (low-poly) mesh until no face covers more than ``max_face_fraction`` of the
    surface, so patches can match their target area; the rendered look is unchanged."""
    for _ in range(max_times):
        a = mesh.face_areas()
        if float(a.max() / a.sum()) <= max_face_fraction:
            break
        mesh = subdivide(mesh, 1)
    return mesh


def run_object(world, cls: str, source: str = "resnet18", area: float = 0.10, steps: int = 120,
               alpha: float = 8 / 255, views: int = 8, eval_views: int = 32, baselines: bool = True,
               conditions=EVAL_CONDITIONS, train_conditions=("easy", "hard"), step_rule="sign",
               progress: bool | None = None, seed: int = 0) -> ObjectRun:
    """Optimise and evaluate the paper's signals for one held-out object.

    Args:
        world: an :class:`aswb.World`.
        cls: toy class (a held-out instance of it is used).
        source: the classifier the signals are optimised for: an arch of the world, or
            ``"ensemble"`` for all of them.
        area: surface fraction of the 3D patch.
        steps, alpha: signed-gradient steps (unbounded inside the patch / texture).
        views: fresh views per step, drawn from ``train_conditions``.
        eval_views: held-out views per condition of ``conditions``.
        baselines: also build the 2D patch and the controls.
        train_conditions: the viewing conditions the signals are optimised over.
        step_rule: ``"sign"`` (Algorithm 1), ``"adam"`` (``alpha`` is then the learning rate),
            ``"momentum"`` or an :class:`aswb.signals.StepRule`.
        seed: offsets every seed of the run (views drawn, patch placement, controls, held-out
            views); 0 is the paper study's setting.
    Returns:
        :class:`ObjectRun`.
    """
    # the user's arguments under their own names, before any work (and before offsets such as 100 * seed)
    seed = check_seed(seed)
    if not 0 < check_number(area, "area", hi=1.0):
        raise ValueError(f"area: expected a surface fraction in (0, 1], got {area}")
    n_train = 1 if isinstance(train_conditions, str) else len(tuple(train_conditions))
    check_int(views, "views", lo=max(1, n_train))  # at least one fresh view per training condition
    check_int(eval_views, "eval_views", lo=1)
    check_bool(baselines, "baselines")
    label = world.label(cls)
    mesh = fine_mesh(world.mesh(cls))
    tex = mesh.textures[0]
    src = list(world.classifiers.values()) if source == "ensemble" else world.classifiers[source]
    region = patch_region(mesh, area, world.sampler(mesh, 48, train_conditions, seed=5 + seed)(0))
    mask = region.mask
    t0 = time.perf_counter()
    patch_3d = assist_texture(world.sampler(mesh, views, train_conditions, seed=1 + seed), src, label, kind="uv",
                              mask=mask, steps=steps, alpha=alpha, step_rule=step_rule, seed=1 + seed, progress=progress)
    full = assist_texture(world.sampler(mesh, views, train_conditions, seed=2 + seed), src, label, kind="uv",
                          steps=steps, alpha=alpha, step_rule=step_rule, seed=2 + seed, progress=progress)
    results = {"3d_patch": patch_3d, "full_texture": full}
    colorings = {"original": tex, "3d_patch": patch_3d.signal, "full_texture": full.signal}
    if baselines:
        patch_2d = two_d_patch(world, src, mesh, label, train_conditions, faces=region.faces, steps=steps, seed=3 + seed)
        results["2d_patch"] = patch_2d
        colorings["2d_patch"] = patch_to_texture(mesh, patch_2d.signal, mask)
        g = torch.Generator().manual_seed(4 + seed)
        colorings.update({f"patch_{k}": v for k, v in controls(tex, mask, generator=g).items()})
        colorings.update({f"full_{k}": v for k, v in controls(tex, None, generator=g).items()})
    secs = time.perf_counter() - t0
    banks = [world.bank(mesh, eval_views, c, seed=i + 100 * seed, split="heldout") for i, c in enumerate(conditions)]
    df = evaluate.confidence(world.classifiers, banks, colorings, label)
    df.insert(0, "object", cls)
    df.insert(1, "source", source)
    return ObjectRun(df, results, colorings, region.area, secs, {"mesh": mesh, "mask": mask, "label": label})


def save_run(run: ObjectRun, out) -> Path:
    """Write each result of a run (with the textured mesh) under ``out/<name>``."""
    out = Path(out)
    for name, r in run.results.items():
        r.save(out / name, mesh=run.info["mesh"] if r.domain in ("uv", "vertex") else None)
    return out


def regimes(world, arch: str | None = None) -> tuple[str, dict]:
    """The training regimes of one architecture of a world: ``(arch, {regime: Classifier})``
    (:meth:`aswb.World.regime_classifiers`: every shipped regime where the world ships
    hardened classifiers, the toy world's ``none``, ``pgd``, ``localized``, ``shared``;
    elsewhere ``{"none": world.classifiers[arch]}``)."""
    return world.regime_classifiers(arch)
