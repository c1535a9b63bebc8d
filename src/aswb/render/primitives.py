"""Procedural meshes with UV atlases: quads, boxes, cylinders, spheres, and test textures.

All primitives are centred at the origin (unless stated), y up, wound counter-clockwise
seen from outside, and come with UVs in [0, 1] and a ``parts`` entry naming their faces.
"""
from __future__ import annotations

import math

import torch

from .._checks import positive_int
from .mesh import Mesh

__all__ = ["quad", "box", "cylinder", "uv_sphere", "checker", "face_colored_cube"]


def _mesh(verts, faces, uvs, name: str, texture=None) -> Mesh:
    faces = torch.as_tensor(faces, dtype=torch.int64)
    parts = {name: torch.ones(faces.shape[0], dtype=torch.bool)}
    tex = None if texture is None else (texture,)
    return Mesh(verts=torch.as_tensor(verts, dtype=torch.float32), faces=faces,
                uvs=torch.as_tensor(uvs, dtype=torch.float32), face_uvs=faces.clone(),
                textures=tex, parts=parts)


def quad(width: float = 1.0, height: float = 1.0, z: float = 0.0, texture=None, name: str = "quad") -> Mesh:
    """A rectangle in the plane ``z``, facing +z; UV (0, 0) bottom-left, (1, 1) top-right."""
    w, h = width / 2, height / 2
    verts = [[-w, -h, z], [w, -h, z], [w, h, z], [-w, h, z]]
    uvs = [[0, 0], [1, 0], [1, 1], [0, 1]]
    return _mesh(verts, [[0, 1, 2], [0, 2, 3]], uvs, name, texture)


# the six faces of a box: outward normal, then the (u, v) axes so that u x v = normal
_BOX_SIDES = (
    ((0, 0, 1), (1, 0, 0), (0, 1, 0)),  # +z front
    ((0, 0, -1), (-1, 0, 0), (0, 1, 0)),  # -z back
    ((1, 0, 0), (0, 0, -1), (0, 1, 0)),  # +x right
    ((-1, 0, 0), (0, 0, 1), (0, 1, 0)),  # -x left
    ((0, 1, 0), (1, 0, 0), (0, 0, -1)),  # +y top
    ((0, -1, 0), (1, 0, 0), (0, 0, 1)),  # -y bottom
)


def box(size=(1.0, 1.0, 1.0), segments: int = 1, texture=None, name: str = "box") -> Mesh:
    """An axis-aligned box with separate vertices per side (sharp edges, UV seams).

    Each side is a ``segments x segments`` grid; UVs lay the six sides out in a 3 x 2 atlas
    (front, back, right / left, top, bottom), each side a cell with a small margin.
    """
    n = positive_int(segments, "segments")
    half = torch.tensor(size, dtype=torch.float32) / 2
    t = torch.linspace(-1, 1, n + 1)
    gu, gv = torch.meshgrid(t, t, indexing="xy")  # (n+1, n+1) each, u along columns
    verts, uvs, faces = [], [], []
    base = 0
    for k, (nrm, ua, va) in enumerate(_BOX_SIDES):
        nrm, ua, va = (torch.tensor(a, dtype=torch.float32) for a in (nrm, ua, va))
        p = (nrm + gu[..., None] * ua + gv[..., None] * va) * half  # (n+1, n+1, 3)
        verts.append(p.reshape(-1, 3))
        cu, cv = k % 3, 1 - k // 3  # atlas cell; first row of sides at the top
        m = 0.02
        uv = torch.stack([(cu + m + (gu + 1) / 2 * (1 - 2 * m)) / 3, (cv + m + (gv + 1) / 2 * (1 - 2 * m)) / 2], -1)
        uvs.append(uv.reshape(-1, 2))
        idx = torch.arange((n + 1) ** 2).reshape(n + 1, n + 1) + base
        a, b, c, d = idx[:-1, :-1], idx[:-1, 1:], idx[1:, 1:], idx[1:, :-1]
        faces.append(torch.stack([torch.stack([a, b, c], -1), torch.stack([a, c, d], -1)], 2).reshape(-1, 3))
        base += (n + 1) ** 2
    return _mesh(torch.cat(verts), torch.cat(faces), torch.cat(uvs), name, texture)


