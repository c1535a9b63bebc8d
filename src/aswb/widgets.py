"""Interactive panels for JupyterLab: sliders wired to package functions, nothing more.

- :func:`perturbation_panel`: ε, steps, α, mask, norm, direction and classifier controls that
  re-run :func:`aswb.signals.assist_image` (or :func:`~aswb.signals.attack_image`) and show
  original, δ and result with p_true under each image.
- :func:`texture_panel`: orbit a textured object (view and light sliders) and compare p_true of
  the original and the assistive texture.
- :func:`square_mask`, :func:`image_region_mask`: the panels' pixel masks.

Each panel is an object whose controls are attributes (``panel.eps``, ``panel.azim`` ...) and
whose :meth:`update` recomputes and redraws; a control change calls it. Displaying the panel
(last expression of a cell) shows ``panel.widget``. Without a browser, tests set
``panel.eps.value = ...`` and read ``panel.summary.value``.
"""
from __future__ import annotations

import contextlib
import html
import io
import time

import torch

from ._checks import _describe, check_image, positive_int

__all__ = ["PerturbationPanel", "perturbation_panel", "TexturePanel", "texture_panel", "square_mask",
           "image_region_mask", "MASK_MODES"]

#: mask modes of :func:`image_region_mask`; "object"/"background" need an object mask
MASK_MODES = ("full", "region", "object", "background")
_ALL = "all (mean)"
#: ε slider per norm: (description, min, max, step, readout format); L-inf in 1/255 units, L2 absolute
_EPS_SLIDER = {"linf": ("ε (/255)", 0.0, 32.0, 0.5, ".1f"), "l2": ("ε (L2)", 0.0, 5.0, 0.05, ".2f")}


def _widgets():
    try:
        import ipywidgets
    except ImportError as e:  # pragma: no cover - a dependency of aswb
        raise ImportError("aswb.widgets needs ipywidgets: pip install 'ipywidgets>=8.1'") from e
    return ipywidgets


def _classifier_dict(world_or_classifiers) -> dict:
    """{name: Classifier} from a World, a Classifier, a list or a dict of them."""
    from .models import Classifier
    from .world import World

    c = world_or_classifiers
    if isinstance(c, World):
        c = c.classifiers
    if isinstance(c, Classifier):
        c = {c.name: c}
    elif isinstance(c, (list, tuple)) and all(isinstance(k, Classifier) for k in c):
        c = {k.name: k for k in c}
    if not isinstance(c, dict) or not c or not all(isinstance(k, Classifier) for k in c.values()):
        raise TypeError("expected an aswb.World, a Classifier, a non-empty list or a {name: Classifier} dict, "
                        f"got {_describe(world_or_classifiers)}")
    n = {k.num_classes for k in c.values()}
    if len(n) > 1:
        raise ValueError(f"classifiers disagree on the number of classes: {sorted(n)}")
    return dict(c)


def _label(world_or_classifiers, label) -> int | torch.Tensor:
    """A class name (with a World) becomes its index; ints and tensors pass through."""
    from .world import World

    if isinstance(label, str):
        if not isinstance(world_or_classifiers, World):
            raise TypeError(f"labels: a class name ({label!r}) needs an aswb.World; give class indices instead")
        return world_or_classifiers.label(label)
    return label


def square_mask(size, fraction: float, device=None, center=(0.5, 0.5)) -> torch.Tensor:
    """A square covering ``fraction`` of an image's area, centred at ``center``.

    Args:
        size: ``int`` or ``(H, W)``; the square's side is ``round(sqrt(fraction) * min(H, W))`` (>= 1 px).
        fraction: area fraction in (0, 1].
        device: torch device of the mask.
        center: ``(x, y)`` of the square's centre as fractions of the width and height, each in
            [0, 1] (``(0.5, 0.5)``: the image centre; ``(0, 0)``: the top-left corner). The square is
            shifted to lie wholly inside the image, so its area never shrinks.
    Returns:
        (H, W) bool mask.
    """
    from ._checks import image_size

    H, W = image_size(size, "size")
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < fraction <= 1:
        raise ValueError(f"fraction: expected an area fraction in (0, 1], got {fraction!r}")
    try:
        cx, cy = (float(c) for c in center)
        ok = all(not isinstance(c, bool) for c in center) and 0 <= cx <= 1 and 0 <= cy <= 1
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"center: expected (x, y) fractions of the width and height in [0, 1], got {center!r}")
    s = max(1, round(fraction ** 0.5 * min(H, W)))
    top = min(max(round(cy * H - s / 2), 0), H - s)
    left = min(max(round(cx * W - s / 2), 0), W - s)
    m = torch.zeros(H, W, dtype=torch.bool, device=device)
    m[top:top + s, left:left + s] = True
    return m


