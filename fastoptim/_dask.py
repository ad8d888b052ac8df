r"""The estimators on dask arrays: data stays on the workers, d-sized vectors travel.

fastoptim imports neither dask nor distributed unless a dask collection is passed
(``is_dask_collection`` only looks for dask's ``__dask_graph__`` protocol).

How a fit runs on a ``dask.array`` X (chunked along rows; a column split is
merged first):

* The chunks become futures on the workers (``Client.compute`` of
  ``X.to_delayed()``: a persisted X is not moved) and each worker builds a
  :class:`fastoptim.losses.Objective` over its chunk once, next to the data,
  with the chunk's targets and sample weights (sent once per binary problem:
  O(n / n_chunks) per chunk).  With no ``distributed.Client`` active the chunks
  are computed by dask's local scheduler and evaluated in this process.
* **Full-batch solvers** ('lbfgs', 'newton-cg', 'gd', Ridge's 'cg') see a
  :class:`DaskObjective` with the ``Objective`` interface.  Each evaluation
  sends (coef, intercept) to every chunk and gathers each chunk's weighted sums
  of the loss and gradient (and Hessian-vector products): **O(d) bytes per
  chunk per iteration**, summed here in chunk order.  With
  :math:`W_k = \sum_{i \in k} w_i` and :math:`W = \sum_k W_k`,

  .. math:: f = \frac{1}{W} \sum_k W_k f_k + \frac{\alpha}{2} \|c\|^2,\qquad
            \nabla f = \frac{1}{W} \sum_k W_k \nabla f_k + \alpha c.

  'newton-cholesky' gathers each chunk's (d+1)^2 Hessian ((K(d+1))^2 multinomial): O(d^2)
  per iteration.
* **Stochastic solvers** train by ``partial_fit`` over the chunks in turn:
  each epoch visits the chunks in order; on the worker that holds chunk k one
  C epoch runs over its rows (shuffled with a seed drawn from the epoch's and
  k), starting from the state (coefficients and optimizer) the previous chunk
  left, and hands that state (O(d)) to the next.  The sample weights are scaled
  by the whole data set's n / W, so every step is the step an in-memory epoch
  would take on that mini-batch; only the shuffle differs (within chunks, not
  across them).  We chose this over local epochs with parameter averaging
  because it is exactly sequential SGD: the same convergence theory, the same
  learning rates and schedules as in memory, and no averaging bias on
  non-IID chunks; the price is that chunks train one after another (the
  per-chunk epoch is itself multi-threaded on its worker).
* A worker lost mid-fit: the chunk futures carry their lineage, so dask
  recomputes the lost chunk (and its Objective) elsewhere and the fit
  continues with the same numbers; when dask cannot (the data is gone), the
  error surfaces from ``fit`` -- never a silently wrong model.
* ``predict``/``decision_function``/``predict_proba`` on dask input return lazy
  dask arrays (``map_blocks`` over the row chunks).
"""
import copy
import functools

import numpy as np
import scipy.sparse as sp

from ._moments import centered_normal_equations, max_scaled_row_sqnorm
from ._validation import check_finite, is_dask_collection
from .losses import _MULTICLASS, HessianOperator, Objective, _check_loss
from .optim.engine import run_epoch

__all__ = ["is_dask_collection", "DaskData", "DaskObjective", "objective_for", "map_rows"]


def _client():
    """The active distributed Client, or None (dask's local scheduler)."""
    try:
        from distributed import get_client
    except ImportError:
        return None
    try:
        return get_client()
    except ValueError:  # no client
        return None


def _worker_threads(n_threads):
    """Threads for one chunk's kernels: the estimator's n_threads, else the worker's own."""
    if n_threads is not None:
        return n_threads
    try:
        from distributed import get_worker
        return max(1, int(get_worker().state.nthreads))
    except (ImportError, ValueError, AttributeError):
        return None


