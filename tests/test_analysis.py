"""aswb.analysis: worst-case views, class pushes and colour statistics."""
import numpy as np
import pytest
import torch

from aswb import analysis as an
from aswb import toyworld as tw
from aswb.evaluate import ViewBank, confidence
from aswb.render import Mesh
from aswb.signals import texture_original

from tinynet import tiny


@pytest.fixture(scope="module")
def bank(jeep):
    return tw.bank(jeep, 4, "easy", seed=0, size=32)


# --------------------------------------------------------------------------- worst_case_views
def test_worst_case_views_keeps_the_k_lowest_confidences_within_the_ranges(jeep):
    clf = tiny()
    wv = an.worst_case_views(clf, jeep, 0, n_candidates=24, k=4, rounds=1, image_size=32)
    f = wv.frame
    assert len(wv) == 4 and len(wv.bank) == 4 and wv.params.shape == (4, 7)
    assert len(f) == 48 and set(f["round"]) == {0, 1}
    assert f.p_true.is_monotonic_increasing and f.worst.sum() == 4 and f.worst.iloc[:4].all()
    assert np.allclose(wv.params.numpy(), f[list(an.VIEW_PARAMS)].iloc[:4].to_numpy(), atol=1e-6)
    assert f.dist.between(2.0, 4.0).all() and f.elev.between(-30, 60).all() and f.azim.between(0, 360).all()
    assert f.ambient.between(0.1 - 1e-6, 0.6 + 1e-6).all() and f.intensity.between(0.2 - 1e-6, 0.9 + 1e-6).all()  # float32
    assert wv.to_frame().shape[0] == 4 and "WorstViews(k=4" in repr(wv)


def test_worst_case_bank_reproduces_the_scores_and_refinement_only_helps(jeep):
    clf = tiny()
    wv = an.worst_case_views(clf, jeep, 3, n_candidates=16, k=3, rounds=2, image_size=32, seed=5)
    df = confidence(clf, wv.bank, {"own": texture_original(jeep, "uv")}, 3)
    assert isinstance(wv.bank, ViewBank)
    assert np.allclose(df.p_true.to_numpy(), wv.frame.p_true.iloc[:3].to_numpy(), atol=1e-5)
    random_only = an.worst_case_views(clf, jeep, 3, n_candidates=16, k=3, rounds=0, image_size=32, seed=5)
    assert wv.frame.p_true.iloc[0] <= random_only.frame.p_true.iloc[0] + 1e-7
    again = an.worst_case_views(clf, jeep, 3, n_candidates=16, k=3, rounds=2, image_size=32, seed=5)
    assert torch.equal(again.params, wv.params)  # seeded: same views


def test_worst_case_views_fixed_parameters_ensembles_and_vertex_colours(jeep):
    cols = texture_original(jeep, "vertex")
    wv = an.worst_case_views([tiny(), tiny(seed=1, name="t2")], jeep, 1, texture=cols, n_candidates=8, k=2,
                             rounds=1, image_size=24, dist=3.0, light_azim=(0.0, 90.0))
    f = wv.frame
    assert np.allclose(f.dist, 3.0) and f.light_azim.between(0, 90).all()
    assert {"p_tiny", "p_t2"} <= set(f.columns)
    assert np.allclose(f.p_true, (f.p_tiny + f.p_t2) / 2, atol=1e-6)


@pytest.mark.parametrize("kw, err, match", [
    ({"k": 9, "n_candidates": 8}, ValueError, "k: cannot keep 9"),
    ({"rounds": -1}, ValueError, "rounds"),
    ({"elev": (-100.0, 10.0)}, ValueError, "elev: expected degrees"),
    ({"dist": (0.0, 2.0)}, ValueError, "dist: expected positive"),
    ({"ambient": (-0.1, 0.5)}, ValueError, "ambient"),
    ({"azim": "all"}, TypeError, "azim"),
    ({"label": 8}, ValueError, r"label: expected a class index in \[0, 8\)"),
    ({"label": 1.5}, TypeError, "label"),
    ({"texture": torch.rand(5, 3)}, ValueError, "vertex colours must have shape"),
    ({"texture": torch.full((8, 8, 3), 2.0)}, ValueError, r"in \[0, 1\]"),
])
def test_worst_case_views_errors(jeep, kw, err, match):
    args = {"label": 0, "n_candidates": 8, "k": 2, "image_size": 16}
    args.update(kw)
    with pytest.raises(err, match=match):
        an.worst_case_views(tiny(), jeep, **args)


