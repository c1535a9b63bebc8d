"""Triangle meshes with optional UV atlases, texture images, vertex colours and part masks.

Conventions
-----------
- ``verts``: ``(V, 3)`` float32 world coordinates, y up.
- ``faces``: ``(F, 3)`` int64 indices into ``verts``.
- ``uvs``: ``(T, 2)`` float32 texture coordinates in OpenGL/OBJ orientation: ``u`` grows to
  the right and ``v`` grows *up*, so ``v = 1`` is the top row of a texture image.
  ``face_uvs``: ``(F, 3)`` int64 indices into ``uvs`` (UV seams need their own indices).
- ``textures``: a tuple of ``(Ht, Wt, 3)`` float32 images in [0, 1], row 0 at the top,
  one per material; ``face_materials``: ``(F,)`` int64 material index of each face.
- ``vertex_colors``: ``(V, 3)`` float32 in [0, 1].
- ``parts``: named boolean face masks ``{name: (F,) bool}`` (e.g. ``"body"``, ``"wheels"``).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping, Sequence

import torch

from .._checks import _describe, as_tensor, check_finite, check_range, check_shape

__all__ = ["Mesh", "MeshError", "concat", "subdivide"]


class MeshError(ValueError):
    """A mesh (or a mesh file) is malformed: empty, non-finite, or inconsistent indices."""


@dataclass(frozen=True, eq=False)
class Mesh:
    """A triangle mesh; construct it with any array-likes, it validates and converts them.

    Fields:
        verts: (V, 3) float32 vertex positions, finite.
        faces: (F, 3) int64 vertex indices in [0, V).
        uvs: (T, 2) float32 UV coordinates (v up), or None.
        face_uvs: (F, 3) int64 indices into ``uvs`` in [0, T), or None (required with ``uvs``).
        textures: tuple of (Ht, Wt, 3) float32 images in [0, 1], one per material, or None.
        face_materials: (F,) int64 material index per face in [0, len(textures)); defaults to 0.
        vertex_colors: (V, 3) float32 in [0, 1], or None.
        parts: {name: (F,) bool} named face masks.
    """

    verts: torch.Tensor
    faces: torch.Tensor
    uvs: torch.Tensor | None = None
    face_uvs: torch.Tensor | None = None
    textures: tuple[torch.Tensor, ...] | None = None
    face_materials: torch.Tensor | None = None
    vertex_colors: torch.Tensor | None = None
    parts: Mapping[str, torch.Tensor] = field(default_factory=dict)

    def __post_init__(self) -> None:
        s = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731 (frozen dataclass)
        try:
            verts = as_tensor(self.verts, "Mesh.verts")
            faces = as_tensor(self.faces, "Mesh.faces", dtype=torch.int64, device=verts.device)
        except TypeError as e:
            raise MeshError(str(e)) from e
        dev = verts.device
        _shape(verts, "Mesh.verts", (None, 3))
        _shape(faces, "Mesh.faces", (None, 3))
        if verts.shape[0] == 0 or faces.shape[0] == 0:
            raise MeshError(
                f"empty mesh: expected at least one vertex and one face, got "
                f"{verts.shape[0]} vertices and {faces.shape[0]} faces"
            )
        if not bool(torch.isfinite(verts).all()):
            n = int((~torch.isfinite(verts).all(-1)).sum())
            raise MeshError(f"Mesh.verts: expected finite coordinates, got {n} vertices with NaN/inf")
        _index_range(faces, verts.shape[0], "Mesh.faces", "vertices")
        s("verts", verts)
        s("faces", faces)
        F = faces.shape[0]

        if (self.uvs is None) != (self.face_uvs is None):
            raise MeshError("Mesh: uvs and face_uvs must be given together (or both None)")
        if self.uvs is not None:
            uvs = as_tensor(self.uvs, "Mesh.uvs", device=dev)
            fuv = as_tensor(self.face_uvs, "Mesh.face_uvs", dtype=torch.int64, device=dev)
            _shape(uvs, "Mesh.uvs", (None, 2))
            _shape(fuv, "Mesh.face_uvs", (F, 3))
            try:
                check_finite(uvs, "Mesh.uvs")
            except ValueError as e:
                raise MeshError(str(e)) from e
            _index_range(fuv, uvs.shape[0], "Mesh.face_uvs", "UVs")
            s("uvs", uvs)
            s("face_uvs", fuv)

        if self.textures is not None:
            texs = self.textures
            if isinstance(texs, torch.Tensor) and texs.dim() == 3:
                texs = (texs,)
            if not isinstance(texs, (tuple, list)) or len(texs) == 0:
                raise TypeError(f"Mesh.textures: expected a sequence of (Ht, Wt, 3) tensors, got {_describe(texs)}")
            texs = tuple(_texture(t, f"Mesh.textures[{i}]", dev) for i, t in enumerate(texs))
            if self.uvs is None:
                raise MeshError("Mesh: textures need uvs and face_uvs")
            s("textures", texs)
            fm = self.face_materials
            fm = torch.zeros(F, dtype=torch.int64, device=dev) if fm is None else as_tensor(
                fm, "Mesh.face_materials", dtype=torch.int64, device=dev)
            _shape(fm, "Mesh.face_materials", (F,))
            _index_range(fm, len(texs), "Mesh.face_materials", "textures")
            s("face_materials", fm)
        elif self.face_materials is not None:
            raise MeshError("Mesh: face_materials given without textures")

        if self.vertex_colors is not None:
            vc = as_tensor(self.vertex_colors, "Mesh.vertex_colors", device=dev)
            _shape(vc, "Mesh.vertex_colors", (verts.shape[0], 3))
            try:
                check_range(vc, "Mesh.vertex_colors")
            except ValueError as e:
                raise MeshError(str(e)) from e
            s("vertex_colors", vc)

        parts = {}
        for name, m in dict(self.parts).items():
            if not isinstance(name, str):
                raise TypeError(f"Mesh.parts: expected str names, got {_describe(name)}")
            m = torch.as_tensor(m, device=dev)
            if m.dtype != torch.bool:
                raise TypeError(f"Mesh.parts[{name!r}]: expected a bool face mask, got {_describe(m)}")
            _shape(m, f"Mesh.parts[{name!r}]", (F,))
            parts[name] = m
        s("parts", parts)

    # -- properties -------------------------------------------------------------------
    @property
    def num_verts(self) -> int:
        return int(self.verts.shape[0])

    @property
    def num_faces(self) -> int:
        return int(self.faces.shape[0])

    @property
    def device(self) -> torch.device:
        return self.verts.device

    @property
    def has_uv_texture(self) -> bool:
        return self.textures is not None

    def __repr__(self) -> str:
        extra = []
        if self.uvs is not None:
            extra.append(f"uvs={self.uvs.shape[0]}")
        if self.textures is not None:
            extra.append("textures=[" + ", ".join(f"{t.shape[0]}x{t.shape[1]}" for t in self.textures) + "]")
        if self.vertex_colors is not None:
            extra.append("vertex_colors")
        if self.parts:
            extra.append("parts=" + ",".join(self.parts))
        return f"Mesh(V={self.num_verts}, F={self.num_faces}{', ' if extra else ''}{', '.join(extra)}, device={self.device})"

    # -- derived quantities -----------------------------------------------------------
    def face_verts(self) -> torch.Tensor:
        """Vertex positions per face: (F, 3, 3) float32."""
        return self.verts[self.faces]  # (F, 3 corners, 3 xyz)

    def face_areas(self) -> torch.Tensor:
        """World-space area of each face: (F,) float32, >= 0."""
        v = self.face_verts()
        return 0.5 * torch.linalg.cross(v[:, 1] - v[:, 0], v[:, 2] - v[:, 0]).norm(dim=-1)

    def face_normals(self) -> torch.Tensor:
        """Unit normals of each face following the winding (right-hand rule): (F, 3); zero for degenerate faces."""
        v = self.face_verts()
        n = torch.linalg.cross(v[:, 1] - v[:, 0], v[:, 2] - v[:, 0])
        return n / n.norm(dim=-1, keepdim=True).clamp_min(1e-12)

    def vertex_normals(self) -> torch.Tensor:
        """Area-weighted unit vertex normals: (V, 3) float32."""
        v = self.face_verts()
        n = torch.linalg.cross(v[:, 1] - v[:, 0], v[:, 2] - v[:, 0])  # (F, 3), length = 2*area
        vn = torch.zeros_like(self.verts).index_add_(0, self.faces.reshape(-1), n.repeat_interleave(3, dim=0))
        return vn / vn.norm(dim=-1, keepdim=True).clamp_min(1e-12)

    def bounding_sphere(self) -> tuple[torch.Tensor, float]:
        """Centre ``(3,)`` of the axis-aligned bounding box and the radius of the sphere around it."""
        lo, hi = self.verts.min(0).values, self.verts.max(0).values
        c = (lo + hi) / 2
        return c, float((self.verts - c).norm(dim=-1).max())

    def surface_area(self) -> float:
        return float(self.face_areas().sum())

    # -- transforms -------------------------------------------------------------------
    def normalized(self, radius: float = 1.0) -> "Mesh":
        """Centre the bounding box at the origin and scale so the bounding sphere has ``radius``."""
        c, r = self.bounding_sphere()
        if r <= 0:
            raise MeshError("Mesh.normalized: all vertices coincide; cannot scale to unit size")
        return replace(self, verts=(self.verts - c) * (radius / r))

    def to(self, device) -> "Mesh":
        """A copy of the mesh with every tensor on ``device``."""
        mv = lambda t: None if t is None else t.to(device)  # noqa: E731
        return replace(
            self,
            verts=self.verts.to(device), faces=self.faces.to(device), uvs=mv(self.uvs),
            face_uvs=mv(self.face_uvs), face_materials=mv(self.face_materials),
            textures=None if self.textures is None else tuple(t.to(device) for t in self.textures),
            vertex_colors=mv(self.vertex_colors), parts={k: v.to(device) for k, v in self.parts.items()},
        )

    def with_texture(self, textures) -> "Mesh":
        """A copy with new texture image(s): one ``(Ht, Wt, 3)`` tensor or a sequence per material."""
        if isinstance(textures, torch.Tensor):
            textures = (textures,)
        return replace(self, textures=tuple(textures))

    def with_vertex_colors(self, colors) -> "Mesh":
        """A copy with new vertex colours ``(V, 3)`` in [0, 1]."""
        return replace(self, vertex_colors=colors)

    def detach(self) -> "Mesh":
        """A copy whose colour tensors are detached from autograd (e.g. after optimisation)."""
        d = lambda t: None if t is None else t.detach()  # noqa: E731
        return replace(
            self, vertex_colors=d(self.vertex_colors),
            textures=None if self.textures is None else tuple(t.detach() for t in self.textures),
        )


def _shape(x: torch.Tensor, name: str, shape) -> None:
    try:
        check_shape(x, name, shape)
    except ValueError as e:
        raise MeshError(str(e)) from e


def _index_range(idx: torch.Tensor, n: int, name: str, what: str) -> None:
    if idx.numel() and (int(idx.min()) < 0 or int(idx.max()) >= n):
        raise MeshError(
            f"{name}: indices must lie in [0, {n}) ({n} {what}), got range "
            f"[{int(idx.min())}, {int(idx.max())}]"
        )


def _texture(t, name: str, device) -> torch.Tensor:
    if isinstance(t, torch.Tensor) and not t.is_floating_point():
        raise TypeError(f"{name}: expected a float texture in [0, 1], got {_describe(t)} "
                        "(convert uint8 images with tex.float() / 255)")
    t = as_tensor(t, name, device=device)
    if t.dim() != 3 or t.shape[-1] != 3 or t.shape[0] < 1 or t.shape[1] < 1:
        raise ValueError(f"{name}: expected shape (Ht, Wt, 3), got {tuple(t.shape)}")
    check_range(t, name)
    return t


def concat(meshes: Sequence[Mesh]) -> Mesh:
    """Join meshes into one. Materials are kept per input (textures concatenated in order);
    parts with the same name are merged; meshes without a texture get a 1x1 texture of
    their vertex colours' mean (or mid-grey) when any other mesh is textured.
    """
    meshes = list(meshes)
    if not meshes or not all(isinstance(m, Mesh) for m in meshes):
        raise TypeError("concat: expected a non-empty sequence of Mesh")
    dev = meshes[0].device
    any_tex = any(m.textures is not None for m in meshes)
    all_vc = all(m.vertex_colors is not None for m in meshes)
    verts, faces, uvs, fuvs, texs, fmat, vcs = [], [], [], [], [], [], []
    nv = nt = 0
    part_names = sorted({k for m in meshes for k in m.parts})
    parts = {k: [] for k in part_names}
    for m in meshes:
        m = m.to(dev)
        verts.append(m.verts)
        faces.append(m.faces + nv)
        if any_tex:
            if m.textures is None:
                col = m.vertex_colors.mean(0) if m.vertex_colors is not None else torch.full((3,), 0.5, device=dev)
                mt = (col.view(1, 1, 3),)
                muv = torch.full((1, 2), 0.5, device=dev)
                mfuv = torch.zeros_like(m.faces)
                mfm = torch.zeros(m.num_faces, dtype=torch.int64, device=dev)
            else:
                mt, muv, mfuv, mfm = m.textures, m.uvs, m.face_uvs, m.face_materials
            uvs.append(muv)
            fuvs.append(mfuv + nt)
            fmat.append(mfm + len(texs))
            texs.extend(mt)
            nt += muv.shape[0]
        if all_vc:
            vcs.append(m.vertex_colors)
        for k in part_names:
            parts[k].append(m.parts.get(k, torch.zeros(m.num_faces, dtype=torch.bool, device=dev)))
        nv += m.num_verts
    return Mesh(
        verts=torch.cat(verts), faces=torch.cat(faces),
        uvs=torch.cat(uvs) if any_tex else None, face_uvs=torch.cat(fuvs) if any_tex else None,
        textures=tuple(texs) if any_tex else None, face_materials=torch.cat(fmat) if any_tex else None,
        vertex_colors=torch.cat(vcs) if all_vc else None,
        parts={k: torch.cat(v) for k, v in parts.items()},
    )


def subdivide(mesh: Mesh, times: int = 1) -> Mesh:
    """Split every face into four at its edge midpoints, ``times`` times (4**times faces each).

    The surface, UV mapping, textures, vertex colours, materials and parts are unchanged
    (flat faces render identically); finer faces let surface-area selections such as patches
    follow their target area closely on low-poly meshes.
    """
    if isinstance(times, bool) or not isinstance(times, int) or times < 0:
        raise ValueError(f"times: expected an int >= 0, got {times!r}")
    for _ in range(times):
        mesh = _subdivide_once(mesh)
    return mesh


def _midpoints(idx: torch.Tensor, values: torch.Tensor):
    """Unique edge midpoints of faces ``idx`` (F, 3) over ``values`` (N, C): new values and (F, 3) ids
    of the midpoints of edges (0-1, 1-2, 2-0), numbered after the N existing entries."""
    e = torch.stack([idx[:, [0, 1]], idx[:, [1, 2]], idx[:, [2, 0]]], 1)  # (F, 3 edges, 2)
    key = e.sort(-1).values.reshape(-1, 2)
    uniq, inv = torch.unique(key, dim=0, return_inverse=True)
    mid = (values[uniq[:, 0]] + values[uniq[:, 1]]) / 2
    return torch.cat([values, mid]), inv.view(-1, 3) + values.shape[0]


def _split(idx: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
    a, b, c = idx.unbind(1)
    ab, bc, ca = m.unbind(1)
    return torch.stack([torch.stack([a, ab, ca], 1), torch.stack([ab, b, bc], 1),
                        torch.stack([ca, bc, c], 1), torch.stack([ab, bc, ca], 1)], 1).reshape(-1, 3)


def _subdivide_once(mesh: Mesh) -> Mesh:
    vals = mesh.verts if mesh.vertex_colors is None else torch.cat([mesh.verts, mesh.vertex_colors], 1)
    vals, mv = _midpoints(mesh.faces, vals)
    kw = {"verts": vals[:, :3], "faces": _split(mesh.faces, mv),
          "vertex_colors": None if mesh.vertex_colors is None else vals[:, 3:]}
    if mesh.uvs is not None:
        uvs, mu = _midpoints(mesh.face_uvs, mesh.uvs)
        kw.update(uvs=uvs, face_uvs=_split(mesh.face_uvs, mu))
    rep = lambda t: t.repeat_interleave(4, dim=0)  # noqa: E731  (each face -> its 4 children, in order)
    if mesh.face_materials is not None:
        kw["face_materials"] = rep(mesh.face_materials)
    kw["parts"] = {k: rep(v) for k, v in mesh.parts.items()}
    return replace(mesh, **kw)
