"""Training regimes: each changes the weights on a tiny batch; perturbations respect the regime; errors."""
import pytest
import torch

from aswb import toyworld as tw
from aswb.toyworld.defenses import Defense, defense
from aswb.toyworld.train import augment

ARCH = "shufflenet_v2_x1_0"


@pytest.fixture(scope="module")
def tiny_data():
    """8 easy renders (one per class) at 64 px, with background masks."""
    return tw.render_dataset([3], 1, "easy", seed=0, masks=True)


@pytest.fixture(scope="module")
def standard():
    return tw.classifier(ARCH)


def test_datasets_with_and_without_masks_hold_the_same_images(tiny_data):
    plain = tw.render_dataset([3], 1, "easy", seed=0)
    assert plain.background is None and torch.equal(plain.images, tiny_data.images)
    bg = tiny_data.background
    assert bg.dtype == torch.bool and bg.shape == tiny_data.images.shape[:3]
    # background pixels show the procedural background, object pixels differ from it somewhere
    assert 0.3 < float(bg.float().mean()) < 0.98


@pytest.mark.parametrize("regime", tw.DEFENSES)
def test_each_regime_trains_a_step_that_changes_the_weights(tiny_data, standard, regime):
    clf, hist = tw.train(ARCH, data=tiny_data, epochs=1, batch_size=8, lr=1e-3, defense=regime, init=standard,
                         progress=False)
    assert clf.name == tw.model_name(ARCH, regime) and not clf.training
    changed = [not torch.equal(a, b) for a, b in zip(clf.net.state_dict().values(), standard.net.state_dict().values())
               if a.is_floating_point()]
    assert sum(changed) > 0.5 * len(changed)
    assert hist[0]["loss"] > 0
    # the standard model it started from is untouched
    assert torch.equal(next(iter(standard.net.state_dict().values())),
                       next(iter(tw.classifier(ARCH).net.state_dict().values())))


def test_regime_perturbations_respect_their_budget_and_masks(tiny_data, standard):
    x, y = tiny_data.float_images(), tiny_data.labels
    x, bg = augment(x, torch.Generator().manual_seed(0), tiny_data.background)
    assert defense("none").perturb(standard, x, y) is x
    adv = defense("pgd").perturb(standard, x, y)
    assert 0 < float((adv - x).abs().amax()) <= 4 / 255 + 1e-7
    loc = defense("localized").perturb(standard, x, y, bg)
    obj = (~bg)[:, None].expand_as(x)
    assert torch.equal(loc[obj], x[obj]) and float((loc - x).abs().amax()) <= 16 / 255 + 1e-7
    sh = defense("shared", heap_size=4).perturb(standard, x, y)
    assert float((sh - x).abs().amax()) <= 8 / 255 + 1e-6
    assert not standard.net.training  # the mode is restored
    # localized training includes the perturbed images beside the clean ones; Madry's replaces them
    xb, yb = defense("localized").batch(standard, x, y, bg)
    assert torch.equal(xb[:len(x)], x) and torch.equal(yb, torch.cat([y, y]))
    assert torch.equal(xb[len(x):][obj], x[obj])
    xp, yp = defense("pgd").batch(standard, x, y)
    assert xp.shape == x.shape and torch.equal(yp, y)


def test_augment_moves_the_background_with_the_image(tiny_data):
    x = tiny_data.float_images()
    a = augment(x, torch.Generator().manual_seed(5))
    b, bg = augment(x, torch.Generator().manual_seed(5), tiny_data.background)
    assert torch.equal(a, b)  # the same images and draws with or without masks
    assert bg.dtype == torch.bool and bg.shape == tiny_data.background.shape
    assert 0.2 < float(bg.float().mean()) < 0.99


