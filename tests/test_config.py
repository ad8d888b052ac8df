"""Build/run-time configuration: show_config, config_info, effective_n_threads, the CLI."""
import io
import os
import subprocess
import sys

import numpy as np
import pytest

import fastoptim
from fastoptim._config import config_info, effective_n_threads, max_n_threads, show_config
from fastoptim._core import _openmp

EXPECTED_KEYS = {
    "fastoptim", "python", "platform", "machine", "numpy", "scipy", "compiler",
    "compile_flags", "openmp", "target_clones", "cpu_uses_avx2_clone", "n_threads",
    "cpu_count", "OMP_NUM_THREADS", "openmp_wait", "blas_limited",
}


def test_show_config_prints(capsys):
    fastoptim.show_config()
    out = capsys.readouterr().out
    assert f"fastoptim {fastoptim.__version__}" in out
    for word in ("OpenMP", "threads", "compiler", "numpy", "scipy", "hot kernels"):
        assert word in out, word
    lines = {line.split()[0]: line for line in out.splitlines()[1:] if line.strip()}
    assert ("on" in lines["OpenMP"]) == _openmp.openmp_enabled()


def test_show_config_to_file():
    buf = io.StringIO()
    show_config(file=buf)
    assert "OpenMP" in buf.getvalue()


def test_config_info():
    info = config_info()
    assert set(info) == EXPECTED_KEYS
    assert info["fastoptim"] == fastoptim.__version__
    assert isinstance(info["openmp"], bool)
    assert isinstance(info["target_clones"], bool)
    assert isinstance(info["n_threads"], int) and info["n_threads"] >= 1
    assert info["cpu_count"] >= 1
    assert info["compiler"]
    if info["openmp"]:
        assert "openmp" in info["compile_flags"]
    if not info["target_clones"]:
        assert info["cpu_uses_avx2_clone"] is False


def test_effective_n_threads():
    assert effective_n_threads(None) >= 1
    assert effective_n_threads(-1) >= 1
    cap = max_n_threads()
    assert effective_n_threads(3) == min(3, cap)
    assert effective_n_threads(1) == 1
    assert effective_n_threads(64) == min(64, cap)
    if not _openmp.openmp_enabled():
        assert effective_n_threads(None) == 1 and effective_n_threads(-1) == 1
    else:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        assert effective_n_threads(-1) == cpus
        if "OMP_NUM_THREADS" not in os.environ:
            assert effective_n_threads(None) <= cpus


@pytest.mark.parametrize("bad,exc", [(0, ValueError), (-2, ValueError), (1.5, TypeError),
                                     (True, TypeError), ("1", TypeError)])
def test_effective_n_threads_rejects(bad, exc):
    with pytest.raises(exc, match="n_threads"):
        effective_n_threads(bad)


def test_threadpoolctl_limits_openmp():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    if not _openmp.openmp_enabled():
        pytest.skip("fastoptim was built without OpenMP")
    before = effective_n_threads(None)
    with threadpoolctl.threadpool_limits(1, user_api="openmp"):
        assert effective_n_threads(None) == 1
        assert config_info()["n_threads"] == 1
    assert effective_n_threads(None) == before


def _run_python(*args, env_extra=None):
    env = dict(os.environ)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=60,
                          env=env)


def test_python_m_fastoptim_info():
    res = _run_python("-m", "fastoptim", "info")  # the bare command runs the demo: test_cli.py
    assert res.returncode == 0, res.stderr
    assert f"fastoptim {fastoptim.__version__}" in res.stdout
    assert "OpenMP" in res.stdout


def test_python_m_fastoptim_version():
    res = _run_python("-m", "fastoptim", "--version")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == f"fastoptim {fastoptim.__version__}"


def test_omp_num_threads_env():
    if not _openmp.openmp_enabled():
        pytest.skip("fastoptim was built without OpenMP")
    code = "from fastoptim._config import effective_n_threads as e; print(e(None))"
    res = _run_python("-c", code, env_extra={"OMP_NUM_THREADS": "3"})
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "3"


def test_automatic_threads_scale_with_the_work():
    from fastoptim import _config
    from fastoptim.losses import Objective

    most = _config.effective_n_threads(None)
    small = Objective("logistic", np.ones((100, 5)), np.ones(100))
    assert small.n_threads == 1  # 500 values: one thread
    n_rows = 2 * _config.MIN_WORK_PER_THREAD // 4 + 1
    big = Objective("logistic", np.ones((n_rows, 4)), np.ones(n_rows))
    assert big.n_threads == min(most, 2)
    # an explicit count is kept whatever the size
    assert (Objective("logistic", np.ones((100, 5)), np.ones(100), n_threads=3).n_threads
            == min(3, _config.max_n_threads()))
    assert _config.effective_n_threads(None, work=10 ** 12) == most


def test_explicit_thread_counts_are_capped_at_the_cpus(monkeypatch):
    """n_threads=1000 runs on the usable CPUs (every per-thread buffer -- a Hessian per
    thread -- is sized by the resolved count), unless OMP_NUM_THREADS asks for more."""
    from fastoptim.losses import Objective

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert max_n_threads() == cpus
    assert effective_n_threads(1000) == cpus
    assert effective_n_threads(cpus) == cpus
    assert Objective("logistic", np.ones((100, 5)), np.ones(100), n_threads=1000).n_threads == cpus
    monkeypatch.setenv("OMP_NUM_THREADS", str(cpus + 6))
    assert effective_n_threads(1000) == cpus + 6
    assert effective_n_threads(cpus + 2) == cpus + 2
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # asks for fewer: an explicit count still wins
    assert effective_n_threads(1000) == cpus
    monkeypatch.setenv("OMP_NUM_THREADS", "junk")
    assert effective_n_threads(1000) == cpus
