"""One epoch of a 784-256-128-10 ReLU network on MNIST: fastoptim against scikit-learn, torch
and the same matrix products alone.

Data: MNIST's training set (fastoptim.datasets.load_mnist, ../shared/data/mnist; the rows are
skipped with a note when it is absent), pixels in [0, 1], the first 10000 rows with --quick
and all 60000 otherwise.  Network: 784-256-128-10, ReLU hidden units, softmax output with
cross-entropy, batch 128 over freshly shuffled rows, Adam(lr=1e-3), Glorot-uniform weights.

Contenders, timed in this process on the same data, each one epoch per call (training goes
on from call to call):
  fastoptim   Network.train_epoch(X, Y, params, Adam(lr=1e-3), batch_size=128, seed=epoch,
              n_threads=...): the whole epoch in C (gemm through scipy's BLAS)
  sklearn     scikit-learn's MLPClassifier(hidden_layer_sizes=(256, 128), solver='adam',
              batch_size=128, max_iter=1, tol=0): one partial_fit(X, y) call, one epoch of
              its training loop (a first, untimed call set the classes and the weights); it
              keeps float32 X in float32
  torch       nn.Sequential(Linear, ReLU, Linear, ReLU, Linear), CrossEntropyLoss,
              torch.optim.Adam(fused=True) (foreach where fused is refused), tensors built
              once, torch.randperm per epoch, each batch gathered by index_select
              (float32 only)
  gemm_floor  the 8 products of each batch alone, in the same shapes, through
              scipy.linalg.blas.sgemm/dgemm on preallocated C-contiguous arrays (no copies:
              row-major products as column-major ones on the transposes): forward
              X_b W1, A1 W2, A2 W3; backward A2^T D3, D3 W3^T, A1^T D2, D2 W2^T, X_b^T D1;
              the gather of each batch's rows (np.take into a buffer) and the epoch's
              permutation included, nothing else (no bias, activation, softmax or update)
Rows and ratios:
  float32, 2 threads  vs_sklearn = sklearn / fastoptim (target >= 4), vs_torch = torch /
                      fastoptim (target >= 2), epoch_over_gemm_floor = fastoptim / gemm_floor
                      (target <= 1.3)
  float64, 2 threads  vs_sklearn (target >= 4), epoch_over_gemm_floor (no target)
  float32, 1 thread   the same ratios as the first row, no targets
Threads: BLAS limited to the row's count for everyone (threadpoolctl, or fastoptim's own
limit where it is not installed), torch.set_num_threads to the same, fastoptim's n_threads
equal to it.
"""
import contextlib
import warnings

import numpy as np
import scipy.linalg.blas as blas

from common import Row, Target, interleaved_best

from fastoptim.datasets import load_mnist
from fastoptim.neural_network import Network
from fastoptim.optim import Adam

SIZES = (784, 256, 128, 10)
BATCH, LR = 128, 1e-3


def _mnist(dtype, n):
    """X (n, 784) C-contiguous in [0, 1] of dtype, y int64 digits; FileNotFoundError if absent."""
    X, y, _, _ = load_mnist(dtype=dtype)
    X, y = X[:n], y[:n]
    if X.max() > 1.0:  # the loader scales already; keep the benchmark's premise if it stops
        X = X / X.dtype.type(255)
    return np.ascontiguousarray(X, dtype=dtype), np.ascontiguousarray(y, dtype=np.int64)


def _glorot(dtype, seed=0):
    """Glorot-uniform weights and biases per layer (scikit-learn's MLP initialization)."""
    rng = np.random.default_rng(seed)
    coefs, intercepts = [], []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        r = np.sqrt(6.0 / (fan_in + fan_out))
        coefs.append(rng.uniform(-r, r, (fan_in, fan_out)).astype(dtype))
        intercepts.append(rng.uniform(-r, r, fan_out).astype(dtype))
    return coefs, intercepts


@contextlib.contextmanager
def _threads(n):
    """BLAS on n threads for NumPy, SciPy (and so fastoptim and scikit-learn) and torch."""
    try:
        from threadpoolctl import threadpool_limits

        blas_limit = threadpool_limits(limits=n, user_api="blas")
    except ImportError:
        from fastoptim._blas import blas_threads

        blas_limit = blas_threads(n)
    try:
        import torch
    except ImportError:
        torch = None
    before = torch.get_num_threads() if torch is not None else None
    with blas_limit:
        if torch is not None:
            torch.set_num_threads(n)
        try:
            yield
        finally:
            if torch is not None:
                torch.set_num_threads(before)


