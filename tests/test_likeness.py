"""analysis.class_likeness: correlation with the class's distinguishing mean image, the perturbation alone."""
import pytest
import torch

from aswb import analysis


def test_a_perturbation_shaped_like_the_class_mean_correlates_fully(clf):
    g = torch.Generator().manual_seed(0)
    x = torch.rand(12, 3, 32, 32, generator=g)
    y = torch.arange(12) % 3
    ref = x[y == 1].mean(0) - x.mean(0)
    out = analysis.class_likeness(0.03 * ref, x, y, 1, clf)
    assert out["corr_class_mean"] == pytest.approx(1.0, abs=1e-5)
    assert analysis.class_likeness(-ref, x, y, 1, clf)["corr_class_mean"] == pytest.approx(-1.0, abs=1e-5)
    assert 0 <= out["p_label_alone"] <= 1 and 0 <= out["top1_alone"] < clf.num_classes
    shown = analysis.perturbation_image(0.03 * ref)
    assert float(shown.min()) >= 0 and float(shown.max()) <= 1 and float((shown - 0.5).abs().max()) == pytest.approx(0.5)
    assert torch.equal(analysis.perturbation_image(torch.zeros(3, 4, 4)), torch.full((3, 4, 4), 0.5))


def test_likeness_errors(clf):
    x, y = torch.rand(4, 3, 32, 32), torch.tensor([0, 0, 1, 1])
    with pytest.raises(ValueError, match="no image of class 2"):
        analysis.class_likeness(torch.zeros(3, 32, 32), x, y, 2, clf)
    with pytest.raises(ValueError, match="delta"):
        analysis.class_likeness(torch.zeros(3, 16, 16), x, y, 0, clf)
    with pytest.raises(ValueError, match="delta"):
        analysis.perturbation_image(torch.zeros(32, 32))