def image_region_mask(mode: str, size, fraction: float = 0.25, object_mask: torch.Tensor | None = None,
                      center=(0.5, 0.5)):
    """The pixels a perturbation may change.

    Args:
        mode: ``"full"`` (None: every pixel), ``"region"`` (a square at ``center``, see :func:`square_mask`),
            ``"object"`` or ``"background"`` (the object mask or its complement).
        size: ``int`` or ``(H, W)``.
        fraction: area of the ``"region"`` square in (0, 1].
        object_mask: (H, W) or (B, H, W) bool, True on the object (e.g. ``bank.scene.mask > 0.5``).
        center: ``(x, y)`` centre of the ``"region"`` square, fractions of width and height in [0, 1].
    Returns:
        None for ``"full"``, else an (H, W) or (B, H, W) bool mask for :func:`aswb.signals.assist_image`.
    """
    if mode not in MASK_MODES:
        raise ValueError(f"mode: expected one of {MASK_MODES}, got {mode!r}")
    if mode == "full":
        return None
    if mode == "region":
        dev = None if object_mask is None else object_mask.device
        return square_mask(size, fraction, device=dev, center=center)
    if object_mask is None:
        raise ValueError(f"mode={mode!r} needs an object_mask (e.g. bank.scene.mask > 0.5)")
    return object_mask if mode == "object" else ~object_mask


def _png(img: torch.Tensor, px: int) -> bytes:
    """(H, W, 3) float in [0, 1] -> PNG bytes, upscaled (nearest) to ``px`` on the long side."""
    from PIL import Image

    a = (img.detach().cpu().clamp(0, 1) * 255).round().to(torch.uint8).numpy()
    im = Image.fromarray(a)
    H, W = a.shape[:2]
    s = px / max(H, W)
    if s != 1:
        im = im.resize((max(1, round(W * s)), max(1, round(H * s))), Image.NEAREST)
    buf = io.BytesIO()
    im.save(buf, format="png")
    return buf.getvalue()


def _caption(text: str, cls: str = "") -> str:
    return (f'<div class="aswb-caption {cls}" style="text-align:center;font-family:monospace;font-size:11px;'
            f'white-space:nowrap">{html.escape(text)}</div>')


class _Panel:
    """Shared plumbing: display, observers, error reporting."""

    widget = None
    _hold = False

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    @contextlib.contextmanager
    def held(self):
        """Change several controls at once: inside ``with panel.held():`` no change re-runs the
        panel (call :meth:`update` after the block). Nests; the previous state is restored."""
        prev, self._hold = self._hold, True
        try:
            yield self
        finally:
            self._hold = prev

    def _watch(self, controls) -> None:
        for c in controls:
            c.observe(self._on_change, names="value")

    def _on_change(self, change) -> None:
        if self._hold:
            return
        try:
            self.update()
        except ValueError as e:  # e.g. an empty mask: show it where the user looks; update() itself raises
            self.status.value = f'<span style="color:#b00">⚠ {html.escape(str(e))}</span>'


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
        from .signals.image import _labels

        W = _widgets()
        self.classifiers = _classifier_dict(world_or_classifiers)
        x = self._images(images)
        B, _, H, Wd = x.shape
        self.x = x.detach()
        first = next(iter(self.classifiers.values()))
        self.labels = _labels(_label(world_or_classifiers, labels), B, first.num_classes, x.device)
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
        from .signals import assist_image, attack_image

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