class DaskData:
    """A dask array X, validated and split into row chunks held on the workers.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features)
        Dense or with scipy.sparse chunks; float32 stays float32, other numbers become float64.
    name : str
        The argument's name, for error messages.

    Attributes
    ----------
    shape, dtype, ndim : as the array's
    offsets : ndarray of int64
        Row offsets of the chunks (n_chunks + 1).
    parts : list
        The chunks: futures on the workers, or arrays here without a Client.
    client : distributed.Client or None
    """

    def __init__(self, X, name="X"):
        import dask.array as da

        if not isinstance(X, da.Array):
            raise TypeError(f"{name} is a {type(X).__name__} dask collection; fastoptim takes "
                            f"dask.array.Array (chunked along rows), e.g. df.to_dask_array("
                            f"lengths=True)")
        if X.ndim != 2:
            raise ValueError(f"{name} must be 2-D (n_samples, n_features), got a {X.ndim}-D "
                             f"dask array")
        if any(np.isnan(c) for c in X.chunks[0]):
            raise ValueError(f"{name} has chunks of unknown length; call "
                             f"{name}.compute_chunk_sizes() first")
        kind = np.dtype(X.dtype).kind
        if kind not in "biuf":
            raise ValueError(f"{name} has dtype {X.dtype}; fastoptim needs real numbers")
        if X.dtype != np.float32 and X.dtype != np.float64:
            X = X.astype(np.float64)
        if X.numblocks[1] != 1:
            X = X.rechunk({1: -1})
        self.sparse = sp.issparse(getattr(X, "_meta", None))
        self.shape = tuple(int(s) for s in X.shape)
        self.ndim = 2
        self.dtype = np.dtype(X.dtype)
        self.offsets = np.concatenate([[0], np.cumsum(X.chunks[0])]).astype(np.int64)
        self.client = _client()
        blocks = list(X.to_delayed().ravel())
        if self.client is not None:
            self.parts = self.client.compute(blocks)
        else:
            import dask
            self.parts = list(dask.compute(*blocks))

    @property
    def n_chunks(self):
        return len(self.offsets) - 1

    def split(self, v):
        """The per-chunk slices of an n-vector (None stays None)."""
        if v is None:
            return [None] * self.n_chunks
        return [v[self.offsets[k]:self.offsets[k + 1]] for k in range(self.n_chunks)]

    def submit(self, fn, *args_per_chunk, shared=()):
        """fn(part_k, *args_k, *shared) for every chunk: futures (Client) or values."""
        out = []
        for k, part in enumerate(self.parts):
            args = [a[k] for a in args_per_chunk]
            if self.client is not None:
                out.append(self.client.submit(fn, part, *args, *shared, pure=False))
            else:
                out.append(fn(part, *args, *shared))
        return out

    def gather(self, results):
        return self.client.gather(results) if self.client is not None else results


# ------------------------------------------------------------------ per-chunk work (on workers)


def _chunk_objective(Xk, yk, swk, loss, n_classes, n_threads):
    check_finite(Xk, "X (a chunk of the dask array)")
    kwargs = {} if n_classes is None else {"n_classes": n_classes}
    return Objective(loss, Xk, yk, sample_weight=swk, alpha=0.0,
                     n_threads=_worker_threads(n_threads), **kwargs)


def _weighted(obj, arrays):
    return [None if a is None else obj.weight_sum * np.asarray(a, dtype=np.float64)
            for a in arrays]


def _chunk_value_grad(obj, coef, intercept):
    value, g, gb = obj.value_grad(coef, intercept)
    return obj.weight_sum * float(value), *_weighted(obj, (g, gb))


def _chunk_hessp(obj, coef, intercept, vc, vb):
    return tuple(_weighted(obj, obj.hessp(coef, intercept, vc, vb)))


def _chunk_hessian_diagonal(obj, coef, intercept):
    return tuple(_weighted(obj, obj.hessp_operator(coef, intercept).diagonal()))


def _chunk_hessian(obj, coef, intercept):
    value, g, h = obj.hessian(coef, intercept)
    return obj.weight_sum * float(value), *_weighted(obj, (g, h))


def _chunk_row_curvature(obj, fit_intercept, scale):
    return max_scaled_row_sqnorm(obj, fit_intercept, scale)


def _take_rows(part, idx):
    return part[idx]


def _chunk_epoch(obj, state, alpha, weight_scale, batch_size, seed):
    """One epoch over this chunk from `state` = (optimizer, coef, intercept); a new state."""

    opt, coef, intercept = copy.deepcopy(state[:3])
    local = copy.copy(obj)
    local.alpha = alpha
    loss = run_epoch(local, opt, coef, intercept, batch_size=batch_size, seed=seed,
                     weight_scale=weight_scale)
    return opt, coef, intercept, state[3] + obj.weight_sum * loss


def _add(parts):
    """parts[0] + parts[1] + ..., in order (the same bits on every run)."""
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    return total


