"""The toy world: classes, meshes, viewing conditions, backgrounds and rendered datasets."""
from __future__ import annotations

from dataclasses import dataclass

import torch
from tqdm.auto import tqdm

from .._checks import check_seed, positive_int
from ..attacks import background_mask
from ..render import Lights, Mesh, expose
from ..render.camera import Cameras
from ..views import STANDARD_CONDITIONS, ViewDistribution
from .meshes import BUILDERS

__all__ = ["CLASSES", "IMAGENET_LABELS", "CONDITIONS", "VIEWS", "IMAGE_SIZE", "mesh", "sample_condition",
           "random_backgrounds", "sensor_noise", "expose", "render_views", "render_dataset", "Dataset", "bank",
           "sampler"]

CLASSES: tuple[str, ...] = tuple(BUILDERS)
#: toy class -> ImageNet-1k index (checked against torchvision's category names in tests)
IMAGENET_LABELS: dict[str, int] = {
    "jeep": 609, "airliner": 404, "container_ship": 510, "streetcar": 829,
    "traffic_light": 920, "folding_chair": 559, "dining_table": 532, "table_lamp": 846,
}
IMAGE_SIZE = 64  # renders the shipped toy classifiers are trained on
FOV = 45.0


#: the four standard viewing conditions (defined in :mod:`aswb.views`, shared by every world)
CONDITIONS = STANDARD_CONDITIONS
#: the toy world's view distribution at 64 px
VIEWS = ViewDistribution(CONDITIONS, IMAGE_SIZE, 2, FOV)


def _check_class(name: str) -> str:
    if name not in CLASSES:
        raise ValueError(f"unknown toy class {name!r}; expected one of {list(CLASSES)}")
    return name


_check_seed = check_seed


def mesh(name: str, seed: int = 0) -> Mesh:
    """A procedural toy object.

    Args:
        name: one of :data:`CLASSES`.
        seed: instance seed (proportions, part counts, colours, patterns); ints in [0, 2**31).
    Returns:
        Mesh normalised to a unit bounding sphere, y up, front towards +x, with one
        (256, 256, 3) atlas texture, UVs in [0, 1] and named part masks.
    """
    _check_class(name)
    seed = _check_seed(seed)
    g = torch.Generator().manual_seed(seed * 1009 + CLASSES.index(name))
    return BUILDERS[name](g)


def _views(size: int, supersample: int = 2) -> ViewDistribution:
    return VIEWS if (size, supersample) == (IMAGE_SIZE, 2) else ViewDistribution(CONDITIONS, size, supersample, FOV)


def sample_condition(n: int, condition: str = "easy", generator: torch.Generator | None = None,
                     device=None) -> tuple[Cameras, Lights]:
    """``n`` cameras and lights drawn from a toy viewing condition (see :mod:`aswb.views`):
    ``"easy"``, ``"hard_view"`` (from below, straight down, very close or far), ``"hard_light"``
    (dim, grazing or from below, strongly tinted) or ``"hard"`` (both)."""
    return VIEWS.sample(n, condition, generator, device)


def random_backgrounds(n: int, size: int = IMAGE_SIZE, generator: torch.Generator | None = None,
                       condition: str | None = None) -> torch.Tensor:
    """Varied backgrounds, (n, size, size, 3) float32 in [0, 1] (see :meth:`ViewDistribution.backgrounds`)."""
    return VIEWS.backgrounds(n, generator, condition, size)


def sensor_noise(n: int, size: int, condition: str, generator: torch.Generator | None = None) -> torch.Tensor:
    """Sensor noise of a condition's camera, (n, size, size, 3) float32 (see :meth:`ViewDistribution.noise`)."""
    return VIEWS.noise(n, condition, generator, size)


def bank(mesh: Mesh, n: int, condition: str = "easy", seed: int = 0, size: int = IMAGE_SIZE, supersample: int = 2):
    """A fixed evaluation bank: ``n`` views, lights, backgrounds and camera noise of a condition.

    Returns:
        :class:`aswb.evaluate.ViewBank` whose ``render(texture=...)`` gives (n, size, size, 3).
    """
    return _views(size, supersample).bank(mesh, n, condition, seed)


