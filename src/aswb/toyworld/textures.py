"""Procedural part textures: (S, S, 3) float32 images in [0, 1], row 0 at the top.

Patterns (windows, grilles, stripes, wood grain, corrugation, weave, lamps) carry class
information; their colours are drawn per instance from wide ranges so that neither hue
nor brightness alone identifies a class.
"""
from __future__ import annotations

import math

import torch

Gen = torch.Generator


def _u(g: Gen, lo: float = 0.0, hi: float = 1.0) -> float:
    return lo + (hi - lo) * float(torch.rand((), generator=g))


def _grid(S: int):
    """Texel-centre coordinates: x grows right, y grows DOWN the image, both in (0, 1)."""
    t = (torch.arange(S, dtype=torch.float32) + 0.5) / S
    y, x = torch.meshgrid(t, t, indexing="ij")
    return x, y


def color(g: Gen, sat=(0.3, 0.9), val=(0.25, 0.95), hue=None) -> torch.Tensor:
    """A random RGB colour (3,) from HSV ranges; ``hue`` in [0, 1) or None for any."""
    h = _u(g) if hue is None else hue
    s, v = _u(g, *sat), _u(g, *val)
    k = torch.tensor([5.0, 3.0, 1.0])
    kk = (k + h * 6) % 6
    return v - v * s * torch.clamp(torch.minimum(kk, 4 - kk), 0, 1)


def grey(g: Gen, lo=0.15, hi=0.9) -> torch.Tensor:
    return torch.full((3,), _u(g, lo, hi))


def fill(S: int, c: torch.Tensor) -> torch.Tensor:
    return c.view(1, 1, 3).expand(S, S, 3).clone()


