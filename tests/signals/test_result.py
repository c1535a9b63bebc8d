"""Results: save -> load -> evaluate reproduces the numbers; saves are atomic."""
import json

import pytest
import torch

from aswb import evaluate, toyworld as tw
from aswb.signals import SignalResult, assist_texture, load


def test_save_load_reevaluates_to_the_same_numbers(tmp_path, clf):
    jeep = tw.mesh("jeep", 1)
    bank = tw.bank(jeep, 4, "hard", seed=0, size=32)
    r = assist_texture(bank, clf, 0, kind="uv", steps=3, alpha=0.05, seed=7)
    out = r.save(tmp_path / "jeep_uv", mesh=jeep)
    for f in ("signal.pt", "history.csv", "result.json", "signal.png", "mesh.obj", "mesh.mtl", "mesh.glb"):
        assert (out / f).is_file(), f
    meta = json.loads((out / "result.json").read_text())
    assert meta["settings"]["seed"] == 7 and meta["settings"]["classifiers"] == ["tiny"]
    assert {"torch", "torchvision", "aswb"} <= set(meta["versions"])
    back = load(out)
    assert torch.equal(back.signal, r.signal) and back.domain == "uv" and back.kind == "uv"
    assert back.history.p_true.tolist() == pytest.approx(r.history.p_true.tolist())
    held = tw.bank(jeep, 4, "easy", seed=99, size=32)
    a = evaluate.confidence(clf, held, {"assist": r.signal}, label=0)
    b = evaluate.confidence(clf, held, {"assist": back.signal}, label=0)
    assert a.p_true.tolist() == b.p_true.tolist()


def test_an_interrupted_save_leaves_the_previous_result(tmp_path, clf, monkeypatch):
    r = SignalResult("vertex", torch.rand(5, 3), torch.rand(5, 3), None,
                     __import__("pandas").DataFrame({"step": [0], "loss": [1.0], "p_true": [0.5]}), {"seed": 0})
    r.save(tmp_path / "res")
    import aswb.signals.result as mod

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(mod.pd.DataFrame, "to_csv", boom)
    with pytest.raises(KeyboardInterrupt):
        SignalResult("vertex", torch.zeros(5, 3), torch.zeros(5, 3), None, r.history, {"seed": 1}).save(tmp_path / "res")
    assert torch.equal(load(tmp_path / "res").signal, r.signal)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]  # no temporary folders left


def test_load_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no saved signal"):
        load(tmp_path)


# ------------------------------------------------------------------ interrupted saves, damaged files
_CHILD = r"""
import sys, torch, pandas as pd
import aswb._files as files
from aswb.signals import SignalResult
files.USE_EXCHANGE = sys.argv[2] == "exchange"
hist = pd.DataFrame({"step": [0], "loss": [1.0], "p_true": [0.5]})
results = [SignalResult("uv", torch.full((64, 64, 3), v), torch.zeros(64, 64, 3), None, hist, {"seed": 0},
                        {"marker": v}) for v in (0.25, 0.75)]
results[0].save(sys.argv[1])
print("ready", flush=True)
k = 0
while True:
    k += 1
    results[k % 2].save(sys.argv[1])
"""


def _result(v=0.25):
    import pandas as pd

    hist = pd.DataFrame({"step": [0], "loss": [1.0], "p_true": [0.5]})
    return SignalResult("uv", torch.full((64, 64, 3), v), torch.zeros(64, 64, 3), None, hist, {"seed": 0}, {"marker": v})


@pytest.mark.parametrize("publish", ["exchange", "two_renames"])
def test_a_save_killed_at_random_moments_keeps_a_whole_result(tmp_path, publish):
    """SIGKILL a process that saves over and over: the path always loads as one of the two
    results, and the next save leaves nothing else beside it."""
    import os
    import random
    import signal
    import subprocess
    import sys
    import time

    import aswb._files as files

    if publish == "exchange" and not files.USE_EXCHANGE:
        pytest.skip("this system has no renameat2(RENAME_EXCHANGE); the two-rename case covers it")
    script = tmp_path / "child.py"
    script.write_text(_CHILD)
    rng = random.Random(0)
    out = tmp_path / "runs" / "res"
    for trial in range(8):
        child = subprocess.Popen([sys.executable, str(script), str(out), publish], stdout=subprocess.PIPE)
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.0, 0.3))
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        back = load(out)  # never missing, never half-written
        v = back.metrics["marker"]
        assert v in (0.25, 0.75) and torch.equal(back.signal, torch.full((64, 64, 3), v)), trial
        _result(0.5).save(out)
        assert sorted(p.name for p in out.parent.iterdir()) == ["res"], trial
        assert (out.stat().st_mode & 0o777) == 0o777 & ~_umask(), oct(out.stat().st_mode)


def _umask() -> int:
    import os

    m = os.umask(0)
    os.umask(m)
    return m


def test_a_save_killed_between_its_renames_is_repaired(tmp_path):
    """The two-rename fallback killed after moving the old result aside: load and the next save
    put things right."""
    import os

    out = tmp_path / "res"
    _result(0.25).save(out)
    os.replace(out, tmp_path / ".res.aswb-old")  # what the kill left
    (tmp_path / ".res.aswb-tmp-0123").mkdir()
    assert load(out).metrics["marker"] == 0.25  # the old result is back at its path
    _result(0.75).save(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]
    assert load(out).metrics["marker"] == 0.75


def test_saved_folders_and_files_have_ordinary_permissions(tmp_path):
    out = _result().save(tmp_path / "res")
    assert (out.stat().st_mode & 0o777) == 0o777 & ~_umask()
    assert ((out / "signal.pt").stat().st_mode & 0o777) == 0o666 & ~_umask()


def test_saving_over_a_file_is_refused(tmp_path):
    (tmp_path / "res").write_text("not a result")
    with pytest.raises(FileExistsError, match="not a folder"):
        _result().save(tmp_path / "res")
    assert (tmp_path / "res").read_text() == "not a result"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]


@pytest.mark.parametrize("damage, match", [
    (lambda d: (d / "result.json").write_text("{ cut"), "result.json' is damaged"),
    (lambda d: (d / "result.json").write_text("[1, 2]"), "result.json' is damaged"),
    (lambda d: (d / "signal.pt").write_bytes((d / "signal.pt").read_bytes()[:100]), "signal.pt' is damaged"),
    (lambda d: (d / "signal.pt").write_text("hello"), "signal.pt' is damaged"),
])
def test_load_names_the_damaged_file(tmp_path, damage, match):
    out = _result().save(tmp_path / "res")
    damage(out)
    with pytest.raises(ValueError, match=match) as e:
        load(out)
    assert str(out) in str(e.value)
