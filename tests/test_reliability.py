"""Reliability: divergence, persistence, concurrency, interrupts, determinism, memory.

- Divergence: an exploding or non-finite loss stops the fit in its first epoch with an
  error naming the learning rate; a failed fit (or partial_fit) leaves the previous model
  exactly as it was.
- Persistence: pickle (and joblib) round trips predict the same bits; an optimizer or a
  stochastic estimator pickled mid-training continues with the same bits.
- Concurrency: fits on several Python threads give the bits of the same fits run one
  after another; SIGINT stops a long fit promptly and leaves the model unfitted or as
  it was.
- Determinism: same data, random_state and n_threads give the same bits; 1 and 2
  threads differ by the order of the sums only.
- Memory: fitting C-contiguous float32/float64 X makes no copy of X, and float32 stays
  float32.
"""
import io
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import scipy.sparse as sp

from fastoptim import (SVC, KernelRidge, LinearRegression, LinearSVC, LogisticRegression, Ridge,
                       SoftmaxRegression)
from fastoptim.exceptions import ConvergenceWarning
from fastoptim.optim import SGD, Adagrad, Adam, AdamW, RMSProp
from fastoptim.optim.transforms import (AddDecayedWeights, Momentum, ScaleByLearningRate,
                                        ScaleByRMS)
from fastoptim.optim import Optimizer

pytestmark = pytest.mark.filterwarnings("ignore", category=ConvergenceWarning)

RNG = np.random.default_rng(0)
N, D = 400, 8
X = RNG.normal(size=(N, D))
Y_REG = X @ RNG.normal(size=D) + 0.3 * RNG.normal(size=N)
Y_CLF = np.argmax(X[:, :3] + RNG.normal(size=(N, 3)), axis=1)  # three classes
X_SPARSE = sp.csr_matrix(np.where(RNG.random((N, D)) < 0.4, X, 0.0))


def _sto(cls, solver, **kw):
    return lambda **extra: cls(**{"solver": solver, "max_iter": 15, "random_state": 0, **kw,
                                  **extra})


def _direct(cls, **kw):
    return lambda **extra: cls(**{**kw, **extra})


# (name, factory(**params) -> estimator, 'reg'/'clf', stochastic?)
ESTIMATORS = [
    ("LinearRegression", _direct(LinearRegression), "reg", False),
    ("LinearRegression-sgd", _sto(LinearRegression, "sgd"), "reg", True),
    ("Ridge", _direct(Ridge, alpha=0.5), "reg", False),
    ("Ridge-cg", _direct(Ridge, alpha=0.5, solver="cg"), "reg", False),
    ("Ridge-adam", _sto(Ridge, "adam", alpha=0.5), "reg", True),
    ("KernelRidge", _direct(KernelRidge, alpha=0.1, kernel="rbf", gamma=0.2), "reg", False),
    ("KernelRidge-nystroem", _direct(KernelRidge, alpha=0.1, kernel="rbf", gamma=0.2,
                                     solver="nystroem", n_components=20, random_state=0),
     "reg", False),
    ("LogisticRegression", _direct(LogisticRegression, C=2.0), "clf", False),
    ("LogisticRegression-newton-cg", _direct(LogisticRegression, solver="newton-cg"), "clf", False),
    ("LogisticRegression-newton-cholesky",
     _direct(LogisticRegression, solver="newton-cholesky", multi_class="ovr"), "clf", False),
    ("LogisticRegression-sgd", _sto(LogisticRegression, "sgd"), "clf", True),
    ("SoftmaxRegression", _direct(SoftmaxRegression, C=2.0), "clf", False),
    ("SoftmaxRegression-adam", _sto(SoftmaxRegression, "adam"), "clf", True),
    ("LinearSVC", _direct(LinearSVC, C=0.5, random_state=0), "clf", False),
    ("LinearSVC-primal", _direct(LinearSVC, C=0.5, dual=False), "clf", False),
    ("LinearSVC-rmsprop", _sto(LinearSVC, "rmsprop", dual=False), "clf", True),
    ("SVC", _direct(SVC, C=2.0, gamma=0.2), "clf", False),
]
IDS = [e[0] for e in ESTIMATORS]


def y_for(kind):
    return Y_REG if kind == "reg" else Y_CLF


