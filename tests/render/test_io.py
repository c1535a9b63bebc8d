"""Mesh I/O: round trips keep geometry and texture orientation; hand-written files load; errors are clear."""
import json
import os
import re
import struct
import warnings
from io import BytesIO

import numpy as np
import pytest
import torch
from PIL import Image

from aswb.render import Mesh, MeshError, load_mesh, primitives, sample_texture, save_mesh
from aswb.render.io import UP_AXES
from aswb.render.mesh import concat

RED, GREEN, BLUE = (1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)
ATOL = 1.5 / 255  # PNG and uint8 colours quantise to 8 bits


def _asym_texture(h: int = 32, w: int = 32) -> torch.Tensor:
    """(h, w, 3): top half red, bottom half blue, a green stripe on the left; no symmetry."""
    tex = torch.zeros(h, w, 3)
    tex[: h // 2] = torch.tensor(RED)
    tex[h // 2:] = torch.tensor(BLUE)
    tex[:, : w // 5] = torch.tensor(GREEN)
    return tex


def _face_colors(m) -> torch.Tensor:
    """Texture colour at each face's UV centroid: (F, 3)."""
    uvc = m.uvs[m.face_uvs].mean(1)  # (F, 2)
    out = torch.empty(m.num_faces, 3)
    for i, tex in enumerate(m.textures):
        sel = m.face_materials == i
        out[sel] = sample_texture(tex, uvc[sel])
    return out


def _png(path, rgb: np.ndarray, mode: str = "RGB") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgb).convert(mode).save(path)


def _asym_u8(h: int = 8, w: int = 8) -> np.ndarray:
    return (_asym_texture(h, w).numpy() * 255).astype(np.uint8)


# -- round trips ----------------------------------------------------------------------------
@pytest.mark.parametrize("ext", ["obj", "glb", "gltf"])
def test_roundtrip_textured_box(tmp_path, ext):
    m = primitives.box((1.0, 2.0, 0.5), texture=_asym_texture())
    save_mesh(m, tmp_path / f"box.{ext}")
    back = load_mesh(tmp_path / f"box.{ext}", normalize=False)
    assert back.num_faces == m.num_faces and len(back.textures) == 1
    torch.testing.assert_close(back.face_verts(), m.face_verts())
    torch.testing.assert_close(back.textures[0], m.textures[0], atol=ATOL, rtol=0)
    # same colour at every face: no upside-down or mirrored texture
    torch.testing.assert_close(_face_colors(back), _face_colors(m), atol=ATOL, rtol=0)
    assert {tuple(c) for c in _face_colors(back).round().tolist()} == {RED, GREEN, BLUE}


@pytest.mark.parametrize("ext", ["obj", "glb"])
def test_roundtrip_two_materials(tmp_path, ext):
    m = concat([primitives.box(texture=_asym_texture()),
                primitives.uv_sphere(rings=4, sectors=6, texture=primitives.checker(16, 4))])
    save_mesh(m, tmp_path / f"two.{ext}")
    back = load_mesh(tmp_path / f"two.{ext}", normalize=False)
    assert [t.shape for t in back.textures] == [(32, 32, 3), (16, 16, 3)]
    assert torch.equal(back.face_materials, m.face_materials)
    assert set(back.parts) == {"box", "sphere"} and torch.equal(back.parts["sphere"], m.parts["sphere"])
    torch.testing.assert_close(back.face_verts(), m.face_verts())
    torch.testing.assert_close(_face_colors(back), _face_colors(m), atol=ATOL, rtol=0)


def test_obj_files_written(tmp_path):
    m = concat([primitives.box(texture=_asym_texture()), primitives.quad(texture=primitives.checker(8, 2))])
    save_mesh(m, tmp_path / "sub" / "dir" / "m.obj")  # parent folders are created
    names = sorted(os.listdir(tmp_path / "sub" / "dir"))
    assert names == ["m.mtl", "m.obj", "m_box.png", "m_quad.png"]  # and no temporary files left
    text = (tmp_path / "sub" / "dir" / "m.obj").read_text()
    assert "mtllib m.mtl" in text and "usemtl box" in text and "usemtl quad" in text


@pytest.mark.parametrize("ext", ["obj", "glb", "ply"])
def test_roundtrip_vertex_colors(tmp_path, ext):
    m = primitives.face_colored_cube()
    m = m.with_vertex_colors(m.vertex_colors * 0.8 + 0.1)  # not only 0 / 1
    save_mesh(m, tmp_path / f"cube.{ext}")
    back = load_mesh(tmp_path / f"cube.{ext}", normalize=False)
    assert back.textures is None and back.num_faces == 12
    torch.testing.assert_close(back.face_verts(), m.face_verts())
    torch.testing.assert_close(back.vertex_colors[back.faces], m.vertex_colors[m.faces], atol=ATOL, rtol=0)


def test_save_detaches_and_accepts_grad_textures(tmp_path):
    tex = _asym_texture().requires_grad_()
    m = primitives.quad(texture=tex * 1.0)  # a non-leaf tensor in the autograd graph
    save_mesh(m, tmp_path / "q.glb")
    back = load_mesh(tmp_path / "q.glb", normalize=False)
    assert not back.textures[0].requires_grad
    torch.testing.assert_close(back.textures[0], tex.detach(), atol=ATOL, rtol=0)


def test_save_overwrites_atomically(tmp_path, monkeypatch):
    path = tmp_path / "m.obj"
    save_mesh(primitives.quad(), path)
    before = path.read_bytes()
    save_mesh(primitives.box(), path)  # overwriting works
    assert path.read_bytes() != before
    before = path.read_bytes()

    def crash(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        save_mesh(primitives.quad(), path)
    assert path.read_bytes() == before  # an interrupted save leaves the old file intact
    assert os.listdir(tmp_path) == ["m.obj"]  # and no temporary file behind


# -- hand-written files ---------------------------------------------------------------------
SHAPENET_OBJ = """# ShapeNet-style export
mtllib model_normalized.mtl
v -1 -1 0
v 1 -1 0
v 1 1 0
v -1 1 0
v -1 -1 -1
v 1 -1 -1
vt 0 0
vt 1 0
vt 1 1
vt 0 1
vn 0 0 1
g front
usemtl textured
f 1/1/1 2/2/1 3/3/1 4/4/1
g floor
usemtl plain
f 1/1/1 5/1/1 6/1/1 2/1/1
"""
SHAPENET_MTL = """newmtl textured
Ka 0 0 0
Kd 1 1 1
map_Kd ../images/texture0.png

newmtl plain
Kd 0.2 0.4 0.6
"""


def _shapenet(tmp_path, image: bool = True, newline: str = "\n"):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "model_normalized.obj").write_bytes(SHAPENET_OBJ.replace("\n", newline).encode())
    (tmp_path / "models" / "model_normalized.mtl").write_bytes(SHAPENET_MTL.replace("\n", newline).encode())
    if image:
        _png(tmp_path / "images" / "texture0.png", _asym_u8(), mode="P")  # palette PNG
    return tmp_path / "models" / "model_normalized.obj"


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_shapenet_obj(tmp_path, newline):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every asset is found
        m = load_mesh(_shapenet(tmp_path, newline=newline), normalize=False)
    assert m.num_faces == 4  # two quads, triangulated
    assert [t.shape for t in m.textures] == [(8, 8, 3), (1, 1, 3)]
    assert m.face_materials.tolist() == [0, 0, 1, 1]
    assert set(m.parts) == {"textured", "plain"}
    torch.testing.assert_close(m.textures[0], _asym_texture(8, 8))
    torch.testing.assert_close(m.textures[1][0, 0], torch.tensor([0.2, 0.4, 0.6]), atol=ATOL, rtol=0)
    # UVs are v up: the top of the textured quad (y = 1) shows the top of the image (red)
    front = m.face_materials == 0
    uv = m.uvs[m.face_uvs[front]].reshape(-1, 2)
    xy = m.verts[m.faces[front]].reshape(-1, 3)[:, :2]
    torch.testing.assert_close(uv, (xy + 1) / 2)
    colors = sample_texture(m.textures[0], torch.tensor([[0.5, 0.95], [0.5, 0.05], [0.02, 0.95]]))
    torch.testing.assert_close(colors, torch.tensor([RED, BLUE, GREEN]))


@pytest.mark.parametrize("sub", ["", "models"])
def test_shapenet_folder_loads_its_model_with_textures(tmp_path, sub):
    obj = _shapenet(tmp_path)
    want = load_mesh(obj, normalize=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # ../images/texture0.png is found from the folder too
        m = load_mesh(tmp_path / sub, normalize=False)
    torch.testing.assert_close(m.verts, want.verts)
    assert torch.equal(m.faces, want.faces) and torch.equal(m.face_materials, want.face_materials)
    assert [t.shape for t in m.textures] == [(8, 8, 3), (1, 1, 3)]
    torch.testing.assert_close(m.textures[0], _asym_texture(8, 8))


def test_folder_without_a_shapenet_model(tmp_path):
    (tmp_path / "other.obj").write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n")
    with pytest.raises(FileNotFoundError, match=r"holds no ShapeNetCore-v2 model: looked for "
                                                r"models/model_normalized.obj and model_normalized.obj"):
        load_mesh(tmp_path)


def test_obj_missing_texture_warns_and_uses_diffuse(tmp_path):
    with pytest.warns(UserWarning, match=r"texture image '\.\./images/texture0\.png' of material 'textured'"):
        m = load_mesh(_shapenet(tmp_path, image=False), normalize=False)
    assert [t.shape for t in m.textures] == [(1, 1, 3), (1, 1, 3)]
    torch.testing.assert_close(m.textures[0][0, 0], torch.ones(3), atol=ATOL, rtol=0)  # Kd 1 1 1


def test_obj_missing_mtl_warns(tmp_path):
    path = tmp_path / "m.obj"
    path.write_text("mtllib gone.mtl\nv 0 0 0\nv 1 0 0\nv 0 1 0\nusemtl a\nf 1 2 3\n")
    with pytest.warns(UserWarning, match="material library 'gone.mtl'.*not found"):
        m = load_mesh(path, normalize=False)
    assert m.textures is None and m.vertex_colors is None and m.num_faces == 1


def test_obj_uvs_without_material(tmp_path):
    path = tmp_path / "m.obj"
    path.write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\nvt 0 0\nvt 1 0\nvt 0 1\nf 1/1 2/2 3/3\n")
    m = load_mesh(path, normalize=False)
    assert m.textures is None and m.vertex_colors is None
    torch.testing.assert_close(m.uvs[m.face_uvs[0]], torch.tensor([[0.0, 0], [1, 0], [0, 1]]))


def _glb(path, pos, uv_gltf, idx, png: bytes) -> None:
    """A minimal GLB with one textured primitive, written by hand from the glTF 2.0 spec."""
    blobs = [pos.astype("<f4").tobytes(), uv_gltf.astype("<f4").tobytes(), idx.astype("<u4").tobytes(), png]
    views, binary = [], b""
    for b in blobs:
        views.append({"buffer": 0, "byteOffset": len(binary), "byteLength": len(b)})
        binary += b + b"\0" * (-len(b) % 4)
    doc = {
        "asset": {"version": "2.0"}, "scene": 0, "scenes": [{"nodes": [0]}], "nodes": [{"mesh": 0, "name": "quad"}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0, "TEXCOORD_0": 1}, "indices": 2, "material": 0}]}],
        "materials": [{"pbrMetallicRoughness": {"baseColorTexture": {"index": 0}}}],
        "textures": [{"source": 0}], "images": [{"bufferView": 3, "mimeType": "image/png"}],
        "buffers": [{"byteLength": len(binary)}], "bufferViews": views,
        "accessors": [
            {"bufferView": 0, "componentType": 5126, "count": len(pos), "type": "VEC3",
             "min": pos.min(0).tolist(), "max": pos.max(0).tolist()},
            {"bufferView": 1, "componentType": 5126, "count": len(uv_gltf), "type": "VEC2"},
            {"bufferView": 2, "componentType": 5125, "count": idx.size, "type": "SCALAR"},
        ],
    }
    js = json.dumps(doc).encode()
    js += b" " * (-len(js) % 4)
    body = struct.pack("<I4s", len(js), b"JSON") + js + struct.pack("<I4s", len(binary), b"BIN\0") + binary
    path.write_bytes(struct.pack("<4sII", b"glTF", 2, 12 + len(body)) + body)


