"""Shared data generators and comparison helpers for the fastoptim test suite.

Problems are random but seeded: features ~ N(0, 1) (dense) or ~30 % dense
(sparse), coefficients scaled so that the scores are O(1) -- a mix of active
and inactive hinge terms, logistic probabilities away from 0 and 1 -- and
labels drawn from a noisy linear model so that the data are not separable.
"""
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from fastoptim.losses import LOSSES

MULTICLASS = ("softmax", "multiclass_hinge")
BINARY_CLF = ("logistic", "hinge", "squared_hinge")
HINGE_LIKE = ("hinge", "squared_hinge", "multiclass_hinge")
SMOOTH = ("squared", "logistic", "softmax")
TWICE_DIFFERENTIABLE = ("squared", "logistic", "squared_hinge", "softmax")

#: (name, sparse?, dtype) of the four data layouts every loss is tested on.
LAYOUTS = {
    "dense-f64": (False, np.float64),
    "dense-f32": (False, np.float32),
    "csr-f64": (True, np.float64),
    "csr-f32": (True, np.float32),
}

#: Where the real data sets live: ../shared/data relative to the repository root, the
#: default data folder of fastoptim.datasets' loaders in the tests (FASTOPTIM_DATA).
DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"
if DATA_DIR.is_dir():
    os.environ.setdefault("FASTOPTIM_DATA", str(DATA_DIR))


@dataclass
class Problem:
    """A loss problem in the layout under test, and its float64 copies for the oracle.

    The float64 copies hold exactly the numbers the library sees (float32 inputs
    are rounded to float32 first), so the oracle and the library differ only by
    summation order and the final rounding of the gradient.
    """

    loss: str
    X: object                 # in the layout under test (ndarray or CSR)
    y: np.ndarray
    coef: np.ndarray
    intercept: object         # None, float, or ndarray (K,)
    sample_weight: object     # None or ndarray
    alpha: float
    X64: object               # float64 copy of X (same sparsity)
    y64: np.ndarray
    coef64: np.ndarray
    intercept64: object
    sample_weight64: object
    n_classes: int

    @property
    def dtype(self):
        return self.X.dtype

    def kwargs(self, **extra):
        kw = dict(sample_weight=self.sample_weight, alpha=self.alpha)
        kw.update(extra)
        return kw

    def ref_kwargs(self):
        return dict(sample_weight=self.sample_weight64, alpha=self.alpha)


def _round(a, dtype):
    """a rounded to dtype, returned as float64 (None stays None, floats stay floats)."""
    if a is None:
        return None
    if np.ndim(a) == 0:
        return float(np.asarray(a, dtype=dtype))
    return np.asarray(a, dtype=dtype).astype(np.float64)