class _ChunkGroup:
    """The chunk objectives of the chunks one worker holds, built there once.

    On a cluster it is a dask actor on that worker: its methods are called
    directly, worker to client (a few ms per round trip, where a task through
    the scheduler costs tens), and each returns the sums over its chunks, in
    chunk order (O(d) per worker).  Without a client it is a plain object here.
    """

    def __init__(self, indices, chunks, ys, sws, loss, n_classes, n_threads):
        self.indices = list(indices)
        self.objs = [_chunk_objective(Xk, yk, swk, loss, n_classes, n_threads)
                     for Xk, yk, swk in zip(chunks, ys, sws)]

    def meta(self):
        return [(o.weight_sum, o.n_outputs) for o in self.objs]

    @staticmethod
    def _total(results):
        """The chunks' tuples of weighted sums, added term by term in chunk order."""
        return tuple(None if results[0][t] is None else _add([r[t] for r in results])
                     for t in range(len(results[0])))

    def value_grad(self, coef, intercept):
        return self._total([_chunk_value_grad(o, coef, intercept) for o in self.objs])

    def hessp(self, coef, intercept, vc, vb):
        return self._total([_chunk_hessp(o, coef, intercept, vc, vb) for o in self.objs])

    def hessian(self, coef, intercept):
        return self._total([_chunk_hessian(o, coef, intercept) for o in self.objs])

    def hessian_diagonal(self, coef, intercept):
        return self._total([_chunk_hessian_diagonal(o, coef, intercept) for o in self.objs])

    def row_curvature(self, fit_intercept, scale):
        return max(_chunk_row_curvature(o, fit_intercept, scale) for o in self.objs)

    def epoch(self, position, state, alpha, weight_scale, batch_size, seed):
        return _chunk_epoch(self.objs[position], state, alpha, weight_scale, batch_size, seed)


# errors of the data or the numbers, raised by fastoptim's own code on a worker: not retried
_OWN_ERRORS = (ValueError, TypeError, FloatingPointError, ArithmeticError, MemoryError)


def _place_groups(X, group_class, ys, sws, *shared):
    """One ``group_class(indices, chunks, ys, sws, *shared)`` per worker holding chunks of
    the DaskData X -- a dask actor on that worker, built there next to its chunks, with
    the chunks' ys and sws (per-chunk slices) scattered to it once -- or, without a
    client, one plain object here over every chunk.

    Returns (groups, where): ``where[k] = (group, position)`` of chunk k (chunk order is
    kept within a group)."""
    if X.client is None:
        return ([group_class(range(X.n_chunks), X.parts, ys, sws, *shared)],
                {k: (0, k) for k in range(X.n_chunks)})
    import distributed
    client = X.client
    distributed.wait(X.parts)
    holders = client.who_has(X.parts)
    by_worker = {}
    for k, part in enumerate(X.parts):  # a chunk held twice goes to the less busy holder
        worker = min(sorted(holders[part.key]), key=lambda w: len(by_worker.get(w, ())))
        by_worker.setdefault(worker, []).append(k)
    pending, where = [], {}
    for g, (worker, ks) in enumerate(sorted(by_worker.items())):
        y_parts = client.scatter([ys[k] for k in ks], workers=[worker])
        w_parts = [None] * len(ks) if sws[0] is None else client.scatter(
            [sws[k] for k in ks], workers=[worker])
        pending.append(client.submit(group_class, ks, [X.parts[k] for k in ks], y_parts,
                                     w_parts, *shared, actor=True, workers=[worker],
                                     pure=False))
        where.update({k: (g, i) for i, k in enumerate(ks)})
    return [p.result() for p in pending], where  # built on the workers at the same time


def chunk_seeds(seed, n_chunks):
    """The shuffle seeds of the chunks for an epoch's ``seed``: one uint32 per chunk, drawn
    by numpy's SeedSequence from the epoch's seed (the same on every run and cluster)."""
    return np.random.SeedSequence([int(seed) & (2 ** 63 - 1)]).generate_state(
        n_chunks, dtype=np.uint32)


