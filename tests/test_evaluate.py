"""evaluate: tidy confidence frames, paired summaries, Table 1 / Table 2 layouts, PSNR/SSIM."""
import numpy as np
import pandas as pd
import pytest
import torch

from aswb import evaluate, toyworld as tw

from tinynet import tiny


@pytest.fixture(scope="module")
def frame():
    jeep = tw.mesh("jeep", 1)
    banks = [tw.bank(jeep, 5, c, seed=1, size=32) for c in ("easy", "hard")]
    tex = jeep.textures[0]
    return evaluate.confidence({"a": tiny(), "b": tiny(seed=1)}, banks, {"original": tex, "white": torch.ones_like(tex)},
                               label=0)


def test_confidence_is_tidy_and_consistent(frame):
    assert list(frame.columns) == ["model", "condition", "variant", "view", "label", "pred", "p_true", "correct"]
    assert len(frame) == 2 * 2 * 2 * 5
    assert ((frame.p_true >= 0) & (frame.p_true <= 1)).all()
    assert (frame.correct == (frame.pred == frame.label)).all()


def test_summary_pairs_views_with_the_baseline(frame):
    s = evaluate.summary(frame)
    base = s[s.variant == "original"]
    assert np.allclose(base["Δp_true"], 0) and np.allclose(base["wrong→right"], 0)
    row = s[(s.model == "a") & (s.condition == "hard") & (s.variant == "white")].iloc[0]
    f = frame[(frame.model == "a") & (frame.condition == "hard")]
    d = f[f.variant == "white"].p_true.to_numpy() - f[f.variant == "original"].p_true.to_numpy()
    assert row["Δp_true"] == pytest.approx(d.mean()) and row.ci_lo <= d.mean() <= row.ci_hi
    with pytest.raises(ValueError, match="baseline 'none'"):
        evaluate.summary(frame, baseline="none")


def test_table1_marks_wrong_predictions_with_x():
    df = pd.DataFrame({"object": ["car"] * 4, "variant": ["original", "original", "3d_patch", "3d_patch"],
                       "view": [0, 1, 0, 1], "p_true": [0.3, 0.6, 0.8, 0.9], "correct": [False, True, True, True]})
    t = evaluate.paper_table1(df)
    assert t.loc["car", ("original", 0)] == "x" and t.loc["car", ("3d_patch", 1)] == "0.90"


def test_transfer_matrix_is_source_by_target():
    rows = []
    for model in ("r", "d"):
        for v in (0, 1):
            rows.append({"model": model, "condition": "c", "view": v, "variant": "original", "source": "-", "p_true": 0.5})
            for src, gain in (("r", 0.3), ("d", 0.1)):
                rows.append({"model": model, "condition": "c", "view": v, "variant": f"tex_{src}", "source": src,
                             "p_true": 0.5 + (gain if model == src else gain / 2)})
    m = evaluate.transfer_matrix(pd.DataFrame(rows))
    assert m.loc["r", "r"] == pytest.approx(0.3) and m.loc["r", "d"] == pytest.approx(0.15)
    assert m.loc["d", "d"] == pytest.approx(0.1)


def test_psnr_and_ssim():
    x = torch.rand(2, 3, 16, 16)
    assert torch.isinf(evaluate.psnr(x, x)).all() or (evaluate.psnr(x, x) > 100).all()
    assert torch.allclose(evaluate.ssim(x, x), torch.ones(2), atol=1e-4)
    y = (x + 0.1).clamp(0, 1)
    assert (evaluate.psnr(x, y) < 30).all() and (evaluate.ssim(x, torch.rand(2, 3, 16, 16)) < 0.5).all()


def test_confidence_errors():
    with pytest.raises(TypeError, match="Classifier"):
        evaluate.confidence("resnet", [], {}, 0)
    with pytest.raises(TypeError, match="ViewBank"):
        evaluate.confidence(tiny(), [], {"a": torch.zeros(1)}, 0)


def test_summary_pairs_across_objects_without_mixing_them():
    rows = []
    for obj, base_p in (("car", 0.2), ("lamp", 0.6)):
        for v in range(3):
            rows.append({"model": "m", "object": obj, "condition": "c", "view": v, "variant": "original",
                         "p_true": base_p, "correct": False})
            rows.append({"model": "m", "object": obj, "condition": "c", "view": v, "variant": "signal",
                         "p_true": base_p + (0.1 if obj == "car" else 0.3), "correct": True})
    s = evaluate.summary(pd.DataFrame(rows), by=("condition",))
    row = s[s.variant == "signal"].iloc[0]
    assert row["Δp_true"] == pytest.approx(0.2) and row["wrong→right"] == 1.0 and row.n == 6


