"""MLPClassifier/MLPRegressor's solver='gd' (full-batch gradient descent with Armijo
backtracking) against the NumPy oracle of the network (fastoptim.reference.mlp): every
step is along the exact negative gradient, satisfies the Armijo condition and is the
first rate of the backtracking that does; the loss falls at every iteration.  Also the
private per-epoch hook (``_epoch_hook``) that the command line's progress bar and curves
use, and the bad inputs of 'gd'."""
import warnings

import numpy as np
import pytest

from fastoptim import MLPClassifier, MLPRegressor
from fastoptim.exceptions import ConvergenceWarning
from fastoptim.optim.line_search import armijo_descent
from fastoptim.reference import mlp as ref

ARMIJO_C = 1e-4  # fastoptim.optim.line_search.armijo's default sufficient-decrease constant


def _blobs(n=120, p=5, K=3, seed=0):
    rng = np.random.default_rng(seed)
    centers = 2.0 * rng.standard_normal((K, p))
    y = rng.integers(0, K, n)
    return centers[y] + rng.standard_normal((n, p)), y


def _initial(sizes, seed=1):
    rng = np.random.default_rng(seed)
    coefs = [rng.standard_normal((a, b)) / np.sqrt(a) for a, b in zip(sizes[:-1], sizes[1:])]
    return coefs, [0.1 * rng.standard_normal(b) for b in sizes[1:]]


def _flat(coefs, intercepts):
    return np.concatenate([a.ravel() for a in coefs] + [b.ravel() for b in intercepts])


def _unflat(theta, sizes):
    """The inverse of _flat: (coefs, intercepts) of the layer sizes."""
    shapes = [(a, b) for a, b in zip(sizes[:-1], sizes[1:])] + [(b,) for b in sizes[1:]]
    arrays, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        arrays.append(theta[start:start + size].reshape(shape))
        start += size
    return arrays[:len(sizes) - 1], arrays[len(sizes) - 1:]


def _record(est):
    """Fit-time snapshots of (coefs, intercepts, hook loss) after every iteration."""
    seen = []

    def hook(epoch, loss, score, snapshot):
        model = snapshot()
        seen.append((epoch, loss, score, [W.copy() for W in model.coefs_],
                     [b.copy() for b in model.intercepts_]))

    est._epoch_hook = hook
    return seen


@pytest.mark.parametrize("kind, activation, K", [("classifier", "tanh", 3),
                                                 ("classifier", "relu", 2),
                                                 ("regressor", "logistic", 1)])
def test_every_gd_step_is_an_armijo_step_of_the_oracles_gradient(kind, activation, K):
    X, y = _blobs(K=max(K, 2))
    n, p = X.shape
    if kind == "regressor":
        y = X @ np.linspace(-1, 1, p) + np.sin(X[:, 0])
        Y, output, est_cls = y[:, None], "identity", MLPRegressor
    elif K == 2:
        Y, output, est_cls = (y == 1).astype(float)[:, None], "logistic", MLPClassifier
    else:
        Y, output, est_cls = np.eye(K)[y], "softmax", MLPClassifier
    sizes = (p, 7, Y.shape[1])
    coefs0, icpts0 = _initial(sizes)
    alpha = 0.5
    est = est_cls((7,), activation, solver="gd", alpha=alpha, max_iter=25, tol=0.0)
    seen = _record(est)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter=25 with tol=0
        est.fit(X, y, coefs_init=coefs0, intercepts_init=icpts0)
    assert [s[0] for s in seen] == list(range(1, 26)) and est.n_iter_ == 25
    l2 = alpha / n

    def oracle(coefs, icpts):
        value, gW, gb = ref.loss_grad(X, Y, coefs, icpts, activation, output, l2=l2)
        return value, _flat(gW, gb)

    points = [(coefs0, icpts0)] + [(s[3], s[4]) for s in seen]
    f, g = oracle(*points[0])
    rate = 1.0 / max(1.0, float(np.linalg.norm(g)))  # the first trial: a step of length <= 1
    backtracked = 0
    for k, (epoch, loss, score, coefs, icpts) in enumerate(seen):
        step = _flat(*points[k]) - _flat(coefs, icpts)
        eta = float(step @ g) / float(g @ g)
        assert eta > 0
        # along the exact negative gradient of the oracle
        assert np.allclose(step, eta * g, rtol=0, atol=1e-12 * max(1.0, np.abs(step).max()))
        # the rate is a halving of the trial rate (1, 1/2, 1/4, ... of it)
        halvings = np.log2(rate / eta)
        assert abs(halvings - round(halvings)) < 1e-9 and round(halvings) >= 0
        f_new, g_new = oracle(coefs, icpts)
        assert f_new <= f - ARMIJO_C * eta * float(g @ g)  # the Armijo condition
        assert f_new < f  # the loss decreases at every step
        if round(halvings) > 0:  # backtracking stops at the first rate that satisfies it
            backtracked += 1
            doubled = _unflat(_flat(*points[k]) - 2 * eta * g, sizes)
            assert oracle(*doubled)[0] > f - ARMIJO_C * 2 * eta * float(g @ g)
        assert loss == pytest.approx(f_new, rel=1e-10)  # loss_curve_'s entry, as the hook's
        assert score is None
        f, g, rate = f_new, g_new, 2 * eta  # the next trial doubles the accepted rate
    assert 0 < backtracked < len(seen)  # both kinds of step were checked
    assert est.loss_curve_ == [s[1] for s in seen]
    assert est.loss_ == est.loss_curve_[-1]
    assert np.array_equal(_flat(est.coefs_, est.intercepts_), _flat(*points[-1]))