def test_glb_uvs_become_v_up(tmp_path):
    # glTF puts UV (0, 0) at the image's top-left corner; the quad shows the image upright
    pos = np.array([[-1, -1, 0], [1, -1, 0], [1, 1, 0], [-1, 1, 0]], dtype=np.float32)
    uv_gltf = np.array([[0, 1], [1, 1], [1, 0], [0, 0]], dtype=np.float32)
    buf = BytesIO()
    Image.fromarray(_asym_u8()).convert("RGBA").save(buf, format="PNG")  # alpha is dropped
    _glb(tmp_path / "quad.glb", pos, uv_gltf, np.array([[0, 1, 2], [0, 2, 3]]), buf.getvalue())
    m = load_mesh(tmp_path / "quad.glb", normalize=False)
    torch.testing.assert_close(m.textures[0], _asym_texture(8, 8))
    torch.testing.assert_close(m.uvs[m.face_uvs], (m.face_verts()[..., :2] + 1) / 2)  # v grows with y


def test_glb_untextured_geometry_gets_material_color(tmp_path):
    import trimesh
    from trimesh.visual.material import PBRMaterial
    from trimesh.visual.texture import TextureVisuals

    scene = trimesh.Scene()
    a, b = trimesh.creation.box(), trimesh.creation.icosphere(subdivisions=1)
    a.visual = TextureVisuals(uv=np.zeros((len(a.vertices), 2)) + 0.9,
                              material=PBRMaterial(baseColorTexture=Image.fromarray(_asym_u8())))
    b.visual = TextureVisuals(material=PBRMaterial(baseColorFactor=[51, 102, 153, 255]))
    b.apply_translation([3.0, 0, 0])
    scene.add_geometry(a, geom_name="body")
    scene.add_geometry(b, geom_name="wheel")
    (tmp_path / "s.glb").write_bytes(scene.export(file_type="glb"))
    m = load_mesh(tmp_path / "s.glb", normalize=False)
    assert [t.shape for t in m.textures] == [(8, 8, 3), (1, 1, 3)]
    torch.testing.assert_close(m.textures[1][0, 0], torch.tensor([0.2, 0.4, 0.6]), atol=ATOL, rtol=0)
    assert m.parts["wheel"].sum() == len(b.faces)
    assert m.verts[m.faces[m.parts["wheel"]]][..., 0].min() > 1.5  # node transform applied


