"""The per-object experiment: every variant evaluated on held-out views, patch area as asked."""
import pytest

from aswb import load_world
from aswb.experiment import EVAL_CONDITIONS, run_object, save_run


@pytest.fixture(scope="module")
def run():
    world = load_world("toy", archs=["resnet18"])
    return run_object(world, "streetcar", "resnet18", area=0.1, steps=3, eval_views=3)


def test_every_variant_and_condition_is_evaluated(run):
    f = run.frame
    want = {"original", "3d_patch", "full_texture", "2d_patch", "patch_white", "patch_black", "patch_mean",
            "patch_noise", "patch_bright", "full_white", "full_black", "full_mean", "full_noise", "full_bright"}
    assert set(f.variant) == want and set(f.condition) == set(EVAL_CONDITIONS)
    assert len(f) == len(want) * len(EVAL_CONDITIONS) * 3 and set(f.object) == {"streetcar"}
    assert 0.1 <= run.patch_area < 0.13


def test_patch_variants_only_touch_the_patch(run):
    mask, tex = run.info["mask"], run.colorings["original"]
    for v in ("3d_patch", "2d_patch", "patch_white"):
        assert (run.colorings[v][~mask] == tex[~mask]).all(), v


def test_save_run_writes_every_result(run, tmp_path):
    save_run(run, tmp_path)
    assert {p.name for p in tmp_path.iterdir()} == {"3d_patch", "full_texture", "2d_patch"}


def test_patch_region_covers_its_area_where_the_views_look():
    import torch

    from aswb.experiment import fine_mesh, patch_region

    world = load_world("toy", archs=["resnet18"])
    mesh = fine_mesh(world.mesh("jeep"))
    look = world.bank(mesh, 8, "easy", seed=5)
    r = patch_region(mesh, 0.1, look)
    assert r.faces.shape == (mesh.num_faces,) and r.faces.dtype == torch.bool
    assert r.mask.shape == mesh.textures[0].shape[:2] and r.mask.any() and 0.1 <= r.area < 0.13
    seen = look.scene.fragments.face_idx
    assert r.faces[seen[seen >= 0]].any()  # the views see the patch


def test_two_d_patch_needs_an_area_or_the_3d_patch_faces():
    from aswb.experiment import patch_region, two_d_patch

    world = load_world("toy", archs=["resnet18"])
    mesh, label = world.mesh("jeep"), world.label("jeep")
    clf = world.classifiers["resnet18"]
    with pytest.raises(ValueError, match="two_d_patch: give the patch's image fraction"):
        two_d_patch(world, clf, mesh, label, steps=1)
    fixed = two_d_patch(world, clf, mesh, label, renders=4, area=0.05, steps=2, batch_size=2)
    assert fixed.domain == "patch" and fixed.settings["area"] == 0.05 and fixed.signal.shape[0] == 3
    faces = patch_region(mesh, 0.1, world.bank(mesh, 8, "easy", seed=5)).faces
    footprint = two_d_patch(world, clf, mesh, label, renders=4, faces=faces, steps=2, batch_size=2)
    assert 0.01 <= footprint.settings["area"] < 0.1  # the 3D patch's share of the picture
