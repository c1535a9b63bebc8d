"""Read and write meshes: OBJ (+MTL and texture images), GLB/glTF, PLY, OFF, STL.

Loading goes through trimesh (imported lazily) and returns a :class:`~aswb.render.Mesh`:

- every geometry of a file is moved to its world position and joined; with several
  geometries, each name becomes a part (``mesh.parts``);
- a geometry with a texture image keeps it (alpha dropped, palette/grey converted to RGB),
  *not* multiplied by the material's colour factor, as trimesh displays it; one with only a
  material colour (OBJ ``Kd``, glTF ``baseColorFactor``) gets a 1x1 texture of that colour;
  one with vertex (or face) colours gets ``vertex_colors``; otherwise the mesh has no colour
  (in a file that mixes these, :func:`~aswb.render.concat` decides);
- UVs follow the OBJ convention (v up): trimesh flips glTF UVs on load and on export;
- ``up`` names the file's up axis, turned to aswb's +y by a rotation; a ShapeNetCore-v2
  model folder loads its ``models/model_normalized.obj`` with the ``../images/`` textures.

Saving writes OBJ + MTL + one PNG per material by hand, GLB/glTF through trimesh (one
primitive per material with a PBR base-colour texture) and PLY (geometry and vertex
colours). Every file is written atomically (a temporary file, then ``os.replace``).
"""
from __future__ import annotations

import os
import re
import warnings
from dataclasses import replace
from io import BytesIO, StringIO
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .._checks import _describe
from .._files import write_file
from .mesh import Mesh, MeshError, concat

__all__ = ["load_mesh", "save_mesh", "UP_AXES"]

LOAD_FORMATS = (".obj", ".glb", ".gltf", ".ply", ".off", ".stl")
SAVE_FORMATS = (".obj", ".glb", ".gltf", ".ply")
UP_AXES = ("y", "z", "x", "-y", "-z", "-x")
# rotation (det +1) taking each file up axis to +y; row i gives new coordinate i in file coordinates
_UP_ROTATIONS = {
    "z": ((1, 0, 0), (0, 0, 1), (0, -1, 0)),  # (x, y, z) -> (x, z, -y)
    "x": ((0, -1, 0), (1, 0, 0), (0, 0, 1)),  # -> (-y, x, z)
    "-y": ((1, 0, 0), (0, -1, 0), (0, 0, -1)),  # -> (x, -y, -z): half a turn about x
    "-z": ((1, 0, 0), (0, 0, -1), (0, 1, 0)),  # -> (x, -z, y)
    "-x": ((0, 1, 0), (-1, 0, 0), (0, 0, 1)),  # -> (y, -x, z)
}
SHAPENET_OBJ = ("models/model_normalized.obj", "model_normalized.obj")  # in a model folder / its models/