class _OnWorkers:
    """The driver's side of chunk groups on the workers (:func:`_place_groups`).

    A subclass sets ``X`` (a DaskData) and implements ``_build_groups`` (setting
    ``_groups`` and ``_where``); ``_doing`` says what a failed call was doing.
    """

    _doing = "evaluate the objective"

    def _call(self, method, *args):
        """method(*args) on every group: a list of results, in group order.  When a call
        fails because a worker was lost, the chunks (recomputed by dask from their
        lineage) are regrouped and the call is repeated, twice at most."""
        for attempt in range(3):
            try:
                if self.X.client is None:
                    return [getattr(g, method)(*args) for g in self._groups]
                pending = [getattr(g, method)(*args) for g in self._groups]
                return [p.result() for p in pending]
            except _OWN_ERRORS:
                raise
            except Exception as exc:  # a lost worker, a closed connection: rebuild, retry
                if attempt == 2:
                    raise RuntimeError(
                        f"fastoptim could not {self._doing} on the dask cluster: "
                        f"{type(exc).__name__}: {exc} (a worker holding chunks of X was lost "
                        f"and dask could not rebuild them); fit again once the cluster is "
                        f"healthy") from exc
                self._build_groups()
        raise AssertionError("unreachable")

    def _chunks_in_turn(self, state, chunk_args):
        """``state = group.epoch(position, state, *chunk_args[k])`` on the group holding
        chunk k, for k in chunk order: the state after the last chunk."""
        for k in range(self.X.n_chunks):
            g, position = self._where[k]
            result = self._groups[g].epoch(position, state, *chunk_args[k])
            state = result.result() if self.X.client is not None else result
        return state


