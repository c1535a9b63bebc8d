"""Progress bars: shown for long runs in a Jupyter kernel, never in tests or stored notebook outputs."""
from __future__ import annotations

import sys
import types

import pytest
import torch

from aswb._progress import ENV, show_progress
from aswb.signals import assist_image
from aswb.signals.loop import LoopSettings

from tinynet import tiny


class ZMQInteractiveShell:  # what IPython's get_ipython() returns inside a Jupyter kernel
    pass


def test_explicit_choice_wins(monkeypatch):
    monkeypatch.setenv(ENV, "1")
    assert show_progress(False) is False
    monkeypatch.setenv(ENV, "0")
    assert show_progress(True) is True


@pytest.mark.parametrize("value, shown", [("1", True), ("yes", True), ("0", False), ("off", False), ("", False)])
def test_environment_decides_when_automatic(monkeypatch, value, shown):
    monkeypatch.setenv(ENV, value)
    assert show_progress(None) is shown


def test_automatic_means_in_a_jupyter_kernel_only(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: None))
    assert show_progress(None) is False  # a script or a terminal IPython-less run
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=ZMQInteractiveShell))
    assert show_progress(None) is True
    hosted = type("Shell", (ZMQInteractiveShell,), {})  # a hosted notebook's own kernel shell
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=hosted))
    assert show_progress(None) is True
    monkeypatch.delitem(sys.modules, "IPython")
    assert show_progress(None) is False


def test_tests_and_nbval_run_without_bars():
    import os

    assert os.environ.get(ENV) == "0"  # set by the repository's conftest.py, inherited by nbval's kernels


@pytest.mark.parametrize("bad", ["yes", 1, 0.5])
def test_bad_progress_values(bad):
    with pytest.raises(TypeError, match=r"progress: expected True, False or None"):
        LoopSettings(progress=bad)
    with pytest.raises(TypeError, match=r"progress: expected True, False or None"):
        show_progress(bad)


def test_the_loop_draws_its_bar_only_when_asked(monkeypatch, capsys):
    clf, x = tiny(), torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    monkeypatch.setenv(ENV, "1")
    assist_image(clf, x, 1, eps=4 / 255, steps=3)
    assert "assist" in capsys.readouterr().err  # tqdm's bar, on stderr outside a notebook
    monkeypatch.setenv(ENV, "0")
    assist_image(clf, x, 1, eps=4 / 255, steps=3)
    assert capsys.readouterr().err == ""
    assist_image(clf, x, 1, eps=4 / 255, steps=3, progress=True)
    assert "assist" in capsys.readouterr().err