def fitted_arrays(est):
    """The fitted numeric state: every public attribute with a trailing underscore."""
    out = {}
    for name, value in vars(est).items():
        if name.endswith("_") and not name.startswith("_"):
            out[name] = value.toarray() if sp.issparse(value) else value
    return out


def assert_same_bits(a, b):
    fa, fb = fitted_arrays(a), fitted_arrays(b)
    assert fa.keys() == fb.keys()
    for k in fa:
        va, vb = fa[k], fb[k]
        if isinstance(va, list):
            assert va == vb, k
        else:
            np.testing.assert_array_equal(np.asarray(va), np.asarray(vb), err_msg=k)
            assert np.asarray(va).dtype == np.asarray(vb).dtype, k


def snapshot(est):
    """The fitted state as bytes (names sorted): equal bytes, equal bits."""
    return pickle.dumps(sorted(fitted_arrays(est).items(), key=lambda kv: kv[0]))


def outputs(est, Xp):
    """Every prediction method the estimator has, on Xp."""
    out = {}
    for name in ("predict", "decision_function", "predict_proba", "predict_log_proba"):
        if hasattr(est, name):
            try:
                out[name] = getattr(est, name)(Xp)
            except AttributeError:  # e.g. predict_proba of a model without probabilities
                pass
    return out


def params_vector(est):
    """The learned numbers as one float64 vector (coefficients or dual coefficients)."""
    parts = []
    for name in ("coef_", "dual_coef_", "intercept_"):
        if name in vars(est):
            parts.append(np.ravel(np.asarray(vars(est)[name], dtype=np.float64)))
    return np.concatenate(parts)


# ================================================================================ divergence


DIVERGING = [
    ("LinearRegression", lambda **k: LinearRegression(solver="sgd", learning_rate=1e3, **k), "reg"),
    ("Ridge-momentum", lambda **k: Ridge(solver="momentum", learning_rate=1e3, **k), "reg"),
    ("LogisticRegression", lambda **k: LogisticRegression(solver="sgd", learning_rate=1e6, **k), "clf"),
    ("LogisticRegression-nesterov",
     lambda **k: LogisticRegression(solver="nesterov", learning_rate=1e6, **k), "clf"),
    ("SoftmaxRegression", lambda **k: SoftmaxRegression(solver="sgd", learning_rate=1e6, **k), "clf"),
    ("LinearSVC", lambda **k: LinearSVC(dual=False, solver="sgd", learning_rate=1e6, **k), "clf"),
]


@pytest.mark.parametrize("batch_size", [1, 20])
@pytest.mark.parametrize("name, make, kind", DIVERGING, ids=[d[0] for d in DIVERGING])
def test_exploding_loss_stops_in_the_first_epoch(name, make, kind, batch_size):
    """A learning rate far too large: the fit stops at epoch 1 (not after max_iter epochs)
    with a FloatingPointError that names learning_rate -- non-finite values inside the C
    epoch, or an epoch mean loss 1e6 times the loss at the start.  (An epoch of two
    batches, e.g. the default batch of 200 on these 400 rows, has taken one step only when
    its mean is taken: it is caught at epoch 2.)"""
    est = make(max_iter=1000, random_state=0, batch_size=batch_size)
    t0 = time.perf_counter()
    with pytest.raises(FloatingPointError, match=r"epoch 1\b.*learning_rate") as info:
        est.fit(X, y_for(kind))
    assert "learning rate" in str(info.value)
    assert not hasattr(est, "coef_")  # nothing half-fitted
    assert time.perf_counter() - t0 < 5.0


@pytest.mark.parametrize("cls, kind", [(LinearRegression, "reg"), (LogisticRegression, "clf"),
                                       (LinearSVC, "clf")])
def test_huge_X_stops_in_the_first_epoch(cls, kind):
    kw = dict(dual=False) if cls is LinearSVC else {}
    est = cls(solver="sgd", learning_rate=0.01, max_iter=1000, random_state=0, **kw)
    with pytest.raises(FloatingPointError, match=r"epoch 1\b.*learning_rate"):
        est.fit(X * 1e200, y_for(kind))


