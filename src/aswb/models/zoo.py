"""The torchvision ImageNet zoo (checkpoints read from the torch hub cache) and :func:`load`,
which also knows the EfficientNet-Lite models of :mod:`aswb.models.lite`."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
import torchvision.models as tvm
from torch import nn

from .._checks import _describe
from .checkpoints import (_BUILD_KWARGS, WeightsNotFoundError, _build_loaded, _existing, _read_state_dict,
                          imagenet_categories)
from .classifier import Classifier
from .lite import LITE, load_lite

__all__ = ["ZooEntry", "ZOO", "NAMES", "load", "imagenet_categories"]  # imagenet_categories: see checkpoints


@dataclass(frozen=True)
class ZooEntry:
    """One ImageNet classifier of the zoo.

    Fields:
        name: zoo key, also the torchvision model name.
        builder: torchvision builder, e.g. ``torchvision.models.resnet18``.
        weights: the torchvision weights enum member whose checkpoint :func:`load` reads.
        input_size: ``(H, W)`` the network sees (the weights' crop size).
        mean, std: normalisation of [0, 1] images (the weights' transforms; Google's
            inception_v3 checkpoint wants (0.5, 0.5, 0.5) for both, see :data:`ZOO`).
    """

    name: str
    builder: Callable[..., nn.Module]
    weights: tvm.WeightsEnum
    input_size: tuple[int, int]
    mean: tuple[float, float, float]
    std: tuple[float, float, float]

    @property
    def categories(self) -> list[str]:
        """The 1000 ImageNet class names of the weights."""
        return list(self.weights.meta["categories"])

    @property
    def url(self) -> str:
        """Where torchvision publishes the checkpoint."""
        return self.weights.url

    @property
    def file_name(self) -> str:
        """Checkpoint file name, e.g. ``"resnet18-f37072fd.pth"``."""
        return self.weights.url.rsplit("/", 1)[-1]

    @property
    def checkpoint_path(self) -> Path:
        """Where :func:`load` looks for it now: ``torch.hub.get_dir()/checkpoints/<file_name>``."""
        return Path(torch.hub.get_dir()) / "checkpoints" / self.file_name

    def __repr__(self) -> str:
        return (f"ZooEntry({self.name!r}, weights={type(self.weights).__name__}.{self.weights.name}, "
                f"input_size={self.input_size}, file={self.file_name!r})")


def _entry(name: str, weights: tvm.WeightsEnum, *, mean=None, std=None) -> ZooEntry:
    t = weights.transforms()  # torchvision.transforms._presets.ImageClassification
    size = int(t.crop_size[0])
    return ZooEntry(name, tvm.get_model_builder(name), weights, (size, size),
                    tuple(mean or t.mean), tuple(std or t.std))


# The classic IMAGENET1K_V1 weights throughout (torchvision's ``pretrained=True`` of the
# paper's time; resnet50/mobilenet DEFAULT is V2, a different file).
# inception_v3: Google's checkpoint expects images in [-1, 1]; torchvision builds it with
# ``transform_input=True``, which maps ImageNet-normalised input back to (x - 0.5) / 0.5.
# We build it with ``transform_input=False`` and normalise with 0.5/0.5 directly: the same
# function, with normalisation in one place.
ZOO: dict[str, ZooEntry] = {
    e.name: e for e in [
        _entry("resnet18", tvm.ResNet18_Weights.IMAGENET1K_V1),
        _entry("resnet50", tvm.ResNet50_Weights.IMAGENET1K_V1),
        _entry("densenet121", tvm.DenseNet121_Weights.IMAGENET1K_V1),
        _entry("inception_v3", tvm.Inception_V3_Weights.IMAGENET1K_V1, mean=(0.5,) * 3, std=(0.5,) * 3),
        _entry("vgg16", tvm.VGG16_Weights.IMAGENET1K_V1),
        _entry("mobilenet_v2", tvm.MobileNet_V2_Weights.IMAGENET1K_V1),
        _entry("mobilenet_v3_large", tvm.MobileNet_V3_Large_Weights.IMAGENET1K_V1),
        _entry("squeezenet1_1", tvm.SqueezeNet1_1_Weights.IMAGENET1K_V1),
        _entry("shufflenet_v2_x1_0", tvm.ShuffleNet_V2_X1_0_Weights.IMAGENET1K_V1),
        _entry("efficientnet_b0", tvm.EfficientNet_B0_Weights.IMAGENET1K_V1),
        _entry("vit_b_16", tvm.ViT_B_16_Weights.IMAGENET1K_V1),
    ]
}
"""Zoo name -> :class:`ZooEntry` (builder, weights, input size, normalisation)."""

#: every name :func:`load` knows: torchvision's zoo, then EfficientNet-Lite
NAMES: list[str] = [*ZOO, *LITE]


def load(name: str, weights="imagenet", device=None) -> Classifier:
    """Build a zoo classifier, offline.

    Args:
        name: a key of :data:`ZOO` (torchvision, e.g. ``"resnet50"``) or of :data:`LITE`
            (EfficientNet-Lite0/1/2, whose ImageNet weights ship in installed packages: see
            :mod:`aswb.models.lite`).
        weights: ``"imagenet"`` reads torchvision's checkpoint ``ZOO[name].file_name`` from
            ``torch.hub.get_dir()/checkpoints`` (``$TORCH_HOME/hub/checkpoints``); never
            downloads. A path reads a local state dict (raw, or under a ``"state_dict"``/
            ``"model"`` key) for the same architecture and preprocessing. ``None`` gives
            random weights — for tests and timing only; predictions are meaningless.
        device: where to put the classifier (default CPU).

    Returns:
        an eval-mode, frozen :class:`Classifier` taking (B, 3, H, W) float in [0, 1] and
        returning (B, 1000) logits.

    Raises:
        ValueError: unknown ``name`` (the message lists the zoo), or a checkpoint of
            another architecture (the message names a few offending keys).
        WeightsNotFoundError: ``"imagenet"`` and the checkpoint is not in the cache.
        FileNotFoundError: ``weights`` is a path that does not exist.
    """
    if isinstance(name, str) and name in LITE:
        return load_lite(name, weights, device)
    if not isinstance(name, str) or name not in ZOO:
        raise ValueError(f"load: unknown model {name!r}; expected one of {NAMES}")
    e = ZOO[name]
    kwargs = dict(_BUILD_KWARGS.get(name, {}))
    if weights is None:
        net = e.builder(weights=None, **kwargs)
    elif isinstance(weights, str) and weights == "imagenet":
        path = e.checkpoint_path
        if not path.is_file():
            raise WeightsNotFoundError(
                f"ImageNet weights for {name!r} not found: expected the file {e.file_name!r} in "
                f"{path.parent}. Nothing is downloaded here: download it from {e.url} on a "
                f"machine with internet and copy it into {path.parent}, or set TORCH_HOME to a "
                f"directory whose hub/checkpoints/ holds it. (load({name!r}, weights=None) gives "
                f"random weights for tests and timing.)", path)
        net = _build_loaded(e.builder, kwargs, _read_state_dict(path), name, str(path))
    elif isinstance(weights, (str, os.PathLike)):
        path = _existing(weights, "weights", hint=' (expected "imagenet", None or a path to a state dict)')
        net = _build_loaded(e.builder, kwargs, _read_state_dict(path), name, str(path))
    else:
        raise TypeError(f'load: weights: expected "imagenet", None or a path, got {_describe(weights)}')
    clf = Classifier(net, e.input_size, e.mean, e.std, e.categories, name)
    return clf.to(device) if device is not None else clf

