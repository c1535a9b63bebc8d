"""Settings passed whole: each family's dataclass refuses bad fields by name, gives the same results
as the keywords, builds the loop's settings and records the same dict as before."""
import dataclasses

import pytest
import torch

from aswb import toyworld as tw
from aswb._checks import check_bool, check_int, check_number, check_steps
from aswb.signals import (ImageSettings, LoopSettings, PatchSettings, PatchTransforms, Terms, TextureSettings,
                          UniversalSettings, assist_image, assist_texture, attack_image, eot_patch, run,
                          universal_assist, Constraint)

CLASSES = (ImageSettings, UniversalSettings, PatchSettings, TextureSettings)


def data(n=6, size=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 3, size, size, generator=g), torch.arange(n) % 8


# ----------------------------------------------------------------------------- checks
@pytest.mark.parametrize("cls, kw, err, match", [
    (ImageSettings, dict(eps=-1.0), ValueError, r"eps: expected a finite number >= 0"),
    (ImageSettings, dict(eps="8/255"), TypeError, "eps: expected a number"),
    (ImageSettings, dict(eps=[]), ValueError, "eps: expected a budget or a non-empty sequence"),
    (ImageSettings, dict(eps=[0.1, float("inf")]), ValueError, "eps"),
    (ImageSettings, dict(norm="l0"), ValueError, "norm: expected one of"),
    (ImageSettings, dict(alpha=0.0), ValueError, "alpha: expected a finite number > 0, got 0.0"),
    (ImageSettings, dict(step_rule="newton"), ValueError, "step_rule: expected one of"),
    (ImageSettings, dict(random_start=1), TypeError, "random_start: expected a bool"),
    (ImageSettings, dict(attack="yes"), TypeError, "attack: expected a bool"),
    (ImageSettings, dict(progress=1), TypeError, "progress: expected True, False or None"),
    (ImageSettings, dict(seed=-1), ValueError, "seed: expected an int in"),
    (ImageSettings, dict(seed=0.5), TypeError, "seed: expected an int"),
    (UniversalSettings, dict(eps=None), ValueError, "eps: expected a finite number >= 0 .*bounded.*got None"),
    (UniversalSettings, dict(batch_size=0), ValueError, "batch_size: expected a positive int, got 0"),
    (UniversalSettings, dict(batch_size=2.0), TypeError, "batch_size: expected a positive int"),
    (PatchSettings, dict(area=0.0), ValueError, r"area: expected an image fraction in \(0, 1\]"),
    (PatchSettings, dict(alpha=None), ValueError, "alpha"),
    (PatchSettings, dict(transforms={"scale": (1, 2)}), TypeError, "transforms: expected an aswb.signals.Patch"),
    (PatchSettings, dict(tv=-0.1), ValueError, r"tv: expected a finite number in \[0, inf\], got -0.1"),
    (PatchSettings, dict(tv="no"), TypeError, "tv: expected a number"),
    (TextureSettings, dict(kind="faces"), ValueError, "kind: expected one of"),
    (TextureSettings, dict(eps=-0.5), ValueError, "eps"),
    (TextureSettings, dict(printability=float("nan")), ValueError, "printability: expected a finite number"),
    (TextureSettings, dict(keep_best=1), TypeError, "keep_best: expected a bool"),
])
def test_each_settings_class_refuses_bad_fields_by_name(cls, kw, err, match):
    with pytest.raises(err, match=match):
        cls(**kw)


@pytest.mark.parametrize("kw, err, match", [
    (dict(scale=(0.0, 1.0)), ValueError, "scale"),
    (dict(rotation="wide"), TypeError, "rotation"),
    (dict(brightness=(-1.0, 1.0)), ValueError, "brightness"),
    (dict(margin=0.6), ValueError, "margin"),
])
def test_patch_transforms_refuse_bad_ranges(kw, err, match):
    with pytest.raises(err, match=match):
        PatchTransforms(**kw)


@pytest.mark.parametrize("steps, err", [(0, ValueError), (-1, ValueError), (1.5, TypeError), (True, TypeError),
                                        ("3", TypeError), (None, TypeError), (torch.tensor(2.0), TypeError)])
