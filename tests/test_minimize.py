"""fastoptim.optim minimize(): the two-point sigmoid fit and a strongly convex quadratic
solved by every optimizer string, stopping rules, the result object, schedules driving the
optimizer, and bad input.

Everything that steps a fastoptim optimizer (all but line-search 'gd') needs
fastoptim.optim.optimizers, imported inside the tests (``needs_optimizers``)."""
import pathlib
import pickle
import subprocess
import sys

import numpy as np
import pytest
from scipy.special import expit

from fastoptim.optim import schedules as S
from fastoptim.optim._minimize import OPTIMIZERS, MinimizeResult, minimize

ROOT = pathlib.Path(__file__).resolve().parents[1]


def needs_optimizers():
    return pytest.importorskip("fastoptim.optim.optimizers")


# -- the two-point sigmoid fit ---------------------------------------------------------------

X_PTS = np.array([0.5, 2.5])
Y_PTS = np.array([0.2, 0.9])
W_STAR = (np.log(0.9 / 0.1) - np.log(0.2 / 0.8)) / 2.0
B_STAR = np.log(0.2 / 0.8) - 0.5 * W_STAR


def sigmoid_loss(p):
    """sum_i (sigmoid(w x_i + b) - y_i)^2 over the two points, and its gradient."""
    f = expit(p[0] * X_PTS + p[1])
    r = f - Y_PTS
    dz = 2.0 * r * f * (1.0 - f)
    return float(r @ r), np.array([dz @ X_PTS, dz.sum()])


#: per optimizer string: settings that solve the fit from (-2, -2) (all well inside 20000 its).
SIGMOID_RUNS = [
    ("gd", dict(line_search="armijo")),
    ("gd", dict(line_search="grid")),
    ("gd", dict(lr=1.0)),
    ("sgd", dict(lr=1.0)),
    ("momentum", dict(lr=0.3)),
    ("nesterov", dict(lr=0.3)),
    ("adagrad", dict(lr=1.0)),
    ("rmsprop", dict(lr=0.01)),
    ("adam", dict(lr=0.05)),
    ("adadelta", dict(lr=1.0)),
    ("adamax", dict(lr=0.05)),
    ("radam", dict(lr=0.05)),
    ("nadam", dict(lr=0.05)),
    ("rprop", dict(lr=0.1)),
]


def test_sigmoid_runs_cover_every_optimizer_string():
    assert {name for name, _ in SIGMOID_RUNS} == set(OPTIMIZERS)


@pytest.mark.parametrize("name, kwargs", SIGMOID_RUNS,
                         ids=[f"{n}-{next(iter(k.values()))}" for n, k in SIGMOID_RUNS])
def test_sigmoid_two_point_fit(name, kwargs):
    if "line_search" not in kwargs:
        needs_optimizers()
    from fastoptim import check_grad
    assert check_grad(sigmoid_loss, np.array([-2.0, -2.0])) < 1e-6
    res = minimize(sigmoid_loss, [-2.0, -2.0], name, tol=1e-8, max_iter=20000, **kwargs)
    assert res.success, res.message
    assert res.fun < 1e-10
    f = expit(res.x[0] * X_PTS + res.x[1])
    np.testing.assert_allclose(f, [0.2, 0.9], atol=1e-3)
    np.testing.assert_allclose(res.x, [W_STAR, B_STAR], atol=1e-3)
    assert res.history[0] == pytest.approx(sigmoid_loss(np.array([-2.0, -2.0]))[0])
    assert res.history[-1] == res.fun < res.history[0]