def test_stl_and_off(tmp_path):
    (tmp_path / "t.stl").write_text(
        "solid t\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nvertex 0 1 0\n"
        "endloop\nendfacet\nendsolid t\n")
    (tmp_path / "t.off").write_text("OFF\n4 1 0\n0 0 0\n2 0 0\n2 2 0\n0 2 0\n4 0 1 2 3\n")
    stl, off = load_mesh(tmp_path / "t.stl", normalize=False), load_mesh(tmp_path / "t.off", normalize=False)
    assert (stl.num_faces, off.num_faces) == (1, 2)  # the OFF quad is triangulated
    assert stl.textures is None and stl.vertex_colors is None
    torch.testing.assert_close(off.surface_area(), 4.0)


def test_normalize_and_device(tmp_path):
    m = primitives.box((2.0, 4.0, 1.0))
    save_mesh(m.with_vertex_colors(torch.full((m.num_verts, 3), 0.5)), tmp_path / "b.ply")
    big = load_mesh(tmp_path / "b.ply", normalize=False)
    torch.testing.assert_close(big.verts, m.verts)
    unit = load_mesh(tmp_path / "b.ply", device="cpu")
    c, r = unit.bounding_sphere()
    torch.testing.assert_close(c, torch.zeros(3), atol=1e-6, rtol=0)
    assert abs(r - 1) < 1e-6 and unit.device == torch.device("cpu")


