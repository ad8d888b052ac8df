r"""MLPClassifier and MLPRegressor: multi-layer perceptrons trained by fastoptim's optimizers.

The objective, for the training rows (weights w_i: sample_weight times class_weight):

.. math::

    F(\theta) = \frac{\sum_i w_i c_i(\theta)}{\sum_i w_i}
                + \frac{\alpha}{2 n} \sum_l \lVert W^l \rVert_F^2

c_i the cross-entropy of the softmax output (multiclass), the log-loss of a sigmoid
output (binary: one output; multilabel: one per label) or the squared error / 2 summed
over the outputs (regression); n the number of training rows (with weights, the sum of
the sample weights times the class weights: a weight counts as repetitions).  ``alpha / n`` is
scikit-learn's L2 penalty of its L-BFGS objective; for mini-batches scikit-learn instead
adds ``alpha / |B|`` to each batch's gradient, so its SGD with batch size B minimizes the
objective above with ``alpha_fastoptim = alpha_sklearn n / B`` (the same value for every
solver and batch size here).  Biases, gammas and betas are not penalized.

Each hidden layer is torch's ``Linear -> [BatchNorm1d] -> activation -> [Dropout]``
(../shared/MATH.md, "Neural networks"; Ioffe & Szegedy 2015; Srivastava et al. 2014).

Solvers: a name or a fastoptim.optim optimizer object (deep-copied at fit); each epoch is
one C call (fo_mlp_epoch: seeded shuffle, gather, forward, backward, the update rule over
the one parameter buffer -- with the optimizer's ``param_groups``, torch's parameter
groups naming the network's arrays such as ``'biases'`` or ``'weights[-1]'``, each
group's rule over its parts of the buffer).  Two solvers work on the full-batch objective (with batch norm:
the statistics of all training rows), one C evaluation of value and gradient at a time:
'lbfgs', scipy's L-BFGS-B, and 'gd', gradient descent with Armijo backtracking
(:func:`fastoptim.optim.line_search.armijo_descent`, as LogisticRegression's 'gd': each
step satisfies :math:`F(\theta - \eta g) \le F(\theta) - 10^{-4} \eta \lVert g \rVert^2`,
the rate halved until it does and doubled for the next step).

============  ==================================  ==========================
name          optimizer                           learning_rate='auto'
============  ==================================  ==========================
'gd'          full batch, Armijo line search      (the line search's)
'sgd'         SGD(lr)                             0.01
'momentum'    SGD(lr, momentum=0.9)               0.01
'nesterov'    SGD(lr, momentum=0.9, nesterov)     0.01
'adagrad'     Adagrad(lr)                         0.01 (torch's default)
'rmsprop'     RMSProp(lr)                         0.001
'adam'        Adam(lr)                            0.001 (torch's, scikit-learn's)
'adamw'       AdamW(lr)                           0.001 (torch's)
'adadelta'    Adadelta(lr)                        1.0 (torch's: its steps are
                                                  unit-free ratios)
'adamax'      Adamax(lr)                          0.002 (torch's)
'radam'       RAdam(lr)                           0.001 (torch's)
'nadam'       NAdam(lr)                           0.002 (torch's)
'rprop'       Rprop(lr)                           0.01 (torch's: the initial
                                                  step size, read once)
'asgd'        ASGD(lr)                            0.01 (torch's)
============  ==================================  ==========================

Rprop is a full-batch method (torch's note: only the gradient's signs count, and a
mini-batch's are noisy): give it ``batch_size=n_samples``; its rate is its step sizes'
start, so a ``schedule`` does nothing to it.  ASGD steps the network's weights, which
the estimator predicts with; its average (``_optimizer.averaged()``, the point of
Polyak & Juditsky's method) is kept, not used.

Stopping (scikit-learn's rule): after each epoch, the training loss (or with
``early_stopping`` the validation score: accuracy, or R^2 for the regressor) that does
not improve by ``tol`` on the best so far counts one stale epoch; more than
``n_iter_no_change`` stale epochs in a row stop the fit.  With early stopping the weights
(and running statistics) of the best validation score are restored.

Dask arrays (fastoptim._dask, "Networks"): ``fit`` and ``partial_fit`` take a
``dask.array`` X chunked along rows (dense or scipy.sparse chunks); the chunks stay on
their workers and each epoch trains them in turn, one C epoch on the worker that holds
the chunk, the network's state (parameters, running statistics, optimizer) handed from
chunk to chunk; the shuffle is within chunks.  y and sample_weight may be NumPy or dask
arrays (gathered once).  Refused with what to do instead: a column split
(``X.rechunk({1: -1})``), ``early_stopping=True`` and the full-batch solvers ('lbfgs',
'gd') with batch norm.
``predict``, ``predict_proba`` and ``predict_log_proba`` of a dask array are lazy dask
arrays.
"""
from __future__ import annotations

import copy
import numbers
from typing import TYPE_CHECKING

import numpy as np
import scipy.optimize
import scipy.sparse as sp

from .._dask import DaskData, DaskNetwork
from .._validation import check_rate_settings, check_scalar, is_dask_collection
from ..base import (BaseEstimator, ClassifierMixin, RegressorMixin, as_random_state,
                    available_if, check_is_fitted, check_two_classes, class_sample_weights,
                    partial_fit_classes, validate_labels, validate_sample_weight, validate_X,
                    validate_y)
from ..exceptions import ConvergenceWarning, warn
from ..optim import (ASGD, SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, NAdam, Optimizer, RAdam,
                     RMSProp, Rprop)
from ..optim.line_search import armijo_descent
from ..optim.schedules import ReduceOnPlateau, apply as apply_schedule
from ._init import INITS, initial_layers
from .._network import ACTIVATIONS, Network

if TYPE_CHECKING:  # the annotations' names (never evaluated at run time)
    from collections.abc import Callable
    from typing import Self

    from numpy.typing import ArrayLike

    from ..optim import Optimizer

__all__ = ["MLPClassifier", "MLPRegressor", "SOLVERS"]

SOLVERS = ("gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "adadelta",
           "adamax", "radam", "nadam", "rprop", "asgd", "lbfgs")
FULL_BATCH = ("lbfgs", "gd")  # deterministic objective: no dropout, schedule nor partial_fit

_AUTO_LR = {"sgd": 1e-2, "momentum": 1e-2, "nesterov": 1e-2, "adagrad": 1e-2,
            "rmsprop": 1e-3, "adam": 1e-3, "adamw": 1e-3, "adadelta": 1.0, "adamax": 2e-3,
            "radam": 1e-3, "nadam": 2e-3, "rprop": 1e-2, "asgd": 1e-2}


