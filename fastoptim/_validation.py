"""Input validation shared by the Python layer.

Every check names the argument at fault and says how to fix it.  Conversions
(dtype, memory order, sparse format) happen here, once, before any C kernel
runs -- never inside a loop.
"""
import numbers

import numpy as np
import scipy.sparse as sp

__all__ = ["as_float_data", "as_float_vector", "as_param_array", "check_finite", "check_real",
           "check_rows", "check_scalar", "csr_parts", "is_dask_collection", "validate_X"]

_INT32_MAX = np.iinfo(np.int32).max


def _float_dtype_for(dtype, name):
    """float32/float64 stay; ints, bools and other float widths become float64."""
    dtype = np.dtype(dtype)
    if dtype == np.float32 or dtype == np.float64:
        return dtype
    if dtype.kind in "biuf":
        return np.dtype(np.float64)
    raise TypeError(
        f"{name} has dtype {dtype}, which fastoptim does not support; pass float32 or "
        f"float64 numbers (ints and bools are converted to float64)"
    )


def as_float_data(X, name="X", dtype=None):
    """Validate a 2-D design matrix: a C-contiguous float ndarray or a CSR matrix.

    Parameters
    ----------
    X : array-like or scipy.sparse matrix/array
        Dense input of any order is made C-contiguous; sparse input of any
        format becomes canonical CSR (sorted indices, duplicates summed; a copy
        only when X is not canonical already).
    dtype : numpy dtype, optional
        Force this float dtype instead of keeping X's own.

    Returns
    -------
    X : ndarray or scipy.sparse.csr_matrix
        float32 input stays float32; everything else numeric is float64.
    """
    if sp.issparse(X):
        out_dtype = np.dtype(dtype) if dtype is not None else _float_dtype_for(X.dtype, name)
        if X.ndim != 2:
            raise ValueError(f"{name} must be 2-D, got a sparse array of shape {X.shape}")
        # read on the caller's CSR matrix, where scipy caches it (one pass, the first time)
        canonical = X.has_canonical_format if X.format == "csr" else None
        X = sp.csr_matrix(X)  # any format (CSC, COO, ...) -> CSR, once
        # scipy does not check indptr either: a decreasing one makes its own sort_indices fail
        # with a C++ error (std::vector), and the C kernels read outside the arrays
        ptr = X.indptr
        if ptr.shape[0] != X.shape[0] + 1 or ptr[0] != 0 or ptr[-1] != X.indices.shape[0] \
                or X.data.shape[0] != X.indices.shape[0] or np.any(ptr[1:] < ptr[:-1]):
            raise ValueError(
                f"{name} is a CSR matrix with an invalid indptr (it must have n_rows + 1 = "
                f"{X.shape[0] + 1} entries, start at 0, never decrease and end at the "
                f"{X.indices.shape[0]} stored entries); rebuild it, e.g. with "
                f"scipy.sparse.csr_matrix((data, (rows, cols)), shape=...)")
        # scipy does not check the column indices: one out of range would make its own
        # products and the C kernels read outside their arrays
        if X.indices.size and (X.indices.min() < 0 or X.indices.max() >= X.shape[1]):
            raise ValueError(
                f"{name} has column indices outside [0, {X.shape[1]}); rebuild the sparse matrix "
                f"with shape[1] covering every index")
        if not (X.has_canonical_format if canonical is None else canonical):
            # duplicate entries summed, indices sorted, on a copy (the caller's arrays are
            # shared with X): kernels that square stored entries (row norms, the dual
            # solvers' diagonals) read duplicates as separate values, and sorted rows give
            # the same sums, in the same order, as the canonical matrix
            X = X.copy()
            X.sum_duplicates()
        if X.dtype != out_dtype:
            X = X.astype(out_dtype)
        _check_not_empty(X.shape, name)
        return X
    if isinstance(X, (str, bytes)) or X is None:
        raise TypeError(f"{name} must be a 2-D array of numbers, got {type(X).__name__}")
    arr = np.asarray(X)
    if arr.dtype == object:
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must hold numbers; it has dtype object with non-numeric "
                            f"entries ({exc})") from None
    out_dtype = np.dtype(dtype) if dtype is not None else _float_dtype_for(arr.dtype, name)
    if arr.ndim != 2:
        hint = (". Reshape your data: X.reshape(-1, 1) for a single feature, X.reshape(1, -1) "
                "for a single sample") if arr.ndim == 1 else ""
        raise ValueError(f"{name} must be 2-D (n_samples, n_features), got shape {arr.shape}{hint}")
    _check_not_empty(arr.shape, name)
    return np.ascontiguousarray(arr, dtype=out_dtype)


