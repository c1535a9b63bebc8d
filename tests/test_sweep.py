"""aswb.sweep: grids expand with stable ids, malformed SPECs are refused before any cell runs,
local and Ray executors give bit-identical signals, and killed workers or sweeps lose nothing."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import torch

from aswb import cli, sweep as sw

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


# -- issue 22: sweeps never double-count, and a value that could never run is refused at load
@pytest.mark.parametrize("edit, match", [
    (lambda s: s.update(seeds=[0, 0]), r"SPEC seeds: expected each value once .* got 0 and 0"),
    (lambda s: s.update(objects=["jeep", "streetcar", "jeep"]), "SPEC objects: expected each value once"),
    (lambda s: s.update(classifiers=[ARCH, ARCH]), "SPEC classifiers: expected each value once"),
    (lambda s: s["signals"]["image"].update(eps=[0, 0.0]), r"SPEC signals.image.eps: expected each value once.* 0 and 0.0"),
    (lambda s: s["signals"]["image"].update(steps=[2, 2]), "SPEC signals.image.steps: expected each value once"),
])
def test_duplicate_values_are_refused_naming_the_key_and_value(edit, match):
    spec = json.loads(json.dumps(SPEC))
    edit(spec)
    with pytest.raises(sw.SpecError, match=match):
        sw.load_spec(spec)


@pytest.mark.parametrize("kind, name, value, match", [
    ("image", "eps", float("inf"), "eps: expected a finite number"),
    ("image", "eps", float("nan"), "SPEC signals.image.eps"),
    ("image", "norm", "l3", r"norm: expected one of \('linf', 'l2'\)"),
    ("image", "condition", "medium", "SPEC signals.image.condition: expected a viewing condition"),
    ("texture", "condition", "medium", "SPEC signals.texture.condition: expected a viewing condition"),
    ("texture", "step_rule", "adma", "SPEC signals.texture.step_rule: step_rule: expected one of"),
    ("texture", "alpha", 0, "SPEC signals.texture.alpha: alpha: expected a finite number > 0"),
    ("image", "alpha", 0.0, "SPEC signals.image.alpha"),
    ("object", "alpha", 0, "SPEC signals.object.alpha"),
    ("object", "area", 0, r"SPEC signals.object.area: area: expected an image fraction in \(0, 1\]"),
    ("object", "area", 1.5, "SPEC signals.object.area"),
    ("object", "views", 1, "SPEC signals.object.views: expected an int >= 2"),  # run_object trains on easy + hard
])
def test_values_that_could_never_run_are_refused_at_load(kind, name, value, match):
    spec = json.loads(json.dumps(SPEC))
    spec["signals"].setdefault(kind, {})[name] = [value]
    with pytest.raises(sw.SpecError, match=match):
        sw.load_spec(spec)


def test_equal_settings_written_differently_have_one_cell_id():
    as_int = {**SPEC, "signals": {"image": {"eps": [0], "alpha": [1], "steps": [2]}, "object": {"area": [1]}}}
    as_float = {**SPEC, "signals": {"image": {"eps": [0.0], "alpha": [1.0], "steps": [2]}, "object": {"area": [1.0]}}}
    a, b = sw.load_spec(as_int).cells(), sw.load_spec(as_float).cells()
    assert [c.id for c in a] == [c.id for c in b] and len({c.id for c in a}) == len(a)
    assert all(type(c.settings["eps"]) is float for c in a if c.kind == "image")


def test_cell_ids_of_existing_specs_do_not_change():
    """Ids computed before numbers were normalised (issue 22): finished cells of old sweeps stay done."""
    assert [c.id for c in sw.load_spec(SPEC).cells()] == ["9f876a00d1f4", "adcc77f91a84", "6f145b6bfbe1",
                                                          "3aedc43c72f9", "673ebe4bbeca", "28ae93b1223a"]


class _Saved:
    """Stands in for a SignalResult: saves a signal folder."""

    def save(self, path):
        Path(path).mkdir(parents=True)
        (Path(path) / "signal.pt").write_bytes(b"")


def _fake_signal(cell):
    return _Saved(), {"p_true_before": 0.25, "p_true_after": 0.5, "acc_before": 0.0, "acc_after": 1.0}


ONE = {**SPEC, "objects": ["jeep"], "signals": {"image": {"eps": [0.0157, 0.0314], "steps": [1], "views": [2]}}}


@pytest.mark.parametrize("damage", ["truncated", "removed", "half_written", "not_its_own", "signal_removed"])
def test_a_damaged_cell_is_reported_and_recomputed(tmp_path, monkeypatch, damage):
    monkeypatch.setattr(sw, "_signal", _fake_signal)
    first = sw.sweep(ONE, tmp_path, progress=False)
    assert len(first) == 2
    cells = sw.load_spec(ONE).cells()
    folder = tmp_path / "cells" / cells[1].id
    metrics = folder / "metrics.json"
    if damage == "truncated":
        metrics.write_text(metrics.read_text()[:20])
    elif damage == "removed":
        metrics.unlink()
    elif damage == "half_written":
        shutil.rmtree(folder)
        folder.mkdir()
        (folder / "cell.json").write_text("{")  # as a copy cut short would leave it
    elif damage == "not_its_own":
        metrics.write_text((tmp_path / "cells" / cells[0].id / "metrics.json").read_text())
    else:
        shutil.rmtree(folder / "signal")
    st = sw.status(ONE, tmp_path)
    assert list(st.state) == ["done", "damaged"]
    assert len(sw.gather(ONE, tmp_path)) == 1  # no bare JSONDecodeError; the damaged cell is left out
    table = sw.sweep(ONE, tmp_path, progress=False)  # recomputed
    assert list(table.cell) == [c.id for c in cells] and list(sw.status(ONE, tmp_path).state) == ["done", "done"]
    assert list(pd.read_csv(tmp_path / "results.csv").cell) == [c.id for c in cells]  # one row per cell


def test_status_of_a_damaged_cell_from_the_command_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sw, "_signal", _fake_signal)
    sw.sweep(ONE, tmp_path / "out", progress=False)
    cell = sw.load_spec(ONE).cells()[0]
    (tmp_path / "out" / "cells" / cell.id / "metrics.json").write_text('{"cell": "')
    assert cli.main(["sweep", str(toml(ONE, tmp_path / "spec.toml")), "--out", str(tmp_path / "out"), "--status"]) == 0
    out = capsys.readouterr().out
    assert "1 done, 0 pending, 0 failed of 2 cells (1 damaged" in out and f"damaged {cell.id}" in out


def test_a_failed_cells_reason_is_printed_with_its_id(tmp_path, monkeypatch, capsys):
    def broken(cell):
        raise RuntimeError("out of memory (simulated)")

    monkeypatch.setattr(sw, "_signal", broken)
    sw.sweep(ONE, tmp_path, progress=False)
    err = capsys.readouterr().err
    for c in sw.load_spec(ONE).cells():
        assert f"cell {c.id} (jeep {ARCH} image seed 0) failed: RuntimeError: out of memory (simulated)" in err
    st = sw.status(ONE, tmp_path)
    assert list(st.state) == ["failed", "failed"] and set(st.reason) == {"RuntimeError: out of memory (simulated)"}


def test_no_progress_bar_from_the_command_line_with_aswb_progress_0(tmp_path, monkeypatch, capsys):
    seen = []
    monkeypatch.setattr(cli, "sweep", lambda *a, **k: seen.append(k["progress"]) or pd.DataFrame())
    monkeypatch.setattr(cli, "status", lambda spec, out: pd.DataFrame({"state": []}))
    spec = toml(ONE, tmp_path / "spec.toml")
    for env, want in (("0", False), ("1", True), (None, True)):
        if env is None:
            monkeypatch.delenv("ASWB_PROGRESS", raising=False)
        else:
            monkeypatch.setenv("ASWB_PROGRESS", env)
        cli.main(["sweep", str(spec), "--out", str(tmp_path / "out")])
        assert seen[-1] is want
