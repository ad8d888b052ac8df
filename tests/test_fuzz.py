"""Property tests (hypothesis) that fuzz the C kernels with random shapes, sparsity patterns
and values, against the NumPy oracles of the package and against finite differences.

Shapes go down to one row and one column (zero rows or columns must be refused with a
ValueError, never reach C); values are float32-representable reals in [-4, 4] (zeros,
subnormals and repeated values included) or small integers, for which every score is
computed exactly in both dtypes, so that the kinks of the hinge losses are hit exactly.
Sparse X comes canonical and non-canonical (unsorted indices, duplicate entries, explicit
zeros).

Error bounds are relative to the sums of absolute values that round-off scales with
(``_scales``), not to the result, so that cancellation never makes a correct kernel fail
and a wrong term always shows.  Every test runs on ``tools/sanitize.sh``'s
AddressSanitizer/UBSan build too.
"""
import contextlib
import io
import os
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

from fastoptim import LinearSVC, SVC  # noqa: E402
from fastoptim.datasets import dump_svmlight, load_svmlight  # noqa: E402
from fastoptim.gradcheck import numerical_gradient  # noqa: E402
from fastoptim.kernels import pairwise_kernels  # noqa: E402
from fastoptim.losses import LOSSES, Objective, loss_grad, loss_hessp, pointwise_loss  # noqa: E402
from fastoptim.optim import SGD, Adagrad, Adam, AdamW, RMSProp  # noqa: E402
from fastoptim.reference import kernels as ref_kernels  # noqa: E402
from fastoptim.reference import losses as ref_losses  # noqa: E402

# A fixed set of examples by default (reproducible; about 5 s here, 20 s under ASan);
# FASTOPTIM_FUZZ_EXAMPLES=2000 FASTOPTIM_FUZZ_RANDOM=1 for a longer, fresh fuzzing run.
_EXAMPLES = int(os.environ.get("FASTOPTIM_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=_EXAMPLES, deadline=None,
                derandomize=os.environ.get("FASTOPTIM_FUZZ_RANDOM") != "1",
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                       HealthCheck.data_too_large])
FEW = settings(FUZZ, max_examples=max(1, _EXAMPLES * 5 // 12))

MULTICLASS = ("softmax", "multiclass_hinge")
SMOOTH = ("squared", "logistic", "softmax")
TWICE = ("squared", "logistic", "squared_hinge", "softmax")
KINKED = ("hinge", "squared_hinge", "multiclass_hinge")
RTOL = {np.dtype(np.float64): 1e-13, np.dtype(np.float32): 2e-6}


# ------------------------------------------------------------------------------ strategies


def _values(integer):
    return st.integers(-3, 3).map(float) if integer else st.floats(-4, 4, width=32)


@st.composite
def matrices(draw, min_rows=0, max_rows=10, min_cols=0, max_cols=6, integer=None,
             dtypes=(np.float64, np.float32)):
    """(X as float64 holding dtype-representable values, dtype, integer?)."""
    integer = draw(st.booleans()) if integer is None else integer
    n = draw(st.integers(min_rows, max_rows))
    d = draw(st.integers(min_cols, max_cols))
    dtype = np.dtype(draw(st.sampled_from(dtypes)))
    X = draw(hnp.arrays(np.float64, (n, d), elements=_values(integer)))
    keep = draw(hnp.arrays(np.bool_, (n, d)))  # the sparsity pattern
    X = np.where(keep, X, 0.0).astype(dtype).astype(np.float64)
    return X, dtype, integer


@st.composite
def layouts(draw, X, dtype):
    """X in a random layout: dense, canonical CSR, or non-canonical CSR (unsorted rows,
    duplicates whose sum is exact, explicit zeros).  Returns (X in layout, name)."""
    kind = draw(st.sampled_from(["dense", "csr", "noncanonical"]))
    if kind == "dense":
        return X.astype(dtype), kind
    if kind == "csr":
        return sp.csr_matrix(X.astype(dtype)), kind
    rows, cols, vals = [], [], []
    for i in range(X.shape[0]):
        entries = [(j, X[i, j]) for j in np.flatnonzero(X[i])]
        for j in range(X.shape[1]):
            if X[i, j] == 0 and draw(st.integers(0, 3)) == 0:
                entries.append((j, 0.0))  # an explicit zero
        split = []
        for j, v in entries:
            if draw(st.booleans()):  # a duplicate: (v, 0) in either order sums to v exactly
                split += [(j, v), (j, 0.0)] if draw(st.booleans()) else [(j, 0.0), (j, v)]
            else:
                split.append((j, v))
        order = draw(st.permutations(range(len(split)))) if split else []
        for k in order:
            rows.append(i)
            cols.append(split[k][0])
            vals.append(split[k][1])
    indptr = np.zeros(X.shape[0] + 1, dtype=np.int64)
    np.add.at(indptr, np.asarray(rows, dtype=np.int64) + 1, 1)
    M = sp.csr_matrix((np.asarray(vals, dtype=dtype), np.asarray(cols, dtype=np.int32),
                       np.cumsum(indptr)), shape=X.shape)
    return M, kind


@st.composite
def loss_problems(draw, losses=LOSSES, dtypes=(np.float64, np.float32)):
    """A full loss problem: (loss, X64, X in layout, y, coef, intercept, sw, alpha, dtype, integer)."""
    loss = draw(st.sampled_from(losses))
    X64, dtype, integer = draw(matrices(dtypes=dtypes))
    Xl, _ = draw(layouts(X64, dtype))
    n, d = X64.shape
    K = draw(st.integers(2, 4)) if loss in MULTICLASS else 1
    vals = _values(integer)
    if loss == "squared":
        y = draw(hnp.arrays(np.float64, n, elements=vals))
    elif loss in MULTICLASS:
        y = draw(hnp.arrays(np.float64, n, elements=st.integers(0, K - 1).map(float)))
    else:  # -1/+1, and 0 read as -1
        y = draw(hnp.arrays(np.float64, n, elements=st.sampled_from([-1.0, 1.0, 0.0])))
    y = y.astype(dtype).astype(np.float64)
    shape = (K, d) if loss in MULTICLASS else (d,)
    coef = draw(hnp.arrays(np.float64, shape, elements=vals)).astype(dtype).astype(np.float64)
    b_kind = draw(st.sampled_from(["none", "value"]))
    if b_kind == "none":
        b = None
    elif loss in MULTICLASS:
        b = draw(hnp.arrays(np.float64, K, elements=vals)).astype(dtype).astype(np.float64)
    else:
        b = float(np.asarray(draw(vals), dtype=dtype))
    sw = None
    if draw(st.booleans()) and n > 0:
        sw = draw(hnp.arrays(np.float64, n, elements=st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.25])))
        if not sw.sum() > 0:
            sw[0] = 1.0
    alpha = draw(st.sampled_from([0.0, 0.25, 1.0]))
    return dict(loss=loss, X64=X64, X=Xl, y=y, coef=coef, b=b, sw=sw, alpha=alpha, dtype=dtype,
                integer=integer, K=K)


