"""Headlines: recorded per source, collected as one table, bad values refused."""
import numpy as np
import pytest
import torch

from aswb.report import headline, headlines


def test_headlines_round_trip(tmp_path, monkeypatch):
    monkeypatch.setenv("ASWB_HEADLINES", str(tmp_path))
    headline("00_tour", p_true_before=0.412345678, p_true_after=0.9)
    headline("03_patches", delta=0.2)
    t = headlines()
    assert list(t.source.unique()) == ["00_tour", "03_patches"]
    assert t[(t.source == "00_tour") & (t.metric == "p_true_before")].value.item() == 0.4123


def test_numpy_and_torch_scalars_are_numbers(tmp_path, monkeypatch):
    monkeypatch.setenv("ASWB_HEADLINES", str(tmp_path))
    rec = headline("x", a=np.float32(0.25), b=np.int64(3), c=torch.tensor(0.5), d=np.array([0.125]))
    assert rec == {"a": 0.25, "b": 3.0, "c": 0.5, "d": 0.125}
    assert all(type(v) is float for v in rec.values())  # JSON-ready


def test_bad_headlines(tmp_path, monkeypatch):
    monkeypatch.setenv("ASWB_HEADLINES", str(tmp_path))
    with pytest.raises(ValueError, match="finite number"):
        headline("x", a=float("nan"))
    with pytest.raises(ValueError, match="finite number"):
        headline("x", a="high")
    with pytest.raises(ValueError, match="finite number"):
        headline("x", a=torch.tensor([0.1, 0.2]))  # not one number
    with pytest.raises(ValueError, match="finite number"):
        headline("x", a=np.float32("inf"))
    with pytest.raises(ValueError, match="finite number"):
        headline("x", a=True)
    with pytest.raises(ValueError, match="non-empty name"):
        headline("", a=1.0)
