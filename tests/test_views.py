"""aswb.views: one home for view distributions, banks, samplers and background sources."""
import pytest
import torch
from PIL import Image

from aswb import load_world, views
from aswb.render import primitives
from aswb.views import (BACKGROUNDS, STANDARD_CONDITIONS, ImageFolder, Plain, Procedural, ViewBank, ViewDistribution,
                        ViewSampler)

CONDS = ("easy", "hard_view", "hard_light", "hard")


@pytest.fixture(scope="module")
def box():
    return primitives.box((1.0, 0.7, 0.5), texture=primitives.checker(32, squares=4))


def _dist(**kw):
    return ViewDistribution(STANDARD_CONDITIONS, 32, 1, **kw)


def _background(bank: ViewBank) -> torch.Tensor:
    return torch.as_tensor(bank.scene.background)


def test_views_is_the_one_home_and_old_paths_still_work():
    from aswb import evaluate, signals
    from aswb.signals import texture

    assert evaluate.ViewBank is evaluate.Bank is views.ViewBank
    assert signals.ViewSampler is texture.ViewSampler is views.ViewSampler
    assert views.ViewDistribution.__module__ == "aswb.views.distribution"


def test_a_new_background_source_changes_no_existing_seeded_bank(box):
    w = load_world("toy", archs=["resnet18"])
    jeep = w.mesh("jeep")

    def renders():
        s = w.sampler(jeep, 4, ("easy", "hard"), seed=3)
        return [w.bank(jeep, 3, c, seed=7).render() for c in CONDS] + [s(0).render(), s(1).render()]

    before = renders()

    class Checker:  # a user's source, added to the named sources and used by another distribution
        name = "checker"

        def draw(self, n, size, generator):
            u = torch.rand(n, 1, 1, 3, generator=generator)
            ij = torch.arange(size)
            board = ((ij.view(-1, 1) // 4 + ij.view(1, -1) // 4) % 2).float().view(1, size, size, 1)
            return u * board + (1 - u) * (1 - board)

    BACKGROUNDS["checker"] = Checker()
    try:
        other = _dist(background={"easy": "checker"})
        other.bank(box, 3, "easy", seed=7).render()
        w.bank(jeep, 3, "easy", seed=7, backgrounds="checker").render()
        after = renders()
    finally:
        BACKGROUNDS.pop("checker")
    for a, b in zip(before, after):
        assert torch.equal(a, b)


def test_another_source_keeps_the_cameras_and_lights_of_the_seed(box):
    d = _dist()
    a, b = d.bank(box, 4, "hard", seed=11), d.bank(box, 4, "hard", seed=11, backgrounds="plain")
    assert torch.equal(a.scene.cameras.eye, b.scene.cameras.eye)
    assert torch.equal(a.scene.lights.direction, b.scene.lights.direction)
    assert not torch.equal(_background(a), _background(b))
    again = d.bank(box, 4, "hard", seed=11, backgrounds="plain")
    assert torch.equal(_background(b), _background(again))  # the source's own stream is seeded too


def test_plain_sources_draw_one_colour_per_image(box):
    bg = Plain().draw(5, 8, torch.Generator().manual_seed(0))
    assert bg.shape == (5, 8, 8, 3) and bg.dtype == torch.float32
    assert torch.equal(bg, bg[:, :1, :1].expand_as(bg)) and 0 <= float(bg.min()) and float(bg.max()) <= 1
    two = Plain([(1.0, 0.0, 0.0), (0.0, 0.0, 1.0)]).draw(16, 4, torch.Generator().manual_seed(0))
    assert {tuple(c.tolist()) for c in two[:, 0, 0]} == {(1.0, 0.0, 0.0), (0.0, 0.0, 1.0)}
    white = _dist(background="white").bank(box, 3, "easy")
    assert torch.equal(_background(white), torch.ones(3, 32, 32, 3))  # easy light: no dimming
    dim = _dist(background="white").bank(box, 3, "hard_light")
    assert float(_background(dim).max()) < 0.35  # the condition dims any source


def test_sources_per_condition(box):
    d = _dist(background={"easy": "grey"})
    assert d.background_source("easy") is BACKGROUNDS["grey"]
    assert isinstance(d.background_source("hard"), Procedural)
    assert torch.equal(d.bank(box, 3, "hard", seed=2).render(), _dist().bank(box, 3, "hard", seed=2).render())
    assert torch.all(_background(d.bank(box, 2, "easy")) == 0.5)


def test_image_folder_draws_crops_of_its_images(tmp_path, box):
    red, blue = torch.zeros(40, 60, 3, dtype=torch.uint8), torch.zeros(50, 30, 3, dtype=torch.uint8)
    red[..., 0], blue[..., 2] = 255, 255
    Image.fromarray(red.numpy()).save(tmp_path / "red.png")
    Image.fromarray(blue.numpy()).save(tmp_path / "blue.jpg")
    (tmp_path / "notes.txt").write_text("not an image")
    src = ImageFolder(tmp_path)
    assert len(src.files) == 2 and src.name == f"folder:{tmp_path.name}"
    bg = src.draw(12, 16, torch.Generator().manual_seed(0))
    assert bg.shape == (12, 16, 16, 3) and 0 <= float(bg.min()) and float(bg.max()) <= 1
    colours = {int(c.argmax()) for c in bg.mean((1, 2))}
    assert colours == {0, 2}  # each crop is all red or all blue
    bank = _dist().bank(box, 4, "easy", seed=1, backgrounds=src)
    corner = _background(bank)[:, 0, 0]
    assert bool(((corner[:, 1] < 0.05) & (corner.max(1).values > 0.9)).all())
    s = _dist().sampler(box, 4, ("easy", "hard"), seed=5, backgrounds=src)
    first = s(0).render()
    s.reset()
    assert torch.equal(first, s(0).render())


def test_bad_backgrounds_get_clear_errors(tmp_path, box):
    d = _dist()
    with pytest.raises(ValueError, match=r"backgrounds: expected a background source or one of .*got 'sky'"):
        d.bank(box, 2, "easy", backgrounds="sky")
    with pytest.raises(TypeError, match="backgrounds: expected a background source"):
        d.bank(box, 2, "easy", backgrounds=3)
    with pytest.raises(ValueError, match=r"background: unknown conditions \['dusk'\]"):
        _dist(background={"dusk": "plain"})
    with pytest.raises(FileNotFoundError, match="no such folder"):
        ImageFolder(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match="holds no image"):
        ImageFolder(tmp_path)
    Image.new("RGB", (8, 8)).save(tmp_path / "a.png")
    with pytest.raises(ValueError, match="scale: expected 0 < lo <= hi <= 1"):
        ImageFolder(tmp_path, scale=(0.0, 0.5))
    with pytest.raises(ValueError, match="colors: expected values in"):
        Plain((2.0, 0.0, 0.0))

    class Wrong:
        name = "wrong"

        def draw(self, n, size, generator):
            return torch.zeros(n, size, 3)

    with pytest.raises(ValueError, match=r"background source 'wrong': draw\(2, 32, generator\) must return"):
        d.bank(box, 2, "easy", backgrounds=Wrong())


def test_view_distributions_are_checked_when_made(box):
    with pytest.raises(ValueError, match="image_size: expected a positive int, got 0"):
        ViewDistribution(STANDARD_CONDITIONS, 0)
    with pytest.raises(TypeError, match="conditions: expected a non-empty"):
        ViewDistribution({}, 32)
    with pytest.raises(ValueError, match="fov: expected degrees"):
        ViewDistribution(STANDARD_CONDITIONS, 32, fov=180)
    d = _dist()
    with pytest.raises(ValueError, match="conditions: expected at least one"):
        d.sampler(box, 2, ())
    with pytest.raises(ValueError, match="unknown condition 'dusk'"):
        d.sampler(box, 2, ("easy", "dusk"))
    with pytest.raises(TypeError, match="seed: expected an int"):
        d.sampler(box, 2, "easy", seed="a")
    with pytest.raises(TypeError, match="seed: expected an int"):
        ViewSampler(box, 2, lambda m, n, g: None, seed=1.5)


def test_samplers_split_their_views_between_conditions_and_restart(box):
    s = _dist().sampler(box, 5, ("easy", "hard"), seed=2)
    b = s(0)
    assert isinstance(b, ViewBank) and len(b) == 5 and b.name == "easy+hard" and b.noise is not None
    nxt = s(1).render()
    s.reset()
    assert torch.equal(s(0).render(), b.render()) and torch.equal(s(1).render(), nxt)