# ------------------------------------------------------------------------------ helpers


def _f64(a):
    return None if a is None else np.asarray(a, dtype=np.float64)


def _scores_abs(p):
    """|X| |coef| + |b| + |y| + 1 per sample (and class): what a score's round-off scales with."""
    X = np.abs(p["X64"])
    c = np.abs(p["coef"])
    z = X @ (c.T if c.ndim == 2 else c)
    if p["b"] is not None:
        z = z + np.abs(np.asarray(p["b"]))
    if z.ndim == 2:
        z = z.sum(axis=1)
    return z + (np.abs(p["y"]) if p["loss"] == "squared" else 0.0) + 1.0


def _scales(p):
    """(value scale, coef-gradient scale per entry, intercept-gradient scale)."""
    n = p["X64"].shape[0]
    w = np.ones(n) if p["sw"] is None else p["sw"]
    wn = w / w.sum()
    s = 4.0 * _scores_abs(p)
    value = float(wn @ (s * (1.0 + s))) + p["alpha"] * float(np.sum(p["coef"] ** 2)) + 1.0
    g = np.abs(p["X64"]).T @ (wn * s) + p["alpha"] * np.abs(p["coef"]).T.reshape(p["X64"].shape[1], -1).max(axis=1)
    return value, float(np.max(g, initial=0.0)) + 1e-300, float(wn @ s)


def _near_kink(p):
    """True when some sample of a hinge-type loss sits within round-off of a kink (but the
    scores are not exact): then the subgradients of two correct kernels may differ."""
    if p["loss"] not in KINKED or p["integer"]:
        return False
    z = ref_losses._scores(p["X64"], p["coef"], p["b"])
    tol = 1e-4 if p["dtype"] == np.float32 else 1e-10
    zabs = _scores_abs(p)
    if p["loss"] == "multiclass_hinge":
        rows = np.arange(z.shape[0])
        c = p["y"].astype(int)
        slack = z - z[rows, c][:, None] + 1.0
        slack[rows, c] = np.inf
        return bool(np.any(np.abs(slack) <= tol * zabs[:, None]))
    y = np.where(p["y"] == 0, -1.0, p["y"])
    return bool(np.any(np.abs(1.0 - y * z) <= tol * zabs))


def _assert_close(got, ref, tol, what):
    got, ref = _f64(got), _f64(ref)
    assert got.shape == ref.shape, (what, got.shape, ref.shape)
    assert np.all(np.isfinite(got)), what
    err = float(np.max(np.abs(got - ref), initial=0.0))
    assert err <= tol, f"{what}: max abs error {err:.3e} > {tol:.3e}"


def _call_loss_grad(p, X=None):
    return loss_grad(p["loss"], p["X"] if X is None else X, p["y"], p["coef"].astype(p["dtype"]),
                     p["b"] if p["b"] is None or np.ndim(p["b"]) == 0 else p["b"].astype(p["dtype"]),
                     sample_weight=p["sw"], alpha=p["alpha"])


def _empty(p):
    return p["X64"].shape[0] == 0 or p["X64"].shape[1] == 0


# ------------------------------------------------------------------------------ losses


