"""fastoptim.optim.schedules: every formula against hand-computed values, the
warm-up seam, ReduceOnPlateau's rule, the momentum schedule, argument checks,
pickling, and apply() on real optimizers."""
import math
import pickle

import numpy as np
import pytest

from fastoptim.optim.schedules import (Constant, CosineDecay, ExponentialDecay, InverseSqrtDecay,
                                       InverseTimeDecay, LinearDecay, MomentumSchedule,
                                       ReduceOnPlateau, StepDecay, Warmup, apply)

#: One instance of every learning-rate schedule, each with lr0 = 0.8.
LR_SCHEDULES = [
    Constant(0.8),
    StepDecay(0.8, step_size=3, gamma=0.5),
    StepDecay(0.8, step_size=1, gamma=0.1),
    ExponentialDecay(0.8, rate=0.2),
    InverseTimeDecay(0.8, rate=0.5),
    InverseSqrtDecay(0.8),
    CosineDecay(0.8, total=10),
    CosineDecay(0.8, total=10, final_lr=0.1),
    LinearDecay(0.8, total=4),
    LinearDecay(0.8, total=4, final_lr=0.2),
    ReduceOnPlateau(0.8),
]


@pytest.mark.parametrize("schedule", LR_SCHEDULES, ids=repr)
def test_every_schedule_starts_at_lr0(schedule):
    assert schedule(1) == 0.8


# -- formulas against hand-computed values ---------------------------------------------------

HAND = [
    (Constant(0.8), {1: 0.8, 2: 0.8, 10 ** 6: 0.8}),
    # halve every 3 steps: t = 1, 2, 3 | 4, 5, 6 | 7 ...
    (StepDecay(0.8, step_size=3, gamma=0.5), {2: 0.8, 3: 0.8, 4: 0.4, 6: 0.4, 7: 0.2, 10: 0.1}),
    (StepDecay(0.8, step_size=1, gamma=0.1), {2: 0.08, 3: 0.008, 5: 0.8e-4}),
    # 0.8 exp(-0.2 (t - 1)): exp(-0.2) = 0.8187307531, exp(-1) = 0.3678794412, exp(-2) = 0.1353352832
    (ExponentialDecay(0.8, rate=0.2), {2: 0.6549846025, 6: 0.2943035529, 11: 0.1082682266}),
    (ExponentialDecay(0.8, rate=0.0), {1000: 0.8}),
    # 0.8 / (1 + 0.5 (t - 1))
    (InverseTimeDecay(0.8, rate=0.5), {2: 0.8 / 1.5, 3: 0.4, 5: 0.8 / 3, 101: 0.8 / 51}),
    # 0.8 / sqrt(t)
    (InverseSqrtDecay(0.8), {4: 0.4, 16: 0.2, 100: 0.08, 2: 0.5656854249}),
    # 0.8 (1 + cos(pi (t - 1) / 10)) / 2: cos(pi/10) = 0.9510565163, cos(pi/2) = 0
    (CosineDecay(0.8, total=10), {2: 0.7804226065, 6: 0.4, 11: 0.0, 12: 0.0, 500: 0.0}),
    # 0.1 + 0.7 (1 + cos(pi (t - 1) / 10)) / 2
    (CosineDecay(0.8, total=10, final_lr=0.1), {6: 0.45, 11: 0.1, 40: 0.1}),
    # 0.8 (1 - (t - 1) / 4)
    (LinearDecay(0.8, total=4), {2: 0.6, 3: 0.4, 4: 0.2, 5: 0.0, 9: 0.0}),
    (LinearDecay(0.8, total=4, final_lr=0.2), {2: 0.65, 3: 0.5, 5: 0.2, 100: 0.2}),
    # ramp 0.8 (0.25 + 0.75 (t - 1) / 3) for t <= 3, then the wrapped StepDecay from its t = 1
    (Warmup(StepDecay(0.8, step_size=2, gamma=0.5), warmup_steps=3, start_factor=0.25),
     {1: 0.2, 2: 0.4, 3: 0.6, 4: 0.8, 5: 0.8, 6: 0.4, 7: 0.4, 8: 0.2}),
]


@pytest.mark.parametrize("schedule, values", HAND, ids=[repr(s) for s, _ in HAND])
def test_formula_matches_hand_computed_values(schedule, values):
    for t, expected in values.items():
        assert schedule(t) == pytest.approx(expected, rel=1e-9, abs=1e-15), t


def test_schedules_return_python_floats_and_accept_numpy_ints():
    for s in LR_SCHEDULES + [MomentumSchedule()]:
        assert type(s(np.int64(7))) is float
        assert s(np.int32(7)) == s(7)


