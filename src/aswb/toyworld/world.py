"""The toy world: classes, meshes, viewing conditions, backgrounds and rendered datasets."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .._checks import _describe, positive_int
from ..render import Lights, Mesh, Scene, expose, sample_lights, sample_views
from ..render.camera import Cameras
from .meshes import BUILDERS

__all__ = ["CLASSES", "IMAGENET_LABELS", "CONDITIONS", "IMAGE_SIZE", "mesh", "sample_condition",
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


@dataclass(frozen=True)
class _Cond:
    """A viewing condition: camera and light ranges (degrees, scene units)."""

    views: tuple  # ((weight, dist, elev), ...) mixture of view regions
    ambient: tuple
    intensity: tuple
    light_elev: tuple
    color_jitter: float
    bg_gain: tuple = (1.0, 1.0)  # the background's exposure: a dim scene is dim everywhere
    noise: tuple = (0.0, 0.0)  # sensor noise sigma before auto-exposure (dim scenes are noisy)


_EASY_VIEWS = ((1.0, (2.3, 3.0), (0.0, 35.0)),)
_HARD_VIEWS = ((1.0, (2.3, 3.0), (-85.0, -45.0)),  # from below
               (1.0, (2.3, 3.0), (70.0, 89.0)),  # straight down
               (1.0, (1.15, 1.45), (-10.0, 45.0)),  # so close the object overfills the frame
               (1.0, (6.0, 8.0), (-10.0, 45.0)))  # far away: a few pixels tall
CONDITIONS: dict[str, _Cond] = {
    "easy": _Cond(_EASY_VIEWS, (0.35, 0.6), (0.4, 0.9), (20.0, 80.0), 0.1),
    "hard_view": _Cond(_HARD_VIEWS, (0.35, 0.6), (0.4, 0.9), (20.0, 80.0), 0.1),
    "hard_light": _Cond(_EASY_VIEWS, (0.02, 0.1), (0.15, 0.45), (-30.0, 5.0), 0.6, (0.08, 0.3), (0.02, 0.05)),
    "hard": _Cond(_HARD_VIEWS, (0.02, 0.1), (0.15, 0.45), (-30.0, 5.0), 0.6, (0.08, 0.3), (0.02, 0.05)),
}


def _check_class(name: str) -> str:
    if name not in CLASSES:
        raise ValueError(f"unknown toy class {name!r}; expected one of {list(CLASSES)}")
    return name


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed: expected an int, got {_describe(seed)}")
    if not 0 <= seed < 2**31:
        raise ValueError(f"seed: expected an int in [0, 2**31), got {seed}")
    return seed


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


def _condition(condition: str) -> _Cond:
    if condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}; expected one of {list(CONDITIONS)}")
    return CONDITIONS[condition]


def sample_condition(n: int, condition: str = "easy", generator: torch.Generator | None = None,
                     device=None) -> tuple[Cameras, Lights]:
    """``n`` cameras and lights drawn from a viewing condition.

    ``"easy"``: ordinary elevations and distances, moderate light. ``"hard_view"``: from
    below, straight down, very close or far. ``"hard_light"``: dim, grazing or from below,
    strongly tinted. ``"hard"``: both.
    """
    n = positive_int(n, "n")
    c = _condition(condition)
    w = torch.tensor([v[0] for v in c.views])
    region = torch.multinomial(w, n, replacement=True, generator=generator)
    eyes = []
    for _, dist, elev in c.views:
        eyes.append(sample_views(n, dist=dist, elev=elev, fov=FOV, generator=generator).eye)
    eye = torch.stack(eyes, 0)[region, torch.arange(n)]  # (n, 3) pick each view's region
    cams = Cameras.look_at(eye, fov=FOV, device=device)
    lights = sample_lights(n, ambient=c.ambient, intensity=c.intensity, elev=c.light_elev,
                           color_jitter=c.color_jitter, generator=generator, device=device)
    return cams, lights


def random_backgrounds(n: int, size: int = IMAGE_SIZE, generator: torch.Generator | None = None,
                       condition: str | None = None) -> torch.Tensor:
    """Varied backgrounds: solid colours, vertical gradients, smooth noise and soft stripes.

    With a ``condition`` whose light is dim, the backgrounds are dimmed alike (a dim scene).

    Returns:
        (n, size, size, 3) float32 in [0, 1].
    """
    n, size = positive_int(n, "n"), positive_int(size, "size")
    g = generator
    kind = torch.randint(0, 4, (n,), generator=g)
    c0 = torch.rand(n, 1, 1, 3, generator=g)
    c1 = torch.rand(n, 1, 1, 3, generator=g)
    y = torch.linspace(0, 1, size).view(1, size, 1, 1)
    x = torch.linspace(0, 1, size).view(1, 1, size, 1)
    grad = c0 * (1 - y) + c1 * y
    nz = torch.rand(n, 3, 6, 6, generator=g)
    nz = torch.nn.functional.interpolate(nz, size=(size, size), mode="bicubic", align_corners=False)
    nz = (c0 * 0.5 + 0.5 * nz.permute(0, 2, 3, 1)).clamp(0, 1)
    freq = 2 + 6 * torch.rand(n, 1, 1, 1, generator=g)
    stripe = c0 + (c1 - c0) * (0.5 + 0.5 * torch.sin(6.283 * freq * (x + 0.5 * y)))
    out = torch.where((kind == 0).view(n, 1, 1, 1), c0.expand(n, size, size, 3), grad)
    out = torch.where((kind == 2).view(n, 1, 1, 1), nz, out)
    out = torch.where((kind == 3).view(n, 1, 1, 1), stripe, out)
    if condition is not None:
        lo, hi = _condition(condition).bg_gain
        out = out * (lo + (hi - lo) * torch.rand(n, 1, 1, 1, generator=g))
    return out.clamp(0, 1).contiguous()


def sensor_noise(n: int, size: int, condition: str, generator: torch.Generator | None = None) -> torch.Tensor:
    """Sensor noise of a condition's camera: (n, size, size, 3) float32, Gaussian with a
    per-image sigma drawn from the condition's range (all zeros for bright conditions)."""
    lo, hi = _condition(condition).noise
    if hi == 0:
        return torch.zeros(n, size, size, 3)
    sigma = lo + (hi - lo) * torch.rand(n, 1, 1, 1, generator=generator)
    return sigma * torch.randn(n, size, size, 3, generator=generator)