@FUZZ
@given(p=loss_problems())
def test_loss_grad_matches_reference(p):
    """Fused value + gradient (every loss, dtype, layout) against the two-pass NumPy oracle."""
    if _empty(p):
        with pytest.raises(ValueError, match=r"0 (sample|feature)\(s\)"):
            _call_loss_grad(p)
        return
    assume(not _near_kink(p))
    value, g, gb = _call_loss_grad(p)
    assert g.dtype == p["dtype"] and g.shape == p["coef"].shape
    rv, rg, rgb = ref_losses.loss_grad(p["loss"], p["X64"], p["y"], p["coef"], p["b"],
                                       sample_weight=p["sw"], alpha=p["alpha"])
    sv, sg, sb = _scales(p)
    rtol = RTOL[p["dtype"]]
    _assert_close(value, rv, rtol * sv, "value")
    _assert_close(g, rg, rtol * sg, "grad_coef")
    if p["b"] is None:
        assert gb is None
    else:
        _assert_close(gb, rgb, rtol * sb, "grad_intercept")


@FUZZ
@given(p=loss_problems(), data=st.data())
def test_layouts_agree(p, data):
    """Dense, CSR and non-canonical CSR give the same value and gradient (the non-canonical
    matrix exactly what its canonical form gives: it is summed and sorted before C sees it)."""
    assume(not _empty(p))
    dense = _call_loss_grad(p, p["X64"].astype(p["dtype"]))
    csr = _call_loss_grad(p, sp.csr_matrix(p["X64"].astype(p["dtype"])))
    sv, sg, sb = _scales(p)
    rtol = RTOL[p["dtype"]]
    assume(not _near_kink(p))
    _assert_close(csr[0], dense[0], rtol * sv, "value csr vs dense")
    _assert_close(csr[1], dense[1], rtol * sg, "grad csr vs dense")
    X = p["X"]
    if sp.issparse(X) and not X.has_canonical_format:
        canon = X.copy()
        canon.sum_duplicates()
        a, b = _call_loss_grad(p, X), _call_loss_grad(p, canon)
        assert a[0] == b[0]
        np.testing.assert_array_equal(a[1], b[1])


@FUZZ
@given(p=loss_problems(losses=SMOOTH, dtypes=(np.float64,)))
def test_gradient_matches_finite_differences(p):
    """Smooth losses in float64: the C gradient against central differences of the C value."""
    assume(not _empty(p))
    obj = Objective(p["loss"], p["X"], p["y"], sample_weight=p["sw"], alpha=p["alpha"],
                    n_classes=p["K"] if p["loss"] in MULTICLASS else None)
    shape = p["coef"].shape
    nc = p["coef"].size
    has_b = p["b"] is not None

    def f(w):
        b = None if not has_b else (w[nc:] if p["loss"] in MULTICLASS else float(w[nc]))
        v, gc, gbb = obj.value_grad(w[:nc].reshape(shape), b)
        parts = [np.ravel(gc)] + ([np.atleast_1d(gbb)] if has_b else [])
        return v, np.concatenate(parts)

    w0 = np.concatenate([p["coef"].ravel()] + ([np.atleast_1d(p["b"])] if has_b else []))
    # a point a little off the drawn one: away from the exact ties of integer data
    w0 = w0 * 0.37 + 0.011
    value, grad = f(w0)
    num = numerical_gradient(f, w0, eps=1e-6)
    scale = abs(value) + float(np.max(np.abs(grad))) + 1.0
    assert float(np.max(np.abs(num - grad))) <= 1e-5 * scale