def _check_not_empty(shape, name):
    """At least one sample and one feature (scikit-learn's wording)."""
    if shape[0] < 1:
        raise ValueError(f"Found array with 0 sample(s) (shape={shape}) while a minimum of 1 is "
                         f"required: {name} needs at least one row")
    if shape[1] < 1:
        raise ValueError(f"Found array with 0 feature(s) (shape={shape}) while a minimum of 1 is "
                         f"required: {name} needs at least one column")


def stored_values(X):
    """The values X stores: its nonzeros when sparse, every entry when dense (a pass's work)."""
    return X.nnz if sp.issparse(X) else X.size


def csc_parts(X, row_scale=None):
    """(data, indices int32, indptr int64) of a CSC copy of the sparse X (its rows times
    row_scale when given), duplicates summed and indices sorted: the column layout of the
    coordinate-descent solvers.  Always a copy: never X's own arrays."""
    C = sp.csc_matrix(X if row_scale is None else sp.diags(row_scale) @ X, dtype=X.dtype,
                      copy=row_scale is None)  # sorted in place below
    C.sum_duplicates()
    C.sort_indices()
    return (np.ascontiguousarray(C.data, dtype=X.dtype),
            np.ascontiguousarray(C.indices, dtype=np.int32),
            np.ascontiguousarray(C.indptr, dtype=np.int64))


def csr_parts(X, name="X"):
    """(data, indices int32, indptr int64) of a CSR matrix from :func:`as_float_data`.

    as_float_data has checked the column indices' range; int64 column indices
    are narrowed to int32 when they fit (they always do unless X has more than
    2**31 - 1 columns, which no dense coefficient vector could hold).
    """
    data = np.ascontiguousarray(X.data)
    indices = X.indices
    if indices.dtype != np.int32:
        if X.shape[1] > _INT32_MAX:
            raise ValueError(f"{name} has {X.shape[1]} columns; at most {_INT32_MAX} are supported")
        indices = indices.astype(np.int32)
    indices = np.ascontiguousarray(indices)
    indptr = np.ascontiguousarray(X.indptr, dtype=np.int64)
    if (indptr[0] != 0 or indptr[-1] != data.shape[0] or indices.shape[0] != data.shape[0]
            or np.any(indptr[1:] < indptr[:-1])):
        raise ValueError(f"{name} is a malformed CSR matrix (inconsistent indptr/indices/data)")
    if data.shape[0] == 0:
        # no stored entry (an all-zero X): one unused element each, never read (every row
        # is empty by indptr), so that the glue hands C non-NULL pointers -- it passes an
        # empty data array as NULL, which the C core refuses as missing data
        data = np.zeros(1, dtype=data.dtype)
        indices = np.zeros(1, dtype=np.int32)
    return data, indices, indptr


def as_float_vector(v, name, dtype, length=None):
    """A 1-D C-contiguous array of `dtype`, optionally of a given length."""
    if v is None or isinstance(v, (str, bytes)):
        raise TypeError(f"{name} must be a 1-D array of numbers, got {type(v).__name__}")
    arr = np.asarray(v)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} has dtype {arr.dtype}; it must hold real numbers")
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.reshape(-1)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if length is not None and arr.shape[0] != length:
        raise ValueError(f"{name} has {arr.shape[0]} entries but X has {length} rows; they must match")
    return np.ascontiguousarray(arr, dtype=dtype)


