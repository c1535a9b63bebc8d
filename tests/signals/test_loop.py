"""The one optimisation loop: step rules as optimiser objects, task and penalty kept apart."""
import pytest
import torch

from aswb.signals import Adam, Constraint, LoopSettings, Momentum, SignedGradient, Terms, eot_patch, run, tv_image
from aswb.signals.steps import step_rule


def _quadratic(target):
    def objective(x, step):
        loss = ((x - target) ** 2).sum()
        return Terms(loss, torch.ones(1))
    return objective


def test_signed_gradient_moves_every_entry_by_alpha():
    x0 = torch.zeros(5)
    target = torch.tensor([1.0, -1.0, 2.0, -2.0, 0.5])
    x, hist = run(Constraint(x0=x0, eps=None, lo=-10, hi=10), _quadratic(target), LoopSettings(steps=1, alpha=0.1))
    assert torch.allclose(x, torch.tensor([0.1, -0.1, 0.1, -0.1, 0.1]))
    assert list(hist.step) == [0, 1] and hist.loss.iloc[1] < hist.loss.iloc[0]


def test_adam_matches_torch_optim_adam():
    g = torch.Generator().manual_seed(0)
    x0, target = torch.rand(7, generator=g), torch.rand(7, generator=g) * 3
    x, _ = run(Constraint(x0=x0, eps=None, lo=-10, hi=10), _quadratic(target),
               LoopSettings(steps=25, step_rule=Adam(lr=0.05, betas=(0.8, 0.99))))
    ref = x0.clone().requires_grad_(True)
    opt = torch.optim.Adam([ref], lr=0.05, betas=(0.8, 0.99), eps=1e-8)
    for _ in range(25):
        opt.zero_grad()
        ((ref - target) ** 2).sum().backward()
        opt.step()
    assert torch.allclose(x, ref.detach(), atol=1e-6)


def test_adam_by_name_uses_alpha_as_learning_rate():
    assert step_rule("adam", 0.3) == Adam(lr=0.3)
    assert step_rule("momentum", 0.2) == Momentum(alpha=0.2)
    r = Momentum(0.1, decay=0.5)
    assert step_rule(r, 99.0) is r


def test_momentum_is_mi_fgsm():
    grads = [torch.tensor([1.0, -3.0]), torch.tensor([-4.0, 1.0])]
    s = Momentum(alpha=0.5, decay=1.0).start()
    x = s.step(torch.zeros(2), grads[0])  # g = [0.5, -1.5]
    assert torch.equal(x, torch.tensor([-0.5, 0.5]))
    x = s.step(x, grads[1])  # g = [0.5 - 1.6, -1.5 + 0.4]
    assert torch.equal(x, torch.tensor([0.0, 1.0]))


def test_momentum_without_decay_is_the_signed_gradient():
    g = torch.randn(10, generator=torch.Generator().manual_seed(1))
    s, ref = Momentum(0.1, decay=0.0).start(), SignedGradient(0.1).start()
    x = torch.zeros(10)
    for k in range(3):
        assert torch.equal(s.step(x, g * (k + 1)), ref.step(x, g * (k + 1)))


def test_the_sign_applies_to_the_task_only():
    """Assist descends task + penalty; attack descends -task + penalty (the penalty still penalises)."""
    def objective(x, step):
        return Terms(x.sum(), torch.ones(1), {}, (x**2).sum())

    con = Constraint(x0=torch.zeros(3), eps=None, lo=-10, hi=10)
    up, hist = run(con, objective, LoopSettings(steps=200, step_rule=Adam(lr=0.05), sign=-1))
    down, _ = run(con, objective, LoopSettings(steps=200, step_rule=Adam(lr=0.05), sign=1))
    assert torch.allclose(up, torch.full((3,), 0.5), atol=0.05)  # argmin of -x + x^2
    assert torch.allclose(down, torch.full((3,), -0.5), atol=0.05)  # argmin of x + x^2
    row = hist.iloc[-1]
    assert row.objective == pytest.approx(-row.loss + row.penalty, rel=1e-5)