@pytest.mark.parametrize("schedule", [s for s in LR_SCHEDULES if not isinstance(s, Constant)],
                         ids=repr)
def test_decays_never_increase(schedule):
    values = [schedule(t) for t in range(1, 60)]
    assert all(b <= a for a, b in zip(values, values[1:]))


def test_stateless_schedules_do_not_depend_on_call_order():
    s = CosineDecay(1.0, total=50)
    forward = [s(t) for t in range(1, 60)]
    backward = [s(t) for t in range(59, 0, -1)][::-1]
    assert forward == backward


# -- warm-up ----------------------------------------------------------------------------------

@pytest.mark.parametrize("start_factor", [1e-3, 0.1, 0.5, 1 / 3])
@pytest.mark.parametrize("inner", [Constant(0.3), CosineDecay(0.3, total=20),
                                   ExponentialDecay(0.3, rate=0.05)], ids=repr)
def test_warmup_is_linear_and_continuous_at_the_seam(inner, start_factor):
    W = 8
    s = Warmup(inner, warmup_steps=W, start_factor=start_factor)
    lr0 = inner(1)
    assert s.lr == lr0
    assert s(1) == pytest.approx(start_factor * lr0)
    ramp = np.array([s(t) for t in range(1, W + 2)])  # t = 1 .. W+1 (the first inner value)
    steps = np.diff(ramp)
    # equal increments all the way to (and across) the seam: the ramp lands exactly on inner(1)
    np.testing.assert_allclose(steps, (1 - start_factor) * lr0 / W, rtol=1e-12)
    assert s(W + 1) == lr0
    # after the warm-up the wrapped schedule continues from its own t = 1
    for t in range(W + 1, W + 40):
        assert s(t) == inner(t - W)


def test_warmup_accepts_a_number_as_a_constant_schedule():
    s = Warmup(0.5, warmup_steps=2, start_factor=0.5)
    assert [s(t) for t in (1, 2, 3, 100)] == [0.25, 0.375, 0.5, 0.5]
    # the default start_factor is torch's LinearLR one, 1/3: the first rate is never 0
    assert Warmup(0.6, warmup_steps=2)(1) == pytest.approx(0.2)


def test_warmup_refuses_the_momentum_schedule():
    with pytest.raises(TypeError, match="schedule.*MomentumSchedule"):
        Warmup(MomentumSchedule(), warmup_steps=10)


# -- ReduceOnPlateau -------------------------------------------------------------------------

#: MATH.md's rule, "halve when the validation loss rose since the last epoch"
ROSE = dict(factor=0.5, patience=0, threshold=0.0, reference="last")


def test_reduce_on_plateau_halves_only_when_the_loss_rose():
    s = ReduceOnPlateau(1.0, **ROSE)
    losses = [5.0, 4.0, 4.0, 4.5, 3.0, 2.0, 2.1, 2.2, 1.0, 1.0]
    #          first  fell  equal  ROSE fell  fell ROSE  ROSE fell equal
    expected = [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.125, 0.125, 0.125]
    got = []
    for t, loss in enumerate(losses, start=1):
        got.append(s.update(loss))
        assert s(t + 1) == got[-1]  # __call__ returns the current rate whatever t is
    assert got == expected
    assert s.n_reductions == 3
    assert s.last_loss == 1.0


def test_reduce_on_plateau_compares_with_the_last_epoch_not_the_best():
    s = ReduceOnPlateau(1.0, **ROSE)
    for loss in [1.0, 3.0, 2.5, 2.0]:   # rose once (1 -> 3), then fell each epoch (still > best)
        s.update(loss)
    assert s(1) == 0.5


def test_reduce_on_plateau_factor_min_lr_and_reset():
    s = ReduceOnPlateau(1.0, factor=0.1, min_lr=0.005, patience=0)
    for loss in [1.0, 2.0, 3.0, 4.0, 5.0]:
        s.update(loss)
    assert s(1) == 0.005           # 1 -> 0.1 -> 0.01 -> max(0.001, 0.005)
    assert s.n_reductions == 3     # the floor stops counting
    s.reset()
    assert s(1) == 1.0 and s.last_loss is None and s.n_reductions == 0


def test_reduce_on_plateau_accepts_numpy_scalars_and_refuses_nan():
    s = ReduceOnPlateau(1.0, **ROSE)
    s.update(np.float32(2.0))
    s.update(np.array(3.0))
    assert s(1) == 0.5
    with pytest.raises(ValueError, match="val_loss.*smaller lr"):
        s.update(float("nan"))
    with pytest.raises(TypeError, match="val_loss"):
        s.update("high")


