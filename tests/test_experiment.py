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
