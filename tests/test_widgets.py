"""Panels of aswb.widgets, driven without a browser: set a control, read what is displayed."""
import io
import re

import pytest
import torch
from PIL import Image

from aswb import World, widgets
from aswb.render import primitives
from aswb.views import STANDARD_CONDITIONS, ViewDistribution
from aswb.world import WorldObject
from tinynet import tiny


def _world(classifiers, labels):
    """A small world of the tiny classifiers at 32 px whose objects are boxes."""
    catalogue = {k: WorldObject(k, v, lambda seed: primitives.box((1.0, 1.0, 1.0))) for k, v in labels.items()}
    return World("test", classifiers, catalogue, ViewDistribution(STANDARD_CONDITIONS, 32, 1))


def _ptrue(panel) -> tuple[float, float]:
    """The two numbers of the summary's "p_true a → b" text."""
    m = re.search(r"p_true ([0-9.]+) → ([0-9.]+)", panel.summary.value)
    assert m, panel.summary.value
    return float(m.group(1)), float(m.group(2))


def _size(png: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(png)).size


@pytest.fixture
def images():
    return torch.rand(4, 3, 32, 32, generator=torch.Generator().manual_seed(0))


@pytest.fixture
def obj():
    m = torch.zeros(4, 32, 32, dtype=torch.bool)
    m[:, 8:24, 10:22] = True
    return m


@pytest.fixture
def panel(clf, clf2, images, obj):
    return widgets.perturbation_panel([clf, clf2], images, 2, object_mask=obj, cell_px=64)


# ----------------------------------------------------------------------------- masks
def test_square_mask_area_and_centre():
    m = widgets.square_mask(32, 0.25)
    assert m.shape == (32, 32) and m.dtype == torch.bool
    assert int(m.sum()) == 16 * 16 and bool(m[8:24, 8:24].all())
    assert int(widgets.square_mask((10, 20), 1.0).sum()) == 100


def test_square_mask_position_keeps_the_area_inside_the_image():
    m = widgets.square_mask(32, 0.25, center=(0.25, 0.75))  # 16 px square centred at x=8, y=24
    assert int(m.sum()) == 256 and bool(m[16:32, 0:16].all())
    corner = widgets.square_mask((20, 40), 0.25, center=(0.0, 0.0))  # shifted inside, not cropped
    assert int(corner.sum()) == 10 * 10 and bool(corner[:10, :10].all())
    far = widgets.square_mask((20, 40), 0.25, center=(1.0, 1.0))
    assert int(far.sum()) == 100 and bool(far[10:, 30:].all())
    assert torch.equal(widgets.image_region_mask("region", 32, 0.25, center=(0.25, 0.75)), m)


@pytest.mark.parametrize("center", [(1.5, 0.5), (0.5, -0.1), (0.5,), "middle", (True, 0.5), None])
def test_square_mask_rejects_bad_center(center):
    with pytest.raises(ValueError, match=r"center: expected \(x, y\) fractions"):
        widgets.square_mask(32, 0.25, center=center)


@pytest.mark.parametrize("fraction", [0, 1.5, -0.1, True, "half"])
def test_square_mask_rejects_bad_fraction(fraction):
    with pytest.raises(ValueError, match="fraction"):
        widgets.square_mask(32, fraction)


def test_image_region_mask_modes(obj):
    assert widgets.image_region_mask("full", 32) is None
    assert torch.equal(widgets.image_region_mask("object", 32, object_mask=obj), obj)
    assert torch.equal(widgets.image_region_mask("background", 32, object_mask=obj), ~obj)
    with pytest.raises(ValueError, match="needs an object_mask"):
        widgets.image_region_mask("background", 32)
    with pytest.raises(ValueError, match="mode: expected one of"):
        widgets.image_region_mask("ring", 32)