@pytest.mark.parametrize("make, kind", [
    (lambda: LogisticRegression(), "clf"), (lambda: LogisticRegression(solver="newton-cg"), "clf"),
    (lambda: LogisticRegression(solver="newton-cholesky", multi_class="ovr"), "clf"),
    (lambda: LogisticRegression(solver="gd"), "clf"), (lambda: SoftmaxRegression(), "clf"),
    (lambda: LinearSVC(dual=False), "clf"), (lambda: LinearSVC(random_state=0), "clf"),
    (lambda: Ridge(), "reg"), (lambda: Ridge(solver="cg"), "reg"),
    (lambda: KernelRidge(kernel="rbf"), "reg"), (lambda: SVC(gamma=0.1), "clf"),
], ids=["lbfgs", "newton-cg", "newton-cholesky", "gd", "softmax", "linearsvc-primal",
        "linearsvc-dual", "ridge", "ridge-cg", "kernel-ridge", "svc"])
def test_huge_X_full_batch_solvers_say_scale_X(make, kind):
    """Values of X whose products overflow: an error that says to scale X (not a NaN model,
    not an error about an internal array)."""
    with pytest.raises((FloatingPointError, ValueError), match=r"(?i)scale X"):
        make().fit(X * 1e200, y_for(kind))


WARM = [
    ("LinearRegression", lambda **k: LinearRegression(solver="sgd", **k), "reg"),
    ("Ridge", lambda **k: Ridge(solver="adagrad", **k), "reg"),
    ("LogisticRegression", lambda **k: LogisticRegression(solver="sgd", **k), "clf"),
    ("SoftmaxRegression", lambda **k: SoftmaxRegression(solver="momentum", **k), "clf"),
]


@pytest.mark.parametrize("name, make, kind", WARM, ids=[w[0] for w in WARM])
def test_failed_warm_start_keeps_the_previous_fit(name, make, kind):
    est = make(warm_start=True, max_iter=5, random_state=0).fit(X, y_for(kind))
    before = snapshot(est)
    est.set_params(learning_rate=1e8, max_iter=50)
    with pytest.raises(FloatingPointError, match="learning_rate"):
        est.fit(X, y_for(kind))
    assert snapshot(est) == before  # every fitted attribute, bit for bit
    # and the model still warm-starts from it
    est.set_params(learning_rate="auto", max_iter=2)
    est.fit(X, y_for(kind))
    assert np.all(np.isfinite(params_vector(est)))


@pytest.mark.parametrize("name, make, kind, stochastic", ESTIMATORS, ids=IDS)
def test_failed_fit_keeps_the_previous_fit(name, make, kind, stochastic):
    """Any estimator: a fit that raises (here on NaN in X) leaves the last fit untouched."""
    est = make().fit(X, y_for(kind))
    before = snapshot(est)
    Xbad = X.copy()
    Xbad[5, 1] = np.nan
    with pytest.raises(ValueError, match="X contains NaN"):
        est.fit(Xbad, y_for(kind))
    assert snapshot(est) == before


class _InterruptAt:
    """A schedule that raises KeyboardInterrupt at its n-th call (one call per epoch): an
    interrupt at a known point, in process."""

    def __init__(self, n):
        self.calls, self.n = 0, n

    def __call__(self, epoch):
        self.calls += 1
        if self.calls == self.n:
            raise KeyboardInterrupt
        return 0.01


INTERRUPTED = [
    ("LogisticRegression-ovr", lambda **k: LogisticRegression(solver="sgd", multi_class="ovr", **k),
     Y_CLF),
    ("Ridge-2-targets", lambda **k: Ridge(solver="sgd", **k), np.column_stack([Y_REG, -Y_REG])),
    ("LinearSVC-ovr", lambda **k: LinearSVC(dual=False, solver="sgd", **k), Y_CLF),
]


@pytest.mark.parametrize("name, make, y", INTERRUPTED,
                         ids=["LogisticRegression-ovr", "Ridge-2-targets", "LinearSVC-ovr"])
def test_interrupt_in_a_later_problem_keeps_every_attribute(name, make, y):
    """KeyboardInterrupt in the second of several problems (one-vs-rest classes, targets):
    every fitted attribute, the loss curve included, is the previous fit's."""
    est = make(max_iter=5, tol=1e-12, n_iter_no_change=100, random_state=0).fit(X, y)
    before = snapshot(est)
    est.set_params(schedule=_InterruptAt(8))  # epoch 3 of the second problem
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, y)
    assert est.schedule.calls == 8
    assert snapshot(est) == before