def load_mesh(path, normalize: bool = True, device=None, up: str = "y") -> Mesh:
    """Load a triangle mesh with its textures or vertex colours.

    Args:
        path: file ending in .obj, .glb, .gltf, .ply, .off or .stl; an OBJ's ``mtllib`` and
            ``map_Kd`` images are resolved relative to it. Or a ShapeNetCore-v2 model folder
            (the one holding ``models/model_normalized.obj``, whose materials point at
            ``../images/``), or that ``models/`` folder itself.
        normalize: centre the bounding box at the origin and scale to a unit bounding sphere.
        device: torch device of the result (default CPU).
        up: the file's up axis, one of ``UP_AXES`` (``"y"``, ``"z"``, ``"x"``, ``"-y"``,
            ``"-z"``, ``"-x"``); the mesh is turned by a proper rotation (faces keep their
            winding) so that this axis becomes +y, aswb's up. ShapeNet and glTF are y-up;
            Blender, ROS/pybullet and most CAD exports are z-up (``up="z"`` maps (x, y, z) to
            (x, z, -y): the file's -y, Blender's front, faces +z, the camera at azimuth 0).
    Returns:
        Mesh with verts (V, 3) float32, faces (F, 3) int64 (polygons triangulated) and, when the
        file has them, uvs/face_uvs (v up), textures (tuple of (Ht, Wt, 3) float32 in [0, 1])
        with face_materials (F,) int64, or vertex_colors (V, 3) float32 in [0, 1]; parts
        {geometry name: (F,) bool} when the file holds several geometries.
    Raises:
        FileNotFoundError: ``path`` does not exist, or is a folder without a ShapeNet model.
        TypeError: ``path`` is not a str or path.
        ValueError: unsupported extension, or an unknown ``up``.
        MeshError: the file cannot be parsed, holds no triangles, or is malformed (NaN
            vertices, face indices out of range), or ``normalize`` would lose its shape in
            float32 (coordinates so large or small that scaling overflows or underflows).
    Warns:
        UserWarning: an OBJ's material library or texture image is missing; the affected
            materials fall back to their diffuse colour.
    """
    if not isinstance(up, str) or up not in UP_AXES:
        raise ValueError(f"up: expected the file's up axis, one of {UP_AXES}, got {up!r}")
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path: expected a str or os.PathLike naming a mesh file, got {_describe(path)}")
    path = Path(path)
    if path.is_dir():
        path = _shapenet_obj(path)
    ext = path.suffix.lower()
    if ext not in LOAD_FORMATS:
        raise ValueError(f"load_mesh: unsupported file extension {ext!r} ({path}); expected one of {LOAD_FORMATS}")
    if not path.is_file():
        raise FileNotFoundError(f"load_mesh: no such file: {path}")
    import trimesh
    from trimesh.resolvers import FilePathResolver

    # trimesh 5 refuses assets outside the file's folder unless told: ShapeNet has "../images/"
    resolver = FilePathResolver(path, allow_anywhere=True)
    if ext == ".obj":
        _check_obj_faces(path)  # trimesh reads a face "f 0 1 2" or a cut last line without a word
    textures = _obj_texture_refs(path, resolver) if ext == ".obj" else {}
    try:
        scene = trimesh.load_scene(path, resolver=resolver, process=False)
        geoms = scene.dump()  # copies in world space, scene-graph order
    except Exception as e:  # trimesh raises anything from IndexError to struct.error on bad input
        raise MeshError(f"load_mesh: cannot read {path} as {ext[1:].upper()}: {type(e).__name__}: {e}") from e
    meshes = [g for g in geoms if isinstance(g, trimesh.Trimesh) and len(g.faces)]
    if not meshes:
        found = ", ".join(sorted({type(g).__name__ for g in geoms})) or "nothing"
        raise MeshError(f"load_mesh: {path} holds no triangle faces (found: {found})")
    # back to file order: trimesh's glTF scene graph and OBJ material groups come last-first
    order = list(scene.geometry)[::-1 if ext == ".obj" else 1]
    meshes.sort(key=lambda g: order.index(g.metadata["name"]))
    for g in meshes:
        mat = getattr(g.visual, "material", None)
        name = getattr(mat, "name", None)
        if name in textures and getattr(mat, "image", None) is None:
            warnings.warn(f"load_mesh: texture image {textures.pop(name)!r} of material {name!r} in {path} "
                          "could not be loaded; using the material's diffuse colour", stacklevel=2)
    names = [g.metadata.get("name") for g in meshes] if len(meshes) > 1 else [None]
    try:
        pieces = [_to_mesh(g, n) for g, n in zip(meshes, names)]
        mesh = pieces[0] if len(pieces) == 1 else concat(pieces)
        if up != "y":
            rot = torch.tensor(_UP_ROTATIONS[up], dtype=mesh.verts.dtype)  # (3, 3), rows: new axes
            mesh = replace(mesh, verts=mesh.verts @ rot.T)  # exact: entries are 0 and +-1
        mesh = _normalized(mesh) if normalize else mesh
    except MeshError as e:
        raise MeshError(f"load_mesh: {path}: {e}") from e
    return mesh if device is None else mesh.to(device)


