"""The loss kernels on real data sets from ../shared/data (skipped when absent):
a9a (sparse binary features, logistic loss) and USPS digits (dense, softmax)."""
import gzip

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit

from fastoptim.losses import loss_grad, loss_hessp
from fastoptim.reference import losses as ref

from conftest import DATA_DIR, assert_grad_close, assert_value_close, grad_scale

A9A = DATA_DIR / "a9a" / "a9a"
USPS = DATA_DIR / "usps" / "zip.train.gz"
A9A_FEATURES = 123


def _parse_svmlight(path, n_features):
    """A minimal LIBSVM/svmlight reader (labels, 1-based index:value pairs) into CSR."""
    labels, data, indices, indptr = [], [], [], [0]
    with open(path) as f:
        for line in f:
            parts = line.split("#", 1)[0].split()
            if not parts:
                continue
            labels.append(float(parts[0]))
            for item in parts[1:]:
                j, v = item.split(":")
                indices.append(int(j) - 1)
                data.append(float(v))
            indptr.append(len(indices))
    X = sp.csr_matrix((np.asarray(data), np.asarray(indices, dtype=np.int32),
                       np.asarray(indptr, dtype=np.int64)), shape=(len(labels), n_features))
    return X, np.asarray(labels)


@pytest.fixture(scope="module")
def a9a():
    if not A9A.exists():
        pytest.skip(f"a9a data set not found at {A9A} (expected in ../shared/data/a9a)")
    try:
        from sklearn.datasets import load_svmlight_file
    except ImportError:
        X, y = _parse_svmlight(A9A, A9A_FEATURES)
    else:
        X, y = load_svmlight_file(str(A9A), n_features=A9A_FEATURES)
    assert X.shape == (32561, A9A_FEATURES)
    assert set(np.unique(y)) == {-1.0, 1.0}
    return sp.csr_matrix(X, dtype=np.float64), y


@pytest.fixture(scope="module")
def usps():
    if not USPS.exists():
        pytest.skip(f"USPS data set not found at {USPS} (expected in ../shared/data/usps)")
    rows = []
    with gzip.open(USPS, "rt") as f:
        for i, line in enumerate(f):
            if i == 2000:
                break
            rows.append([float(v) for v in line.split()])
    arr = np.asarray(rows)
    assert arr.shape == (2000, 257)
    y = arr[:, 0].astype(np.int64)
    assert set(np.unique(y)) == set(range(10))
    return np.ascontiguousarray(arr[:, 1:]), y


def test_svmlight_parser_agrees_with_sklearn(a9a):
    pytest.importorskip("sklearn")
    X, y = _parse_svmlight(A9A, A9A_FEATURES)
    Xs, ys = a9a
    assert np.array_equal(y, ys)
    assert (X != Xs).nnz == 0


@pytest.mark.parametrize("weights", [False, True], ids=["unw", "w"])
def test_a9a_logistic(a9a, weights):
    X, y = a9a
    rng = np.random.default_rng(0)
    coef = rng.normal(scale=0.3, size=A9A_FEATURES)
    b = -0.4
    sw = rng.uniform(0.5, 2.0, size=X.shape[0]) if weights else None
    value, g, gb = loss_grad("logistic", X, y, coef, b, sample_weight=sw, alpha=1e-3)
    rv, rg, rgb = ref.loss_grad("logistic", X, y, coef, b, sample_weight=sw, alpha=1e-3)
    scale = grad_scale(rg, rgb)
    assert_value_close(value, rv, 1e-10)
    assert_grad_close(g, rg, 1e-10, scale)
    assert_grad_close(gb, rgb, 1e-10, scale)

    dense = loss_grad("logistic", X.toarray(), y, coef, b, sample_weight=sw, alpha=1e-3)
    assert_value_close(dense[0], value, 1e-12)
    assert_grad_close(dense[1], g, 1e-12, scale)
    assert_grad_close(dense[2], gb, 1e-12, scale)

    one = loss_grad("logistic", X, y, coef, b, sample_weight=sw, alpha=1e-3, n_threads=1)
    two = loss_grad("logistic", X, y, coef, b, sample_weight=sw, alpha=1e-3, n_threads=2)
    assert_value_close(one[0], two[0], 1e-12)
    assert_grad_close(one[1], two[1], 1e-12, scale)


