"""The built-in toy world: procedural 3D objects of eight ImageNet-aligned classes and
small classifiers trained on their renders, so the workbench runs offline on any CPU.

- :data:`CLASSES`, :data:`IMAGENET_LABELS` (toy class -> ImageNet index)
- :func:`mesh` (procedural objects), :func:`render_views`, :func:`render_dataset`
- :data:`ARCHS` and :func:`classifier` (the shipped models in ``data/toyworld/``),
  :func:`train` to retrain them (``python -m aswb.toyworld train --arch resnet18``)
- :data:`DEFENSES`: training regimes (``none``, ``pgd``, ``localized``, ``shared``; see
  :mod:`aswb.toyworld.defenses`); ``classifier(arch, defense="pgd")`` loads a hardened model
"""
from __future__ import annotations

from .classifiers import available, checkpoint_path, classifier, data_dir
from .defenses import DEFENSES, Defense, defense
from .train import ARCHS, HELDOUT_SEEDS, MEAN, STD, TRAIN_SEEDS, build_net, model_name, save_classifier, train
from .world import (CLASSES, CONDITIONS, IMAGE_SIZE, IMAGENET_LABELS, Dataset, bank, expose, mesh, random_backgrounds,
                    render_dataset, render_views, sample_condition, sampler, sensor_noise)

__all__ = ["CLASSES", "IMAGENET_LABELS", "CONDITIONS", "ARCHS", "IMAGE_SIZE", "TRAIN_SEEDS", "HELDOUT_SEEDS",
           "mesh", "render_views", "render_dataset", "sample_condition", "random_backgrounds", "sensor_noise",
           "expose", "Dataset", "bank", "sampler",
           "classifier", "train", "save_classifier", "data_dir", "checkpoint_path", "DEFENSES", "Defense", "defense",
           "model_name", "available"]