def _make_optimizer(solver, learning_rate):
    """A fresh optimizer for a solver name or object."""
    if isinstance(solver, Optimizer):
        opt = copy.deepcopy(solver)
        opt.reset()
        if not isinstance(learning_rate, str):
            opt.lr = float(learning_rate)
        return opt
    lr = _AUTO_LR[solver] if isinstance(learning_rate, str) else float(learning_rate)
    if solver == "sgd":
        return SGD(lr=lr)
    if solver in ("momentum", "nesterov"):
        return SGD(lr=lr, momentum=0.9, nesterov=solver == "nesterov")
    return {"adagrad": Adagrad, "rmsprop": RMSProp, "adam": Adam, "adamw": AdamW,
            "adadelta": Adadelta, "adamax": Adamax, "radam": RAdam, "nadam": NAdam,
            "rprop": Rprop, "asgd": ASGD}[solver](lr=lr)


def _count(X, sw):
    """The penalty's n: the rows, or the sum of their weights (a weight is a repetition)."""
    return float(X.shape[0]) if sw is None else float(np.sum(sw, dtype=np.float64))


def _solver_name(solver):
    return repr(solver) if isinstance(solver, str) else type(solver).__name__


class _BaseMLP(BaseEstimator):
    """The fit loop and the fitted state shared by MLPClassifier and MLPRegressor."""

    _output_kinds = ()
    _dask_fit = True  # dask arrays: fastoptim._dask.DaskNetwork (the chunks in turn)
    _dask_whole_rows = True  # a column split is refused, not merged (a full reshuffle)

    # -- parameters ----------------------------------------------------------------------

    def _check_params(self):
        h = self.hidden_layer_sizes
        if isinstance(h, numbers.Integral) and not isinstance(h, bool):
            h = (h,)
        try:
            h = tuple(h)
        except TypeError:
            raise TypeError(f"hidden_layer_sizes must be a sequence of positive ints such as "
                            f"(100,) or (256, 128), got {self.hidden_layer_sizes!r}") from None
        if len(h) == 0 or not all(isinstance(s, numbers.Integral) and not isinstance(s, bool)
                                  and s >= 1 for s in h):
            raise ValueError(f"hidden_layer_sizes must list one or more positive layer widths, "
                             f"such as (100,) or (256, 128), got {self.hidden_layer_sizes!r}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {self.activation!r}")
        if not (isinstance(self.solver, Optimizer) or self.solver in SOLVERS):
            raise ValueError(f"solver must be one of {SOLVERS} or a fastoptim.optim optimizer "
                             f"object, got {self.solver!r}")
        if self.init not in INITS:
            raise ValueError(f"init must be one of {INITS}, got {self.init!r}")
        check_scalar(self.alpha, "alpha", min_value=0.0)
        lr = self.learning_rate
        if not (isinstance(lr, str) and lr == "auto"):
            if isinstance(lr, (bool, np.bool_)) or not isinstance(lr, numbers.Real) \
                    or not np.isfinite(lr) or lr <= 0:
                raise ValueError(f"learning_rate must be 'auto' or a number > 0, got {lr!r}")
        b = self.batch_size
        if not (b is None or (isinstance(b, str) and b == "auto")):
            if isinstance(b, (bool, np.bool_)) or not isinstance(b, numbers.Integral):
                raise TypeError(f"batch_size must be 'auto' or an int >= 1, got {b!r}")
            if b < 1:
                raise ValueError(f"batch_size must be >= 1, got {b}")
        check_scalar(self.max_iter, "max_iter", min_value=1, kind=numbers.Integral)
        check_scalar(self.max_fun, "max_fun", min_value=1, kind=numbers.Integral)
        check_scalar(self.n_iter_no_change, "n_iter_no_change", min_value=1,
                     kind=numbers.Integral)
        check_scalar(self.tol, "tol", min_value=0.0)
        vf = self.validation_fraction
        if isinstance(vf, (bool, np.bool_)) or not isinstance(vf, numbers.Real) or not 0 < vf < 1:
            raise ValueError(f"validation_fraction must be in (0, 1), got {vf!r}")
        d = self.dropout
        if isinstance(d, (bool, np.bool_)) or not isinstance(d, numbers.Real) or not 0 <= d < 1:
            raise ValueError(f"dropout must be a probability in [0, 1) (the fraction of hidden "
                             f"units zeroed in training), got {d!r}")
        if self.solver in FULL_BATCH and d > 0:
            raise ValueError(f"dropout needs a stochastic solver: {self.solver!r}'s line search "
                             f"needs the same objective at every evaluation; use solver='adam' "
                             f"(or another stochastic solver), or dropout=0")
        if self.schedule is not None and not callable(self.schedule):
            raise TypeError(f"schedule must be None or a callable epoch -> lr (for instance "
                            f"fastoptim.optim.schedules.CosineDecay), got {self.schedule!r}")
        if self.solver not in FULL_BATCH:
            check_rate_settings(self.solver, lr, self.schedule)
        if self.schedule is not None and self.solver in FULL_BATCH:
            raise ValueError(f"schedule sets a stochastic solver's learning rate; "
                             f"{self.solver!r} has none (its line search sets the step; set "
                             f"schedule=None)")
        return h

    def _batch(self, n, chunk_rows=None):
        """The mini-batch size for n training rows; 'auto' is min(200, n), moved up past a
        last batch of one sample when batch norm needs two (of any chunk of chunk_rows
        rows, on a dask array: each chunk is cut into batches of its own)."""
        rows = (n,) if chunk_rows is None else chunk_rows
        if self.batch_size is None or isinstance(self.batch_size, str):
            batch = min(200, n)
            while self.batch_norm and any(r > batch and r % batch == 1 for r in rows):
                batch += 1
            return batch
        return min(int(self.batch_size), n)

    def _training_batch(self, net, n_train):
        """The stochastic solvers' batch size, checked against batch norm's two rows per
        batch: over the n_train training rows, or on a dask array (``net`` a DaskNetwork,
        which checks each chunk at every epoch) over each chunk's rows."""
        chunk_rows = getattr(net, "chunk_rows", None)
        batch = self._batch(n_train, chunk_rows)
        if chunk_rows is None and net.batch_norm and (batch < 2 or n_train % batch == 1):
            raise ValueError(f"batch_size={self.batch_size} leaves a training batch of one "
                             f"sample ({n_train} training rows), and batch_norm needs at "
                             f"least 2 per batch; choose another batch_size")
        return batch

    # -- the network and its starting point ----------------------------------------------

    def _new_network(self, hidden, n_features, n_outputs, output, dtype):
        return Network((n_features, *hidden, n_outputs), self.activation, output,
                       batch_norm=bool(self.batch_norm), dropout=float(self.dropout),
                       dtype=dtype)

    def _random_state(self):
        return as_random_state(self.random_state)

    def _initial_params(self, net, rng, coefs_init, intercepts_init):
        if coefs_init is None and intercepts_init is None:
            coefs, intercepts = initial_layers(net.sizes, self.init, self.activation, rng,
                                               net.leaky_slope)
            return net.pack(coefs, intercepts)
        if coefs_init is None or intercepts_init is None:
            raise ValueError("coefs_init and intercepts_init go together: pass both (lists of "
                             "per-layer arrays, as coefs_ and intercepts_) or neither")
        shapes = [(a, b) for a, b in zip(net.sizes[:-1], net.sizes[1:])]
        for name, given, want in (("coefs_init", coefs_init, shapes),
                                  ("intercepts_init", intercepts_init, [(b,) for _, b in shapes])):
            if not isinstance(given, (list, tuple)) or len(given) != len(want):
                raise ValueError(f"{name} must be a list of {len(want)} arrays of shapes "
                                 f"{want}, got {type(given).__name__} of length "
                                 f"{len(given) if hasattr(given, '__len__') else '?'}")
            for l, (a, shape) in enumerate(zip(given, want)):
                a = np.asarray(a)
                if a.dtype.kind != "f":
                    raise TypeError(f"{name}[{l}] must hold floating-point numbers, got dtype "
                                    f"{a.dtype}; pass e.g. np.asarray(..., dtype=float)")
                if a.shape != shape:
                    raise ValueError(f"{name}[{l}] must have shape {shape}, got {a.shape}")
                if not np.all(np.isfinite(a)):
                    raise ValueError(f"{name}[{l}] holds NaN or infinity")
        return net.pack(coefs_init, intercepts_init)

    # -- targets (MLPClassifier / MLPRegressor) ------------------------------------------

    def _encode(self, y, n, dtype, incremental, classes):
        """(Y (n, K) targets, output kind, per-sample class weights or None); sets the
        target's description on self (``classes_``, ...)."""
        raise NotImplementedError

    def _validation_score(self, out, Y, sw, target):
        """The early-stopping score of evaluation-mode outputs (higher is better)."""
        raise NotImplementedError

    def _stratify_rows(self, Y, target):
        """Class indices of the rows for a stratified split, or None."""
        return None

    # -- fit -----------------------------------------------------------------------------

    def _fit(self, X, y, sample_weight, coefs_init, intercepts_init, incremental=False,
             classes=None):
        hidden = self._check_params()
        X, y = self._fit_input(X, y, coefs_init, intercepts_init, incremental)
        n, p = X.shape
        if incremental and hasattr(self, "_net") and p != self.n_features_in_:
            raise ValueError(f"X has {p} features, but {type(self).__name__} is expecting "
                             f"{self.n_features_in_} features as input")
        dtype = self._net.dtype if incremental and hasattr(self, "_net") else X.dtype
        if X.dtype != dtype and not isinstance(X, DaskData):  # chunks: cast on the workers
            X = X.astype(dtype)
        Y, output, cw_rows, target = self._encode(y, n, dtype, incremental, classes)
        sw = validate_sample_weight(sample_weight, n, np.float64)
        if cw_rows is not None:
            sw = cw_rows if sw is None else sw * cw_rows
        if sw is not None and not np.sum(sw) > 0:
            raise ValueError("the sample weights (times the class weights) sum to zero")
        if sw is not None:  # in the network's dtype once, not at every epoch
            sw = np.ascontiguousarray(sw, dtype=dtype)
        if incremental and self.solver in FULL_BATCH:
            raise ValueError(f"partial_fit needs a stochastic solver, not {self.solver!r}")

        warm = (incremental or self.warm_start) and hasattr(self, "_net")
        if warm:
            net = self._net
            if net.sizes != (p, *hidden, Y.shape[1]) or net.batch_norm != bool(self.batch_norm):
                if incremental:
                    raise ValueError("partial_fit continues the fitted network: its "
                                     "hidden_layer_sizes, batch_norm and outputs must not change")
                warm = False
        if warm:
            if coefs_init is not None or intercepts_init is not None:
                raise ValueError("coefs_init/intercepts_init start a new fit; they are not "
                                 "used with warm_start=True on a fitted model (set "
                                 "warm_start=False)")
            if net.dropout != float(self.dropout):
                net = self._new_network(hidden, p, Y.shape[1], output, dtype)
            params, running = self._params.copy(), self._running.copy()
            seeds = self._seeds
            rng = None
        else:
            net = self._new_network(hidden, p, Y.shape[1], output, dtype)
            rng = self._random_state()
            params = self._initial_params(net, rng, coefs_init, intercepts_init)
            running = net.new_running()
            seeds = tuple(int(s) for s in rng.randint(0, 2 ** 31 - 1, size=2))

        engine = DaskNetwork(net, X, Y, sw) if isinstance(X, DaskData) else net
        if self.solver in FULL_BATCH:
            state = self._fit_full_batch(engine, X, Y, sw, target, params, running)
        else:
            state = self._fit_stochastic(engine, X, Y, sw, target, params, running, seeds,
                                         incremental, warm, rng)
        # the fitted state, all at once: a fit that raised leaves the previous one intact
        self._net, self._params, self._running, self._seeds = net, params, running, seeds
        self.n_features_in_ = p
        self.n_layers_ = len(hidden) + 2
        self.n_outputs_ = Y.shape[1]
        self.out_activation_ = output
        for name, value in target.items():
            setattr(self, name, value)
        for name, value in state.items():
            setattr(self, name, value)
        return self

    def _fit_input(self, X, y, coefs_init, intercepts_init, incremental):
        """(X, y) for fit and partial_fit: X validated, or a dask array as a DaskData (its
        chunks stay on the workers and train there in turn: fastoptim._dask.DaskNetwork);
        a dask y gathered once (n targets).  What the dask path cannot do is refused
        here, before any chunk is computed."""
        for name, given in (("coefs_init", coefs_init), ("intercepts_init", intercepts_init)):
            if is_dask_collection(given) or (isinstance(given, (list, tuple)) and any(
                    is_dask_collection(a) for a in given)):
                raise TypeError(f"{name} holds dask arrays; the starting weights are small "
                                f"and must be in memory: pass NumPy arrays (call .compute() "
                                f"on each)")
        if is_dask_collection(y):
            y = y.compute()
        if not is_dask_collection(X):
            return validate_X(X), y
        if self.early_stopping and not incremental:
            raise ValueError("early_stopping=True is not available on dask arrays (every epoch "
                             "would gather the validation rows' outputs from the chunks); set "
                             "early_stopping=False and score a held-out set yourself, or call "
                             "X.compute() to fit in memory")
        if self.solver in FULL_BATCH and self.batch_norm:
            raise ValueError(f"solver={self.solver!r} with batch_norm=True normalizes with the "
                             "statistics of all training rows at every evaluation, which do "
                             "not split over the chunks of a dask array; use a stochastic "
                             "solver (e.g. solver='adam'), batch_norm=False, or X.compute()")
        return self._dask_data(X), y

    def _fit_full_batch(self, net, X, Y, sw, target, params, running):
        """'lbfgs' or 'gd' on the full-batch objective, in place on params and running."""
        l2 = float(self.alpha) / _count(X, sw)
        n_threads = self.n_threads
        curve, passes = [], []  # the loss after each iteration, and the evaluations made by then
        evaluations = [0]  # each one pass over the training rows (forward and backward)
        X = net.prepare(X)  # once: every evaluation reads it as it is

        def fun(theta):
            evaluations[0] += 1
            value, grad = net.loss_grad(X, Y, theta.astype(net.dtype, copy=False), l2=l2,
                                        sample_weight=sw, n_threads=n_threads)
            return value, grad.astype(np.float64)

        def statistics(theta, running):  # batch norm's evaluation statistics: the training rows'
            if net.batch_norm:
                net.loss_grad(X, Y, theta, sample_weight=sw, running=running, bn_momentum=1.0,
                              n_threads=n_threads)

        def record(theta, value):
            curve.append(float(value))
            passes.append(evaluations[0])
            if self.verbose:
                print(f"Iteration {len(curve)}, loss = {curve[-1]:.8f}", flush=True)
            if self._epoch_hook is not None:
                self._epoch_hook(len(curve), curve[-1], None, lambda: self._snapshot(
                    net, theta, running, target, statistics))

        try:
            if self.solver == "gd":
                def trial(theta):  # a step too long for finite scores: the rate is shrunk
                    try:
                        return fun(theta)
                    except FloatingPointError:
                        return np.inf, np.zeros_like(theta)

                theta, n_iter, converged = armijo_descent(
                    trial, params.astype(np.float64), int(self.max_iter), float(self.tol),
                    callback=lambda it, theta, value: record(theta, value),
                    start=fun(params.astype(np.float64)))
                stopped = None if converged else (
                    f"stopped at max_iter={self.max_iter} iterations" if n_iter >= self.max_iter
                    else f"stopped at iteration {n_iter}: the line search found no further "
                         f"decrease (round-off in the objective)")
                final = curve[-1] if curve else fun(theta)[0]
            else:
                res = scipy.optimize.minimize(
                    fun, params.astype(np.float64), method="L-BFGS-B", jac=True,
                    callback=lambda intermediate_result: record(intermediate_result.x,
                                                                intermediate_result.fun),
                    options=dict(maxiter=int(self.max_iter), maxfun=int(self.max_fun),
                                 gtol=float(self.tol)))
                theta, n_iter, final = res.x, int(res.nit), float(res.fun)
                stopped = None if res.status != 1 else (
                    f"stopped at max_iter={self.max_iter} iterations (or max_fun="
                    f"{self.max_fun} evaluations)")
        except FloatingPointError as exc:
            raise FloatingPointError(f"{type(self).__name__}: {self.solver} reached parameters "
                                     f"where the loss is not finite ({exc}); scale the features "
                                     f"or raise alpha") from None
        params[:] = theta.astype(net.dtype)
        if stopped:
            warn(f"{type(self).__name__}: {self.solver} {stopped} before meeting "
                 f"tol={self.tol:g}; increase max_iter", ConvergenceWarning)
        statistics(params, running)
        loss = float(final)
        return dict(loss_=loss, loss_curve_=curve or [loss], best_loss_=loss,
                    n_iter_=n_iter, t_=n_iter * X.shape[0],
                    validation_scores_=None, best_validation_score_=None,
                    validation_loss_curve_=None, _optimizer=None, _plateau=None,
                    _plateau_of=None, _passes_curve=passes if curve else [evaluations[0]])

    def _split(self, n, target_rows, rng):
        """(train rows, validation rows) for early stopping: stratified by class for the
        classifier (each class keeps one training row at least)."""
        frac = float(self.validation_fraction)
        groups = [np.arange(n)] if target_rows is None else [
            np.flatnonzero(target_rows == k) for k in np.unique(target_rows)]
        val = []
        for g in groups:
            g = g[rng.permutation(len(g))]
            k = min(int(round(frac * len(g))), len(g) - 1)
            val.append(g[:k])
        val = np.sort(np.concatenate(val))
        if len(val) == 0 or len(val) == n:
            raise ValueError(f"early_stopping: validation_fraction={frac} of {n} samples leaves "
                             f"no validation or no training rows; pass more samples, a larger "
                             f"validation_fraction, or early_stopping=False")
        held_out = np.zeros(n, dtype=bool)  # (setdiff1d would sort n + n_val int64 values)
        held_out[val] = True
        train = np.flatnonzero(~held_out)
        return train, val

    def _fit_stochastic(self, net, X, Y, sw, target, params, running, seeds, incremental,
                        warm, rng):
        n = X.shape[0]
        early = bool(self.early_stopping) and not incremental
        train = None  # early stopping trains on these rows of X, read in place (no copy of X)
        n_train = n
        if early:
            rows = self._stratify_rows(Y, target)
            train, val = self._split(n, rows, rng if rng is not None else self._random_state())
            n_train = len(train)
            Yv = Y[val]  # the validation rows' targets and weights (X's rows stay in X)
            swv = None if sw is None else sw[val]
        batch = self._training_batch(net, n_train)
        l2 = float(self.alpha) / (float(n_train) if sw is None else
                                  _count(X, sw if train is None else sw[train]))
        if incremental and getattr(self, "_optimizer", None) is not None:
            opt = copy.deepcopy(self._optimizer)
        else:
            opt = _make_optimizer(self.solver, self.learning_rate)
        schedule = self.schedule
        if isinstance(schedule, ReduceOnPlateau):  # stateful: the fit works on its own copy,
            fitted = getattr(self, "_plateau", None)  # which partial_fit goes on updating
            continues = (incremental and fitted is not None
                         and getattr(self, "_plateau_of", None) is schedule)
            schedule = copy.deepcopy(fitted if continues else schedule)
        done = int(getattr(self, "n_iter_", 0)) if (incremental or warm) else 0
        t_done = int(getattr(self, "t_", 0)) if (incremental or warm) else 0
        curve = list(self.loss_curve_) if (incremental or warm) and hasattr(self, "loss_curve_") \
            else []
        val_curve, val_scores = [], []
        best_loss, best_score, stale = np.inf, -np.inf, 0
        best_state = None
        epochs = 1 if incremental else int(self.max_iter)
        converged = False
        workspace = net.epoch_workspace(n_train, batch, shuffle=bool(self.shuffle),
                                        sparse=sp.issparse(X), subset=train is not None)
        Xt = net.prepare(X)  # validated and laid out once, not at every epoch (once per fit)
        for epoch in range(done + 1, done + epochs + 1):
            if schedule is not None:
                apply_schedule(schedule, opt, epoch, unit="epoch")
            try:
                loss = net.train_epoch(Xt, Y, params, opt, batch_size=batch,
                                       seed=seeds[0] + epoch, shuffle=bool(self.shuffle), l2=l2,
                                       sample_weight=sw, running=running,
                                       dropout_seed=seeds[1], workspace=workspace,
                                       n_threads=self.n_threads, rows=train)
            except FloatingPointError:
                raise FloatingPointError(
                    f"{type(self).__name__}: training diverged at epoch {epoch}: with "
                    f"learning_rate={opt.lr:g} ({_solver_name(self.solver)}) the loss or the "
                    f"gradient stopped being finite (the parameters of the last good step are "
                    f"kept). Try a smaller learning_rate, a schedule, or batch_norm=True") \
                    from None
            loss += 0.5 * l2 * sum(float(np.einsum("ij,ij->", W, W, dtype=np.float64))
                                   for W in net.unpack(params)[0])  # no float64 copy
            curve.append(loss)
            t_done += n_train
            if not np.isfinite(loss) or loss > 1e6 * max(abs(curve[0]), 1.0):
                raise FloatingPointError(
                    f"{type(self).__name__}: the loss exploded at epoch {epoch} (from "
                    f"{curve[0]:.3g} to {loss:.3g}) with learning_rate={opt.lr:g}; try a "
                    f"smaller learning_rate")
            msg = f"Iteration {epoch}, loss = {loss:.8f}"
            if early:
                out = net.forward(Xt, params, running=running, n_threads=self.n_threads,
                                  rows=val)
                val_curve.append(self._eval_loss(out, Yv, swv, target["out_kind_"]))
                score = self._validation_score(out, Yv, swv, target)
                val_scores.append(score)
                msg += f", validation score = {score:.6f}, validation loss = {val_curve[-1]:.8f}"
                if isinstance(schedule, ReduceOnPlateau):
                    schedule.update(val_curve[-1])
                stale = stale + 1 if score < best_score + self.tol else 0
                if score > best_score:
                    best_score = score
                    best_state = (params.copy(), running.copy(), epoch)
            else:
                if isinstance(schedule, ReduceOnPlateau):
                    schedule.update(loss)
                stale = stale + 1 if loss > best_loss - self.tol else 0
                best_loss = min(best_loss, loss)
            if self.verbose:
                print(msg, flush=True)
            if self._epoch_hook is not None:
                self._epoch_hook(epoch, loss, val_scores[-1] if early else None,
                                 lambda: self._snapshot(net, params, running, target))
            if not incremental and stale > self.n_iter_no_change:
                converged = True
                break
        if early and best_state is not None:
            params[:], running[:] = best_state[0], best_state[1]
        if not incremental and not converged:
            watched = "validation score" if early else "training loss"
            warn(f"{type(self).__name__}: the {_solver_name(self.solver)} solver ran "
                 f"max_iter={self.max_iter} epochs and stopped before converging: the "
                 f"{watched} still improved by more than tol={self.tol:g} within the last "
                 f"{self.n_iter_no_change} epochs; increase max_iter", ConvergenceWarning)
        n_iter = epoch
        plateau = schedule if isinstance(schedule, ReduceOnPlateau) else None
        state = dict(loss_=curve[-1], loss_curve_=curve, n_iter_=n_iter, t_=t_done,
                     _optimizer=opt, _plateau=plateau,
                     _plateau_of=None if plateau is None else self.schedule, _passes_curve=None)
        if early:
            state.update(validation_scores_=val_scores, best_validation_score_=best_score,
                         validation_loss_curve_=val_curve, best_loss_=None)
        else:
            earlier = getattr(self, "best_loss_", None) if incremental else None
            state.update(validation_scores_=None, best_validation_score_=None,
                         validation_loss_curve_=None,
                         best_loss_=best_loss if earlier is None else min(best_loss, earlier))
        return state

    @staticmethod
    def _eval_loss(out, Y, sw, kind):
        """The mean data loss of evaluation-mode outputs (no penalty)."""
        out = out.astype(np.float64)
        Y = Y.astype(np.float64)
        tiny = np.finfo(np.float64).tiny
        if kind == "softmax":
            c = -(Y * np.log(np.maximum(out, tiny))).sum(axis=1)
        elif kind == "logistic":
            c = -(Y * np.log(np.maximum(out, tiny))
                  + (1 - Y) * np.log(np.maximum(1 - out, tiny))).sum(axis=1)
        else:
            c = 0.5 * ((out - Y) ** 2).sum(axis=1)
        return float(np.average(c, weights=sw))

    # -- the per-epoch hook (the command line's progress bar and curves) ----------------

    #: None, or ``hook(epoch, loss, validation_score, snapshot)``, called after each epoch
    #: (L-BFGS or 'gd' iteration) of a fit: ``loss`` is the epoch's entry of loss_curve_,
    #: ``validation_score`` early stopping's score (None without), ``snapshot()`` a fitted
    #: copy of the network as it is at that epoch (predict, predict_proba, score).  Private.
    _epoch_hook = None

    def _snapshot(self, net, params, running, target, statistics=None):
        """A fitted shallow copy of self with copies of the parameters as they are now
        (``statistics(params, running)``: the full-batch solvers' batch-norm statistics)."""
        model = copy.copy(self)
        model._epoch_hook = None
        network = net.net if isinstance(net, DaskNetwork) else net  # the engine's Network
        model._net = network
        model._params, model._running = params.astype(network.dtype), running.copy()
        if statistics is not None:
            statistics(model._params, model._running)
        model.n_features_in_ = net.sizes[0]
        for name, value in target.items():
            setattr(model, name, value)
        return model

    # -- prediction ----------------------------------------------------------------------

    def _forward(self, X):
        check_is_fitted(self)
        X = self._validate_predict_X(X, dtype=self._net.dtype)
        return self._net.forward(X, self._params, running=self._running,
                                 n_threads=self.n_threads)

    # -- fitted attributes: views into the one parameter buffer -------------------------

    def _unpacked(self):
        check_is_fitted(self)
        return self._net.unpack(self._params, batch_norm=True) if self._net.batch_norm else \
            (*self._net.unpack(self._params), [], [])

    @property
    def coefs_(self):
        """Per layer, the weights of shape (n_in, n_out) (views into the parameters)."""
        return self._unpacked()[0]

    @property
    def intercepts_(self):
        """Per layer, the biases of shape (n_out,)."""
        return self._unpacked()[1]

    @property
    def bn_gammas_(self):
        """Per hidden layer, batch norm's scale gamma (empty without batch norm)."""
        return self._unpacked()[2]

    @property
    def bn_betas_(self):
        """Per hidden layer, batch norm's shift beta (empty without batch norm)."""
        return self._unpacked()[3]

    @property
    def bn_running_means_(self):
        """Per hidden layer, batch norm's running mean (empty without batch norm)."""
        check_is_fitted(self)
        return self._net.unpack_running(self._running)[0]

    @property
    def bn_running_vars_(self):
        """Per hidden layer, batch norm's running (unbiased) variance."""
        check_is_fitted(self)
        return self._net.unpack_running(self._running)[1]

    def __sklearn_is_fitted__(self):
        return hasattr(self, "_net")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags


_PARAMS_DOC = """
    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(100,)
        The hidden layers' widths.
    activation : {'identity', 'logistic', 'tanh', 'relu', 'leaky_relu', 'gelu'}, default='relu'
        The hidden units' function (leaky ReLU's slope 0.01, GELU's exact erf form: torch's).
    solver : str or fastoptim.optim.Optimizer, default='adam'
        'gd' (full-batch gradient descent with Armijo line search), 'sgd', 'momentum',
        'nesterov', 'adagrad', 'rmsprop', 'adam', 'adamw', 'adadelta', 'adamax', 'radam',
        'nadam', 'rprop' (full batch: see the module), 'asgd', 'lbfgs', or an optimizer
        object (deep-copied at fit; ``learning_rate`` other than 'auto' replaces its lr).
        The object's ``param_groups`` name the network's arrays
        (:attr:`Network.param_names <fastoptim.neural_network.Network.param_names>`):
        ``Adam(lr=1e-3, weight_decay=1e-4, param_groups=[{'params': 'biases',
        'weight_decay': 0.0}])`` decays the weights only, ``{'params': 'weights[-1]', 'lr':
        1e-4}`` slows the output layer; ``alpha`` is the same for every group.
    alpha : float, default=1e-4
        L2 penalty: ``alpha / (2 n) sum ||W||^2`` (scikit-learn's scaling; see the module).
    batch_size : int or 'auto', default='auto'
        ``min(200, n_samples)`` for 'auto' (with batch norm, moved up past a last batch of
        one sample).  Not used by 'lbfgs' and 'gd'.
    learning_rate : float or 'auto', default='auto'
        The step size; 'auto' takes the solver's default (see the module's table).  Not
        used by 'lbfgs' and 'gd' (their line searches set the steps).
        A number beside an optimizer object of another ``lr``, or beside a
        schedule starting elsewhere, is a ValueError naming both (one of them
        would be ignored).
    schedule : callable, optional
        ``schedule(epoch) -> lr`` before each epoch (fastoptim.optim.schedules; a
        ReduceOnPlateau watches the training loss, or the validation loss with early
        stopping; ``fit`` reduces a copy and leaves the object passed here as it is,
        and each ``partial_fit`` goes on from the rate the previous call reached).
    max_iter : int, default=200
        Epochs (stochastic solvers) or iterations ('lbfgs', 'gd').
    tol : float, default=1e-4
        The improvement that resets the stale-epoch count (or, for 'lbfgs' and 'gd', the
        gradient tolerance: stop when its largest absolute entry is <= tol).
    n_iter_no_change : int, default=10
        Stop after more than this many stale epochs in a row.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows (stratified for the classifier), stop
        on the validation score and restore the best epoch's weights.  Stochastic solvers
        only: 'lbfgs' and 'gd' train on every row and stop on the gradient's ``tol``.
    validation_fraction : float, default=0.1
        With early_stopping: the share of the rows held out (stratified by class for
        the classifier, drawn with random_state) to score after each epoch.
    shuffle : bool, default=True
        Shuffle the rows at each epoch (a seeded permutation: the same order for every
        thread count).
    init : {'glorot_uniform', 'xavier_normal', 'he_normal', 'he_uniform', 'lecun_normal'}, default='glorot_uniform'
        The initial weights (fastoptim.neural_network._init: scikit-learn's default, and
        torch.nn.init's formulas and gains).
    batch_norm : bool, default=False
        BatchNorm1d (torch's semantics, eps 1e-5, momentum 0.1) after each hidden affine
        layer.
    dropout : float in [0, 1), default=0.0
        Inverted dropout on the hidden units in training.
    warm_start : bool, default=False
        Start from the previous fit's weights (a new optimizer).
    random_state : int, RandomState or None, default=None
        The initial weights, the validation split, the shuffles and the dropout masks.
    verbose : bool, default=False
        Print the loss after each epoch.
    max_fun : int, default=15000
        'lbfgs': the most objective evaluations.
    n_threads : int, optional
        BLAS threads for the products (None: by the work of a batch).
"""