#: largest distance between a normalised vertex and the same vertex normalised in float64 (unit sphere)
_NORMALIZE_TOLERANCE = 1e-3


def _normalized(mesh: Mesh) -> Mesh:
    """``mesh.normalized()`` (float32, the numbers every stored render depends on), refused with a
    MeshError when float32 loses the shape that float64 keeps (e.g. coordinates of 1e20, whose squared
    distances overflow and collapse the mesh to a point)."""
    v = mesh.verts.detach().double()  # (V, 3)
    c = (v.amin(0) + v.amax(0)) / 2
    r = float((v - c).norm(dim=-1).max())
    if r <= 0:
        return mesh.normalized()  # its MeshError: all vertices coincide
    try:
        out = mesh.normalized()
        err = float((out.verts.detach().double() - (v - c) / r).abs().max())  # float64: no range limits
    except MeshError:  # float32 saw every vertex at one point (squared distances underflowed)
        err = float("inf")
    if not err <= _NORMALIZE_TOLERANCE:  # NaN and inf too
        raise MeshError(f"normalize: the coordinates (largest |v| = {float(v.abs().max()):.3g}, bounding radius "
                        f"{r:.3g}) cannot be normalised in float32 without losing the shape (vertices off by {err:.3g} "
                        f"of the unit radius); rescale the file, or load it with normalize=False")
    return out


def save_mesh(mesh: Mesh, path) -> None:
    """Save a mesh; the format follows the extension. Parent folders are created.

    Args:
        mesh: the Mesh; its textures/vertex colours are detached and moved to the CPU.
        path: ``.obj`` writes ``name.obj``, ``name.mtl`` and ``name_<material>.png`` per texture
            (vertex colours as ``v x y z r g b`` when untextured); ``.glb`` / ``.gltf`` (buffers
            and images embedded) write one primitive per material with a PBR base-colour
            texture, or vertex colours; ``.ply`` writes geometry and vertex colours (uint8).
            A material whose faces are exactly one part is named after it (so parts come back
            as geometry names); other parts are not stored.
    Raises:
        TypeError: ``mesh`` is not a Mesh.
        ValueError: unsupported extension, or a textured mesh saved as PLY (no textures there).
    """
    if not isinstance(mesh, Mesh):
        raise TypeError(f"save_mesh: expected a Mesh, got {_describe(mesh)}")
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in SAVE_FORMATS:
        raise ValueError(f"save_mesh: unsupported file extension {ext!r} ({path}); expected one of {SAVE_FORMATS}")
    if ext == ".ply" and mesh.textures is not None:
        raise ValueError("save_mesh: PLY cannot store texture images; save as .obj or .glb "
                         "(or drop the texture with dataclasses.replace(mesh, textures=None, face_materials=None))")
    path.parent.mkdir(parents=True, exist_ok=True)
    mesh = mesh.detach().to("cpu")
    {".obj": _save_obj, ".ply": _save_ply}.get(ext, _save_gltf)(mesh, path)