@FUZZ
@given(p=loss_problems(losses=TWICE), data=st.data())
def test_hessp_matches_reference_and_differences(p, data):
    """Hessian-vector products against the NumPy oracle (every layout and dtype) and, for the
    smooth losses in float64, against differences of the C gradient; the full Hessian (binary
    losses) against the oracle's products with the unit vectors."""
    assume(not _empty(p))
    assume(not _near_kink(p))
    dt = p["dtype"]
    vals = _values(p["integer"])
    v = data.draw(hnp.arrays(np.float64, p["coef"].shape, elements=vals)).astype(dt).astype(np.float64)
    vb = None
    if p["b"] is not None:
        vb = (data.draw(hnp.arrays(np.float64, p["K"], elements=vals)).astype(dt).astype(np.float64)
              if p["loss"] in MULTICLASS else float(np.asarray(data.draw(vals), dtype=dt)))
    cast = (lambda a: a if a is None or np.ndim(a) == 0 else np.asarray(a, dtype=dt))
    hv, hb = loss_hessp(p["loss"], p["X"], p["y"], cast(p["coef"]), cast(p["b"]), cast(v), cast(vb),
                        sample_weight=p["sw"], alpha=p["alpha"])
    rv, rb = ref_losses.hessp(p["loss"], p["X64"], p["y"], p["coef"], p["b"], v, vb,
                              sample_weight=p["sw"], alpha=p["alpha"])
    # round-off scales with sum_i w_i s_i |x_i| (|x_i| |v| + |vb|) (s_i >= the curvature)
    Xa = np.abs(p["X64"])
    wn = np.ones(len(p["y"])) if p["sw"] is None else p["sw"]
    wn = wn / wn.sum()
    s4 = 4.0 * _scores_abs(p)
    t = Xa @ np.abs(v).T + (0.0 if vb is None else np.abs(np.asarray(vb)))
    r = wn * s4 * ((t.sum(axis=1) if t.ndim == 2 else t) + 1.0)
    vabs = float(np.max(np.abs(v), initial=0.0)) + (0.0 if vb is None else float(np.max(np.abs(vb))))
    hscale = float(np.max(Xa.T @ r, initial=0.0)) + p["alpha"] * vabs + 1e-300
    bscale = float(r.sum())
    rtol = RTOL[dt]
    _assert_close(hv, rv, rtol * hscale, "hessp coef")
    if p["b"] is not None:
        _assert_close(hb, rb, rtol * bscale, "hessp intercept")
    if p["loss"] in SMOOTH and dt == np.float64:
        obj = Objective(p["loss"], p["X"], p["y"], sample_weight=p["sw"], alpha=p["alpha"],
                        n_classes=p["K"] if p["loss"] in MULTICLASS else None)
        h = 1e-6
        bp = None if p["b"] is None else np.asarray(p["b"]) + h * np.asarray(vb)
        bm = None if p["b"] is None else np.asarray(p["b"]) - h * np.asarray(vb)
        _, gp, gbp = obj.value_grad(p["coef"] + h * v, bp if bp is None or bp.ndim else float(bp))
        _, gm, gbm = obj.value_grad(p["coef"] - h * v, bm if bm is None or bm.ndim else float(bm))
        tol = 1e-5 * (hscale + bscale + 1.0)
        _assert_close((gp - gm) / (2 * h), hv, tol, "hessp vs differences")
    if p["loss"] in ("squared", "logistic", "squared_hinge"):
        value, grad, H = Objective(p["loss"], p["X"], p["y"], sample_weight=p["sw"],
                                   alpha=p["alpha"]).hessian(cast(p["coef"]), cast(p["b"]))
        d = p["coef"].size
        P = d + (p["b"] is not None)
        Xb = np.hstack([Xa, np.ones((Xa.shape[0], 1))])[:, :P]
        Hscale = (Xb.T * (wn * s4)) @ Xb + p["alpha"]  # entrywise bound of the round-off
        assert H.shape == (P, P) and grad.shape == (P,)
        np.testing.assert_array_equal(H, H.T)
        for j in range(P):
            e = np.zeros(d)
            eb = None if p["b"] is None else 0.0
            if j < d:
                e[j] = 1.0
            else:
                eb = 1.0
            col, colb = ref_losses.hessp(p["loss"], p["X64"], p["y"], p["coef"], p["b"], e, eb,
                                         sample_weight=p["sw"], alpha=p["alpha"])
            ref_col = np.append(col, colb) if p["b"] is not None else col
            err = np.abs(H[:, j] - ref_col)
            assert np.all(err <= rtol * Hscale[:, j]), f"hessian column {j}: {err}"


@FUZZ
@given(loss=st.sampled_from(LOSSES), data=st.data())
def test_pointwise_matches_reference(loss, data):
    """Per-sample loss and derivative (what the engine inlines) against the oracle."""
    dt = np.dtype(data.draw(st.sampled_from([np.float64, np.float32])))
    n = data.draw(st.integers(0, 12))
    K = data.draw(st.integers(2, 4)) if loss in MULTICLASS else 1
    shape = (n, K) if loss in MULTICLASS else (n,)
    z = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-40, 40, width=32))).astype(dt)
    if loss == "squared":
        y = data.draw(hnp.arrays(np.float64, n, elements=st.floats(-40, 40, width=32)))
    elif loss in MULTICLASS:
        y = data.draw(hnp.arrays(np.float64, n, elements=st.integers(0, K - 1).map(float)))
    else:
        y = data.draw(hnp.arrays(np.float64, n, elements=st.sampled_from([-1.0, 0.0, 1.0])))
    y = y.astype(dt)
    if n == 0:  # refused (a ValueError, not a crash); see the report on its wording
        with pytest.raises(ValueError):
            pointwise_loss(loss, z, y)
        return
    lv, dz = pointwise_loss(loss, z, y)
    assert lv.dtype == dt and dz.shape == z.shape
    z64, y64 = z.astype(np.float64), y.astype(np.float64)
    rl, rd = ref_losses.pointwise(loss, z64, y64)
    # values: 3 ulp (the SIMD exp/log1p) of the dtype, relative to |loss| + |z| + |y| + 1
    eps = float(np.finfo(dt).eps)
    zs = np.abs(z64).sum(axis=1) if z64.ndim == 2 else np.abs(z64)
    s = zs + np.abs(y64) + 1.0
    assert np.all(np.abs(lv - rl) <= 8 * eps * (np.abs(rl) + s * (1 + (loss in ("squared", "squared_hinge")) * s)))
    dscale = s[:, None] if dz.ndim == 2 else s
    assert np.all(np.abs(dz - rd) <= 8 * eps * (np.abs(rd) + 4 * dscale))


# ------------------------------------------------------------------------------ kernels


@st.composite
def kernel_cases(draw):
    X64, dt, integer = draw(matrices(max_rows=8))
    Xl, _ = draw(layouts(X64, dt))
    Zsame = draw(st.booleans())
    if Zsame:
        Z64, Zl = None, None
    else:
        m = draw(st.integers(0, 8))
        Z64 = np.where(draw(hnp.arrays(np.bool_, (m, X64.shape[1]))),
                       draw(hnp.arrays(np.float64, (m, X64.shape[1]), elements=_values(integer))),
                       0.0).astype(dt).astype(np.float64)
        Zl, _ = draw(layouts(Z64, dt))
    kernel = draw(st.sampled_from(["linear", "poly", "rbf", "sigmoid", "cosine", "laplacian",
                                   "chi2", "additive_chi2"]))
    if kernel in ("chi2", "additive_chi2"):  # defined on non-negative data
        X64, Xl = np.abs(X64), abs(Xl)
        if Z64 is not None:
            Z64, Zl = np.abs(Z64), abs(Zl)
    gamma = draw(st.sampled_from([None, 0.05, 0.5, 1.0]))
    degree = draw(st.integers(1, 4))
    coef0 = draw(st.sampled_from([0.0, 1.0, -0.5]))
    return X64, Xl, Z64, Zl, dt, kernel, gamma, degree, coef0


