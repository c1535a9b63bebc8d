"""What the panels share: the ipywidgets import, PNG cells and captions, observers and error display."""
from __future__ import annotations

import contextlib
import html
import io

import torch
from PIL import Image

from ..world import World

__all__: list[str] = []

_ALL = "all (mean)"


def _widgets():
    try:
        import ipywidgets
    except ImportError as e:  # pragma: no cover - a dependency of aswb
        raise ImportError("aswb.widgets needs ipywidgets: pip install 'ipywidgets>=8.1'") from e
    return ipywidgets



def class_index(world_or_classifiers, label):
    """A class name (with a World) becomes its index; ints and tensors pass through to the checks."""
    if isinstance(label, str):
        if not isinstance(world_or_classifiers, World):
            raise TypeError(f"labels: a class name ({label!r}) needs an aswb.World; give class indices instead")
        return world_or_classifiers.label(label)
    return label


def _png(img: torch.Tensor, px: int) -> bytes:
    """(H, W, 3) float in [0, 1] -> PNG bytes, upscaled (nearest) to ``px`` on the long side."""
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

