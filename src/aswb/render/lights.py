"""Ambient + directional lights, batched per view, and random light sampling."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .._checks import as_tensor, check_finite, positive_int
from .camera import _uniform, view_eye

__all__ = ["Lights", "sample_lights"]


@dataclass(frozen=True, eq=False)
class Lights:
    """Ambient light plus one directional light; every field is shared or per view.

    ``colour = albedo * (ambient + intensity * color * max(0, n . direction))`` with a
    two-sided normal ``n`` (flipped to face the camera).

    Fields (after construction, always batched with a leading ``L`` = 1 or B):
        ambient: (L, 3) float32 >= 0, ambient RGB (a scalar means grey; (3,) is one RGB colour,
            (B,) or (B, 1) are per-view grey levels).
        direction: (L, 3) float32 unit vectors pointing from the object *towards* the light.
        intensity: (L,) float32 >= 0, directional intensity.
        color: (L, 3) float32 >= 0, directional RGB colour.
    """

    ambient: torch.Tensor = 0.5  # type: ignore[assignment]
    direction: torch.Tensor = (0.0, 1.0, 1.0)  # type: ignore[assignment]
    intensity: torch.Tensor = 0.6  # type: ignore[assignment]
    color: torch.Tensor = (1.0, 1.0, 1.0)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        dev = next((t.device for t in (self.ambient, self.direction, self.intensity, self.color)
                    if isinstance(t, torch.Tensor)), None)
        amb = _rgb(self.ambient, "ambient", dev)
        col = _rgb(self.color, "color", dev)
        inten = as_tensor(self.intensity, "intensity", device=dev, keep_float=True)
        if inten.dim() > 1:
            raise ValueError(f"intensity: expected a scalar or shape (B,), got {tuple(inten.shape)}")
        inten = inten.reshape(-1)
        d = as_tensor(self.direction, "direction", device=dev, keep_float=True)
        if d.shape[-1:] != (3,) or d.dim() > 2:
            raise ValueError(f"direction: expected shape (3,) or (B, 3), got {tuple(d.shape)}")
        d = d.reshape(-1, 3)
        for t, n in ((amb, "ambient"), (col, "color"), (inten, "intensity"), (d, "direction")):
            check_finite(t, n)
        for t, n in ((amb, "ambient"), (col, "color"), (inten, "intensity")):
            if bool((t < 0).any()):
                raise ValueError(f"{n}: expected values >= 0, got min {float(t.min()):.4g}")
        norm = d.norm(dim=-1, keepdim=True)
        if bool((norm < 1e-12).any()):
            raise ValueError("direction: expected non-zero vectors, got a zero direction")
        d = d / norm
        sizes = {t.shape[0] for t in (amb, col, inten, d)} - {1}
        if len(sizes) > 1:
            raise ValueError(f"Lights: per-view fields disagree in batch size: {sorted(sizes)}")
        for k, v in (("ambient", amb), ("color", col), ("intensity", inten), ("direction", d)):
            object.__setattr__(self, k, v)

    def __len__(self) -> int:
        return max(t.shape[0] for t in (self.ambient, self.color, self.intensity, self.direction))

    def expand(self, B: int) -> "Lights":
        """The same lights broadcast to B views (fields of size 1 are repeated)."""
        if len(self) not in (1, B):
            raise ValueError(f"Lights: have {len(self)} lights but {B} views; give 1 or {B}")
        ex = lambda t: t.expand(B, *t.shape[1:])  # noqa: E731
        return Lights(ex(self.ambient), ex(self.direction), ex(self.intensity), ex(self.color))

    def __getitem__(self, idx) -> "Lights":
        if isinstance(idx, int):
            idx = slice(idx, idx + 1 if idx != -1 else None)
        g = lambda t: t if t.shape[0] == 1 else t[idx]  # noqa: E731
        return Lights(g(self.ambient), g(self.direction), g(self.intensity), g(self.color))

    def to(self, device) -> "Lights":
        return Lights(self.ambient.to(device), self.direction.to(device),
                      self.intensity.to(device), self.color.to(device))


def _rgb(x, name: str, device) -> torch.Tensor:
    t = as_tensor(x, name, device=device, keep_float=True)
    if t.dim() == 0:
        return t.reshape(1, 1).expand(1, 3).clone()
    if t.dim() == 1 and t.shape[0] == 3:
        return t.reshape(1, 3)
    if t.dim() == 2 and t.shape[1] == 3:
        return t
    if t.dim() == 1:  # (B,) grey levels (B != 3: a (3,) tensor is an RGB colour; pass (B, 3) to be explicit)
        return t[:, None].expand(-1, 3).clone()
    if t.dim() == 2 and t.shape[1] == 1:  # (B, 1) grey levels
        return t.expand(-1, 3).clone()
    raise ValueError(f"{name}: expected a scalar, (3,), (B,) or (B, 3), got {tuple(t.shape)}")


def sample_lights(n: int, ambient=(0.2, 0.6), intensity=(0.3, 1.0), elev=(10.0, 80.0),
                  azim=(0.0, 360.0), color_jitter: float = 0.0,
                  generator: torch.Generator | None = None, device=None) -> Lights:
    """``n`` random lights: ambient level, directional intensity and direction drawn uniformly.

    Each range is a number (fixed) or ``(lo, hi)``. ``elev``/``azim`` (degrees, same
    convention as cameras) give the direction *towards* the light. ``color_jitter`` in
    [0, 1) scales each RGB channel of the directional colour by ``U(1 - j, 1 + j)``.
    """
    n = positive_int(n, "n")
    if not (0.0 <= color_jitter < 1.0):
        raise ValueError(f"color_jitter: expected a value in [0, 1), got {color_jitter!r}")
    amb = _uniform(n, ambient, "ambient", generator)
    inten = _uniform(n, intensity, "intensity", generator)
    d = view_eye(1.0, _uniform(n, elev, "elev", generator), _uniform(n, azim, "azim", generator))
    col = 1 + color_jitter * (2 * torch.rand(n, 3, generator=generator) - 1)
    # ambient as (n, 3): a (3,) tensor would read as one RGB colour when n == 3
    return Lights(ambient=amb[:, None].expand(n, 3).to(device), direction=d.to(device), intensity=inten.to(device),
                  color=col.to(device))