_ATTRS_DOC = """
    Attributes
    ----------
    coefs_, intercepts_ : list of ndarray
        Per layer, weights (n_in, n_out) and biases, views into the parameter buffer.
    bn_gammas_, bn_betas_, bn_running_means_, bn_running_vars_ : list of ndarray
        Batch norm's parameters and running statistics per hidden layer (empty without).
    n_layers_, n_outputs_, out_activation_ : int, int, str
    loss_, loss_curve_, best_loss_ : float, list, float or None
        The training objective (data term + penalty) after the last epoch, per epoch, and
        its best value (None with early stopping, as scikit-learn).
    validation_scores_, best_validation_score_, validation_loss_curve_ : list, float, list
        With early stopping: the validation score and the validation loss (evaluation
        mode) per epoch (None without).
    n_iter_ : int
        Epochs run (or 'lbfgs' / 'gd' iterations).
    t_ : int
        Training samples seen by the solver.
    n_features_in_ : int
"""


class MLPClassifier(ClassifierMixin, _BaseMLP):
    __doc__ = """Multi-layer perceptron classifier trained by fastoptim's optimizers in C.

    Binary targets take one sigmoid output (log-loss), multiclass a softmax output
    (cross-entropy), a 2-D 0/1 indicator y one sigmoid per label (multilabel).  X may be
    a dask array: the chunks train on their workers in turn (see the module docstring).
    """ + _PARAMS_DOC + """    class_weight : dict, 'balanced' or None, default=None
        Weights per class, multiplied into the sample weights (scikit-learn's rule).
""" + _ATTRS_DOC + """    classes_ : ndarray
        The class labels (multilabel: 0..n_labels-1).

    Examples
    --------
    >>> from fastoptim import MLPClassifier
    >>> from fastoptim.datasets import load_usps
    >>> X, y, X_test, y_test = load_usps()            # doctest: +SKIP
    >>> clf = MLPClassifier((256, 128), init="he_normal", random_state=0).fit(X, y)  # doctest: +SKIP
    >>> clf.score(X_test, y_test) > 0.95              # doctest: +SKIP
    True
    """

    def __init__(self, hidden_layer_sizes: int | tuple[int, ...] = (100,),
                 activation: str = "relu", *, solver: str | Optimizer = "adam",
                 alpha: float = 1e-4, batch_size: int | str = "auto",
                 learning_rate: float | str = "auto",
                 schedule: Callable[[int], float] | None = None, max_iter: int | None = 200,
                 tol: float | None = 1e-4, n_iter_no_change: int = 10,
                 early_stopping: bool = False, validation_fraction: float = 0.1,
                 shuffle: bool = True, init: str = "glorot_uniform", batch_norm: bool = False,
                 dropout: float = 0.0, class_weight: dict | str | None = None,
                 warm_start: bool = False, random_state: int | np.random.RandomState | None = None,
                 verbose: int | bool = False, max_fun: int = 15000,
                 n_threads: int | None = None) -> None:
        self._store_init_args(locals())

    def _encode(self, y, n, dtype, incremental, classes):
        y_arr = np.asarray(y) if not sp.issparse(y) else y
        multilabel = not sp.issparse(y_arr) and y_arr.ndim == 2 and y_arr.shape[1] > 1
        if multilabel:
            if y_arr.shape[0] != n:
                raise ValueError(f"y has {y_arr.shape[0]} samples but X has {n}")
            if not np.all(np.isin(y_arr, (0, 1))):
                raise ValueError("a 2-D y must be a 0/1 label indicator matrix (multilabel); "
                                 "for class labels pass a 1-D y")
            if self.class_weight is not None:
                raise ValueError("class_weight is not supported for multilabel y; pass "
                                 "sample_weight instead")
            all_classes = np.arange(y_arr.shape[1])
            if incremental and hasattr(self, "classes_") and not np.array_equal(
                    self.classes_, all_classes):
                raise ValueError("y has another number of labels than the fitted model")
            Y = np.ascontiguousarray(y_arr, dtype=dtype)
            return Y, "logistic", None, dict(classes_=all_classes, out_kind_="logistic",
                                              _multilabel=True)
        fitted = hasattr(self, "classes_") and incremental
        if incremental:
            all_classes = partial_fit_classes(classes, self.classes_ if fitted else None)
            validate_labels(y, n)  # the shape, the length and finite labels
            labels = np.asarray(y).ravel()
            idx = np.clip(np.searchsorted(all_classes, labels), 0, len(all_classes) - 1)
            if not np.all(all_classes[idx] == labels):
                unseen = sorted(set(np.asarray(labels)[all_classes[idx] != labels].tolist()))
                raise ValueError(f"y holds labels {unseen[:5]} that are not in classes "
                                 f"{all_classes.tolist()}; pass every label in classes= at the "
                                 f"first partial_fit")
        else:
            all_classes, idx = validate_labels(y, n)
            check_two_classes(all_classes, "MLPClassifier")
        K = len(all_classes)
        cw = class_sample_weights(self.class_weight, all_classes, idx, None, n)
        if K == 2:
            Y = (idx == 1).astype(dtype)[:, None]
            output = "logistic"
        else:
            Y = np.zeros((n, K), dtype=dtype)
            Y[np.arange(n), idx] = 1
            output = "softmax"
        return Y, output, cw, dict(classes_=all_classes, out_kind_=output, _multilabel=False)

    def _stratify_rows(self, Y, target):
        if target["_multilabel"]:
            return None
        return Y[:, 0].astype(np.intp) if Y.shape[1] == 1 else np.argmax(Y, axis=1)

    def _validation_score(self, out, Y, sw, target):
        """Accuracy of evaluation-mode outputs (multilabel: rows with every label right)."""
        if target["_multilabel"]:
            hits = np.all((out > 0.5) == (Y > 0.5), axis=1)
        elif Y.shape[1] == 1:
            hits = (out[:, 0] > 0.5) == (Y[:, 0] > 0.5)
        else:
            hits = np.argmax(out, axis=1) == np.argmax(Y, axis=1)
        return float(np.average(hits.astype(np.float64), weights=sw))

    def fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | float | None = None, *,
            coefs_init: list[np.ndarray] | None = None,
            intercepts_init: list[np.ndarray] | None = None) -> Self:
        """Train the network.

        Parameters
        ----------
        X : array-like, sparse matrix or dask array of shape (n_samples, n_features)
            float32 stays float32 (the network too); CSR feeds the first layer sparsely.
            A dask array chunked along rows stays on its workers, which train their
            chunks in turn (see the module docstring).
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a 0/1 indicator matrix (multilabel); NumPy or dask.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights of the rows in the loss (None: all 1).
        coefs_init, intercepts_init : list of ndarray, optional
            The starting weights (as ``coefs_`` and ``intercepts_``).

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight, coefs_init, intercepts_init)

    def _has_partial_fit(self):
        return self.solver not in FULL_BATCH

    @available_if(_has_partial_fit, "partial_fit needs a stochastic solver (not 'lbfgs' or "
                                    "'gd')")
    def partial_fit(self, X: ArrayLike, y: ArrayLike, classes: ArrayLike | None = None,
                    sample_weight: ArrayLike | float | None = None) -> Self:
        """One epoch over (X, y), continuing the weights and the optimizer's state.

        Parameters
        ----------
        X : array-like, sparse matrix or dask array of shape (n_samples, n_features)
            One batch of rows (a dask X: one epoch over its chunks in turn).
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Their class labels (or 0/1 indicators).
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights of the rows (None: all 1).
        classes : array-like, optional
            Every class label; required at the first call.

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight, None, None, incremental=True, classes=classes)

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes) (multilabel: per label).

        Parameters
        ----------
        X : array-like, sparse matrix or dask array of shape (n_samples, n_features)
            The samples, with the training data's columns (a dask X gives a lazy
            dask result, chunked as X's rows).

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        out = self._forward(X)
        if self.out_kind_ == "logistic" and not self._multilabel:
            out = np.hstack([1 - out, out])
        return out

    def predict_log_proba(self, X: ArrayLike) -> np.ndarray:
        """The logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like, sparse matrix or dask array of shape (n_samples, n_features)
            The samples, with the training data's columns (a dask X gives a lazy
            dask result, chunked as X's rows).

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The most probable class (multilabel: the indicator of probability > 0.5).

        Parameters
        ----------
        X : array-like, sparse matrix or dask array of shape (n_samples, n_features)
            The samples, with the training data's columns (a dask X gives a lazy
            dask result, chunked as X's rows).

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_labels)
        """
        out = self._forward(X)
        if self._multilabel:
            return (out > 0.5).astype(np.int64)
        if self.out_kind_ == "logistic":
            return self.classes_[(out[:, 0] > 0.5).astype(np.intp)]
        return self.classes_[np.argmax(out, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, _BaseMLP):
    __doc__ = """Multi-layer perceptron regressor (identity output, squared error / 2),
    one or several outputs, trained by fastoptim's optimizers in C.  X may be a dask
    array: the chunks train on their workers in turn (see the module docstring).

    Scale the features and the target, as for scikit-learn's MLP: the default learning
    rates suit targets of unit scale (California housing's prices, about 2e5 +- 1e5, reach
    R^2 0.76 once standardized, and stay below 0.3 in 200 epochs as they are).
    """ + _PARAMS_DOC + _ATTRS_DOC

    _multi_output = True

    def __init__(self, hidden_layer_sizes: int | tuple[int, ...] = (100,),
                 activation: str = "relu", *, solver: str | Optimizer = "adam",
                 alpha: float = 1e-4, batch_size: int | str = "auto",
                 learning_rate: float | str = "auto",
                 schedule: Callable[[int], float] | None = None, max_iter: int | None = 200,
                 tol: float | None = 1e-4, n_iter_no_change: int = 10,
                 early_stopping: bool = False, validation_fraction: float = 0.1,
                 shuffle: bool = True, init: str = "glorot_uniform", batch_norm: bool = False,
                 dropout: float = 0.0, warm_start: bool = False,
                 random_state: int | np.random.RandomState | None = None,
                 verbose: int | bool = False, max_fun: int = 15000,
                 n_threads: int | None = None) -> None:
        self._store_init_args(locals())

    def _encode(self, y, n, dtype, incremental, classes):
        y = validate_y(y, n, dtype)
        one_d = y.ndim == 1
        Y = np.ascontiguousarray(y.reshape(n, -1))
        if incremental and hasattr(self, "_y_1d") and Y.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {Y.shape[1]} outputs, the fitted model {self.n_outputs_}")
        return Y, "identity", None, dict(out_kind_="identity", _y_1d=one_d)

    def _validation_score(self, out, Y, sw, target):
        """R^2 of evaluation-mode outputs, averaged over the outputs."""
        Y = Y.astype(np.float64)
        mean = np.average(Y, axis=0, weights=sw)
        w = np.ones(Y.shape[0]) if sw is None else sw
        ss_res = (w[:, None] * (Y - out) ** 2).sum(axis=0)
        ss_tot = (w[:, None] * (Y - mean) ** 2).sum(axis=0)
        return float(np.mean(1.0 - ss_res / np.where(ss_tot > 0, ss_tot, 1.0)))

    def fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | float | None = None, *,
            coefs_init: list[np.ndarray] | None = None,
            intercepts_init: list[np.ndarray] | None = None) -> Self:
        """Train the network.

        Parameters
        ----------
        X : array-like, sparse matrix or dask array of shape (n_samples, n_features)
            float32 stays float32 (the network too); CSR feeds the first layer sparsely.
            A dask array chunked along rows stays on its workers, which train their
            chunks in turn (see the module docstring).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The real-valued targets; NumPy or dask.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights of the rows in the loss (None: all 1).
        coefs_init, intercepts_init : list of ndarray, optional
            The starting weights (as ``coefs_`` and ``intercepts_``).

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight, coefs_init, intercepts_init)

    def _has_partial_fit(self):
        return self.solver not in FULL_BATCH

    @available_if(_has_partial_fit, "partial_fit needs a stochastic solver (not 'lbfgs' or "
                                    "'gd')")
    def partial_fit(self, X: ArrayLike, y: ArrayLike,
                    sample_weight: ArrayLike | float | None = None) -> Self:
        """One epoch over (X, y), continuing the weights and the optimizer's state.

        Parameters
        ----------
        X : array-like, sparse matrix or dask array of shape (n_samples, n_features)
            One batch of rows (a dask X: one epoch over its chunks in turn).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Their targets.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights of the rows (None: all 1).

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight, None, None, incremental=True)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The network's outputs: shape (n_samples,) when fitted on a 1-D y.

        Parameters
        ----------
        X : array-like, sparse matrix or dask array of shape (n_samples, n_features)
            The samples, with the training data's columns (a dask X gives a lazy
            dask result, chunked as X's rows).

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        out = self._forward(X)
        return out[:, 0] if self._y_1d else out
