"""Assistive textures and 3D patches on meshes (Algorithm 1): UV textures or vertex colours,
full or masked, optimised through differentiable rendering over many views and lights."""
from __future__ import annotations

import torch

from .._checks import _describe, class_label
from ..models import classifier_list
from ..render import Mesh, Scene
from ..render.atlas import uv_face_mask
from ..views import ViewBank, ViewSampler  # ViewSampler re-exported here for one release
from .constraints import Constraint, check_mask
from .loop import Terms, run
from .losses import nps, true_class_loss, tv_texture, tv_vertex
from .regions import _check_kind, mesh_edges, vertex_texture_colors
from .result import SignalResult
from .settings import TextureSettings, from_keywords

__all__ = ["ViewSampler", "assist_texture", "texture_original"]


def texture_original(mesh: Mesh, kind: str) -> torch.Tensor:
    """The colours an assistive texture replaces: the mesh's single UV texture (Ht, Wt, 3), or
    its vertex colours (V, 3) (baked from the texture when it has none)."""
    if _check_kind(kind) == "vertex":
        return vertex_texture_colors(mesh)
    if mesh.textures is None:
        raise ValueError("kind='uv' needs a textured mesh with UVs (try kind='vertex')")
    if len(mesh.textures) != 1:
        raise ValueError(f"kind='uv' needs a single texture atlas, the mesh has {len(mesh.textures)} materials; "
                         "pack them with aswb.render.atlas.pack_atlas(mesh)")
    return mesh.textures[0]


def assist_texture(scene_or_sampler, classifiers, label: int, kind: str = "uv", mask=None, eps: float | None = None,
                   norm: str = "linf", alpha: float = 4 / 255, steps: int = 50, step_rule="sign",
                   tv: float = 0.0, printability: float = 0.0, init: torch.Tensor | None = None,
                   attack: bool = False, keep_best: bool = False, progress: bool | None = None,
                   seed: int = 0, *, settings: TextureSettings | None = None) -> SignalResult:
    """Optimise a mesh's texture or vertex colours so classifiers see ``label`` (Algorithm 1).

    Args:
        scene_or_sampler: a :class:`~aswb.render.Scene` or :class:`~aswb.evaluate.ViewBank` (a fixed
            bank of views whose fragments are cached) or a :class:`ViewSampler` (fresh views,
            lights, backgrounds each step).
        classifiers: a Classifier or a list (their cross-entropies are averaged).
        label: true class index in the classifiers' label space.
        kind: ``"uv"`` (the (Ht, Wt, 3) texture) or ``"vertex"`` ((V, 3) colours).
        mask: (Ht, Wt) bool texels / (V,) bool vertices that may change (a patch, a part), or None.
        eps: L-inf/L2 budget around the original colours, or None (unbounded: robust patterns).
        alpha, steps, step_rule: the step (see :class:`~aswb.signals.loop.LoopSettings`).
        tv: weight of (seam-aware) total variation; printability: weight of the non-printability score.
        init: start colours (same shape as the original), e.g. a 2D patch pasted on the texture.
        attack: maximise the loss instead (an adversarial texture).
        keep_best: return the iterate with the lowest loss seen.
        progress: tqdm bar: True, False or None (in Jupyter only).
        seed: seeds the random parts (sampler batches are the sampler's own).
        settings: a :class:`~aswb.signals.TextureSettings` passed whole instead of the keywords
            ``kind`` ... ``seed`` other than ``mask`` and ``init`` (which must then keep their defaults).
    Returns:
        :class:`SignalResult` with ``signal`` of the original's shape, in [0, 1].
    """
    views = scene_or_sampler
    if isinstance(views, Scene):
        views = ViewBank(views)
    if isinstance(views, ViewBank):
        mesh, next_bank = views.scene.mesh, (lambda step: views)
    elif isinstance(views, ViewSampler):
        mesh, next_bank = views.mesh, views
    else:
        raise TypeError(f"assist_texture: expected a Scene, a ViewBank or a ViewSampler, got {_describe(scene_or_sampler)}")
    clfs = classifier_list(classifiers)
    label = class_label(label, clfs[0].num_classes)
    s = from_keywords(TextureSettings, settings, assist_texture, kind=kind, eps=eps, norm=norm, alpha=alpha,
                      steps=steps, step_rule=step_rule, tv=tv, printability=printability, attack=attack,
                      keep_best=keep_best, progress=progress, seed=seed)
    kind, tv, printability = s.kind, s.tv, s.printability
    x0 = texture_original(mesh, kind).detach()
    m = check_mask(mask, tuple(x0.shape), "mask", device=x0.device)
    if init is not None and (not isinstance(init, torch.Tensor) or init.shape != x0.shape):
        raise ValueError(f"init: expected a tensor of shape {tuple(x0.shape)}, got {_describe(init)}")
    con = Constraint(x0=x0, eps=s.eps, norm=s.norm, mask=m)
    used = None
    if kind == "uv" and tv:

        used = uv_face_mask(mesh, torch.ones(mesh.num_faces, dtype=torch.bool, device=mesh.device), tuple(x0.shape[:2]))
    edges = mesh_edges(mesh) if kind == "vertex" and tv else None
    dev = x0.device

    def objective(x, step):
        bank = next_bank(step)
        img = bank.images(x)  # (B, 3, H, W); a (Ht, Wt, 3) texture or (V, 3) vertex colours, by kind's shape
        labels = torch.full((img.shape[0],), label, dtype=torch.int64, device=dev)
        loss, p_true = true_class_loss(clfs, img, labels)
        penalty, extra = None, {}
        if tv:
            t = tv_texture(x, used) if kind == "uv" else tv_vertex(x, edges)
            penalty, extra["tv"] = tv * t, t.item()
        if printability:
            p = nps(x)
            penalty, extra["nps"] = printability * p + (0 if penalty is None else penalty), p.item()
        return Terms(loss, p_true, extra, penalty)

    x, hist = run(con, objective, s.loop(), start=init)
    meta = s.record(label=label, classifiers=[c.name for c in clfs], masked=m is not None,
                    sampler="fresh" if isinstance(views, ViewSampler) else "fixed",
                    views=views.n if isinstance(views, ViewSampler) else len(views))
    metrics = {"p_true_first": float(hist.p_true.iloc[0]), "p_true_last": float(hist.p_true.iloc[-1]),
               "delta_linf": float((x - x0).abs().max())}
    return SignalResult(domain=kind, signal=x, original=x0, mask=None if mask is None else mask.detach().clone(),
                        history=hist, settings=meta, metrics=metrics)