@pytest.mark.parametrize("cls", [LogisticRegression, SoftmaxRegression])
def test_failed_partial_fit_keeps_model_and_optimizer_state(cls):
    """A partial_fit that diverges changes nothing: the next partial_fit gives the bits it
    would have given had the failed call never happened."""
    a = cls(solver="sgd", learning_rate=0.01, batch_size=10)
    b = cls(solver="sgd", learning_rate=0.01, batch_size=10)
    for m in (a, b):
        m.partial_fit(X[:200], Y_CLF[:200], classes=[0, 1, 2])
    before = snapshot(a)
    a.set_params(learning_rate=1e8)
    a._partial[0][2].lr = 1e8  # the running optimizer too (set_params alone would not)
    with pytest.raises(FloatingPointError, match="learning_rate"):
        a.partial_fit(X[200:], Y_CLF[200:])
    assert snapshot(a) == before
    a._partial[0][2].lr = 0.01
    a.set_params(learning_rate=0.01)
    for m in (a, b):
        m.partial_fit(X[200:], Y_CLF[200:])
    assert_same_bits(a, b)


# ================================================================================ persistence


@pytest.fixture(scope="module")
def fitted():
    """Every estimator fitted on dense float64, dense float32 and CSR data (once)."""
    out = {}
    for name, make, kind, _ in ESTIMATORS:
        out[name, "f64"] = make().fit(X, y_for(kind))
        out[name, "f32"] = make().fit(X.astype(np.float32), y_for(kind))
        out[name, "csr"] = make().fit(X_SPARSE, y_for(kind))
    return out


def _probe(layout):
    return {"f64": X[:50] + 0.1, "f32": (X[:50] + 0.1).astype(np.float32),
            "csr": X_SPARSE[:50]}[layout]


@pytest.mark.parametrize("layout", ["f64", "f32", "csr"])
@pytest.mark.parametrize("name", IDS)
def test_pickle_round_trip(fitted, name, layout):
    est = fitted[name, layout]
    copy = pickle.loads(pickle.dumps(est, protocol=pickle.HIGHEST_PROTOCOL))
    assert type(copy) is type(est) and copy.get_params().keys() == est.get_params().keys()
    assert_same_bits(est, copy)
    ref, got = outputs(est, _probe(layout)), outputs(copy, _probe(layout))
    assert ref.keys() == got.keys() and "predict" in ref
    for k in ref:
        np.testing.assert_array_equal(got[k], ref[k], err_msg=k)
        assert np.asarray(got[k]).dtype == np.asarray(ref[k]).dtype


@pytest.mark.parametrize("name", IDS)
def test_joblib_round_trip(fitted, name):
    joblib = pytest.importorskip("joblib")
    for layout in ("f64", "f32", "csr"):
        est = fitted[name, layout]
        buf = io.BytesIO()
        joblib.dump(est, buf)
        buf.seek(0)
        copy = joblib.load(buf)
        ref, got = outputs(est, _probe(layout)), outputs(copy, _probe(layout))
        for k in ref:
            np.testing.assert_array_equal(got[k], ref[k], err_msg=k)


def _chain():
    return Optimizer(AddDecayedWeights(0.01), ScaleByRMS(0.9, 1e-8, True), Momentum(0.5),
                     ScaleByLearningRate(0.01))


