"""fastoptim's schedules against torch.optim.lr_scheduler (issue 20, item 4): the same rates
epoch after epoch, ReduceOnPlateau as ReduceLROnPlateau over every option, and LRScheduler
driving an optimizer by hand as torch's scheduler drives torch's optimizer."""
import itertools
import math
import pickle

import numpy as np
import pytest

from fastoptim.optim import SGD, Adam
from fastoptim.optim.schedules import (CosineDecay, ExponentialDecay, LinearDecay,
                                       LRScheduler, ReduceOnPlateau, StepDecay)

torch = pytest.importorskip("torch")
L = torch.optim.lr_scheduler


def _torch_rates(make, n):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.1)
    scheduler, rates = make(opt), []
    for _ in range(n):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return rates


def _our_rates(schedule, n):
    scheduler, rates = LRScheduler(SGD(lr=1.0), schedule), []
    for epoch in range(n):
        rates.append(scheduler.get_last_lr()[0])
        if epoch < n - 1:
            scheduler.step()
    return rates


@pytest.mark.parametrize("ours, theirs, n", [
    (StepDecay(0.1, step_size=7), lambda o: L.StepLR(o, 7), 50),  # gamma=0.1 both
    (StepDecay(0.1, step_size=3, gamma=0.5), lambda o: L.StepLR(o, 3, gamma=0.5), 50),
    (ExponentialDecay(0.1, -math.log(0.9)), lambda o: L.ExponentialLR(o, 0.9), 50),
    (CosineDecay(0.1, 20, final_lr=0.001), lambda o: L.CosineAnnealingLR(o, 20, eta_min=0.001),
     21),  # torch's cosine turns back up after T_max; fastoptim's stays at final_lr
    (CosineDecay(0.1, 20), lambda o: L.CosineAnnealingLR(o, 20), 20),  # (a rate of 0 after
    # epoch 20 is refused by fastoptim's optimizers, where torch's SGD takes it)
    (LinearDecay(0.1, 10, final_lr=0.01),
     lambda o: L.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=10), 50),
], ids=["StepLR", "StepLR-0.5", "ExponentialLR", "CosineAnnealingLR-eta_min",
        "CosineAnnealingLR", "LinearLR"])
def test_the_rates_equal_torchs(ours, theirs, n):
    np.testing.assert_allclose(_our_rates(ours, n), _torch_rates(theirs, n), rtol=1e-12,
                               atol=0)


def test_step_decay_defaults_are_torchs():
    assert StepDecay(0.1, step_size=2).gamma == 0.1
    r = ReduceOnPlateau(0.1)
    assert (r.mode, r.factor, r.patience, r.threshold, r.threshold_mode, r.cooldown, r.min_lr,
            r.eps) == ("min", 0.1, 10, 1e-4, "rel", 0, 0.0, 1e-8)


_METRICS = [5.0, 4.0, 3.0, 3.0, 2.9999, 3.1, 2.0, 2.0, 2.5, 1.00005, 1.0, 1.0, 1.2, 0.99995,
            1.1, 1.3, 0.7, 0.8, 0.9, 0.6, 0.61, 0.62, 0.63, 0.64, -0.1, -0.1, -0.2, 0.3, 0.3,
            0.3, 0.29, 0.28, 0.4, 0.5]


@pytest.mark.parametrize("mode, threshold_mode, patience, cooldown, threshold, min_lr, factor",
                         list(itertools.product(["min", "max"], ["rel", "abs"], [0, 1, 3],
                                                [0, 2], [0.0, 1e-4, 0.1], [0.0, 0.02],
                                                [0.1, 0.5])))
def test_reduce_on_plateau_is_torchs_rule(mode, threshold_mode, patience, cooldown, threshold,
                                          min_lr, factor):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=1.0)
    theirs = L.ReduceLROnPlateau(opt, mode=mode, factor=factor, patience=patience,
                                 threshold=threshold, threshold_mode=threshold_mode,
                                 cooldown=cooldown, min_lr=min_lr)
    ours = ReduceOnPlateau(1.0, mode=mode, factor=factor, patience=patience,
                           threshold=threshold, threshold_mode=threshold_mode,
                           cooldown=cooldown, min_lr=min_lr)
    for metric in _METRICS:
        theirs.step(metric)
        assert ours.update(metric) == opt.param_groups[0]["lr"]
        assert ours.num_bad_epochs == theirs.num_bad_epochs
        assert ours.cooldown_counter == theirs.cooldown_counter
        assert ours.best == theirs.best


