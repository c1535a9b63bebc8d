"""A live panel for 2D assistive perturbations."""
from __future__ import annotations

import time

import torch

from .._checks import _describe, check_image, class_labels, positive_int
from ..models import classifier_dict
from ..signals import assist_image, attack_image
from ..signals.regions import MASK_MODES, image_region_mask, square_mask
from ._base import _ALL, _caption, _Panel, _png, _widgets, class_index

__all__ = ["PerturbationPanel", "perturbation_panel"]

_EPS_SLIDER = {"linf": ("ε (/255)", 0.0, 32.0, 0.5, ".1f"), "l2": ("ε (L2)", 0.0, 5.0, 0.05, ".2f")}


class PerturbationPanel(_Panel):
    """2D assistive (or adversarial) perturbations with live controls; see :func:`perturbation_panel`.

    Controls (ipywidgets, attributes): ``eps`` (L∞: 1/255 units; L2: absolute), ``steps``,
    ``alpha`` (step size in units of ε/steps), ``region`` (area of the square), ``region_x`` /
    ``region_y`` (its centre, fractions of width and height),
    ``mode`` (:data:`MASK_MODES`), ``classifier``, ``norm`` (``"linf"``/``"l2"``),
    ``direction`` (``"assist"``/``"attack"``).
    Display: ``images`` / ``captions`` (3 rows — original, δ, result — of B widgets each),
    ``summary`` (mean p_true before → after), ``status`` (settings, time, errors).
    After :meth:`update`: ``result`` (the :class:`~aswb.signals.SignalResult`), ``p_before`` /
    ``p_after`` ((B,) true-class probability) and ``last_update_s``.
    """

    ROWS = ("original", "δ", "result")

    def __init__(self, world_or_classifiers, images: torch.Tensor, labels, object_mask=None, eps: float = 8.0,
                 eps_l2: float = 1.0, steps: int = 5, alpha: float = 2.5, norm: str = "linf", mode: str = "full",
                 region: float = 0.25, region_center=(0.5, 0.5), direction: str = "assist",
                 classifier: str | None = None,
                 cell_px: int = 96, seed: int = 0):
        W = _widgets()
        self.classifiers = classifier_dict(world_or_classifiers, "world_or_classifiers")
        x = self._images(images)
        B, _, H, Wd = x.shape
        self.x = x.detach()
        first = next(iter(self.classifiers.values()))
        self.labels = class_labels(class_index(world_or_classifiers, labels), B, first.num_classes, x.device)
        self.object_mask = self._object_mask(object_mask, B, H, Wd)
        modes = MASK_MODES if self.object_mask is not None else MASK_MODES[:2]
        if mode not in modes:
            raise ValueError(f"mode: expected one of {modes}, got {mode!r}"
                             + ("" if self.object_mask is not None else " (object/background need object_mask)"))
        if norm not in _EPS_SLIDER:
            raise ValueError(f"norm: expected one of {tuple(_EPS_SLIDER)}, got {norm!r}")
        if direction not in ("assist", "attack"):
            raise ValueError(f"direction: expected 'assist' or 'attack', got {direction!r}")
        names = list(self.classifiers) + ([_ALL] if len(self.classifiers) > 1 else [])
        classifier = names[0] if classifier is None else classifier
        if classifier not in names:
            raise ValueError(f"classifier: expected one of {names}, got {classifier!r}")
        self._eps_memory = {"linf": float(eps), "l2": float(eps_l2)}
        for n, v in self._eps_memory.items():
            lo, hi = _EPS_SLIDER[n][1:3]
            if not lo <= v <= hi:
                raise ValueError(f"{'eps' if n == 'linf' else 'eps_l2'}: expected a value in [{lo}, {hi}], got {v}")
        square_mask(8, 0.25, center=region_center)  # validates the centre
        for n, v, lo, hi in (("alpha", alpha, 0.25, 6.0), ("region", region, 0.05, 1.0)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
                raise ValueError(f"{n}: expected a number in [{lo}, {hi}], got {v!r}")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"seed: expected an int, got {_describe(seed)}")
        self.cell_px, self.seed = positive_int(cell_px, "cell_px"), seed

        style = {"description_width": "initial"}
        self.eps = W.FloatSlider(continuous_update=False, style=style)
        self.eps.add_class("aswb-eps")
        self.steps = W.IntSlider(value=positive_int(steps, "steps"), min=1, max=max(50, steps),
                                 description="steps", continuous_update=False, style=style)
        self.alpha = W.FloatSlider(value=alpha, min=0.25, max=6.0, step=0.25, description="α (ε/steps)",
                                   continuous_update=False, style=style)
        self.region = W.FloatSlider(value=region, min=0.05, max=1.0, step=0.05, description="region area",
                                    continuous_update=False, style=style)
        self.region_x = W.FloatSlider(value=float(region_center[0]), min=0.0, max=1.0, step=0.05,
                                      description="region x", continuous_update=False, style=style)
        self.region_y = W.FloatSlider(value=float(region_center[1]), min=0.0, max=1.0, step=0.05,
                                      description="region y", continuous_update=False, style=style)
        self.mode = W.Dropdown(options=list(modes), value=mode, description="mask", style=style)
        self.classifier = W.Dropdown(options=names, value=classifier, description="classifier", style=style)
        self.norm = W.ToggleButtons(options=[("L∞", "linf"), ("L2", "l2")], value=norm, description="norm",
                                    style={"button_width": "48px"})
        self.direction = W.ToggleButtons(options=["assist", "attack"], value=direction, description="direction",
                                         style={"button_width": "64px"})
        self.summary = W.HTML()
        self.summary.add_class("aswb-summary")
        self.status = W.HTML()
        self.status.add_class("aswb-status")
        self.images = [[W.Image(format="png") for _ in range(B)] for _ in self.ROWS]
        self.captions = [[W.HTML() for _ in range(B)] for _ in self.ROWS]
        self._set_eps_slider(norm)
        self._sync_enabled()

        grid = W.GridBox([c for i, r in enumerate(self.ROWS) for c in  # one row per ROWS entry: name, B cells
                          [W.HTML(f"<b>{r}</b>")] + [W.VBox([img, cap]) for img, cap in
                                                     zip(self.images[i], self.captions[i])]],
                         layout=W.Layout(grid_template_columns=f"60px repeat({B}, {self.cell_px + 8}px)",
                                         grid_gap="2px"))
        controls = W.HBox([W.VBox([self.eps, self.steps, self.alpha]),
                           W.VBox([self.mode, self.region, self.region_x, self.region_y]),
                           W.VBox([self.classifier, self.norm, self.direction])])
        self.widget = W.VBox([controls, self.summary, grid, self.status])
        self.widget.add_class("aswb-perturbation-panel")
        self.norm.observe(self._on_norm, names="value")
        self.mode.observe(lambda _: self._sync_enabled(), names="value")
        self._watch([self.eps, self.steps, self.alpha, self.region, self.region_x, self.region_y, self.mode,
                     self.classifier, self.norm, self.direction])
        self.result = None
        self.update()

    # -- inputs
    @staticmethod
    def _images(images) -> torch.Tensor:
        if isinstance(images, torch.Tensor) and images.dim() == 4 and images.shape[1] != 3 and images.shape[-1] == 3:
            images = images.permute(0, 3, 1, 2)  # (B, H, W, 3) -> (B, 3, H, W)
        return check_image(images, "images", channels_last=False)

    @staticmethod
    def _object_mask(m, B, H, W):
        if m is None:
            return None
        if not isinstance(m, torch.Tensor) or m.dtype != torch.bool:
            raise TypeError(f"object_mask: expected a bool tensor (H, W) or (B, H, W) "
                            f"(e.g. bank.scene.mask > 0.5), got {_describe(m)}")
        if tuple(m.shape) not in ((H, W), (B, H, W)):
            raise ValueError(f"object_mask: expected shape ({H}, {W}) or ({B}, {H}, {W}), got {tuple(m.shape)}")
        return m

    # -- control logic
    def _set_eps_slider(self, norm: str) -> None:
        desc, lo, hi, step, fmt = _EPS_SLIDER[norm]
        with self.eps.hold_trait_notifications():
            self.eps.description, self.eps.step, self.eps.readout_format = desc, step, fmt
            self.eps.min, self.eps.max = lo, hi
            self.eps.value = self._eps_memory[norm]

    def _on_norm(self, change) -> None:
        self._eps_memory[change.old] = self.eps.value
        with self.held():  # the norm's own change re-runs the panel; the slider's must not again
            self._set_eps_slider(change.new)

    def _sync_enabled(self) -> None:
        self.region.disabled = self.region_x.disabled = self.region_y.disabled = self.mode.value != "region"

    def eps_value(self) -> float:
        """The budget ε the slider stands for (L∞: ``value / 255``; L2: ``value``)."""
        return self.eps.value / 255 if self.norm.value == "linf" else float(self.eps.value)

    def mask(self) -> torch.Tensor | None:
        """The current pixel mask: None (full), (H, W) or (B, H, W) bool."""
        return image_region_mask(self.mode.value, tuple(self.x.shape[-2:]), self.region.value, self.object_mask,
                                 center=(self.region_x.value, self.region_y.value))

    def selected(self) -> list:
        """The classifiers the dropdown selects (all of them for "all (mean)")."""
        v = self.classifier.value
        return list(self.classifiers.values()) if v == _ALL else [self.classifiers[v]]

    # -- compute and draw
    def update(self) -> None:
        """Re-run the optimisation with the current controls and redraw images, captions and summary."""
        t0 = time.perf_counter()
        eps, steps, norm = self.eps_value(), self.steps.value, self.norm.value
        alpha = self.alpha.value * eps / steps if eps > 0 else None
        attack = self.direction.value == "attack"
        fn = attack_image if attack else assist_image
        r = fn(self.selected(), self.x, self.labels, eps=eps, alpha=alpha, steps=steps, norm=norm,
               mask=self.mask(), seed=self.seed, progress=False)  # an update is short: no bar flashing by
        idx = torch.arange(len(self.labels))
        pb, pa = r.extra["before"][idx, self.labels].cpu(), r.extra["after"][idx, self.labels].cpu()
        okb = (r.extra["before"].argmax(1) == self.labels).cpu()
        oka = (r.extra["after"].argmax(1) == self.labels).cpu()
        d = r.signal.detach()  # (B, 3, H, W)
        dist = d.flatten(1).abs().amax(1) * 255 if norm == "linf" else d.flatten(1).norm(dim=1)
        scale = d.flatten(1).abs().amax(1).clamp_min(1e-12).view(-1, 1, 1, 1)
        rows = (self.x, 0.5 + 0.5 * d / scale, r.extra["images"])  # δ shown at its own scale, grey = 0
        texts = ([f"{p:.3f}{'' if ok else ' ✗'}" for p, ok in zip(pb.tolist(), okb.tolist())],
                 [f"‖δ‖∞ {v:.1f}/255" if norm == "linf" else f"‖δ‖₂ {v:.2f}" for v in dist.tolist()],
                 [f"{p:.3f}{'' if ok else ' ✗'}" for p, ok in zip(pa.tolist(), oka.tolist())])
        for i, imgs in enumerate(rows):
            hwc = imgs.detach().permute(0, 2, 3, 1).cpu()  # (B, H, W, 3)
            for b in range(len(hwc)):
                self.images[i][b].value = _png(hwc[b], self.cell_px)
                self.captions[i][b].value = _caption(texts[i][b])
        self.result, self.p_before, self.p_after = r, pb, pa
        self.summary.value = (f'<span class="aswb-ptrue">mean p_true {pb.mean():.3f} → {pa.mean():.3f}</span>'
                              f" &nbsp; accuracy {okb.float().mean():.2f} → {oka.float().mean():.2f}"
                              " &nbsp; (✗ = wrong prediction)")
        self.last_update_s = time.perf_counter() - t0
        unit = f"{self.eps.value:g}/255" if norm == "linf" else f"{eps:g}"
        self.status.value = (f"{self.direction.value} · {self.classifier.value} · {norm} ε={unit} · {steps} steps · "
                             f"mask {self.mode.value} · {self.last_update_s:.2f} s")


