"""One small set of boundary checkers shared by every public function.

Each raises ``TypeError`` (wrong type/dtype) or ``ValueError`` (wrong shape/range) with a
message that says what was expected and what arrived.
"""
from __future__ import annotations

import math
import numbers
from typing import Sequence

import torch

__all__: list[str] = []


def _describe(x) -> str:
    if isinstance(x, torch.Tensor):
        return f"tensor of shape {tuple(x.shape)} and dtype {x.dtype}"
    return f"{type(x).__name__} {x!r}"[:120]


def as_tensor(x, name: str, *, dtype=torch.float32, device=None, keep_float: bool = False) -> torch.Tensor:
    """Convert numbers, sequences, numpy arrays or tensors to a tensor of ``dtype``.

    With ``keep_float``, a floating-point tensor keeps its own precision (e.g. float64 for
    gradcheck) instead of being cast to ``dtype``.
    """
    if isinstance(x, torch.Tensor):
        if keep_float and x.is_floating_point():
            return x.to(device=device if device is not None else x.device)
        if x.is_complex() or (dtype.is_floating_point and x.dtype == torch.bool):
            raise TypeError(f"{name}: expected a real {dtype} tensor, got {_describe(x)}")
        if not dtype.is_floating_point and x.is_floating_point():
            raise TypeError(f"{name}: expected an integer tensor, got {_describe(x)}")
        return x.to(dtype=dtype, device=device if device is not None else x.device)
    try:
        t = torch.as_tensor(x, dtype=dtype, device=device)
    except (TypeError, ValueError, RuntimeError) as e:
        raise TypeError(f"{name}: expected numbers convertible to {dtype}, got {_describe(x)}") from e
    return t


def check_shape(x: torch.Tensor, name: str, shape: Sequence[int | None | str]) -> None:
    """Check ``x.shape`` against ``shape``; ``None`` matches any size (like a named dim)."""
    ok = x.dim() == len(shape) and all(
        s is None or isinstance(s, str) or s == n for s, n in zip(shape, x.shape)
    )
    if not ok:
        want = "(" + ", ".join("?" if s is None else str(s) for s in shape) + (",)" if len(shape) == 1 else ")")
        raise ValueError(f"{name}: expected shape {want}, got {tuple(x.shape)}")


def check_finite(x: torch.Tensor, name: str) -> None:
    if x.is_floating_point() and not bool(torch.isfinite(x).all()):
        n = int((~torch.isfinite(x)).sum())
        raise ValueError(f"{name}: expected finite values, got {n} NaN/inf entries")


def check_range(x: torch.Tensor, name: str, lo: float = 0.0, hi: float = 1.0) -> None:
    """``x`` finite and in [lo, hi]: one ``aminmax`` pass (NaN and inf fail it), details on failure only."""
    x = x.detach()
    if not x.numel():
        return
    mn, mx = (float(v) for v in torch.aminmax(x if x.dtype != torch.bool else x.to(torch.uint8)))
    if lo <= mn and mx <= hi:  # False for NaN
        return
    check_finite(x, name)
    raise ValueError(f"{name}: expected values in [{lo:g}, {hi:g}], got range [{mn:.4g}, {mx:.4g}]")


