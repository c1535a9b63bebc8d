"""Constraint projection: balls, masks, range; random starts."""
import pytest
import torch

from aswb.signals import Constraint
from aswb.signals.constraints import check_eps, check_mask


@pytest.mark.parametrize("norm", ["linf", "l2"])
def test_projection_lands_in_the_ball_the_range_and_the_mask(norm):
    g = torch.Generator().manual_seed(0)
    x0 = torch.rand(4, 3, 8, 8, generator=g)
    mask = torch.rand(4, 1, 8, 8, generator=g) > 0.5
    c = Constraint(x0=x0, eps=0.1, norm=norm, mask=mask, batch_dims=1)
    x = c.project(x0 + torch.randn(4, 3, 8, 8, generator=g))
    assert (c.distance(x) <= 0.1 + 1e-6).all()
    assert x.min() >= 0 and x.max() <= 1
    assert torch.equal(x[~mask.expand_as(x)], x0[~mask.expand_as(x)])  # bit-exact outside the mask
    assert torch.equal(c.project(x), x)  # idempotent


def test_l2_projection_is_radial_inside_the_range():
    x0 = torch.full((1, 4), 0.5)
    c = Constraint(x0=x0, eps=0.1, norm="l2", batch_dims=1)
    x = c.project(x0 + torch.tensor([[0.3, 0.4, 0.0, 0.0]]))
    assert torch.allclose(x - x0, torch.tensor([[0.06, 0.08, 0.0, 0.0]]), atol=1e-6)


@pytest.mark.parametrize("norm", ["linf", "l2"])
def test_random_start_is_feasible_and_seeded(norm):
    x0 = torch.rand(2, 3, 4, 4)
    c = Constraint(x0=x0, eps=0.05, norm=norm, batch_dims=1)
    a = c.random_start(torch.Generator().manual_seed(1))
    b = c.random_start(torch.Generator().manual_seed(1))
    assert torch.equal(a, b) and (c.distance(a) <= 0.05 + 1e-6).all() and not torch.equal(a, x0)
    unbounded = Constraint(x0=x0).random_start(torch.Generator().manual_seed(1))
    assert unbounded.min() >= 0 and unbounded.max() <= 1


def test_eps_and_mask_validation():
    assert check_eps(None) is None and check_eps(0) == 0.0
    with pytest.raises(ValueError, match="finite number >= 0"):
        check_eps(-0.1)
    with pytest.raises(ValueError, match="finite number >= 0"):
        check_eps(float("nan"))
    with pytest.raises(TypeError, match="number >= 0 or None"):
        check_eps("8/255")
    with pytest.raises(ValueError, match="norm: expected one of"):
        check_eps(0.1, "l1")
    with pytest.raises(ValueError, match="empty"):
        check_mask(torch.zeros(4, dtype=torch.bool), (4, 3))
    with pytest.raises(ValueError, match=r"expected shape \(4,\)"):
        check_mask(torch.ones(5, dtype=torch.bool), (4, 3))
    with pytest.raises(TypeError, match="bool tensor"):
        check_mask(torch.ones(4), (4, 3))