def _paint(img: torch.Tensor, mask: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    return torch.where(mask[..., None], c.view(1, 1, 3), img)


def noise(S: int, g: Gen, amount: float = 0.06, scale: int = 8) -> torch.Tensor:
    """Smooth value noise (S, S, 1) in [-amount, amount] for surface grime."""
    n = torch.rand(1, 1, scale, scale, generator=g) * 2 - 1
    n = torch.nn.functional.interpolate(n, size=(S, S), mode="bicubic", align_corners=False)
    return (n[0, 0, :, :, None] * amount)


def windows(S: int, base: torch.Tensor, glass: torch.Tensor, rows: int, cols: int, fill_frac=(0.6, 0.55),
            y_range=(0.0, 1.0), rounded: bool = False) -> torch.Tensor:
    """A grid of ``rows x cols`` windows inside the vertical band ``y_range``."""
    x, y = _grid(S)
    img = fill(S, base)
    y0, y1 = y_range
    inband = (y >= y0) & (y < y1)
    yy = (y - y0) / max(y1 - y0, 1e-6)
    fx = (x * cols) % 1
    fy = (yy * rows) % 1
    wx, wy = fill_frac
    m = (abs(fx - 0.5) < wx / 2) & (abs(fy - 0.5) < wy / 2) & inband
    if rounded:
        m &= ((fx - 0.5) / (wx / 2)) ** 2 + ((fy - 0.5) / (wy / 2)) ** 2 < 1
    img = _paint(img, m, glass)
    # a highlight streak across each pane
    streak = m & (abs((fx - 0.5) + (fy - 0.5) * 0.6) < 0.06)
    return _paint(img, streak, (glass + 0.35).clamp(0, 1))


def stripes(S: int, colors, n: int, vertical: bool = False, widths=None) -> torch.Tensor:
    """``n`` bands cycling through ``colors`` (horizontal unless ``vertical``)."""
    x, y = _grid(S)
    t = x if vertical else y
    idx = (t * n).long().clamp(max=n - 1) % len(colors)
    pal = torch.stack(list(colors))
    return pal[idx]


def band(img: torch.Tensor, c: torch.Tensor, y0: float, y1: float) -> torch.Tensor:
    """Paint a horizontal band between image heights y0 < y1 (0 = top)."""
    x, y = _grid(img.shape[0])
    return _paint(img, (y >= y0) & (y < y1), c)


def grille(S: int, base: torch.Tensor, bars: torch.Tensor, n: int, lamps: torch.Tensor | None = None) -> torch.Tensor:
    """Vertical grille bars in the middle with two round headlamps at the sides."""
    x, y = _grid(S)
    img = fill(S, base)
    mid = (abs(x - 0.5) < 0.28) & (abs(y - 0.5) < 0.22)
    img = _paint(img, mid & (((x * n * 3.6) % 1) < 0.45), bars)
    if lamps is not None:
        for cx in (0.12, 0.88):
            img = _paint(img, (x - cx) ** 2 + (y - 0.5) ** 2 < 0.09**2, lamps)
    return img


def corrugated(S: int, base: torch.Tensor, n: int = 24, depth: float = 0.25) -> torch.Tensor:
    """Shipping-container corrugation: vertical ridges modulating the base colour, plus a door frame line."""
    x, y = _grid(S)
    ridge = 1 - depth * (0.5 + 0.5 * torch.cos(2 * math.pi * x * n))
    img = base.view(1, 1, 3) * ridge[..., None]
    edge = (x < 0.04) | (x > 0.96) | (y < 0.05) | (y > 0.95)
    return _paint(img, edge, base * 0.45)


def wood(S: int, g: Gen, light: torch.Tensor, dark: torch.Tensor, rings: float = 14.0) -> torch.Tensor:
    """Wood grain: wavy rings along x with noise."""
    x, y = _grid(S)
    warp = noise(S, g, amount=1.0, scale=5)[..., 0]
    t = 0.5 + 0.5 * torch.sin(2 * math.pi * (y * rings + 0.6 * warp + 0.15 * torch.sin(7 * x)))
    t = t**3
    return light.view(1, 1, 3) * (1 - t[..., None]) + dark.view(1, 1, 3) * t[..., None]


def weave(S: int, a: torch.Tensor, b: torch.Tensor, n: int = 16) -> torch.Tensor:
    """Fabric weave: alternating over/under threads."""
    x, y = _grid(S)
    i, j = (x * n).long(), (y * n).long()
    over = ((i + j) % 2 == 0)
    fx, fy = (x * n) % 1, (y * n) % 1
    shade_ = torch.where(over, 0.75 + 0.25 * torch.sin(math.pi * fx), 0.75 + 0.25 * torch.sin(math.pi * fy))
    return torch.where(over[..., None], a.view(1, 1, 3), b.view(1, 1, 3)) * shade_[..., None]


def pleats(S: int, base: torch.Tensor, n: int = 18) -> torch.Tensor:
    """Lamp-shade pleats: vertical soft folds and a trim at top and bottom."""
    x, y = _grid(S)
    f = 0.8 + 0.2 * torch.abs(torch.sin(math.pi * x * n))
    img = base.view(1, 1, 3) * f[..., None]
    return _paint(img, (y < 0.06) | (y > 0.94), base * 0.5)


def lamps(S: int, housing: torch.Tensor, colors, vertical: bool = True, lit: int | None = None) -> torch.Tensor:
    """Traffic-light face: len(colors) round lamps with visors on a housing colour."""
    x, y = _grid(S)
    img = fill(S, housing)
    n = len(colors)
    for k, c in enumerate(colors):
        cx, cy = (0.5, (k + 0.5) / n) if vertical else ((k + 0.5) / n, 0.5)
        r2 = (x - cx) ** 2 + (y - cy) ** 2
        lamp = c if lit in (None, k) else c * 0.35
        img = _paint(img, r2 < (0.36 / n) ** 2 + 0.012, housing * 0.4)  # visor ring
        img = _paint(img, r2 < (0.3 / n) ** 2, lamp)
    return img


def tyre(S: int, rubber: torch.Tensor, hub: torch.Tensor, spokes: int = 5) -> torch.Tensor:
    """Wheel disc texture for cylinder caps (centred discs in the cap UV layout) and tread elsewhere."""
    x, y = _grid(S)
    img = fill(S, rubber)
    img = _paint(img, ((x * 40) % 1 < 0.3) & (y < 0.72), rubber * 0.55)  # tread on the side band
    for cx in (0.25, 0.75):  # the two cap discs of aswb.render.primitives.cylinder
        cy = 1 - 0.125
        dx, dy = x - cx, y - cy
        r = torch.sqrt(dx**2 + dy**2)
        ang = torch.atan2(dy, dx)
        rim = r < 0.075
        img = _paint(img, rim, hub)
        img = _paint(img, rim & (torch.cos(ang * spokes) > 0.6) & (r > 0.02), hub * 0.45)
    return img


def box_sides(S: int, sides: dict, default: torch.Tensor) -> torch.Tensor:
    """Assemble a texture for :func:`aswb.render.primitives.box`'s 3 x 2 UV atlas.

    ``sides`` maps any of ``"+z", "-z", "+x", "-x", "+y", "-y"`` to an (s, s, 3) image (any s);
    the rest get ``default`` (an image or a colour).
    """
    order = ["+z", "-z", "+x", "-x", "+y", "-y"]
    cw, ch = S // 3, S // 2
    out = torch.zeros(ch * 2, cw * 3, 3)
    for k, name in enumerate(order):
        img = sides.get(name, default)
        if img.dim() == 1:
            img = fill(8, img)
        img = torch.nn.functional.interpolate(img.permute(2, 0, 1)[None], size=(ch, cw), mode="bilinear",
                                              antialias=True, align_corners=False)[0].permute(1, 2, 0)
        r, c = k // 3, k % 3  # first three sides in the top row of the image
        out[r * ch:(r + 1) * ch, c * cw:(c + 1) * cw] = img
    return out.clamp(0, 1)


def grime(img: torch.Tensor, g: Gen, amount: float = 0.05) -> torch.Tensor:
    return (img + noise(img.shape[0], g, amount)).clamp(0, 1)