def test_bad_regimes_and_heaps_get_clear_errors(tiny_data, standard, tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="defense: expected one of"):
        Defense("madry")
    with pytest.raises(ValueError, match="defense: expected one of"):
        tw.train(ARCH, data=tiny_data, defense="fast")
    with pytest.raises(ValueError, match="heap_size"):
        defense("shared", heap_size=0)
    with pytest.raises(TypeError, match="heap_size"):
        defense("shared", heap_size=2.5)
    with pytest.raises(ValueError, match="heap_size"):
        defense("pgd", heap_size=8)
    with pytest.raises(ValueError, match="eps"):
        defense("pgd", eps=0)
    with pytest.raises(ValueError, match="steps"):
        defense("localized", steps=0)
    with pytest.raises(TypeError, match="defense"):
        defense(3)
    with pytest.raises(TypeError, match="keep_clean"):
        defense("pgd", keep_clean="yes")
    with pytest.raises(ValueError, match="masks=True"):
        tw.train(ARCH, data=tw.render_dataset([3], 1, "easy", seed=0, classes=["jeep"]), defense="localized")
    with pytest.raises(ValueError, match="background masks"):
        defense("localized").perturb(standard, tiny_data.float_images(), tiny_data.labels)
    with pytest.raises(TypeError, match="init"):
        tw.train(ARCH, data=tiny_data, init=tw.classifier("resnet18"))
    with pytest.raises(ValueError, match="defense"):
        tw.classifier(ARCH, defense="bogus")
    monkeypatch.setenv("ASWB_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=f"--arch {ARCH} --defense pgd"):
        tw.classifier(ARCH, defense="pgd")


def test_hardened_checkpoints_round_trip_with_their_regime(tiny_data, standard, tmp_path):
    clf, _ = tw.train(ARCH, data=tiny_data, epochs=1, batch_size=8, defense="pgd", init=standard, progress=False)
    path = tw.save_classifier(clf, tmp_path / "x.pt")
    back = tw.classifier(ARCH, path=path, defense="pgd")
    assert back.name == f"toy-{ARCH}-pgd"
    x = tiny_data.float_images()
    assert torch.allclose(back.probs(x), clf.probs(x), atol=2e-2)
    with pytest.raises(ValueError, match="holds a 'pgd' classifier"):
        tw.classifier(ARCH, path=path)


def test_the_cli_refuses_an_unknown_regime(capsys):
    from aswb.toyworld.__main__ import main

    with pytest.raises(SystemExit):
        main(["train", "--arch", ARCH, "--defense", "madry"])
    assert "invalid choice" in capsys.readouterr().err


def test_robustness_table_has_every_attack_and_accuracies_in_range(standard):
    from aswb.toyworld.robustness import heldout_with_masks, robustness

    data = heldout_with_masks(1, conditions=("easy",), seeds=[100_000, 100_001])
    x, y, bg, seeds = data["easy"]
    assert x.shape == (16, 3, 64, 64) and bg.shape == (16, 64, 64) and set(seeds.tolist()) == {100_000, 100_001}
    t = robustness({"none": standard}, data, steps=2, universal_steps=3)
    assert list(t.columns) == ["model", "condition", "clean", "pgd 2/255", "pgd 4/255", "pgd 8/255", "background 8/255",
                               "background 16/255", "universal 8/255", "fooling rate", "n"]
    vals = t.drop(columns=["model", "condition", "n"]).to_numpy()
    assert ((vals >= 0) & (vals <= 1)).all()
    assert t["pgd 8/255"].iloc[0] <= t["clean"].iloc[0]


def test_regimes_of_a_world():
    import aswb
    from aswb import experiment

    arch, regs = experiment.regimes(aswb.load_world("toy", archs=[ARCH]))
    assert arch == ARCH and list(regs)[0] == "none"
    assert [d for a, d in tw.available() if a == ARCH] == list(regs)
    assert all(c.name == tw.model_name(ARCH, d) for d, c in regs.items())
    with pytest.raises(ValueError, match="arch"):
        experiment.regimes(aswb.load_world("toy", archs=[ARCH]), "vgg")


def test_pgd_regimes_attack_from_the_clean_batch_as_the_shipped_models_were_trained(tiny_data, standard):
    """attacks.pgd starts at random by default; the training regimes keep their clean start."""
    from aswb import attacks

    x, y, bg = tiny_data.float_images(), tiny_data.labels, tiny_data.background
    d = defense("pgd")
    assert torch.equal(d.perturb(standard, x, y, seed=1),
                       attacks.pgd(standard, x, y, d.eps, steps=d.steps, random_start=False, seed=1))
    d = defense("localized")
    assert torch.equal(d.perturb(standard, x, y, bg),
                       attacks.pgd(standard, x, y, d.eps, steps=d.steps, random_start=False, mask=bg))