def test_sigmoid_example_script_runs():
    needs_optimizers()
    out = subprocess.run([sys.executable, str(ROOT / "examples" / "sigmoid_two_points.py")],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    rows = [line for line in out.stdout.splitlines()
            if line.split()[:1] and line.split()[0] in
            ("gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")]
    assert len(rows) == 8, out.stdout
    assert "not converged" not in out.stdout
    for row in rows:
        assert "0.2000  0.9000" in row, row


# -- a strongly convex quadratic, every optimizer with a schedule ------------------------------

def shifted_quadratic(d=6, seed=1, eig=(1.0, 10.0)):
    """f(x) = 1/2 (x - x*)^T A (x - x*), eigenvalues of A evenly in [1, 10]; f* = 0."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    A = Q @ np.diag(np.linspace(*eig, d)) @ Q.T
    x_star = rng.normal(size=d)

    def fun(x):
        r = x - x_star
        Ar = A @ r
        return 0.5 * float(r @ Ar), Ar

    return fun, x_star


QUADRATIC_RUNS = [
    ("gd", dict(line_search="armijo")),
    ("gd", dict(line_search="grid")),
    ("gd", dict(schedule=S.Constant(0.15))),
    ("sgd", dict(schedule=S.StepDecay(0.18, step_size=100, gamma=0.9))),
    ("momentum", dict(lr=0.05, schedule=S.MomentumSchedule(mu_max=0.9))),
    ("nesterov", dict(schedule=S.LinearDecay(0.05, total=500, final_lr=0.02))),
    ("adagrad", dict(schedule=S.Constant(1.0))),
    ("rmsprop", dict(schedule=S.InverseTimeDecay(0.05, rate=0.01))),
    ("adam", dict(schedule=S.ExponentialDecay(0.1, rate=0.003))),
    ("adam", dict(schedule=S.Warmup(S.CosineDecay(0.1, total=2000, final_lr=1e-3), 20, 0.1))),
    ("adam", dict(schedule=S.InverseSqrtDecay(0.1))),
    # Adadelta at a constant rate circles the minimum (its steps keep the RMS of the past
    # ones); a decaying factor brings them down
    ("adadelta", dict(schedule=S.CosineDecay(1.0, total=5000, final_lr=0.1))),
    ("adamax", dict(schedule=S.ExponentialDecay(0.1, rate=0.002))),
    ("radam", dict(schedule=S.ExponentialDecay(0.1, rate=0.003))),
    ("nadam", dict(schedule=S.ExponentialDecay(0.1, rate=0.003))),
    # Rprop's steps are at least step_sizes[0] = 1e-6 and a schedule does not change them:
    # it ends within curvature * 1e-6 of the minimum (the tolerance below)
    ("rprop", dict(lr=0.1)),
]


@pytest.mark.parametrize("name, kwargs", QUADRATIC_RUNS,
                         ids=[f"{n}-{next(iter(k.values()))!r}" for n, k in QUADRATIC_RUNS])
def test_strongly_convex_quadratic_to_1e_8(name, kwargs):
    if "line_search" not in kwargs:
        needs_optimizers()
    fun, x_star = shifted_quadratic()
    tol = 1e-5 if name == "rprop" else 1e-8
    res = minimize(fun, np.zeros(6), name, tol=tol, max_iter=5000, **kwargs)
    assert res.success, res.message
    assert np.max(np.abs(res.grad)) <= tol
    assert res.fun <= 1e-8
    np.testing.assert_allclose(res.x, x_star, atol=tol)   # |x - x*| <= |grad| / lambda_min


def test_quadratic_runs_cover_every_optimizer_string():
    assert {name for name, _ in QUADRATIC_RUNS} == set(OPTIMIZERS)


# -- what minimize does each iteration ---------------------------------------------------------

@pytest.mark.parametrize("make, schedule", [
    (lambda o: o.SGD(lr=0.05, momentum=0.9, nesterov=True), S.CosineDecay(0.05, 30, 0.001)),
    (lambda o: o.Adam(lr=0.1), S.Warmup(S.ExponentialDecay(0.1, 0.05), 5, 0.2)),
    (lambda o: o.SGD(lr=0.01, momentum=0.5), S.MomentumSchedule(0.95)),
    (lambda o: o.RMSProp(lr=0.01), None),
])
def test_minimize_is_the_hand_written_loop(make, schedule):
    """grad -> schedule sets lr (or momentum) for step t -> optimizer.step, bit for bit."""
    optimizers = needs_optimizers()
    fun, _ = shifted_quadratic(d=4, seed=5)
    x0 = np.linspace(-1, 1, 4)
    res = minimize(fun, x0, make(optimizers), schedule=schedule, max_iter=40, tol=0.0)

    opt = make(optimizers)
    x = x0.copy()
    history = [fun(x)[0]]
    for t in range(1, 41):
        if schedule is not None:
            S.apply(schedule, opt, t)
        opt.step(x, fun(x)[1])
        history.append(fun(x)[0])
    np.testing.assert_array_equal(res.x, x)
    assert res.history == history
    assert res.nit == 40 and res.nfev == 41 and opt.n_steps == res.optimizer.n_steps == 40


def test_optimizer_strings_build_the_documented_optimizers():
    optimizers = needs_optimizers()
    fun, _ = shifted_quadratic(d=3)
    expected = {"gd": (optimizers.SGD, 0.01, 0.0), "sgd": (optimizers.SGD, 0.01, 0.0),
                "momentum": (optimizers.SGD, 0.01, 0.9), "nesterov": (optimizers.SGD, 0.01, 0.9),
                "adagrad": (optimizers.Adagrad, 0.01, None),
                "rmsprop": (optimizers.RMSProp, 0.01, None), "adam": (optimizers.Adam, 0.001, None),
                "adadelta": (optimizers.Adadelta, 1.0, None),
                "adamax": (optimizers.Adamax, 0.002, None), "radam": (optimizers.RAdam, 0.001, None),
                "nadam": (optimizers.NAdam, 0.002, None), "rprop": (optimizers.Rprop, 0.01, None)}
    assert set(expected) == set(OPTIMIZERS)
    for name, (cls, lr, momentum) in expected.items():
        res = minimize(fun, np.zeros(3), name, max_iter=2)
        assert type(res.optimizer) is cls and res.optimizer.lr == lr
        if momentum is not None:
            assert res.optimizer.momentum == momentum
        assert minimize(fun, np.zeros(3), name, lr=0.02, max_iter=1).optimizer.lr == 0.02
    # nesterov is not plain momentum
    a = minimize(fun, np.ones(3), "momentum", max_iter=5, tol=0.0).x
    b = minimize(fun, np.ones(3), "nesterov", max_iter=5, tol=0.0).x
    assert not np.array_equal(a, b)
    # a schedule's initial rate is the constructor's lr
    assert minimize(fun, np.zeros(3), "adam", schedule=S.Constant(0.3), max_iter=1).optimizer.lr \
        == 0.3


def test_optimizer_object_is_used_in_place_and_warm_starts():
    optimizers = needs_optimizers()
    fun, x_star = shifted_quadratic(d=3)
    opt = optimizers.Adam(lr=0.05)
    first = minimize(fun, np.zeros(3), opt, max_iter=30, tol=0.0)
    assert first.optimizer is opt and opt.n_steps == 30
    second = minimize(fun, first.x, opt, max_iter=30, tol=0.0)
    assert opt.n_steps == 60
    # the same as 60 uninterrupted steps (the moments carried over)
    fresh = minimize(fun, np.zeros(3), optimizers.Adam(lr=0.05), max_iter=60, tol=0.0)
    np.testing.assert_array_equal(second.x, fresh.x)


def test_reduce_on_plateau_rescues_a_too_large_rate():
    """f = 5 x^2 (beta = 10): lr = 0.3 diverges (|1 - 3| = 2), 0.15 converges (|1 - 1.5| = .5);
    ReduceOnPlateau sees the objective rise and halves the rate."""
    needs_optimizers()

    def fun(x):
        return 5.0 * float(x @ x), 10.0 * x

    with pytest.raises(FloatingPointError):
        with np.errstate(over="ignore", invalid="ignore"):
            minimize(fun, [1.0], "sgd", schedule=S.Constant(0.3), max_iter=3000)
    rop = S.ReduceOnPlateau(0.3, factor=0.5, patience=0, threshold=0.0, reference="last")
    res = minimize(fun, [1.0], "sgd", schedule=rop, max_iter=3000, tol=1e-10)
    assert res.success, res.message
    assert rop.n_reductions == 1 and res.optimizer.lr == 0.15
    assert rop.last_loss == res.fun


def test_momentum_schedule_changes_the_momentum():
    needs_optimizers()
    fun, _ = shifted_quadratic(d=3)
    sched = S.MomentumSchedule(mu_max=0.8)
    res = minimize(fun, np.zeros(3), "momentum", lr=1e-4, schedule=sched, max_iter=500, tol=0.0)
    assert res.optimizer.momentum == 0.8 == sched(500)      # min(1 - 1/6, 0.8)
    assert res.optimizer.lr == 1e-4
    res = minimize(fun, np.zeros(3), "nesterov", lr=1e-4, schedule=sched, max_iter=250, tol=0.0)
    assert res.optimizer.momentum == 0.75 == sched(250)


# -- stopping rules and the result -----------------------------------------------------------

def test_callback_stops_and_gets_copies():
    fun, _ = shifted_quadratic(d=3)
    got = []

    def callback(x, f):
        got.append((x, f))
        x[:] = 1e9            # must not reach the iterate
        return len(got) == 5

    res = minimize(fun, np.zeros(3), "gd", line_search="armijo", callback=callback, tol=0.0)
    assert res.nit == 5 and not res.success
    assert "callback" in res.message and "iteration 5" in res.message
    assert [f for _, f in got] == res.history[1:]
    assert np.all(np.abs(res.x) < 1e3)
    assert len({id(x) for x, _ in got}) == 5


def test_callback_returning_none_or_false_continues():
    fun, _ = shifted_quadratic(d=3)
    res = minimize(fun, np.zeros(3), "gd", line_search="armijo", max_iter=7, tol=0.0,
                   callback=lambda x, f: None if f > 0 else False)
    assert res.nit == 7


def test_max_iter_reached_is_not_success():
    fun, _ = shifted_quadratic(d=3)
    res = minimize(fun, np.zeros(3), "gd", line_search="armijo", max_iter=4, tol=1e-12)
    assert isinstance(res, MinimizeResult)
    assert not res.success and res.nit == 4 and len(res.history) == 5
    assert "max_iter=4" in res.message
    assert res.fun == res.history[-1] == fun(res.x)[0]
    np.testing.assert_array_equal(res.grad, fun(res.x)[1])
    assert res.nfev >= 5


def test_max_iter_reached_with_an_optimizer():
    needs_optimizers()
    fun, _ = shifted_quadratic(d=3)
    res = minimize(fun, np.zeros(3), "adam", max_iter=10)
    assert not res.success and res.nit == 10 and res.nfev == 11 and len(res.history) == 11
    assert "max_iter=10" in res.message


def test_converged_at_x0_takes_no_step():
    fun, x_star = shifted_quadratic(d=3)
    res = minimize(fun, x_star, "gd", line_search="grid")
    assert res.success and res.nit == 0 and res.nfev == 1 and res.history == [0.0]


def test_failed_line_search_stops_with_a_message():
    """A wrong gradient: the line search cannot decrease f along it."""
    def fun(x):
        return float(x @ x), -2.0 * x   # the sign is wrong
    for ls in ("armijo", "grid"):
        res = minimize(fun, [1.0, 2.0], "gd", line_search=ls)
        assert not res.success and res.nit == 0
        assert f"{ls} line search failed at iteration 1" in res.message
        np.testing.assert_array_equal(res.x, [1.0, 2.0])


def test_x0_is_copied_and_its_shape_kept():
    needs_optimizers()
    x0 = np.arange(6, dtype=np.float32).reshape(2, 3)
    seen_shapes = set()

    def fun(X):
        seen_shapes.add((X.shape, X.dtype))
        return float((X ** 2).sum()), 2 * X

    for kwargs in (dict(optimizer="gd", line_search="armijo"), dict(optimizer="adam", lr=0.1)):
        res = minimize(fun, x0, max_iter=50, **kwargs)
        assert res.x.shape == res.grad.shape == (2, 3)
        assert res.x.dtype == np.float64
    np.testing.assert_array_equal(x0, np.arange(6).reshape(2, 3))
    assert seen_shapes == {((2, 3), np.dtype(np.float64))}


def test_result_repr_and_pickle():
    fun, _ = shifted_quadratic(d=3)
    res = minimize(fun, np.zeros(3), "gd", line_search="armijo", tol=1e-6)
    text = repr(res)
    assert text.startswith("MinimizeResult(success=True") and "nit=" in text
    clone = pickle.loads(pickle.dumps(res))
    np.testing.assert_array_equal(clone.x, res.x)
    assert clone.history == res.history


def test_line_search_base_step_follows_lr_and_schedule():
    fun, calls_fun = shifted_quadratic(d=3)
    trials = []

    def spy(x):
        trials.append(np.array(x))
        return fun(x)

    x0 = np.zeros(3)
    g0 = fun(x0)[1]
    minimize(spy, x0, "gd", line_search="grid", lr=0.01, max_iter=1)
    # first iteration tries x0 - 0.01 * s * g0 for s in MATH.md's grid
    np.testing.assert_allclose(trials[1:6], [x0 - 0.01 * s * g0 for s in (0.1, 0.5, 1, 5, 10)])
    trials.clear()
    minimize(spy, x0, "gd", line_search="armijo", schedule=S.Constant(1e-3), max_iter=1)
    np.testing.assert_allclose(trials[1], x0 - 1e-3 * g0)   # first Armijo trial: schedule(1)


# -- non-finite values ----------------------------------------------------------------------

def test_diverging_run_raises_naming_the_iteration():
    needs_optimizers()

    def fun(x):
        with np.errstate(over="ignore", invalid="ignore"):
            return 500.0 * float(x @ x), 1000.0 * x

    with pytest.raises(FloatingPointError, match=r"iteration \d+ .*smaller lr"):
        minimize(fun, [1.0, -1.0], "sgd", lr=1.0, max_iter=1000)


def test_non_finite_at_x0_raises():
    with pytest.raises(FloatingPointError, match="x0"):
        minimize(lambda x: (np.nan, x), [1.0], "gd", line_search="armijo")
    with pytest.raises(FloatingPointError, match="x0"):
        minimize(lambda x: (1.0, x * np.inf), [1.0], "gd", line_search="armijo")


def test_non_finite_gradient_later_raises():
    needs_optimizers()

    def fun(x):
        g = 2 * x if abs(x[0]) > 0.75 else np.array([np.nan])
        return float(x @ x), g
    with pytest.raises(FloatingPointError, match="gradient.*iteration 1 .*smaller lr"):
        minimize(fun, [1.0], "sgd", lr=0.25)      # x1 = 1 - 0.25 * 2 = 0.5: NaN gradient there


def test_line_searches_step_around_non_finite_points():
    """Trial points with a NaN gradient are rejected by the search, not returned."""
    def fun(x):
        g = 2 * x if abs(x[0]) > 0.2 else np.array([np.nan])
        return float(x @ x), g
    res = minimize(fun, [1.0], "gd", line_search="grid", max_iter=3, tol=0.0)
    assert np.all(np.isfinite(res.grad)) and np.all(np.abs(res.x) > 0.2)


# -- bad input ------------------------------------------------------------------------------------

def _quad(x):
    return float(x @ x), 2 * x


class _NotAnOptimizer:
    lr = 0.1


BAD = [
    (dict(fun="f"), TypeError, "fun"),
    (dict(x0=[np.nan, 1.0]), ValueError, "x0"),
    (dict(x0=[]), ValueError, "x0"),
    (dict(x0="abc"), TypeError, "x0"),
    (dict(optimizer="adabound"), ValueError, "optimizer"),
    (dict(optimizer=_NotAnOptimizer()), TypeError, "optimizer"),
    (dict(optimizer=3), TypeError, "optimizer"),
    (dict(optimizer="adam", line_search="armijo"), ValueError, "line_search.*'gd'"),
    (dict(optimizer="gd", line_search="wolfe"), ValueError, "line_search"),
    (dict(optimizer="gd", lr=0.0), ValueError, "lr"),
    (dict(optimizer="gd", lr=-1.0), ValueError, "lr"),
    (dict(optimizer="gd", lr=float("inf")), ValueError, "lr"),
    (dict(optimizer="gd", lr="big"), TypeError, "lr"),
    (dict(optimizer="gd", lr=0.1, schedule=S.Constant(0.1)), ValueError, "lr.*schedule"),
    (dict(optimizer="gd", schedule=0.1), TypeError, "schedule"),
    (dict(optimizer="adam", schedule=S.MomentumSchedule()), ValueError, "MomentumSchedule"),
    (dict(optimizer="gd", line_search="armijo", schedule=S.MomentumSchedule()), ValueError,
     "MomentumSchedule"),
    (dict(max_iter=0), ValueError, "max_iter"),
    (dict(max_iter=10.0), TypeError, "max_iter"),
    (dict(tol=-1e-6), ValueError, "tol"),
    (dict(tol=float("nan")), ValueError, "tol"),
    (dict(tol=None), TypeError, "tol"),
    (dict(callback=42), TypeError, "callback"),
    (dict(fun=lambda x: 1.0), TypeError, "pair"),
    (dict(fun=lambda x: (1.0, np.ones(5))), ValueError, "gradient of shape"),
    (dict(fun=lambda x: ("a", x)), TypeError, "value"),
]


@pytest.mark.parametrize("kwargs, error, match", BAD,
                         ids=[f"{i}-{m.split('.')[0]}" for i, (_, _, m) in enumerate(BAD)])
def test_bad_input_names_the_argument(kwargs, error, match):
    kwargs = dict(kwargs)
    fun = kwargs.pop("fun", _quad)
    x0 = kwargs.pop("x0", [1.0, 2.0])
    kwargs.setdefault("optimizer", "gd")
    if kwargs["optimizer"] == "gd" and "lr" not in kwargs and "schedule" not in kwargs:
        kwargs.setdefault("line_search", "armijo")   # runs without the optimizer classes
    with pytest.raises(error, match=match):
        minimize(fun, x0, **kwargs)


def test_lr_with_an_optimizer_object_is_refused():
    optimizers = needs_optimizers()
    with pytest.raises(ValueError, match="lr.*optimizer object"):
        minimize(_quad, [1.0], optimizers.SGD(lr=0.1), lr=0.2)
    with pytest.raises(TypeError, match="momentum"):
        minimize(_quad, [1.0], optimizers.Adam(lr=0.1), schedule=S.MomentumSchedule())