def test_worst_case_views_rejects_non_classifiers_and_non_meshes(jeep):
    with pytest.raises(TypeError, match="classifiers"):
        an.worst_case_views("resnet18", jeep, 0)
    with pytest.raises(TypeError, match="Mesh"):
        an.worst_case_views(tiny(), "jeep", 0)


# --------------------------------------------------------------------------- pushes_towards
def test_pushes_towards_changes_sum_to_zero_and_are_sorted(jeep, bank):
    clfs = [tiny(), tiny(seed=1, name="t2")]
    tex = texture_original(jeep, "uv")
    f = an.pushes_towards(clfs, bank, tex, 1 - tex, k=4)  # 8 classes: every class appears once
    assert len(f) == 8 and sorted(f["class"]) == list(range(8))
    assert abs(f["Δp"].sum()) < 1e-6
    up, down = f[f.direction == "towards"], f[f.direction == "away"]
    assert up["Δp"].is_monotonic_decreasing and down["Δp"].is_monotonic_increasing
    assert up["Δp"].min() >= down["Δp"].max()
    assert np.allclose(f.p_signal - f.p_original, f["Δp"])
    assert np.isclose(f.top1_original.sum(), 1) and np.isclose(f.top1_signal.sum(), 1)
    assert list(f.name[:1]) == [f"c{f['class'].iloc[0]}"]


def test_pushes_towards_is_zero_for_an_unchanged_texture_and_accepts_lists_of_banks(jeep, bank):
    tex = texture_original(jeep, "uv")
    f = an.pushes_towards(tiny(), [bank, tw.bank(jeep, 2, "hard", seed=1, size=32)], tex, tex.clone(), k=2)
    assert len(f) == 4 and np.allclose(f["Δp"], 0, atol=1e-7)


def test_pushes_towards_errors(jeep, bank):
    tex = texture_original(jeep, "uv")
    with pytest.raises(ValueError, match="original's shape"):
        an.pushes_towards(tiny(), bank, tex, tex[:8])
    with pytest.raises(TypeError, match="bank: expected a ViewBank"):
        an.pushes_towards(tiny(), "views", tex, tex)
    with pytest.raises(TypeError, match="original: expected a float tensor"):
        an.pushes_towards(tiny(), bank, (tex * 255).byte(), tex)


# --------------------------------------------------------------------------- colours
def test_dominant_colors_finds_the_colours_of_a_two_colour_texture():
    tex = torch.zeros(16, 16, 3)
    tex[:4] = torch.tensor([1.0, 0.0, 0.0])  # a quarter red, the rest black
    c, s = an.dominant_colors(tex.reshape(-1, 3), k=5)
    assert c.shape == (2, 3) and torch.allclose(s, torch.tensor([0.75, 0.25]))
    assert torch.allclose(c, torch.tensor([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]))
    x = torch.rand(500, 3, generator=torch.Generator().manual_seed(0))
    c1, s1 = an.dominant_colors(x, 4, seed=3)
    c2, s2 = an.dominant_colors(x, 4, seed=3)
    assert torch.equal(c1, c2) and torch.isclose(s1.sum(), torch.tensor(1.0)) and (s1[:-1] >= s1[1:]).all()
    with pytest.raises(ValueError, match=r"flat \(N, 3\)"):
        an.dominant_colors(torch.rand(4, 4, 3))


def test_color_names_of_known_colours():
    rgb = torch.tensor([[0.05, 0.05, 0.05], [0.5, 0.5, 0.5], [0.95, 0.95, 0.95], [0.9, 0.1, 0.1], [0.1, 0.8, 0.1],
                        [0.1, 0.2, 0.9], [0.95, 0.9, 0.1], [0.45, 0.25, 0.05], [0.1, 0.8, 0.8], [0.95, 0.6, 0.1]])
    assert an.color_names(rgb) == ["black", "grey", "white", "red", "green", "blue", "yellow", "brown", "cyan",
                                   "orange"]


