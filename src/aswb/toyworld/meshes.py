"""Procedural toy objects: eight classes built from primitives, varied per seed.

Every mesh is y-up, faces +x (its "front"), is normalised to a unit bounding sphere, has
one UV atlas texture (parts packed by :func:`aswb.render.atlas.pack_atlas`) and named part
masks (``mesh.parts``: e.g. ``"body"``, ``"windows"``, ``"wheels"``).
"""
from __future__ import annotations

import math
from dataclasses import replace

import torch

from ..render import Mesh, primitives as P
from ..render.atlas import pack_atlas
from ..render.mesh import concat
from . import textures as T

S = 64  # texels per part texture before packing
ATLAS = 256  # atlas side


def _u(g, lo, hi) -> float:
    return T._u(g, lo, hi)


def _i(g, lo, hi) -> int:
    return int(torch.randint(lo, hi + 1, (), generator=g))


def _xf(m: Mesh, t=(0.0, 0.0, 0.0), rot: tuple[str, float] | None = None, name: str | None = None) -> Mesh:
    """Rotate (axis, degrees) then translate a mesh; optionally rename its part."""
    v = m.verts
    if rot is not None:
        ax, deg = rot
        c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
        i, j = {"x": (1, 2), "y": (2, 0), "z": (0, 1)}[ax]
        v = v.clone()
        a, b = m.verts[:, i], m.verts[:, j]
        v[:, i], v[:, j] = c * a - s * b, s * a + c * b
    v = v + torch.tensor(t, dtype=torch.float32)
    parts = m.parts if name is None else {name: torch.ones(m.num_faces, dtype=torch.bool)}
    return replace(m, verts=v, parts=parts)


def _box(size, t, tex, name, rot=None) -> Mesh:
    return _xf(P.box(size, texture=tex), t, rot, name)


def _cyl(r, h, t, tex, name, rot=None, segments=20, r_top=None) -> Mesh:
    return _xf(P.cylinder(r, h, segments=segments, texture=tex, radius_top=r_top), t, rot, name)


def _finish(parts: list[Mesh]) -> Mesh:
    m = pack_atlas(concat(parts), size=ATLAS)
    return m.normalized()


def _glass(g):
    return T.color(g, sat=(0.2, 0.6), val=(0.08, 0.35), hue=_u(g, 0.5, 0.7))


def _wheel(g, r, w, t, rubber, hub) -> Mesh:
    return _cyl(r, w, t, T.tyre(S, rubber, hub, spokes=_i(g, 4, 7)), "wheels", rot=("x", 90.0), segments=16)


# --- classes -------------------------------------------------------------------------
def jeep(g) -> Mesh:
    L, H, W = _u(g, 1.7, 2.2), _u(g, 0.45, 0.6), _u(g, 0.9, 1.1)
    wr = _u(g, 0.24, 0.32)
    body_c, glass = T.color(g), _glass(g)
    panel = T.grime(T.stripes(S, [body_c, body_c * 0.8, body_c], 5, vertical=True), g)
    grille = T.grille(S, body_c * 0.6, T.grey(g, 0.05, 0.25), _i(g, 5, 9), lamps=T.grey(g, 0.85, 1.0))
    body = _box((L, H, W), (0, wr + H / 2, 0), T.box_sides(S * 3, {"+x": grille}, panel), "body")
    cl = L * _u(g, 0.4, 0.55)
    side_win = T.windows(S, body_c, glass, 1, _i(g, 2, 3), (0.8, 0.7))
    front_win = T.windows(S, body_c, glass, 1, 1, (0.9, 0.7))
    cabin = _box((cl, H * _u(g, 0.8, 1.0), W * 0.96), (-L * 0.12, wr + H * 1.45, 0),
                 T.box_sides(S * 3, {"+z": side_win, "-z": side_win, "+x": front_win, "-x": front_win}, body_c),
                 "windows")
    rubber, hub = T.grey(g, 0.03, 0.15), T.grey(g, 0.5, 0.9)
    wheels = [_wheel(g, wr, 0.22, (sx * L * 0.32, wr, sz * W * 0.5), rubber, hub) for sx in (-1, 1) for sz in (-1, 1)]
    spare = _cyl(wr * 0.9, 0.2, (-L / 2 - 0.1, wr + H * 0.6, 0), T.tyre(S, rubber, hub), "wheels", ("z", 90.0), 16)
    return _finish([body, cabin, *wheels, spare])