def make_problem(loss, *, n=300, d=12, K=4, sparse=False, dtype=np.float64, intercept=True,
                 alpha=0.0, weights=False, seed=0, density=0.3, labels01=False,
                 coef_scale=1.0):
    """A random problem for `loss`; see the module docstring."""
    rng = np.random.default_rng(seed)
    if sparse:
        dense = np.where(rng.random((n, d)) < density, rng.normal(0.0, 1.5, (n, d)), 0.0)
        Xs = sp.csr_matrix(dense)
        X64 = Xs.astype(dtype).astype(np.float64)
        X = Xs.astype(dtype)
        row_scale = np.sqrt(density * d)
    else:
        X64 = rng.normal(size=(n, d)).astype(dtype).astype(np.float64)
        X = X64.astype(dtype)
        row_scale = np.sqrt(d)
    multiclass = loss in MULTICLASS
    if multiclass:
        coef = rng.normal(size=(K, d)) * (coef_scale / row_scale)
        b = rng.normal(size=K) * 0.3 if intercept else None
        true = rng.normal(size=(K, d)) * (2.0 / row_scale)
        z_true = np.asarray(X64 @ true.T) + rng.gumbel(size=(n, K))
        y = np.argmax(z_true, axis=1).astype(np.float64)
    else:
        coef = rng.normal(size=d) * (coef_scale / row_scale)
        b = float(rng.normal() * 0.3) if intercept else None
        true = rng.normal(size=d) * (2.0 / row_scale)
        z_true = np.asarray(X64 @ true) + rng.logistic(size=n)
        if loss == "squared":
            y = z_true
        else:
            y = np.where(z_true > 0, 1.0, -1.0)
    sw = rng.uniform(0.2, 3.0, size=n) if weights else None
    if loss == "squared":
        y = np.asarray(y, dtype=dtype)  # real targets are rounded to the working dtype
    y64 = np.asarray(y, dtype=np.float64)
    if labels01:
        y = np.where(y == -1.0, 0.0, y)
    coef = np.asarray(coef, dtype=dtype)
    if b is not None and not multiclass:
        b = float(np.asarray(b, dtype=dtype))
    elif b is not None:
        b = np.asarray(b, dtype=dtype)
    sw_t = None if sw is None else np.asarray(sw, dtype=dtype)
    return Problem(
        loss=loss, X=X, y=y, coef=coef, intercept=b, sample_weight=sw_t, alpha=alpha,
        X64=X64, y64=y64, coef64=_round(coef, dtype), intercept64=_round(b, dtype),
        sample_weight64=_round(sw_t, dtype), n_classes=K if multiclass else 1,
    )


def flat_params(coef, intercept):
    """[coef.ravel(), intercept] as one float64 vector."""
    parts = [np.asarray(coef, dtype=np.float64).ravel()]
    if intercept is not None:
        parts.append(np.atleast_1d(np.asarray(intercept, dtype=np.float64)))
    return np.concatenate(parts)


def split_params(w, coef_shape, intercept):
    """Inverse of flat_params: (coef, intercept) with intercept a float/None/array like `intercept`."""
    size = int(np.prod(coef_shape))
    coef = w[:size].reshape(coef_shape)
    if intercept is None:
        return coef, None
    rest = w[size:]
    return coef, (float(rest[0]) if np.ndim(intercept) == 0 else rest.copy())


def grad_scale(*arrays):
    """max |entry| over the given gradient parts (None skipped), at least tiny."""
    m = 0.0
    for a in arrays:
        if a is not None:
            m = max(m, float(np.max(np.abs(np.asarray(a, dtype=np.float64)))))
    return max(m, np.finfo(np.float64).tiny)