# -- loading helpers ------------------------------------------------------------------------
def _check_obj_faces(path: Path) -> None:
    """Refuse OBJ face lines that trimesh would read silently wrong: a file that ends inside a
    face of fewer than 3 corners with no final newline (cut short), an index 0 (OBJ counts
    from 1), an index past the vertices or texture coordinates defined, or text that is not
    an index. Complete face lines of fewer than 3 corners (some exporters write them) are
    skipped by trimesh; they get a warning."""
    nv = nvt = 0
    worst = None  # (largest positive v index, line number), checked once all vertices are counted
    short = []  # line numbers of faces with fewer than 3 corners
    last, ended = 0, True  # the last line with content, and whether a newline ends it
    with open(path, "rb") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.split(b"#", 1)[0].strip()
            if line:
                last, ended = lineno, raw.endswith(b"\n")
            if line.startswith(b"v "):
                nv += 1
            elif line.startswith(b"vt "):
                nvt += 1
            elif line.startswith(b"f ") or line == b"f":
                refs = line.split()[1:]
                where = f"load_mesh: {path}, line {lineno} ({raw.decode(errors='replace').strip()!r})"
                if len(refs) < 3:
                    short.append((lineno, where, len(refs)))
                for ref in refs:
                    parts = ref.split(b"/")
                    for k, (part, n, what) in enumerate(zip(parts[:2], (nv, nvt), ("vertices", "texture coordinates"))):
                        if not part and k > 0:
                            continue  # "1//2": no texture coordinate
                        try:
                            i = int(part)
                        except ValueError:
                            raise MeshError(f"{where}: {ref.decode(errors='replace')!r} is not a vertex reference "
                                            "(v, v/vt, v//vn or v/vt/vn with integer indices)") from None
                        if i == 0:
                            raise MeshError(f"{where}: index 0 (OBJ indices count from 1; negative ones from the end)")
                        if i < 0 and -i > n:
                            raise MeshError(f"{where}: relative index {i} but only {n} {what} defined so far")
                        if i > 0 and k == 0 and (worst is None or i > worst[0]):
                            worst = (i, lineno)
                        if i > 0 and k == 1 and i > n:
                            raise MeshError(f"{where}: texture coordinate {i} but only {n} defined so far")
    if short and short[-1][0] == last and not ended:
        raise MeshError(f"{short[-1][1]}: the file ends inside a face of {short[-1][2]} corner(s) without a final "
                        "newline; a face needs at least 3 (is the file cut short?)")
    if short:
        warnings.warn(f"load_mesh: {path}: {len(short)} face line(s) with fewer than 3 corners skipped "
                      f"(first at line {short[0][0]})", stacklevel=3)
    if worst is not None and worst[0] > nv:
        raise MeshError(f"load_mesh: {path}, line {worst[1]}: vertex index {worst[0]} but the file has only {nv} vertices")


def _shapenet_obj(folder: Path) -> Path:
    """The OBJ of a ShapeNetCore-v2 model folder (or of its ``models/`` subfolder)."""
    for rel in SHAPENET_OBJ:
        if (folder / rel).is_file():
            return folder / rel
    raise FileNotFoundError(f"load_mesh: {folder} is a folder but holds no ShapeNetCore-v2 model: looked for "
                            f"{' and '.join(SHAPENET_OBJ)} in it; give a mesh file or a ShapeNet model folder")


def _obj_texture_refs(path: Path, resolver) -> dict[str, str]:
    """``{material: map_Kd file}`` of the OBJ's material library, found as trimesh finds it."""
    with open(path, "rb") as f:
        m = re.search(rb"^[ \t]*mtllib[ \t]+([^\r\n]+?)[ \t\r]*$", f.read(), re.M)
    if m is None:
        return {}
    lib = m.group(1).decode(errors="replace")
    try:
        text = resolver.get(lib).decode(errors="replace")
    except Exception:  # the resolver raises whatever open() raised
        warnings.warn(f"load_mesh: material library {lib!r} referenced by {path} not found; "
                      "loading without materials", stacklevel=3)
        return {}
    refs, cur = {}, None
    for line in text.splitlines():
        key, rest = (line.split(None, 1) + ["", ""])[:2]
        if key == "newmtl":
            cur = rest.strip()
        elif key.lower() == "map_kd" and cur is not None:
            refs[cur] = rest.strip()
    return refs