@FUZZ
@given(case=kernel_cases())
def test_kernel_matrices_match_reference(case):
    X64, Xl, Z64, Zl, dt, kernel, gamma, degree, coef0 = case
    if X64.shape[0] == 0 or X64.shape[1] == 0 or (Z64 is not None and Z64.shape[0] == 0):
        with pytest.raises(ValueError):
            pairwise_kernels(Xl, Zl, kernel=kernel, gamma=gamma, degree=degree, coef0=coef0)
        return
    K = pairwise_kernels(Xl, Zl, kernel=kernel, gamma=gamma, degree=degree, coef0=coef0, n_threads=2)
    ref = ref_kernels.pairwise_kernels(X64, Z64, kernel=kernel, gamma=gamma, degree=degree, coef0=coef0)
    assert K.dtype == dt and K.shape == ref.shape
    Zr = X64 if Z64 is None else Z64
    g = (1.0 if kernel == "chi2" else 1.0 / X64.shape[1]) if gamma is None else gamma
    dots = np.abs(X64) @ np.abs(Zr).T
    if kernel == "linear":
        scale = dots
    elif kernel == "cosine":
        norms = np.sqrt((X64 ** 2).sum(axis=1))[:, None] * np.sqrt((Zr ** 2).sum(axis=1))[None, :]
        scale = np.where(norms > 0, dots / np.where(norms > 0, norms, 1.0), 0.0)
    elif kernel in ("laplacian", "chi2", "additive_chi2"):
        l1 = np.abs(X64).sum(axis=1)[:, None] + np.abs(Zr).sum(axis=1)[None, :]
        scale = (1.0 if kernel == "additive_chi2" else g) * l1
    elif kernel == "poly":
        base = g * dots + abs(coef0)
        scale = degree * base ** degree
    elif kernel == "sigmoid":
        scale = g * dots + abs(coef0)
    else:
        scale = g * ((X64 ** 2).sum(axis=1)[:, None] + (Zr ** 2).sum(axis=1)[None, :])
    tol = (1e-12 if dt == np.float64 else 2e-6) * (scale + 1.0)
    err = np.abs(K.astype(np.float64) - ref)
    assert np.all(np.isfinite(K))
    assert np.all(err <= tol), float(np.max(err - tol))
    if kernel == "rbf":
        assert np.all((K >= 0) & (K <= 1))
        if Z64 is None:
            np.testing.assert_array_equal(np.diag(K), 1.0)


# ------------------------------------------------------------------------------ optimizers


@st.composite
def optimizers(draw):
    kind = draw(st.sampled_from(["sgd", "adagrad", "rmsprop", "adam", "adamw"]))
    lr = draw(st.sampled_from([1e-3, 0.01, 0.3]))
    wd = draw(st.sampled_from([0.0, 0.01]))
    if kind == "sgd":
        mom = draw(st.sampled_from([0.0, 0.5, 0.9]))
        nesterov = mom > 0 and draw(st.booleans())
        damp = 0.0 if nesterov or mom == 0 else draw(st.sampled_from([0.0, 0.3]))
        return SGD(lr=lr, momentum=mom, dampening=damp, nesterov=nesterov, weight_decay=wd)
    if kind == "adagrad":
        return Adagrad(lr=lr, lr_decay=draw(st.sampled_from([0.0, 0.1])), weight_decay=wd,
                       initial_accumulator_value=draw(st.sampled_from([0.0, 0.5])))
    if kind == "rmsprop":
        return RMSProp(lr=lr, alpha=draw(st.sampled_from([0.9, 0.99])), weight_decay=wd,
                       momentum=draw(st.sampled_from([0.0, 0.5])), centered=draw(st.booleans()))
    if kind == "adam":
        return Adam(lr=lr, betas=draw(st.sampled_from([(0.9, 0.999), (0.5, 0.9)])), weight_decay=wd,
                    amsgrad=draw(st.booleans()))
    return AdamW(lr=lr, weight_decay=draw(st.sampled_from([0.0, 0.01, 0.1])),
                 amsgrad=draw(st.booleans()))


