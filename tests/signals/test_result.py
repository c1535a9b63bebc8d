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
    assert torch.equal(back.signal, r.signal) and back.kind == "uv"
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
