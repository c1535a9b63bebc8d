"""Bad input across the public API gets a clear error that names the argument, never silent
garbage or a traceback from deep inside torch/numpy/json (the checks live in aswb._checks)."""
from dataclasses import replace

import pandas as pd
import pytest
import torch

from aswb import evaluate, load_world, toyworld as tw
from aswb.experiment import run_object
from aswb.models import predict
from aswb.render import MeshError, Scene, load_mesh, orbit
from aswb.signals import assist_image, controls, eot_patch

from .signals.tinynet import tiny


@pytest.fixture(scope="module")
def bank():
    return tw.bank(tw.mesh("jeep", 1), 3, "easy", seed=0, size=32)


# -- labels: a wrong label must not pick another class's probability
@pytest.mark.parametrize("label, err, match", [
    (-1, ValueError, r"label: expected a class index in \[0, 8\), got -1"),
    (8, ValueError, r"label: expected a class index in \[0, 8\), got 8"),
    (3.0, TypeError, "label: expected an int class index, got float 3.0"),
    (True, TypeError, "label: expected an int class index"),
    ("jeep", TypeError, "label: expected an int class index"),
])
def test_confidence_refuses_labels_it_would_misread(bank, label, err, match):
    with pytest.raises(err, match=match):
        evaluate.confidence(tiny(), bank, {"o": bank.scene.mesh.textures[0]}, label)


def test_confidence_accepts_integer_tensors_and_numpy_ints(bank):
    import numpy as np

    tex = {"o": bank.scene.mesh.textures[0]}
    a = evaluate.confidence(tiny(), bank, tex, 3)
    for label in (torch.tensor(3), np.int64(3)):
        assert evaluate.confidence(tiny(), bank, tex, label).p_true.tolist() == a.p_true.tolist()


@pytest.mark.parametrize("labels, err, match", [
    (torch.tensor([0, 1, -1]), ValueError, r"labels: expected class indices in \[0, 8\)"),
    (torch.tensor([0.0, 1.0, 2.0]), TypeError, "labels: expected an int or an integer tensor"),
    (torch.tensor([0, 1]), ValueError, r"labels: expected shape \(3,\)"),
])
def test_image_labels_are_checked(labels, err, match):
    with pytest.raises(err, match=match):
        evaluate.confidence_images(tiny(), {"x": torch.rand(3, 3, 32, 32)}, labels)
    with pytest.raises(err, match=match):
        assist_image(tiny(), torch.rand(3, 3, 32, 32), labels, steps=1)


def test_colorings_of_the_wrong_kind_are_refused(bank):
    with pytest.raises(ValueError, match=r"colorings\['t'\]: expected vertex colours"):
        evaluate.confidence(tiny(), bank, {"t": bank.scene.mesh.textures[0]}, 0, kind="vertex")
    with pytest.raises(ValueError, match=r"colorings\['t'\]: expected a UV texture \(Ht, Wt, 3\) or vertex colours"):
        evaluate.confidence(tiny(), bank, {"t": torch.rand(4, 4, 4)}, 0)
    with pytest.raises(TypeError, match="banks: expected a ViewBank"):
        evaluate.confidence(tiny(), "views", {"t": torch.rand(4, 4, 3)}, 0)


# -- OBJ files trimesh would read silently wrong
CUBE_V = "".join(f"v {x} {y} {z}\n" for x in (0, 1) for y in (0, 1) for z in (0, 1))


@pytest.mark.parametrize("faces, match", [
    ("f 0 1 2\n", "index 0"),
    ("f 1 2 3\nf 1 2", "ends inside a face of 2 corner"),
    ("f 1 2 3\nf 1 2 9\n", "vertex index 9 but the file has only 8 vertices"),
    ("f 1 2 -9\n", "relative index -9 but only 8 vertices"),
    ("f 1 2 x\n", "'x' is not a vertex reference"),
    ("f 1/5 2/5 3/5\n", "texture coordinate 5 but only 0 defined"),
])
def test_malformed_obj_faces_get_clear_errors(tmp_path, faces, match):
    p = tmp_path / "bad.obj"
    p.write_text(CUBE_V + faces)
    with pytest.raises(MeshError, match=match) as e:
        load_mesh(p)
    assert "bad.obj" in str(e.value) and "line" in str(e.value)


