"""Conventions users bring from scikit-learn and torch (issue 20, item 4): two settings of
the learning rate refused rather than one silently dropped, LinearSVC's dual='auto'."""
import re
import warnings

import numpy as np
import pytest

from fastoptim import (LinearRegression, LinearSVC, LogisticRegression, MLPClassifier,
                       MLPRegressor, Ridge, SoftmaxRegression)
from fastoptim.exceptions import ConvergenceWarning
from fastoptim.optim import SGD, Adam
from fastoptim.optim.schedules import CosineDecay, StepDecay, Warmup

STOCHASTIC = {  # every estimator that takes solver / learning_rate / schedule
    "LogisticRegression": (LogisticRegression, {}),
    "SoftmaxRegression": (SoftmaxRegression, {}),
    "LinearRegression": (LinearRegression, {}),
    "Ridge": (Ridge, {}),
    "LinearSVC": (LinearSVC, {"dual": False}),
    "MLPClassifier": (MLPClassifier, {"hidden_layer_sizes": (4,)}),
    "MLPRegressor": (MLPRegressor, {"hidden_layer_sizes": (4,)}),
}
REGRESSORS = ("LinearRegression", "Ridge", "MLPRegressor")


def _data(name):
    rng = np.random.RandomState(0)
    X = rng.randn(60, 3)
    t = X @ np.array([1.0, -1.0, 0.5])
    return X, (t if name in REGRESSORS else (t > 0).astype(int))


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


@pytest.mark.parametrize("name", list(STOCHASTIC))
def test_an_optimizer_object_and_another_learning_rate_are_refused(name):
    cls, kw = STOCHASTIC[name]
    X, y = _data(name)
    with pytest.raises(ValueError, match=re.escape(
            "solver=Adam(lr=0.5) carries its own learning rate (lr=0.5) and "
            "learning_rate=0.01 sets another; give the rate in one place: "
            "Adam(lr=0.01, ...), or learning_rate='auto' to keep the optimizer's")):
        _fit(cls(solver=Adam(lr=0.5), learning_rate=0.01, max_iter=2, **kw), X, y)
    # the optimizer's own rate (learning_rate='auto', or the same number twice) is used
    for lr in ("auto", 0.05):
        est = _fit(cls(solver=SGD(lr=0.05), learning_rate=lr, max_iter=2, random_state=0,
                       **kw), X, y)
        if hasattr(est, "_optimizer"):  # the networks keep the optimizer they trained
            assert est._optimizer.lr == 0.05


@pytest.mark.parametrize("name", list(STOCHASTIC))
@pytest.mark.parametrize("schedule", [CosineDecay(0.05, total=10),
                                      Warmup(StepDecay(0.05, step_size=3), 2)],
                         ids=["cosine", "warmup"])
def test_a_schedule_and_another_learning_rate_are_refused(name, schedule):
    cls, kw = STOCHASTIC[name]
    X, y = _data(name)
    with pytest.raises(ValueError, match=re.escape(
            f"schedule={schedule!r} sets the learning rate of every epoch and "
            f"learning_rate=0.3 sets another; give the rate in one place: the schedule's "
            f"(leave learning_rate='auto'), or no schedule")):
        _fit(cls(solver="sgd", learning_rate=0.3, schedule=schedule, max_iter=2, **kw), X, y)
    for lr in ("auto", 0.05):  # the default, or the schedule's own starting rate: no conflict
        _fit(cls(solver="sgd", learning_rate=lr, schedule=schedule, max_iter=2,
                 random_state=0, **kw), X, y)
    # a schedule over an optimizer object drives that optimizer: meant, not a conflict
    _fit(cls(solver=SGD(lr=0.2), schedule=schedule, max_iter=2, random_state=0, **kw), X, y)


def test_a_plain_callable_schedule_with_a_learning_rate_is_refused():
    X, y = _data("Ridge")
    with pytest.raises(ValueError, match=r"schedule=.* sets the learning rate of every epoch "
                                         r"and learning_rate=0\.1 sets another"):
        Ridge(solver="sgd", learning_rate=0.1, schedule=lambda epoch: 0.1 / epoch).fit(X, y)


def test_full_batch_solvers_ignore_the_stochastic_settings():
    """learning_rate is a stochastic solver's setting: with lbfgs it is ignored (as in
    scikit-learn), so no conflict is raised."""
    X, y = _data("MLPClassifier")
    _fit(MLPClassifier((4,), solver="lbfgs", learning_rate=0.3, max_iter=5), X, y)
    _fit(LogisticRegression(solver="lbfgs", learning_rate=0.3), X, y)


