"""Threads: the OpenMP wait policy, the work thresholds, the BLAS budget, the thread teams.

- The C core's libgomp is loaded with a bounded spin (GOMP_SPINCOUNT) unless the user set
  the wait policy, and the variable does not leak into the environment.
- n_threads=None gives small parallel regions one thread (the engine's batches, SVC's
  rows); an explicit n_threads is honoured.
- BLAS/LAPACK calls made by fastoptim run on the budget blas_n_threads derives from
  n_threads; the limit is restored afterwards, nested and concurrent limits compose.
- The thread teams of the training engine and of SVC (parts and row chunks claimed by
  whichever thread is running) give the same bits as one thread computing the same parts,
  and keep giving them while a busy process holds a core (a helper descheduled in the
  middle of its part is overtaken; the result does not change).
"""
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import scipy.linalg
import scipy.sparse as sp

from fastoptim import SVC, KernelRidge, LinearSVC, LogisticRegression, Ridge
from fastoptim import _blas
from fastoptim._config import MIN_WORK_PER_THREAD, effective_n_threads
from fastoptim._core import _openmp
from fastoptim.losses import Objective
from fastoptim.optim import SGD, Adam, run_epoch
from fastoptim.svm._svc import TEAM_MIN_ROW_WORK

RNG = np.random.default_rng(23)
needs_openmp = pytest.mark.skipif(not _openmp.openmp_enabled(), reason="built without OpenMP")


def _run_python(code, env_update=None, drop=()):
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(env_update or {})
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- the wait policy

_STATE_SCRIPT = """
    import json, os, sys
    if sys.argv[-1] == "preload":
        import ctypes; ctypes.CDLL("libgomp.so.1")
    import fastoptim
    from fastoptim._core import _wait_policy
    from fastoptim._config import config_info
    print(json.dumps({"state": _wait_policy.STATE, "env": os.environ.get("GOMP_SPINCOUNT"),
                      "info": config_info()["openmp_wait"]}))
"""


@needs_openmp
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="libgomp on Linux")
def test_bounded_spin_is_set_at_import_and_not_left_in_the_environment():
    got = _run_python(_STATE_SCRIPT, drop=("GOMP_SPINCOUNT", "OMP_WAIT_POLICY"))
    if got["state"]["source"] == "the C core does not use libgomp":
        pytest.skip("the C core links another OpenMP runtime")
    assert got["state"] == {"setting": "GOMP_SPINCOUNT=3000", "source": "fastoptim, at import"}
    assert got["env"] is None  # read by libgomp, then removed: child processes do not inherit it
    assert "GOMP_SPINCOUNT=3000" in got["info"]


@needs_openmp
@pytest.mark.parametrize("variable, value", [("OMP_WAIT_POLICY", "passive"),
                                             ("GOMP_SPINCOUNT", "12345")])
def test_the_users_wait_policy_wins(variable, value):
    got = _run_python(_STATE_SCRIPT, {variable: value},
                      drop=("GOMP_SPINCOUNT", "OMP_WAIT_POLICY"))
    assert got["state"] == {"setting": f"{variable}={value}", "source": "the environment"}
    assert got["env"] == (value if variable == "GOMP_SPINCOUNT" else None)


@needs_openmp
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/self/maps")
def test_a_libgomp_loaded_before_fastoptim_keeps_its_setting_and_says_so():
    code = _STATE_SCRIPT.replace('sys.argv[-1] == "preload"', "True")
    try:
        got = _run_python(code, drop=("GOMP_SPINCOUNT", "OMP_WAIT_POLICY"))
    except AssertionError as exc:  # no system libgomp.so.1 to preload
        pytest.skip(str(exc)[:200])
    assert got["state"]["source"] == "libgomp was loaded before fastoptim"
    assert got["env"] is None


# --------------------------------------------------------------------------- work thresholds