def test_complete_short_face_lines_are_skipped_with_a_warning(tmp_path):
    p = tmp_path / "short.obj"
    p.write_text(CUBE_V + "f 1 2 3\nf 4 5\nf 5 6 7\n")
    with pytest.warns(UserWarning, match=r"1 face line\(s\) with fewer than 3 corners skipped \(first at line 10\)"):
        m = load_mesh(p, normalize=False)
    assert m.num_faces == 2


def test_relative_and_slash_references_still_load(tmp_path):
    p = tmp_path / "ok.obj"
    p.write_text(CUBE_V + "vt 0 0\nvt 1 0\nvt 0 1\nf -8/1 -7/2 -6/3\nf 1//1 2//1 3//1\n")
    assert load_mesh(p, normalize=False).num_faces == 2


# -- image metrics on the wrong scale or layout
def test_psnr_refuses_images_in_0_255():
    x = torch.rand(2, 3, 8, 8) * 255
    with pytest.raises(ValueError, match=r"psnr: x: expected values in \[0, 1\]"):
        evaluate.psnr(x, x)


def test_ssim_refuses_channels_last_images():
    x = torch.rand(2, 8, 8, 3)
    with pytest.raises(ValueError, match=r"ssim: x: expected shape \(B, C, H, W\) with C = 1 or 3 \(channels first\)"):
        evaluate.ssim(x, x)
    with pytest.raises(ValueError, match="the same shape"):
        evaluate.ssim(torch.rand(1, 3, 8, 8), torch.rand(2, 3, 8, 8))
    with pytest.raises(ValueError, match="window: expected an odd int"):
        evaluate.ssim(torch.rand(1, 3, 8, 8), torch.rand(1, 3, 8, 8), window=4)


def test_psnr_and_ssim_of_identical_images():
    x = torch.rand(2, 3, 16, 16)
    assert torch.allclose(evaluate.psnr(x, x), torch.full((2,), 120.0))
    assert torch.allclose(evaluate.ssim(x, x), torch.ones(2), atol=1e-5)


# -- empty things
def test_empty_image_batches_are_refused():
    clf = tiny()
    empty = torch.rand(0, 3, 32, 32)
    with pytest.raises(ValueError, match=r"tiny: x: expected a non-empty batch"):
        clf(empty)
    with pytest.raises(ValueError, match="non-empty batch"):
        predict(clf, empty)
    with pytest.raises(ValueError, match="images: expected a non-empty batch"):
        assist_image(clf, empty, 0, steps=1)
    with pytest.raises(ValueError, match="images: expected a non-empty batch"):
        eot_patch(clf, empty, 0, steps=1)
    with pytest.raises(ValueError, match=r"images\['x'\]: expected a non-empty batch"):
        evaluate.confidence_images(clf, {"x": empty}, 0)


def test_summary_on_an_empty_or_foreign_frame():
    cols = ["model", "condition", "variant", "view", "label", "pred", "p_true", "correct"]
    with pytest.raises(ValueError, match="df: the frame is empty"):
        evaluate.summary(pd.DataFrame(columns=cols))
    with pytest.raises(ValueError, match=r"df: expected the columns of aswb.evaluate.confidence, missing \[.*'p_true'"):
        evaluate.summary(pd.DataFrame({"variant": ["original"], "view": [0], "correct": [True]}))
    with pytest.raises(TypeError, match="df: expected a confidence DataFrame"):
        evaluate.summary([1, 2])


def test_a_world_without_classifiers_is_refused():
    with pytest.raises(ValueError, match="archs"):
        load_world("toy", archs=[])