def sampler(mesh: Mesh, n: int, conditions=("easy", "hard"), seed: int = 0, size: int = IMAGE_SIZE,
            supersample: int = 2):
    """A :class:`aswb.signals.ViewSampler` drawing ``n`` fresh views each step, split evenly
    between ``conditions`` (EoT over easy and hard views and lights)."""
    return _views(size, supersample).sampler(mesh, n, conditions, seed)


def render_views(mesh: Mesh, n: int, condition: str = "easy", generator: torch.Generator | None = None,
                 size: int = IMAGE_SIZE, texture=None, vertex_colors=None, supersample: int = 2,
                 backgrounds: torch.Tensor | None = None, return_coverage: bool = False):
    """Render ``n`` views of ``mesh`` drawn from a toy condition (see :meth:`ViewDistribution.render`).

    Returns:
        (n, size, size, 3) float32 images in [0, 1]; with ``return_coverage`` also the object
        coverage (n, size, size) float32 in [0, 1].
    """
    return _views(size, supersample).render(mesh, n, condition, generator, size, texture, vertex_colors, backgrounds,
                                            return_coverage)


@dataclass(frozen=True)
class Dataset:
    """Rendered toy images.

    Fields:
        images: (N, S, S, 3) uint8.
        labels: (N,) int64 class indices into :data:`CLASSES`.
        seeds: (N,) int64 instance seed of each image.
        condition: the viewing condition.
        background: (N, S, S) bool, True where no face was rasterised (``masks=True``), or None.
    """

    images: torch.Tensor
    labels: torch.Tensor
    seeds: torch.Tensor
    condition: str
    background: torch.Tensor | None = None

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def float_images(self, idx=slice(None)) -> torch.Tensor:
        """(n, 3, S, S) float32 in [0, 1] channels-first, ready for a classifier."""
        return self.images[idx].permute(0, 3, 1, 2).float() / 255


def render_dataset(seeds, views_per_instance: int = 16, condition: str = "easy", classes=CLASSES,
                   size: int = IMAGE_SIZE, seed: int = 0, progress: bool = False, masks: bool = False) -> Dataset:
    """Render ``views_per_instance`` views of every (class, instance seed).

    Args:
        seeds: iterable of instance seeds (use disjoint seeds for train and held-out sets).
        views_per_instance: views per object.
        condition: viewing condition of every view.
        classes: subset of :data:`CLASSES`.
        size: image side.
        seed: seed of the view/light/background sampler (same arguments -> same bytes).
        masks: also keep each image's background mask (for localized adversarial training);
            the images are the same either way.
    Returns:
        :class:`Dataset` with uint8 images.
    """


    seeds = [_check_seed(s) for s in seeds]
    if not seeds:
        raise ValueError("render_dataset: expected at least one instance seed")
    classes = [_check_class(c) for c in classes]
    v = positive_int(views_per_instance, "views_per_instance")
    g = torch.Generator().manual_seed(_check_seed(seed))
    imgs, labels, inst, bgs = [], [], [], []
    jobs = [(c, s) for s in seeds for c in classes]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # many small ops: one thread is as fast idle and far faster on a busy machine
    try:
        for c, s in tqdm(jobs, disable=not progress, desc=f"render {condition}"):
            with torch.no_grad():
                out = render_views(mesh(c, s), v, condition, g, size, return_coverage=masks)
            im = out[0] if masks else out
            imgs.append((im * 255).round().to(torch.uint8))
            if masks:
                bgs.append(background_mask(out[1]))
            labels += [CLASSES.index(c)] * v
            inst += [s] * v
    finally:
        torch.set_num_threads(threads)
    return Dataset(torch.cat(imgs), torch.tensor(labels), torch.tensor(inst), condition,
                   torch.cat(bgs) if masks else None)