def assert_grad_close(got, ref, rtol, scale):
    """|got - ref| <= rtol * scale entrywise (None must match None)."""
    if ref is None:
        assert got is None
        return
    got = np.asarray(got, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    assert got.shape == ref.shape, (got.shape, ref.shape)
    err = np.max(np.abs(got - ref)) if got.size else 0.0
    assert err <= rtol * scale, f"max abs error {err:.3e} > {rtol:.1e} * {scale:.3e}"


def assert_value_close(got, ref, rtol):
    assert np.isfinite(got)
    assert abs(got - ref) <= rtol * max(abs(ref), np.finfo(np.float64).tiny), (got, ref)


def rtol_for(dtype):
    return 1e-10 if np.dtype(dtype) == np.float64 else 1e-4


@pytest.fixture(params=list(LAYOUTS), ids=list(LAYOUTS))
def layout(request):
    """(sparse, dtype) of one of the four layouts."""
    return LAYOUTS[request.param]


@pytest.fixture(params=list(LOSSES))
def loss(request):
    return request.param


@pytest.fixture(scope="session")
def data_dir():
    return DATA_DIR


@pytest.fixture(scope="module")
def client():
    """A dask.distributed LocalCluster of 2 worker processes (one thread each) and its Client,
    one per test module (tests/test_dask*.py); skipped without distributed.  Once it exists
    it is the default scheduler of every later dask call in the module, so a module runs its
    tests without a client first."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=40)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def assert_rel(got, ref, rtol, what=""):
    """max |got - ref| <= rtol * max |ref| (normwise relative error)."""
    got = np.asarray(got, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    assert got.shape == ref.shape, (what, got.shape, ref.shape)
    assert np.all(np.isfinite(got)), what
    scale = max(float(np.max(np.abs(ref))), np.finfo(np.float64).tiny)
    err = float(np.max(np.abs(got - ref)))
    assert err <= rtol * scale, f"{what}: max abs error {err:.3e} > {rtol:.0e} * {scale:.3e}"


def usps_source():
    """The shared USPS text files as arrays (train, test: label column, then 256 values), or skip."""
    folder = DATA_DIR / "usps"
    train, test = folder / "zip.train.gz", folder / "zip.test.gz"
    if not (train.exists() and test.exists()):
        pytest.skip(f"USPS digits not found at {folder} (expected zip.train.gz and zip.test.gz "
                    f"in ../shared/data/usps)")
    tr, te = np.loadtxt(train), np.loadtxt(test)
    assert tr.shape == (7291, 257) and te.shape == (2007, 257)
    return tr, te


# -- the command line (tests/test_cli.py, tests/test_cli_networks.py) ----------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_cli(args, cwd, timeout=300):
    """``python -m fastoptim ARGS`` in a fresh process, importing the fastoptim under test
    (the one this suite imports, whatever the working directory), stdout and stderr pipes."""
    import os
    import subprocess
    import sys

    import fastoptim

    root = str(Path(fastoptim.__file__).resolve().parents[1])
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=os.pathsep.join(
        [root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    return subprocess.run([sys.executable, "-m", "fastoptim", *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=timeout)


def parse_table(stdout, settings=False):
    """{optimizer: (epochs, train loss, score, seconds[, settings])} from the command's
    results table (None for a run that diverged; epochs None when shown as '-')."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("optimizer "))
    rows = {}
    for line in lines[start + 2:]:
        fields = line.split()
        if not fields or fields[0].startswith("train") or len(fields) < 5:
            break
        name, epochs, loss, score, seconds = fields[:5]
        if loss == "diverged":
            rows[name] = None
            continue
        score = float(score[:-1]) / 100 if score.endswith("%") else float(score)
        row = (int(epochs) if epochs != "-" else None, float(loss), score, float(seconds))
        rows[name] = row + (" ".join(fields[5:]),) if settings else row
    return rows


def is_png(path):
    """Whether the file at path is a PNG image."""
    data = path.read_bytes()
    return len(data) > len(PNG_SIGNATURE) and data.startswith(PNG_SIGNATURE)


@pytest.fixture(scope="session")
def cli_files(tmp_path_factory):
    """Train/test files of a binary, a 3-class (labels 1, 2, 3) and a regression problem,
    svmlight and CSV: 200 training and 100 test rows of 8 features (one always 0)."""
    from fastoptim.datasets import dump_svmlight

    d = tmp_path_factory.mktemp("data")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 8))
    X[:, 5] = 0.0  # a column that is always 0: missing from the svmlight lines
    w = rng.standard_normal(8)
    score = X @ w + 0.3 * rng.standard_normal(300)
    targets = {"binary": np.where(score > 0, 1.0, -1.0),
               "multi": np.digitize(score, np.quantile(score, [0.3, 0.7])).astype(float) + 1,
               "reg": score}
    for name, y in targets.items():
        dump_svmlight(X[:200], y[:200], d / f"{name}-train.svm")
        dump_svmlight(X[200:], y[200:], d / f"{name}-test.svm")
        np.savetxt(d / f"{name}-train.csv", np.column_stack([X[:200], y[:200]]), delimiter=",",
                   fmt="%.17g")
        np.savetxt(d / f"{name}-test.csv", np.column_stack([X[200:], y[200:]]), delimiter=",",
                   fmt="%.17g")
    np.savetxt(d / "unlabelled.csv", X[200:], delimiter=",", fmt="%.17g")
    return d


def usage_error(main, argv, capsys):
    """The message of argparse's usage error for the command line ``argv``: ``main(argv)``
    must exit with status 2 and no traceback; returns the last line of stderr."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.strip().splitlines()[-1]
