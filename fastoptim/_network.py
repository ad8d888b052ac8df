"""A multi-layer perceptron's shape, and its objective and forward pass over the C kernels.

Parameters live in one contiguous buffer, layer after layer: W^l of shape
(sizes[l-1], sizes[l]) in row-major order (scikit-learn's ``coefs_[l-1]``), then b^l
(``intercepts_[l-1]``), and with batch norm, after each hidden layer's b^l its gamma^l
and beta^l.  Batch norm's running statistics are a second buffer (``n_running`` values:
per hidden layer its mean, then its variance).  Each hidden layer is torch's
``Linear -> BatchNorm1d -> activation -> Dropout`` (the last two as configured).  The
objective (fo_mlp.h):

    F(theta) = sum_i w_i c_i / sum_i w_i + (l2 / 2) sum_l ||W^l||^2,

c_i the sample's cross-entropy (softmax output), log-loss summed over the outputs
(logistic output) or squared error / 2 summed over the outputs (identity output).
Matrix products run in scipy's BLAS (dgemm/sgemm), one single-threaded call per slab of a
team of at most ``n_threads`` OpenMP threads, which also runs the elementwise passes.

:class:`Network` is the networks' engine, as :class:`fastoptim.losses.Objective` and
:func:`fastoptim.optim.engine.run_epoch` are the linear models': it knows no estimator, so
it sits with the optimizers (README, "Layout"), below the dask adapter
(:class:`fastoptim._dask.DaskNetwork` trains it over the chunks of a dask array) and
below the estimators of :mod:`fastoptim.neural_network`, which re-exports it.
"""
from __future__ import annotations

import numbers
import re
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, DTypeLike

from ._blas import blas_n_threads, blas_threads
from ._core import _mlp, _status
from ._validation import as_float_data, check_rows, csr_parts
from .optim.engine import check_epoch_args
from .optim.optimizers import Optimizer

__all__ = ["Network", "PreparedData", "ACTIVATIONS", "OUTPUTS"]

ACTIVATIONS = tuple(_mlp.ACTIVATION_IDS)
OUTPUTS = tuple(_mlp.OUTPUT_IDS)


class PreparedData:
    """X as the C calls read it (Network.prepare): its shape, and the dense values or the CSR
    data, indices (int32) and indptr (int64).

    Each parameter is kept as the attribute of the same name.

    Parameters
    ----------
    shape : tuple of int
        ``(n_samples, n_features)`` of X.
    values : ndarray
        The dense values of X in row-major order (flattened), or the CSR data.
    indices : ndarray of int32 or None
        The CSR column indices; None for dense X.
    indptr : ndarray of int64 or None
        The CSR row pointers; None for dense X.
    """

    __slots__ = ("shape", "values", "indices", "indptr")

    def __init__(self, shape: tuple[int, int], values: np.ndarray, indices: np.ndarray | None,
                 indptr: np.ndarray | None) -> None:
        self.shape, self.values, self.indices, self.indptr = shape, values, indices, indptr

    @property
    def sparse(self) -> bool:
        """Whether X is sparse (CSR)."""
        return self.indices is not None


