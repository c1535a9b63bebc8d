"""The notebook suite catches regressions: nbval with the project's sanitizer and the headline
test (the same command as ``make test``) passes on notebook 01 as stored, and fails when a cell
raises or when the assistive perturbation is replaced by the original image (ε = 0)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbval")

ROOT = Path(__file__).resolve().parents[1]
NB = ROOT / "notebooks" / "01_assistive_perturbations_2d.ipynb"
SUPPORT = ("conftest.py", "test_headlines.py", "headlines.json", "nbval_sanitize.cfg")

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not NB.is_file(), reason="no notebook 01")]


def _suite(tmp_path: Path, edit=None) -> subprocess.CompletedProcess:
    """Run nbval + the headline test on a copy of notebook 01 (changed by ``edit(code_cells)``)."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for name in SUPPORT:
        shutil.copy(ROOT / "notebooks" / name, folder / name)
    nb = nbformat.read(NB, as_version=4)
    if edit is not None:
        edit([c for c in nb.cells if c.cell_type == "code"])
    nbformat.write(nb, folder / NB.name)
    env = dict(os.environ, ASWB_PROGRESS="0")
    cmd = [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "--nbval-sanitize-with",
           str(folder / "nbval_sanitize.cfg"), str(folder), "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path)]
    return subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)


def test_stored_notebook_passes(tmp_path):
    run = _suite(tmp_path)
    assert run.returncode == 0, run.stdout[-3000:]
    cells = sum(c.cell_type == "code" for c in nbformat.read(NB, as_version=4).cells)
    assert re.search(r"\b(\d+) passed", run.stdout).group(1) == str(cells + 2)  # every cell, both headline tests


def test_a_cell_that_raises_fails(tmp_path):
    def edit(cells):
        cells[4].source += "\nraise RuntimeError('broken on purpose')"

    run = _suite(tmp_path, edit)
    assert run.returncode == 1, run.stdout[-3000:]
    assert "broken on purpose" in run.stdout
    assert "Cell 4" in run.stdout


def test_the_original_in_place_of_the_signal_fails(tmp_path):
    def edit(cells):  # ε = 0: the "assisted" images are the originals
        assert "signals.assist_image(clf, x, labels, eps=EPS, steps=STEPS)" in cells[3].source
        cells[3].source = cells[3].source.replace("eps=EPS, steps=STEPS", "eps=0.0, steps=STEPS")

    run = _suite(tmp_path, edit)
    assert run.returncode == 1, run.stdout[-3000:]
    # every cell's text still matches (numbers are sanitised); the numbers give it away
    assert "test_headlines_match_reference" in run.stdout and "p_true_assisted" in run.stdout
    assert "test_claims_hold" in run.stdout and "p_true_assisted > p_true_original" in run.stdout