OPTIMIZERS = [
    ("SGD", lambda: SGD(lr=0.05)),
    ("SGD-momentum", lambda: SGD(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("SGD-nesterov", lambda: SGD(lr=0.05, momentum=0.9, nesterov=True)),
    ("Adagrad", lambda: Adagrad(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
    ("RMSProp", lambda: RMSProp(lr=0.01, centered=True, momentum=0.3)),
    ("Adam", lambda: Adam(lr=0.01)),
    ("Adam-amsgrad", lambda: Adam(lr=0.01, amsgrad=True, weight_decay=0.01)),
    ("AdamW", lambda: AdamW(lr=0.01)),
    ("chain", _chain),
]


@pytest.mark.parametrize("name, make", OPTIMIZERS, ids=[o[0] for o in OPTIMIZERS])
def test_optimizer_pickled_mid_training_continues_exactly(name, make):
    rng = np.random.default_rng(3)
    params = [rng.normal(size=(5, 7)), rng.normal(size=40000), rng.normal(size=3).astype(np.float32)]
    shapes = [p.shape for p in params]
    opt = make()

    def grads():
        return [rng.normal(size=s).astype(p.dtype) for s, p in zip(shapes, params)]

    for _ in range(7):
        opt.step(params, grads())
    clone = pickle.loads(pickle.dumps(opt))
    clone_params = [p.copy() for p in params]
    assert clone.n_steps == opt.n_steps == 7
    for _ in range(6):
        g = grads()
        opt.step(params, g)
        clone.step(clone_params, g)
    for p, q in zip(params, clone_params):
        np.testing.assert_array_equal(p, q)
    for s, t in zip(opt.state, clone.state):
        assert s.keys() == t.keys()
        for k in s:
            np.testing.assert_array_equal(s[k], t[k])
    assert opt.lr == clone.lr and clone.n_steps == 13


@pytest.mark.parametrize("cls, solver", [(LogisticRegression, "adam"), (LogisticRegression, "sgd"),
                                         (SoftmaxRegression, "rmsprop")])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_estimator_pickled_mid_training_continues_exactly(cls, solver, sparse):
    """partial_fit after a pickle round trip: the bits of the original doing the same."""
    Xd = X_SPARSE if sparse else X
    est = cls(solver=solver, random_state=0)
    est.partial_fit(Xd[:150], Y_CLF[:150], classes=[0, 1, 2])
    est.partial_fit(Xd[150:300], Y_CLF[150:300])
    copy = pickle.loads(pickle.dumps(est))
    for m in (est, copy):
        m.partial_fit(Xd[300:], Y_CLF[300:])
        m.partial_fit(Xd[:150], Y_CLF[:150])
    assert_same_bits(est, copy)
    assert est.n_iter_.tolist() == [4] * len(est.n_iter_)


@pytest.mark.parametrize("cls, kind", [(LogisticRegression, "clf"), (Ridge, "reg")])
def test_warm_start_after_unpickling(cls, kind):
    """fit with warm_start=True from an unpickled model equals the original doing it."""
    est = cls(solver="adam", warm_start=True, max_iter=3, random_state=0).fit(X, y_for(kind))
    copy = pickle.loads(pickle.dumps(est))
    for m in (est, copy):
        m.fit(X, y_for(kind))
    assert_same_bits(est, copy)


# ================================================================================ concurrency


def _concurrent_jobs():
    Xb = np.random.default_rng(5).normal(size=(3000, 20))
    yc = (Xb[:, 0] + Xb[:, 1] > 0).astype(int)
    yr = Xb @ np.arange(20.0)
    return [
        (lambda: LogisticRegression(C=1.0, n_threads=2), Xb, yc),
        (lambda: Ridge(alpha=1.0, solver="cg", n_threads=2), Xb, yr),
        (lambda: LinearSVC(C=0.5, random_state=0, n_threads=2), sp.csr_matrix(Xb), yc),
        (lambda: SoftmaxRegression(solver="adam", max_iter=10, random_state=0, n_threads=2), Xb, yc),
        (lambda: KernelRidge(alpha=1.0, kernel="rbf", gamma=0.05, n_threads=2), Xb[:800], yr[:800]),
        (lambda: SVC(C=1.0, gamma=0.05, n_threads=2), Xb[:800], yc[:800]),
    ]


def test_fits_on_threads_equal_sequential_fits():
    """Fits of different estimators on 2 Python threads at once (each using 2 OpenMP
    threads in C, without the GIL): the bits of the same fits run one after another."""
    jobs = _concurrent_jobs()

    def run(job):
        make, Xj, yj = job
        return make().fit(Xj, yj)

    sequential = [run(j) for j in jobs]
    for _ in range(2):
        with ThreadPoolExecutor(max_workers=2) as pool:
            concurrent = list(pool.map(run, jobs))
        for a, b in zip(sequential, concurrent):
            assert_same_bits(a, b)


def test_optimizer_steps_on_threads_equal_sequential_steps():
    rng = np.random.default_rng(6)
    grads = [rng.normal(size=50000) for _ in range(5)]

    def run(make):
        p, opt = np.zeros(50000), make()
        for g in grads:
            opt.step(p, g)
        return p

    makers = [m for _, m in OPTIMIZERS]
    sequential = [run(m) for m in makers]
    with ThreadPoolExecutor(max_workers=2) as pool:
        concurrent = list(pool.map(run, makers))
    for a, b in zip(sequential, concurrent):
        np.testing.assert_array_equal(a, b)


def test_concurrent_lbfgs_fits_restore_blas_threads():
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas_threads():
        return sorted(d["num_threads"] for d in threadpoolctl.threadpool_info()
                      if d["user_api"] == "blas")

    before = blas_threads()
    Xs, ys = X[:200, :4], Y_CLF[:200]
    for _ in range(15):
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda c: LogisticRegression(C=c, n_threads=1).fit(Xs, ys),
                          np.linspace(0.5, 2, 12)))
        assert blas_threads() == before


# The end of the interrupt scripts: fit est on (X, y), report(elapsed) on KeyboardInterrupt.
_FIT_UNTIL_INTERRUPTED = textwrap.dedent("""
    print("fitting", flush=True)
    t0 = time.perf_counter()
    try:
        est.fit(X, y)
        print("finished without interrupt", flush=True)
    except KeyboardInterrupt:
        report(time.perf_counter() - t0)
        sys.exit(0)
    sys.exit(3)
""")

_INTERRUPT_SCRIPT = textwrap.dedent("""
    import sys, time, warnings
    import numpy as np
    from fastoptim import LogisticRegression
    warnings.simplefilter("ignore")
    mode = sys.argv[1]
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20000, 50))
    y = (X[:, 0] + rng.normal(size=20000) > 0).astype(int)
    est = LogisticRegression(solver="sgd", random_state=0, warm_start=True)
    if mode == "warm":
        est.set_params(max_iter=2).fit(X, y)
        previous = (est.coef_.copy(), est.intercept_.copy(), est.n_iter_.copy())
    est.set_params(max_iter=10**6, n_iter_no_change=10**6)

    def report(elapsed):
        if mode == "warm":
            same = (np.array_equal(est.coef_, previous[0]) and
                    np.array_equal(est.intercept_, previous[1]) and
                    np.array_equal(est.n_iter_, previous[2]))
            print(f"interrupted after {elapsed:.2f}s; previous state kept: {same}", flush=True)
        else:
            print(f"interrupted after {elapsed:.2f}s; unfitted: {not hasattr(est, 'coef_')}",
                  flush=True)
""") + _FIT_UNTIL_INTERRUPTED


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
def test_keyboard_interrupt_stops_a_long_fit_promptly():
    """SIGINT about 1 s into a fit of 10**6 epochs: KeyboardInterrupt reaches the caller
    within seconds, and the estimator is unfitted (first fit) or exactly its previous fit
    (warm start)."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    procs = {mode: subprocess.Popen([sys.executable, "-c", _INTERRUPT_SCRIPT, mode],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                    env=env)
             for mode in ("fresh", "warm")}
    try:
        for mode, proc in procs.items():
            line = proc.stdout.readline()
            assert line.strip() == "fitting", (line, proc.stderr.read() if proc.poll() else "")
        time.sleep(1.0)
        sent = time.perf_counter()
        for proc in procs.values():
            proc.send_signal(signal.SIGINT)
        outs = {mode: proc.communicate(timeout=30) for mode, proc in procs.items()}
        waited = time.perf_counter() - sent
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
    assert waited < 5.0, f"the fits took {waited:.1f}s to stop after SIGINT"
    for mode, (out, err) in outs.items():
        assert procs[mode].returncode == 0, (mode, out, err)
        assert "interrupted after" in out, (mode, out, err)
    assert "unfitted: True" in outs["fresh"][0]
    assert "previous state kept: True" in outs["warm"][0]


_SOLVER_INTERRUPT_SCRIPT = textwrap.dedent("""
    import sys, time, warnings
    import numpy as np
    from fastoptim import SVC, LinearSVC
    warnings.simplefilter("ignore")
    name = sys.argv[1]
    rng = np.random.default_rng(0)
    if name == "LinearSVC-dual":  # one C call of 10**9 passes
        X, y = rng.normal(size=(20000, 20)), rng.integers(0, 2, 20000)
        est = LinearSVC(dual=True, C=1e3)
        long = dict(tol=1e-12, max_iter=10**9)
    else:  # random labels at C=1e4: minutes of SMO (one problem, or 3 pairs on 2 threads)
        k = 2 if name == "SVC-binary" else 3
        X, y = rng.normal(size=(3000, 5)), rng.integers(0, k, 3000)
        est = SVC(C=1e4, n_threads=None if k == 2 else 2)
        long = {}
    est.fit(X[:60], y[:60])
    previous = {k: np.copy(v) for k, v in vars(est).items() if k.endswith("_")}
    est.set_params(**long)

    def report(elapsed):
        now = {k: v for k, v in vars(est).items() if k.endswith("_")}
        same = now.keys() == previous.keys() and all(np.array_equal(now[k], previous[k])
                                                      for k in previous)
        print(f"interrupted after {elapsed:.2f}s; previous state kept: {same}", flush=True)
""") + _FIT_UNTIL_INTERRUPTED


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
def test_keyboard_interrupt_stops_smo_and_dual_cd_promptly():
    """SIGINT about 1 s into minutes-long SVC and LinearSVC(dual=True) fits (each one C
    call: the C solvers poll the glue's should_stop callback between iterations): the
    KeyboardInterrupt reaches the caller within 3 s, on one problem and on one-vs-one pairs
    solved on two threads at once, and the previous fit's attributes are all kept."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    names = ("SVC-binary", "SVC-3-classes-2-threads", "LinearSVC-dual")
    procs = {name: subprocess.Popen([sys.executable, "-c", _SOLVER_INTERRUPT_SCRIPT, name],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                    env=env)
             for name in names}
    try:
        for name, proc in procs.items():
            line = proc.stdout.readline()
            assert line.strip() == "fitting", (name, line, proc.stderr.read() if proc.poll() else "")
        time.sleep(1.0)
        for proc in procs.values():
            proc.send_signal(signal.SIGINT)
        sent = time.perf_counter()
        outs, waited = {}, {}
        for name, proc in procs.items():
            try:
                outs[name] = proc.communicate(timeout=max(0.1, 3.0 - (time.perf_counter() - sent)))
            except subprocess.TimeoutExpired:
                outs[name] = ("still running 3 s after SIGINT", "")
            waited[name] = time.perf_counter() - sent
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    for name, (out, err) in outs.items():
        assert "interrupted after" in out, (name, waited[name], out, err)
        assert procs[name].returncode == 0, (name, out, err)
        assert "previous state kept: True" in out, (name, out)


# ================================================================================ determinism


@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("name, make, kind, stochastic", ESTIMATORS, ids=IDS)
def test_same_inputs_same_bits(name, make, kind, stochastic, layout):
    Xd = X if layout == "dense" else X_SPARSE
    for n_threads in (1, 2):
        a = make(n_threads=n_threads).fit(Xd, y_for(kind))
        b = make(n_threads=n_threads).fit(Xd, y_for(kind))
        assert_same_bits(a, b)


# measured max |a - b| / max |a| between n_threads=1 and 2 on this data (ESTIMATORS, dense
# and CSR): at most 4.4e-15 (lbfgs, CSR); the stochastic solvers 0 to 4.2e-16 -- a batch's
# sums are split across threads, and 15 epochs do not amplify the difference (lazy sparse
# epochs run on one thread: 0); the dual solvers and the BLAS-bound ones (Ridge 'auto',
# KernelRidge, LinearSVC's dual CD, SVC) give the same bits.  Asserted: 1e-12 for all.
THREAD_RTOL = 1e-12


@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("name, make, kind, stochastic", ESTIMATORS, ids=IDS)
def test_one_and_two_threads_differ_by_reduction_order_only(name, make, kind, stochastic, layout):
    rng = np.random.default_rng(7)
    Xb = rng.normal(size=(3000, 20))
    if layout == "csr":
        Xb = sp.csr_matrix(np.where(rng.random(Xb.shape) < 0.3, Xb, 0.0))
    y = (Xb @ rng.normal(size=20) + rng.normal(size=3000)) if kind == "reg" else \
        np.argmax(np.asarray(Xb[:, :3].todense() if sp.issparse(Xb) else Xb[:, :3])
                  + rng.normal(size=(3000, 3)), axis=1)
    if name.startswith(("KernelRidge", "SVC")):
        Xb, y = Xb[:1000], y[:1000]
    a = params_vector(make(n_threads=1).fit(Xb, y))
    b = params_vector(make(n_threads=2).fit(Xb, y))
    assert a.shape == b.shape
    rel = float(np.max(np.abs(a - b))) / float(np.max(np.abs(a)))
    assert rel <= THREAD_RTOL, f"{name}: relative difference {rel:.2e}"


# ================================================================================ memory


@pytest.fixture(scope="module")
def tall():
    rng = np.random.default_rng(8)
    X64 = rng.normal(size=(100_000, 40))
    yc = (X64[:, 0] + rng.normal(size=X64.shape[0]) > 0).astype(np.int64)
    yr = X64[:, :5].sum(axis=1) + rng.normal(size=X64.shape[0])
    return X64, yc, yr


MEMORY = [
    ("LogisticRegression-lbfgs", lambda: LogisticRegression(max_iter=10), "clf"),
    ("LogisticRegression-newton-cholesky",
     lambda: LogisticRegression(solver="newton-cholesky", max_iter=3), "clf"),
    ("LogisticRegression-sgd", lambda: LogisticRegression(solver="sgd", max_iter=1, random_state=0), "clf"),
    ("Ridge-cholesky", lambda: Ridge(solver="cholesky"), "reg"),
    ("Ridge-cg", lambda: Ridge(solver="cg", max_iter=10), "reg"),
    ("LinearSVC", lambda: LinearSVC(max_iter=3, random_state=0), "clf"),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, make, kind", MEMORY, ids=[m[0] for m in MEMORY])
def test_fit_makes_no_copy_of_X(tall, name, make, kind, dtype):
    """Peak allocation during fit (numpy reports to tracemalloc) well below X's size for a
    tall C-contiguous X: no copy, no float64 twin of float32 X.  Per-sample vectors remain
    (a float64 vector is 1/40 of float64 X here, 1/20 of float32 X)."""
    X64, yc, yr = tall
    Xd = X64 if dtype == np.float64 else X64.astype(np.float32)
    y = yc if kind == "clf" else yr
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        est = make().fit(Xd, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 0.5 * Xd.nbytes, f"{name}: peak {peak / Xd.nbytes:.2f} x X.nbytes"
    assert est.coef_.dtype == dtype
    assert np.asarray(est.intercept_).dtype == dtype or np.ndim(est.intercept_) == 0


# ---- early stopping reads its rows in place (#17, 13a) -------------------------------------

_ES_PEAK_SCRIPT = textwrap.dedent("""
    import resource, sys, warnings
    import numpy as np
    est, early = sys.argv[1], sys.argv[2] == "1"
    n, p = 200_000, 125                     # 100 MB of float32
    rng = np.random.default_rng(0)
    X = np.empty((n, p), dtype=np.float32)
    for lo in range(0, n, 10_000):          # generated in small blocks: no large temporary
        X[lo:lo + 10_000] = rng.standard_normal((10_000, p), dtype=np.float32)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(np.int64)
    warnings.simplefilter("ignore")
    if est == "logistic":
        from fastoptim.linear_model import LogisticRegression
        model = LogisticRegression(solver="sgd", max_iter=2, random_state=0)
    else:
        from fastoptim.neural_network import MLPClassifier
        model = MLPClassifier(hidden_layer_sizes=(8,), max_iter=2, random_state=0)
    model.set_params(early_stopping=early).fit(X, y)
    assert early == (getattr(model, "validation_scores_", None) is not None)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, X.nbytes)
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss in KiB (Linux)")
@pytest.mark.parametrize("est", ["logistic", "mlp"])
def test_early_stopping_does_not_copy_X(est):
    """early_stopping=True splits the rows by index: the peak resident memory of a fit on a
    100 MB X stays within 15% of X of the early_stopping=False fit (a copy of X: +100%)."""
    peaks = {}
    for early in ("0", "1"):
        out = subprocess.run([sys.executable, "-c", _ES_PEAK_SCRIPT, est, early],
                             capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        peaks[early], nbytes = map(int, out.stdout.split())
    assert peaks["1"] - peaks["0"] < 0.15 * nbytes, (peaks, nbytes)
