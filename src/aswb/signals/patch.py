"""2D assistive patches trained with Expectation over Transformation (Brown et al., 2017)."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .._checks import _describe, check_image, class_label
from ..models import classifier_list
from ..render import Mesh
from .constraints import Constraint
from .loop import Terms, run
from .losses import true_class_loss, tv_image
from .regions import patch_size
from .result import SignalResult
from .settings import PatchSettings, PatchTransforms, from_keywords

__all__ = ["PatchTransforms", "PatchSettings", "apply_patch", "eot_patch", "patch_to_texture", "patch_size"]


def apply_patch(images: torch.Tensor, patch: torch.Tensor, center, scale=1.0, rotation=0.0, brightness=1.0):
    """Paste a patch into images with a differentiable affine warp.

    Args:
        images: (B, 3, H, W) float in [0, 1].
        patch: (3, h, w) float in [0, 1]; its nominal size on the image is h x w pixels.
        center: (B, 2) patch centres as (x, y) fractions of the width/height (0 = left/top).
        scale, rotation (degrees), brightness: scalars or (B,) tensors.
    Returns:
        (B, 3, H, W) images with the patch, differentiable w.r.t. ``patch`` (and ``images``).
    """
    B, _, H, W = images.shape
    if patch.dim() != 3 or patch.shape[0] != 3:
        raise ValueError(f"patch: expected shape (3, h, w), got {tuple(patch.shape)}")
    dev = images.device
    t = lambda v: torch.as_tensor(v, dtype=torch.float32, device=dev).reshape(-1).expand(B)  # noqa: E731
    s, rot, br = t(scale), torch.deg2rad(t(rotation)), t(brightness)
    c = torch.as_tensor(center, dtype=torch.float32, device=dev).reshape(B, 2)
    h, w = patch.shape[1:]
    # affine_grid maps output coords (image, [-1, 1]) to input coords (patch, [-1, 1]):
    # p = R^-1 (q - c) / (size / image size)
    sx, sy = w * s / W, h * s / H  # patch half-extent in normalised image units
    cos, sin = torch.cos(rot), torch.sin(rot)
    cx, cy = c[:, 0] * 2 - 1, c[:, 1] * 2 - 1
    theta = torch.zeros(B, 2, 3, device=dev)
    theta[:, 0, 0], theta[:, 0, 1] = cos / sx, sin / sx * (H / W)
    theta[:, 1, 0], theta[:, 1, 1] = -sin / sy * (W / H), cos / sy
    theta[:, 0, 2] = -(theta[:, 0, 0] * cx + theta[:, 0, 1] * cy)
    theta[:, 1, 2] = -(theta[:, 1, 0] * cx + theta[:, 1, 1] * cy)
    grid = F.affine_grid(theta, [B, 4, H, W], align_corners=False)
    src = torch.cat([patch, torch.ones_like(patch[:1])], 0)[None].expand(B, -1, -1, -1)  # RGB + coverage
    warped = F.grid_sample(src, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    rgb, alpha = warped[:, :3], warped[:, 3:]
    # the warp's rounding may overshoot [0, 1] by an ulp: clamp before the brightness factor per image
    rgb = rgb.clamp(0, 1) * br.view(B, 1, 1, 1)
    return (images * (1 - alpha) + rgb.clamp(0, 1) * alpha).clamp(0, 1)


def eot_patch(classifiers, images: torch.Tensor, label: int, area: float = 0.05, steps: int = 200,
              alpha: float = 1 / 255 * 4, batch_size: int = 16, transforms: PatchTransforms = PatchTransforms(),
              tv: float = 0.0, step_rule="sign", init: torch.Tensor | None = None, attack: bool = False,
              progress: bool | None = None, seed: int = 0, *, settings: PatchSettings | None = None) -> SignalResult:
    """An assistive patch for one class, trained under random location, scale, rotation and brightness.

    Args:
        classifiers: a Classifier or a list.
        images: (N, 3, H, W) float in [0, 1] images of the class (square).
        label: the class index.
        area: patch area as a fraction of the image.
        steps, alpha, step_rule: steps on the patch pixels (kept in [0, 1]); see
            :class:`~aswb.signals.loop.LoopSettings`.
        tv: weight of the patch's total variation (a penalty, in attacks too).
        batch_size: images (with fresh transforms) per step.
        transforms: the EoT distribution.
        init: (3, h, w) float in [0, 1], the starting patch (default mid-grey).
        attack, progress, seed: see :class:`~aswb.signals.PatchSettings`.
        settings: a :class:`~aswb.signals.PatchSettings` passed whole instead of the keywords
            ``area`` ... ``seed`` other than ``init`` (which must then keep their defaults).
    Returns:
        :class:`SignalResult` (domain ``"patch"``) with ``signal`` (3, h, w) in [0, 1].
    """
    clfs = classifier_list(classifiers)
    images = check_image(images, "images", channels_last=False).detach()
    label = class_label(label, clfs[0].num_classes)
    s = from_keywords(PatchSettings, settings, eot_patch, area=area, steps=steps, alpha=alpha, batch_size=batch_size,
                      transforms=transforms, tv=tv, step_rule=step_rule, attack=attack, progress=progress, seed=seed)
    N, _, H, W = images.shape
    side = patch_size(s.area, min(H, W))
    x0 = torch.full((3, side, side), 0.5, device=images.device)
    if init is not None and (not isinstance(init, torch.Tensor) or init.shape != x0.shape):
        raise ValueError(f"init: expected shape {tuple(x0.shape)}, got {_describe(init)}")
    g = torch.Generator().manual_seed(s.seed)
    labels = torch.full((s.batch_size,), label, dtype=torch.int64, device=images.device)

    def objective(p, step):
        idx = torch.randint(0, N, (s.batch_size,), generator=g).to(images.device)
        tr = s.transforms.sample(s.batch_size, g)
        x = apply_patch(images[idx], p, **tr)
        loss, p_true = true_class_loss(clfs, x, labels)
        if not s.tv:
            return Terms(loss, p_true)
        t = tv_image(p)
        return Terms(loss, p_true, {"tv": t.item()}, s.tv * t)

    p, hist = run(Constraint(x0=x0, eps=None), objective, s.loop(), start=init)
    return SignalResult(domain="patch", signal=p, original=x0, mask=None, history=hist,
                        settings=s.record(label=label, side=side, classifiers=[c.name for c in clfs]),
                        metrics={"p_true_first": float(hist.p_true.iloc[0]), "p_true_last": float(hist.p_true.iloc[-1])})


def patch_to_texture(mesh: Mesh, patch: torch.Tensor, mask: torch.Tensor, texture: torch.Tensor | None = None):
    """Paste a 2D patch onto a UV texture: resized into the bounding box of ``mask``'s texels,
    kept only inside the mask (the paper's "2D patch" applied to a mesh).

    Args:
        mesh: textured mesh (single atlas).
        patch: (3, h, w) in [0, 1].
        mask: (Ht, Wt) bool texels of the 3D patch region.
        texture: the texture to paste on (default the mesh's).
    Returns:
        (Ht, Wt, 3) texture.
    """
    tex = (mesh.textures[0] if texture is None else texture).detach().clone()
    if mask.shape != tex.shape[:2] or mask.dtype != torch.bool or not bool(mask.any()):
        raise ValueError(f"mask: expected a non-empty bool mask of shape {tuple(tex.shape[:2])}, got {_describe(mask)}")
    ys, xs = mask.nonzero(as_tuple=True)
    y0, y1, x0, x1 = int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1
    img = F.interpolate(patch[None], size=(y1 - y0, x1 - x0), mode="bilinear", align_corners=False, antialias=True)
    region = tex[y0:y1, x0:x1]
    tex[y0:y1, x0:x1] = torch.where(mask[y0:y1, x0:x1, None], img[0].permute(1, 2, 0).clamp(0, 1), region)
    return tex