def airliner(g) -> Mesh:
    L, R = _u(g, 2.4, 3.0), _u(g, 0.18, 0.24)
    hull = T.color(g, sat=(0.0, 0.25), val=(0.55, 0.95))
    line = T.color(g)
    glass = _glass(g)
    fus = T.fill(S, hull)
    x, y = T._grid(S)
    for u0 in (0.0, 0.5, 1.0):  # the two flanks: u = 0 / 1 (+z) and 0.5 (-z) after the rotation
        near = (x - u0).abs() < 0.05
        fus = T._paint(fus, near & ((y * 30) % 1 < 0.5) & (y < 0.72), glass)  # window row along the length
        fus = T._paint(fus, ((x - u0).abs() >= 0.06) & ((x - u0).abs() < 0.09), line)  # cheatline
    fuselage = _cyl(R, L, (0, 0, 0), T.grime(fus, g, 0.03), "body", rot=("z", 90.0), segments=24)
    nose = P.uv_sphere(R, rings=8, sectors=24, texture=T.fill(S, hull))
    nose = _xf(replace(nose, verts=nose.verts * torch.tensor([1.6, 1.0, 1.0])), (L / 2, 0, 0), name="body")
    tailcone = _cyl(R, R * 2.5, (-L / 2 - R * 1.25, R * 0.3, 0), T.fill(S, hull), "body", rot=("z", 90.0), r_top=R * 0.25)
    wing_c = T.grey(g, 0.45, 0.85)
    panels = T.stripes(S, [wing_c, wing_c * 0.85], _i(g, 4, 7), vertical=True)
    span, chord = _u(g, 2.2, 2.8), _u(g, 0.4, 0.6)
    wings = _box((chord, 0.05, span), (L * 0.02, -R * 0.4, 0), T.box_sides(S * 3, {}, panels), "wings")
    tail = _box((chord * 0.5, 0.04, span * 0.35), (-L / 2 + 0.1, R * 0.2, 0), T.box_sides(S * 3, {}, panels), "wings")
    fin_tex = T.stripes(S, [line, hull, line], 3)
    fin = _box((chord * 0.7, _u(g, 0.45, 0.6), 0.04), (-L / 2 + 0.12, R + 0.25, 0), T.box_sides(S * 3, {}, fin_tex), "fin")
    eng_c = T.grey(g, 0.3, 0.8)
    engines = [_cyl(R * 0.45, chord * 0.8, (L * 0.06, -R * 0.9, sz * span * _u(g, 0.2, 0.3)),
                    T.stripes(S, [eng_c, eng_c * 0.5], 4), "engines", rot=("z", 90.0), segments=14) for sz in (-1, 1)]
    return _finish([fuselage, nose, tailcone, wings, tail, fin, *engines])


def container_ship(g) -> Mesh:
    L, W, H = _u(g, 2.4, 3.0), _u(g, 0.45, 0.6), _u(g, 0.3, 0.4)
    top, bottom = T.color(g, val=(0.15, 0.6)), T.color(g, sat=(0.5, 0.9), val=(0.3, 0.6), hue=_u(g, -0.05, 0.05) % 1)
    hull_tex = T.band(T.band(T.fill(S, top), bottom, 0.55, 1.0), T.grey(g, 0.8, 1.0), 0.5, 0.56)
    hull = _box((L, H, W), (0, H / 2, 0), T.box_sides(S * 3, {}, hull_tex), "body")
    bow = _cyl(W / 2, H, (L / 2, H / 2, 0), hull_tex, "body", segments=12)
    parts = [hull, bow]
    rows, layers = _i(g, 5, 8), _i(g, 1, 3)
    cl = (L * 0.7) / rows
    for r in range(rows):
        for k in range(layers if torch.rand((), generator=g) > 0.2 else max(1, layers - 1)):
            c = T.color(g)
            parts.append(_box((cl * 1.01, 0.17, W * 0.9), (L * 0.3 - r * cl - cl * 0.5 + L * 0.05, H + 0.08 + k * 0.165, 0),
                              T.box_sides(S * 3, {}, T.corrugated(S, c, n=_i(g, 14, 26))), "containers"))
    bridge_c = T.grey(g, 0.75, 1.0)
    win = T.windows(S, bridge_c, _glass(g), _i(g, 2, 4), _i(g, 3, 6), (0.6, 0.4))
    parts.append(_box((0.22, 0.45, W * 0.8), (-L * 0.42, H + 0.22, 0), T.box_sides(S * 3, {}, win), "bridge"))
    parts.append(_cyl(0.06, 0.3, (-L * 0.46, H + 0.55, 0), T.stripes(S, [T.color(g), T.grey(g, 0, 0.2)], 3), "bridge"))
    return _finish(parts)