def test_one_steps_rule_for_the_loop_every_settings_class_and_every_entry_point(clf, steps, err):
    with pytest.raises(err) as want:
        check_steps(steps)
    msg = str(want.value)
    assert msg.startswith("steps: expected a positive int")
    makers = [lambda: LoopSettings(steps=steps)] + [lambda c=c: c(steps=steps) for c in CLASSES]
    x, _ = data(4)
    makers += [lambda: eot_patch(clf, x, 1, steps=steps), lambda: assist_image(clf, x, 0, steps=steps),
               lambda: universal_assist(clf, x, 0, steps=steps)]
    for make in makers:
        with pytest.raises(err) as got:
            make()
        assert str(got.value) == msg


def test_steps_accept_ints_of_every_kind():
    import numpy as np

    assert check_steps(3) == 3 and check_steps(np.int64(3)) == 3 and check_steps(torch.tensor(3)) == 3
    assert LoopSettings(steps=np.int32(2)).steps == 2 and type(ImageSettings(steps=torch.tensor(4)).steps) is int


@pytest.mark.parametrize("value", [0, 1, None, "True", 1.0])
def test_check_bool_refuses_what_is_not_a_bool(value):
    with pytest.raises(TypeError, match="flag: expected a bool"):
        check_bool(value, "flag")
    assert check_bool(True, "flag") is True


@pytest.mark.parametrize("value, kw, err", [(2.0, {}, TypeError), (True, {}, TypeError), ("2", {}, TypeError),
                                            (-1, dict(lo=0), ValueError), (5, dict(lo=0, hi=4), ValueError)])
def test_check_int(value, kw, err):
    with pytest.raises(err, match="n: expected"):
        check_int(value, "n", **kw)
    assert check_int(4, "n", lo=0, hi=4) == 4


@pytest.mark.parametrize("value, kw, err", [(True, {}, TypeError), ("1", {}, TypeError), (None, {}, TypeError),
                                            (float("nan"), {}, ValueError), (float("inf"), {}, ValueError),
                                            (-0.5, dict(lo=0), ValueError), (2, dict(hi=1), ValueError)])
def test_check_number(value, kw, err):
    with pytest.raises(err, match="w: expected"):
        check_number(value, "w", **kw)
    assert check_number(1, "w", lo=0, hi=1) == 1.0 and isinstance(check_number(1, "w"), float)


def test_settings_are_frozen_and_normalised():
    s = ImageSettings(eps=[0, 2 / 255, None], steps=4)
    assert s.eps == (0.0, 2 / 255, None) and s.is_sweep and [t.eps for t in s.sweep()] == list(s.eps)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.steps = 3
    assert ImageSettings(attack=True).random_start is True and ImageSettings().random_start is False
    assert ImageSettings(attack=True, random_start=False).random_start is False
    with pytest.raises(ValueError, match="sweep"):
        s.loop()


def test_loop_settings_come_from_one_method():
    s = ImageSettings(eps=8 / 255, steps=4, attack=True, seed=3, progress=False)
    assert s.loop() == LoopSettings(steps=4, alpha=2.5 * (8 / 255) / 4, step_rule="sign", sign=-1, random_start=True,
                                    progress=False, seed=3)
    assert ImageSettings(eps=None).loop().alpha == 2 / 255
    assert s.loop(evaluate_last=False).evaluate_last is False
    t = TextureSettings(steps=7, alpha=0.1, keep_best=True)
    assert t.loop() == LoopSettings(steps=7, alpha=0.1, keep_best=True)
    assert PatchSettings(attack=True).loop().sign == -1 and UniversalSettings(eps=0.1, steps=10).loop().alpha == 0.025


# ----------------------------------------------------------------------------- settings= and keywords
def _same_result(a, b):
    if isinstance(a, list):
        assert len(a) == len(b)
        return all(_same_result(u, v) for u, v in zip(a, b))
    assert torch.equal(a.signal, b.signal) and a.settings == b.settings and a.metrics == b.metrics
    assert a.history.equals(b.history)
    return True


def test_assist_and_attack_image_settings_whole_or_as_keywords(clf):
    x, y = data()
    kw = dict(eps=[2 / 255, 8 / 255], steps=3, norm="l2", step_rule="momentum", random_start=True, seed=4,
              progress=False)
    assert _same_result(assist_image(clf, x, y, **kw), assist_image(clf, x, y, settings=ImageSettings(**kw)))
    kw = dict(eps=8 / 255, alpha=1 / 255, steps=3, seed=2)
    whole = ImageSettings(attack=True, **kw)
    assert _same_result(attack_image(clf, x, y, **kw), attack_image(clf, x, y, settings=whole))


