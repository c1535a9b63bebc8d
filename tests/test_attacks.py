"""aswb.attacks: agreement with torchattacks, budgets and masks bit-exact, shared heaps, universal, errors."""
import pytest
import torch
import torchattacks  # a test dependency (the Makefile installs it)

from aswb import attacks, toyworld as tw


@pytest.fixture(scope="module")
def batch():
    """16 easy renders of the toy world (two instances never trained on) with background masks."""
    d = tw.render_dataset([100_000], 2, "easy", seed=0, masks=True)
    return d.float_images(), d.labels, d.background


@pytest.fixture(scope="module")
def toy():
    return tw.classifier("shufflenet_v2_x1_0")


@pytest.mark.parametrize("steps", [1, 4])
def test_pgd_agrees_with_torchattacks(toy, batch, steps):
    x, y, _ = batch
    ours = attacks.pgd(toy, x, y, eps=8 / 255, alpha=2 / 255, steps=steps, random_start=False)
    peer = torchattacks.PGD(toy, eps=8 / 255, alpha=2 / 255, steps=steps, random_start=False)(x, y)
    assert torch.allclose(ours, peer, atol=1e-6, rtol=0)
    # and it is an attack: the true class loses probability on every image
    with torch.no_grad():
        p0 = toy(x).softmax(1).gather(1, y[:, None])
        p1 = toy(ours).softmax(1).gather(1, y[:, None])
    assert float(p1.mean()) < float(p0.mean()) - 0.05