def _to_mesh(g, name: str | None) -> Mesh:
    """One trimesh geometry (already in world space) as a Mesh."""
    from trimesh.visual.material import SimpleMaterial, color_image

    verts = torch.as_tensor(np.asarray(g.vertices), dtype=torch.float32)  # (V, 3)
    faces = torch.as_tensor(np.asarray(g.faces), dtype=torch.int64)  # (F, 3)
    kw = {"parts": {} if name is None else {name: torch.ones(len(faces), dtype=torch.bool)}}
    vis, uv = g.visual, getattr(g.visual, "uv", None)
    uv = torch.as_tensor(np.asarray(uv), dtype=torch.float32) if uv is not None and len(uv) == len(verts) else None
    if vis.kind == "texture":
        mat = vis.material
        img = getattr(mat, "image", None) if isinstance(mat, SimpleMaterial) else getattr(mat, "baseColorTexture", None)
        if img is not None and img.size == (2, 2) and img.tobytes() == color_image().tobytes():
            # trimesh's stand-in (a 2x2 grey image) for UVs without any material: no colour
            kw.update(uvs=uv, face_uvs=None if uv is None else faces)
        elif img is not None and uv is not None:
            kw.update(uvs=uv, face_uvs=faces, textures=(_image(img),))
        else:  # material colour only: a 1x1 texture (keeping the UVs, if any, for a later texture)
            col = getattr(mat, "main_color", None)  # (4,) uint8 RGBA
            col = (128, 128, 128) if col is None else col[:3]
            tex = torch.as_tensor(np.asarray(col), dtype=torch.float32).view(1, 1, 3) / 255
            if uv is None:
                kw.update(uvs=torch.full((1, 2), 0.5), face_uvs=torch.zeros_like(faces), textures=(tex,))
            else:
                kw.update(uvs=uv, face_uvs=faces, textures=(tex,))
    elif vis.kind in ("vertex", "face"):  # face colours are averaged onto vertices by trimesh
        kw["vertex_colors"] = torch.as_tensor(np.asarray(vis.vertex_colors)[:, :3], dtype=torch.float32) / 255
    return Mesh(verts=verts, faces=faces, **kw)


def _image(img) -> torch.Tensor:
    """A PIL image as (H, W, 3) float32 in [0, 1], row 0 at the top (alpha dropped)."""
    arr = np.asarray(img.convert("RGB"), dtype=np.float32) / 255  # (H, W, 3)
    return torch.from_numpy(arr.copy())


# -- saving helpers -------------------------------------------------------------------------
def _png(tex: torch.Tensor) -> bytes:
    buf = BytesIO()
    Image.fromarray(_u8(tex)).save(buf, format="PNG")
    return buf.getvalue()


def _u8(x: torch.Tensor) -> np.ndarray:
    return (x.clamp(0, 1) * 255).round().to(torch.uint8).numpy()


def _material_names(mesh: Mesh) -> list[str]:
    """One name per material: the part whose faces are exactly that material's, else material_<i>."""
    names = []
    for i in range(len(mesh.textures)):
        sel = mesh.face_materials == i
        hits = [k for k, m in mesh.parts.items() if torch.equal(m, sel) and re.fullmatch(r"[\w.-]+", k)]
        name = hits[0] if len(hits) == 1 else f"material_{i}"
        names.append(name if name not in names else f"{name}_{i}")
    return names


def _rows(a: np.ndarray, fmt: str) -> str:
    """Rows of ``a`` as text lines, each formatted by the row format ``fmt``."""
    buf = StringIO()
    np.savetxt(buf, a, fmt=fmt)
    return buf.getvalue()


