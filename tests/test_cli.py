"""The command line: ``python -m aswb demo`` and ``python -m aswb notebooks``."""
from __future__ import annotations

import json
import os

import nbformat
import numpy as np
import pandas as pd
import pytest
from PIL import Image

import aswb.cli
from aswb.cli import main


def test_demo_writes_a_labelled_grid(tmp_path, capsys):
    strip = tmp_path / "img" / "turntable.png"
    rc = main(["demo", "--world", "toy", "--out", str(tmp_path / "out"), "--size", "48", "--views", "4",
               "--readme-image", str(strip), "--render-only"])
    assert rc == 0
    path = tmp_path / "out" / "demo_render.png"
    assert f"wrote {path}" in capsys.readouterr().out
    img = Image.open(path)
    assert img.mode == "RGB"
    w, h = img.size
    assert 4 * 48 < w < 4 * 48 + 400 and 4 * 48 < h < 4 * 48 + 100  # 4 x 4 cells plus labels
    a = np.asarray(img).astype(np.float32)
    assert a.std() > 20  # not blank
    assert (a < 200).any(-1).mean() > 0.1  # the object covers a good share of the picture
    rows = np.asarray(img.convert("L"), dtype=np.float32)
    top = rows[h // 8: h // 2]  # textured rows differ from the vertex-colour rows
    bottom = rows[h // 2 + h // 8:]
    assert not np.allclose(top[: len(bottom)], bottom[: len(top)])
    s = Image.open(strip)
    assert s.width > 4 * 48 and 48 < s.height < h


def test_demo_runs_the_signals_pipeline(tmp_path, capsys):
    rc = main(["demo", "--world", "toy", "--out", str(tmp_path), "--size", "32", "--views", "2", "--steps", "2",
               "--eval-views", "2"])
    assert rc == 0
    out = capsys.readouterr().out
    assert "p(jeep) of a held-out jeep by resnet18" in out and "best same-area control" in out
    for cond in ("easy", "hard_view", "hard_light", "hard"):  # each condition apart, each signal beside a control
        assert f" {cond} " in out
    assert "3d_patch" in out and "full_texture" in out and "best control patch_" in out and "best control full_" in out
    table = pd.read_csv(tmp_path / "demo_conditions.csv")
    assert set(table.condition) == {"easy", "hard_view", "hard_light", "hard"} and {"dp_lo", "margin"} <= set(table)
    for name in ("3d_patch", "full_texture", "2d_patch"):
        assert (tmp_path / "signals" / name / "result.json").is_file()
    assert (tmp_path / "signals" / "3d_patch" / "mesh.glb").is_file()
    assert Image.open(tmp_path / "demo_signals.png").size[0] > 6 * 64


@pytest.mark.slow
def test_demo_runs_on_the_real_world_by_default(tmp_path, capsys):
    rc = main(["demo", "--out", str(tmp_path), "--size", "64", "--views", "2", "--steps", "2", "--views-per-step", "2",
               "--eval-views", "1"])
    assert rc == 0
    out = capsys.readouterr().out
    assert "p(coffee mug) of the red_coffee_mug (coffee mug) by efficientnet_lite0" in out
    assert "best control full_" in out and "best control patch_" in out  # the controls
    assert "efficientnet_lite2" in set(pd.read_csv(tmp_path / "demo_summary.csv").model)
    assert (tmp_path / "signals" / "full_texture" / "mesh.glb").is_file()
    assert Image.open(tmp_path / "demo_signals.png").size[0] > 6 * 224


@pytest.mark.parametrize("argv", [[], ["demo", "--size", "0"], ["demo", "--views", "x"], ["nope"],
                                  ["demo", "--world", "mars"]])
def test_bad_arguments_exit_with_usage_error(argv, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    assert "usage: aswb" in capsys.readouterr().err


def _notebook(path, *sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_notebooks_execute_into_out_and_print_the_headline_table(tmp_path, capsys):
    good = _notebook(tmp_path / "a.ipynb", "import aswb.report\nx = 0.25", 'aswb.report.headline("a", p_true=x)')
    bad = _notebook(tmp_path / "b.ipynb", "print('before')", "1 / 0", "print('never')")
    out = tmp_path / "out"
    (out / "headlines").mkdir(parents=True)
    (out / "headlines" / "stale.json").write_text(json.dumps({"old": 1.0}))  # from an earlier run
    rc = main(["notebooks", str(good), str(bad), "--out", str(out), "--timeout", "120"])
    text = capsys.readouterr().out
    assert rc == 1  # one notebook failed: the command fails, after running them all
    assert "a.ipynb: ok" in text and "b.ipynb: FAILED: CellExecutionError" in text and "failed: b.ipynb" in text
    assert "p_true" in text and "0.25" in text and "stale" not in text
    ran = nbformat.read(out / "a.ipynb", as_version=4)
    assert ran.cells[1].outputs[0]["data"]["text/plain"] == "{'p_true': 0.25}"
    failed = nbformat.read(out / "b.ipynb", as_version=4)
    assert failed.cells[0].outputs[0]["text"] == "before\n" and failed.cells[1].outputs[0]["ename"] == "ZeroDivisionError"
    assert (out / "a.html").read_text().count("0.25") >= 1 and (out / "b.html").is_file()
    assert nbformat.read(good, as_version=4).cells[1].outputs == []  # the sources are untouched


def test_notebooks_inplace_stores_outputs_without_timestamps_and_keeps_failed_ones(tmp_path, capsys):
    good = _notebook(tmp_path / "a.ipynb", "print(6 * 7)", "import ipywidgets\nipywidgets.IntSlider(3)")
    bad = _notebook(tmp_path / "b.ipynb", "raise ValueError('no')")
    before = bad.read_bytes()
    rc = main(["notebooks", str(good), str(bad), "--out", str(tmp_path / "out"), "--inplace"])
    assert rc == 1
    stored = nbformat.read(good, as_version=4).cells[0]
    assert stored.outputs[0]["text"] == "42\n" and "execution" not in stored.metadata
    assert "widgets" not in nbformat.read(good, as_version=4).metadata
    assert bad.read_bytes() == before  # a failed run does not replace what was stored
    assert nbformat.read(tmp_path / "out" / "b.ipynb", as_version=4).cells[0].outputs[0]["ename"] == "ValueError"
    assert not list(tmp_path.glob("*.tmp"))


def test_notebooks_missing_path_is_a_clear_error(tmp_path, capsys):
    assert main(["notebooks", str(tmp_path / "nope.ipynb"), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("aswb notebooks: no such notebook") and err.count("\n") == 1


# -- every error a user can fix: one line on stderr, exit code 2, no traceback (issue 22)
def _one_line_error(argv, capsys, match: str) -> None:
    assert main(argv) == 2
    cap = capsys.readouterr()
    assert cap.err.count("\n") == 1 and "Traceback" not in cap.err, cap.err
    assert cap.err.startswith(f"aswb {argv[0]}: ") and match in cap.err, cap.err


SPEC_TOML = 'world = "toy"\nobjects = ["jeep"]\nclassifiers = ["resnet18"]\nseeds = [0]\n[signals.image]\nsteps = [1]\n'


@pytest.mark.parametrize("where, match", [
    ("file", "--out: expected a folder"),
    ("under_file", "which lies under the file"),
])
def test_sweep_out_that_cannot_be_a_folder_is_one_line(tmp_path, capsys, where, match):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC_TOML)
    (tmp_path / "f").write_text("x")
    out = tmp_path / "f" if where == "file" else tmp_path / "f" / "sub" / "out"
    _one_line_error(["sweep", str(spec), "--out", str(out)], capsys, match)
    _one_line_error(["sweep", str(spec), "--out", str(out), "--status"] if where == "file" else
                    ["sweep", str(spec), "--out", str(out)], capsys, "--out")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_sweep_out_in_an_unwritable_folder_is_one_line(tmp_path, capsys):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC_TOML)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    _one_line_error(["sweep", str(spec), "--out", str(locked / "out")], capsys, "is not writable")


def test_sweep_out_in_an_unwritable_folder_is_one_line_even_as_root(tmp_path, capsys, monkeypatch):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC_TOML)
    monkeypatch.setattr(os, "access", lambda path, mode: False)  # as a user without write permission sees it
    _one_line_error(["sweep", str(spec), "--out", str(tmp_path / "out")], capsys, "is not writable")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("extra, match", [
    (["--views-per-step", "1"], "--views-per-step: expected at least 2"),
    (["--object", "nope"], "--object: expected an object of the toy world"),
    (["--arch", "resnet99"], "--arch: expected a classifier of the toy world"),
])
def test_demo_bad_arguments_are_one_line(tmp_path, capsys, extra, match):
    _one_line_error(["demo", "--world", "toy", "--out", str(tmp_path), "--size", "16", "--views", "1", *extra],
                    capsys, match)
    assert not (tmp_path / "demo_render.png").exists()  # refused before anything is rendered


def test_debug_shows_the_traceback(tmp_path):
    with pytest.raises(ValueError, match="--object"):
        main(["--debug", "demo", "--world", "toy", "--out", str(tmp_path), "--object", "nope"])


def test_a_bad_spec_from_the_command_line_is_one_line(tmp_path, capsys):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC_TOML.replace("seeds = [0]", "seeds = [0, 0]"))
    _one_line_error(["sweep", str(spec), "--out", str(tmp_path / "out")], capsys, "SPEC seeds: expected each value once")
    _one_line_error(["sweep", str(tmp_path / "missing.toml"), "--out", str(tmp_path / "out")], capsys, "no such file")


def test_a_missing_optional_dependency_is_one_line(tmp_path, capsys, monkeypatch):
    def no_ray(*args, **kwargs):
        raise ImportError("executor='ray' needs Ray: pip install 'ray>=2.9'")

    monkeypatch.setattr(aswb.cli, "sweep", no_ray)
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC_TOML)
    _one_line_error(["sweep", str(spec), "--out", str(tmp_path / "out"), "--executor", "ray"], capsys,
                    "needs Ray: pip install")