def test_gd_converges_to_tol_and_stops():
    X, y = _blobs(60, 3, 2)
    est = MLPClassifier((4,), "tanh", solver="gd", alpha=1.0, max_iter=5000, tol=1e-5,
                        random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est.fit(X, y)
    assert est.n_iter_ < 5000
    Y = (y == 1).astype(float)[:, None]
    _, gW, gb = ref.loss_grad(X, Y, est.coefs_, est.intercepts_, "tanh", "logistic",
                              l2=1.0 / 60)
    assert np.max(np.abs(_flat(gW, gb))) <= 1e-5
    assert np.all(np.diff(est.loss_curve_) < 0)


def test_gd_with_batch_norm_and_float32():
    X, y = _blobs(80, 4, 3)
    est = MLPClassifier((6,), solver="gd", batch_norm=True, max_iter=30, random_state=0)
    with pytest.warns(ConvergenceWarning, match="gd stopped at max_iter=30 iterations"):
        est.fit(X.astype(np.float32), y)
    assert est.coefs_[0].dtype == np.float32
    assert np.all(np.diff(est.loss_curve_) < 0)
    # the evaluation statistics are those of all training rows (as 'lbfgs')
    z = X.astype(np.float32) @ est.coefs_[0] + est.intercepts_[0]
    assert np.allclose(est.bn_running_means_[0], z.mean(axis=0), rtol=1e-4, atol=1e-5)
    assert np.allclose(est.bn_running_vars_[0], z.var(axis=0, ddof=1), rtol=1e-3, atol=1e-5)


def test_armijo_descent_matches_a_numpy_loop():
    """armijo_descent (the 'gd' of the MLP and of LogisticRegression) on a quadratic: the
    iterates of a plain loop of the same rule."""
    A = np.diag([1.0, 4.0, 9.0])
    b = np.array([1.0, -2.0, 0.5])

    def fun(x):
        return 0.5 * float(x @ A @ x) - float(b @ x), A @ x - b

    points = []
    x, n_iter, converged = armijo_descent(fun, np.zeros(3), 500, 1e-6,
                                          callback=lambda it, x, v: points.append(x.copy()))
    want, xk = [], np.zeros(3)
    f, g = fun(xk)
    rate = 1.0 / max(1.0, float(np.linalg.norm(g)))
    while len(want) < n_iter:
        eta = rate
        while fun(xk - eta * g)[0] > f - ARMIJO_C * eta * float(g @ g):
            eta /= 2
        xk = xk - eta * g
        f, g = fun(xk)
        want.append(xk)
        rate = 2 * eta
    assert converged and np.max(np.abs(fun(x)[1])) <= 1e-6
    assert np.array_equal(np.array(points), np.array(want))


def test_epoch_hook_of_the_stochastic_solvers():
    X, y = _blobs(200, 5, 3)
    est = MLPClassifier((8,), solver="adam", max_iter=12, early_stopping=True,
                        n_iter_no_change=50, random_state=0)
    seen = []
    est._epoch_hook = lambda epoch, loss, score, snapshot: seen.append(
        (epoch, loss, score, snapshot()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    assert [s[0] for s in seen] == list(range(1, 13))
    assert [s[1] for s in seen] == est.loss_curve_
    assert [s[2] for s in seen] == est.validation_scores_
    # a snapshot is the network of its epoch: the best epoch's is the restored model
    best = int(np.argmax(est.validation_scores_))
    assert np.array_equal(seen[best][3].predict_proba(X), est.predict_proba(X))
    assert seen[best][3]._epoch_hook is None
    # without a hook, fits are as before (the hook is a class attribute None)
    assert MLPClassifier._epoch_hook is None


def test_epoch_hook_of_lbfgs_with_batch_norm():
    X, y = _blobs(90, 4, 3)
    est = MLPClassifier((5,), solver="lbfgs", batch_norm=True, max_iter=8, random_state=0)
    last = []
    est._epoch_hook = lambda epoch, loss, score, snapshot: last.append(snapshot())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    assert len(last) == est.n_iter_ == len(est.loss_curve_)
    # the last snapshot has the final parameters and the training rows' statistics
    assert np.allclose(last[-1].predict_proba(X), est.predict_proba(X), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("params, exc, match", [
    (dict(solver="gd", dropout=0.2), ValueError, "dropout needs a stochastic solver: 'gd'"),
    (dict(solver="gd", schedule=lambda epoch: 0.1), ValueError, "'gd' has none.*schedule=None"),
    (dict(solver="gd", max_iter=0), ValueError, "max_iter"),
    (dict(solver="gd", tol=-1.0), ValueError, "tol"),
    (dict(solver="GD"), ValueError, "solver must be one of .*'gd'"),
])
def test_gd_bad_parameters(params, exc, match):
    X, y = _blobs(50, 3, 3)
    with pytest.raises(exc, match=match):
        MLPClassifier((4,), **params).fit(X, y)


def test_gd_bad_inputs():
    X, y = _blobs(50, 3, 3)
    with pytest.raises(AttributeError, match="partial_fit needs a stochastic solver"):
        MLPClassifier((4,), solver="gd").partial_fit(X, y, classes=[0, 1, 2])
    # scores that overflow at the start: an error naming the fix, no fitted state
    est = MLPRegressor((4,), solver="gd", random_state=0)
    with pytest.raises(FloatingPointError, match="gd reached parameters where the loss is not "
                                                 "finite.*scale the features"):
        est.fit(X * 1e300, y.astype(float))
    assert not hasattr(est, "coefs_")
