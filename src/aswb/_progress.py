"""When long runs show a progress bar.

``progress=None`` (the default of every optimisation) means: show a tqdm bar (hidden again
when the run ends) inside a Jupyter kernel, not in scripts and tests. The environment
variable ``ASWB_PROGRESS`` overrides that: ``0`` turns bars off everywhere (nbval and
``python -m aswb notebooks`` set it, so that stored notebook outputs stay deterministic),
``1`` turns them on.
"""
from __future__ import annotations

import os
import sys

from ._checks import _describe

__all__ = ["show_progress", "ENV"]

ENV = "ASWB_PROGRESS"
_OFF = ("0", "false", "no", "off", "")


def show_progress(progress: bool | None) -> bool:
    """Whether to draw a progress bar: ``progress`` itself when it is a bool; for None,
    ``$ASWB_PROGRESS`` when set, else whether this runs in a Jupyter kernel."""
    if progress is not None:
        if not isinstance(progress, bool):
            raise TypeError(f"progress: expected True, False or None (automatic), got {_describe(progress)}")
        return progress
    env = os.environ.get(ENV)
    if env is not None:
        return env.strip().lower() not in _OFF
    return _in_jupyter_kernel()


def _in_jupyter_kernel() -> bool:
    ipython = sys.modules.get("IPython")  # never imported here: a script without it is no notebook
    shell = ipython.get_ipython() if ipython is not None else None
    # Jupyter's kernel shell, or a subclass of it (Colab's, for one)
    return shell is not None and any(c.__name__ == "ZMQInteractiveShell" for c in type(shell).__mro__)