class DaskObjective(_OnWorkers):
    """:class:`fastoptim.losses.Objective`'s interface over a :class:`DaskData`.

    Parameters are those of ``Objective``; ``X`` is a DaskData and ``y`` and
    ``sample_weight`` are NumPy n-vectors (sent to the workers once, here).
    See the module docstring for the sums.  On a cluster, each worker holding
    chunks of X gets one actor (:class:`_ChunkGroup`); when a call fails
    because a worker was lost, the chunks (recomputed by dask from their
    lineage) are regrouped and the call is repeated, twice at most.
    """

    def __init__(self, loss, X, y, *, sample_weight=None, alpha=0.0, n_classes=None,
                 n_threads=None):

        self.loss = _check_loss(loss)
        self.X = X
        self.dtype = X.dtype
        self.n_samples, self.n_features = X.shape
        self.alpha = float(alpha)
        self.n_threads_requested = n_threads  # the workers' C passes; the client's LAPACK
        y = np.asarray(y)
        if y.dtype.kind == "f" and y.size and np.all(np.abs(y) <= 127) and np.all(y == np.trunc(y)):
            y = y.astype(np.int8)  # labels (+-1, class indices) travel as one byte each
        self._args = (X.split(y), X.split(sample_weight), self.loss, n_classes, n_threads)
        self._build_groups()
        meta = [m for group in self._call("meta") for m in group]
        self.n_outputs = int(meta[0][1])
        self.weight_sum = float(sum(m[0] for m in meta))
        self._sample_weight = sample_weight
        self.bytes_per_evaluation = 0

    def _build_groups(self):
        """One _ChunkGroup per worker holding chunks (chunk order kept within a group)."""
        self._groups, self._where = _place_groups(self.X, _ChunkGroup, *self._args)

    @property
    def coef_shape(self):
        if self.loss in _MULTICLASS:
            return (self.n_outputs, self.n_features)
        return (self.n_features,)

    def _map(self, method, *args):
        out = self._call(method, *args)
        sent = sum(np.asarray(a).nbytes for a in args if a is not None)
        back = sum(np.asarray(r).nbytes for res in out for r in
                   (res if isinstance(res, tuple) else (res,)) if r is not None)
        self.bytes_per_evaluation = len(out) * sent + back
        return out

    def _combine(self, results, n_terms):
        return [None if results[0][t] is None else _add([r[t] for r in results])
                / self.weight_sum for t in range(n_terms)]

    def value_grad(self, coef, intercept=None):
        """As :meth:`fastoptim.losses.Objective.value_grad`."""
        c = np.asarray(coef, dtype=self.dtype)
        b = None if intercept is None else np.asarray(intercept, dtype=self.dtype)
        value, g, gb = self._combine(self._map("value_grad", c, b), 3)
        c64 = c.astype(np.float64)
        value += 0.5 * self.alpha * float(np.sum(c64 * c64))
        g = (g + self.alpha * c64).astype(self.dtype).reshape(c.shape)
        if gb is not None:
            gb = gb.astype(self.dtype)
            gb = gb.reshape(np.shape(intercept)) if np.ndim(intercept) else gb.ravel()[0].item()
        return value, g, gb

    def hessp(self, coef, intercept, vec_coef, vec_intercept=None):
        """As :meth:`fastoptim.losses.Objective.hessp`."""
        c = np.asarray(coef, dtype=self.dtype)
        b = None if intercept is None else np.asarray(intercept, dtype=self.dtype)
        vc = np.asarray(vec_coef, dtype=self.dtype)
        vb = None if vec_intercept is None else np.asarray(vec_intercept, dtype=self.dtype)
        hc, hb = self._combine(self._map("hessp", c, b, vc, vb), 2)
        hc = (hc + self.alpha * vc.astype(np.float64)).astype(self.dtype).reshape(vc.shape)
        if hb is not None:
            hb = hb.astype(self.dtype)
            hb = hb.reshape(np.shape(intercept)) if np.ndim(intercept) else hb.ravel()[0].item()
        return hc, hb

    def hessp_operator(self, coef, intercept=None):
        """As :meth:`fastoptim.losses.Objective.hessp_operator`: here each product is one
        :meth:`hessp` round (the chunks' curvatures are not kept between rounds)."""
        c = np.array(coef, dtype=self.dtype)
        b = None if intercept is None else np.array(intercept, dtype=self.dtype)

        def diagonal():
            dc, db = self._combine(self._map("hessian_diagonal", c, b), 2)
            dc = (dc + self.alpha).reshape(c.shape)
            if db is not None:
                db = db.reshape(np.shape(intercept)) if np.ndim(intercept) else float(db.ravel()[0])
            return dc, db

        return HessianOperator(
            lambda vec_coef, vec_intercept=None: self.hessp(c, b, vec_coef, vec_intercept),
            diagonal)

    def hessian(self, coef, intercept=None):
        """As :meth:`fastoptim.losses.Objective.hessian` (gathers (d+1)^2 per worker)."""
        c = np.asarray(coef, dtype=self.dtype)
        b = None if intercept is None else np.asarray(intercept, dtype=self.dtype)
        value, g, h = self._combine(self._map("hessian", c, b), 3)
        c64 = c.astype(np.float64).ravel()
        d = c64.size  # the packed coefficients come first (K d of them for softmax)
        value += 0.5 * self.alpha * float(c64 @ c64)
        g[:d] += self.alpha * c64
        h[np.arange(d), np.arange(d)] += self.alpha
        return value, g, h

    # -- the stochastic solvers ------------------------------------------------------------------

    def sample_objective(self, rows):
        """A :class:`fastoptim.losses.Objective` here over the given global rows (sorted), gathered
        from their chunks (learning_rate='auto' tests its candidate rates on such a sample)."""
        X, rows = self.X, np.asarray(rows, dtype=np.int64)
        local = [rows[(rows >= X.offsets[k]) & (rows < X.offsets[k + 1])] - X.offsets[k]
                 for k in range(X.n_chunks)]
        parts = X.gather(X.submit(_take_rows, local))
        Xs = sp.vstack(parts, format="csr") if X.sparse else np.concatenate(parts)
        ys, sws, loss, n_classes, _ = self._args
        y = np.concatenate([yk[idx] for yk, idx in zip(ys, local)]).astype(np.float64)
        sw = None if self._sample_weight is None else np.asarray(self._sample_weight)[rows]
        kwargs = {} if n_classes is None else {"n_classes": n_classes}
        return Objective(loss, Xs, y, sample_weight=sw, alpha=self.alpha,
                         n_threads=self.n_threads_requested, **kwargs)

    def max_row_curvature(self, fit_intercept):
        """max_i of the scaled |x_i|^2 (+1 with an intercept) over every chunk."""
        scale = self.n_samples / self.weight_sum
        return max(self._call("row_curvature", fit_intercept, scale))

    def run_epoch(self, optimizer, coef, intercept=None, *, batch_size, seed=0):
        """One epoch over the chunks in turn (see the module docstring), in place.

        Returns the weighted mean of the per-sample losses, as :func:`run_epoch`.
        """
        weight_scale = self.n_samples / self.weight_sum
        seeds = chunk_seeds(seed, self.X.n_chunks)
        state = self._chunks_in_turn((optimizer, coef, intercept, 0.0), [
            (self.alpha, weight_scale, int(batch_size), int(s)) for s in seeds])
        new_opt, new_coef, new_intercept, loss_sum = state
        optimizer.__dict__.update(new_opt.__dict__)
        coef[...] = new_coef
        if intercept is not None:
            intercept[...] = new_intercept
        return loss_sum / self.weight_sum