def test_universal_patch_and_texture_settings_whole_or_as_keywords(clf, jeep):
    x, y = data(8)
    kw = dict(eps=8 / 255, steps=4, batch_size=4, attack=True, seed=1)
    whole = UniversalSettings(**kw)
    assert _same_result(universal_assist(clf, x, y, **kw), universal_assist(clf, x, y, settings=whole))
    kw = dict(area=0.1, steps=3, batch_size=4, alpha=0.05, tv=0.1, transforms=PatchTransforms(rotation=(0.0, 0.0)))
    assert _same_result(eot_patch(clf, x, 3, **kw), eot_patch(clf, x, 3, settings=PatchSettings(**kw)))
    bank = tw.bank(jeep, 2, "easy", seed=0, size=32)
    kw = dict(kind="vertex", eps=0.1, steps=2, tv=0.1, printability=0.1, keep_best=True, seed=5)
    whole = TextureSettings(**kw)
    assert _same_result(assist_texture(bank, clf, 1, **kw), assist_texture(bank, clf, 1, settings=whole))


def test_settings_and_a_changed_keyword_are_refused(clf):
    x, y = data()
    with pytest.raises(TypeError, match=r"settings: pass the settings whole or as keywords, not both: .*steps=5"):
        assist_image(clf, x, y, steps=5, settings=ImageSettings(steps=3))
    with pytest.raises(TypeError, match="not both: .*tv=0.5"):
        eot_patch(clf, x, 1, tv=0.5, settings=PatchSettings())
    with pytest.raises(TypeError, match="settings: expected an aswb.signals.ImageSettings, got PatchSettings"):
        assist_image(clf, x, y, settings=PatchSettings())
    with pytest.raises(ValueError, match="attack_image needs ImageSettings\\(attack=True"):
        attack_image(clf, x, y, settings=ImageSettings())
    # a keyword left at its default is no conflict (the settings win)
    r = assist_image(clf, x, y, steps=20, settings=ImageSettings(steps=2))
    assert r.settings["steps"] == 2


# ----------------------------------------------------------------------------- recorded settings
def test_results_record_the_same_settings_as_before(clf, jeep):
    x, y = data()
    r = assist_image(clf, x, y, eps=8 / 255, steps=4, mask=torch.ones(32, 32, dtype=torch.bool))
    assert r.settings == {"eps": 8 / 255, "norm": "linf", "alpha": 2.5 * (8 / 255) / 4, "steps": 4, "step_rule": "sign",
                          "random_start": False, "attack": False, "seed": 0, "masked": True, "classifiers": ["tiny"],
                          "labels": y.tolist()}
    r = universal_assist(clf, x, y, steps=2, batch_size=3, step_rule="adam", alpha=0.01)
    assert r.settings == {"eps": 8 / 255, "norm": "linf", "alpha": 0.01, "steps": 2, "batch_size": 3,
                          "step_rule": "adam", "attack": False, "seed": 0, "classifiers": ["tiny"]}
    r = eot_patch(clf, x, 3, area=0.1, steps=2, batch_size=2)
    assert r.settings == {"label": 3, "area": 0.1, "side": 10, "steps": 2, "alpha": 4 / 255, "batch_size": 2,
                          "transforms": PatchTransforms().__dict__, "tv": 0.0, "step_rule": "sign", "attack": False,
                          "seed": 0, "classifiers": ["tiny"]}
    from aswb.signals import Adam

    bank = tw.bank(jeep, 2, "easy", seed=0, size=32)
    r = assist_texture(bank, clf, 1, kind="vertex", steps=1, step_rule=Adam(lr=0.1))
    assert r.settings == {"kind": "vertex", "label": 1, "eps": None, "norm": "linf", "alpha": 4 / 255, "steps": 1,
                          "step_rule": {"name": "adam", "lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8}, "tv": 0.0,
                          "printability": 0.0, "attack": False, "seed": 0, "classifiers": ["tiny"], "masked": False,
                          "sampler": "fixed", "views": 2}


# ----------------------------------------------------------------------------- Terms
def test_terms_extra_is_not_a_shared_mutable_default():
    a, b = Terms(torch.zeros(()), torch.ones(1)), Terms(torch.zeros(()), torch.ones(1))
    assert a.extra is None and b.extra is None
    x, hist = run(Constraint(x0=torch.zeros(2), eps=None),
                  lambda x, s: Terms((x - 1).pow(2).sum(), torch.ones(1)), LoopSettings(steps=2, alpha=0.1))
    assert list(hist.columns) == ["step", "loss", "objective", "p_true"]