def check_image(x, name: str, *, channels_last: bool = True) -> torch.Tensor:
    """Validate an image batch: ``(B, H, W, 3)`` (or ``(B, 3, H, W)``) float in [0, 1]."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name}: expected a torch.Tensor, got {_describe(x)}")
    if not x.is_floating_point():
        raise TypeError(f"{name}: expected a floating-point tensor in [0, 1], got {_describe(x)}")
    check_shape(x, name, ("B", "H", "W", 3) if channels_last else ("B", 3, "H", "W"))
    if x.numel() == 0:
        raise ValueError(f"{name}: expected a non-empty batch, got shape {tuple(x.shape)}")
    check_range(x, name)
    return x


#: the largest render, in pixels per view (fragment buffers take ~40 bytes a pixel): 8192 x 8192
MAX_RENDER_PIXELS = 8192 * 8192


def check_render_size(H: int, W: int, name: str = "image_size") -> None:
    """Refuse renders whose buffers could not fit in memory, before anything is allocated."""
    if H * W > MAX_RENDER_PIXELS:
        raise ValueError(f"{name}: a {H} x {W} render is too large (at most {MAX_RENDER_PIXELS} pixels a view, "
                         f"e.g. 8192 x 8192; it would need about {H * W * 40 / 2**30:.0f} GiB per view)")


def positive_int(x, name: str) -> int:
    if isinstance(x, bool) or not isinstance(x, (int,)) and not (
        isinstance(x, torch.Tensor) and x.numel() == 1 and not x.is_floating_point()
    ):
        raise TypeError(f"{name}: expected a positive int, got {_describe(x)}")
    x = int(x)
    if x <= 0:
        raise ValueError(f"{name}: expected a positive int, got {x}")
    return x


def check_seed(seed, name: str = "seed") -> int:
    """``seed`` as an int in [0, 2**31) (numpy integers too), or a TypeError/ValueError naming ``name``."""
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        seed = int(seed)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"{name}: expected an int in [0, 2**31), got {_describe(seed)}")
    if not 0 <= seed < 2**31:
        raise ValueError(f"{name}: expected an int in [0, 2**31), got {seed}")
    return seed


def image_size(size, name: str = "image_size") -> tuple[int, int]:
    """Normalise an image size given as ``int`` or ``(H, W)`` to ``(H, W)``."""
    if isinstance(size, (tuple, list)):
        if len(size) != 2:
            raise ValueError(f"{name}: expected an int or (H, W), got {size!r}")
        return positive_int(size[0], name), positive_int(size[1], name)
    s = positive_int(size, name)
    return s, s


def class_label(label, num_classes: int, name: str = "label") -> int:
    """One class index: an int (a numpy integer, or a 1-element integer tensor) in [0, num_classes).
    Floats and bools are refused (not truncated), negatives are refused (not wrapped)."""
    if isinstance(label, torch.Tensor) and label.numel() == 1 and not label.is_floating_point() \
            and label.dtype != torch.bool and not label.is_complex():
        label = int(label)
    elif isinstance(label, numbers.Integral) and not isinstance(label, bool):  # e.g. numpy.int64
        label = int(label)
    if isinstance(label, bool) or not isinstance(label, int):
        raise TypeError(f"{name}: expected an int class index, got {_describe(label)}")
    if not 0 <= label < num_classes:
        raise ValueError(f"{name}: expected a class index in [0, {num_classes}), got {label}")
    return label


def class_labels(labels, n: int, num_classes: int, device=None, name: str = "labels") -> torch.Tensor:
    """``(n,)`` int64 class indices from one int (for all) or an integer tensor of shape (n,)."""
    if not isinstance(labels, torch.Tensor):
        return torch.full((n,), class_label(labels, num_classes, name), dtype=torch.int64, device=device)
    if labels.is_floating_point() or labels.dtype == torch.bool or labels.is_complex():
        raise TypeError(f"{name}: expected an int or an integer tensor ({n},), got {_describe(labels)}")
    if labels.shape != (n,):
        raise ValueError(f"{name}: expected shape ({n},), got {tuple(labels.shape)}")
    if n and (int(labels.min()) < 0 or int(labels.max()) >= num_classes):
        raise ValueError(f"{name}: expected class indices in [0, {num_classes}), got range "
                         f"[{int(labels.min())}, {int(labels.max())}]")
    return labels.to(device=device if device is not None else labels.device, dtype=torch.int64)


def value_range(r, name: str, lo_bound: float | None = None) -> tuple[float, float]:
    """A number (a fixed value) or a ``(lo, hi)`` pair of finite numbers with lo <= hi, as floats."""
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


#: what a mesh colouring is, by its shape
COLORING_KINDS = {3: "uv", 2: "vertex"}


def coloring_kind(colors, name: str = "colors") -> str:
    """``"uv"`` for a UV texture (Ht, Wt, 3), ``"vertex"`` for vertex colours (V, 3): the one
    place that tells them apart. Checks a non-empty float tensor with 3 channels last."""
    if not isinstance(colors, torch.Tensor) or not colors.is_floating_point():
        raise TypeError(f"{name}: expected a float tensor, a UV texture (Ht, Wt, 3) or vertex colours (V, 3), "
                        f"got {_describe(colors)}")
    if colors.dim() not in COLORING_KINDS or colors.shape[-1] != 3 or colors.numel() == 0:
        raise ValueError(f"{name}: expected a UV texture (Ht, Wt, 3) or vertex colours (V, 3), got shape "
                         f"{tuple(colors.shape)}")
    return COLORING_KINDS[colors.dim()]


def check_coloring(colors, name: str = "colors") -> torch.Tensor:
    """A UV texture (Ht, Wt, 3) or vertex colours (V, 3), float, finite, in [0, 1]; returned detached."""
    coloring_kind(colors, name)
    colors = colors.detach()
    check_range(colors, name)
    return colors


def check_mask(mask, shape: tuple, name: str = "mask", device=None) -> torch.Tensor | None:
    """Validate a bool mask whose shape equals the leading dims of ``shape`` (or all of it).

    Returns the mask broadcastable to ``shape`` (trailing singleton dims added), or None.
    Float masks are refused (not thresholded); an empty mask is refused.
    """
    if mask is None:
        return None
    if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
        raise TypeError(f"{name}: expected a bool tensor, got {_describe(mask)}")
    k = mask.dim()
    if k > len(shape) or tuple(mask.shape) != tuple(shape[:k]):
        raise ValueError(f"{name}: expected shape {tuple(shape[:k]) if 0 < k <= len(shape) else tuple(shape)} "
                         f"(leading dims of {tuple(shape)}), got {tuple(mask.shape)}")
    if not bool(mask.any()):
        raise ValueError(f"{name}: the mask is empty (no entry may change)")
    return mask.view(*mask.shape, *([1] * (len(shape) - k))).to(device if device is not None else mask.device)


# =========================================================================== settings and budgets
# Plain-typed fields of settings dataclasses (bools, ints, numbers), step counts, budgets and pixel
# masks of the optimisers. (Moved here from signals.steps, signals.constraints and signals.image,
# which re-export them.)

def check_bool(x, name: str) -> bool:
    """``x`` itself if it is a bool, else a TypeError naming ``name`` (0/1 and None are refused)."""
    if not isinstance(x, bool):
        raise TypeError(f"{name}: expected a bool (True or False), got {_describe(x)}")
    return x


def _int_kind(lo, hi) -> str:
    if lo == 1 and hi is None:
        return "a positive int"
    return "an int" + ("" if lo is None else f" >= {lo}") + ("" if hi is None else f" <= {hi}")


def check_int(x, name: str, lo: int | None = None, hi: int | None = None) -> int:
    """``x`` as an int (a numpy integer or a 1-element integer tensor too) in [lo, hi]; a TypeError
    for anything else (bools and floats such as 2.0 included), a ValueError when out of range."""
    if isinstance(x, torch.Tensor) and x.numel() == 1 and not x.is_floating_point() \
            and x.dtype != torch.bool and not x.is_complex():
        x = int(x)
    elif isinstance(x, numbers.Integral) and not isinstance(x, bool):
        x = int(x)
    else:
        raise TypeError(f"{name}: expected {_int_kind(lo, hi)}, got {_describe(x)}")
    if (lo is not None and x < lo) or (hi is not None and x > hi):
        raise ValueError(f"{name}: expected {_int_kind(lo, hi)}, got {x}")
    return x


def check_number(x, name: str, lo: float | None = None, hi: float | None = None) -> float:
    """``x`` as a float: a finite real number (not a bool) in [lo, hi]; a TypeError for other
    types, a ValueError for NaN, inf or a value out of range."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name}: expected a number, got {_describe(x)}")
    x = float(x)
    if not math.isfinite(x) or (lo is not None and x < lo) or (hi is not None and x > hi):
        rng = "" if lo is None and hi is None else f" in [{'-inf' if lo is None else f'{lo:g}'}, " \
                                                   f"{'inf' if hi is None else f'{hi:g}'}]"
        raise ValueError(f"{name}: expected a finite number{rng}, got {x}")
    return x