def streetcar(g) -> Mesh:
    L, H, W = _u(g, 2.2, 3.0), _u(g, 0.55, 0.7), _u(g, 0.45, 0.55)
    body_c, line = T.color(g), T.color(g)
    glass = _glass(g)
    side = T.windows(S, body_c, glass, 1, _i(g, 5, 8), (0.75, 0.75), y_range=(0.12, 0.55))
    side = T.band(side, line, 0.62, 0.72)
    front = T.windows(S, body_c, glass, 1, 1, (0.85, 0.8), y_range=(0.08, 0.55))
    front = T.band(front, line, 0.62, 0.72)
    wr = 0.08
    body = _box((L, H, W), (0, wr * 2 + H / 2, 0),
                T.box_sides(S * 3, {"+z": side, "-z": side, "+x": front, "-x": front}, body_c), "body")
    roof_c = T.grey(g, 0.3, 0.8)
    parts = [body, _box((L * 0.5, 0.06, W * 0.6), (0, wr * 2 + H + 0.03, 0), T.box_sides(S * 3, {}, roof_c), "roof")]
    pc = T.grey(g, 0.05, 0.3)
    ph = _u(g, 0.25, 0.4)
    for sx in (-1, 1):  # a pantograph: two struts forming an A, and a bow
        parts.append(_box((0.03, ph, 0.03), (sx * 0.1, wr * 2 + H + 0.06 + ph / 2 - 0.02, 0), T.box_sides(S * 3, {}, pc),
                          "pantograph", rot=("z", sx * 25.0)))
    parts.append(_box((0.05, 0.03, W * 0.9), (0, wr * 2 + H + 0.06 + ph * 0.9, 0), T.box_sides(S * 3, {}, pc), "pantograph"))
    bogie = T.grey(g, 0.02, 0.2)
    for sx in (-1, 1):
        parts.append(_box((0.5, wr * 2, W * 0.85), (sx * L * 0.3, wr, 0), T.box_sides(S * 3, {}, bogie), "wheels"))
    return _finish(parts)


def traffic_light(g) -> Mesh:
    ph = _u(g, 1.6, 2.2)
    pole_c = T.grey(g, 0.2, 0.7)
    stripe = T.stripes(S, [pole_c, T.color(g, val=(0.1, 0.9))], _i(g, 1, 6))
    parts = [_cyl(0.045, ph, (0, ph / 2, 0), stripe, "pole", segments=12)]
    housing = T.color(g, sat=(0.0, 0.9), val=(0.05, 0.9))
    lit = _i(g, -1, 2)
    face = T.lamps(S, housing, [torch.tensor([0.9, 0.1, 0.05]), torch.tensor([0.95, 0.75, 0.05]),
                                torch.tensor([0.1, 0.85, 0.3])], lit=None if lit < 0 else lit)
    hw, hh = _u(g, 0.22, 0.3), _u(g, 0.65, 0.85)
    heads = _i(g, 1, 2)
    for k in range(heads):
        z = 0.0 if heads == 1 else (k - 0.5) * 0.34
        x_off = 0.0 if heads == 1 else 0.05
        parts.append(_box((0.2, hh, hw), (x_off, ph - hh / 2 + 0.05, z),
                          T.box_sides(S * 3, {"+x": face, "-x": face}, housing), "housing"))
    return _finish(parts)


