r"""Sums over the rows of the data that the solvers and the dask adapter share.

Statistics of (X, y, w), each computed in one pass over X without copying it:

- :func:`centered_normal_equations`, the weighted second moments of the centered
  data, :math:`G = X_c^T W X_c` and :math:`R = X_c^T W Y_c` with the means
  (LinearRegression's and Ridge's 'cholesky'; on dask arrays, one call per
  chunk, summed by :func:`fastoptim._dask.normal_equations`);
- :func:`scaled_row_sqnorms`, :math:`w_i s (\|x_i\|^2 + 1)` per row, their maximum
  :func:`max_scaled_row_sqnorm` and the k largest :func:`largest_scaled_row_sqnorms`:
  the per-sample curvature bounds behind the stochastic solvers' safe learning rates
  (:mod:`fastoptim.linear_model._stochastic`; on dask arrays, one call per chunk).

They sit beside the objectives (:mod:`fastoptim.losses`), below both the dask
adapter and the estimators, so that neither has to import the other for them.
"""
import numpy as np
import scipy.linalg.blas
import scipy.sparse as sp

__all__ = ["weighted_means", "centered_normal_equations", "scaled_row_sqnorms",
           "max_scaled_row_sqnorm", "largest_scaled_row_sqnorms"]

_BLOCK_ROWS = 4096  # rows centered and added to the Gram matrix per BLAS call


def weighted_means(X, Y, sw):
    """Column means of X (float64, length p) and Y (length k), weighted by sw."""
    if sw is None:
        x_mean = np.asarray(X.mean(axis=0, dtype=np.float64)).ravel()
        y_mean = Y.mean(axis=0, dtype=np.float64)
    else:
        w = sw.astype(np.float64)
        wsum = w.sum()
        x_mean = np.asarray(X.T @ w).ravel() / wsum
        y_mean = (w @ Y.astype(np.float64)) / wsum
    return x_mean, y_mean


def centered_normal_equations(X, Y, sw, fit_intercept):
    """G = Xc^T W Xc (p x p), R = Xc^T W Yc (p x k), and the means; all float64.

    Dense X: one pass of BLAS ``syrk``/``gemm`` over blocks of _BLOCK_ROWS rows,
    each block shifted by the first row c and weighted on the fly (X itself is
    never copied); the block sums give the means, and the shift is undone
    exactly: Xc^T W Xc = Xs^T W Xs - (sum w) m m^T with Xs = X - c, m = mu - c.
    The first row is close to the data in scale, so the correction does not
    cancel the way ``X^T W X - (sum w) mu mu^T`` would for columns with a large
    mean.  CSR X: the sparse products with that rank-one correction (shifting
    would densify X).
    """
    p = X.shape[1]
    if sp.issparse(X):
        if fit_intercept:
            x_mean, y_mean = weighted_means(X, Y, sw)
        else:
            x_mean, y_mean = np.zeros(p), np.zeros(Y.shape[1])
        Xw = X if sw is None else sp.diags(sw.astype(np.float64)) @ X
        G = np.asarray((X.T @ Xw).todense(), dtype=np.float64)
        R = np.asarray(Xw.T @ Y.astype(np.float64), dtype=np.float64)
        if fit_intercept:
            wsum = float(X.shape[0] if sw is None else np.sum(sw, dtype=np.float64))
            G -= wsum * np.outer(x_mean, x_mean)
            R -= wsum * np.outer(x_mean, y_mean)
        return G, R, x_mean, y_mean
    # each block's products in X's dtype (float32 runs BLAS at twice the speed), the sum
    # over blocks in float64: the long sum never accumulates in float32
    dt = X.dtype
    # scipy's BLAS for both products: NumPy's `@` runs in NumPy's own OpenBLAS, whose
    # worker threads would spin beside scipy's after every block (two pools on the same
    # cores: Ridge on USPS took 28 ms on 2 threads against 15 ms on one)
    syrk, gemm = scipy.linalg.blas.get_blas_funcs(("syrk", "gemm"), dtype=dt)
    k = Y.shape[1]
    G, R = np.zeros((p, p)), np.zeros((p, k))
    sx, sy = np.zeros(p), np.zeros(k)  # sums of the shifted (weighted) rows
    cx = X[0].copy() if fit_intercept else np.zeros(p, dtype=dt)
    cy = Y[0].copy() if fit_intercept else np.zeros(k, dtype=dt)
    for lo in range(0, X.shape[0], _BLOCK_ROWS):
        hi = min(lo + _BLOCK_ROWS, X.shape[0])
        B = X[lo:hi] - cx if fit_intercept else X[lo:hi].copy()  # one cache-sized block
        Yb = Y[lo:hi] - cy if fit_intercept else Y[lo:hi].copy()
        if sw is not None:
            s = np.sqrt(sw[lo:hi])
            B *= s[:, None]
            Yb *= s[:, None]
        # B.T is Fortran-ordered: BLAS reads the block in place (upper triangle of B^T B)
        G += syrk(1.0, B.T, trans=0, lower=0)
        R += gemm(1.0, B.T, Yb)
        if fit_intercept:  # sum_i w_i (x_i - c) = B^T sqrt(w)
            sx += (B.sum(axis=0, dtype=np.float64) if sw is None
                   else gemm(1.0, B.T, s[:, None])[:, 0])
            sy += Yb.sum(axis=0, dtype=np.float64) if sw is None else Yb.T @ s
    G = np.triu(G) + np.triu(G, 1).T
    if not fit_intercept:
        return G, R, np.zeros(p), np.zeros(k)
    wsum = float(X.shape[0] if sw is None else np.sum(sw, dtype=np.float64))
    mx, my = sx / wsum, sy / wsum
    G -= wsum * np.outer(mx, mx)
    R -= wsum * np.outer(mx, my)
    return G, R, cx.astype(np.float64) + mx, cy.astype(np.float64) + my