def objective_for(loss, X, y, **kwargs):
    """A DaskObjective when X is a DaskData, else a fastoptim.losses.Objective."""
    if isinstance(X, DaskData):
        return DaskObjective(loss, X, y, **kwargs)
    return Objective(loss, X, y, **kwargs)


def map_rows(method, X):
    """``method`` (a bound predict-like method of a fitted estimator) over the row chunks of
    dask array X, lazily: a dask array of the results, chunked like X's rows."""
    import dask.array as da

    if not isinstance(X, da.Array):
        raise TypeError(f"X is a {type(X).__name__} dask collection; pass a dask.array.Array")
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got a {X.ndim}-D dask array")
    if X.numblocks[1] != 1:
        X = X.rechunk({1: -1})
    probe = np.zeros((1, X.shape[1]), dtype=X.dtype if np.dtype(X.dtype).kind == "f" else np.float64)
    sample = np.asarray(method(probe))
    if sample.ndim == 1:
        return X.map_blocks(_apply, method, drop_axis=1, dtype=sample.dtype,
                            meta=np.empty((0,), dtype=sample.dtype))
    return X.map_blocks(_apply, method, chunks=(X.chunks[0], (sample.shape[1],)),
                        dtype=sample.dtype, meta=np.empty((0, 0), dtype=sample.dtype))


def _apply(block, method):
    return method(block)


def dask_rows(method):
    """Decorator: ``method(self, X)`` returns a lazy dask array when X is a dask array."""

    @functools.wraps(method)
    def wrapper(self, X, *args, **kwargs):
        if is_dask_collection(X) and not args and not kwargs:
            return map_rows(functools.partial(method, self), X)
        return method(self, X, *args, **kwargs)

    return wrapper


# ------------------------------------------------------------------ least squares (Ridge, LinearRegression)


def _chunk_normal_equations(Xk, Yk, swk, fit_intercept):
    G, R, x_mean, y_mean = centered_normal_equations(Xk, Yk, swk, fit_intercept)
    wsum = float(Xk.shape[0] if swk is None else np.sum(swk, dtype=np.float64))
    return G, R, x_mean, y_mean, wsum


def normal_equations(X, Y, sw, fit_intercept):
    """G = Xc^T W Xc, R = Xc^T W Yc and the weighted means over a DaskData X (Y, sw: NumPy).

    Each chunk returns its own centered sums (O(d^2)); they are merged with the
    pairwise update of Chan, Golub & LeVeque (1979):
    G = sum_k G_k + sum_k W_k (m_k - m)(m_k - m)^T, the same for R.
    """
    stats = X.gather(X.submit(_chunk_normal_equations, X.split(Y), X.split(sw),
                              shared=(fit_intercept,)))
    weights = np.array([s[4] for s in stats])
    wsum = weights.sum()
    x_mean = sum(w * s[2] for w, s in zip(weights, stats)) / wsum
    y_mean = sum(w * s[3] for w, s in zip(weights, stats)) / wsum
    G = sum(s[0] for s in stats)
    R = sum(s[1] for s in stats)
    if fit_intercept:
        for w, s in zip(weights, stats):
            dx, dy = s[2] - x_mean, s[3] - y_mean
            G = G + w * np.outer(dx, dx)
            R = R + w * np.outer(dx, dy)
    else:
        x_mean, y_mean = np.zeros_like(x_mean), np.zeros_like(y_mean)
    return G, R, x_mean, y_mean


def _chunk_column_sums(Xk, yk, swk):
    w = np.ones(Xk.shape[0]) if swk is None else np.asarray(swk, dtype=np.float64)
    if sp.issparse(Xk):
        sx = np.asarray(Xk.T @ w).ravel()
        sq = np.asarray(Xk.multiply(Xk).T @ w).ravel()
    else:
        sx = Xk.T.astype(np.float64) @ w
        sq = np.einsum("ij,ij,i->j", Xk, Xk, w, dtype=np.float64)
    return sx, float(w @ yk), sq, float(w.sum())


def column_stats(X, y, sw):
    """Weighted column means of X, the mean of y and the weighted column sums of squares,
    over a DaskData X (one pass; O(d) per chunk)."""
    stats = X.gather(X.submit(_chunk_column_sums, X.split(y), X.split(sw)))
    wsum = sum(s[3] for s in stats)
    x_mean = sum(s[0] for s in stats) / wsum
    y_mean = sum(s[1] for s in stats) / wsum
    sq = sum(s[2] for s in stats)
    return x_mean, y_mean, sq