def check_positive(x, name: str) -> float:
    """``x`` as a float, or a ValueError unless it is a finite number > 0 (a step size, a rate)."""
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not (x > 0 and math.isfinite(x)):
        raise ValueError(f"{name}: expected a finite number > 0, got {x!r}")
    return float(x)


def check_steps(steps, name: str = "steps") -> int:
    """The one rule for a number of optimisation steps: an int >= 1 (a TypeError for another
    type, a ValueError below 1). Every settings class and the loop itself check it here."""
    return check_int(steps, name, lo=1)


#: the norms of a budget
NORMS = ("linf", "l2")


def check_eps(eps, norm: str | None = "linf") -> float | None:
    """Validate a budget: None (unbounded) or a finite number >= 0; and ``norm`` (unless None)."""
    if norm is not None and norm not in NORMS:
        raise ValueError(f"norm: expected one of {NORMS}, got {norm!r}")
    if eps is None:
        return None
    if isinstance(eps, bool) or not isinstance(eps, (int, float)):
        raise TypeError(f"eps: expected a number >= 0 or None (unbounded), got {_describe(eps)}")
    eps = float(eps)
    if not eps >= 0 or eps == float("inf"):
        raise ValueError(f"eps: expected a finite number >= 0 or None (unbounded), got {eps}")
    return eps