def test_a9a_logistic_float32(a9a):
    X, y = a9a
    coef = np.random.default_rng(1).normal(scale=0.3, size=A9A_FEATURES).astype(np.float32)
    value, g, gb = loss_grad("logistic", X.astype(np.float32), y, coef, 0.1)
    assert g.dtype == np.float32
    rv, rg, rgb = ref.loss_grad("logistic", X, y, coef.astype(np.float64),
                                float(np.float32(0.1)))
    assert_value_close(value, rv, 1e-6)
    assert_grad_close(g, rg, 1e-5, grad_scale(rg, rgb))


def test_a9a_logistic_matches_sklearn_log_loss(a9a):
    metrics = pytest.importorskip("sklearn.metrics")
    X, y = a9a
    coef = np.random.default_rng(2).normal(scale=0.2, size=A9A_FEATURES)
    value, _, _ = loss_grad("logistic", X, y, coef, 0.3)
    p = expit(np.asarray(X @ coef) + 0.3)
    assert p.min() > 1e-6 and p.max() < 1 - 1e-6  # no clipping in log_loss
    expected = metrics.log_loss((y > 0).astype(int), p)
    assert value == pytest.approx(expected, rel=1e-10)


def test_a9a_logistic_hessp(a9a):
    X, y = a9a
    rng = np.random.default_rng(3)
    coef = rng.normal(scale=0.3, size=A9A_FEATURES)
    v = rng.normal(size=A9A_FEATURES)
    hv, hb = loss_hessp("logistic", X, y, coef, 0.2, v, 0.5, alpha=1e-3)
    rhv, rhb = ref.hessp("logistic", X, y, coef, 0.2, v, 0.5, alpha=1e-3)
    assert_grad_close(hv, rhv, 1e-10, grad_scale(rhv, rhb))
    assert_grad_close(hb, rhb, 1e-10, grad_scale(rhv, rhb))


def test_usps_softmax(usps):
    X, y = usps
    rng = np.random.default_rng(4)
    coef = rng.normal(scale=0.05, size=(10, 256))
    b = rng.normal(scale=0.1, size=10)
    value, g, gb = loss_grad("softmax", X, y, coef, b, alpha=1e-2)
    rv, rg, rgb = ref.loss_grad("softmax", X, y, coef, b, alpha=1e-2)
    scale = grad_scale(rg, rgb)
    assert g.shape == (10, 256) and gb.shape == (10,)
    assert_value_close(value, rv, 1e-10)
    assert_grad_close(g, rg, 1e-10, scale)
    assert_grad_close(gb, rgb, 1e-10, scale)

    Xs = sp.csr_matrix(X)  # the background (-1) is stored, so this is a dense CSR
    csr = loss_grad("softmax", Xs, y, coef, b, alpha=1e-2)
    assert_value_close(csr[0], value, 1e-12)
    assert_grad_close(csr[1], g, 1e-12, scale)

    g32 = loss_grad("softmax", X.astype(np.float32), y, coef.astype(np.float32),
                    b.astype(np.float32), alpha=1e-2)
    assert g32[1].dtype == np.float32
    assert_value_close(g32[0], value, 1e-5)
    assert_grad_close(g32[1], g, 1e-4, scale)

    v = rng.normal(size=(10, 256))
    hv, hb = loss_hessp("softmax", X, y, coef, b, v, np.ones(10), alpha=1e-2)
    rhv, rhb = ref.hessp("softmax", X, y, coef, b, v, np.ones(10), alpha=1e-2)
    assert_grad_close(hv, rhv, 1e-10, grad_scale(rhv, rhb))
    assert_grad_close(hb, rhb, 1e-10, grad_scale(rhv, rhb))


def test_usps_multiclass_hinge(usps):
    X, y = usps
    coef = np.random.default_rng(5).normal(scale=0.05, size=(10, 256))
    value, g, gb = loss_grad("multiclass_hinge", X, y, coef, np.zeros(10))
    rv, rg, rgb = ref.loss_grad("multiclass_hinge", X, y, coef, np.zeros(10))
    assert_value_close(value, rv, 1e-10)
    assert_grad_close(g, rg, 1e-10, grad_scale(rg, rgb))