# -- up axis --------------------------------------------------------------------------------
def _signed_volume(m: Mesh) -> float:
    """Signed volume enclosed by the faces (> 0 when they wind counter-clockwise seen from outside)."""
    a, b, c = m.face_verts().double().unbind(1)
    return float((a * torch.linalg.cross(b, c)).sum() / 6)


def _turn_y_to(axis: str) -> torch.Tensor:
    """A proper rotation (3, 3) taking +y to the unit vector named ``axis`` (Rodrigues)."""
    d = torch.zeros(3, dtype=torch.float64)
    d["xyz".index(axis[-1])] = -1.0 if axis.startswith("-") else 1.0
    y = torch.tensor([0.0, 1.0, 0.0], dtype=torch.float64)
    if torch.allclose(d, -y):
        return torch.diag(torch.tensor([1.0, -1.0, -1.0], dtype=torch.float64))  # half a turn about x
    v, c = torch.linalg.cross(y, d), float(y @ d)
    K = torch.tensor([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]], dtype=torch.float64)
    return torch.eye(3, dtype=torch.float64) + K + K @ K / (1 + c)


@pytest.mark.parametrize("up", UP_AXES)
def test_up_axis_turns_the_mesh_upright(tmp_path, up):
    """A tall, closed cone frustum standing along the file's ``up`` axis loads standing along +y."""
    m = primitives.cylinder(0.3, 2.0, segments=12, radius_top=0.1)  # y-up, narrow end at the top
    R = _turn_y_to(up)
    tilted = Mesh(verts=(m.verts.double() @ R.T).float(), faces=m.faces)
    save_mesh(tilted, tmp_path / "tall.obj")
    back = load_mesh(tmp_path / "tall.obj", normalize=False, up=up)
    ext = back.verts.amax(0) - back.verts.amin(0)
    assert ext[1] > 1.5 * ext[0] and ext[1] > 1.5 * ext[2]  # tallest along y
    top = m.verts[:, 1] > 0.9  # the narrow end ...
    assert (back.verts[top, 1] > 0.9).all()  # ... is at +y, not at -y
    # the map from file to loaded vertices is a proper rotation: faces still wind outwards
    A = torch.linalg.lstsq(tilted.verts.double(), back.verts.double()).solution.T  # back = tilted @ A.T
    torch.testing.assert_close(A @ A.T, torch.eye(3, dtype=torch.float64), atol=1e-5, rtol=0)
    assert abs(float(torch.linalg.det(A)) - 1) < 1e-5
    assert _signed_volume(m) > 0
    assert _signed_volume(back) == pytest.approx(_signed_volume(m), rel=1e-5)