def chair(g) -> Mesh:
    sw, sd, sh = _u(g, 0.75, 0.95), _u(g, 0.7, 0.9), _u(g, 0.75, 0.9)
    frame = T.grey(g, 0.2, 0.9) if torch.rand((), generator=g) > 0.5 else T.color(g)
    fabric = T.weave(S, T.color(g), T.color(g), n=_i(g, 10, 20))
    seat = _box((sd, 0.07, sw), (0, sh, 0), T.box_sides(S * 3, {}, fabric), "seat")
    bh = _u(g, 0.6, 0.85)
    back = _box((0.07, bh, sw), (-sd / 2, sh + bh / 2, 0), T.box_sides(S * 3, {}, fabric), "back", rot=("z", _u(g, 3, 12)))
    parts = [seat, back]
    leg = T.stripes(S, [frame, frame * 0.8], 6)
    for sx in (-1, 1):
        for sz in (-1, 1):  # crossed legs of a folding chair
            parts.append(_box((0.05, sh * 1.12, 0.05), (0, sh / 2, sz * sw * 0.45), T.box_sides(S * 3, {}, leg), "legs",
                              rot=("z", sx * _u(g, 18, 26))))
    parts.append(_box((0.04, 0.04, sw * 0.9), (0, sh * 0.5, 0), T.box_sides(S * 3, {}, leg), "legs"))
    return _finish(parts)


def dining_table(g) -> Mesh:
    L, W, H = _u(g, 1.8, 2.4), _u(g, 0.9, 1.2), _u(g, 0.7, 0.85)
    light = T.color(g, sat=(0.3, 0.7), val=(0.45, 0.9), hue=_u(g, 0.05, 0.12))
    dark = light * _u(g, 0.45, 0.7)
    top_tex = T.wood(S, g, light, dark, rings=_u(g, 8, 18))
    if torch.rand((), generator=g) > 0.5:
        top = _box((L, 0.07, W), (0, H, 0), T.box_sides(S * 3, {}, top_tex), "top")
    else:
        top = _cyl(W * 0.75, 0.07, (0, H, 0), top_tex, "top", segments=28)  # an oval top
        top = replace(top, verts=top.verts * torch.tensor([L / (W * 1.5), 1.0, 1.0]))
    legs_tex = T.wood(S, g, light * 0.9, dark, rings=30)
    parts = [top, _box((L * 0.8, 0.1, W * 0.75), (0, H - 0.08, 0), T.box_sides(S * 3, {}, legs_tex), "apron")]
    lw = _u(g, 0.06, 0.1)
    for sx in (-1, 1):
        for sz in (-1, 1):
            parts.append(_box((lw, H, lw), (sx * L * 0.38, H / 2, sz * W * 0.33), T.box_sides(S * 3, {}, legs_tex), "legs"))
    return _finish(parts)


def table_lamp(g) -> Mesh:
    bh, br = _u(g, 0.2, 0.4), _u(g, 0.18, 0.28)
    stem = _u(g, 0.4, 0.7)
    base_c = T.color(g)
    base_tex = T.stripes(S, [base_c, base_c * 0.7, T.grey(g, 0.7, 1.0)], _i(g, 3, 7))
    parts = [_cyl(br, bh, (0, bh / 2, 0), base_tex, "base", segments=24, r_top=br * _u(g, 0.5, 1.0))]
    parts.append(_cyl(0.03, stem, (0, bh + stem / 2, 0), T.fill(S, T.grey(g, 0.4, 0.9)), "stem", segments=10))
    sr, sh = _u(g, 0.35, 0.5), _u(g, 0.35, 0.5)
    shade_c = T.color(g, sat=(0.0, 0.6), val=(0.4, 1.0))
    parts.append(_cyl(sr, sh, (0, bh + stem + sh / 2 - 0.05, 0), T.pleats(S, shade_c, n=_i(g, 12, 24)), "shade",
                      segments=28, r_top=sr * _u(g, 0.45, 0.7)))
    return _finish(parts)


BUILDERS = {
    "jeep": jeep,
    "airliner": airliner,
    "container_ship": container_ship,
    "streetcar": streetcar,
    "traffic_light": traffic_light,
    "folding_chair": chair,
    "dining_table": dining_table,
    "table_lamp": table_lamp,
}
