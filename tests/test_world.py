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


def test_imagenet_world_without_weights_names_the_missing_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.raises(WeightsNotFoundError, match=ZOO["resnet50"].file_name):
        load_world("imagenet", archs=["resnet50"])


def test_world_errors():
    with pytest.raises(ValueError, match="world: expected one of"):
        load_world("mars")
    with pytest.raises(ValueError, match="unknown class"):
        load_world("toy", archs=["resnet18"]).label("submarine")


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
