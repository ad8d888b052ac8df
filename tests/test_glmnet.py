"""newGLMNET, the C core's L1 / elastic-net logistic regression (src_c/cd_impl.h, fo_cd.h;
issue 22, item 2, first part: the solver, not yet behind LogisticRegression).

Its solutions against scikit-learn's saga at tight tolerances (the objective, the
coefficients, the support) and against the NumPy oracle's optimality conditions, on dense
and CSC data, float64 and float32, with and without an intercept, with sample costs; the
bad arguments the C core refuses.
"""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from fastoptim._core import _cd, _status
from fastoptim.reference.coordinate_descent import l1_logistic_objective, l1_logistic_violation

from conftest import DATA_DIR


def _breast_cancer():
    datasets = pytest.importorskip("sklearn.datasets")
    X, y = datasets.load_breast_cancer(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X, np.where(y == 1, 1.0, -1.0)


def _scipy_objective(X, y, l1, l2):
    """The optimum by scipy's L-BFGS-B on the smooth split w = u - v, u, v >= 0 (an
    independent solver of the same problem)."""
    from scipy.optimize import minimize
    n, d = X.shape

    def fg(x):
        u, v, b = x[:d], x[d:2 * d], x[-1]
        w = u - v
        m = y * (X @ w + b)
        loss = np.logaddexp(0.0, -m).sum()
        gi = -y / (1.0 + np.exp(m))
        gw = X.T @ gi + l2 * w
        f = loss + l1 * (u.sum() + v.sum()) + 0.5 * l2 * (w @ w)
        return f, np.concatenate([gw + l1, -gw + l1, [gi.sum()]])

    res = minimize(fg, np.zeros(2 * d + 1), jac=True, method="L-BFGS-B",
                   bounds=[(0, None)] * (2 * d) + [(None, None)],
                   options={"maxiter": 20000, "ftol": 1e-15, "gtol": 1e-12})
    return float(res.fun)


def _solve(X, y, cost, l1, l2, *, fit_intercept=True, tol=1e-10, max_iter=1000, sparse=False,
           dtype=np.float64):
    n, d = X.shape
    w, b = np.zeros(d), np.zeros(1)
    if sparse:
        C = sp.csc_matrix(X, dtype=dtype)
        args = (_cd.CSC, C.data, C.indices.astype(np.int32), C.indptr.astype(np.int64))
    else:
        args = (_cd.DENSE, np.asfortranarray(X, dtype=dtype).ravel(order="F"), None, None)
    status, n_iter = _cd.glmnet_logistic(*args, n, d, y, cost, l1, l2, fit_intercept, tol,
                                         max_iter, 100, w, b)
    return status, n_iter, w, b[0]


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_equals_sklearn_saga_on_breast_cancer(sparse, l1_ratio):
    lm = pytest.importorskip("sklearn.linear_model")
    X, y = _breast_cancer()
    Xin = np.where(np.abs(X) < 0.3, 0.0, X) if sparse else X  # a sparse pattern for CSC
    status, n_iter, w, b = _solve(Xin, y, np.ones(len(y)), l1_ratio, 1 - l1_ratio,
                                  sparse=sparse)
    assert status == _status.OK and 1 <= n_iter < 200
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = lm.LogisticRegression(penalty="elasticnet", l1_ratio=l1_ratio, C=1.0,
                                    solver="saga", tol=1e-10, max_iter=100000).fit(
            sp.csr_matrix(Xin) if sparse else Xin, (y > 0).astype(int))
    f = l1_logistic_objective(Xin, y, w, b, 1.0, l1_ratio, 1 - l1_ratio)
    f_ref = l1_logistic_objective(Xin, y, ref.coef_[0], ref.intercept_[0], 1.0, l1_ratio,
                                  1 - l1_ratio)
    assert f <= f_ref * (1 + 1e-11)                 # at least as low as saga's
    assert f == pytest.approx(f_ref, rel=1e-7)      # saga at tol=1e-10 stops a little above
    # the pure L1 optimum is flat: saga's coefficients move by 1e-3 for 1e-9 of objective
    np.testing.assert_allclose(w, ref.coef_[0], atol=5e-5 if l1_ratio < 1 else 5e-3)
    assert f <= _scipy_objective(Xin, y, l1_ratio, 1 - l1_ratio) * (1 + 1e-11)
    big = np.abs(ref.coef_[0]) > 1e-2
    assert np.array_equal(w[big] != 0, big[big])    # the clear support is the same
    assert l1_logistic_violation(Xin, y, w, b, 1.0, l1_ratio, 1 - l1_ratio) < 1e-6
    assert np.count_nonzero(w) < X.shape[1]         # L1: exact zeros


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_float32_csc_dense_and_costs_agree(fit_intercept):
    X, y = _breast_cancer()
    cost = np.random.RandomState(0).uniform(0.2, 3.0, len(y))
    out = {}
    for sparse in (False, True):
        for dtype in (np.float64, np.float32):
            status, _, w, b = _solve(X, y, cost, 2.0, 0.1, fit_intercept=fit_intercept,
                                     sparse=sparse, dtype=dtype)
            assert status == _status.OK
            out[sparse, dtype] = (w, b)
    w64, b64 = out[False, np.float64]
    # the same optimum to the stopping tolerance (a flat optimum: 1e-10 in the subgradient
    # is ~1e-7 in the coefficients)
    np.testing.assert_allclose(out[True, np.float64][0], w64, rtol=0, atol=1e-6)
    for sparse in (False, True):
        np.testing.assert_allclose(out[sparse, np.float32][0], w64, rtol=0, atol=1e-4)
    if not fit_intercept:
        assert b64 == 0.0
    assert l1_logistic_violation(X, y, w64, b64, cost, 2.0, 0.1, fit_intercept) < 1e-6


def test_a_larger_l1_penalty_keeps_fewer_features():
    X, y = _breast_cancer()
    counts = [np.count_nonzero(_solve(X, y, np.ones(len(y)), l1, 0.0)[2])
              for l1 in (0.1, 1.0, 10.0, 1000.0)]
    assert counts[0] > counts[1] > counts[2] >= counts[3] == 0


def test_reaches_the_optimum_on_an_a9a_subset():
    from fastoptim.datasets import load_a9a
    if not (DATA_DIR / "a9a" / "a9a").is_file():
        pytest.skip("../shared/data/a9a is absent")
    X, y, _, _ = load_a9a(DATA_DIR / "a9a")
    X, y = X[:3000], y[:3000]
    status, n_iter, w, b = _solve(X, y, np.ones(3000), 1.0, 0.0, sparse=True, tol=1e-6)
    assert status == _status.OK
    assert l1_logistic_violation(X, y, w, b, 1.0, 1.0, 0.0) < 1e-6 * 1500
    assert 0 < np.count_nonzero(w) < X.shape[1]


def test_max_iter_and_bad_arguments():
    X, y = _breast_cancer()
    status, n_iter, w, _ = _solve(X, y, np.ones(len(y)), 1.0, 0.0, tol=1e-14, max_iter=2)
    assert status == _status.STOP_MAX_ITER and n_iter == 2 and np.all(np.isfinite(w))
    n, d = X.shape
    vals = np.asfortranarray(X).ravel(order="F")
    for l1, l2, tol, max_iter in ((-1.0, 0.0, 1e-4, 10), (1.0, -1.0, 1e-4, 10),
                                  (1.0, 0.0, 0.0, 10), (1.0, 0.0, 1e-4, 0)):
        status, _ = _cd.glmnet_logistic(_cd.DENSE, vals, None, None, n, d, y, np.ones(n), l1, l2,
                                        True, tol, max_iter, 10, np.zeros(d), np.zeros(1))
        assert status == _status.ERR_BAD_ARGUMENT
    with pytest.raises(ValueError, match="w needs"):
        _cd.glmnet_logistic(_cd.DENSE, vals, None, None, n, d, y, np.ones(n), 1.0, 0.0, True,
                            1e-4, 10, 10, np.zeros(d - 1), np.zeros(1))
    Xbig = np.full((4, 2), 1e308)
    status, _ = _cd.glmnet_logistic(_cd.DENSE, np.asfortranarray(Xbig).ravel(order="F"), None,
                                    None, 4, 2, np.array([1.0, -1, 1, -1]), np.ones(4), 1.0, 0.0,
                                    True, 1e-4, 10, 10, np.ones(2), np.zeros(1))
    assert status in (_status.ERR_NONFINITE, _status.OK)