def _epoch(obj, batch, n_threads=None):
    c = np.zeros(obj.coef_shape, dtype=obj.dtype)
    b = np.zeros(obj.n_outputs, dtype=obj.dtype)
    run_epoch(obj, Adam(lr=0.01), c, b, batch_size=batch, seed=5)
    return c, b


def _binary(n, d, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(dtype)
    y = np.where(X @ rng.standard_normal(d) + 0.3 * rng.standard_normal(n) > 0, 1.0, -1.0)
    return X, y


@needs_openmp
def test_default_threads_give_a_small_batch_one_thread_and_a_large_one_all():
    X, y = _binary(24_000, 30)
    default = Objective("logistic", X, y, alpha=1e-3)
    assert default.n_threads == 2 or effective_n_threads(None) < 2
    one = Objective("logistic", X, y, alpha=1e-3, n_threads=1)
    two = Objective("logistic", X, y, alpha=1e-3, n_threads=2)
    small = 200  # 200 x 30 values per batch: far below MIN_WORK_PER_THREAD
    assert small * 30 < MIN_WORK_PER_THREAD
    for got, want in zip(_epoch(default, small), _epoch(one, small)):
        np.testing.assert_array_equal(got, want)
    # an explicit count is honoured even on small batches (2 parts: other sums than 1 part)
    assert not np.array_equal(_epoch(two, small)[0], _epoch(one, small)[0])
    if effective_n_threads(None) >= 2:
        large = 24_000  # 720000 values: 2 threads of at least MIN_WORK_PER_THREAD
        assert large * 30 >= 2 * MIN_WORK_PER_THREAD
        for got, want in zip(_epoch(default, large), _epoch(two, large)):
            np.testing.assert_array_equal(got, want)


def test_svc_shares_rows_of_one_problem_only_when_they_are_long_enough():
    est = SVC()
    X_small = np.zeros((1000, 20))
    X_long = np.zeros((3700, 57))
    assert 1000 * 20 < TEAM_MIN_ROW_WORK <= 3700 * 57
    assert est._row_threads(X_small, 1000, 2, 1) == 1
    assert est._row_threads(X_long, 3700, 2, 1) == 2
    assert est._row_threads(X_long, 3700, 2, 3) == 1  # several problems: one thread each
    assert SVC(n_threads=2)._row_threads(X_small, 1000, 2, 1) == 2  # explicit: honoured


# --------------------------------------------------------------------------- the teams' bits

@needs_openmp
@pytest.mark.parametrize("layout", ["dense", "float32", "csr"])
@pytest.mark.parametrize("kernel", ["rbf", "poly", "linear"])
def test_svc_rows_shared_by_any_thread_count_give_the_same_bits(layout, kernel):
    X, y = _binary(1203, 23, seed=3)  # odd sizes: rows end mid-chunk and mid-tile
    if layout == "float32":
        X = X.astype(np.float32)
    elif layout == "csr":
        X[np.abs(X) < 0.8] = 0.0
        X = sp.csr_matrix(X)
    fits = [SVC(kernel=kernel, C=0.5, n_threads=nt).fit(X, y) for nt in (1, 2, 3)]
    for other in fits[1:]:
        np.testing.assert_array_equal(other.dual_coef_, fits[0].dual_coef_)
        np.testing.assert_array_equal(other.intercept_, fits[0].intercept_)
        np.testing.assert_array_equal(other.support_, fits[0].support_)


@needs_openmp
@pytest.mark.parametrize("loss, layout", [("logistic", "dense"), ("squared", "float32"),
                                          ("softmax", "dense"), ("logistic", "csr")])
def test_engine_team_equals_the_same_parts_on_one_thread(loss, layout):
    """Parts claimed by whichever thread runs: the bits of a 2- and 3-part epoch do not
    depend on the threads' timing (run many times), and the loss curve matches too."""
    X, y = _binary(5001, 17, seed=4)
    if loss == "softmax":
        y = np.digitize(X[:, 0] + X[:, 1], [-0.5, 0.5]).astype(float)
    elif loss == "squared":
        y = X @ np.arange(17.0) / 17
    if layout == "float32":
        X, y = X.astype(np.float32), y.astype(np.float32)
    elif layout == "csr":
        X[np.abs(X) < 0.5] = 0.0
        X = sp.csr_matrix(X)
    for n_threads in (2, 3):
        obj = Objective(loss, X, y, alpha=1e-3, n_threads=n_threads)
        ref = None
        for _ in range(5):
            c = np.zeros(obj.coef_shape, dtype=obj.dtype)
            b = np.zeros(obj.n_outputs, dtype=obj.dtype)
            opt = Adam(lr=0.01)
            losses = [run_epoch(obj, opt, c, b, batch_size=640, seed=e, lazy=False)
                      for e in range(3)]
            got = (c.copy(), b.copy(), losses, opt.state[0]["s1"].copy())
            if ref is None:
                ref = got
            for g, r in zip(got, ref):
                np.testing.assert_array_equal(g, r)


# --------------------------------------------------------------------------- under load

_BUSY = "import time\nend = time.time() + 60\nwhile time.time() < end:\n    pass\n"


@pytest.fixture
def busy_core():
    """A CPU-bound child process for the length of the test (ends itself after 60 s)."""
    proc = subprocess.Popen([sys.executable, "-c", _BUSY])
    time.sleep(0.2)
    yield proc
    proc.kill()
    proc.wait()


def _fits():
    """Fits whose bits do not depend on timing: each returns its fitted arrays."""
    X, y = _binary(3000, 57, seed=6)
    Xs = sp.csr_matrix(np.where(np.abs(X) > 1.0, X, 0.0))
    ypm = np.where(y > 0, 1, 0)
    return {
        "SVC binary, rows shared": lambda nt: SVC(n_threads=nt).fit(X, y).dual_coef_,
        "SGD batch 200, 2 parts": lambda nt: LogisticRegression(
            solver="sgd", batch_size=200, max_iter=3, tol=0.0, random_state=0,
            n_threads=nt).fit(X, ypm).coef_,
        "Adam batch 1000, 2 parts": lambda nt: LogisticRegression(
            solver="adam", batch_size=1000, max_iter=3, tol=0.0, random_state=0,
            n_threads=nt).fit(X, ypm).coef_,
        "LinearSVC primal sparse": lambda nt: LinearSVC(dual=False, n_threads=nt).fit(Xs, y).coef_,
        "KernelRidge": lambda nt: KernelRidge(kernel="rbf", n_threads=nt).fit(X[:600], X[:600, 0]).dual_coef_,
    }


@needs_openmp
def test_fits_finish_with_the_same_bits_while_a_busy_process_holds_a_core(busy_core):
    """No timing is asserted: the fits finish, and the threads' results do not change."""
    fits = _fits()
    quiet = {}
    busy_core.send_signal(signal.SIGSTOP)  # the quiet reference first
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name, fit in fits.items():
                quiet[name] = fit(2)
    finally:
        busy_core.send_signal(signal.SIGCONT)
    for _ in range(2):
        for name, fit in fits.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                np.testing.assert_array_equal(fit(2), quiet[name], err_msg=name)
                fit(None)  # the default threads finish too
    assert busy_core.poll() is None  # the load was there the whole time


# --------------------------------------------------------------------------- the BLAS budget

def _blas_now():
    return [lib.get() for lib in _blas._backends()]


needs_blas_control = pytest.mark.skipif(not _blas._backends(),
                                        reason="no BLAS whose threads can be set")


def test_blas_n_threads_rule():
    assert _blas.blas_n_threads(None, 1e3) == 1
    assert _blas.blas_n_threads(None, 301 ** 3 / 3) == 1  # a 301 x 301 Cholesky
    big = _blas.blas_n_threads(None, 1e12)
    assert big == effective_n_threads(None)
    assert _blas.blas_n_threads(1, 1e12) == 1
    # explicit: honoured up to the CPUs (effective_n_threads' cap)
    assert _blas.blas_n_threads(3, 10) == min(3, effective_n_threads(-1))
    with pytest.raises(ValueError, match="n_threads"):
        _blas.blas_n_threads(0, 10)


@needs_blas_control
def test_blas_threads_limit_nests_never_raises_and_restores():
    before = _blas_now()
    with _blas.blas_threads(1):
        assert all(n == 1 for n in _blas_now())
        with _blas.blas_threads(64):  # nested: the smallest limit holds
            assert all(n == 1 for n in _blas_now())
        assert all(n == 1 for n in _blas_now())
    assert _blas_now() == before
    with _blas.blas_threads(10 ** 4):  # never above BLAS's own setting
        assert _blas_now() == before
    assert _blas_now() == before
    with pytest.raises(RuntimeError):
        with _blas.blas_threads(1):
            raise RuntimeError("restored on error too")
    assert _blas_now() == before


@needs_blas_control
def test_blas_limits_of_concurrent_fits_compose_and_are_restored():
    before = _blas_now()
    seen, barrier = [], threading.Barrier(4)

    def work(n):
        with _blas.blas_threads(n):
            barrier.wait()
            seen.append(max(_blas_now()))
            barrier.wait()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(work, [1, 2, 2, 3]))
    assert seen == [1, 1, 1, 1]  # while all four hold a limit, the smallest one
    assert _blas_now() == before