class Network:
    """The shape of a multi-layer perceptron: layer widths, hidden activation, output.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths ``(n_features, hidden_1, ..., hidden_{L-1}, n_outputs)``, each >= 1.
    activation : str, default='relu'
        The hidden units' function, one of 'identity', 'logistic', 'tanh',
        'relu', 'leaky_relu', 'gelu' (GELU in the exact erf form, torch's default).
    output : {'softmax', 'logistic', 'identity'}, default='softmax'
        The output layer and its cost: softmax + cross-entropy (``n_outputs >= 2``
        classes), sigmoid + log-loss per output, or identity + squared error / 2.
    leaky_slope : float, default=0.01
        The slope of 'leaky_relu' below zero (torch.nn.LeakyReLU's default).
    batch_norm : bool, default=False
        BatchNorm1d after each hidden affine layer (torch's semantics; gamma and beta are
        parameters, the running statistics a separate buffer).
    dropout : float in [0, 1), default=0.0
        Inverted dropout on the hidden units in training (the mask a counter-based draw
        from (seed, step, sample, layer, unit): the same for every thread count).
    bn_eps : float, default=1e-5
        BatchNorm1d's eps.
    dtype : {numpy.float64, numpy.float32}, default=numpy.float64
        The parameters' and the data's dtype.
    """

    def __init__(self, sizes: Sequence[int], activation: str = "relu", output: str = "softmax", *,
                 leaky_slope: float = 0.01, batch_norm: bool = False, dropout: float = 0.0,
                 bn_eps: float = 1e-5, dtype: DTypeLike = np.float64) -> None:
        sizes = tuple(sizes)
        if len(sizes) < 2 or len(sizes) - 1 > _mlp.MAX_LAYERS:
            raise ValueError(f"sizes must list the input width, the hidden widths and the "
                             f"output width (2 to {_mlp.MAX_LAYERS + 1} numbers), got {sizes}")
        if not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 1
                   for s in sizes):
            raise ValueError(f"sizes must be positive integers, got {sizes}")
        if activation not in _mlp.ACTIVATION_IDS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
        if output not in _mlp.OUTPUT_IDS:
            raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}")
        if output == "softmax" and sizes[-1] < 2:
            raise ValueError("output='softmax' needs at least 2 outputs (classes); use "
                             "output='logistic' for one binary output")
        if not (isinstance(leaky_slope, numbers.Real) and np.isfinite(leaky_slope)):
            raise ValueError(f"leaky_slope must be a finite number, got {leaky_slope!r}")
        if not (isinstance(dropout, numbers.Real) and 0 <= dropout < 1):
            raise ValueError(f"dropout must be a probability in [0, 1), got {dropout!r}")
        if not (isinstance(bn_eps, numbers.Real) and bn_eps > 0 and np.isfinite(bn_eps)):
            raise ValueError(f"bn_eps must be a finite number > 0, got {bn_eps!r}")
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise TypeError(f"dtype must be float32 or float64, got {dtype}")
        self.sizes = sizes
        self.activation = activation
        self.output = output
        self.leaky_slope = float(leaky_slope)
        self.batch_norm = bool(batch_norm)
        self.dropout = float(dropout)
        self.bn_eps = float(bn_eps)
        self.dtype = dtype
        self._sizes = np.asarray(sizes, dtype=np.int64)
        self._arch = dict(activation=_mlp.ACTIVATION_IDS[activation],
                          output=_mlp.OUTPUT_IDS[output], leaky_slope=self.leaky_slope,
                          batch_norm=self.batch_norm, bn_eps=self.bn_eps, dropout=self.dropout)
        self.n_params = int(_mlp.n_params(self._sizes, self.batch_norm))
        self.n_running = int(_mlp.n_running(self._sizes, self.batch_norm))

    @property
    def n_layers(self) -> int:
        """The number of affine layers (hidden layers + 1)."""
        return len(self.sizes) - 1

    def _layout(self):
        """(name, layer, shape) of each piece of the parameter buffer, in order."""
        out = []
        for l, (d_in, d_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            out += [("coefs", l, (d_in, d_out)), ("intercepts", l, (d_out,))]
            if self.batch_norm and l < self.n_layers - 1:
                out += [("gammas", l, (d_out,)), ("betas", l, (d_out,))]
        return out

    @property
    def param_names(self) -> list[str]:
        """The names of the arrays of the parameter buffer, in its order: per layer l
        ``'weights[l]'`` and ``'biases[l]'``, with batch norm each hidden layer's
        ``'gammas[l]'`` and ``'betas[l]'`` after its biases -- the order of torch's
        ``model.parameters()`` for the same ``nn.Sequential``.

        An optimizer's ``param_groups`` (:class:`fastoptim.optim.Optimizer`) name a
        network's arrays by an index into this list or by a name: one of these,
        ``'weights'``, ``'biases'``, ``'gammas'`` or ``'betas'`` (that array of every
        layer; none for gammas and betas without batch norm), the same with a negative
        layer (``'weights[-1]'``: the output layer's), or ``'layers[l]'`` (every array of
        layer l).
        """
        kinds = dict(coefs="weights", intercepts="biases", gammas="gammas", betas="betas")
        return [f"{kinds[name]}[{l}]" for name, l, _ in self._layout()]

    def _group_members(self, name):
        """The indices into param_names of a parameter group's name (a ValueError for a
        name of no array)."""
        match = re.fullmatch(r"(weights|biases|gammas|betas|layers)(?:\[(-?\d+)\])?", name)
        if match is None or (match.group(1) == "layers" and match.group(2) is None):
            raise ValueError(f"{name!r} names no arrays of a network: use 'weights', 'biases', "
                             f"'gammas', 'betas', one of them with a layer ('weights[-1]'), "
                             f"'layers[l]', or an index into Network.param_names")
        kind, layer = match.group(1), match.group(2)
        layout = self._layout()
        if layer is None:
            return [i for i, n in enumerate(self.param_names) if n.startswith(kind + "[")]
        bn = kind in ("gammas", "betas")
        count = (self.n_layers - 1 if self.batch_norm else 0) if bn else self.n_layers
        if not -count <= int(layer) < count:
            raise ValueError(f"{name!r} names no arrays of this network: it has {count} "
                             f"{'hidden layers with batch norm' if bn else 'layers'}")
        l = int(layer) % count
        if kind == "layers":
            return [i for i, (_, at, _) in enumerate(layout) if at == l]
        return [self.param_names.index(f"{kind}[{l}]")]

    def _segments(self, optimizer):
        """None for an optimizer without parameter groups, else the parts of the parameter
        buffer and their groups: rows (offset, length, index into optimizer._chains()),
        the arrays of one group side by side merged."""
        if not optimizer._groups:
            return None
        owners = optimizer._group_of(len(self._layout()), resolve=self._group_members,
                                     what="the network's list of arrays (Network.param_names)",
                                     names=self.param_names)
        rows, at = [], 0
        for (_, _, shape), k in zip(self._layout(), owners):
            size = int(np.prod(shape))
            if rows and rows[-1][2] == k:
                rows[-1][1] += size
            else:
                rows.append([at, size, k])
            at += size
        return np.array(rows, dtype=np.int64)

    def _optimizer_state(self, optimizer, params, segments):
        """The optimizer's state over the parameter buffer, created at the first epoch: the
        arrays of every group's chain, each part initialized by its group's."""
        optimizer._check_state([params])
        if optimizer.state is None:
            if segments is None:
                optimizer.state = optimizer._init_state([params])
            else:
                chains = optimizer._chains()
                names = sorted({n for c in chains for t in c.transforms for n in t.state_names})
                state = {name: np.zeros_like(params) for name in names}
                for offset, length, k in segments:
                    part = slice(offset, offset + length)
                    for name, a in optimizer._init_state([params[part]], [chains[k]])[0].items():
                        state[name][part] = a
                optimizer.state = [state]
        return optimizer.state[0]

    def unpack(self, params: ArrayLike, *, batch_norm: bool = False) -> tuple[list[np.ndarray], ...]:
        """``(coefs, intercepts)``: lists of views into ``params`` (scikit-learn's layout);
        with ``batch_norm=True``, ``(coefs, intercepts, gammas, betas)`` (gammas and betas:
        one per hidden layer).

        Parameters
        ----------
        params : array-like of shape (n_params,)
            A parameter buffer of this network.  When it is an ndarray the
            pieces returned are views: writing to them writes into ``params``.
        batch_norm : bool, default=False
            Also return the batch-norm gammas and betas (empty lists for a
            network without batch norm).

        Returns
        -------
        tuple of list of ndarray
            ``coefs[l]`` of shape ``(sizes[l], sizes[l + 1])`` and
            ``intercepts[l]`` of shape ``(sizes[l + 1],)`` per layer l, then with
            ``batch_norm=True`` ``gammas`` and ``betas``, one of shape
            ``(sizes[l + 1],)`` per hidden layer l.
        """
        params = np.asarray(params)
        if params.shape != (self.n_params,):
            raise ValueError(f"params must have shape ({self.n_params},), got {params.shape}")
        parts = dict(coefs=[], intercepts=[], gammas=[], betas=[])
        at = 0
        for name, _, shape in self._layout():
            size = int(np.prod(shape))
            parts[name].append(params[at:at + size].reshape(shape))
            at += size
        if batch_norm:
            return parts["coefs"], parts["intercepts"], parts["gammas"], parts["betas"]
        return parts["coefs"], parts["intercepts"]

    def unpack_running(self, running: ArrayLike) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """``(means, variances)``: per hidden layer, views into the running statistics.

        Parameters
        ----------
        running : array-like of shape (n_running,)
            Batch norm's running statistics of this network (e.g. from
            :meth:`new_running`); the pieces returned are views of an ndarray.

        Returns
        -------
        means, variances : list of ndarray
            Per hidden layer, its running means and running variances (empty
            lists without batch norm).
        """
        running = np.asarray(running)
        if running.shape != (self.n_running,):
            raise ValueError(f"running must have shape ({self.n_running},), got {running.shape}")
        means, variances, at = [], [], 0
        if self.batch_norm:
            for d in self.sizes[1:-1]:
                means.append(running[at:at + d])
                variances.append(running[at + d:at + 2 * d])
                at += 2 * d
        return means, variances

    def new_running(self) -> np.ndarray:
        """Fresh running statistics (means 0, variances 1, as torch's BatchNorm1d)."""
        running = np.zeros(self.n_running, dtype=self.dtype)
        for v in self.unpack_running(running)[1]:
            v[:] = 1.0
        return running

    def pack(self, coefs: Sequence[ArrayLike], intercepts: Sequence[ArrayLike],
             gammas: Sequence[ArrayLike] | None = None,
             betas: Sequence[ArrayLike] | None = None) -> np.ndarray:
        """One parameter buffer of :attr:`dtype` from per-layer weights and biases (and, with
        batch norm, per hidden layer gamma and beta: default ones and zeros).

        Parameters
        ----------
        coefs : sequence of array-like
            Per layer l, the weights of shape ``(sizes[l], sizes[l + 1])``
            (scikit-learn's ``coefs_``).
        intercepts : sequence of array-like
            Per layer l, the biases of shape ``(sizes[l + 1],)``.
        gammas : sequence of array-like, optional
            With batch norm, per hidden layer l the scales of shape
            ``(sizes[l + 1],)``; None (the default): ones.  Ignored without
            batch norm.
        betas : sequence of array-like, optional
            With batch norm, per hidden layer the shifts; None (the default):
            zeros.  Ignored without batch norm.

        Returns
        -------
        ndarray of shape (n_params,)
            A new buffer of :attr:`dtype`, in the layout :meth:`unpack` reads.
        """
        if len(coefs) != self.n_layers or len(intercepts) != self.n_layers:
            raise ValueError(f"coefs and intercepts must hold {self.n_layers} arrays each, got "
                             f"{len(coefs)} and {len(intercepts)}")
        n_hidden = self.n_layers - 1 if self.batch_norm else 0
        hidden = self.sizes[1:-1]
        gammas = [np.ones(d) for d in hidden] if gammas is None else list(gammas)
        betas = [np.zeros(d) for d in hidden] if betas is None else list(betas)
        if self.batch_norm and (len(gammas) != n_hidden or len(betas) != n_hidden):
            raise ValueError(f"gammas and betas must hold {n_hidden} arrays each (one per "
                             f"hidden layer), got {len(gammas)} and {len(betas)}")
        given = dict(coefs=coefs, intercepts=intercepts, gammas=gammas, betas=betas)
        parts = []
        for name, l, shape in self._layout():
            a = np.asarray(given[name][l])
            if a.shape != shape:
                raise ValueError(f"layer {l}: {name} must have shape {shape}, got {a.shape}")
            parts.append(a.ravel())
        return np.concatenate(parts).astype(self.dtype)

    def prepare(self, X: ArrayLike | sp.spmatrix | sp.sparray | PreparedData) -> PreparedData:
        """X validated and laid out for the C calls once (C-contiguous in :attr:`dtype`, or
        CSR with int32 indices and int64 indptr): pass the result wherever a method takes X,
        so that a fit's epochs and evaluations do not redo the checks and conversions.

        Parameters
        ----------
        X : array-like, sparse matrix or PreparedData of shape (n_samples, sizes[0])
            The data, converted to :attr:`dtype`; a PreparedData (of this
            network's dtype and width) is returned as it is.

        Returns
        -------
        PreparedData
            X's shape and its dense values or CSR arrays.
        """
        if isinstance(X, PreparedData):
            self._check_prepared(X)
            return X
        X = as_float_data(X, "X", dtype=self.dtype)
        if X.shape[1] != self.sizes[0]:
            raise ValueError(f"X has {X.shape[1]} features, the network takes {self.sizes[0]}")
        if sp.issparse(X):
            values, indices, indptr = csr_parts(X, "X")
        else:
            values, indices, indptr = X.reshape(-1), None, None
        return PreparedData(X.shape, values, indices, indptr)

    def _check_prepared(self, data):
        if data.values.dtype != self.dtype or data.shape[1] != self.sizes[0]:
            raise ValueError(f"prepared X has {data.shape[1]} features of {data.values.dtype}; "
                             f"the network takes {self.sizes[0]} of {self.dtype}")

    def _data(self, X):
        data = self.prepare(X)
        return data.shape[0], data.values, data.indices, data.indptr

    def _targets(self, Y, sample_weight, n):
        """Y as a C-contiguous (n, n_outputs) array and the weights (or None), in :attr:`dtype`."""
        Y = np.ascontiguousarray(Y, dtype=self.dtype)
        if Y.shape != (n, self.sizes[-1]):
            raise ValueError(f"Y must have shape ({n}, {self.sizes[-1]}), got {Y.shape}")
        if sample_weight is None:
            return Y, None
        sw = np.ascontiguousarray(sample_weight, dtype=self.dtype)
        if sw.shape != (n,):
            raise ValueError(f"sample_weight must have shape ({n},), got {sw.shape}")
        return Y, sw

    def _params(self, params):
        params = np.asarray(params)
        if params.shape != (self.n_params,) or params.dtype != self.dtype:
            raise ValueError(f"params must be a ({self.n_params},) array of {self.dtype}, got "
                             f"{params.shape} of {params.dtype}")
        return np.ascontiguousarray(params)

    def _team(self, n_threads, flops):
        """The architecture with the thread team for a call: the C code runs the products
        (single-threaded BLAS calls on slabs) and the elementwise passes on one team of
        ``blas_n_threads(n_threads, flops)`` OpenMP threads, BLAS itself held at one thread --
        one pool instead of two, so that no pool spins beside the other's work."""
        return dict(self._arch, n_threads=int(blas_n_threads(n_threads, flops)))

    def _flops(self, n):
        return 6.0 * n * sum(a * b for a, b in zip(self.sizes[:-1], self.sizes[1:]))

    def _running(self, running, required, name="running", read_only=False):
        if not self.batch_norm:
            return None
        if running is None:
            if required:
                raise ValueError(f"{name} is required with batch_norm=True: the running "
                                 f"statistics (Network.new_running() for fresh ones)")
            return None
        if read_only and isinstance(running, np.ndarray) and running.shape == (self.n_running,):
            return np.ascontiguousarray(running, dtype=self.dtype)
        if not (isinstance(running, np.ndarray) and running.shape == (self.n_running,)
                and running.dtype == self.dtype and running.flags.c_contiguous
                and running.flags.writeable):
            raise ValueError(f"{name} must be a writeable C-contiguous ({self.n_running},) "
                             f"array of {self.dtype}")
        return running

    def loss_grad(self, X: ArrayLike | sp.spmatrix | sp.sparray | PreparedData, Y: ArrayLike,
                  params: ArrayLike, *, l2: float = 0.0, sample_weight: ArrayLike | None = None,
                  training: bool = True, running: np.ndarray | None = None,
                  bn_momentum: float = 0.0, dropout_seed: int = 0, dropout_step: int = 0,
                  n_threads: int | None = None) -> tuple[float, np.ndarray]:
        """The objective's value and gradient (one forward and one backward pass).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, sizes[0])
            The inputs (or what :meth:`prepare` returned for them).
        Y : ndarray of shape (n_samples, sizes[-1])
            Targets: one-hot rows (softmax), values in [0, 1] (logistic) or real values.
        params : ndarray of shape (n_params,)
            The parameter buffer (of :attr:`dtype`) where the objective is taken;
            not modified.
        l2 : float, default=0.0
            The weights' penalty coefficient (biases, gammas and betas are not penalized).
        sample_weight : ndarray of shape (n_samples,), optional
            The samples' weights w_i of the objective; None (the default): every
            weight is 1.
        training : bool, default=True
            Batch norm on the statistics of all of X's rows (the whole of X is one batch)
            and dropout on; False: batch norm on ``running``, no dropout.
        running : ndarray of shape (n_running,), optional
            Batch norm's running statistics: read in evaluation (required there), moved
            by ``bn_momentum`` in training.
        bn_momentum : float, default=0.0
            How far the running statistics move in training (0: not at all).
        dropout_seed, dropout_step : int, default=0
            The dropout mask's key and step counter (fixed: the same mask at every call).
        n_threads : int, optional
            Threads of the team (``None``: by a block's work, fastoptim._blas's rule).

        Returns
        -------
        value : float
        grad : ndarray of shape (n_params,), of :attr:`dtype`
        """
        n, values, indices, indptr = self._data(X)
        Y, sw = self._targets(Y, sample_weight, n)
        params = self._params(params)
        running = self._running(running, required=not training)
        if self.batch_norm and training and n < 2:
            raise ValueError("batch normalization needs at least 2 samples in a training "
                             "batch (X has 1); pass more rows or training=False")
        grad = np.empty(self.n_params, dtype=self.dtype)
        mode = dict(training=bool(training), bn_momentum=float(bn_momentum),
                    dropout_seed=int(dropout_seed) & (2 ** 64 - 1), dropout_step=int(dropout_step))
        block = n if (self.batch_norm and training) else min(n, 256)  # fo_mlp.h's blocks
        arch = self._team(n_threads, self._flops(block))
        with blas_threads(1):
            status, value = _mlp.loss_grad(self._sizes, arch, mode, values, indices, indptr, n,
                                           Y.reshape(-1), sw, params, float(l2), running, grad)
        _status.check_status(status, {
            _status.ERR_NONFINITE: "the network's loss or gradient is not finite (NaN or "
                                   "infinity in X, Y or params, or scores that overflow)",
            _status.ERR_BAD_ARGUMENT: "bad network arguments: l2 must be >= 0, bn_momentum in "
                                      "[0, 1] and the sample weights must sum to a positive "
                                      "finite number"})
        return value, grad

    def train_epoch(self, X: ArrayLike | sp.spmatrix | sp.sparray | PreparedData, Y: ArrayLike,
                    params: np.ndarray, optimizer: Optimizer, *, batch_size: int, seed: int = 0,
                    shuffle: bool = True, l2: float = 0.0,
                    sample_weight: ArrayLike | None = None, running: np.ndarray | None = None,
                    bn_momentum: float = 0.1, dropout_seed: int = 0,
                    workspace: np.ndarray | None = None, n_threads: int | None = None,
                    rows: ArrayLike | None = None, weight_scale: float | None = None) -> float:
        """One epoch of mini-batch training in C, in place, without the GIL.

        Each batch B takes the gradient of ``s / |B| sum_{i in B} w_i c_i + l2/2
        sum ||W||^2`` (s: ``weight_scale``, by default n / sum(w)) and one step of the
        optimizer's update rule over the whole parameter buffer (fastoptim.optim's rules,
        the same C code as the linear engine).

        Parameters
        ----------
        X, Y, params, l2, sample_weight
            As in :meth:`loss_grad`; ``params`` is updated in place.
        optimizer : fastoptim.optim.Optimizer
            Its rule, lr and state (created at the first epoch, one array like ``params``);
            ``n_steps`` advances by the number of batches.  Its ``param_groups`` name the
            network's arrays (:attr:`param_names`): each group's part of the buffer steps
            by the group's rule, in the same C pass.
        batch_size : int >= 1
            Clipped to n_samples.
        seed : int, default=0
            This epoch's shuffle (fastoptim.optim.engine.epoch_permutation(n, seed)).
        shuffle : bool, default True
            Visit the rows in the shuffled order of ``seed`` (True) or in storage
            order (False).
        running : ndarray of shape (n_running,), optional
            Batch norm's running statistics (required with batch norm), updated in place
            after each batch's forward pass.
        bn_momentum : float, default=0.1
            torch's convention: running <- (1 - momentum) running + momentum batch statistic.
        dropout_seed : int, default=0
            The dropout masks' key (the step counter is the optimizer's step).
        workspace : ndarray, optional
            Scratch from :meth:`epoch_workspace`, kept across epochs so that an epoch
            allocates nothing (None: the epoch allocates its own buffers).
        n_threads : int, optional
            Threads of the team (``None``: by a batch's work).
        rows : array-like of int, optional
            Train on the row subset ``X[rows]`` without copying X (early stopping's training
            rows): X, Y and sample_weight keep every row, and the epoch is the one over
            copies of those rows, bit for bit (n below is ``len(rows)``; the workspace from
            ``epoch_workspace(len(rows), ..., subset=True)``).
        weight_scale : float > 0, optional
            The factor s of the weights above; default ``n / sum(w)`` over the rows trained
            (1 without weights: mean weight 1).  A part of a larger data set trained in
            turn (the chunks of a dask array, :class:`fastoptim._dask.DaskNetwork`) passes
            the whole set's factor, so that each step is the one an epoch over the whole
            set takes on that batch.

        Returns
        -------
        float
            The weighted mean of the per-sample costs, each taken when its batch was visited.

        Raises
        ------
        FloatingPointError
            When a cost or a gradient stopped being finite; the parameters are those after
            the last good step (the running statistics have seen the failed batch's forward
            pass: keep a copy to roll them back too).
        """
        check_epoch_args(optimizer, batch_size, seed)
        if not (isinstance(l2, numbers.Real) and l2 >= 0 and np.isfinite(l2)):
            raise ValueError(f"l2 must be a finite number >= 0, got {l2!r}")
        n_all, values, indices, indptr = self._data(X)
        Y, sw = self._targets(Y, sample_weight, n_all)
        if rows is not None:
            rows = check_rows(rows, n_all)
        n = n_all if rows is None else len(rows)
        default_scale = 1.0
        if sw is not None:
            sw_used = sw if rows is None else sw[rows]
            total = float(np.sum(sw_used, dtype=np.float64))
            # with the whole set's weight_scale, a part may weigh nothing (its steps are 0)
            if not (np.all(np.isfinite(sw_used)) and np.all(sw_used >= 0)
                    and (total > 0 or weight_scale is not None)):
                raise ValueError("sample_weight must be finite, >= 0 and not all zero")
            default_scale = n / total if total > 0 else 1.0
        if weight_scale is None:
            weight_scale = default_scale
        elif isinstance(weight_scale, (bool, np.bool_)) or not (
                isinstance(weight_scale, numbers.Real) and np.isfinite(weight_scale)
                and weight_scale > 0):
            raise ValueError(f"weight_scale must be a finite number > 0 (or None for "
                             f"n / sum(sample_weight)), got {weight_scale!r}")
        if not (isinstance(params, np.ndarray) and params.shape == (self.n_params,)
                and params.dtype == self.dtype and params.flags.c_contiguous
                and params.flags.writeable):
            raise ValueError(f"params must be a writeable C-contiguous ({self.n_params},) array "
                             f"of {self.dtype} (it is updated in place)")
        running = self._running(running, required=True)
        batch = int(min(batch_size, n))
        if self.batch_norm and (batch < 2 or n % batch == 1):
            raise ValueError(f"batch_size={batch_size} leaves a training batch of one sample "
                             f"({n} samples), and batch normalization needs at least 2; choose "
                             f"another batch_size")
        if not (isinstance(bn_momentum, numbers.Real) and 0 <= bn_momentum <= 1):
            raise ValueError(f"bn_momentum must be in [0, 1], got {bn_momentum!r}")
        segments = self._segments(optimizer)
        state = self._optimizer_state(optimizer, params, segments)
        groups = None if segments is None else optimizer._next_rules()
        flat = lambda k: None if state.get(k) is None else state[k].reshape(-1)
        config = dict(batch_size=batch, seed=int(seed) & (2 ** 64 - 1), shuffle=bool(shuffle),
                      l2=float(l2), weight_scale=float(weight_scale),
                      bn_momentum=float(bn_momentum),
                      dropout_seed=int(dropout_seed) & (2 ** 64 - 1))
        if workspace is not None:
            if not (isinstance(workspace, np.ndarray) and workspace.dtype == np.uint64
                    and workspace.ndim == 1 and workspace.flags.c_contiguous
                    and workspace.flags.writeable):
                raise ValueError("workspace must come from Network.epoch_workspace")
            config["workspace"] = workspace
        spec = optimizer._next_rule()
        arch = self._team(n_threads, self._flops(batch))
        with blas_threads(1):
            status, mean_loss, carried = _mlp.epoch(
                self._sizes, arch, config, spec, values, indices, indptr, n_all, Y.reshape(-1),
                sw, params, running, flat("s1"), flat("s2"), flat("s3"), rows, groups, segments)
        optimizer._took_steps(carried)
        if status == _status.ERR_NONFINITE:
            raise FloatingPointError(
                f"training diverged: with lr={optimizer.lr:g} the network's loss or gradient "
                f"stopped being finite (the parameters are those of the last good step); try "
                f"a smaller learning rate")
        _status.check_status(status)
        return mean_loss

    def epoch_workspace(self, n_samples: int, batch_size: int, *, shuffle: bool = True,
                        sparse: bool = False, subset: bool = False) -> np.ndarray:
        """Scratch for :meth:`train_epoch` over n_samples rows (the permutation and the
        batch's buffers), as a uint64 array to keep across epochs; subset: for epochs over
        a row subset of n_samples rows (``rows=``).

        Parameters
        ----------
        n_samples : int
            The rows each epoch trains on (``len(rows)`` for a row subset).
        batch_size : int
            The epochs' ``batch_size``.
        shuffle : bool, default=True
            The epochs' ``shuffle``.
        sparse : bool, default=False
            Whether the epochs' X is sparse (CSR).
        subset : bool, default=False
            Whether the epochs train on a row subset (``rows=``).

        Returns
        -------
        ndarray of uint64
            Uninitialized scratch, to pass as ``workspace`` to :meth:`train_epoch`
            calls with these settings.
        """
        nbytes = _mlp.epoch_workspace(self._sizes, self._arch, int(n_samples), int(batch_size),
                                      bool(shuffle), not sparse, self.dtype == np.float32,
                                      bool(subset))
        if nbytes < 0:
            raise ValueError(f"no workspace for n_samples={n_samples}, batch_size={batch_size}")
        return np.empty((nbytes + 7) // 8, dtype=np.uint64)

    def forward(self, X: ArrayLike | sp.spmatrix | sp.sparray | PreparedData, params: ArrayLike, *,
                running: np.ndarray | None = None, n_threads: int | None = None,
                rows: ArrayLike | None = None) -> np.ndarray:
        """The output layer's activations (probabilities, or values for 'identity'), in
        evaluation mode: batch norm on ``running`` (required with batch norm), no dropout.
        ``rows``: those of the row subset ``X[rows]`` only, read in place (no copy of X;
        early stopping's validation rows), the bits of a forward pass over their copy.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, sizes[0])
            The inputs (or what :meth:`prepare` returned for them).
        params : ndarray of shape (n_params,)
            The parameter buffer, of :attr:`dtype`.
        running : ndarray of shape (n_running,), optional
            Batch norm's running statistics; required with batch norm, unused
            without.  Read only.
        n_threads : int, optional
            Threads of the team (``None``: by a block's work).
        rows : array-like of int, optional
            Compute the outputs of the rows ``X[rows]`` only; None (the
            default): every row.

        Returns
        -------
        out : ndarray of shape (n_samples, sizes[-1]) (``(len(rows), sizes[-1])``), of
            :attr:`dtype`
        """
        n_all, values, indices, indptr = self._data(X)
        if rows is not None:
            rows = check_rows(rows, n_all)
        n = n_all if rows is None else len(rows)
        params = self._params(params)
        running = self._running(running, required=True, read_only=True)
        out = np.empty((n, self.sizes[-1]), dtype=self.dtype)
        arch = self._team(n_threads, self._flops(min(n, 256)) / 3.0)
        with blas_threads(1):
            status = _mlp.forward(self._sizes, arch, values, indices, indptr, n_all, params,
                                  running, out.reshape(-1), rows)
        _status.check_status(status, {
            _status.ERR_NONFINITE: "the network's outputs are not finite (NaN or infinity in "
                                   "X or params, or scores that overflow)"})
        return out