def test_view_bank_images_are_the_renders_channels_first():
    jeep = tw.mesh("jeep", 1)
    bank = tw.bank(jeep, 3, "hard", seed=2, size=32)
    tex = torch.rand(jeep.textures[0].shape, generator=torch.Generator().manual_seed(0))
    assert torch.equal(bank.images(), bank.render().permute(0, 3, 1, 2))
    assert torch.equal(bank.images(tex), bank.render(texture=tex).permute(0, 3, 1, 2))
    vc = torch.rand(jeep.num_verts, 3, generator=torch.Generator().manual_seed(1))
    assert torch.equal(bank.images(vc), bank.render(vertex_colors=vc).permute(0, 3, 1, 2))
    assert evaluate.ViewBank.of(bank) is bank and evaluate.Bank is evaluate.ViewBank
    wrapped = evaluate.ViewBank.of(bank.scene, name="plain")
    assert wrapped.noise is None and wrapped.name == "plain" and len(wrapped) == 3
    with pytest.raises(TypeError, match="views: expected an aswb.views.ViewBank or an aswb.render.Scene"):
        evaluate.ViewBank.of("views")
    with pytest.raises(ValueError, match=r"colors: expected a UV texture \(Ht, Wt, 3\) or vertex colours"):
        bank.images(torch.rand(4, 4))


def test_predict_is_the_mean_probability_in_batches():
    from aswb.models import predict

    a, b = tiny(), tiny(seed=1)
    x = torch.rand(7, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        want = (a.probs(x) + b.probs(x)) / 2
    got = predict([a, b], x, batch=3)
    assert got.shape == (7, 8) and not got.requires_grad
    assert torch.allclose(got, want, atol=1e-6) and torch.allclose(got.sum(1), torch.ones(7))
    assert torch.allclose(predict({"a": a}, x), predict(a, x))
    with pytest.raises(ValueError, match="batch: expected a positive int"):
        predict(a, x, batch=0)
    with pytest.raises(TypeError, match="classifiers: expected an aswb.World, a Classifier"):
        predict("resnet18", x)


def _frame(values: dict, conditions=("hard", "easy"), views=4) -> "pd.DataFrame":
    """A confidence frame: ``values`` {variant: p_true of every view} (a number, or one per view)."""
    import pandas as pd

    rows = []
    for c in conditions:
        for v, p in values.items():
            for i in range(views):
                q = p[i] if isinstance(p, (list, tuple)) else p
                rows.append({"model": "m", "condition": c, "variant": v, "view": i, "label": 1,
                             "pred": 1 if q > 0.5 else 0, "p_true": q, "correct": q > 0.5})
    return pd.DataFrame(rows)


def test_condition_table_puts_each_signal_beside_the_original_and_its_best_same_area_control():
    df = _frame({"original": 0.2, "3d_patch": [0.5, 0.6, 0.7, 0.6], "full_texture": 0.9, "patch_white": 0.3,
                 "patch_noise": 0.4, "full_black": 0.1, "full_white": 0.25})
    t = evaluate.condition_table(df, n_boot=200)
    assert list(t.condition) == ["easy", "easy", "hard", "hard"]  # canonical order, never pooled
    patch = t[(t.signal == "3d_patch") & (t.condition == "easy")].iloc[0]
    assert patch.control == "patch_noise" and patch.p_original == pytest.approx(0.2)
    assert patch.dp == pytest.approx(0.4) and patch.dp_lo <= 0.4 <= patch.dp_hi
    assert patch.margin == pytest.approx(0.2) and 0.1 <= patch.margin_lo <= 0.2 <= patch.margin_hi <= 0.3
    full = t[(t.signal == "full_texture") & (t.condition == "hard")].iloc[0]
    assert full.control == "full_white" and full.dp_control == pytest.approx(0.05) and full.acc_signal == 1.0
    text = evaluate.format_condition_table(t)
    assert "easy" in text and "best control patch_noise 0.40" in text and "0.20 -> 0.60 (+0.40" in text
    only = evaluate.condition_table(df, signals=["full_texture"], controls={"full_texture": ["patch_white"]})
    assert set(only.signal) == {"full_texture"} and set(only.control) == {"patch_white"}
    none = evaluate.condition_table(_frame({"original": 0.2, "3d_patch": 0.3}))
    assert set(none.control) == {""} and none.margin.isna().all()
    with pytest.raises(ValueError, match=r"signals: \['2d_patch'\] are not variants"):
        evaluate.condition_table(df, signals=["2d_patch"])


def test_summaries_refuse_nan_confidences():
    df = _frame({"original": 0.2, "3d_patch": [0.5, float("nan"), 0.7, 0.6]})
    with pytest.raises(ValueError, match="p_true is NaN or infinite in 2 rows"):
        evaluate.summary(df)