def check_real(arr, name):
    """Return arr when its dtype holds real numbers (bool, int, float); else TypeError."""
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    return arr


def check_finite(arr, name):
    """Raise ValueError naming `name` when arr holds NaN or infinity.

    Fast path: the sum of finite values is finite unless it overflows, so one
    summing pass (no temporary array) clears almost every input; only a
    non-finite sum (NaN/inf present, or overflow) pays the element-wise check.
    """
    values = arr.data if sp.issparse(arr) else arr
    if values.dtype.kind == "f":
        with np.errstate(over="ignore", invalid="ignore"):
            if np.isfinite(np.sum(values)):
                return
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{name} contains NaN or infinity; remove or impute those values first")


def penalty_from_C(C, weight_sum):
    """The L2 strength of the scaled objective, 1 / (C * sum of the sample weights).

    A C so small that this overflows (C=1e-320) is a ValueError that names C, instead of
    an "alpha must be finite" from deep inside the solver."""
    with np.errstate(over="ignore", divide="ignore"):
        alpha = 1.0 / (float(C) * float(weight_sum))
    if not np.isfinite(alpha):
        raise ValueError(f"C={C!r} is too small: the penalty 1 / (C * sum of the sample weights) "
                         f"= 1 / ({float(C):g} * {float(weight_sum):g}) overflows; use a larger C "
                         f"(C >= 1e-300 for unit weights)")
    return alpha


