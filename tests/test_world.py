"""Worlds: the toy world loads offline; the ImageNet world loads from the torch cache or says what is missing."""
import pytest
import torch

from aswb import load_world
from aswb.models import ZOO, WeightsNotFoundError
from aswb.toyworld import IMAGENET_LABELS


def test_toy_world():
    w = load_world("toy", archs=["resnet18"])
    assert w.image_size == 64 and w.label("airliner") == 1 and w.category(w.label("jeep")) == "jeep"
    b = w.bank(w.mesh("jeep"), 3, "hard_view", seed=0)
    assert b.render().shape == (3, 64, 64, 3)


def test_imagenet_world_from_a_cached_checkpoint(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    entry = ZOO["resnet18"]
    path = entry.checkpoint_path
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(entry.builder(weights=None).state_dict(), path)
    w = load_world("imagenet", archs=["resnet18"])
    assert w.image_size == 224 and w.label("jeep") == IMAGENET_LABELS["jeep"] == 609
    assert w.category(w.label("traffic_light")) == "traffic light"
    assert w.category(w.label("mug")) == "coffee mug"  # the real catalogue too


def test_imagenet_world_without_weights_names_the_missing_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.raises(WeightsNotFoundError, match=ZOO["resnet50"].file_name):
        load_world("imagenet", archs=["resnet50"])


def test_world_errors():
    with pytest.raises(ValueError, match="world: expected one of"):
        load_world("mars")
    with pytest.raises(ValueError, match="unknown object 'submarine' in the toy world"):
        load_world("toy", archs=["resnet18"]).label("submarine")
    with pytest.raises(ValueError, match="archs: expected at least one classifier"):
        load_world("toy", archs=[])
    with pytest.raises(ValueError, match="unknown toy architecture"):
        load_world("toy", archs=["vgg99"])


def test_asking_for_a_classifier_the_world_did_not_load_says_what_is_loaded():
    from aswb.world import NotLoadedError

    world = load_world("toy", archs=["resnet18"])
    assert world.classifiers["resnet18"].num_classes == 8
    with pytest.raises(NotLoadedError) as e:
        world.classifiers["resnet50"]
    assert isinstance(e.value, KeyError)  # still a KeyError for code that expects one
    msg = str(e.value)
    assert "'resnet50' is not loaded in the toy world (loaded: resnet18)" in msg
    assert "aswb.load_world('toy', archs=['resnet50', ...])" in msg
    assert world.classifiers.get("resnet50") is None and "resnet50" not in world.classifiers


# --------------------------------------------------------------------------- generic worlds
def test_worlds_share_the_interface():
    from aswb.views import CONDITION_NAMES

    for w in (load_world("toy", archs=["resnet18"]), load_world("real", archs=["efficientnet_lite0"])):
        assert set(CONDITION_NAMES) <= set(w.views.conditions)
        name = w.objects[0]
        mesh = w.mesh(name)
        assert w.mesh(name) is mesh  # loaded once per world
        assert w.sampler(mesh, 2, ("easy", "hard"), seed=0)(0).render().shape == (2, w.image_size, w.image_size, 3)
        assert isinstance(w.label(name), int) and w.labels[name] == w.label(name)


def test_register_world_makes_a_user_world_loadable():
    from aswb import World, WorldObject, register_world
    from aswb.render import primitives
    from aswb.views import STANDARD_CONDITIONS, ViewDistribution
    from aswb.world import WORLDS

    def loader(archs=None, device=None):
        from aswb import toyworld as tw

        return World("boxes", {"resnet18": tw.classifier("resnet18")},
                     {"box": WorldObject("box", 0, lambda seed: primitives.box((1, 1, 1)), "a unit box")},
                     ViewDistribution(STANDARD_CONDITIONS, 32, 1))

    register_world("boxes", loader)
    try:
        w = load_world("boxes")
        assert w.objects == ("box",) and w.bank(w.mesh("box"), 2, "hard").render().shape == (2, 32, 32, 3)
    finally:
        WORLDS.pop("boxes")
    with pytest.raises(TypeError, match="loader: expected a callable"):
        register_world("x", 3)


def _tiny_world(**kw):
    from aswb import World, WorldObject
    from aswb.render import primitives
    from aswb.views import STANDARD_CONDITIONS, ViewDistribution
    from tests.signals.tinynet import tiny

    parts = dict(name="w", classifiers={"t": tiny()},
                 catalogue={"box": WorldObject("box", 3, lambda seed: primitives.box((1, 1, 1)), "a unit box")},
                 views=ViewDistribution(STANDARD_CONDITIONS, 32, 1))
    parts.update(kw)
    return World(**parts)


def test_a_world_needs_classifiers_and_the_four_conditions():
    from aswb.views import STANDARD_CONDITIONS, ViewDistribution

    with pytest.raises(ValueError, match="at least one classifier"):
        _tiny_world(classifiers={})
    with pytest.raises(ValueError, match=r"lack the conditions \['hard'\]"):
        _tiny_world(views=ViewDistribution({k: v for k, v in STANDARD_CONDITIONS.items() if k != "hard"}, 32))
    with pytest.raises(TypeError, match="views: expected a ViewDistribution"):
        _tiny_world(views=None)


def test_a_world_is_checked_at_the_door():
    from aswb import WorldObject

    box = lambda seed: None  # noqa: E731  (never called: the checks come first)
    with pytest.raises(ValueError, match=r"catalogue\['box'\].label: expected a class index in \[0, 8\), got 99"):
        _tiny_world(catalogue={"box": WorldObject("box", 99, box)})
    with pytest.raises(ValueError, match="label: expected a class index >= 0, got -1"):
        WorldObject("box", -1, box)
    with pytest.raises(TypeError, match="classifiers: expected .* got dict"):
        _tiny_world(classifiers={"t": "resnet18"})
    with pytest.raises(TypeError, match="catalogue: expected a non-empty"):
        _tiny_world(catalogue=[WorldObject("box", 0, box)])
    with pytest.raises(TypeError, match=r"catalogue\['box'\]: expected a WorldObject"):
        _tiny_world(catalogue={"box": ("box", 0)})
    with pytest.raises(ValueError, match="split: expected one of"):
        WorldObject("box", 0, box, split="test")
    w = _tiny_world()
    with pytest.raises(ValueError, match=r"index: expected a class index in \[0, 8\), got -1"):
        w.category(-1)
    with pytest.raises(TypeError, match="seed: expected an int"):
        w.mesh("box", seed=1.5)


def test_a_loader_that_returns_no_world_is_refused():
    from aswb import register_world
    from aswb.world import WORLDS

    register_world("nothing", lambda archs=None, device=None: None)
    try:
        with pytest.raises(TypeError, match="'nothing' world returned NoneType None, not an aswb.World"):
            load_world("nothing")
    finally:
        WORLDS.pop("nothing")


def test_capabilities_are_data_on_the_world():
    from aswb import toyworld as tw
    from aswb.experiment import regimes

    w = _tiny_world()  # a user's world: standard training, one instance per object, no held-out objects
    assert w.regimes is None and w.instance_seeds is None
    assert w.regime_classifiers() == ("t", {"none": w.classifiers["t"]})
    assert w.objects_in("dev") == w.objects_in("heldout") == ("box",)  # split "both": its class's only instance
    with pytest.raises(ValueError, match="arch: expected one of the w world's architectures"):
        w.regime_classifiers("resnet99")
    with pytest.raises(ValueError, match="split: expected 'dev' or 'heldout', got 'test'"):
        w.objects_in("test")
    toy = load_world("toy", archs=["resnet18"])
    assert set(toy.instance_seeds) == {"train", "heldout"} and not set(toy.instance_seeds["train"]) & set(
        toy.instance_seeds["heldout"])
    arch, regs = regimes(toy)
    assert list(regs)[0] == "none" and set(regs) == {d for a, d in tw.available() if a == arch} and len(regs) > 1


def test_held_out_views_are_one_named_convention():
    from aswb.views import HELDOUT_SEED_OFFSET, heldout_seed, split_seed

    w = _tiny_world()
    mesh = w.mesh("box")
    a = w.bank(mesh, 3, "hard", seed=4, split="heldout").render()
    assert torch.equal(a, w.bank(mesh, 3, "hard", seed=4 + HELDOUT_SEED_OFFSET).render())
    assert not torch.equal(a, w.bank(mesh, 3, "hard", seed=4).render())
    assert heldout_seed(4) == split_seed(4, "heldout") == 4 + HELDOUT_SEED_OFFSET and split_seed(4) == 4
    with pytest.raises(ValueError, match="split: expected one of"):
        w.bank(mesh, 3, "hard", split="test")
    with pytest.raises(ValueError, match="seed: expected an int in"):
        w.bank(mesh, 3, "hard", seed=2**31 - 1, split="heldout")


# --------------------------------------------------------------------------- the real world
@pytest.fixture(scope="module")
def real():
    return load_world("real", archs=["efficientnet_lite0"])


def test_real_world_loads_offline(real):
    from aswb.realworld import OBJECTS

    assert real.image_size == 224 and len(OBJECTS) >= 6 and real.objects[:len(OBJECTS)] == tuple(OBJECTS)
    assert real.classifiers["efficientnet_lite0"].input_size == (224, 224)
    assert real.category(real.label("mug")) == "coffee mug"
    assert real.category(real.label("soccer_ball")) == "soccer ball"
    assert "pybullet_data/objects/mug.obj" in real.catalogue["mug"].provenance
    for name in OBJECTS:
        m = real.mesh(name)
        assert m.textures is not None and len(m.textures) == 1 and m.vertex_colors is None, name
        assert m.uvs.min() >= 0 and m.uvs.max() <= 1, name
        r = m.verts.norm(dim=1).max()
        assert 0.99 < float(r) <= 1.0 + 1e-5, name  # unit bounding sphere


def test_efficientnet_lite0_calls_the_soccer_ball_a_soccer_ball(real):
    clf = real.classifiers["efficientnet_lite0"]
    with torch.no_grad():
        x = real.bank(real.mesh("soccer_ball"), 8, "easy", seed=0).render().permute(0, 3, 1, 2)
        p = clf.probs(x)
    assert (p.argmax(1) == real.label("soccer_ball")).float().mean() >= 0.75
    assert p[:, real.label("soccer_ball")].mean() > 0.5


def test_the_real_world_is_judged_by_its_own_classifiers_only(real):
    assert all(c.num_classes == 1000 and c.name.startswith("efficientnet_lite") for c in real.classifiers.values())
    assert real.category(real.label("jeep")) == "jeep"  # toy objects under their ImageNet labels
    with pytest.raises(ValueError, match="unknown object 'submarine' in the real world"):
        real.mesh("submarine")


def test_real_object_errors():
    from aswb.realworld import load_object

    with pytest.raises(ValueError, match="unknown real object 'jeep'; expected one of"):
        load_object("jeep")
