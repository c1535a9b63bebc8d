"""Other worlds in every notebook. ``WORLD = "imagenet"`` runs torchvision ImageNet classifiers
from the torch hub cache, and without their weights the loading cell names the missing file;
``papermill nb.ipynb out.ipynb -p WORLD real`` runs each notebook on the real world
(EfficientNet-Lite, offline), with its counts cut small.

Every notebook is executed with nbclient in a temporary ``TORCH_HOME`` after its parameters
cell (the first code cell) is rewritten: ``WORLD = "imagenet"``, two small architectures, and
every count (steps, views, images, ...) cut to 2 (views per step: one per condition at least) so
that 224-px ImageNet models run in seconds.
(i) Without checkpoints the loading cell (the second code cell) raises ``WeightsNotFoundError``
naming the file and the folder; (ii) with random-weight checkpoints saved under torchvision's
exact file names every cell runs, down to the headline numbers.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

from aswb.models import ZOO  # noqa: E402

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
ARCHS = ("resnet18", "squeezenet1_1")  # small ImageNet classifiers
REAL = {"WORLD": "imagenet", "ARCH": ARCHS[0], "SOURCE": ARCHS[0], "ARCHS": ARCHS}
KEEP = {"SEED"}  # ints that are not sizes
SMALL = 2

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not NOTEBOOKS, reason="no notebooks")]


def _real_mode_notebook(path: Path, upto_loading: bool = False):
    """The notebook with its parameters cell (the first code cell) switched to the ImageNet world
    with every count above :data:`SMALL` cut to it; with ``upto_loading`` only the cells up to the
    second code cell (imports and loading)."""
    nb = nbformat.read(path, as_version=4)
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    params = nb.cells[code[0]]
    assert "WORLD" in params.source, f"{path.name}: the first code cell must hold the parameters"
    names = _small_parameters(params.source)
    names.update({k: v for k, v in REAL.items() if k in names or k == "WORLD"})
    params.source = "\n".join(f"{k} = {v!r}" for k, v in names.items())
    if upto_loading:
        nb.cells = nb.cells[:code[1] + 1]
    return nb


def _small_parameters(source: str) -> dict:
    """The parameters a notebook's first cell defines, every count above :data:`SMALL` cut to it."""
    names: dict = {}
    exec(source, {}, names)
    assert names["WORLD"] in ("toy", "real"), "the stored default must be the toy or the real world"
    for k, v in names.items():
        if type(v) is int and k not in KEEP and v > SMALL:
            names[k] = SMALL
    if "VIEWS" in names:  # the views of one step are shared between the conditions
        names["VIEWS"] = max(names["VIEWS"], len(names.get("CONDITIONS", ())))
    return names


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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_without_weights_the_loading_cell_names_the_missing_file(torch_home, path):
    nb = _real_mode_notebook(path, upto_loading=True)
    with pytest.raises(nbclient.exceptions.CellExecutionError) as err:
        _execute(nb, path.parent)
    msg = str(err.value)
    assert "WeightsNotFoundError" in msg
    assert ZOO[ARCHS[0]].file_name in msg
    assert str(torch_home / "hub" / "checkpoints") in msg
    params, loading = [c for c in nb.cells if c.cell_type == "code"]
    assert loading.outputs[-1].ename == "WeightsNotFoundError"  # raised by the loading cell
    assert not any(o.output_type == "error" for o in params.outputs)


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    """Random-weight ImageNet checkpoints under torchvision's file names (made once)."""
    d = tmp_path_factory.mktemp("checkpoints")
    for arch in ARCHS:
        e = ZOO[arch]
        torch.save(e.builder(weights=None).state_dict(), d / e.file_name)
    return d


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_with_imagenet_checkpoints_every_cell_runs(torch_home, checkpoints, path):
    for f in checkpoints.iterdir():
        (torch_home / "hub" / "checkpoints" / f.name).symlink_to(f)
    nb = _execute(_real_mode_notebook(path), path.parent)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "imagenet world" in text
    assert (torch_home.parent / "headlines" / f"{path.stem}.json").is_file()  # the headline cell ran


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_papermill_runs_every_notebook_in_the_real_world(tmp_path, monkeypatch, path):
    papermill = pytest.importorskip("papermill")
    nb = nbformat.read(path, as_version=4)
    params = [c for c in nb.cells if c.cell_type == "code"][0]
    assert "parameters" in params.metadata.get("tags", []), f"{path.name}: tag the parameters cell 'parameters'"
    small = {k: v for k, v in _small_parameters(params.source).items()
             if k not in ("ARCH", "ARCHS", "SOURCE") and isinstance(v, (int, float, str, list, type(None)))}
    monkeypatch.setenv("ASWB_HEADLINES", str(tmp_path / "headlines"))
    out = tmp_path / path.name
    papermill.execute_notebook(str(path), str(out), parameters={**small, "WORLD": "real"}, cwd=str(path.parent),
                               kernel_name="python3", progress_bar=False)
    done = nbformat.read(out, as_version=4)
    text = "".join(o.get("text", "") for c in done.cells if c.cell_type == "code" for o in c.outputs)
    assert "real world" in text
    assert (tmp_path / "headlines" / f"{path.stem}.json").is_file()  # down to the headline cell
