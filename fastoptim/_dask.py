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
* **Networks** (MLPClassifier, MLPRegressor; :class:`DaskNetwork`, a
  :class:`fastoptim._network.Network`'s training interface over the chunks): each
  worker lays out its chunks for the network's C calls once, with their targets and
  weights.  An epoch (``partial_fit``; ``fit`` runs ``max_iter`` of them under the
  estimator's stopping rule) visits the chunks in order, as above: on the worker that
  holds chunk k, one C epoch (``Network.train_epoch``) over its rows, shuffled with
  ``chunk_seeds(epoch seed, n_chunks)[k]``, with the whole set's weight scale n / W and
  penalty, from the state the previous chunk left -- the parameters, batch norm's
  running statistics and the optimizer's moments (O(n_params), the network's size) --
  which it hands on.  Batch norm normalizes each batch of a chunk, as an in-memory
  batch (a chunk may not end in a batch of one row); dropout masks are keyed by
  (seed, step, the row's place in its chunk, layer, unit), the step counting on across
  chunks.  The epoch's loss is the chunks' weighted mean, sum_k W_k loss_k / W, the
  in-memory epoch's.  So with ``shuffle=False`` and chunk lengths that are multiples of
  the batch size, the fit is the in-memory fit's (the same batches, steps and bits).
  'lbfgs' and 'gd' sum each chunk's weighted loss and gradient (O(n_params) per worker
  per evaluation).  Refused, with what to do instead: a column split (no merge: pass
  ``X.rechunk({1: -1})``), ``early_stopping=True`` (the validation outputs would travel
  at every epoch) and 'lbfgs' or 'gd' with batch norm (statistics over all rows do not split).
* A worker lost mid-fit: the chunk futures carry their lineage, so dask
  recomputes the lost chunk (and its Objective, or its network layout) elsewhere
  and the fit continues with the same numbers (an evaluation is repeated, an
  epoch over the chunks in turn is run again from its start); when dask cannot
  (the data is gone), the error surfaces from ``fit`` -- never a silently wrong
  model.
* ``predict``/``decision_function``/``predict_proba``/``predict_log_proba`` on dask
  input return lazy dask arrays (``map_blocks`` over the row chunks).
"""
import copy
import functools
import numbers

import numpy as np
import scipy.sparse as sp

from ._moments import centered_normal_equations, largest_scaled_row_sqnorms
from ._validation import check_finite, is_dask_collection
from ._network import Network
from .losses import _MULTICLASS, HessianOperator, Objective, _check_loss
from .optim.engine import check_epoch_args, run_epoch

__all__ = ["is_dask_collection", "DaskData", "DaskObjective", "DaskNetwork", "chunk_seeds",
           "objective_for", "map_rows"]


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
    whole_rows : bool, default=False
        Refuse a dask array chunked along its columns too (a ValueError saying to call
        ``X.rechunk({1: -1})``) instead of merging its column chunks here: the networks
        take it so, since merging moves every row across the cluster at each fit.

    Attributes
    ----------
    shape, dtype, ndim : as the array's
    offsets : ndarray of int64
        Row offsets of the chunks (n_chunks + 1).
    parts : list
        The chunks: futures on the workers, or arrays here without a Client.
    client : distributed.Client or None
    """

    def __init__(self, X, name="X", whole_rows=False):
        import dask.array as da

        if not isinstance(X, da.Array):
            raise TypeError(f"{name} is a {type(X).__name__} dask collection; fastoptim takes "
                            f"dask.array.Array (chunked along rows), e.g. df.to_dask_array("
                            f"lengths=True)")
        if X.ndim != 2:
            raise ValueError(f"{name} must be 2-D (n_samples, n_features), got a {X.ndim}-D "
                             f"dask array")
        if any(np.isnan(c) for c in X.chunks[0] + X.chunks[1]):
            raise ValueError(f"{name} has chunks of unknown length; call "
                             f"{name}.compute_chunk_sizes() first")
        if whole_rows and X.numblocks[1] != 1:
            raise ValueError(f"{name} is chunked along its columns too ({X.numblocks[1]} column "
                             f"chunks); this estimator needs whole rows in every chunk: pass "
                             f"{name}.rechunk({{1: -1}}) (and persist it if it is reused)")
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


def _chunk_largest_row_curvatures(obj, fit_intercept, k, scale):
    return largest_scaled_row_sqnorms(obj, fit_intercept, k, scale)


def _largest(parts, k):
    """The k largest values of the arrays ``parts``, largest first."""
    return np.sort(np.concatenate(parts))[::-1][:k]


def _take_rows(part, idx):
    return part[idx]


def _chunk_epoch(obj, state, alpha, weight_scale, batch_size, seed, l1=0.0):
    """One epoch over this chunk from `state` = (optimizer, coef, intercept); a new state
    (the optimizer carries the L1 penalty's state to the next chunk)."""

    opt, coef, intercept = copy.deepcopy(state[:3])
    local = copy.copy(obj)
    local.alpha = alpha
    loss = run_epoch(local, opt, coef, intercept, batch_size=batch_size, seed=seed,
                     weight_scale=weight_scale, l1=l1)
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

    def largest_row_curvatures(self, fit_intercept, k, scale):
        return _largest([_chunk_largest_row_curvatures(o, fit_intercept, k, scale)
                         for o in self.objs], k)

    def epoch(self, position, state, alpha, weight_scale, batch_size, seed, l1=0.0):
        return _chunk_epoch(self.objs[position], state, alpha, weight_scale, batch_size, seed,
                            l1)


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

    def _retrying(self, run):
        """run() -- a computation that changes nothing here until it returns -- and when it
        fails because a worker was lost, the chunks (recomputed by dask from their
        lineage) are regrouped and run() is repeated, twice at most: the same numbers."""
        for attempt in range(3):
            try:
                return run()
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

    def _call(self, method, *args):
        """method(*args) on every group: a list of results, in group order (retried on a
        lost worker: :meth:`_retrying`)."""
        def run():
            if self.X.client is None:
                return [getattr(g, method)(*args) for g in self._groups]
            pending = [getattr(g, method)(*args) for g in self._groups]
            return [p.result() for p in pending]

        return self._retrying(run)

    def _chunks_in_turn(self, state, chunk_args):
        """``state = group.epoch(position, state, *chunk_args[k])`` on the group holding
        chunk k, for k in chunk order: the state after the last chunk.  Each chunk returns
        a new state (the one given is never changed), so an epoch cut short by a lost
        worker is run again from its start (:meth:`_retrying`)."""
        def run():
            current = state
            for k in range(self.X.n_chunks):
                g, position = self._where[k]
                result = self._groups[g].epoch(position, current, *chunk_args[k])
                current = result.result() if self.X.client is not None else result
            return current

        return self._retrying(run)


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

    def largest_row_curvatures(self, fit_intercept, k):
        """The k largest scaled |x_i|^2 (+1 with an intercept) over every chunk, largest
        first (each chunk sends its own k largest)."""
        scale = self.n_samples / self.weight_sum
        return _largest(self._call("largest_row_curvatures", fit_intercept, k, scale), k)

    def run_epoch(self, optimizer, coef, intercept=None, *, batch_size, seed=0, l1=0.0):
        """One epoch over the chunks in turn (see the module docstring), in place.

        Returns the weighted mean of the per-sample losses, as :func:`run_epoch` (whose
        ``l1``, the cumulative L1 penalty, carries over from chunk to chunk with the
        optimizer).
        """
        weight_scale = self.n_samples / self.weight_sum
        seeds = chunk_seeds(seed, self.X.n_chunks)
        state = self._chunks_in_turn((optimizer, coef, intercept, 0.0), [
            (self.alpha, weight_scale, int(batch_size), int(s), float(l1)) for s in seeds])
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


# ------------------------------------------------------------------ networks (MLPClassifier, MLPRegressor)


class _NetworkChunkGroup:
    """The chunks of X one worker holds, laid out for a :class:`fastoptim._network.Network`'s
    C calls once there (``Network.prepare``), with their targets and weights; a dask actor
    on that worker, a plain object here without a client (as :class:`_ChunkGroup`).  Each
    chunk keeps its epoch workspace between epochs."""

    def __init__(self, indices, chunks, Ys, sws, net):
        self.indices = list(indices)
        self.net = net
        self.data, self.Ys, self.sws, self.weight_sums = [], [], [], []
        for Xk, Yk, swk in zip(chunks, Ys, sws):
            sw = None if swk is None else np.ascontiguousarray(swk, dtype=net.dtype)
            data = None
            if Xk.shape[0] > 0:  # an empty chunk trains nothing and weighs nothing
                data = net.prepare(Xk)
                check_finite(data.values, "X (a chunk of the dask array)")
            self.data.append(data)
            self.Ys.append(np.ascontiguousarray(Yk, dtype=net.dtype))
            self.sws.append(sw)
            self.weight_sums.append(float(Xk.shape[0]) if sw is None
                                    else float(np.sum(sw, dtype=np.float64)))
        self._workspaces = {}

    def epoch(self, position, state, config, n_threads):
        """One C epoch (``Network.train_epoch`` with ``config``) over chunk ``position`` from
        state = (params, running, optimizer, loss sum): the new state, with the chunk's
        weight times its epoch loss added to the sum."""
        data = self.data[position]
        if data is None:
            return state
        params, running, opt = copy.deepcopy(state[:3])
        n, batch, shuffle = data.shape[0], min(config["batch_size"], data.shape[0]), \
            config["shuffle"]
        key = (position, batch, shuffle)
        if key not in self._workspaces:
            self._workspaces[key] = self.net.epoch_workspace(n, batch, shuffle=shuffle,
                                                             sparse=data.sparse)
        loss = self.net.train_epoch(data, self.Ys[position], params, opt,
                                    sample_weight=self.sws[position], running=running,
                                    workspace=self._workspaces[key],
                                    n_threads=_worker_threads(n_threads), **config)
        return params, running, opt, state[3] + self.weight_sums[position] * loss

    def loss_grad(self, params, training, running, n_threads):
        """The data term over this group's chunks: (sum_k W_k f_k, sum_k W_k grad f_k in
        float64), W_k a chunk's weight sum, in chunk order."""
        value, grad = 0.0, np.zeros(self.net.n_params)
        for data, Y, sw, w in zip(self.data, self.Ys, self.sws, self.weight_sums):
            if data is None or w == 0:
                continue
            v, g = self.net.loss_grad(data, Y, params, sample_weight=sw, training=training,
                                      running=running, n_threads=_worker_threads(n_threads))
            value += w * float(v)
            grad = grad + w * g.astype(np.float64)
        return value, grad


class DaskNetwork(_OnWorkers):
    r"""The training interface of a :class:`fastoptim._network.Network` (``prepare``,
    ``epoch_workspace``, ``train_epoch``, ``loss_grad``) over the chunks of a DaskData.

    The estimators pass it where they pass the Network; its shape (``sizes``, ``dtype``,
    ``batch_norm``, ``unpack``, ...) is the Network's.  The chunks' targets and weights
    are sent to the workers once, here (0/1 targets as one byte each), and each worker
    lays out its chunks for the C calls once; the methods take the same ``X``, ``Y`` and
    ``sample_weight`` objects back (anything else is a ValueError).

    * :meth:`train_epoch` visits the chunks in order: on the worker holding chunk k, one
      C epoch over its rows, shuffled with ``chunk_seeds(seed, n_chunks)[k]``, from the
      state (parameters, running statistics, optimizer) the previous chunk left, which
      it hands on (O(n_params) each way).  Every step uses the whole set's
      ``weight_scale`` n / W and the given ``l2``, so it is the step an in-memory epoch
      takes on that mini-batch; batch norm's batches (and running statistics) are those
      of the chunk's batches, and dropout masks are keyed by (dropout_seed, step, the
      row's place in its chunk, layer, unit) -- the step counter runs on across chunks.
      Exactly: the epoch equals ``Network.train_epoch`` run on each chunk's rows in
      turn, as arrays of their own, with those seeds, ``weight_scale=n / W`` and ``l2``.
    * :meth:`loss_grad` gathers each worker's weighted sums (O(n_params)):

      .. math:: F = \frac{1}{W} \sum_k W_k F_k + \frac{l_2}{2} \sum_l \|W^l\|^2.

      Batch norm's statistics over all rows (and dropout masks) do not split over
      chunks: in training, networks with either are refused.

    Parameters
    ----------
    net : fastoptim._network.Network
    X : DaskData of shape (n_samples, net.sizes[0])
    Y : ndarray of shape (n_samples, net.sizes[-1])
    sample_weight : ndarray of shape (n_samples,), optional

    Attributes
    ----------
    net, X : the Network and the DaskData
    chunk_rows : tuple of int
        The rows of each chunk, in chunk order.
    weight_sum : float
        W, the sum of the sample weights (n without).
    """

    _doing = "train the network"
    _NETWORK_ATTRIBUTES = ("sizes", "activation", "output", "leaky_slope", "batch_norm",
                           "dropout", "bn_eps", "dtype", "n_params", "n_running", "n_layers",
                           "unpack", "unpack_running", "new_running", "pack")

    def __init__(self, net, X, Y, sample_weight=None):
        if not isinstance(net, Network):
            raise TypeError(f"net must be a fastoptim Network, got {type(net).__name__}")
        if not isinstance(X, DaskData):
            raise TypeError(f"X must be a DaskData (fastoptim._dask), got {type(X).__name__}")
        n = X.shape[0]
        if X.shape[1] != net.sizes[0]:
            raise ValueError(f"X has {X.shape[1]} features, the network takes {net.sizes[0]}")
        Yc, sw = net._targets(Y, sample_weight, n)
        if sw is not None and not (np.all(np.isfinite(sw)) and np.all(sw >= 0)):
            raise ValueError("sample_weight must be finite and >= 0")
        self.net, self.X = net, X
        self._given = (Y, sample_weight)
        self.chunk_rows = tuple(int(r) for r in np.diff(X.offsets))
        self.weight_sum = float(n) if sw is None else float(np.sum(sw, dtype=np.float64))
        if not self.weight_sum > 0:
            raise ValueError("sample_weight must not be all zero")
        sent = Yc
        if net.output != "identity" and np.all((Yc == 0) | (Yc == 1)):
            sent = Yc.astype(np.int8)  # class indicators travel as one byte each
        self._args = (X.split(sent), X.split(sw), net)
        self._build_groups()

    def __getattr__(self, name):
        if name in DaskNetwork._NETWORK_ATTRIBUTES:
            return getattr(self.net, name)
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def _build_groups(self):
        """One _NetworkChunkGroup per worker holding chunks (chunk order kept within)."""
        self._groups, self._where = _place_groups(self.X, _NetworkChunkGroup, *self._args)

    def _check_own(self, X, Y, sample_weight):
        if X is not self.X or Y is not self._given[0] or sample_weight is not self._given[1]:
            raise ValueError("a DaskNetwork trains on the X, Y and sample_weight it was built "
                             "with (sent to the workers once); build another one for other "
                             "data")

    def prepare(self, X):
        """X itself (the chunks were laid out on the workers when this object was built)."""
        self._check_own(X, *self._given)
        return X

    def epoch_workspace(self, *args, **kwargs):
        """None: each chunk keeps its own workspace on its worker."""
        return None

    def train_epoch(self, X, Y, params, optimizer, *, batch_size, seed=0, shuffle=True, l2=0.0,
                    sample_weight=None, running=None, bn_momentum=0.1, dropout_seed=0,
                    workspace=None, n_threads=None, rows=None):
        """One epoch over the chunks in turn (see the class docstring), in place.

        Parameters are those of :meth:`fastoptim._network.Network.train_epoch`; X, Y and
        sample_weight must be this object's, ``workspace`` is not used (each chunk keeps
        its own), ``n_threads`` is each chunk's team (None: the worker's threads) and
        ``rows`` (a row subset) is not available.

        Returns
        -------
        float
            The weighted mean over the chunks of their epochs' mean costs
            (sum_k W_k loss_k / W): the in-memory epoch's mean cost.

        Raises
        ------
        ValueError
            For batch norm, when a chunk would end in a batch of one row.
        FloatingPointError
            When a chunk's epoch diverged; then params, running and the optimizer are
            left as they were at the start of the epoch.
        """
        self._check_own(X, Y, sample_weight)
        if rows is not None:
            raise ValueError("rows= (training on a row subset) is not available on a dask "
                             "array")
        check_epoch_args(optimizer, batch_size, seed)
        if not (isinstance(l2, numbers.Real) and l2 >= 0 and np.isfinite(l2)):
            raise ValueError(f"l2 must be a finite number >= 0, got {l2!r}")
        if not (isinstance(bn_momentum, numbers.Real) and 0 <= bn_momentum <= 1):
            raise ValueError(f"bn_momentum must be in [0, 1], got {bn_momentum!r}")
        net = self.net
        if not (isinstance(params, np.ndarray) and params.shape == (net.n_params,)
                and params.dtype == net.dtype and params.flags.writeable):
            raise ValueError(f"params must be a writeable ({net.n_params},) array of "
                             f"{net.dtype} (it is updated in place)")
        running = net._running(running, required=True)
        if net.batch_norm:
            for k, rows_k in enumerate(self.chunk_rows):
                batch = min(int(batch_size), rows_k)
                if rows_k and (batch < 2 or rows_k % batch == 1):
                    raise ValueError(
                        f"batch_size={batch_size} leaves a training batch of one sample in "
                        f"chunk {k} of X ({rows_k} rows; each chunk is cut into batches of "
                        f"its own), and batch normalization needs at least 2; choose another "
                        f"batch_size or rechunk X")
        net._optimizer_state(optimizer, params, net._segments(optimizer))
        config = dict(batch_size=int(batch_size), shuffle=bool(shuffle), l2=float(l2),
                      weight_scale=self.X.shape[0] / self.weight_sum,
                      bn_momentum=float(bn_momentum), dropout_seed=int(dropout_seed))
        state = self._chunks_in_turn((params, running, optimizer, 0.0), [
            (dict(config, seed=int(s)), n_threads) for s in chunk_seeds(seed, self.X.n_chunks)])
        new_params, new_running, new_opt, loss_sum = state
        params[...] = new_params
        if running is not None:
            running[...] = new_running
        optimizer.__dict__.update(new_opt.__dict__)
        return loss_sum / self.weight_sum

    def loss_grad(self, X, Y, params, *, l2=0.0, sample_weight=None, training=True,
                  running=None, n_threads=None):
        """The objective's value and gradient over every chunk (see the class docstring).

        Parameters are those of :meth:`fastoptim._network.Network.loss_grad` (X, Y and
        sample_weight this object's); in training, the network may have neither batch
        norm nor dropout (``training=False`` evaluates on the running statistics).

        Returns
        -------
        value : float
        grad : ndarray of shape (n_params,), of the network's dtype
        """
        self._check_own(X, Y, sample_weight)
        net = self.net
        if training and (net.batch_norm or net.dropout > 0):
            raise ValueError("on a dask array the objective is summed chunk by chunk, and batch "
                             "norm's statistics of all rows (and dropout's masks) do not split "
                             "over chunks; evaluate with training=False, or compute X")
        if not (isinstance(l2, numbers.Real) and l2 >= 0 and np.isfinite(l2)):
            raise ValueError(f"l2 must be a finite number >= 0, got {l2!r}")
        params = net._params(params)
        running = None if training else net._running(running, required=True, read_only=True)
        results = self._call("loss_grad", params, bool(training), running, n_threads)
        value = _add([r[0] for r in results]) / self.weight_sum
        grad = _add([r[1] for r in results]) / self.weight_sum
        if l2 > 0:  # the penalty on the weights (not the biases, gammas, betas), here
            theta = params.astype(np.float64)
            for W, G in zip(net.unpack(theta)[0], net.unpack(grad)[0]):
                value += 0.5 * l2 * float(np.einsum("ij,ij->", W, W))
                G += l2 * W
        return float(value), grad.astype(net.dtype)