def test_pybullet_mug_is_z_up():
    """pybullet's mug is z-up (base at z = 0, rim at z = 0.1, handle along +y, 0.12 wide with it):
    loaded with up="z" it stands on its base; loaded as y-up it lies on its side."""
    import pybullet_data

    path = os.path.join(pybullet_data.getDataPath(), "objects", "mug.obj")
    lying, upright = load_mesh(path, normalize=False), load_mesh(path, normalize=False, up="z")
    torch.testing.assert_close(upright.verts[:, 1], lying.verts[:, 2])  # file z is the new y

    def base_normal(m: Mesh) -> torch.Tensor:  # mean normal of the base disc (file z = 0)
        on_base = (m.face_verts()[..., 1 if m is upright else 2].abs() < 1e-6).all(-1)
        assert on_base.sum() >= 8
        return m.face_normals()[on_base].mean(0)

    torch.testing.assert_close(base_normal(upright), torch.tensor([0.0, -1.0, 0.0]))  # stands on it
    torch.testing.assert_close(base_normal(lying), torch.tensor([0.0, 0.0, -1.0]))  # lies on its side
    assert _signed_volume(upright) > 0  # faces still wind outwards
    assert _signed_volume(upright) == pytest.approx(_signed_volume(lying), rel=1e-5)


