"""2D assistive perturbations: invariants of assist_image / attack_image / universal_assist."""
import pytest
import torch

from aswb.signals import assist_image, attack_image, universal_assist
from aswb.signals.image import sweep_table


def data(n=6, size=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 3, size, size, generator=g), torch.arange(n) % 8


@pytest.mark.parametrize("norm,eps", [("linf", 8 / 255), ("l2", 0.5)])
def test_assistive_raises_confidence_within_the_budget(clf, norm, eps):
    x, y = data()
    r = assist_image(clf, x, y, eps=eps, steps=10, norm=norm)
    adv = r.extra["images"]
    assert r.signal.shape == x.shape and adv.min() >= 0 and adv.max() <= 1
    d = r.signal.flatten(1)
    size = d.abs().amax(1) if norm == "linf" else d.norm(dim=1)
    assert (size <= eps + 1e-5).all()
    assert r.metrics["p_true_after"] > r.metrics["p_true_before"]
    assert r.history.loss.iloc[-1] < r.history.loss.iloc[0]
    before, after = r.extra["before"], r.extra["after"]
    p0, p1 = before[torch.arange(6), y], after[torch.arange(6), y]
    assert torch.equal(r.extra["assistive"], (before.argmax(1) == after.argmax(1)) & (p1 > p0))


def test_adversarial_direction_lowers_confidence(clf):
    x, y = data()
    r = attack_image(clf, x, y, eps=8 / 255, steps=10)
    assert r.metrics["p_true_after"] < r.metrics["p_true_before"]
    assert r.settings["attack"] and r.settings["random_start"]


@pytest.mark.parametrize("where", ["region", "per_image"])
def test_nothing_changes_outside_the_mask(clf, where):
    x, y = data()
    if where == "region":
        mask = torch.zeros(32, 32, dtype=torch.bool)
        mask[8:20, 4:30] = True
        full = mask.expand(6, 3, 32, 32)
    else:
        mask = torch.rand(6, 32, 32, generator=torch.Generator().manual_seed(3)) > 0.7
        full = mask[:, None].expand(6, 3, 32, 32)
    r = assist_image(clf, x, y, eps=16 / 255, steps=5, mask=mask)
    assert torch.equal(r.extra["images"][~full], x[~full])
    assert r.signal[full].abs().max() > 0


def test_sweep_returns_one_result_per_eps_and_bigger_budgets_help_more(clf):
    x, y = data()
    rs = assist_image(clf, x, y, eps=[0.0, 2 / 255, 16 / 255], steps=10)
    t = sweep_table(rs)
    assert list(t.eps.round(4)) == [0.0, round(2 / 255, 4), round(16 / 255, 4)]
    assert t.p_true_after.iloc[0] == pytest.approx(t.p_true_before.iloc[0])
    assert t.p_true_after.iloc[2] > t.p_true_after.iloc[1] > t.p_true_after.iloc[0]


def test_same_seed_same_result(clf):
    x, y = data()
    a = assist_image(clf, x, y, eps=8 / 255, steps=4, random_start=True, seed=3)
    b = assist_image(clf, x, y, eps=8 / 255, steps=4, random_start=True, seed=3)
    assert torch.equal(a.signal, b.signal)


def test_universal_perturbation_is_shared_and_bounded(clf):
    x, y = data(n=12)
    r = universal_assist(clf, x, 2, eps=8 / 255, steps=20, batch_size=6)
    assert r.signal.shape == (3, 32, 32) and r.signal.abs().max() <= 8 / 255 + 1e-6
    assert r.metrics["p_true_after"] > r.metrics["p_true_before"]


def test_bad_arguments_get_clear_errors(clf):
    x, y = data()
    with pytest.raises(ValueError, match="finite number >= 0"):
        assist_image(clf, x, y, eps=-1.0)
    with pytest.raises(ValueError, match="norm: expected one of"):
        assist_image(clf, x, y, norm="l0")
    with pytest.raises(ValueError, match=r"class indices in \[0, 8\)"):
        assist_image(clf, x, torch.full((6,), 8))
    with pytest.raises(ValueError, match=r"labels: expected shape \(6,\)"):
        assist_image(clf, x, torch.zeros(5, dtype=torch.int64))
    with pytest.raises(TypeError, match="labels"):
        assist_image(clf, x, torch.zeros(6))
    with pytest.raises(ValueError, match="NaN"):
        assist_image(clf, torch.full_like(x, float("nan")), y)
    with pytest.raises(ValueError, match=r"mask: expected shape \(32, 32\) or \(6, 32, 32\)"):
        assist_image(clf, x, y, mask=torch.ones(16, 16, dtype=torch.bool))
    with pytest.raises(ValueError, match="empty"):
        assist_image(clf, x, y, mask=torch.zeros(32, 32, dtype=torch.bool))
    with pytest.raises(TypeError, match="Classifier"):
        assist_image(lambda t: t, x, y)
    with pytest.raises(ValueError, match="positive int"):
        assist_image(clf, x, y, steps=0)
    with pytest.raises(ValueError, match="bounded"):
        universal_assist(clf, x, y, eps=None)