def test_color_stats_sees_a_texture_painted_black(jeep):
    tex = texture_original(jeep, "uv")
    used = an.used_texels(jeep)
    assert used.shape == tex.shape[:2] and 0 < used.float().mean() < 1
    sig = tex.clone()
    sig[: tex.shape[0] // 2] = 0.0
    cs = an.color_stats(tex, sig, used, k=4)
    s = cs.summary
    assert list(s.index) == ["original", "signal", "Δ"]
    assert s.loc["Δ", "brightness"] < 0 and 0 < s.loc["signal", "changed"] < 1
    assert cs.names.loc["black", "Δshare"] > 0 and cs.names["Δshare"].is_monotonic_decreasing
    assert np.isclose(cs.names.share_original.sum(), 1) and np.isclose(cs.names.share_signal.sum(), 1)
    p = cs.palette
    assert set(p.which) == {"original", "signal"} and (p[p.which == "original"].nearest_original == 0).all()
    assert np.isclose(p[p.which == "signal"].share.sum(), 1) and p.hex.str.match(r"^#[0-9a-f]{6}$").all()
    assert "ColorStats(" in repr(cs) and len(cs.to_frame()) == len(p)


def test_color_stats_of_an_unchanged_colouring_and_of_vertex_colours(jeep):
    v = texture_original(jeep, "vertex")
    cs = an.color_stats(v, v.clone())
    assert np.allclose(cs.summary.loc["Δ"].drop("edges").to_numpy(dtype=float), 0)
    assert np.isnan(cs.summary.loc["original", "edges"])
    assert np.allclose(cs.names["Δshare"], 0)


def test_color_stats_errors(jeep):
    tex = texture_original(jeep, "uv")
    with pytest.raises(ValueError, match="mask: expected shape"):
        an.color_stats(tex, tex, torch.ones(3, 3, dtype=torch.bool))
    with pytest.raises(ValueError, match="mask: empty"):
        an.color_stats(tex, tex, torch.zeros(tex.shape[:2], dtype=torch.bool))
    with pytest.raises(TypeError, match="mask: expected a bool"):
        an.color_stats(tex, tex, torch.ones(tex.shape[:2]))
    with pytest.raises(ValueError, match="original's shape"):
        an.color_stats(tex, tex[:5])
    with pytest.raises(ValueError, match=r"UV texture \(Ht, Wt, 3\) or vertex colours"):
        an.color_stats(torch.rand(2, 2, 2, 3), torch.rand(2, 2, 2, 3))
    with pytest.raises(ValueError, match="used_texels"):
        an.used_texels(Mesh(jeep.verts, jeep.faces))


# -- issue 22: NaN and inf never pass through, and messages name the argument the user passed
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_perturbation_image_refuses_non_finite_delta(bad):
    delta = torch.zeros(3, 8, 8)
    delta[1, 2, 3] = bad
    with pytest.raises(ValueError, match="delta: expected finite values, got 1 NaN/inf entries"):
        an.perturbation_image(delta)


def test_perturbation_image_refuses_integer_delta():
    with pytest.raises(TypeError, match="delta: expected a float tensor"):
        an.perturbation_image(torch.zeros(3, 8, 8, dtype=torch.int64))


def test_class_likeness_refuses_nan_delta():
    images = torch.rand(4, 3, 8, 8)
    delta = torch.full((3, 8, 8), float("nan"))
    with pytest.raises(ValueError, match="delta: expected finite values"):
        an.class_likeness(delta, images, torch.tensor([0, 0, 1, 1]), 0, tiny())


@pytest.mark.parametrize("faces, err, match", [
    (torch.ones(5, dtype=torch.bool), ValueError, r"faces: expected shape"),
    ("all", TypeError, "faces: expected a bool tensor"),
    (None, None, None),
])
def test_used_texels_names_faces(jeep, faces, err, match):
    if err is None:
        assert an.used_texels(jeep, faces).dtype == torch.bool
        return
    with pytest.raises(err, match=match):  # not uv_face_mask's name for it
        an.used_texels(jeep, faces)
    with pytest.raises(ValueError, match="faces: the mask is empty"):
        an.used_texels(jeep, torch.zeros(jeep.num_faces, dtype=torch.bool))