class TexturePanel(_Panel):
    """Orbit a mesh with its original and its assistive colours; see :func:`texture_panel`.

    Controls (attributes): ``azim``, ``elev`` (degrees), ``dist`` (scene units), ``light_elev``,
    ``light_azim`` (degrees, direction towards the light), ``intensity`` (directional light),
    ``classifier``. Display: ``images`` / ``captions`` (original, textured), ``summary``, ``status``.
    After :meth:`update`: ``renders`` (2, H, W, 3) float32 in [0, 1] (original, textured),
    ``p_true`` (2,) and ``last_update_s``.
    """

    COLUMNS = ("original", "assistive")

    def __init__(self, world, mesh, texture_or_result, label=None, kind: str | None = None, azim: float = 30.0,
                 elev: float = 15.0, dist: float = 2.6, light_elev: float = 45.0, light_azim: float = 30.0,
                 intensity: float = 0.7, ambient: float = 0.4, background=(0.5, 0.5, 0.5), fov: float = 45.0,
                 image_size: int | None = None, classifier: str | None = None, cell_px: int = 192):
        from .render import Mesh
        from .signals import SignalResult, texture_original
        from .signals.texture import check_label
        from .world import World

        W = _widgets()
        if not isinstance(world, World):
            raise TypeError(f"texture_panel: expected an aswb.World (classifiers and render size), got {_describe(world)}")
        if not isinstance(mesh, Mesh):
            raise TypeError(f"texture_panel: expected an aswb.render.Mesh, got {_describe(mesh)}")
        self.world, self.mesh = world, mesh
        self.classifiers = _classifier_dict(world)
        t = texture_or_result
        if isinstance(t, SignalResult):
            if t.kind not in ("uv", "vertex"):
                raise ValueError(f"texture_or_result: expected a 'uv' or 'vertex' result, got kind {t.kind!r}")
            if kind is not None and kind != t.kind:
                raise ValueError(f"kind={kind!r} disagrees with the result's kind {t.kind!r}")
            kind, signal, original = t.kind, t.signal, t.original
            label = t.settings.get("label") if label is None else label
        elif isinstance(t, torch.Tensor):
            kind = kind or ("vertex" if t.dim() == 2 else "uv")
            original = texture_original(mesh, kind)
            signal = t
        else:
            raise TypeError(f"texture_or_result: expected a SignalResult or a texture tensor "
                            f"((Ht, Wt, 3) uv or (V, 3) vertex colours), got {_describe(t)}")
        if not isinstance(signal, torch.Tensor) or tuple(signal.shape) != tuple(original.shape):
            raise ValueError(f"texture: expected shape {tuple(original.shape)} for kind {kind!r} on this mesh, "
                             f"got {_describe(signal)}")
        if label is None:
            raise ValueError("label: give the true class (a name such as 'jeep' or an index)")
        first = next(iter(self.classifiers.values()))
        self.label = check_label(_label(world, label), first.num_classes)
        self.kind = kind
        dev = mesh.device
        self.colorings = (original.detach().to(dev), signal.detach().to(dev))
        self.ambient, self.background, self.fov = ambient, background, fov
        self.image_size = world.image_size if image_size is None else positive_int(image_size, "image_size")
        names = list(self.classifiers) + ([_ALL] if len(self.classifiers) > 1 else [])
        classifier = names[0] if classifier is None else classifier
        if classifier not in names:
            raise ValueError(f"classifier: expected one of {names}, got {classifier!r}")
        self.cell_px = positive_int(cell_px, "cell_px")

        style = {"description_width": "initial"}
        s = lambda v, lo, hi, step, desc: W.FloatSlider(value=v, min=lo, max=hi, step=step, description=desc,  # noqa
                                                       continuous_update=False, style=style)
        self.azim = s(azim, -180.0, 180.0, 5.0, "azimuth °")
        self.elev = s(elev, -89.0, 89.0, 1.0, "elevation °")
        self.dist = s(dist, 1.2, 8.0, 0.1, "distance")
        self.light_elev = s(light_elev, -90.0, 90.0, 5.0, "light elevation °")
        self.light_azim = s(light_azim, -180.0, 180.0, 5.0, "light azimuth °")
        self.intensity = s(intensity, 0.0, 1.5, 0.05, "light intensity")
        self.classifier = W.Dropdown(options=names, value=classifier, description="classifier", style=style)
        self.summary = W.HTML()
        self.summary.add_class("aswb-summary")
        self.status = W.HTML()
        self.status.add_class("aswb-status")
        self.images = [W.Image(format="png") for _ in self.COLUMNS]
        self.captions = [W.HTML() for _ in self.COLUMNS]
        controls = W.HBox([W.VBox([self.azim, self.elev, self.dist]),
                           W.VBox([self.light_elev, self.light_azim, self.intensity]), W.VBox([self.classifier])])
        views = W.HBox([W.VBox([W.HTML(f"<b>{c}</b>"), img, cap])
                        for c, img, cap in zip(self.COLUMNS, self.images, self.captions)])
        self.widget = W.VBox([controls, self.summary, views, self.status])
        self.widget.add_class("aswb-texture-panel")
        self._watch([self.azim, self.elev, self.dist, self.light_elev, self.light_azim, self.intensity,
                     self.classifier])
        self.update()

    def scene(self):
        """The :class:`~aswb.render.Scene` of the current view and light (one camera)."""
        from .render import Cameras, Lights, Scene, view_eye

        dev = self.mesh.device
        eye = view_eye(self.dist.value, self.elev.value, self.azim.value)  # (1, 3)
        cams = Cameras.look_at(eye, fov=self.fov, device=dev)
        lights = Lights(ambient=self.ambient, direction=view_eye(1.0, self.light_elev.value, self.light_azim.value)[0],
                        intensity=self.intensity.value).to(dev)
        return Scene(self.mesh, cams, lights, image_size=self.image_size, background=self.background,
                     supersample=self.world.supersample)

    @torch.no_grad()
    def update(self) -> None:
        """Render both colourings from the current view and light, classify and redraw."""
        t0 = time.perf_counter()
        sc = self.scene()
        key = "texture" if self.kind == "uv" else "vertex_colors"
        img = torch.cat([sc.render(**{key: c}) for c in self.colorings])  # (2, H, W, 3)
        x = img.permute(0, 3, 1, 2)  # (2, 3, H, W)
        v = self.classifier.value
        clfs = list(self.classifiers.values()) if v == _ALL else [self.classifiers[v]]
        probs = torch.stack([c.probs(x.to(c.device)).cpu() for c in clfs]).mean(0)  # (2, C)
        p = probs[:, self.label]
        pred = probs.argmax(1)
        cats = next(iter(self.classifiers.values())).categories
        for i in range(2):
            self.images[i].value = _png(img[i], self.cell_px)
            self.captions[i].value = _caption(f"p_true {p[i]:.3f} · pred {cats[int(pred[i])]}")
        self.renders, self.p_true = img.cpu(), p
        self.summary.value = (f'<span class="aswb-ptrue">p_true {p[0]:.3f} → {p[1]:.3f}</span>'
                              f" &nbsp; ({cats[self.label]}, {v})")
        self.last_update_s = time.perf_counter() - t0
        self.status.value = f"{self.kind} colours · {self.last_update_s:.2f} s"