def test_linear_svc_dual_auto_is_the_default():
    rng = np.random.RandomState(0)
    tall = rng.randn(200, 5)
    wide = rng.randn(10, 40)
    assert LinearSVC().dual == "auto"
    assert LinearSVC().fit(tall, (tall[:, 0] > 0).astype(int)).solver_ == "newton-cholesky"
    assert LinearSVC().fit(wide, (wide[:, 0] > 0).astype(int)).solver_ == "dual-cd"
    assert LinearSVC(loss="hinge").fit(tall, (tall[:, 0] > 0).astype(int)).solver_ == "dual-cd"
    assert LinearSVC(dual=True).fit(tall, (tall[:, 0] > 0).astype(int)).solver_ == "dual-cd"


def test_the_stochastic_convergence_warnings_read_plainly():
    X, y = _data("LogisticRegression")
    with pytest.warns(ConvergenceWarning, match=re.escape(
            "LogisticRegression: the 'sgd' solver ran max_iter=3 epochs and stopped before "
            "converging: the training objective still improved by more than tol=0.0001 "
            "within the last 5 epochs; increase max_iter or use a decaying schedule")):
        LogisticRegression(solver="sgd", max_iter=3, random_state=0).fit(X, y)
    with pytest.warns(ConvergenceWarning, match=re.escape(
            "the 'sgd' solver ran max_iter=3 epochs and stopped before converging: the "
            "validation loss still improved")):
        LogisticRegression(solver="sgd", max_iter=3, early_stopping=True,
                           random_state=0).fit(X, y)
    with pytest.warns(ConvergenceWarning, match=re.escape(
            "MLPClassifier: the 'adam' solver ran max_iter=3 epochs and stopped before "
            "converging: the training loss still improved by more than tol=0.0001 within the "
            "last 10 epochs; increase max_iter")):
        MLPClassifier((4,), max_iter=3, random_state=0).fit(X, y)


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg", "newton-cholesky", "gd"])
def test_verbose_prints_each_full_batch_iteration(capsys, solver):
    X, y = _data("LogisticRegression")
    m = LogisticRegression(solver=solver, verbose=1, max_iter=50).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == len(m.loss_curve_) >= 2
    for i, (line, value) in enumerate(zip(lines, m.loss_curve_), start=1):
        assert line.startswith(f"[LogisticRegression] {solver} iteration {i}: objective "
                               f"{value:.10g}"), line
    assert "decrease" not in lines[0] and ", decrease " in lines[1]
    quiet = LogisticRegression(solver=solver, max_iter=50).fit(X, y)
    assert capsys.readouterr().out == ""
    np.testing.assert_array_equal(quiet.coef_, m.coef_)  # printing changes nothing


def test_verbose_linear_svc_primal_prints_its_own_objective(capsys):
    X, y = _data("LinearSVC")
    m = LinearSVC(dual=False, verbose=1).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    steps = [l for l in lines if " iteration " in l]
    assert len(steps) == len(m.loss_curve_)
    assert steps[-1].startswith(f"[LinearSVC] newton-cholesky iteration {len(steps)}: objective "
                                f"{m.loss_curve_[-1]:.10g}")


@pytest.mark.parametrize("shape", [(60, 3), (5, 30)], ids=["primal", "dual"])
def test_verbose_ridge_cg_prints_the_residual(capsys, shape):
    rng = np.random.RandomState(1)
    X = rng.randn(*shape)
    y = X @ rng.randn(shape[1])
    m = Ridge(solver="cg", alpha=1.0, tol=1e-10, verbose=1).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == int(np.ravel(m.n_iter_)[0]) >= 2
    residuals = [float(re.search(r"relative residual (\S+) ", l).group(1)) for l in lines]
    assert lines[0].startswith("[Ridge] cg target 0 iteration 1: relative residual ")
    assert residuals[-1] <= 1e-10 * 1.01 and residuals[-1] < residuals[0]


@pytest.mark.parametrize("n", [20000, 100000])
def test_newton_cholesky_stops_where_scikit_learns_does(n):
    """The default tol used to stop one Newton step early (objective gap 9e-5 on 100000 x 20
    where scikit-learn's ends at 4e-8): now the same rule, the same iterations and gap."""
    rng = np.random.RandomState(0)
    X = rng.randn(n, 20)
    y = (X @ rng.randn(20) + rng.logistic(size=n) > 0).astype(int)

    def objective(m):
        z = X @ m.coef_[0] + m.intercept_[0]
        return np.mean(np.logaddexp(0, -np.where(y == 1, 1, -1) * z)) + \
            0.5 / n * m.coef_[0] @ m.coef_[0]

    best = objective(LogisticRegression(solver="lbfgs", tol=1e-12, max_iter=10000).fit(X, y))
    ours = LogisticRegression(solver="newton-cholesky").fit(X, y)
    gap = objective(ours) - best
    assert gap < 1e-7
    sklearn = pytest.importorskip("sklearn.linear_model")
    theirs = sklearn.LogisticRegression(solver="newton-cholesky").fit(X, y)
    assert ours.n_iter_[0] == theirs.n_iter_[0]
    assert gap <= objective(theirs) - best + 1e-12