# ----------------------------------------------------------------------------- perturbation panel
def test_panel_shows_images_and_p_true(panel):
    assert len(panel.images) == 3 and all(len(r) == 4 for r in panel.images)
    assert all(_size(w.value) == (64, 64) for row in panel.images for w in row)
    before, after = _ptrue(panel)
    assert after >= before  # assistive by default
    assert panel.result.signal.shape == (4, 3, 32, 32)
    assert float(panel.result.signal.abs().max()) <= 8 / 255 + 1e-6
    assert all(re.search(r"[0-9]\.[0-9]{3}", c.value) for c in panel.captions[0] + panel.captions[2])
    assert all("‖δ‖∞" in c.value for c in panel.captions[1])
    assert panel.last_update_s > 0


def test_moving_eps_changes_p_true(panel):
    first = panel.summary.value
    panel.eps.value = 24.0  # the observer re-runs the optimisation
    assert panel.summary.value != first
    assert _ptrue(panel)[1] > float(re.search(r"→ ([0-9.]+)", first).group(1))
    assert float(panel.result.signal.abs().max()) <= 24 / 255 + 1e-6


def test_steps_alpha_and_direction(panel):
    assist = _ptrue(panel)[1]
    panel.direction.value = "attack"
    before, attacked = _ptrue(panel)
    assert attacked < before < assist
    panel.steps.value = 2
    assert panel.result.settings["steps"] == 2
    panel.alpha.value = 1.0
    assert panel.result.settings["alpha"] == pytest.approx(1.0 * 8 / 255 / 2)


def test_norm_toggle_switches_eps_units(panel):
    panel.eps.value = 12.0
    panel.norm.value = "l2"
    assert panel.eps.description == "ε (L2)" and panel.eps.value == 1.0
    assert panel.result.settings["norm"] == "l2" and panel.result.settings["eps"] == 1.0
    assert float(panel.result.signal.flatten(1).norm(dim=1).max()) <= 1.0 + 1e-5
    assert all("‖δ‖₂" in c.value for c in panel.captions[1])
    panel.norm.value = "linf"  # each norm remembers its own budget
    assert panel.eps.description == "ε (/255)" and panel.eps.value == 12.0
    assert panel.result.settings["eps"] == pytest.approx(12 / 255)


def test_held_changes_rerun_nothing_until_update(panel, monkeypatch):
    runs = []
    monkeypatch.setattr(panel, "update", lambda: runs.append(1))
    panel.eps.value = 10.0
    assert len(runs) == 1  # a plain change re-runs once
    with panel.held():
        with panel.held():  # nests
            panel.norm.value = "l2"  # re-sets the ε slider inside: must not release the outer hold
        panel.mode.value = "region"
        panel.region.value = 0.5
    assert len(runs) == 1 and not panel._hold
    panel.norm.value = "linf"  # outside a held block the norm toggle re-runs exactly once
    assert len(runs) == 2


def test_mask_modes_keep_outside_pixels(panel, obj):
    assert panel.region.disabled
    panel.mode.value = "background"
    assert not bool(panel.result.signal.abs().sum(1)[obj].any())  # the object is untouched
    panel.mode.value = "object"
    assert not bool(panel.result.signal.abs().sum(1)[~obj].any())
    panel.mode.value = "region"
    assert not panel.region.disabled
    panel.region.value = 0.25
    inside = widgets.square_mask(32, 0.25)
    assert not bool(panel.result.signal.abs().sum(1)[:, ~inside].any())
    assert "mask region" in panel.status.value
    assert not panel.region_x.disabled and not panel.region_y.disabled
    panel.region_x.value, panel.region_y.value = 0.2, 0.8  # move the square: each move re-runs
    moved = widgets.square_mask(32, 0.25, center=(0.2, 0.8))
    changed = panel.result.signal.abs().sum(1) > 0  # (B, H, W)
    assert not bool(changed[:, ~moved].any()) and bool(changed[:, moved].any())
    panel.mode.value = "full"
    assert panel.region_x.disabled and panel.region_y.disabled