def check_scalar(value, name, *, min_value=None, include_min=True, kind=numbers.Real):
    """A finite real (or int) scalar, optionally bounded below."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, kind):
        what = "an int" if kind is numbers.Integral else f"a {kind.__name__.lower()} number"
        raise TypeError(f"{name} must be {what}, got {value!r}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if min_value is not None:
        if value < min_value or (value == min_value and not include_min):
            op = ">=" if include_min else ">"
            raise ValueError(f"{name} must be {op} {min_value}, got {value!r}")
    return value


def as_param_array(value, name, dtype):
    """A parameter array (coefficients, intercepts, directions) in the working dtype.

    Checked for NaN/infinity before the cast, and for the range of float32
    when the data is float32, so that a finite value is never silently turned
    into infinity.
    """
    arr = check_real(np.asarray(value), name)
    check_finite(arr, name)
    if np.dtype(dtype) == np.float32 and arr.size and arr.dtype != np.float32:
        limit = np.finfo(np.float32).max
        if np.max(np.abs(arr)) > limit:
            raise ValueError(
                f"{name} has values beyond float32's range (|value| > {limit:.3g}) but X is "
                f"float32; pass X as float64 or use smaller values"
            )
    return np.ascontiguousarray(arr, dtype=dtype)


def check_rows(rows, n_all):
    """A row subset as int64 sample numbers in [0, n_all), at least one."""
    arr = np.asarray(rows)
    if arr.ndim != 1 or not (arr.dtype.kind in "iu" or arr.size == 0):
        raise TypeError(f"rows must be a 1-D array of integer sample numbers, got "
                        f"{arr.dtype} of shape {arr.shape}")
    if arr.size == 0:
        raise ValueError("rows is empty: a row subset needs at least one row")
    if arr.min() < 0 or arr.max() >= n_all:
        raise ValueError(f"rows holds sample numbers outside [0, {n_all}) (X has {n_all} rows)")
    return np.ascontiguousarray(arr, dtype=np.int64)


def is_dask_collection(x):
    """True for dask collections (dask's ``__dask_graph__`` protocol), without importing dask."""
    graph = getattr(type(x), "__dask_graph__", None)
    return graph is not None and callable(graph)


def _initial_rate(schedule):
    """A fastoptim schedule's starting rate (its ``lr``, through a Warmup's inner schedule),
    or None for a callable that states none."""
    while schedule is not None and not hasattr(schedule, "lr") and hasattr(schedule, "schedule"):
        schedule = schedule.schedule
    lr = getattr(schedule, "lr", None)
    return float(lr) if isinstance(lr, numbers.Real) else None


def check_rate_settings(solver, learning_rate, schedule):
    """Refuse two settings of the learning rate that would silently drop one of them.

    A stochastic solver given as an optimizer object carries its own ``lr``, and
    a schedule sets the rate of every epoch: with either, a number given as
    ``learning_rate`` would be ignored, so it is a ValueError naming both (the
    default ``learning_rate='auto'`` defers to them; a number equal to the
    optimizer's ``lr`` or to the schedule's starting rate says the same thing
    twice and passes).  A schedule over an optimizer object is meant: the
    schedule drives that optimizer.
    """
    if isinstance(learning_rate, str):
        return
    if not isinstance(solver, str) and float(solver.lr) != float(learning_rate):
        raise ValueError(f"solver={solver!r} carries its own learning rate (lr={solver.lr:g}) "
                         f"and learning_rate={learning_rate!r} sets another; give the rate in "
                         f"one place: {type(solver).__name__}(lr={learning_rate!r}, ...), or "
                         f"learning_rate='auto' to keep the optimizer's")
    start = _initial_rate(schedule)
    if schedule is not None and (start is None or start != float(learning_rate)):
        raise ValueError(f"schedule={schedule!r} sets the learning rate of every epoch and "
                         f"learning_rate={learning_rate!r} sets another; give the rate in one "
                         f"place: the schedule's (leave learning_rate='auto'), or no schedule")


def feature_names(X):
    """The column names of a DataFrame-like X (an object ndarray of str), or None.

    Duck typing, without importing pandas: X has ``columns`` and ``dtypes`` (a
    pandas, or any, DataFrame), is not sparse nor a dask collection, and every
    column name is a str (as scikit-learn: integer names, pandas' default, give
    None).  Names of both kinds are a TypeError.
    """
    if sp.issparse(X) or is_dask_collection(X) or not (
            hasattr(X, "columns") and hasattr(X, "dtypes")):
        return None
    names = np.asarray(list(X.columns), dtype=object)
    is_str = np.array([isinstance(n, str) for n in names], dtype=bool)
    if names.size == 0 or not is_str.any():
        return None
    if not is_str.all():
        kinds = sorted({type(n).__name__ for n in names})
        raise TypeError(f"X's column names must all be strings to be kept as feature names, but "
                        f"they are of the types {kinds}; convert them all, e.g. "
                        f"X.columns = X.columns.astype(str), or none of them")
    return names


def validate_X(X, name="X", dtype=None, finite=True):
    """A 2-D float design matrix, dense (C-ordered) or CSR, with finite values.

    float32 stays float32, float64 stays float64, other numbers become float64
    (or ``dtype`` when given).  Complex values, NaN and infinity are refused
    (``finite=False`` leaves the NaN/infinity check to a caller whose own pass
    over X detects them, e.g. through a non-finite Gram matrix).
    """
    if X is None:
        raise ValueError(f"{name} is None; pass a 2-D array of shape (n_samples, n_features)")
    if is_dask_collection(X):
        raise TypeError(f"{name} is a dask collection, and this step needs in-memory data; call "
                        f"{name}.compute() first (fit of LogisticRegression, SoftmaxRegression, "
                        f"LinearRegression, Ridge, LinearSVC, MLPClassifier and MLPRegressor "
                        f"takes dask arrays)")
    if not sp.issparse(X) and not isinstance(X, (str, bytes)):
        X = np.asarray(X)
    if np.dtype(X.dtype).kind == "c":
        raise ValueError(f"Complex data not supported: {name} must hold real numbers")
    X = as_float_data(X, name, dtype=dtype)
    if finite:
        check_finite(X.data if sp.issparse(X) else X, name)
    return X