def test_the_previous_epoch_rule_is_kept():
    """MATH.md's rule, "halve when the validation loss rose since the last epoch"."""
    s = ReduceOnPlateau(1.0, factor=0.5, patience=0, threshold=0.0, reference="last")
    assert [s.update(v) for v in [3.0, 2.0, 2.0, 2.5, 2.4, 2.6]] == \
        [1.0, 1.0, 1.0, 0.5, 0.5, 0.25]


def _quadratic(x):
    return 0.5 * float(x @ (np.arange(1, 5) * x)), np.arange(1, 5) * x


@pytest.mark.parametrize("case", ["SGD+StepLR", "Adam+CosineAnnealingLR",
                                  "SGD+ReduceLROnPlateau"])
def test_a_hand_written_loop_equals_torchs(case):
    """LRScheduler drives fastoptim's optimizer through a loop as torch's scheduler drives
    torch's: the same parameters after 30 epochs of 3 steps each."""
    x0 = np.array([1.0, -2.0, 0.5, 3.0])
    if case == "SGD+StepLR":
        ours_opt, schedule = SGD(lr=0.1, momentum=0.9), StepDecay(0.1, step_size=5)
        t_opt = lambda p: torch.optim.SGD([p], lr=0.1, momentum=0.9)
        t_sched = lambda o: L.StepLR(o, 5)
    elif case == "Adam+CosineAnnealingLR":
        ours_opt, schedule = Adam(lr=0.05), CosineDecay(0.05, 30, final_lr=1e-3)
        t_opt = lambda p: torch.optim.Adam([p], lr=0.05)
        t_sched = lambda o: L.CosineAnnealingLR(o, 30, eta_min=1e-3)
    else:
        ours_opt, schedule = SGD(lr=0.4), ReduceOnPlateau(0.4, factor=0.5, patience=1)
        t_opt = lambda p: torch.optim.SGD([p], lr=0.4)
        t_sched = lambda o: L.ReduceLROnPlateau(o, factor=0.5, patience=1)
    x = x0.copy()
    scheduler = LRScheduler(ours_opt, schedule)
    p = torch.nn.Parameter(torch.tensor(x0, dtype=torch.float64))
    opt = t_opt(p)
    t_scheduler = t_sched(opt)
    scale = torch.arange(1, 5, dtype=torch.float64)
    for _ in range(30):
        for _ in range(3):
            value, grad = _quadratic(x)
            ours_opt.step(x, grad)
            opt.zero_grad()
            (0.5 * (p * scale * p).sum()).backward()
            opt.step()
        if case == "SGD+ReduceLROnPlateau":
            scheduler.step(_quadratic(x)[0])
            t_scheduler.step(float(0.5 * (p * scale * p).sum().detach()))
        else:
            scheduler.step()
            t_scheduler.step()
        assert scheduler.get_last_lr()[0] == pytest.approx(opt.param_groups[0]["lr"],
                                                           rel=1e-12)
    np.testing.assert_allclose(x, p.detach().numpy(), rtol=1e-10, atol=1e-13)


def test_state_dict_round_trip_and_bad_calls():
    opt = SGD(lr=1.0)
    a = LRScheduler(opt, ReduceOnPlateau(1.0, factor=0.5, patience=0))
    for v in [3.0, 4.0, 5.0]:
        a.step(v)
    state = pickle.loads(pickle.dumps(a.state_dict()))
    b = LRScheduler(SGD(lr=1.0), ReduceOnPlateau(1.0, factor=0.5, patience=0))
    b.load_state_dict(state)
    assert b.last_epoch == 3 and b.get_last_lr() == a.get_last_lr() == [0.25]
    assert b.optimizer.lr == 0.25
    for v in [6.0, 1.0]:
        assert a.step(v) is None and b.step(v) is None
    assert a.get_last_lr() == b.get_last_lr()
    with pytest.raises(TypeError, match=r"needs the epoch's metric: scheduler\.step\(val_loss\)"):
        a.step()
    with pytest.raises(TypeError, match="takes no metric"):
        LRScheduler(SGD(lr=1.0), StepDecay(0.1, 2)).step(0.5)
    with pytest.raises(ValueError, match=r"state_dict\['schedule'\] holds"):
        LRScheduler(SGD(lr=1.0), StepDecay(0.1, 2)).load_state_dict(state)
    with pytest.raises(TypeError, match="schedule must be a schedule object"):
        LRScheduler(SGD(lr=1.0), 0.1)