def test_classifier_dropdown(panel, clf2):
    assert panel.classifier.options == ("tiny", "tiny2", "all (mean)")
    panel.classifier.value = "tiny2"
    assert panel.result.settings["classifiers"] == ["tiny2"]
    panel.classifier.value = "all (mean)"
    assert panel.result.settings["classifiers"] == ["tiny", "tiny2"]


def test_errors_during_interaction_show_in_status(clf, images):
    full = torch.ones(4, 32, 32, dtype=torch.bool)  # the object fills every image
    p = widgets.perturbation_panel(clf, images, 1, object_mask=full)
    p.mode.value = "background"
    assert "⚠" in p.status.value and "empty" in p.status.value
    with pytest.raises(ValueError, match="empty"):
        p.update()  # called directly, the error propagates


def test_channels_last_images_and_world_labels(clf, images):
    w = _world({"tiny": clf}, {"a": 0, "b": 5})
    p = widgets.perturbation_panel(w, images.permute(0, 2, 3, 1), "b")
    assert p.labels.tolist() == [5] * 4 and p.x.shape == (4, 3, 32, 32)
    assert p.classifier.options == ("tiny",)
    assert p.mode.options == ("full", "region")


@pytest.mark.parametrize("kwargs, err, match", [
    ({"images": torch.rand(4, 3, 32, 32) * 2}, ValueError, r"images: expected values in \[0, 1\]"),
    ({"images": torch.zeros(4, 3, 32, 32, dtype=torch.uint8)}, TypeError, "floating-point"),
    ({"images": torch.rand(4, 32, 32)}, ValueError, "images: expected shape"),
    ({"labels": torch.tensor([1, 2])}, ValueError, r"labels: expected shape \(4,\)"),
    ({"labels": 8}, ValueError, r"class ind(ex|ices) in"),
    ({"labels": "jeep"}, TypeError, "needs an aswb.World"),
    ({"object_mask": torch.ones(32, 32)}, TypeError, "object_mask: expected a bool tensor"),
    ({"object_mask": torch.ones(4, 16, 16, dtype=torch.bool)}, ValueError, "object_mask: expected shape"),
    ({"mode": "object"}, ValueError, "need object_mask"),
    ({"norm": "l1"}, ValueError, "norm: expected one of"),
    ({"direction": "sideways"}, ValueError, "direction"),
    ({"classifier": "vgg"}, ValueError, "classifier: expected one of"),
    ({"eps": 100.0}, ValueError, r"eps: expected a value in \[0.0, 32.0\]"),
    ({"steps": 0}, ValueError, "steps: expected a positive int"),
    ({"alpha": 0.0}, ValueError, r"alpha: expected a number in \[0.25, 6.0\]"),
    ({"region": 1.5}, ValueError, r"region: expected a number in \[0.05, 1.0\]"),
    ({"region_center": (2.0, 0.5)}, ValueError, r"center: expected \(x, y\)"),
    ({"seed": 0.5}, TypeError, "seed: expected an int"),
    ({"cell_px": 0}, ValueError, "cell_px: expected a positive int"),
])
def test_perturbation_panel_rejects_bad_inputs(clf, images, kwargs, err, match):
    args = {"images": images, "labels": 1, **kwargs}
    with pytest.raises(err, match=match):
        widgets.perturbation_panel(clf, **args)


def test_perturbation_panel_rejects_non_classifiers(images):
    with pytest.raises(TypeError, match="expected an aswb.World, a Classifier"):
        widgets.perturbation_panel(torch.nn.Linear(3, 3), images, 0)
    with pytest.raises(ValueError, match="disagree on the number of classes"):
        widgets.perturbation_panel([tiny(num_classes=4), tiny(name="t10", num_classes=10)], images, 0)


def test_panel_displays_as_its_widget(panel):
    bundle = panel._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == panel.widget.model_id


# ----------------------------------------------------------------------------- texture panel
@pytest.fixture
def world(clf, clf2):
    return _world({"tiny": clf, "tiny2": clf2}, {"a": 0, "b": 3})


@pytest.fixture
def box():
    return primitives.box((1.2, 0.8, 0.8), texture=primitives.checker(64, squares=8))