ROW_BLOCK = 4096  # rows per block of max_scaled_row_sqnorm (a few MB gathered at a time)


def _row_sqnorms(X, rows):
    """|x_i|^2 in float64 of the rows ``rows`` of X (all rows for None).  Each row's sum is
    its own (the same bits for a row of X and for that row of a copy), so a row subset is
    gathered ROW_BLOCK rows at a time, never copied whole."""
    def norms(block):
        if hasattr(block, "multiply"):  # CSR
            return np.asarray(block.multiply(block).sum(axis=1), dtype=np.float64).ravel()
        return np.einsum("ij,ij->i", block, block, dtype=np.float64)

    if rows is None:
        return norms(X)
    out = np.empty(len(rows), dtype=np.float64)
    for lo in range(0, len(rows), ROW_BLOCK):
        out[lo:lo + ROW_BLOCK] = norms(X[rows[lo:lo + ROW_BLOCK]])
    return out


def scaled_row_sqnorms(objective, fit_intercept, scale=None):
    """|x_i|^2 (+ 1 with an intercept), times w_i scale with sample weights (scale: the
    engine's weight factor, default the objective's n / sum(w)), in float64, for each of
    the objective's own rows (the training rows under early stopping)."""
    if objective.n_samples == 0:
        return np.zeros(0)
    row_sq = _row_sqnorms(objective.X, objective.rows)
    row_sq += 1.0 if fit_intercept else 0.0
    weights = objective.rows_of(objective._sample_weight)
    if weights is not None:  # the engine scales sample i by w_i n / sum(w)
        if scale is None:
            scale = objective.n_samples / objective.weight_sum
        row_sq *= weights.astype(np.float64) * scale
    return row_sq


def max_scaled_row_sqnorm(objective, fit_intercept, scale=None):
    """The largest of :func:`scaled_row_sqnorms` (0 without rows)."""
    row_sq = scaled_row_sqnorms(objective, fit_intercept, scale)
    return float(np.max(row_sq)) if row_sq.size else 0.0


def largest_scaled_row_sqnorms(objective, fit_intercept, k, scale=None):
    """The ``k`` largest of :func:`scaled_row_sqnorms`, largest first (all of them when
    the objective has fewer rows)."""
    row_sq = scaled_row_sqnorms(objective, fit_intercept, scale)
    if row_sq.size > k:
        row_sq = np.partition(row_sq, row_sq.size - k)[row_sq.size - k:]
    return np.sort(row_sq)[::-1]
