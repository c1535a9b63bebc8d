"""The classifier wrapper: the one place where images are resized and normalised."""
from __future__ import annotations

import math
import os
from collections.abc import Sequence

import torch
import torch.nn.functional as F
import torchvision.models as tvm
from torch import nn

from .._checks import _describe, check_shape
from .._checks import image_size as _image_size
from .._checks import positive_int
from .checkpoints import _BUILD_KWARGS, _as_state_dict, _build_loaded, _existing, _read_state_dict

__all__ = ["Classifier", "Ensemble", "predict", "classifier_dict", "classifier_list"]

_RANGE_TOL = 1e-6  # slack for float round-off in renders that should be in [0, 1]


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
    plain module ``clf.net`` in train mode on ``clf.preprocess(x)`` (the same resizing and
    normalisation), or train your own and wrap it afterwards.
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
        if x.numel() == 0:
            raise ValueError(f"{name}: expected a non-empty batch (B, 3, H, W), got shape {tuple(x.shape)}")
        if x.numel():
            lo, hi = (float(v) for v in torch.aminmax(x.detach()))
            if not (lo >= -_RANGE_TOL and hi <= 1.0 + _RANGE_TOL):  # also catches NaN
                raise ValueError(f"{name}: expected values in [0, 1], got range [{lo:.4g}, {hi:.4g}]")
        return x

    def preprocess(self, x: torch.Tensor) -> torch.Tensor:
        """What the network sees: (B, 3, H, W) float in [0, 1] resized (bilinear, antialiased)
        to the input size and normalised: (B, 3, h, w) in the classifier's dtype. Use it to
        train ``clf.net`` on exactly the classifier's preprocessing."""
        return self._preprocess(self._check(x))

    def _preprocess(self, x: torch.Tensor) -> torch.Tensor:
        if x.device != self.mean.device:
            raise TypeError(f"{self.name}: x is on {x.device} but the classifier is on "
                            f"{self.mean.device}; move one of them (clf.to(device) / x.to(device))")
        x = x.to(self.mean.dtype)
        if tuple(x.shape[-2:]) != self._input_size:
            x = F.interpolate(x, size=self._input_size, mode="bilinear", antialias=True,
                              align_corners=False)  # (B, 3, h, w)
        return (x - self.mean) / self.std

    def _logits(self, x: torch.Tensor) -> torch.Tensor:
        """Resize, normalise and run the net on an already validated (B, 3, H, W) batch."""
        out = self.net(self._preprocess(x))
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



def classifier_dict(classifiers, name: str = "classifiers") -> dict:
    """``{name: Classifier}`` from a world (anything whose ``classifiers`` is such a dict, e.g. an
    :class:`aswb.World`), a Classifier, a non-empty list/tuple or a dict of them (repeated names
    made unique as ``name#2``); all must share one label space."""
    held = getattr(classifiers, "classifiers", None)
    c = held if isinstance(held, dict) and not isinstance(classifiers, (Classifier, dict, list, tuple)) else classifiers
    if isinstance(c, Classifier):
        return {c.name: c}
    if isinstance(c, dict) and c and all(isinstance(k, str) for k in c) and all(
            isinstance(v, Classifier) for v in c.values()):
        out = dict(c)
    elif isinstance(c, (list, tuple)) and c and all(isinstance(v, Classifier) for v in c):
        out = {}
        for v in c:
            key, i = v.name, 1
            while key in out:
                i += 1
                key = f"{v.name}#{i}"
            out[key] = v
    else:
        raise TypeError(f"{name}: expected an aswb.World, a Classifier, a non-empty list or a {{name: Classifier}} "
                        f"dict, got {_describe(classifiers)}")
    n = {v.num_classes for v in out.values()}
    if len(n) > 1:
        raise ValueError(f"{name}: the classifiers disagree on the number of classes: {sorted(n)}")
    return out


def classifier_list(classifiers, name: str = "classifiers") -> list:
    """:func:`classifier_dict`'s classifiers as a list."""
    return list(classifier_dict(classifiers, name).values())


def _channel_stats(v, name: str) -> torch.Tensor:
    try:
        t = torch.as_tensor(v, dtype=torch.float32).flatten()
    except (TypeError, ValueError, RuntimeError):
        t = None
    if t is None or t.numel() != 3 or not bool(torch.isfinite(t).all()):
        raise ValueError(f"Classifier: {name}: expected 3 finite per-channel values, got {_describe(v)}")
    return t


@torch.no_grad()
def predict(classifiers, x: torch.Tensor, batch: int = 64) -> torch.Tensor:
    """Class probabilities without gradients, in batches, averaged over classifiers.

    Args:
        classifiers: a Classifier, a list or a {name: Classifier} dict (one label space).
        x: (B, 3, H, W) float in [0, 1].
        batch: images per forward pass.
    Returns:
        (B, num_classes) float probabilities (rows sum to 1), on ``x``'s device.
    """
    clfs = classifier_list(classifiers)
    batch = positive_int(batch, "batch")
    starts = range(0, max(len(x), 1), batch)  # an empty x still reaches the classifier's own check
    out = [torch.cat([c.probs(x[i:i + batch].to(c.device)).to(x.device) for i in starts]) for c in clfs]
    return torch.stack(out).mean(0)
