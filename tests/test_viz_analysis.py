"""aswb.viz.render_diff and aswb.viz.palette (figures of aswb.analysis results)."""
import pytest
import torch

from aswb import analysis as an
from aswb import viz


def test_render_diff_has_three_rows_of_views_and_captions():
    a = torch.rand(3, 8, 8, 3, generator=torch.Generator().manual_seed(0))
    b = a.clone()
    b[1, :4] = 1.0
    fig = viz.render_diff(a, b)
    assert len(fig.axes) == 9
    caps = [ax.get_xlabel() for ax in fig.axes[6:]]
    assert caps[0] == "max 0.00" and caps[1] != "max 0.00"
    assert len(viz.render_diff(a.permute(0, 3, 1, 2), b.permute(0, 3, 1, 2), titles=["x", "y", "z"]).axes) == 9


def test_render_diff_errors():
    with pytest.raises(ValueError, match="shape of before"):
        viz.render_diff(torch.rand(2, 8, 8, 3), torch.rand(3, 8, 8, 3))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        viz.render_diff(torch.rand(2, 8, 8, 3) + 1, torch.rand(2, 8, 8, 3))


def test_palette_draws_one_bar_per_dominant_colour():
    tex = torch.zeros(8, 8, 3)
    sig = tex.clone()
    sig[:2] = torch.tensor([1.0, 0.0, 0.0])
    cs = an.color_stats(tex, sig, k=3)
    fig = viz.palette(cs, title="t")
    assert len(fig.axes[0].patches) == len(cs.palette)
    with pytest.raises(TypeError, match="ColorStats"):
        viz.palette(cs.palette)
