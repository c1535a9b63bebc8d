"""Toy classifiers: a tiny training run learns; checkpoints round-trip; shipped models work."""
import pytest
import torch

from aswb import toyworld as tw
from aswb.toyworld.train import augment


def test_augment_keeps_shape_and_range_and_is_seeded():
    x = torch.rand(4, 3, 16, 16)
    a = augment(x, torch.Generator().manual_seed(0))
    b = augment(x, torch.Generator().manual_seed(0))
    assert a.shape == x.shape and a.min() >= 0 and a.max() <= 1 and torch.equal(a, b)


def test_tiny_training_run_reduces_loss_and_round_trips(tmp_path):
    data = tw.render_dataset([0, 1], views_per_instance=4, size=32, seed=0)
    clf, hist = tw.train("resnet18", data=data, epochs=5, batch_size=16, lr=3e-3, progress=False)
    assert hist[-1]["loss"] < hist[0]["loss"] - 0.1
    assert clf.categories == list(tw.CLASSES) and not clf.training
    path = tw.save_classifier(clf, tmp_path / "resnet18.pt", meta={"note": "test"})
    back = tw.classifier("resnet18", path=path)
    x = data.float_images(slice(0, 8))
    assert torch.allclose(back.probs(x), clf.probs(x), atol=2e-2)  # float16 storage
    with pytest.raises(ValueError, match="not a toy checkpoint of architecture 'densenet121'"):
        tw.classifier("densenet121", path=path)


def test_missing_checkpoint_says_how_to_train(tmp_path, monkeypatch):
    monkeypatch.setenv("ASWB_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="python -m aswb.toyworld train --arch resnet18"):
        tw.classifier("resnet18")


def test_train_rejects_bad_arguments():
    with pytest.raises(ValueError, match="unknown toy architecture"):
        tw.train("vgg99")
    with pytest.raises(ValueError, match="positive int"):
        tw.train("resnet18", epochs=0, data=tw.render_dataset([0], 1, classes=["jeep"], size=16))
    with pytest.raises(TypeError, match="Dataset"):
        tw.train("resnet18", data=torch.zeros(3))


@pytest.mark.parametrize("arch", tw.ARCHS)
def test_shipped_classifiers_recognise_easy_held_out_views(arch):
    if not tw.checkpoint_path(arch).is_file():
        pytest.fail(f"shipped checkpoint missing: {tw.checkpoint_path(arch)}")
    clf = tw.classifier(arch)
    data = tw.render_dataset([tw.HELDOUT_SEEDS[0]], views_per_instance=4, condition="easy", seed=123)
    acc = (clf.probs(data.float_images()).argmax(1) == data.labels).float().mean()
    assert acc >= 0.85


def test_shipped_classifiers_disagree_on_hard_views():
    missing = [a for a in tw.ARCHS if not tw.checkpoint_path(a).is_file()]
    if missing:
        pytest.fail(f"shipped checkpoints missing: {missing}")
    data = tw.render_dataset([tw.HELDOUT_SEEDS[1]], views_per_instance=6, condition="hard", seed=321)
    preds = [tw.classifier(a).probs(data.float_images()).argmax(1) for a in tw.ARCHS]
    errors = [p != data.labels for p in preds]
    assert any(not torch.equal(errors[0], e) for e in errors[1:])  # per-view errors differ somewhere
