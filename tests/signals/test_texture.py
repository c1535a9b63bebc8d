"""3D assistive textures: invariants of assist_texture with fixed banks and fresh samplers."""
import pytest
import torch

from aswb import toyworld as tw
from aswb.render import Scene, orbit
from aswb.signals import ViewSampler, assist_texture, face_patch, faces_to_mask, part_faces, texture_original

from tinynet import tiny


@pytest.fixture(scope="module")
def bank(jeep):
    return tw.bank(jeep, 6, "easy", seed=0, size=32)


def test_full_unbounded_uv_texture_raises_confidence_and_stays_in_range(jeep, bank, clf):
    r = assist_texture(bank, clf, 0, kind="uv", steps=15, alpha=8 / 255)
    assert r.signal.shape == jeep.textures[0].shape and r.signal.min() >= 0 and r.signal.max() <= 1
    assert r.history.p_true.iloc[-1] > r.history.p_true.iloc[0]
    assert r.history.loss.iloc[-1] < r.history.loss.iloc[0]


def test_epsilon_ball_around_the_original_texture(jeep, bank, clf):
    r = assist_texture(bank, clf, 0, kind="uv", eps=4 / 255, steps=6, alpha=2 / 255)
    assert (r.signal - jeep.textures[0]).abs().max() <= 4 / 255 + 1e-6
    v = assist_texture(bank, clf, 0, kind="vertex", eps=0.1, norm="l2", steps=6, alpha=0.02)
    assert (v.signal - texture_original(jeep, "vertex")).norm() <= 0.1 + 1e-5


@pytest.mark.parametrize("kind", ["uv", "vertex"])
def test_patch_of_a_surface_fraction_changes_nothing_outside(jeep, bank, clf, kind):
    faces = face_patch(jeep, 0.1, generator=torch.Generator().manual_seed(0))
    areas = jeep.face_areas()
    frac = float(areas[faces].sum() / areas.sum())
    assert 0.1 <= frac < 0.13
    mask = faces_to_mask(jeep, faces, kind)
    r = assist_texture(bank, clf, 0, kind=kind, mask=mask, steps=8, alpha=0.05)
    assert torch.equal(r.signal[~mask], r.original[~mask])  # bit-exact
    assert (r.signal[mask] != r.original[mask]).any()
    assert r.history.p_true.iloc[-1] > r.history.p_true.iloc[0]


def test_part_masks_and_gradients_reach_only_visible_masked_texels(jeep, clf):
    mask = faces_to_mask(jeep, part_faces(jeep, "windows"), "uv")
    scene = Scene(jeep, orbit(2, dist=2.6, elev=15.0), None, 32)  # one view of each side
    r = assist_texture(scene, clf, 0, kind="uv", mask=mask, steps=1, alpha=0.1)
    changed = (r.signal != r.original).any(-1)
    assert changed.any() and not (changed & ~mask).any()


def test_fresh_views_each_step_are_reproducible(jeep, clf):
    make = lambda: tw.sampler(jeep, 4, ("easy", "hard"), seed=3, size=32)  # noqa: E731
    a = assist_texture(make(), clf, 0, kind="vertex", steps=4, alpha=0.05)
    b = assist_texture(make(), clf, 0, kind="vertex", steps=4, alpha=0.05)
    assert torch.equal(a.signal, b.signal) and a.settings["sampler"] == "fresh"
    ranged = ViewSampler.from_ranges(jeep, 3, image_size=32, seed=0)
    assert ranged(0).render().shape == (3, 32, 32, 3)


def test_ensemble_of_classifiers_and_init(jeep, bank, clf, clf2):
    start = torch.full_like(jeep.textures[0], 0.5)
    r = assist_texture(bank, [clf, clf2], 1, kind="uv", steps=3, alpha=0.02, init=start)
    assert r.settings["classifiers"] == ["tiny", "tiny2"]
    assert (r.signal - 0.5).abs().max() <= 3 * 0.02 + 1e-6  # began at the init, not the original


def test_texture_errors(jeep, bank, clf):
    with pytest.raises(ValueError, match=r"label: expected a class index in \[0, 8\)"):
        assist_texture(bank, clf, 8)
    with pytest.raises(ValueError, match="kind: expected one of"):
        assist_texture(bank, clf, 0, kind="faces")
    with pytest.raises(ValueError, match=r"mask: expected shape \(256, 256\)"):
        assist_texture(bank, clf, 0, mask=torch.ones(64, 64, dtype=torch.bool))
    with pytest.raises(ValueError, match="empty"):
        assist_texture(bank, clf, 0, kind="vertex", mask=torch.zeros(jeep.num_verts, dtype=torch.bool))
    with pytest.raises(ValueError, match="finite number >= 0"):
        assist_texture(bank, clf, 0, eps=-0.5)
    with pytest.raises(TypeError, match="Scene, a ViewBank or a ViewSampler"):
        assist_texture(jeep, clf, 0)
    with pytest.raises(ValueError, match="classes"):
        assist_texture(bank, [clf, tiny(num_classes=5)], 0)
    with pytest.raises(ValueError, match=r"area: expected a surface fraction in \(0, 1\]"):
        face_patch(jeep, 1.5)
    with pytest.raises(ValueError, match="unknown part"):
        part_faces(jeep, "sail")
    with pytest.raises(ValueError, match="init"):
        assist_texture(bank, clf, 0, init=torch.rand(3, 3, 3))


def test_most_visible_face_is_seen_by_the_cameras(jeep):
    from aswb.signals import most_visible_face

    scene = Scene(jeep, orbit(4, dist=2.6, elev=20.0, azim=[80.0, 90.0, 100.0, 95.0]), None, 48)  # all from +x
    f = most_visible_face(scene)
    assert jeep.face_verts()[f].mean(0)[0] > 0  # on the side facing the cameras
    hits = torch.bincount(scene.fragments.face_idx[scene.fragments.face_idx >= 0], minlength=jeep.num_faces)
    seen = lambda c: float(hits[face_patch(jeep, 0.05, center=c)].sum())  # noqa: E731
    others = [seen(int(c)) for c in torch.randint(0, jeep.num_faces, (10,), generator=torch.Generator().manual_seed(0))]
    assert seen(f) > sum(others) / len(others)  # a patch there is seen more than one at a random place