# -- a render too large to allocate
def test_a_huge_render_is_refused_before_allocating():
    mesh = tw.mesh("jeep", 1)
    with pytest.raises(ValueError, match=r"image_size: a 100000 x 100000 render is too large"):
        Scene(mesh, orbit(1), image_size=100000).render()
    with pytest.raises(ValueError, match=r"image_size x supersample: a 12000 x 12000 render is too large"):
        Scene(mesh, orbit(1), image_size=3000, supersample=4)


# -- masks of controls
@pytest.mark.parametrize("mask, err, match", [
    (torch.ones(16, 16), TypeError, "mask: expected a bool tensor"),
    (torch.ones(8, 8, dtype=torch.bool), ValueError, r"mask: expected shape \(16, 16\)"),
    (torch.zeros(16, 16, dtype=torch.bool), ValueError, "mask: the mask is empty"),
])
def test_controls_check_their_mask(mask, err, match):
    with pytest.raises(err, match=match):
        controls(torch.rand(16, 16, 3), mask)


def test_controls_of_images_check_their_mask():
    with pytest.raises(TypeError, match="mask: expected a bool tensor"):
        controls(torch.rand(2, 3, 16, 16), torch.ones(16, 16))
    with pytest.raises(ValueError, match=r"mask: expected shape \(16, 16\) or \(2, 16, 16\)"):
        controls(torch.rand(2, 3, 16, 16), torch.ones(3, 16, 16, dtype=torch.bool))
    with pytest.raises(ValueError, match="original: expected a UV texture"):
        controls(torch.rand(16, 16, 4))


# -- issue 22: sizes and counts are checked against a stated memory budget before anything is allocated
@pytest.mark.parametrize("call, match", [
    (lambda w, m: w.bank(m, 10**6), r"n: 1000000 views of 64 x 64 px .* would need about 610.4 GiB, more than the "
                                    r"memory budget of 16 GiB"),
    (lambda w, m: w.sampler(m, 10**6), r"n: 1000000 views .* GiB"),
    (lambda w, m: w.views.render(m, 10**6), r"n: 1000000 views .* GiB"),
    (lambda w, m: w.views.render(m, 1, size=100000), r"size: 100000 x 100000 px .* is too large"),
    (lambda w, m: w.views.bank(m, 2, size=100000), r"size: 100000 x 100000 px .* is too large"),
    (lambda w, m: w.views.backgrounds(10**6, size=512), r"n: 1000000 views of 512 x 512 px .* GiB"),
])
def test_huge_banks_and_renders_are_refused_naming_the_argument(call, match):
    w = load_world("toy")
    with pytest.raises(ValueError, match=match):
        call(w, tw.mesh("jeep", 0))


def test_huge_view_distribution_image_size_is_refused_at_construction():
    views = load_world("toy").views
    with pytest.raises(ValueError, match=r"image_size: 100000 x 100000 px"):
        replace(views, image_size=100000)


# -- issue 22: the message names the seed the user passed, not one derived from it
@pytest.mark.parametrize("seed, err, match", [
    (-20, ValueError, r"seed: expected an int in \[0, 2\*\*31\), got -20$"),
    (1.5, TypeError, "seed: expected an int"),
    ("a", TypeError, "seed: expected an int"),
])
def test_run_object_reports_the_users_seed(seed, err, match):
    with pytest.raises(err, match=match):
        run_object(load_world("toy"), "jeep", seed=seed)


@pytest.mark.parametrize("kwargs, err, match", [
    ({"area": 0}, ValueError, r"area: expected a surface fraction in \(0, 1\], got 0"),
    ({"area": 1.5}, ValueError, "area: expected a finite number"),
    ({"area": float("nan")}, ValueError, "area: expected a finite number"),
    ({"views": 1}, ValueError, "views: expected an int >= 2, got 1"),
    ({"views": 2.0}, TypeError, "views: expected an int >= 2"),
    ({"eval_views": 0}, ValueError, "eval_views: expected a positive int, got 0"),
    ({"baselines": 1}, TypeError, "baselines: expected a bool"),
])
def test_run_object_names_the_argument_before_any_work(kwargs, err, match):
    with pytest.raises(err, match=match):
        run_object(load_world("toy"), "jeep", **kwargs)