@FUZZ
@given(opt=optimizers(), data=st.data())
def test_optimizer_steps_match_numpy_twin(opt, data):
    """The C update of a chain against its transforms' NumPy twins: shapes from 0 to 40 000
    values (the threaded path), both dtypes, a list of two arrays, several steps.

    Gradients are kept at |g| >= 0.1: where g + wd p cancels (|g| ~ wd |p|), one rounding
    more or less (the C core's fused multiply-add) changes that sum's relative value
    arbitrarily, and RMSProp's momentum buffer stores g / sqrt(s) -- a relative quantity
    -- so both rules are right while the buffers differ (seen: 0.14 % in float32)."""
    import copy

    dt = np.dtype(data.draw(st.sampled_from([np.float64, np.float32])))
    sizes = [data.draw(st.sampled_from([0, 1, 2, 7, 33, 40000])) for _ in range(2)]
    seed = data.draw(st.integers(0, 2 ** 16))
    rng = np.random.default_rng(seed)
    params = [rng.normal(size=s).astype(dt) for s in sizes]
    twin, twin_params = copy.deepcopy(opt), [p.copy() for p in params]
    for _ in range(data.draw(st.integers(1, 4))):
        grads = [rng.normal(size=s) for s in sizes]
        grads = [(np.sign(g) * np.maximum(np.abs(g), 0.1)).astype(dt) for g in grads]
        opt.step(params, grads)
        twin.step_numpy(twin_params, [g.copy() for g in grads])
    assert opt.n_steps == twin.n_steps
    tol = 1e-12 if dt == np.float64 else 2e-5
    for p, q in zip(params, twin_params):
        assert p.dtype == dt
        scale = float(np.max(np.abs(q), initial=0.0)) + 1.0
        assert float(np.max(np.abs(p.astype(np.float64) - q), initial=0.0)) <= tol * scale
    for st_c, st_n in zip(opt.state, twin.state):
        assert st_c.keys() == st_n.keys()
        for k in st_c:
            scale = float(np.max(np.abs(st_n[k]), initial=0.0)) + 1.0
            assert float(np.max(np.abs(st_c[k].astype(np.float64) - st_n[k]), initial=0.0)) <= tol * scale


# ------------------------------------------------------------------------------ svmlight


@FUZZ
@given(m=matrices(min_rows=1, min_cols=1), data=st.data())
def test_svmlight_round_trip(m, data):
    """dump then load gives back exactly the stored numbers (any sparsity, both dtypes)."""
    X64, dt, integer = m
    Xl, kind = data.draw(layouts(X64, dt))
    y = data.draw(hnp.arrays(np.float64, X64.shape[0],
                             elements=st.floats(-1e6, 1e6, allow_subnormal=False) | st.integers(-3, 3).map(float)))
    zero_based = data.draw(st.booleans())
    buf = io.BytesIO()
    dump_svmlight(Xl, y, buf, zero_based=zero_based)
    buf.seek(0)
    X2, y2 = load_svmlight(buf, n_features=X64.shape[1], dtype=dt, zero_based=zero_based)
    assert X2.dtype == dt and X2.shape == X64.shape
    np.testing.assert_array_equal(X2.toarray().astype(np.float64), X64)
    np.testing.assert_array_equal(y2, y)


# ------------------------------------------------------------------------------ dual solvers


@st.composite
def classification(draw):
    X64, dt, integer = draw(matrices(min_rows=2, max_rows=14, min_cols=1, max_cols=5))
    n = X64.shape[0]
    y = draw(hnp.arrays(np.int64, n, elements=st.integers(0, 1)))
    assume(0 < y.sum() < n)
    Xl, _ = draw(layouts(X64, dt))
    return X64, Xl, y, dt


@pytest.mark.filterwarnings("ignore::fastoptim.exceptions.ConvergenceWarning")
@FEW
@given(case=classification(), loss=st.sampled_from(["hinge", "squared_hinge"]),
       C=st.sampled_from([0.1, 1.0, 10.0]), fit_intercept=st.booleans())
def test_linear_svc_dual_cd_invariants(case, loss, C, fit_intercept):
    """Dual coordinate descent in C on random tiny problems: the box 0 <= a <= C (hinge),
    and w = sum_i a_i y_i x_i, the identity the solver maintains."""
    X64, Xl, y, dt = case
    m = LinearSVC(C=C, loss=loss, fit_intercept=fit_intercept, max_iter=200, random_state=0,
                  dual=True).fit(Xl, y)
    a = m.dual_coef_.ravel()
    assert np.all(np.isfinite(a)) and np.all(a >= 0)
    if loss == "hinge":
        assert np.all(a <= C * (1 + 1e-12))
    ypm = np.where(y == 1, 1.0, -1.0)
    w = (a * ypm) @ X64
    scale = (a * np.abs(ypm)) @ np.abs(X64) + 1.0
    tol = 1e-9 if dt == np.float64 else 1e-4
    assert np.all(np.abs(m.coef_.ravel() - w) <= tol * scale)
    if fit_intercept:
        assert abs(float(m.intercept_[0]) - float(a @ ypm)) <= tol * (a.sum() + 1.0)


@pytest.mark.filterwarnings("ignore::fastoptim.exceptions.ConvergenceWarning")
@FEW
@given(case=classification(), kernel=st.sampled_from(["linear", "rbf", "poly"]),
       C=st.sampled_from([0.1, 1.0, 10.0]))
