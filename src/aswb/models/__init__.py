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
from .checkpoints import WeightsNotFoundError
from .classifier import Classifier, Ensemble, classifier_dict, classifier_list, predict
from .lite import LITE, load_lite
from .zoo import NAMES, ZOO, ZooEntry, imagenet_categories, load

__all__ = ["Classifier", "Ensemble", "predict", "classifier_dict", "classifier_list", "ZooEntry", "ZOO", "LITE", "NAMES", "load", "load_lite",
           "imagenet_categories", "WeightsNotFoundError"]