@pytest.mark.parametrize("norm,eps", [("linf", 8 / 255), ("l2", 0.5)])
def test_pgd_respects_the_budget_and_the_range(clf, norm, eps):
    x = torch.rand(6, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    adv = attacks.pgd(clf, x, torch.arange(6), eps=eps, steps=5, norm=norm, random_start=True)
    d = (adv - x).flatten(1)
    size = d.abs().amax(1) if norm == "linf" else d.norm(dim=1)
    assert bool((size <= eps * (1 + 1e-5) + 1e-7).all())
    assert float(adv.min()) >= 0 and float(adv.max()) <= 1
    assert not torch.equal(adv, x)


def test_background_only_pgd_never_touches_the_object(toy, batch):
    x, y, bg = batch
    assert bool(bg.any()) and bool((~bg).any())
    adv = attacks.pgd(toy, x, y, eps=16 / 255, steps=3, mask=bg, random_start=True)
    obj = (~bg)[:, None].expand_as(x)
    assert torch.equal(adv[obj], x[obj])  # bit-exact on every object pixel
    assert float((adv - x).abs().amax()) <= 16 / 255 + 1e-7
    assert float((adv - x)[~obj].abs().amax()) > 0


def test_background_mask_comes_from_coverage(jeep):
    from aswb.render import Scene, orbit

    scene = Scene(jeep, orbit(2, dist=3), image_size=32, supersample=2)
    bg = attacks.background_mask(scene.mask)
    assert bg.dtype == torch.bool and bg.shape == (2, 32, 32)
    assert torch.equal(bg, scene.mask == 0)
    assert torch.equal(attacks.background_mask(scene.mask > 0), bg)
    with pytest.raises(TypeError, match="coverage"):
        attacks.background_mask(scene.mask[0])


def test_fgsm_rs_is_one_random_step_inside_the_ball(clf):
    x = torch.rand(4, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    a = attacks.fgsm_rs(clf, x, 0, eps=8 / 255, seed=0)
    b = attacks.fgsm_rs(clf, x, 0, eps=8 / 255, seed=1)
    assert float((a - x).abs().amax()) <= 8 / 255 + 1e-7
    assert not torch.equal(a, b)  # the start is random
    assert torch.equal(a, attacks.fgsm_rs(clf, x, 0, eps=8 / 255, seed=0))


def test_shared_perturbations_are_one_per_heap(clf):
    x = 0.25 + 0.5 * torch.rand(10, 3, 32, 32, generator=torch.Generator().manual_seed(2))  # no clipping
    adv = attacks.shared(clf, x, torch.arange(10) % 8, eps=8 / 255, heap_size=4, steps=3)
    d = adv - x
    assert float(d.abs().amax()) <= 8 / 255 + 1e-6
    for heap in (slice(0, 4), slice(4, 8), slice(8, 10)):  # the last heap is smaller
        assert torch.allclose(d[heap], d[heap][:1].expand_as(d[heap]), atol=1e-6)
    assert not torch.allclose(d[0], d[4], atol=1e-4)
    one = attacks.shared(clf, x[:4], torch.arange(4), eps=8 / 255, heap_size=1, steps=2)
    assert torch.allclose(one, attacks.pgd(clf, x[:4], torch.arange(4), eps=8 / 255, steps=2, random_start=False),
                          atol=1e-6)


@pytest.mark.parametrize("heap_size,err,match", [(0, ValueError, "heap_size"), (-2, ValueError, "heap_size"),
                                                 (1.5, TypeError, "heap_size"), (True, TypeError, "heap_size"),
                                                 ("4", TypeError, "heap_size"),
                                                 (11, ValueError, "larger than the batch")])
def test_bad_heap_sizes_are_refused(clf, heap_size, err, match):
    with pytest.raises(err, match=match):
        attacks.shared(clf, torch.rand(10, 3, 32, 32), 0, eps=8 / 255, heap_size=heap_size)


def test_universal_perturbations_whole_set_and_per_class(clf):
    x = torch.rand(12, 3, 32, 32, generator=torch.Generator().manual_seed(3))
    y = torch.tensor([0, 1, 2] * 4)
    d = attacks.universal(clf, x, y, eps=8 / 255, steps=10, batch_size=6)
    assert d.shape == (3, 32, 32) and float(d.abs().amax()) <= 8 / 255 + 1e-7
    per = attacks.universal(clf, x, y, eps=8 / 255, steps=5, batch_size=4, per_class=True)
    assert per.shape == (clf.num_classes, 3, 32, 32)
    assert float(per[3:].abs().amax()) == 0 and float(per[:3].abs().amax()) > 0
    adv = attacks.apply_universal(x, per, y)
    assert torch.allclose(adv[0], (x[0] + per[0]).clamp(0, 1)) and torch.allclose(adv[1], (x[1] + per[1]).clamp(0, 1))
    rate = attacks.fooling_rate(clf, x, attacks.apply_universal(x, d))
    assert 0 <= rate <= 1
    with pytest.raises(ValueError, match="labels"):
        attacks.apply_universal(x, per)
    with pytest.raises(ValueError, match="delta"):
        attacks.apply_universal(x, torch.zeros(3, 16, 16))


def test_attack_inputs_get_clear_errors(clf):
    x = torch.rand(2, 3, 32, 32)
    with pytest.raises(ValueError, match="eps"):
        attacks.pgd(clf, x, 0, eps=None)
    with pytest.raises(ValueError, match="eps"):
        attacks.pgd(clf, x, 0, eps=-0.1)
    with pytest.raises(ValueError, match="norm"):
        attacks.pgd(clf, x, 0, eps=0.1, norm="l1")
    with pytest.raises(ValueError, match="steps"):
        attacks.pgd(clf, x, 0, eps=0.1, steps=0)
    with pytest.raises(TypeError, match="mask"):
        attacks.pgd(clf, x, 0, eps=0.1, mask=torch.ones(32, 32))
    with pytest.raises(ValueError, match="label"):
        attacks.pgd(clf, x, 99, eps=0.1)
    with pytest.raises(ValueError, match="adversarial"):
        attacks.fooling_rate(clf, x, x[:1])


# ----------------------------------------------------------------------------- one PGD
@pytest.mark.parametrize("kw", [dict(), dict(random_start=False), dict(norm="l2", eps=0.5, alpha=0.1),
                                dict(random_start=True, seed=3, mask="region")])
def test_attack_image_and_pgd_are_one_pgd(clf, kw):
    """Same arguments, bit-identical images: attack_image and attacks.pgd run the same PGD."""
    from aswb.signals import attack_image

    x = torch.rand(6, 3, 32, 32, generator=torch.Generator().manual_seed(4))
    y = torch.arange(6) % 8
    kw = {"eps": 8 / 255, "steps": 3, **kw}
    if kw.get("mask") == "region":
        kw["mask"] = torch.zeros(32, 32, dtype=torch.bool)
        kw["mask"][4:20, 8:28] = True
    ours = attacks.pgd(clf, x, y, **kw)
    assert torch.equal(ours, attack_image(clf, x, y, **kw).extra["images"])


def test_pgd_and_attack_image_share_one_default_start(clf):
    import inspect

    from aswb.signals import ImageSettings, attack_image

    default = inspect.signature(attacks.pgd).parameters["random_start"].default
    assert default is True
    assert inspect.signature(attack_image).parameters["random_start"].default is default
    assert ImageSettings(attack=True).random_start is default
    x = torch.rand(4, 3, 32, 32, generator=torch.Generator().manual_seed(5))
    r = attack_image(clf, x, 1, eps=8 / 255, steps=2)
    assert r.settings["random_start"] is True
    assert torch.equal(attacks.pgd(clf, x, 1, eps=8 / 255, steps=2), r.extra["images"])
    assert not torch.equal(attacks.pgd(clf, x, 1, eps=8 / 255, steps=2, random_start=False), r.extra["images"])


# -- issue 22: a NaN or inf perturbation is refused, naming delta
@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
@pytest.mark.parametrize("per_class", [False, True])
def test_apply_universal_refuses_non_finite_delta(bad, per_class):
    images = torch.rand(2, 3, 8, 8)
    delta = torch.zeros(4, 3, 8, 8) if per_class else torch.zeros(3, 8, 8)
    delta.view(-1)[5] = bad
    with pytest.raises(ValueError, match="delta: expected finite values, got 1 NaN/inf entries"):
        attacks.apply_universal(images, delta, labels=0 if per_class else None)


def test_apply_universal_refuses_integer_delta_and_keeps_the_range():
    images = torch.rand(2, 3, 8, 8)
    with pytest.raises(TypeError, match="delta: expected a float tensor"):
        attacks.apply_universal(images, torch.ones(3, 8, 8, dtype=torch.int64))
    out = attacks.apply_universal(images, torch.full((3, 8, 8), 2.0))
    assert out.shape == images.shape and float(out.min()) >= 0 and float(out.max()) <= 1