def test_svc_smo_invariants(case, kernel, C):
    """SMO in C on random tiny problems: |dual_coef_| <= C, sum of dual_coef_ = 0, and the
    decision function equals sum_s dual_coef_s K(x_s, x) + intercept_ with the NumPy kernel."""
    X64, Xl, y, dt = case
    m = SVC(C=C, kernel=kernel, gamma=0.5, degree=2, coef0=1.0, tol=1e-3).fit(Xl, y)
    dc = m.dual_coef_.ravel()
    assert np.all(np.isfinite(dc)) and np.all(np.abs(dc) <= C * (1 + 1e-12))
    assert abs(dc.sum()) <= 1e-9 * (np.abs(dc).sum() + 1.0)
    sv = X64[m.support_]
    Kref = ref_kernels.pairwise_kernels(X64, sv, kernel=kernel, gamma=0.5, degree=2, coef0=1.0)
    dec = Kref @ dc + float(m.intercept_[0])
    scale = np.abs(Kref) @ np.abs(dc) + abs(float(m.intercept_[0])) + 1.0
    tol = 1e-9 if dt == np.float64 else 1e-4
    assert np.all(np.abs(m.decision_function(Xl) - dec) <= tol * scale)


# ------------------------------------------------------------------------------ data files

_NON_NUMBERS = st.sampled_from(["NA", "x", "1..2", "--1", "abc", "1e", "?", "0x1"])


@FUZZ
@given(rows=st.integers(1, 30), cols=st.integers(1, 4), chunk=st.integers(1, 64),
       data=st.data())
def test_csv_non_number_is_named_by_line_and_field(rows, cols, chunk, data):
    """A random non-number anywhere in a CSV file's data: the error names its line and
    field, whatever the blocks the file is read in; without it the file reads exactly."""
    from fastoptim.datasets import load_csv

    values = data.draw(hnp.arrays(np.int64, (rows, cols + 1), elements=st.integers(-9, 9)))
    header = data.draw(st.booleans())
    lines = ([",".join(f"c{j}" for j in range(cols + 1))] if header else [])
    lines += [",".join(map(str, row)) for row in values.tolist()]
    text = "\n".join(lines) + "\n"
    with _blocks_of(chunk):
        X, y = load_csv(io.BytesIO(text.encode()))
    np.testing.assert_array_equal(X, values[:, :-1])
    np.testing.assert_array_equal(y, values[:, -1])
    r, c = data.draw(st.integers(0, rows - 1)), data.draw(st.integers(0, cols))
    fields = lines[r + header].split(",")
    fields[c] = data.draw(_NON_NUMBERS)
    lines[r + header] = ",".join(fields)
    bad = ("\n".join(lines) + "\n").encode()
    if r == 0 and c == cols and fields[c].strip():
        # the first row's label is not a number: the labels are read as text (class names),
        # and a later row's numeric label is the error, named by its line
        if rows == 1:
            with _blocks_of(chunk):
                X, y = load_csv(io.BytesIO(bad))
            assert y.tolist() == [fields[c].strip().strip('"')]
            return
        with pytest.raises(ValueError, match=rf"^<file>:{header + 2}: field {c + 1} '[^']*' is "
                                             rf"a number, but the labels are text"), \
                _blocks_of(chunk):
            load_csv(io.BytesIO(bad))
        return
    with pytest.raises(ValueError, match=rf"^<file>:{r + header + 1}: field {c + 1} "
                                         rf"'{re.escape(fields[c])}' is not a number"), \
            _blocks_of(chunk):
        load_csv(io.BytesIO(bad))


@FUZZ
@given(rows=st.integers(1, 30), chunk=st.integers(1, 64), data=st.data())
def test_svmlight_non_number_is_named_by_line(rows, chunk, data):
    lines = [f"{i % 3 - 1} 1:{i} {2 + i % 4}:0.5" for i in range(rows)]
    r = data.draw(st.integers(0, rows - 1))
    where = data.draw(st.sampled_from(["label", "value"]))
    token = data.draw(_NON_NUMBERS)
    if where == "label":
        lines[r] = lines[r].replace(lines[r].split()[0], token, 1)
    else:
        lines[r] = lines[r].replace(":0.5", ":" + token)
    with _blocks_of(chunk), pytest.raises(ValueError, match=rf"^<file>:{r + 1}: "):
        load_svmlight(io.BytesIO(("\n".join(lines) + "\n").encode()))


@contextlib.contextmanager
def _blocks_of(n):
    """Read data files in blocks of about n bytes."""
    from fastoptim.datasets import _io

    old = _io.iter_line_chunks.__defaults__
    _io.iter_line_chunks.__defaults__ = (n,)
    try:
        yield
    finally:
        _io.iter_line_chunks.__defaults__ = old


# ------------------------------------------------------------------------------ model files

_MODEL_CACHE = {}


def _saved_models(tmp_dir):
    """One saved model file per supported class (fitted once per session)."""
    if not _MODEL_CACHE:
        from fastoptim import LinearRegression, LogisticRegression, Ridge, SoftmaxRegression
        from fastoptim.model_io import save_model

        rng = np.random.default_rng(0)
        X = rng.normal(size=(30, 3))
        y3 = np.digitize(X[:, 0], [-0.4, 0.4])
        for est, y in ((LinearRegression(), X @ [1.0, 2.0, 3.0]), (Ridge(), X[:, 0]),
                       (LogisticRegression(), y3), (SoftmaxRegression(), y3 % 2),
                       (LinearSVC(random_state=0), y3), (SVC(), y3)):
            path = os.path.join(tmp_dir, f"{type(est).__name__}.npz")
            save_model(est.fit(X, y), path)
            _MODEL_CACHE[type(est).__name__] = (path, X)
    return _MODEL_CACHE