# -- errors ---------------------------------------------------------------------------------
@pytest.mark.parametrize("up", ["w", "Z", "+z", "", None, 1])
def test_unknown_up_axis(tmp_path, up):
    save_mesh(primitives.quad(), tmp_path / "q.obj")
    with pytest.raises(ValueError, match=r"up: expected the file's up axis, one of \('y', 'z', 'x', '-y', "
                                         r"'-z', '-x'\), got " + re.escape(repr(up))):
        load_mesh(tmp_path / "q.obj", up=up)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file: .*nope.obj"):
        load_mesh(tmp_path / "nope.obj")


def test_unsupported_extension(tmp_path):
    (tmp_path / "m.fbx").write_bytes(b"x")
    with pytest.raises(ValueError, match=r"unsupported file extension '\.fbx'.*'\.obj', '\.glb'"):
        load_mesh(tmp_path / "m.fbx")
    with pytest.raises(ValueError, match=r"save_mesh: unsupported file extension '\.stl'.*'\.obj'"):
        save_mesh(primitives.quad(), tmp_path / "m.stl")


def test_save_errors(tmp_path):
    with pytest.raises(TypeError, match="expected a Mesh"):
        save_mesh("mesh", tmp_path / "m.obj")
    with pytest.raises(ValueError, match="PLY cannot store texture images"):
        save_mesh(primitives.quad(texture=primitives.checker(8)), tmp_path / "m.ply")
    assert not (tmp_path / "m.ply").exists()


@pytest.mark.parametrize("ext", ["obj", "glb", "ply", "stl"])
def test_corrupt_file(tmp_path, ext):
    path = tmp_path / f"bad.{ext}"
    path.write_bytes(np.random.default_rng(0).bytes(600))
    with pytest.raises(MeshError, match=f"bad.{ext}"):
        load_mesh(path)


@pytest.mark.parametrize("text, match", [
    ("v 0 0 0\nv 1 0 0\nv 0 1 0\n", "m.obj holds no triangle faces .found: PointCloud"),
    ("v 0 0 0\nv 1 0 0\nv nan 1 0\nf 1 2 3\n", "m.obj: Mesh.verts: expected finite coordinates"),
    ("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 7\n", "m.obj, line 4: vertex index 7 but the file has only 3 vertices"),
    ("# nothing here\n", "m.obj holds no triangle faces .found: nothing"),
])
def test_malformed_obj(tmp_path, text, match):
    path = tmp_path / "m.obj"
    path.write_text(text)
    with pytest.raises(MeshError, match=match):
        load_mesh(path)


# -- issue 22: a path that is no path, and coordinates float32 cannot normalise
@pytest.mark.parametrize("path", [123, None, 1.5, ["mesh.obj"]])
def test_load_mesh_refuses_a_path_that_is_no_path(path):
    with pytest.raises(TypeError, match="path: expected a str or os.PathLike"):
        load_mesh(path)


@pytest.mark.parametrize("scale", [1e20, 1e-30])
def test_load_mesh_refuses_to_collapse_huge_or_tiny_coordinates(tmp_path, scale):
    path = tmp_path / "far.obj"
    path.write_text(f"v {scale} 0 0\nv 0 {scale} 0\nv 0 0 {scale}\nv {scale} {scale} {scale}\nf 1 2 3\nf 1 2 4\n")
    with pytest.raises(MeshError, match=rf"load_mesh: {re.escape(str(path))}: normalize: .* cannot be normalised in "
                                        r"float32 without losing the shape"):
        load_mesh(path)
    raw = load_mesh(path, normalize=False)  # the numbers as they are in the file
    assert torch.isfinite(raw.verts).all() and float(raw.verts.abs().max()) == pytest.approx(scale, rel=1e-6)


def test_load_mesh_normalises_large_but_representable_coordinates(tmp_path):
    path = tmp_path / "big.obj"
    path.write_text("v 1e6 0 0\nv 0 1e6 0\nv 0 0 1e6\nf 1 2 3\n")
    v = load_mesh(path).verts
    assert float(v.norm(dim=-1).max()) == pytest.approx(1.0, abs=1e-5)