def _draw_bank(mesh: Mesh, n: int, condition: str, generator, size: int, supersample: int):
    from ..evaluate import Bank

    cams, lights = sample_condition(n, condition, generator, device=mesh.device)
    bg = random_backgrounds(n, size, generator, condition).to(mesh.device)
    noise = sensor_noise(n, size, condition, generator).to(mesh.device)
    return Bank(Scene(mesh, cams, lights, image_size=size, background=bg, supersample=supersample),
                noise if bool(noise.any()) else None, condition)


def bank(mesh: Mesh, n: int, condition: str = "easy", seed: int = 0, size: int = IMAGE_SIZE, supersample: int = 2):
    """A fixed evaluation bank: ``n`` views, lights, backgrounds and camera noise of a condition.

    Returns:
        :class:`aswb.evaluate.Bank` whose ``render(texture=...)`` gives (n, size, size, 3).
    """
    if not isinstance(mesh, Mesh):
        raise TypeError(f"bank: expected a Mesh, got {_describe(mesh)}")
    return _draw_bank(mesh, positive_int(n, "n"), condition, torch.Generator().manual_seed(_check_seed(seed)),
                      size, supersample)


def sampler(mesh: Mesh, n: int, conditions=("easy", "hard"), seed: int = 0, size: int = IMAGE_SIZE,
            supersample: int = 2):
    """A :class:`aswb.signals.ViewSampler` drawing ``n`` fresh views each step, split evenly
    between ``conditions`` (EoT over easy and hard views and lights)."""
    from ..evaluate import Bank
    from ..render import Cameras, Lights
    from ..signals import ViewSampler

    conds = [conditions] if isinstance(conditions, str) else list(conditions)
    for c in conds:
        _condition(c)
    n = positive_int(n, "n")
    if n < len(conds):
        raise ValueError(f"sampler: n={n} views cannot be split between {len(conds)} conditions")

    def make(m, k, g):
        parts = [_draw_bank(m, k // len(conds) + (i < k % len(conds)), c, g, size, supersample) for i, c in enumerate(conds)]
        cams = Cameras(torch.cat([p.scene.cameras.eye for p in parts]), torch.cat([p.scene.cameras.R for p in parts]),
                       torch.cat([p.scene.cameras.fov for p in parts]), parts[0].scene.cameras.znear)
        lights = Lights(*(torch.cat([getattr(p.scene.lights, f) for p in parts]) for f in ("ambient", "direction",
                                                                                          "intensity", "color")))
        bg = torch.cat([torch.as_tensor(p.scene.background) for p in parts])
        noise = torch.cat([p.noise if p.noise is not None else torch.zeros(len(p), size, size, 3, device=m.device)
                           for p in parts])
        return Bank(Scene(m, cams, lights, size, background=bg, supersample=supersample), noise, "+".join(conds))

    return ViewSampler(mesh, n, make, seed)


def render_views(mesh: Mesh, n: int, condition: str = "easy", generator: torch.Generator | None = None,
                 size: int = IMAGE_SIZE, texture=None, vertex_colors=None, supersample: int = 2,
                 backgrounds: torch.Tensor | None = None) -> torch.Tensor:
    """Render ``n`` views of ``mesh`` drawn from a condition, over random backgrounds, through
    the condition's camera (sensor noise and auto-exposure in dim light, see :func:`expose`).

    Args:
        mesh: a mesh (e.g. :func:`mesh`).
        n: number of views.
        condition: ``"easy"``, ``"hard_view"``, ``"hard_light"`` or ``"hard"``.
        generator: CPU generator for views, lights and backgrounds (seeded -> same bytes).
        size: output side in pixels.
        texture / vertex_colors: colours to render instead of the mesh's own.
        backgrounds: (n, size, size, 3) in [0, 1], or None for :func:`random_backgrounds`.
    Returns:
        (n, size, size, 3) float32 images in [0, 1].
    """
    if not isinstance(mesh, Mesh):
        raise TypeError(f"render_views: expected a Mesh, got {_describe(mesh)}")
    cams, lights = sample_condition(n, condition, generator, device=mesh.device)
    if backgrounds is None:
        backgrounds = random_backgrounds(n, size, generator, condition).to(mesh.device)
    noise = sensor_noise(n, size, condition, generator).to(mesh.device)
    scene = Scene(mesh, cams, lights, image_size=size, background=backgrounds, supersample=supersample)
    return expose(scene.render(texture=texture, vertex_colors=vertex_colors), noise)


@dataclass(frozen=True)
class Dataset:
    """Rendered toy images.

    Fields:
        images: (N, S, S, 3) uint8.
        labels: (N,) int64 class indices into :data:`CLASSES`.
        seeds: (N,) int64 instance seed of each image.
        condition: the viewing condition.
    """

    images: torch.Tensor
    labels: torch.Tensor
    seeds: torch.Tensor
    condition: str

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def float_images(self, idx=slice(None)) -> torch.Tensor:
        """(n, 3, S, S) float32 in [0, 1] channels-first, ready for a classifier."""
        return self.images[idx].permute(0, 3, 1, 2).float() / 255


def render_dataset(seeds, views_per_instance: int = 16, condition: str = "easy", classes=CLASSES,
                   size: int = IMAGE_SIZE, seed: int = 0, progress: bool = False) -> Dataset:
    """Render ``views_per_instance`` views of every (class, instance seed).

    Args:
        seeds: iterable of instance seeds (use disjoint seeds for train and held-out sets).
        views_per_instance: views per object.
        condition: viewing condition of every view.
        classes: subset of :data:`CLASSES`.
        size: image side.
        seed: seed of the view/light/background sampler (same arguments -> same bytes).
    Returns:
        :class:`Dataset` with uint8 images.
    """
    from tqdm.auto import tqdm

    seeds = [_check_seed(s) for s in seeds]
    if not seeds:
        raise ValueError("render_dataset: expected at least one instance seed")
    classes = [_check_class(c) for c in classes]
    v = positive_int(views_per_instance, "views_per_instance")
    g = torch.Generator().manual_seed(_check_seed(seed))
    imgs, labels, inst = [], [], []
    jobs = [(c, s) for s in seeds for c in classes]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # many small ops: one thread is as fast idle and far faster on a busy machine
    try:
        for c, s in tqdm(jobs, disable=not progress, desc=f"render {condition}"):
            with torch.no_grad():
                im = render_views(mesh(c, s), v, condition, g, size)
            imgs.append((im * 255).round().to(torch.uint8))
            labels += [CLASSES.index(c)] * v
            inst += [s] * v
    finally:
        torch.set_num_threads(threads)
    return Dataset(torch.cat(imgs), torch.tensor(labels), torch.tensor(inst), condition)
