"""Headlines: recorded per source, collected as one table, bad values refused."""
import json

import numpy as np
import pytest
import torch

from aswb.report import check_claims, compare_headlines, headline, headlines, store_reference


def test_headlines_round_trip(tmp_path, monkeypatch):
    monkeypatch.setenv("ASWB_HEADLINES", str(tmp_path))
    headline("00_tour", p_true_before=0.412345678, p_true_after=0.9)
    headline("03_patches", delta=0.2)
    t = headlines()
    assert list(t.source.unique()) == ["00_tour", "03_patches"]
    assert t[(t.source == "00_tour") & (t.metric == "p_true_before")].value.item() == 0.412345678  # full precision
    assert repr(headline("x", a=0.123456, b=0.5)) == "{'a': 0.1235, 'b': 0.5}"  # shown rounded


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


def _ref(**notebooks):
    return {"tolerances": {"eps_*": 0, "psnr_*": 1.5, "*": 0.05}, "notebooks": notebooks}


def test_compare_headlines_within_and_outside_tolerance(tmp_path, monkeypatch):
    monkeypatch.setenv("ASWB_HEADLINES", str(tmp_path))
    headline("01", eps_255=8.0, p_true_assisted=0.93, psnr_db=31.8)
    ref = _ref(**{"01": {"eps_255": 8.0, "p_true_assisted": 0.945, "psnr_db": 33.05}})
    t = compare_headlines(tmp_path, ref).set_index("metric")
    assert t.ok.all() and t.loc["psnr_db", "tol"] == 1.5 and t.loc["eps_255", "tol"] == 0
    # an assistive signal replaced by the original: p_true falls to the original's level
    headline("01", eps_255=8.0, p_true_assisted=0.47, psnr_db=33.0)
    t = compare_headlines(tmp_path, ref).set_index("metric")
    assert not t.loc["p_true_assisted", "ok"] and t.loc["p_true_assisted", "diff"] == pytest.approx(0.475)
    assert t.drop("p_true_assisted").ok.all()


def test_compare_headlines_missing_and_unreferenced(tmp_path, monkeypatch):
    monkeypatch.setenv("ASWB_HEADLINES", str(tmp_path))
    headline("00", p=0.5, extra=1.0)
    t = compare_headlines(tmp_path, _ref(**{"00": {"p": 0.5, "q": 0.1}, "01": {"p": 0.2}}))
    bad = t[~t.ok]
    assert set(zip(bad.source, bad.metric)) == {("00", "q"), ("00", "extra"), ("01", "p")}
    assert t.set_index(["source", "metric"]).loc[("00", "p"), "ok"]


def test_store_reference_keeps_tolerances(tmp_path, monkeypatch):
    heads = tmp_path / "h"
    monkeypatch.setenv("ASWB_HEADLINES", str(heads))
    headline("00", p=0.123456789)
    path = tmp_path / "ref.json"
    path.write_text(json.dumps(_ref(**{"07": {"acc": 0.7}})))
    ref = store_reference(heads, path)
    assert ref["tolerances"] == _ref()["tolerances"]
    assert json.loads(path.read_text())["notebooks"] == {"00": {"p": 0.123457}, "07": {"acc": 0.7}}
    assert compare_headlines(heads, path).ok.all() is np.False_  # 07 was not recorded here


def test_compare_headlines_bad_input(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such headline folder"):
        compare_headlines(tmp_path / "nope", _ref())
    with pytest.raises(FileNotFoundError, match="reference: no such file"):
        compare_headlines(tmp_path, tmp_path / "nope.json")
    (tmp_path / "bad.txt").write_text("{not json")
    with pytest.raises(ValueError, match=r"reference .*bad.txt.*cannot be read \(JSONDecodeError"):
        compare_headlines(tmp_path, tmp_path / "bad.txt")
    with pytest.raises(ValueError, match="expected {'tolerances'"):
        compare_headlines(tmp_path, {"notebooks": {}})
    with pytest.raises(ValueError, match="tolerance of '\\*'"):
        compare_headlines(tmp_path, {"tolerances": {"*": -1}, "notebooks": {}})
    (tmp_path / "00.json").write_text('{"p": 0.5}')
    with pytest.raises(ValueError, match="no tolerance pattern matches metric 'p'"):
        compare_headlines(tmp_path, {"tolerances": {"acc*": 0.1}, "notebooks": {"00": {"p": 0.5}}})
    (tmp_path / "01.json").write_text('{"p": 0.5')  # a damaged headline file is named
    with pytest.raises(ValueError, match=r"headline file .*01.json.*cannot be read \(JSONDecodeError"):
        compare_headlines(tmp_path, _ref())


def test_claims_catch_a_signal_replaced_by_the_original(tmp_path, monkeypatch):
    monkeypatch.setenv("ASWB_HEADLINES", str(tmp_path))
    ref = dict(_ref(), claims={"00": ["p_true_assistive > p_true_original", "acc >= 0.5"], "01": ["dp > 0"]})
    headline("00", p_true_original=0.2, p_true_assistive=0.39, acc=0.5)
    t = check_claims(tmp_path, ref)
    assert list(t.ok) == [True, True, False]  # 01 was not recorded: its claim fails
    headline("00", p_true_original=0.2, p_true_assistive=0.2, acc=0.5)  # the original, twice
    assert not check_claims(tmp_path, ref).set_index("claim").loc["p_true_assistive > p_true_original", "ok"]
    with pytest.raises(ValueError, match="claim 'a = b' of '00'"):
        check_claims(tmp_path, dict(_ref(), claims={"00": ["a = b"]}))
    with pytest.raises(ValueError, match="expected {'tolerances'"):
        check_claims(tmp_path, dict(_ref(), claims=["a > b"]))


# -- issue 22: a headline never writes outside the headline folder
@pytest.mark.parametrize("source", ["../x", "a/b", "..", ".", "a\\b", "/abs", "x\0y"])
def test_headline_refuses_names_outside_its_folder(tmp_path, monkeypatch, source):
    monkeypatch.setenv("ASWB_HEADLINES", str(tmp_path / "heads"))
    with pytest.raises(ValueError, match="source: expected a file name inside the headline folder"):
        headline(source, p=0.5)
    assert not (tmp_path / "x.json").exists() and not list(tmp_path.rglob("*.json"))


@pytest.mark.parametrize("text", ['{"p": 0.5', "[1, 2]", '{"p": "high"}'])
def test_headlines_name_a_damaged_file(tmp_path, text):
    (tmp_path / "good.json").write_text('{"p": 0.5}')
    (tmp_path / "bad.json").write_text(text)
    with pytest.raises(ValueError, match=r"headline file '.*bad.json'"):
        headlines(tmp_path)