def perturbation_panel(world_or_classifiers, images: torch.Tensor, labels, object_mask=None,
                       **kwargs) -> PerturbationPanel:
    """A live panel for 2D assistive perturbations (:func:`aswb.signals.assist_image`).

    Args:
        world_or_classifiers: an :class:`aswb.World`, a Classifier, a list or a {name: Classifier}
            dict; the dropdown picks one (or, with several, "all (mean)").
        images: (B, 3, H, W) (or (B, H, W, 3)) float32 in [0, 1], e.g. ``bank.render()``; keep B
            small (≤ 8) and H, W at the classifiers' resolution for updates under a second or two.
        labels: true labels: an int, an int64 (B,) tensor, or a class name when given a World.
        object_mask: (H, W) or (B, H, W) bool, True on the object (``bank.scene.mask > 0.5``);
            enables the ``"object"`` and ``"background"`` mask modes.
        **kwargs: starting values: ``eps`` (L∞ in 1/255, default 8), ``eps_l2`` (default 1.0),
            ``steps`` (5), ``alpha`` (2.5, in units of ε/steps), ``norm`` ("linf"), ``mode``
            ("full"), ``region`` (0.25), ``region_center`` ((0.5, 0.5): x, y fractions), ``direction``
            ("assist"), ``classifier`` (first name), ``cell_px`` (96, displayed image size), ``seed`` (0, random start of attacks).
    Returns:
        a :class:`PerturbationPanel` (display it; its controls are attributes).
    Raises:
        TypeError / ValueError: inputs of the wrong type, shape or range, unknown option values.
    """
    return PerturbationPanel(world_or_classifiers, images, labels, object_mask, **kwargs)
