"""Real mode of the notebooks: ``WORLD = "imagenet"`` runs torchvision ImageNet classifiers
from the torch hub cache, and without their weights the loading cell names the missing file.

Executes ``notebooks/05_transferability.ipynb`` with nbclient in a temporary ``TORCH_HOME``
after replacing its parameters cell (the first code cell) with ``WORLD = "imagenet"``, two small
architectures and tiny sizes and step counts: (i) without checkpoints the second code cell raises
``WeightsNotFoundError`` naming the file and the folder; (ii) with random-weight checkpoints
saved under torchvision's exact file names every cell runs.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

from aswb.models import ZOO  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "05_transferability.ipynb"
ARCHS = ("resnet18", "squeezenet1_1")  # small ImageNet classifiers
TINY = {"WORLD": "imagenet", "ARCHS": ARCHS, "STEPS": 1, "VIEWS": 2, "EVAL_VIEWS": 2,
        "CONDITIONS": ("easy", "hard_view")}

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not NOTEBOOK.is_file(), reason=f"{NOTEBOOK.name} not written yet")]


def _real_mode_notebook(upto_loading: bool = False):
    """The notebook with its parameters cell (the first code cell) overridden by :data:`TINY`;
    with ``upto_loading`` only the cells up to the second code cell (imports and loading)."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    params = nb.cells[code[0]]
    assert "WORLD" in params.source, "the first code cell must hold the parameters"
    names: dict = {}
    exec(params.source, {}, names)  # every parameter the notebook defines
    missing = set(TINY) - set(names)
    assert not missing, f"the parameters cell lacks {sorted(missing)}"
    names.update(TINY)
    params.source = "\n".join(f"{k} = {v!r}" for k, v in names.items())
    if upto_loading:
        nb.cells = nb.cells[:code[1] + 1]
    return nb


def _execute(nb, cwd: Path):
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(cwd)}})
    return client.execute()


@pytest.fixture
def torch_home(tmp_path, monkeypatch):
    home = tmp_path / "torch_home"
    (home / "hub" / "checkpoints").mkdir(parents=True)
    monkeypatch.setenv("TORCH_HOME", str(home))  # inherited by the kernel
    monkeypatch.setenv("ASWB_HEADLINES", str(tmp_path / "headlines"))  # not the notebooks' own outputs/
    return home


def test_without_weights_the_loading_cell_names_the_missing_file(torch_home):
    nb = _real_mode_notebook(upto_loading=True)
    with pytest.raises(nbclient.exceptions.CellExecutionError) as err:
        _execute(nb, NOTEBOOK.parent)
    msg = str(err.value)
    assert "WeightsNotFoundError" in msg
    assert ZOO[ARCHS[0]].file_name in msg
    assert str(torch_home / "hub" / "checkpoints") in msg
    params, loading = [c for c in nb.cells if c.cell_type == "code"]
    assert loading.outputs[-1].ename == "WeightsNotFoundError"  # raised by the loading cell
    assert not any(o.output_type == "error" for o in params.outputs)


def test_with_imagenet_checkpoints_every_cell_runs(torch_home):
    for arch in ARCHS:
        e = ZOO[arch]
        torch.save(e.builder(weights=None).state_dict(), torch_home / "hub" / "checkpoints" / e.file_name)
    nb = _execute(_real_mode_notebook(), NOTEBOOK.parent)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "imagenet world" in text and all(a in text for a in ARCHS)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    assert (torch_home.parent / "headlines" / "05_transferability.json").is_file()  # the headline cell ran
