"""Model-card tables: controls and agreement arithmetic; paired held-out renders."""
import pandas as pd
import torch

from aswb.toyworld import card


def frame():
    rows = []
    # model a: right on 3 of 4 originals; model b: right on 2; white variant of a: right on 4
    for model, correct in (("a", [1, 1, 1, 0]), ("b", [1, 0, 1, 0])):
        for i, c in enumerate(correct):
            rows.append({"model": model, "variant": "original", "condition": "hard", "seed": 0, "class": "jeep",
                         "view": i, "label": 0, "pred": 0 if c else 1, "correct": bool(c), "p_true": 0.9 if c else 0.1})
    for i in range(4):
        rows.append({"model": "a", "variant": "white", "condition": "hard", "seed": 0, "class": "jeep", "view": i,
                     "label": 0, "pred": 0, "correct": True, "p_true": 0.8})
    return pd.DataFrame(rows)


def test_controls_table_reports_the_change_over_the_original():
    t = card.controls_table(frame())
    assert t.loc[("a", "hard"), "original"] == 75.0
    assert t.loc[("a", "hard"), "white - original"] == 25.0


def test_agreement_table_counts_same_predictions_and_shared_errors():
    t = card.agreement_table(frame())
    row = t.iloc[0]
    assert row["pair"] == "a / b"
    assert row["same prediction %"] == 75.0  # views 0, 2, 3 agree
    assert row["errors of both / errors of either %"] == 50.0  # view 3 of {1, 3}


def test_heldout_variants_share_views_lights_and_backgrounds():
    images, meta = card.render_heldout(views=2, conditions=("hard_view",), seeds=[100_000])
    assert set(images) == set(card.VARIANTS) and len(meta) == 16
    orig, white, bright = images["original"], images["white"], images["bright"]
    same_bg = (orig == white).all(-1)  # background pixels are identical across variants
    assert same_bg.float().mean() > 0.3
    assert torch.equal(same_bg, (orig == bright).all(-1) | same_bg)
    assert (white.mean() > orig.mean()) and (bright.mean() >= orig.mean())