def texture_panel(world, mesh, texture_or_result, label=None, **kwargs) -> TexturePanel:
    """A live panel that orbits a textured object and shows p_true of original vs assistive colours.

    Args:
        world: an :class:`aswb.World` (its classifiers, render size and supersampling).
        mesh: the :class:`~aswb.render.Mesh` the texture belongs to.
        texture_or_result: a :class:`~aswb.signals.SignalResult` of kind ``"uv"``/``"vertex"``
            (from :func:`aswb.signals.assist_texture`), or the colours themselves: a UV texture
            (Ht, Wt, 3) or vertex colours (V, 3), float32 in [0, 1], compared with the mesh's own.
        label: true class (name or index); defaults to the result's ``settings["label"]``.
        **kwargs: starting values ``azim``, ``elev`` (degrees), ``dist``, ``light_elev``,
            ``light_azim``, ``intensity``; fixed ``ambient`` (0.4), ``background`` (grey),
            ``fov`` (45°), ``image_size`` (the world's), ``classifier``, ``cell_px`` (192), ``kind``.
    Returns:
        a :class:`TexturePanel` (display it; its controls are attributes).
    Raises:
        TypeError / ValueError: inputs of the wrong type or shape, missing label, unknown options.
    """
    return TexturePanel(world, mesh, texture_or_result, label, **kwargs)
