"""Reading classifier checkpoints offline: state dicts from files, fitted to the module built."""
from __future__ import annotations

import os
import pickle
import re
from collections.abc import Mapping
from pathlib import Path

import torch
import torchvision.models as tvm
from torch import nn

from .._checks import _describe

__all__ = ["WeightsNotFoundError"]


class WeightsNotFoundError(FileNotFoundError):
    """A pretrained checkpoint is not in the torch hub cache (nothing is downloaded).

    ``.filename`` is the full path where the file was expected.
    """

    def __init__(self, message: str, path: str | os.PathLike):
        super().__init__(message)
        self.filename = str(path)

    def __str__(self) -> str:
        return self.args[0]



# architectures whose plain build differs from what the checkpoints and wrapper need
_BUILD_KWARGS: dict[str, dict] = {
    # no auxiliary head (eval never uses it), our own normalisation, no slow scipy-style init
    "inception_v3": {"aux_logits": False, "init_weights": False, "transform_input": False},
    "googlenet": {"aux_logits": False, "init_weights": False, "transform_input": False},
}

# old DenseNet checkpoints (torchvision's included) name layers 'norm.1', 'conv.2', …
_DENSENET_OLD = re.compile(r"^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$")


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


def imagenet_categories() -> list[str]:
    """The 1000 ImageNet-1k class names in torchvision's order (index = logit index)."""
    return list(tvm.ResNet18_Weights.IMAGENET1K_V1.meta["categories"])