def _save_obj(mesh: Mesh, path: Path) -> None:
    v, f = mesh.verts.numpy(), mesh.faces.numpy() + 1  # OBJ indices start at 1
    lines = ["# written by aswb.render.save_mesh\n"]
    if mesh.textures is not None:  # images and MTL first, so the OBJ never points at missing files
        names, mtl = _material_names(mesh), []
        for name, tex in zip(names, mesh.textures):
            png = f"{path.stem}_{name}.png"
            write_file(path.with_name(png), _png(tex))
            mtl.append(f"newmtl {name}\nKa 0 0 0\nKd 1 1 1\nKs 0 0 0\nillum 1\nmap_Kd {png}\n")
        write_file(path.with_suffix(".mtl"), "\n".join(mtl))
        lines.append(f"mtllib {path.stem}.mtl\n")
    if mesh.textures is None and mesh.vertex_colors is not None:
        # x y z r g b; no vt then, since trimesh drops vertex colours of meshes with UVs
        lines.append(_rows(np.concatenate([v, mesh.vertex_colors.numpy()], 1), "v" + " %.9g" * 6))
        lines.append(_rows(f, "f %d %d %d"))
    elif mesh.uvs is None:
        lines += [_rows(v, "v %.9g %.9g %.9g"), _rows(f, "f %d %d %d")]
    else:
        lines += [_rows(v, "v %.9g %.9g %.9g"), _rows(mesh.uvs.numpy(), "vt %.9g %.9g")]
        fv = np.stack([f, mesh.face_uvs.numpy() + 1], -1).reshape(len(f), 6)  # (F, 6): v/vt per corner
        if mesh.textures is None:
            lines.append(_rows(fv, "f %d/%d %d/%d %d/%d"))
        else:
            fm = mesh.face_materials.numpy()
            for i, name in enumerate(names):
                lines += [f"usemtl {name}\n", _rows(fv[fm == i], "f %d/%d %d/%d %d/%d")]
    write_file(path, "".join(lines))


def _split_corners(faces: np.ndarray, face_uvs: np.ndarray):
    """Unweld (vertex, uv) pairs for formats with one UV per vertex, keeping first-use order.

    Returns vertex index (n,), uv index (n,) and new faces (F, 3) into them."""
    pairs = np.stack([faces, face_uvs], -1).reshape(-1, 2)  # (3F, 2)
    uniq, first, inv = np.unique(pairs, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return uniq[order, 0], uniq[order, 1], rank[inv.reshape(-1)].reshape(-1, 3)


def _save_gltf(mesh: Mesh, path: Path) -> None:
    import trimesh
    from trimesh.visual.material import PBRMaterial
    from trimesh.visual.texture import TextureVisuals

    scene = trimesh.Scene()
    v, f = mesh.verts.numpy(), mesh.faces.numpy()
    if mesh.textures is None:
        vc = None if mesh.vertex_colors is None else _u8(mesh.vertex_colors)
        scene.add_geometry(trimesh.Trimesh(v, f, vertex_colors=vc, process=False), geom_name=path.stem)
    else:
        fm, fuv, uvs = mesh.face_materials.numpy(), mesh.face_uvs.numpy(), mesh.uvs.numpy()
        for i, name in enumerate(_material_names(mesh)):
            sel = fm == i
            if not sel.any():
                continue
            vi, ti, faces = _split_corners(f[sel], fuv[sel])
            mat = PBRMaterial(name=name, baseColorTexture=Image.fromarray(_u8(mesh.textures[i])),
                              metallicFactor=0.0, roughnessFactor=1.0)
            vis = TextureVisuals(uv=uvs[ti], material=mat)
            scene.add_geometry(trimesh.Trimesh(v[vi], faces, visual=vis, process=False), geom_name=name)
    if path.suffix.lower() == ".glb":
        data = scene.export(file_type="glb")
    else:
        from trimesh.exchange.gltf import export_gltf

        data = export_gltf(scene, merge_buffers=True, embed_buffers=True)["model.gltf"]
    write_file(path, data)


def _save_ply(mesh: Mesh, path: Path) -> None:
    import trimesh

    vc = None if mesh.vertex_colors is None else _u8(mesh.vertex_colors)
    tm = trimesh.Trimesh(mesh.verts.numpy(), mesh.faces.numpy(), vertex_colors=vc, process=False)
    write_file(path, tm.export(file_type="ply"))
