"""A live panel that orbits a textured object and compares the original and assistive colours."""
from __future__ import annotations

import time

import torch

from .._checks import _describe, class_label, coloring_kind, positive_int
from ..evaluate import ViewBank
from ..models import classifier_dict, predict
from ..render import Cameras, Lights, Mesh, Scene, view_eye
from ..signals import SignalResult, texture_original
from ..world import World
from ._base import _ALL, _caption, _Panel, _png, _widgets, class_index

__all__ = ["TexturePanel", "texture_panel"]


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

        W = _widgets()
        if not isinstance(world, World):
            raise TypeError(f"texture_panel: expected an aswb.World (classifiers and render size), got {_describe(world)}")
        if not isinstance(mesh, Mesh):
            raise TypeError(f"texture_panel: expected an aswb.render.Mesh, got {_describe(mesh)}")
        self.world, self.mesh = world, mesh
        self.classifiers = classifier_dict(world, "world")
        t = texture_or_result
        if isinstance(t, SignalResult):
            if t.domain not in ("uv", "vertex"):
                raise ValueError(f"texture_or_result: expected a 'uv' or 'vertex' result, got domain {t.domain!r}")
            if kind is not None and kind != t.domain:
                raise ValueError(f"kind={kind!r} disagrees with the result's domain {t.domain!r}")
            kind, signal, original = t.domain, t.signal, t.original
            label = t.settings.get("label") if label is None else label
        elif isinstance(t, torch.Tensor):
            kind = kind or coloring_kind(t, "texture_or_result")
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
        self.label = class_label(class_index(world, label), first.num_classes)
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
        views = ViewBank.of(self.scene())
        x = torch.cat([views.images(c) for c in self.colorings])  # (2, 3, H, W)
        img = x.permute(0, 2, 3, 1)  # (2, H, W, 3) for display
        v = self.classifier.value
        clfs = list(self.classifiers.values()) if v == _ALL else [self.classifiers[v]]
        probs = predict(clfs, x).cpu()  # (2, C)
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
        texture_or_result: a :class:`~aswb.signals.SignalResult` of domain ``"uv"``/``"vertex"``
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
