"""aswb.sweep: grids expand with stable ids, malformed SPECs are refused before any cell runs,
local and Ray executors give bit-identical signals, and killed workers or sweeps lose nothing."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import torch

from aswb import sweep as sw

ARCH = "shufflenet_v2_x1_0"
SPEC = {  # 2 objects x (2 image budgets + 1 texture) x 1 seed = 6 cells, tiny settings
    "world": "toy", "objects": ["jeep", "streetcar"], "classifiers": [ARCH], "seeds": [0],
    "signals": {"image": {"eps": [0.0157, 0.0314], "steps": [2], "views": [3]},
                "texture": {"steps": [2], "views": [2], "eval_views": [3]}},
}


def toml(spec: dict, path: Path) -> Path:
    lines = [f"{k} = {json.dumps(spec[k])}" for k in ("world", "objects", "classifiers", "seeds")]
    for kind, settings in spec["signals"].items():
        lines += ["", f"[signals.{kind}]"] + [f"{k} = {json.dumps(v)}" for k, v in settings.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def signals_of(out: Path) -> dict:
    return {p.parent.parent.name: torch.load(p, weights_only=True)
            for p in sorted((out / "cells").glob("*/signal/signal.pt"))}


def stamps(out: Path) -> dict:
    return {p.parent.name: p.stat().st_mtime_ns for p in (out / "cells").glob("*/metrics.json")}


def test_the_grid_expands_with_stable_ids():
    spec = sw.load_spec(SPEC)
    cells = spec.cells()
    assert len(cells) == 6 and len({c.id for c in cells}) == 6
    assert [c.id for c in cells] == [c.id for c in sw.load_spec(json.loads(json.dumps(SPEC))).cells()]
    assert {c.kind for c in cells} == {"image", "texture"}
    eps = sorted({c.settings["eps"] for c in cells if c.kind == "image"})
    assert eps == [0.0157, 0.0314]
    assert cells[0].settings["condition"] == "hard"  # defaults filled in


@pytest.mark.parametrize("edit, match", [
    (lambda s: s.pop("world"), "SPEC world: expected a str"),
    (lambda s: s.update(world="mars"), "SPEC world: expected one of"),
    (lambda s: s.update(objects=[]), "SPEC objects: expected a non-empty list"),
    (lambda s: s.update(seeds=[0, 1.5]), "SPEC seeds"),
    (lambda s: s.update(colour="red"), "SPEC colour: expected only the keys"),
    (lambda s: s["signals"].update(laser={}), "SPEC signals.laser: expected a signal kind"),
    (lambda s: s["signals"]["image"].update(eps=["big"]), "SPEC signals.image.eps: expected int or float"),
    (lambda s: s["signals"]["image"].update(steps=[0]), "SPEC signals.image.steps: expected an int >= 1"),
    (lambda s: s["signals"]["texture"].update(views=[1]), "SPEC signals.texture.views: expected an int >= 2"),
    (lambda s: s["signals"]["image"].update(rate=[1]), "SPEC signals.image.rate: expected one of"),
    (lambda s: s["signals"]["image"].update(eps=[]), "SPEC signals.image.eps: expected a non-empty list"),
])
def test_malformed_specs_name_the_key(edit, match):
    spec = json.loads(json.dumps(SPEC))
    edit(spec)
    with pytest.raises(sw.SpecError, match=match):
        sw.load_spec(spec)


def test_a_malformed_spec_is_refused_before_any_cell_runs(tmp_path):
    bad = json.loads(json.dumps(SPEC))
    bad["objects"] = ["jeep", "unicorn"]  # well-formed, but not an object of the world
    with pytest.raises(sw.SpecError, match="SPEC objects: expected objects of the toy world"):
        sw.sweep(bad, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    path = tmp_path / "bad.toml"
    path.write_text('world = "toy"\nobjects = "jeep"\n')
    r = subprocess.run([sys.executable, "-m", "aswb", "sweep", str(path), "--out", str(tmp_path / "cli")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "SPEC objects: expected a list" in r.stderr
    assert not (tmp_path / "cli").exists()
    with pytest.raises(FileNotFoundError, match="no such file"):
        sw.load_spec(tmp_path / "missing.toml")


def test_bad_executors_and_worker_counts_are_refused(tmp_path):
    with pytest.raises(ValueError, match="executor: expected one of"):
        sw.sweep(SPEC, tmp_path / "a", executor="dask")
    with pytest.raises(ValueError, match="workers: expected an int >= 1"):
        sw.sweep(SPEC, tmp_path / "b", workers=0)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


@pytest.mark.slow
def test_local_and_ray_sweeps_give_bit_identical_signals_and_tables(tmp_path):
    import ray  # noqa: F401  (a test dependency: the dev extra installs it)
    local = sw.sweep(SPEC, tmp_path / "local", progress=False)
    assert len(local) == 6 and set(local.kind) == {"image", "texture"}
    assert (local.p_true_after >= 0).all() and (local.p_true_after <= 1).all()
    remote = sw.sweep(SPEC, tmp_path / "ray", executor="ray", workers=2, progress=False)
    pd.testing.assert_frame_equal(local, remote)
    pool = sw.sweep(SPEC, tmp_path / "pool", workers=2, progress=False)  # a local pool of 2 processes
    pd.testing.assert_frame_equal(local, pool)
    assert (tmp_path / "local" / "results.csv").read_text() == (tmp_path / "ray" / "results.csv").read_text()
    a, b, c = signals_of(tmp_path / "local"), signals_of(tmp_path / "ray"), signals_of(tmp_path / "pool")
    assert set(a) == set(b) == set(c) and len(a) == 6
    for k in a:
        for name in ("signal", "original"):
            assert torch.equal(a[k][name], b[k][name]) and torch.equal(a[k][name], c[k][name]), (k, name)
    st = sw.status(SPEC, tmp_path / "ray")
    assert (st.state == "done").all()


def _run_cli(spec_path: Path, out: Path, *extra: str) -> subprocess.Popen:
    env = dict(os.environ, ASWB_PROGRESS="0")
    return subprocess.Popen([sys.executable, "-m", "aswb", "sweep", str(spec_path), "--out", str(out), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)


def _wait_for(cond, timeout: float, what: str):
    t0 = time.time()
    while time.time() - t0 < timeout:
        got = cond()
        if got:
            return got
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


SLOW = {**SPEC, "signals": {"texture": {"steps": [25], "views": [2], "eval_views": [3]}}, "seeds": [0, 1, 2]}


@pytest.mark.slow
def test_killing_a_ray_worker_mid_sweep_loses_no_cell(tmp_path):
    import ray  # noqa: F401  (a test dependency: the dev extra installs it)
    out = tmp_path / "out"
    proc = _run_cli(toml(SLOW, tmp_path / "spec.toml"), out, "--executor", "ray", "--workers", "2")
    try:
        pidfile = _wait_for(lambda: next(iter((out / "running").glob("*.pid")), None) if (out / "running").is_dir()
                            else None, 240, "a cell to start on a Ray worker")
        pid = int(_wait_for(lambda: pidfile.read_text() if pidfile.exists() else None, 30, "its pid"))
        assert pid != proc.pid
        os.kill(pid, signal.SIGKILL)  # the worker dies mid-cell; Ray re-runs its task elsewhere
        assert pidfile.exists()  # the cell had not finished (a finished cell removes its pid file)
        stdout, stderr = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, stderr[-3000:]
    st = sw.status(SLOW, out)
    assert len(st) == 6 and (st.state == "done").all()
    before = stamps(out)
    again = sw.sweep(SLOW, out, progress=False)  # nothing left to do
    assert len(again) == 6 and stamps(out) == before


@pytest.mark.slow
def test_killing_the_whole_sweep_and_rerunning_finishes_only_the_missing_cells(tmp_path):
    out = tmp_path / "out"
    spec_path = toml(SLOW, tmp_path / "spec.toml")
    proc = _run_cli(spec_path, out)
    try:
        _wait_for(lambda: len(stamps(out)) >= 2 if (out / "cells").is_dir() else False, 300, "two finished cells")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    first = stamps(out)
    st = sw.status(SLOW, out)
    assert 2 <= (st.state == "done").sum() < 6 and set(st.state) <= {"done", "pending"}
    r = subprocess.run([sys.executable, "-m", "aswb", "sweep", str(spec_path), "--out", str(out), "--status"],
                       capture_output=True, text=True, timeout=300)
    assert f"{len(first)} done, {6 - len(first)} pending, 0 failed of 6 cells" in r.stdout
    table = sw.sweep(SLOW, out, progress=False)
    assert len(table) == 6
    after = stamps(out)
    assert {k: after[k] for k in first} == first  # finished cells were not run again
    assert len(after) == 6
    assert list(pd.read_csv(out / "results.csv").cell) == [c.id for c in sw.load_spec(SLOW).cells()]


def test_a_failing_cell_is_recorded_and_retried(tmp_path, monkeypatch):
    spec = {**SPEC, "objects": ["jeep"], "signals": {"image": {"eps": [0.0157], "steps": [1], "views": [2]}}}
    calls = []

    def broken(cell):
        calls.append(cell.id)
        raise RuntimeError("out of memory (simulated)")

    monkeypatch.setattr(sw, "_signal", broken)
    table = sw.sweep(spec, tmp_path, progress=False)
    assert table.empty and len(calls) == 1
    st = sw.status(spec, tmp_path)
    assert list(st.state) == ["failed"]
    assert "out of memory (simulated)" in (tmp_path / "failed" / f"{calls[0]}.txt").read_text()
    monkeypatch.undo()
    table = sw.sweep(spec, tmp_path, progress=False)  # the rerun retries it
    assert len(table) == 1 and list(sw.status(spec, tmp_path).state) == ["done"]
    assert not (tmp_path / "failed" / f"{calls[0]}.txt").exists()