def cylinder(radius: float = 0.5, height: float = 1.0, segments: int = 32, caps: bool = True,
             texture=None, name: str = "cylinder", radius_top: float | None = None) -> Mesh:
    """A cylinder (or a cone frustum with ``radius_top``) along y, centred at the origin.

    UVs: the side fills v in [0.26, 1] with u = azimuth / 360 (0 at +z, 0.25 at +x); the
    bottom and top caps are discs of radius 0.12 centred at (0.25, 0.125) and (0.75, 0.125).
    """
    n = positive_int(segments, "segments")
    if n < 3:
        raise ValueError(f"segments: expected >= 3, got {n}")
    rt = radius if radius_top is None else radius_top
    if radius <= 0 or rt < 0:
        raise ValueError(f"cylinder: expected radius > 0 and radius_top >= 0, got {radius}, {rt}")
    ang = torch.arange(n + 1) * (2 * math.pi / n)  # seam vertex duplicated for UVs
    x, z = torch.sin(ang), torch.cos(ang)
    h = height / 2
    verts = [torch.stack([radius * x, torch.full_like(x, -h), radius * z], -1),
             torch.stack([rt * x, torch.full_like(x, h), rt * z], -1)]
    u = torch.arange(n + 1) / n
    uvs = [torch.stack([u, torch.full_like(u, 0.26)], -1), torch.stack([u, torch.ones_like(u)], -1)]
    i = torch.arange(n)
    faces = [torch.stack([i, i + 1, i + n + 2], -1), torch.stack([i, i + n + 2, i + n + 1], -1)]
    nv = 2 * (n + 1)
    if caps:
        for y, r, cx, flip in ((h, rt, 0.75, False), (-h, radius, 0.25, True)):
            if r == 0:
                continue
            ring = torch.stack([r * x[:-1], torch.full_like(x[:-1], y), r * z[:-1]], -1)
            verts += [torch.tensor([[0.0, y, 0.0]]), ring]
            uvs += [torch.tensor([[cx, 0.125]]),
                    torch.stack([cx + 0.12 * torch.sin(ang[:-1]), 0.125 + 0.12 * torch.cos(ang[:-1])], -1)]
            c, r0, r1 = torch.full_like(i, nv), nv + 1 + i, nv + 1 + (i + 1) % n
            faces.append(torch.stack([c, r1, r0], -1) if flip else torch.stack([c, r0, r1], -1))
            nv += n + 1
    return _mesh(torch.cat(verts), torch.cat(faces), torch.cat(uvs), name, texture)


def uv_sphere(radius: float = 1.0, rings: int = 16, sectors: int = 32, texture=None, name: str = "sphere") -> Mesh:
    """A latitude/longitude sphere with equirectangular UVs and ``2 * sectors * (rings - 1)`` faces.

    Each pole ring uses one triangle per sector (the other one of the quad would be degenerate).
    """
    nr, ns = positive_int(rings, "rings"), positive_int(sectors, "sectors")
    if nr < 2 or ns < 3:
        raise ValueError(f"uv_sphere: expected rings >= 2 and sectors >= 3, got {nr}, {ns}")
    th = torch.linspace(0, math.pi, nr + 1)  # polar angle from +y
    ph = torch.linspace(0, 2 * math.pi, ns + 1)
    T, P = torch.meshgrid(th, ph, indexing="ij")  # (nr+1, ns+1)
    sin_t = torch.sin(T)
    sin_t[[0, -1]] = 0.0  # exact poles
    verts = torch.stack([sin_t * torch.sin(P), torch.cos(T), sin_t * torch.cos(P)], -1) * radius
    uvs = torch.stack([P / (2 * math.pi), 1 - T / math.pi], -1)
    idx = torch.arange((nr + 1) * (ns + 1)).reshape(nr + 1, ns + 1)
    a, b, c, d = idx[:-1, :-1], idx[1:, :-1], idx[1:, 1:], idx[:-1, 1:]  # (nr, ns) quad corners
    abc, acd = torch.stack([a, b, c], -1), torch.stack([a, c, d], -1)  # (nr, ns, 3)
    faces = torch.cat([abc[:1].reshape(-1, 3),  # north pole ring: a == d
                       torch.stack([abc[1:-1], acd[1:-1]], 2).reshape(-1, 3),
                       acd[-1:].reshape(-1, 3)])  # south pole ring: b == c
    return _mesh(verts.reshape(-1, 3), faces, uvs.reshape(-1, 2), name, texture)


def checker(size: int = 64, squares: int = 8, colors=((0.9, 0.9, 0.9), (0.2, 0.3, 0.8))) -> torch.Tensor:
    """A checkerboard texture: (size, size, 3) float32 in [0, 1]."""
    size, squares = positive_int(size, "size"), positive_int(squares, "squares")
    i = torch.arange(size) * squares // size
    sel = ((i[:, None] + i[None, :]) % 2).bool()[..., None]
    a, b = (torch.tensor(c, dtype=torch.float32) for c in colors)
    return torch.where(sel, b, a)


FACE_COLORS = torch.tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1]], dtype=torch.float32)


def face_colored_cube(size: float = 1.0) -> Mesh:
    """A cube whose six sides have the vertex colours ``FACE_COLORS`` in the order
    +z, -z, +x, -x, +y, -y (red, green, blue, yellow, magenta, cyan)."""
    m = box((size, size, size))
    vc = FACE_COLORS.repeat_interleave(4, dim=0)  # 4 vertices per side (segments=1)
    return m.with_vertex_colors(vc)
