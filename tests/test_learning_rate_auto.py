"""learning_rate='auto' for every stochastic solver (issue 16, item 11).

The rate comes from a range test on a sample of the data, and is cut on plateaus
(fastoptim/linear_model/_stochastic.py).  At the defaults, every solver must end
within 1% of the L-BFGS objective on standardized breast-cancer and digits data.
"""
import re
import warnings

import numpy as np
import pytest

from fastoptim import LogisticRegression, Ridge, SoftmaxRegression
from fastoptim.exceptions import ConvergenceWarning
from fastoptim.linear_model._stochastic import STOCHASTIC_SOLVERS, range_test_learning_rate
from fastoptim.losses import Objective
from fastoptim.optim import schedules

datasets = pytest.importorskip("sklearn.datasets", reason="the data sets come with scikit-learn")


def _standardized(load):
    X, y = load(return_X_y=True)
    X = (X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
    return X, y


def _objective(model, X, y):
    """The mean log-loss plus the penalty 1 / (2 C n) ||coef||^2, the model's objective."""
    P = np.clip(model.predict_proba(X), 1e-300, 1.0)
    idx = np.searchsorted(model.classes_, y)
    data = -np.mean(np.log(P[np.arange(len(y)), idx]))
    return data + 0.5 / (model.C * len(y)) * float(np.sum(model.coef_.astype(np.float64) ** 2))


@pytest.fixture(scope="module", params=["breast_cancer", "digits"])
def problem(request):
    X, y = _standardized(getattr(datasets, f"load_{request.param}"))
    best = _objective(LogisticRegression(solver="lbfgs").fit(X, y), X, y)
    return X, y, best


@pytest.mark.parametrize("random_state", [0, 1, 2])
@pytest.mark.parametrize("solver", STOCHASTIC_SOLVERS)
def test_every_solver_at_its_defaults_reaches_the_lbfgs_objective(problem, solver, random_state):
    X, y, best = problem
    model = LogisticRegression(solver=solver, random_state=random_state).fit(X, y)
    assert _objective(model, X, y) <= 1.01 * best
    assert model.score(X, y) >= LogisticRegression().fit(X, y).score(X, y) - 0.005


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_softmax_regression_too(solver):
    X, y = _standardized(datasets.load_digits)
    best = _objective(SoftmaxRegression().fit(X, y), X, y)
    assert _objective(SoftmaxRegression(solver=solver, random_state=0).fit(X, y), X, y) <= 1.01 * best


@pytest.mark.parametrize("solver", STOCHASTIC_SOLVERS)
def test_ridge_on_badly_scaled_features(solver):
    """Features of scale 1e3: the adaptive methods' start (1e-3) is far off the best rate and
    the SGD family's 1 / L is tiny; the walk finds a rate either way."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(2000, 6)) * np.array([1e3, 2e3, 5e2, 1e3, 3e3, 1e3])
    y = X @ rng.normal(size=6) * 1e-3 + rng.normal(size=2000)
    exact = Ridge(alpha=1.0, solver="svd").fit(X, y)

    def f(m):
        r = X @ m.coef_ + m.intercept_ - y
        return 0.5 * np.mean(r ** 2) + 0.5 / len(y) * float(m.coef_ @ m.coef_)

    model = Ridge(alpha=1.0, solver=solver, random_state=0).fit(X, y)
    assert f(model) <= 1.01 * f(exact)


def test_range_test_picks_a_stable_rate_on_a_quadratic():
    """Full-batch SGD on least squares: the test's rate is below 2 / lambda_max (beyond, the
    iteration diverges) and not far below it (the rate that makes the most progress)."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 5)) * np.array([1.0, 1.0, 2.0, 3.0, 0.5])
    y = X @ rng.normal(size=5)
    obj = Objective("squared", X, y)
    lam_max = np.linalg.eigvalsh(X.T @ X / len(y)).max()
    lr = range_test_learning_rate("sgd", obj, np.zeros(5), None, batch=400, seed=0)
    assert 0.2 / lam_max <= lr < 2.0 / lam_max


def _rates(capsys):
    return [float(v) for v in re.findall(r"lr (\S+)", capsys.readouterr().out)]


def test_rate_is_cut_on_plateaus_only_when_auto(capsys):
    X, y = _standardized(datasets.load_breast_cancer)
    LogisticRegression(solver="sgd", random_state=0, verbose=1).fit(X, y)
    rates = _rates(capsys)
    assert rates[-1] < rates[0] / 20  # cut by 1.25 each time, down to 1/100 of the test's rate
    assert all(b <= a for a, b in zip(rates, rates[1:]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        LogisticRegression(solver="sgd", learning_rate=0.5, random_state=0, verbose=1,
                           max_iter=200).fit(X, y)
        assert set(_rates(capsys)) == {0.5}  # a number is the rate of every epoch
        LogisticRegression(solver="adam", schedule=schedules.CosineDecay(0.1, total=40),
                           random_state=0, verbose=1, max_iter=40).fit(X, y)
    rates = _rates(capsys)
    assert rates == pytest.approx([schedules.CosineDecay(0.1, total=40)(e) for e in
                                   range(1, len(rates) + 1)], rel=1e-2)


def test_weighted_and_float32_fits_get_a_rate_too():
    X, y = _standardized(datasets.load_breast_cancer)
    w = np.random.default_rng(0).uniform(0.5, 2.0, size=len(y))
    best = LogisticRegression(tol=1e-10, max_iter=10000).fit(X, y, sample_weight=w)
    model = LogisticRegression(solver="adam", random_state=0).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(model.predict_proba(X), best.predict_proba(X), atol=0.05)
    model32 = LogisticRegression(solver="sgd", random_state=0).fit(X.astype(np.float32), y)
    assert model32.coef_.dtype == np.float32
    assert model32.score(X, y) >= best.score(X, y) - 0.01