def image_mask(mask, shape) -> torch.Tensor | None:
    """Broadcast a pixel mask (H, W) or (B, H, W) bool to (B or 1, 1, H, W) for images ``shape`` (B, 3, H, W);
    None stays None. Float masks are refused (not thresholded), and so is a mask empty for an image."""
    if mask is None:
        return None
    B, _, H, W = shape
    if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
        raise TypeError(f"mask: expected a bool tensor (H, W) or (B, H, W), got {_describe(mask)}")
    if tuple(mask.shape) not in ((H, W), (B, H, W)):
        raise ValueError(f"mask: expected shape ({H}, {W}) or ({B}, {H}, {W}), got {tuple(mask.shape)}")
    m = mask.view(-1, 1, H, W)  # (B or 1, 1, H, W)
    if not bool(m.flatten(1).any(1).all()):
        raise ValueError("mask: empty for at least one image (no pixel may change)")
    return m


# =========================================================================== memory budgets
# What a user types must not reach the allocator or native code unbounded: sizes and counts are
# checked against these budgets before anything is allocated, with a message that names the
# argument and the estimate.

#: memory budget of one allocation a user's arguments ask for (a batch of renders, an atlas bake): 16 GiB
MAX_BATCH_BYTES = 16 * 2**30
#: bytes one rendered pixel needs (fragment buffers: face index, barycentrics, depth; image and background)
RENDER_BYTES_PER_PIXEL = 40
#: bytes one texel of :func:`aswb.render.unwrap` needs while it bakes (owner keys, barycentrics, pull-push levels)
ATLAS_BYTES_PER_TEXEL = 100
#: the widest margin (texels between charts) passed to xatlas; it also stays below size // 8 (at least 2 allowed):
#: wider margins make xatlas run for minutes or crash the interpreter
MAX_ATLAS_MARGIN = 64


def check_memory(nbytes: int, name: str, what: str) -> None:
    """Refuse an allocation estimated at ``nbytes`` bytes above :data:`MAX_BATCH_BYTES`: a ValueError
    naming the argument ``name``, ``what`` is asked for (e.g. "1000000 views of 64 x 64 px") and the estimate."""
    if nbytes > MAX_BATCH_BYTES:
        raise ValueError(f"{name}: {what} would need about {nbytes / 2**30:,.1f} GiB, more than the memory budget "
                         f"of {MAX_BATCH_BYTES / 2**30:.0f} GiB (aswb._checks.MAX_BATCH_BYTES); ask for less at a time")


def check_render_batch(n: int, size: int, supersample: int = 1, n_name: str = "n", size_name: str = "size") -> None:
    """``n`` renders of ``size`` x ``size`` px (each rasterised at ``size * supersample``) within the budgets:
    one view within :data:`MAX_RENDER_PIXELS` (blames ``size_name``), the batch within :data:`MAX_BATCH_BYTES`
    (blames ``n_name``). ``n``, ``size``, ``supersample``: positive ints."""
    side = size * supersample
    if side * side > MAX_RENDER_PIXELS:
        raise ValueError(f"{size_name}: {size} x {size} px (rasterised at {side} x {side}) is too large: at most "
                         f"{MAX_RENDER_PIXELS} pixels a view are rasterised (8192 x 8192); it would need about "
                         f"{side * side * RENDER_BYTES_PER_PIXEL / 2**30:,.0f} GiB per view")
    check_memory(n * side * side * RENDER_BYTES_PER_PIXEL, n_name,
                 f"{n} views of {size} x {size} px (rasterised at {side} x {side})")


def check_atlas(size: int, margin: int) -> None:
    """An atlas of ``size`` x ``size`` texels within :data:`MAX_BATCH_BYTES`, and a ``margin`` (texels) in
    [0, min(MAX_ATLAS_MARGIN, max(2, size // 8))]: bounded before xatlas sees them. ``size``, ``margin``: ints."""
    check_memory(size * size * ATLAS_BYTES_PER_TEXEL, "size", f"a {size} x {size} texture atlas")
    most = min(MAX_ATLAS_MARGIN, max(2, size // 8))
    if not 0 <= margin <= most:
        raise ValueError(f"margin: expected an int in [0, {most}] for a {size} x {size} atlas (at most size // 8 and "
                         f"{MAX_ATLAS_MARGIN} texels), got {margin}")