def test_an_adversarial_eot_patch_with_tv_is_smoother_than_without(clf):
    """The penalty is descended in attacks too: a TV weight smooths an adversarial patch."""
    x = torch.rand(8, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    kw = dict(area=0.2, steps=30, batch_size=8, alpha=0.05, attack=True, seed=0)
    rough = eot_patch(clf, x, 3, **kw)
    smooth = eot_patch(clf, x, 3, tv=2.0, **kw)
    assert float(tv_image(smooth.signal)) < 0.5 * float(tv_image(rough.signal))
    assert smooth.history.p_true.iloc[-1] < smooth.history.p_true.iloc[0]  # still an attack


def test_a_plain_tuple_objective_still_works():
    x, hist = run(Constraint(x0=torch.zeros(2), eps=None, lo=-1, hi=1),
                  lambda x, s: ((x - 1).pow(2).sum(), torch.ones(1), {"k": 1.0}), LoopSettings(steps=3, alpha=0.1))
    assert "penalty" not in hist and hist.k.tolist() == [1.0] * 4


def test_keep_best_returns_the_best_iterate():
    # a signed step of 0.3 overshoots the minimum at 0.1: step 1 is the best
    x, hist = run(Constraint(x0=torch.zeros(1), eps=None, lo=-1, hi=1), _quadratic(torch.tensor([0.1])),
                  LoopSettings(steps=3, alpha=0.3, keep_best=True))
    assert hist.objective.idxmin() == 0 and torch.equal(x, torch.zeros(1))


def test_without_the_last_evaluation_the_objective_runs_once_per_step():
    calls = []

    def objective(x, step):
        calls.append(step)
        return (x - 1).pow(2).sum(), torch.ones(1), {}

    con = Constraint(x0=torch.zeros(2), eps=None, lo=-1, hi=1)
    x, hist = run(con, objective, LoopSettings(steps=3, alpha=0.1, evaluate_last=False))
    assert calls == [0, 1, 2] and len(hist) == 3
    y, _ = run(con, objective, LoopSettings(steps=3, alpha=0.1))
    assert torch.equal(x, y)  # the same iterate, one forward pass fewer
    with pytest.raises(ValueError, match="keep_best needs evaluate_last"):
        LoopSettings(keep_best=True, evaluate_last=False)
    with pytest.raises(TypeError, match="evaluate_last"):
        LoopSettings(evaluate_last=1)


@pytest.mark.parametrize("bad, match", [
    (lambda x, s: x.sum(), "objective: expected Terms"),
    (lambda x, s: (x.sum(), torch.ones(1)), "objective: expected Terms"),
    (lambda x, s: Terms(x.sum() * float("nan"), torch.ones(1)), "non-finite"),
])
def test_bad_objectives_get_clear_errors(bad, match):
    with pytest.raises((TypeError, FloatingPointError), match=match):
        run(Constraint(x0=torch.zeros(2), eps=None), bad, LoopSettings(steps=1))


@pytest.mark.parametrize("kw, match", [
    (dict(step_rule="newton"), "step_rule: expected one of"),
    (dict(step_rule=3), "step_rule: expected one of"),
    (dict(alpha=0.0), "alpha"),
    (dict(steps=-1), "steps"),
    (dict(sign=0), "sign"),
])
def test_bad_settings_get_clear_errors(kw, match):
    with pytest.raises(ValueError, match=match):
        LoopSettings(**kw)


@pytest.mark.parametrize("make, match", [
    (lambda: SignedGradient(alpha=-1), "alpha"),
    (lambda: Adam(lr=float("inf")), "lr"),
    (lambda: Adam(betas=(0.9, 1.0)), "betas"),
    (lambda: Momentum(decay=-0.1), "decay"),
])
def test_bad_step_rules_get_clear_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_run_refuses_what_is_not_a_constraint():
    with pytest.raises(TypeError, match="Constraint"):
        run(torch.zeros(2), _quadratic(torch.zeros(2)))