class _Fastoptim:
    """One Network.train_epoch per call, the epoch number as the shuffle's seed."""

    def __init__(self, X, y, n_threads):
        dtype = X.dtype
        self.net = Network(SIZES, activation="relu", output="softmax", dtype=dtype)
        self.params = self.net.pack(*_glorot(dtype))
        self.X, self.Y = X, np.eye(SIZES[-1], dtype=dtype)[y]
        self.opt, self.epoch, self.n_threads = Adam(lr=LR), 0, n_threads
        self.loss = None

    def __call__(self):
        self.epoch += 1
        self.loss = self.net.train_epoch(self.X, self.Y, self.params, self.opt,
                                         batch_size=BATCH, seed=self.epoch, shuffle=True,
                                         n_threads=self.n_threads)


def _sklearn(X, y):
    """A callable doing one MLPClassifier.partial_fit epoch, or None without scikit-learn."""
    try:
        from sklearn.neural_network import MLPClassifier
    except ImportError:
        return None
    clf = MLPClassifier(hidden_layer_sizes=SIZES[1:-1], activation="relu", solver="adam",
                        learning_rate_init=LR, batch_size=BATCH, max_iter=1, shuffle=True,
                        tol=0.0, n_iter_no_change=10 ** 9, random_state=0)

    def epoch(**kw):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning at max_iter=1
            clf.partial_fit(X, y, **kw)

    epoch(classes=np.arange(SIZES[-1]))  # sets the classes and draws the weights: not timed
    assert clf.coefs_[0].dtype == X.dtype, "scikit-learn changed the dtype"
    return epoch


def _torch(X, y):
    """(a callable doing one torch epoch, the Adam variant), or (None, reason)."""
    try:
        import torch
    except ImportError:
        return None, "torch not installed"
    torch.manual_seed(0)
    nn = torch.nn
    model = nn.Sequential(nn.Linear(SIZES[0], SIZES[1]), nn.ReLU(),
                          nn.Linear(SIZES[1], SIZES[2]), nn.ReLU(),
                          nn.Linear(SIZES[2], SIZES[3]))
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    criterion = nn.CrossEntropyLoss()
    n = X.shape[0]
    gen = torch.Generator().manual_seed(0)
    opt = variant = None
    for kw in ({"fused": True}, {"foreach": True}):
        try:
            opt = torch.optim.Adam(model.parameters(), lr=LR, **kw)
            criterion(model(Xt[:2]), yt[:2]).backward()
            opt.step()  # a fused CPU kernel that is missing fails here
            opt.zero_grad(set_to_none=True)
            variant = next(iter(kw))
            break
        except (RuntimeError, TypeError, ValueError):
            opt = None
    if opt is None:
        return None, "torch.optim.Adam refused fused and foreach"

    def epoch():
        perm = torch.randperm(n, generator=gen)
        for start in range(0, n, BATCH):
            idx = perm[start:start + BATCH]
            xb, yb = Xt.index_select(0, idx), yt.index_select(0, idx)
            opt.zero_grad(set_to_none=True)
            criterion(model(xb), yb).backward()
            opt.step()

    return epoch, variant


class _GemmFloor:
    """The 8 gemm calls of each batch of an epoch, with the batch gather, nothing else."""

    def __init__(self, X):
        self.X, dt = X, X.dtype
        self.gemm = blas.sgemm if dt == np.float32 else blas.dgemm
        rng = np.random.default_rng(1)
        d0, d1, d2, d3 = SIZES
        self.rng = rng
        self.W = [np.ascontiguousarray(rng.uniform(-0.1, 0.1, s), dtype=dt)
                  for s in ((d0, d1), (d1, d2), (d2, d3))]
        self.G = [np.zeros_like(w) for w in self.W]
        buf = lambda *s: np.ascontiguousarray(rng.uniform(-1, 1, s), dtype=dt)
        self.Xb = np.zeros((BATCH, d0), dtype=dt)
        self.A1, self.A2, self.Z3 = buf(BATCH, d1), buf(BATCH, d2), buf(BATCH, d3)
        self.D1, self.D2, self.D3 = buf(BATCH, d1), buf(BATCH, d2), buf(BATCH, d3)

    def _mm(self, A, B, C, ta=False, tb=False):
        """Row-major C = op(A) op(B) on C-contiguous arrays, in place: column-major C^T =
        op(B)^T op(A)^T on the transposed views (F-contiguous, so f2py copies nothing)."""
        self.gemm(1.0, B.T, A.T, c=C.T, trans_a=int(tb), trans_b=int(ta), overwrite_c=1)

    def __call__(self):
        X, (W1, W2, W3), (G1, G2, G3), mm = self.X, self.W, self.G, self._mm
        n = X.shape[0]
        order = self.rng.permutation(n)
        for start in range(0, n, BATCH):
            idx = order[start:start + BATCH]
            nb = idx.size
            Xb = self.Xb[:nb]
            np.take(X, idx, axis=0, out=Xb)
            A1, A2, Z3 = self.A1[:nb], self.A2[:nb], self.Z3[:nb]
            D1, D2, D3 = self.D1[:nb], self.D2[:nb], self.D3[:nb]
            mm(Xb, W1, A1)
            mm(A1, W2, A2)
            mm(A2, W3, Z3)
            mm(A2, D3, G3, ta=True)
            mm(D3, W3, D2, tb=True)
            mm(A1, D2, G2, ta=True)
            mm(D2, W2, D1, tb=True)
            mm(Xb, D1, G1, ta=True)