def test_texture_panel_orbits_and_classifies(world, box):
    tex = torch.rand(64, 64, 3, generator=torch.Generator().manual_seed(1))
    p = widgets.texture_panel(world, box, tex, "b", cell_px=96)
    assert p.renders.shape == (2, 32, 32, 3) and p.kind == "uv" and p.label == 3
    assert all(_size(w.value) == (96, 96) for w in p.images)
    assert not torch.equal(p.renders[0], p.renders[1])
    first, renders = p.summary.value, p.renders
    p.azim.value = 100.0
    assert p.summary.value != first and not torch.equal(p.renders, renders)
    renders = p.renders
    p.light_elev.value = -60.0
    p.intensity.value = 1.2
    assert not torch.equal(p.renders, renders)
    p.dist.value = 5.0
    p.elev.value = 60.0
    p.classifier.value = "all (mean)"
    assert "all (mean)" in p.summary.value
    assert float(p.renders.min()) >= 0 and float(p.renders.max()) <= 1


def test_texture_panel_from_result_and_vertex_colors(world, box, clf):
    from aswb.render import Scene, orbit, Lights
    from aswb.signals import assist_texture

    scene = Scene(box, orbit(2, dist=2.6), Lights(), image_size=32)
    r = assist_texture(scene, clf, 3, kind="vertex", steps=2)
    p = widgets.texture_panel(world, box, r)  # label and kind come from the result
    assert p.kind == "vertex" and p.label == 3
    assert torch.equal(p.colorings[1], r.signal)
    p2 = widgets.texture_panel(world, box, torch.rand(box.num_verts, 3), label=0)
    assert p2.kind == "vertex"


def test_texture_panel_rejects_bad_inputs(world, box, clf, images):
    from aswb.signals import assist_image

    with pytest.raises(TypeError, match="expected an aswb.World"):
        widgets.texture_panel(clf, box, torch.rand(64, 64, 3), 0)
    with pytest.raises(TypeError, match="expected an aswb.render.Mesh"):
        widgets.texture_panel(world, "box", torch.rand(64, 64, 3), 0)
    with pytest.raises(ValueError, match=r"texture: expected shape \(64, 64, 3\)"):
        widgets.texture_panel(world, box, torch.rand(32, 32, 3), 0)
    with pytest.raises(ValueError, match="label: give the true class"):
        widgets.texture_panel(world, box, torch.rand(64, 64, 3))
    with pytest.raises(ValueError, match="unknown object 'zebra'"):
        widgets.texture_panel(world, box, torch.rand(64, 64, 3), "zebra")
    with pytest.raises(ValueError, match="expected a 'uv' or 'vertex' result"):
        widgets.texture_panel(world, box, assist_image(clf, images, 0, steps=1), 0)
    with pytest.raises(TypeError, match="texture_or_result"):
        widgets.texture_panel(world, box, [0.5, 0.5, 0.5], 0)


# ----------------------------------------------------------------------------- the real toy world
def test_perturbation_panel_on_the_toy_world():
    from aswb import load_world, toyworld

    if not toyworld.checkpoint_path("resnet18").is_file():
        pytest.skip(f"toy checkpoint missing: {toyworld.checkpoint_path('resnet18')} "
                    "(python -m aswb.toyworld train --arch resnet18)")
    world = load_world("toy", archs=["resnet18"])
    bank = world.bank(world.mesh("jeep"), 8, "hard", seed=0)
    x = bank.render().permute(0, 3, 1, 2)  # (8, 3, 64, 64)
    p = widgets.perturbation_panel(world, x, "jeep", object_mask=bank.scene.mask > 0.5)
    before, after = _ptrue(p)
    assert after >= before
    p.eps.value = 2.0
    assert _ptrue(p)[1] < after  # a smaller budget helps less
    assert all(_size(w.value) == (96, 96) for w in p.images[2])
    print(f"toy-world panel update: {p.last_update_s:.2f} s")
