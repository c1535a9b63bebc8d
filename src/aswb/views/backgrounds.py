"""Background sources: what is behind the object in a view.

A source is anything with a ``name`` and ``draw(n, size, generator) -> (n, size, size, 3)``
float32 in [0, 1] on the CPU (:class:`BackgroundSource`). Built in:

- :class:`Procedural`: solid colours, vertical gradients, smooth noise and soft stripes (the
  mixture every world has drawn since the first release);
- :class:`Plain`: one plain colour per image, drawn uniformly or from a list;
- :class:`ImageFolder`: random crops of the images in a folder (photographs, or seamless floor,
  wall and wood textures).

**Streams.** The procedural source draws from the views' own generator, in the order it always
has, so every seeded bank made before sources existed stays bit-identical. Every other source
draws from a stream of its own, seeded from the bank's seed and the source's name
(:func:`source_seed`): a bank of seed ``s`` has the same cameras and lights whichever source is
behind it, and adding a source to the project changes no existing bank.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Mapping, Protocol, runtime_checkable

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .._checks import _describe, as_tensor, check_range, check_seed, positive_int, value_range

__all__ = ["BackgroundSource", "Procedural", "Plain", "ImageFolder", "BACKGROUNDS", "background_source",
           "source_seed", "by_condition", "IMAGE_SUFFIXES"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


@runtime_checkable
class BackgroundSource(Protocol):
    """What a view distribution draws backgrounds from.

    Attributes:
        name: a short stable name; it seeds the source's own stream (:func:`source_seed`).
        shares_view_stream: optional; True only for :class:`Procedural` (draws from the views'
            generator). Absent or False: the source gets a stream of its own.
    """

    name: str

    def draw(self, n: int, size: int, generator: torch.Generator) -> torch.Tensor:
        """(n, size, size, 3) float32 in [0, 1] on the CPU, drawn from ``generator`` alone."""
        ...  # pragma: no cover - protocol


def source_seed(seed: int, name: str) -> int:
    """The seed of source ``name``'s own stream in a bank or sampler of ``seed``: a stable hash
    of both, an int in [0, 2**63)."""
    digest = hashlib.blake2b(f"{check_seed(seed)}:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


class Procedural:
    """Solid colours, vertical gradients, smooth noise and soft stripes, a quarter of each on
    average. Draws from the views' generator (``shares_view_stream``), exactly as every bank
    since the first release did."""

    name = "procedural"
    shares_view_stream = True

    def draw(self, n: int, size: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """(n, size, size, 3) float32 in [0, 1] (to rounding; the distribution clamps after dimming)."""
        n, size, g = positive_int(n, "n"), positive_int(size, "size"), generator
        kind = torch.randint(0, 4, (n,), generator=g)
        c0 = torch.rand(n, 1, 1, 3, generator=g)
        c1 = torch.rand(n, 1, 1, 3, generator=g)
        nz = torch.rand(n, 3, 6, 6, generator=g)
        freq = 2 + 6 * torch.rand(n, 1, 1, 1, generator=g)
        y = torch.linspace(0, 1, size).view(1, size, 1, 1)
        x = torch.linspace(0, 1, size).view(1, 1, size, 1)
        out = torch.empty(n, size, size, 3)
        # each image computes only its own kind (the draws above are made for all, in one order)
        for k in range(4):
            sel = (kind == k).nonzero().squeeze(1)
            if sel.numel() == 0:
                continue
            a, b = c0[sel], c1[sel]
            if k == 0:  # solid
                out[sel] = a.expand(len(sel), size, size, 3)
            elif k == 1:  # vertical gradient
                out[sel] = a * (1 - y) + b * y
            elif k == 2:  # smooth noise
                up = F.interpolate(nz[sel], size=(size, size), mode="bicubic", align_corners=False)
                out[sel] = (a * 0.5 + 0.5 * up.permute(0, 2, 3, 1)).clamp(0, 1)
            else:  # soft stripes
                out[sel] = a + (b - a) * (0.5 + 0.5 * torch.sin(6.283 * freq[sel] * (x + 0.5 * y)))
        return out

    def __repr__(self) -> str:
        return "Procedural()"


class Plain:
    """One plain colour per image.

    Args:
        colors: None (each image a uniformly random colour), one RGB triple, or a sequence of
            triples (each image one of them, uniformly), values in [0, 1].
        name: the source's name (default ``"plain"``, or ``"plain(r,g,b)"`` for fixed colours).
    """

    shares_view_stream = False

    def __init__(self, colors=None, name: str | None = None):
        if colors is None:
            self.colors = None
        else:
            c = as_tensor(colors, "colors")
            c = c.view(1, 3) if c.shape == (3,) else c
            if c.dim() != 2 or c.shape[1] != 3 or len(c) == 0:
                raise ValueError(f"colors: expected None, an RGB triple or a sequence of triples, got shape "
                                 f"{tuple(c.shape)}")
            check_range(c, "colors")
            self.colors = c
        if name is None:
            name = "plain" if self.colors is None else "plain(" + ";".join(
                ",".join(f"{v:.3g}" for v in row.tolist()) for row in self.colors) + ")"
        if not isinstance(name, str) or not name:
            raise TypeError(f"name: expected a non-empty str, got {_describe(name)}")
        self.name = name

    def draw(self, n: int, size: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """(n, size, size, 3) float32 in [0, 1], each image one colour."""
        n, size = positive_int(n, "n"), positive_int(size, "size")
        if self.colors is None:
            c = torch.rand(n, 3, generator=generator)
        else:
            c = self.colors[torch.randint(0, len(self.colors), (n,), generator=generator)]
        return c.view(n, 1, 1, 3).expand(n, size, size, 3).contiguous()

    def __repr__(self) -> str:
        return f"Plain(name={self.name!r})"


class ImageFolder:
    """Random crops of the images (PNG, JPEG) in a folder, resized to the render size.

    Args:
        folder: a folder holding at least one image (searched recursively).
        scale: range of the crop's side as a fraction of the image's shorter side.
        max_side: images are shrunk to at most this side when first read (memory stays bounded:
            about ``3 * max_side**2`` bytes an image).
        name: the source's name (default ``"folder:<folder name>"``).
    Raises:
        FileNotFoundError: the folder is missing or holds no image.
    """

    shares_view_stream = False

    def __init__(self, folder, scale=(0.35, 1.0), max_side: int = 512, name: str | None = None):
        if not isinstance(folder, (str, Path)):
            raise TypeError(f"folder: expected a path, got {_describe(folder)}")
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise FileNotFoundError(f"folder: no such folder: {self.folder}")
        self.files = sorted(p for p in self.folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
        if not self.files:
            raise FileNotFoundError(f"folder: {self.folder} holds no image ({', '.join(IMAGE_SUFFIXES)})")
        lo, hi = value_range(scale, "scale", lo_bound=0.0)
        if not 0 < lo <= hi <= 1:
            raise ValueError(f"scale: expected 0 < lo <= hi <= 1, got ({lo}, {hi})")
        self.scale = (lo, hi)
        self.max_side = positive_int(max_side, "max_side")
        self.name = f"folder:{self.folder.name}" if name is None else name
        self._cache: dict[int, torch.Tensor] = {}

    def image(self, i: int) -> torch.Tensor:
        """Image ``i`` of :attr:`files` as (3, H, W) float32 in [0, 1] (read once, then cached)."""
        if i not in self._cache:
            try:
                with Image.open(self.files[i]) as im:
                    im = im.convert("RGB")
                    im.thumbnail((self.max_side, self.max_side))
                    arr = np.asarray(im, dtype=np.uint8).copy()
            except OSError as e:
                raise ValueError(f"{self.files[i]}: not a readable image ({e})") from None
            self._cache[i] = torch.from_numpy(arr).permute(2, 0, 1).float() / 255
        return self._cache[i]

    def draw(self, n: int, size: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """(n, size, size, 3) float32 in [0, 1]: square crops at random places and scales."""
        n, size = positive_int(n, "n"), positive_int(size, "size")
        idx = torch.randint(0, len(self.files), (n,), generator=generator)
        u = torch.rand(n, 3, generator=generator)  # scale, x, y
        out = torch.empty(n, size, size, 3)
        lo, hi = self.scale
        for k in range(n):
            img = self.image(int(idx[k]))
            _, H, W = img.shape
            side = max(1, round((lo + (hi - lo) * float(u[k, 0])) * min(H, W)))
            y0, x0 = int(float(u[k, 2]) * (H - side)), int(float(u[k, 1]) * (W - side))
            crop = img[None, :, y0:y0 + side, x0:x0 + side]
            out[k] = F.interpolate(crop, size=(size, size), mode="bilinear", align_corners=False,
                                   antialias=side > size)[0].permute(1, 2, 0)
        return out.clamp(0, 1)

    def __repr__(self) -> str:
        return f"ImageFolder({str(self.folder)!r}, {len(self.files)} images)"


#: named sources: ``backgrounds="plain"`` etc.
BACKGROUNDS: dict[str, BackgroundSource] = {
    "procedural": Procedural(),
    "plain": Plain(),
    "white": Plain((1.0, 1.0, 1.0), name="white"),
    "grey": Plain((0.5, 0.5, 0.5), name="grey"),
}


def background_source(spec, name: str = "backgrounds") -> BackgroundSource:
    """A :class:`BackgroundSource` from a source, or a name of :data:`BACKGROUNDS`."""
    if isinstance(spec, str):
        if spec not in BACKGROUNDS:
            raise ValueError(f"{name}: expected a background source or one of {sorted(BACKGROUNDS)}, got {spec!r}")
        return BACKGROUNDS[spec]
    if isinstance(spec, BackgroundSource) and isinstance(getattr(spec, "name", None), str) and spec.name:
        return spec
    raise TypeError(f"{name}: expected a background source (with a name and draw(n, size, generator)) or one of "
                    f"{sorted(BACKGROUNDS)}, got {_describe(spec)}")


def by_condition(spec, conditions, name: str = "backgrounds") -> dict[str, BackgroundSource]:
    """``{condition: source}`` from one source (every condition) or a mapping naming conditions
    (those it leaves out draw procedural backgrounds)."""
    if isinstance(spec, Mapping):
        unknown = sorted(set(spec) - set(conditions))
        if unknown:
            raise ValueError(f"{name}: unknown conditions {unknown}; expected some of {list(conditions)}")
        return {c: background_source(spec.get(c, "procedural"), f"{name}[{c!r}]") for c in conditions}
    src = background_source(spec, name)
    return {c: src for c in conditions}