def _check_floor_products():
    """The floor's in-place products against NumPy's, once (a wrong transpose would time the
    wrong shapes)."""
    rng = np.random.default_rng(2)
    f = _GemmFloor(np.zeros((4, SIZES[0]), dtype=np.float32))
    A, B = rng.standard_normal((5, 7)).astype(np.float32), rng.standard_normal((7, 3)).astype(np.float32)
    for ta, tb, a, b in ((False, False, A, B), (True, False, A.T.copy(), B),
                         (False, True, A, B.T.copy())):
        C = np.zeros((5, 3), dtype=np.float32)
        f._mm(a, b, C, ta=ta, tb=tb)
        ref = (a.T if ta else a) @ (b.T if tb else b)
        assert np.allclose(C, ref, rtol=1e-4, atol=1e-4), (ta, tb)


def _blas_kernel():
    """The OpenBLAS kernel family scipy's BLAS runs (threadpoolctl), for the notes."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown"
    arch = {i.get("architecture") for i in threadpool_info()
            if i.get("internal_api") == "openblas" and "scipy.libs" in i.get("filepath", "")}
    return ", ".join(sorted(a for a in arch if a)) or "unknown"


def _row(X, y, n_threads, repeat, rounds, with_torch, targets_on, name):
    contenders = {"fastoptim": _Fastoptim(X, y, n_threads)}
    notes = [f"{n_threads} thread{'s' if n_threads > 1 else ''} (BLAS and fastoptim"
             f"{', torch' if with_torch else ''})"]
    with _threads(n_threads):
        sk = _sklearn(X, y)
        if sk is not None:
            contenders["sklearn"] = sk
            notes.append("sklearn: one partial_fit epoch")
        else:
            notes.append("sklearn not installed")
        if with_torch:
            epoch, variant = _torch(X, y)
            if epoch is not None:
                contenders["torch"] = epoch
                notes.append(f"torch: Adam {variant}")
            else:
                notes.append(variant)
        contenders["gemm_floor"] = _GemmFloor(X)
        times = interleaved_best(contenders, repeat, rounds)
    ratios, targets = {}, {}
    if "sklearn" in times:
        ratios["vs_sklearn"] = times["sklearn"] / times["fastoptim"]
        if targets_on:
            targets["vs_sklearn"] = Target(">=", 4.0)
    if "torch" in times:
        ratios["vs_torch"] = times["torch"] / times["fastoptim"]
        if targets_on and X.dtype == np.float32:
            targets["vs_torch"] = Target(">=", 2.0)
    ratios["epoch_over_gemm_floor"] = times["fastoptim"] / times["gemm_floor"]
    if targets_on and X.dtype == np.float32:
        targets["epoch_over_gemm_floor"] = Target("<=", 1.3)
    notes.append(f"gemm floor: 8 {'s' if X.dtype == np.float32 else 'd'}gemm per batch + "
                 f"the row gather; scipy OpenBLAS kernel {_blas_kernel()}")
    notes.append(f"fastoptim loss after {contenders['fastoptim'].epoch} epochs "
                 f"{contenders['fastoptim'].loss:.4f}")
    return Row(name=name, times=times, ratios=ratios, targets=targets, notes="; ".join(notes))


def rows(quick=False):
    n = 10_000 if quick else 60_000
    repeat, rounds = (2, 2) if quick else (6, 3)
    _check_floor_products()
    try:
        X32, y = _mnist(np.float32, n)
        X64, _ = _mnist(np.float64, n)
    except FileNotFoundError as exc:
        print(f"\nMLP epoch MNIST: skipped ({exc})", flush=True)
        return []
    shape = f"{X32.shape[0]}x{X32.shape[1]}"
    return [
        _row(X32, y, 2, repeat, rounds, True, True, f"MLP epoch MNIST float32 {shape}"),
        _row(X64, y, 2, repeat, rounds, False, True, f"MLP epoch MNIST float64 {shape}"),
        _row(X32, y, 1, repeat, rounds, True, False, f"MLP epoch MNIST float32 {shape}, 1 thread"),
    ]