@needs_blas_control
@pytest.mark.parametrize("make, expected", [
    (lambda nt: LinearSVC(dual=False, solver="newton-cholesky", n_threads=nt), {None: 1, 1: 1, 2: 2}),
    (lambda nt: LogisticRegression(solver="newton-cholesky", n_threads=nt), {None: 1, 1: 1, 2: 2}),
    (lambda nt: KernelRidge(n_threads=nt), {None: 1, 1: 1, 2: 2}),
    (lambda nt: Ridge(n_threads=nt), {None: 1, 1: 1, 2: 2}),
])
def test_the_estimators_lapack_calls_use_the_thread_budget(monkeypatch, make, expected):
    if min(_blas_now()) < 2:
        pytest.skip("BLAS runs on one thread here")
    X, y = _binary(400, 30, seed=8)
    calls = []
    real = scipy.linalg.cho_factor

    def spy(*args, **kwargs):
        calls.append(max(_blas_now()))
        return real(*args, **kwargs)

    monkeypatch.setattr(scipy.linalg, "cho_factor", spy)
    for n_threads, want in expected.items():
        calls.clear()
        make(n_threads).fit(X, y)
        assert calls and set(calls) == {want}, (n_threads, calls)


_MANY_THREADS_SCRIPT = """
import hashlib, resource, sys
import numpy as np
from fastoptim import LogisticRegression
rng = np.random.default_rng(0)
X = rng.normal(size=(4000, 300))
y = (X[:, 0] + rng.normal(size=4000) > 0).astype(int)
est = LogisticRegression(solver="newton-cholesky", n_threads=int(sys.argv[1])).fit(X, y)
print(hashlib.sha256(est.coef_.tobytes()).hexdigest(),
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="resource.getrusage")
def test_thousand_threads_run_on_the_cpus():
    """n_threads=1000 with a 300 x 300 Hessian (0.7 MB per thread): the count is capped at
    the CPUs, so the fit gives the bits of n_threads=cpus and its peak RSS is that fit's,
    not 700 MB more of per-thread Hessians."""
    from fastoptim._config import max_n_threads

    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    out = {}
    for t in (str(max_n_threads()), "1000"):
        res = subprocess.run([sys.executable, "-c", _MANY_THREADS_SCRIPT, t], capture_output=True,
                             text=True, env=env, timeout=300)
        assert res.returncode == 0, res.stderr
        digest, peak = res.stdout.split()
        out[t] = (digest, int(peak))
    (d_cpus, rss_cpus), (d_many, rss_many) = out.values()
    assert d_many == d_cpus  # the same bits as the capped count
    assert rss_many < rss_cpus + 100, out  # MB