# -- momentum schedule -------------------------------------------------------------------------

def test_momentum_schedule_values():
    s = MomentumSchedule()  # mu_max = 0.99
    # 1 - 2^(-1 - log2(floor(t/250) + 1)) = 1 - 1 / (2 (floor(t/250) + 1))
    expected = {1: 0.5, 249: 0.5, 250: 0.75, 499: 0.75, 500: 1 - 1 / 6, 750: 0.875, 1000: 0.9,
                2250: 0.95, 4750: 0.975, 12249: 1 - 1 / 98}
    for t, mu in expected.items():
        assert s(t) == pytest.approx(mu, rel=1e-14), t
        # the formula exactly as MATH.md writes it
        assert s(t) == pytest.approx(min(1 - 2 ** (-1 - math.log2(t // 250 + 1)), 0.99),
                                     rel=1e-14)
    # the cap: 1 - 1/(2k) >= 0.99 from k = 50, i.e. t = 12250
    assert s(12250) == 0.99 and s(10 ** 7) == 0.99
    assert MomentumSchedule(mu_max=0.9)(1000) == 0.9
    assert MomentumSchedule(mu_max=0.9)(5000) == 0.9
    assert MomentumSchedule(mu_max=0.6)(250) == 0.6


def test_momentum_schedule_is_non_decreasing():
    s = MomentumSchedule()
    values = [s(t) for t in range(1, 20000, 7)]
    assert all(b >= a for a, b in zip(values, values[1:]))


# -- argument checks ----------------------------------------------------------------------------

BAD = [
    (lambda: Constant(0.0), ValueError, "lr"),
    (lambda: Constant(-1.0), ValueError, "lr"),
    (lambda: Constant(float("inf")), ValueError, "lr"),
    (lambda: Constant(float("nan")), ValueError, "lr"),
    (lambda: Constant("0.1"), TypeError, "lr"),
    (lambda: Constant(True), TypeError, "lr"),
    (lambda: StepDecay(0.1, step_size=0), ValueError, "step_size"),
    (lambda: StepDecay(0.1, step_size=2.5), TypeError, "step_size"),
    (lambda: StepDecay(0.1, step_size=2, gamma=0.0), ValueError, "gamma"),
    (lambda: StepDecay(0.1, step_size=2, gamma=1.5), ValueError, "gamma"),
    (lambda: ExponentialDecay(0.1, rate=-0.1), ValueError, "rate"),
    (lambda: ExponentialDecay(0.1, rate=float("nan")), ValueError, "rate"),
    (lambda: InverseTimeDecay(0.1, rate=-1), ValueError, "rate"),
    (lambda: InverseTimeDecay(0.1, rate=None), TypeError, "rate"),
    (lambda: InverseSqrtDecay(-0.1), ValueError, "lr"),
    (lambda: CosineDecay(0.1, total=0), ValueError, "total"),
    (lambda: CosineDecay(0.1, total=10.0), TypeError, "total"),
    (lambda: CosineDecay(0.1, total=10, final_lr=0.2), ValueError, "final_lr"),
    (lambda: CosineDecay(0.1, total=10, final_lr=-0.01), ValueError, "final_lr"),
    (lambda: LinearDecay(0.1, total=-3), ValueError, "total"),
    (lambda: LinearDecay(0.1, total=3, final_lr=1.0), ValueError, "final_lr"),
    (lambda: Warmup(Constant(0.1), warmup_steps=0), ValueError, "warmup_steps"),
    (lambda: Warmup(Constant(0.1), warmup_steps=5, start_factor=1.0), ValueError, "start_factor"),
    (lambda: Warmup(Constant(0.1), warmup_steps=5, start_factor=-0.5), ValueError, "start_factor"),
    (lambda: Warmup(Constant(0.1), warmup_steps=5, start_factor=0.0), ValueError,
     r"start_factor must be in \(0, 1\)"),
    (lambda: Warmup("cosine", warmup_steps=5), TypeError, "schedule"),
    (lambda: ReduceOnPlateau(0.1, factor=1.0), ValueError, "factor"),
    (lambda: ReduceOnPlateau(0.1, factor=0.0), ValueError, "factor"),
    (lambda: ReduceOnPlateau(0.1, min_lr=0.5), ValueError, "min_lr"),
    (lambda: ReduceOnPlateau(0.1, min_lr=-1.0), ValueError, "min_lr"),
    (lambda: MomentumSchedule(mu_max=1.0), ValueError, "mu_max"),
    (lambda: MomentumSchedule(mu_max=0.0), ValueError, "mu_max"),
]


@pytest.mark.parametrize("make, error, name", BAD, ids=[f"{i}-{n}" for i, (_, _, n) in enumerate(BAD)])
def test_bad_arguments_name_the_argument(make, error, name):
    with pytest.raises(error, match=name):
        make()


@pytest.mark.parametrize("t, error", [(0, ValueError), (-3, ValueError), (1.5, TypeError),
                                      (2.0, TypeError), (None, TypeError), (True, TypeError)])
@pytest.mark.parametrize("schedule", [Constant(0.1), CosineDecay(0.1, 5), MomentumSchedule(),
                                      Warmup(Constant(0.1), 3), ReduceOnPlateau(0.1)], ids=repr)
def test_bad_step_count_is_refused(schedule, t, error):
    with pytest.raises(error, match=r"\bt\b.*1-based"):
        schedule(t)


# -- pickling and repr -----------------------------------------------------------------------

@pytest.mark.parametrize("schedule", LR_SCHEDULES + [
    MomentumSchedule(0.95), Warmup(CosineDecay(0.8, total=10, final_lr=0.1), 5, 0.2)], ids=repr)
def test_pickle_round_trip(schedule):
    clone = pickle.loads(pickle.dumps(schedule))
    assert clone == schedule
    assert clone is not schedule
    assert [clone(t) for t in range(1, 40)] == [schedule(t) for t in range(1, 40)]
    assert repr(clone) == repr(schedule)
    assert repr(schedule).startswith(type(schedule).__name__ + "(")


def test_pickle_keeps_reduce_on_plateau_state():
    s = ReduceOnPlateau(1.0, **ROSE)
    for loss in [3.0, 4.0]:
        s.update(loss)
    clone = pickle.loads(pickle.dumps(s))
    assert clone(1) == 0.5 and clone.last_loss == 4.0
    assert clone.update(5.0) == s.update(5.0) == 0.25


# -- apply() on optimizers ---------------------------------------------------------------------

class _Plain:
    """Anything with settable lr/momentum works with apply()."""
    lr = 1.0
    momentum = 0.0


def test_apply_sets_lr_or_momentum_and_returns_the_value():
    opt = _Plain()
    assert apply(StepDecay(0.8, 2, gamma=0.5), opt, 3) == 0.4 and opt.lr == 0.4
    assert apply(MomentumSchedule(), opt, 500) == pytest.approx(1 - 1 / 6)
    assert opt.momentum == pytest.approx(1 - 1 / 6) and opt.lr == 0.4


def test_apply_names_a_missing_attribute():
    class NoMomentum:
        lr = 0.1
    with pytest.raises(TypeError, match="momentum"):
        apply(MomentumSchedule(), NoMomentum(), 1)
    with pytest.raises(TypeError, match="schedule"):
        apply(0.1, NoMomentum(), 1)


def test_apply_on_fastoptim_optimizers():
    optimizers = pytest.importorskip("fastoptim.optim.optimizers")
    sgd = optimizers.SGD(lr=0.1, momentum=0.5)
    adam = optimizers.Adam(lr=0.1)
    schedule = CosineDecay(0.1, total=10, final_lr=0.01)
    w_sgd, w_adam = np.ones(3), np.ones(3)
    for t in range(1, 13):
        apply(schedule, sgd, t)
        apply(MomentumSchedule(mu_max=0.9), sgd, 250 * t)
        apply(schedule, adam, t)
        assert sgd.lr == adam.lr == schedule(t)
        assert sgd.momentum == MomentumSchedule(mu_max=0.9)(250 * t)
        sgd.step(w_sgd, 2 * w_sgd)
        adam.step(w_adam, 2 * w_adam)
    assert sgd.n_steps == adam.n_steps == 12
    with pytest.raises(TypeError, match="momentum"):
        apply(MomentumSchedule(), adam, 1)       # Adam has no momentum to schedule


def test_apply_lr_zero_is_set_or_explained():
    """A decay to final_lr=0 reaches lr = 0: either the optimizer takes it or the error says
    how to avoid it."""
    optimizers = pytest.importorskip("fastoptim.optim.optimizers")
    opt = optimizers.SGD(lr=0.1)
    try:
        apply(CosineDecay(0.1, total=5), opt, 6)
    except ValueError as err:
        assert "final_lr" in str(err)
    else:
        assert opt.lr == 0.0
