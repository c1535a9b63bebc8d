"""The paper's experiment for one object, as a library call (used by ``bench/paper.py`` and
``python -m aswb demo``): a 3D patch, a 2D EoT patch, a full texture and same-area controls,
optimised over fresh views and evaluated on held-out views by every classifier of a world."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import torch

from . import evaluate
from .signals import (SignalResult, assist_texture, controls, eot_patch, face_patch, faces_to_mask,
                      most_visible_face, patch_to_texture)

__all__ = ["ObjectRun", "run_object", "EVAL_CONDITIONS"]

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


def patch_region(world, mesh, area: float, conditions=("easy", "hard")):
    """(faces (F,) bool, uv mask (Ht, Wt) bool) of a patch covering ``area`` of the surface,
    centred where the object is seen most over views of ``conditions`` (the distribution the
    patch is optimised for; never the evaluation views)."""
    look = world.sampler(mesh, 48, conditions, seed=5)(0)
    faces = face_patch(mesh, area, center=most_visible_face(look))
    return faces, faces_to_mask(mesh, faces, "uv")


def two_d_patch(world, clf, mesh, label: int, faces, steps: int, seed: int = 3) -> SignalResult:
    """Brown et al.'s EoT patch trained on 2D renders of the object (easy + hard), with the 3D
    patch's mean image footprint as its area — the paper's "2D patch" baseline."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        renders = torch.cat([world.render(mesh, 16, c, g) for c in ("easy", "hard")])  # (32, H, W, 3)
    look = world.bank(mesh, 24, "easy", seed=5)
    fi = look.scene.fragments.face_idx
    frac = float(torch.where(fi >= 0, faces[fi.clamp_min(0)], False).float().mean())
    return eot_patch(clf, renders.permute(0, 3, 1, 2), label, area=max(frac, 0.01), steps=steps, batch_size=16,
                     alpha=4 / 255, seed=seed)


def fine_mesh(mesh, max_face_fraction: float = 0.01, max_times: int = 3):
    """Subdivide a (low-poly) mesh until no face covers more than ``max_face_fraction`` of the
    surface, so patches can match their target area; the rendered look is unchanged."""
    from .render import subdivide

    for _ in range(max_times):
        a = mesh.face_areas()
        if float(a.max() / a.sum()) <= max_face_fraction:
            break
        mesh = subdivide(mesh, 1)
    return mesh


def run_object(world, cls: str, source: str = "resnet18", area: float = 0.10, steps: int = 120,
               alpha: float = 8 / 255, views: int = 8, eval_views: int = 32, baselines: bool = True,
               conditions=EVAL_CONDITIONS, step_rule: str = "sign", progress: bool | None = None) -> ObjectRun:
    """Optimise and evaluate the paper's signals for one held-out object.

    Args:
        world: an :class:`aswb.World`.
        cls: toy class (a held-out instance of it is used).
        source: the classifier the signals are optimised for: an arch of the world, or
            ``"ensemble"`` for all of them.
        area: surface fraction of the 3D patch.
        steps, alpha: signed-gradient steps (unbounded inside the patch / texture).
        views: fresh easy + hard views per step.
        eval_views: held-out views per condition.
        baselines: also build the 2D patch and the controls.
        step_rule: ``"sign"`` (Algorithm 1) or ``"adam"`` (``alpha`` is then the learning rate).
    Returns:
        :class:`ObjectRun`.
    """
    label = world.label(cls)
    mesh = fine_mesh(world.mesh(cls))
    tex = mesh.textures[0]
    src = list(world.classifiers.values()) if source == "ensemble" else world.classifiers[source]
    faces, mask = patch_region(world, mesh, area)
    t0 = time.perf_counter()
    p3 = assist_texture(world.sampler(mesh, views, ("easy", "hard"), seed=1), src, label, kind="uv", mask=mask,
                        steps=steps, alpha=alpha, step_rule=step_rule, seed=1, progress=progress)
    full = assist_texture(world.sampler(mesh, views, ("easy", "hard"), seed=2), src, label, kind="uv",
                          steps=steps, alpha=alpha, step_rule=step_rule, seed=2, progress=progress)
    results = {"3d_patch": p3, "full_texture": full}
    colorings = {"original": tex, "3d_patch": p3.signal, "full_texture": full.signal}
    if baselines:
        p2 = two_d_patch(world, src, mesh, label, faces, steps)
        results["2d_patch"] = p2
        colorings["2d_patch"] = patch_to_texture(mesh, p2.signal, mask)
        g = torch.Generator().manual_seed(4)
        colorings.update({f"patch_{k}": v for k, v in controls(tex, mask, generator=g).items()})
        colorings.update({f"full_{k}": v for k, v in controls(tex, None, generator=g).items()})
    secs = time.perf_counter() - t0
    banks = [world.bank(mesh, eval_views, c, seed=1000 + i) for i, c in enumerate(conditions)]
    df = evaluate.confidence(world.classifiers, banks, colorings, label)
    df.insert(0, "object", cls)
    df.insert(1, "source", source)
    area_frac = float(mesh.face_areas()[faces].sum() / mesh.face_areas().sum())
    return ObjectRun(df, results, colorings, area_frac, secs, {"mesh": mesh, "mask": mask, "label": label})


def save_run(run: ObjectRun, out) -> Path:
    """Write each result of a run (with the textured mesh) under ``out/<name>``."""
    out = Path(out)
    for name, r in run.results.items():
        r.save(out / name, mesh=run.info["mesh"] if r.kind in ("uv", "vertex") else None)
    return out