_JUNK_JSON = st.one_of(st.none(), st.booleans(), st.integers(-3, 10 ** 12),
                       st.floats(allow_nan=True), st.text(max_size=5),
                       st.lists(st.integers(-2, 5), max_size=4))


def _junk_json_attribute(entries, meta, attr, data):
    """Replace a model file's attribute by a random JSON value (in the entries and __meta__)."""
    entries.pop(f"attr.{attr}", None)
    meta["attributes"][attr] = {"kind": "json", "value": data.draw(_JUNK_JSON)}


def _load_edited(folder, filename, entries, meta):
    """Write the edited model file and load it: the model, or None when load_model refused it
    with a ValueError naming the file (any other exception fails the test)."""
    import json

    from fastoptim.model_io import load_model

    entries["__meta__"] = np.array(json.dumps(meta))
    bad = os.path.join(folder, filename)
    np.savez(bad, **entries)
    try:
        return load_model(bad)
    except ValueError as exc:
        assert str(exc).startswith(f"{bad}: "), exc
        return None


@FEW
@given(name=st.sampled_from(["LinearRegression", "Ridge", "LogisticRegression",
                             "SoftmaxRegression", "LinearSVC", "SVC"]), data=st.data())
def test_corrupted_model_files_load_valid_or_raise_valueerror(tmp_path_factory, name, data):
    """A random attribute of a model file replaced by a random array (shape, dtype, NaN) or
    a random JSON value: load_model raises a ValueError naming the file, or the model it
    returns predicts (never another exception, never a crash)."""
    import json

    models = _saved_models(str(tmp_path_factory.getbasetemp()))
    path, X = models[name]
    with np.load(path, allow_pickle=False) as z:
        entries = {n: z[n] for n in z.files}
    meta = json.loads(str(entries["__meta__"]))
    attr = data.draw(st.sampled_from(sorted(meta["attributes"]) + ["predict", "coef"]))
    if data.draw(st.booleans()):
        shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=4))
        dtype = data.draw(st.sampled_from([np.float64, np.float32, np.int32, np.int64, bool]))
        value = data.draw(hnp.arrays(dtype, shape))
        entries[f"attr.{attr}"] = value
        meta["attributes"][attr] = {"kind": "array"}
    else:
        _junk_json_attribute(entries, meta, attr, data)
    est = _load_edited(str(tmp_path_factory.getbasetemp()), "corrupted.npz", entries, meta)
    if est is not None:
        est.predict(X)


_NETWORK_CACHE = {}


@FEW
@given(name=st.sampled_from(["MLPClassifier", "MLPRegressor"]), data=st.data())
def test_corrupted_network_files_load_valid_or_raise_valueerror(tmp_path_factory, name, data):
    """A network model file (batch norm, Adam state) with one of its arrays (weights, biases,
    batch-norm statistics, optimizer state), one key of its network description or one
    attribute replaced by random values: load_model raises a ValueError naming the file, or
    the model it returns predicts and continues training, or says that huge (finite) weights
    overflow (never another exception, never a crash in the C core)."""
    import json

    from fastoptim import MLPClassifier, MLPRegressor
    from fastoptim.model_io import save_model

    folder = str(tmp_path_factory.getbasetemp())
    if not _NETWORK_CACHE:
        rng = np.random.default_rng(1)
        X = rng.normal(size=(40, 3))
        for est, y in ((MLPClassifier((4, 3), batch_norm=True, max_iter=2, random_state=0),
                        np.digitize(X[:, 0], [-0.4, 0.4])),
                       (MLPRegressor((4, 3), batch_norm=True, max_iter=2, random_state=0),
                        X[:, :2])):
            path = os.path.join(folder, f"{type(est).__name__}.npz")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                save_model(est.fit(X, y), path)
            _NETWORK_CACHE[type(est).__name__] = (path, X, y)
    path, X, y = _NETWORK_CACHE[name]
    with np.load(path, allow_pickle=False) as z:
        entries = {n: z[n] for n in z.files}
    meta = json.loads(str(entries["__meta__"]))
    arrays = sorted(n for n in entries if n.startswith(("net.", "opt.")))
    where = data.draw(st.sampled_from(["array", "network", "attribute"]))
    if where == "array":
        entry = data.draw(st.sampled_from(arrays))
        like = entries[entry]
        shape = data.draw(st.one_of(st.just(like.shape),
                                    hnp.array_shapes(min_dims=0, max_dims=2, max_side=8)))
        dtype = data.draw(st.sampled_from([like.dtype, np.float32, np.int64, bool]))
        entries[entry] = data.draw(hnp.arrays(dtype, shape))
    elif where == "network":
        key = data.draw(st.sampled_from(sorted(meta["network"])))
        meta["network"][key] = data.draw(st.one_of(_JUNK_JSON, st.lists(
            st.integers(-1, 9), min_size=2, max_size=5)))
    else:
        _junk_json_attribute(entries, meta, data.draw(st.sampled_from(sorted(meta["attributes"]))),
                             data)
    est = _load_edited(folder, "corrupted-network.npz", entries, meta)
    if est is None:
        return
    try:  # random finite weights may overflow the scores, or moments diverge: said so
        est.predict(X)
        est.partial_fit(X, y)
    except FloatingPointError as exc:
        assert re.search("not finite|diverged|exploded", str(exc)), exc
