"""Fitting a linear model with an optimizer from fastoptim.optim: shared by every estimator.

An estimator's ``solver`` is either a name or an optimizer object.  The names
of the stochastic solvers build a fresh optimizer with ``learning_rate``:

============  =====================================
name          optimizer
============  =====================================
'sgd'         SGD(lr)
'momentum'    SGD(lr, momentum=0.9)
'nesterov'    SGD(lr, momentum=0.9, nesterov=True)
'adagrad'     Adagrad(lr)
'rmsprop'     RMSProp(lr)
'adam'        Adam(lr)
'adadelta'    Adadelta(lr)
'nadam'       NAdam(lr)
============  =====================================

Adamax and RAdam have no name here, only objects (``solver=Adamax(lr=0.01)``): the range
test below cannot set their rate.  Adamax's norm keeps the largest early gradient for about
1 / (1 - beta2) steps, so its late steps are tiny and the plateau rule stops it early (1.7%
above the optimum on standardized breast cancer at the defaults); RAdam's first steps are
plain momentum steps, so on badly scaled features the rate safe for them starves its
adaptive phase (10% above).  Rprop and ASGD are objects only too.  Rprop reads its rate
once, as its step sizes' start, so the cuts below cannot lower it, and it steps by the
signs of mini-batch gradients, which are noise near the optimum: at the defaults it ends
6-11% above the optimum on standardized breast cancer and 63-80% above on digits.  ASGD's
decay term lambd p adds a penalty of its own (lambd/2 ||coef||^2, on the intercept too) to
the estimator's objective, which a solver by name must minimize (0.2-0.7% above it at
the defaults, started as the SGD family), and the estimator keeps its iterate, not the
average the method is about.

``learning_rate='auto'`` (the default) derives the rate from the data, for
every solver by name, in two parts:

1. *A learning-rate range test* (:func:`range_test_learning_rate`): from the
   starting point, each candidate rate runs 50 mini-batch steps on a sample
   of the training rows, and the rate whose objective ends lowest is taken.
   The candidates are sqrt(10) apart, walked upwards from a safe start while
   the objective improves (downwards if the start is already too large): the
   SGD family starts at 1 / L_b, the step at which plain SGD cannot overshoot on
   any batch of b rows (L_b: the loss's curvature bound times the mean of the b
   largest ||x_i||^2 + 1 (with an intercept; times the normalized sample
   weight), plus the L2 penalty; Bottou, Curtis & Nocedal 2018, sec. 4), and
   with the squared and squared-hinge losses stays at or below twice the rate
   whose step stops at the minimum along the longest row (above it those fits
   diverge: :func:`sgd_rate_bounds`); the adaptive methods at
   1e-3 (their steps are in the units of the coefficients), Adadelta at 1
   (its steps are ratios of root mean squares; the rate only scales them).
   The SGD family's start is rounded down to a power of sqrt(10), so its candidates lie on
   one grid whatever the data (a weighted fit and its repeated rows test the same rates).
   On dask arrays
   the sample is gathered from the chunks.  A first ``partial_fit`` tests the
   rates on its batch.
2. *Cuts on a plateau*: when the objective (the epoch's mean loss plus the
   penalty) has not improved by ``tol`` for ``n_iter_no_change`` epochs, the
   rate is divided by 1.25 instead of stopping, until it is below 1/100 of the
   tested rate; then the fit has converged.  The large rate the short test
   prefers makes fast progress and leaves a noise floor; the cuts remove it
   (scikit-learn's ``learning_rate='adaptive'`` follows the same idea).

A number for ``learning_rate`` is used as it is, and no cuts are made; a
``schedule`` sets the rate of every epoch (no cuts either).  At the defaults,
every solver ends within 1% of the L-BFGS objective on standardized
breast-cancer and digits data (tests/test_learning_rate_auto.py).  An
optimizer object is deep-copied at fit (the estimator's parameter is never
modified) and its lr is used as it is.  Every solver by name minimizes the
estimator's objective (its L2 penalty enters the gradient); an optimizer
object's own weight decay (AdamW's decoupled decay, ``weight_decay`` of the
others) comes on top of it and, as in torch.optim, applies to the intercept
too.

The L1 / elastic-net penalty takes 'sgd' (and an SGD object without momentum): the
engine's cumulative penalty (Tsuruoka, Tsujii & Ananiadou 2009; :mod:`fastoptim.optim.engine`),
whose state goes with the optimizer; the range test and the plateau rule score the objective
with the L1 term, and ``batch_size=None`` is then at most n_samples // 64
(:func:`default_batch`).

The C engine (:func:`fastoptim.optim.run_epoch`) runs each epoch; this module
decides between epochs: the schedule, early stopping on a held-out fraction,
warm starts, the loss history and the convergence warning.
"""
import contextlib
import copy
import numbers

import numpy as np

from .._dask import DaskObjective
from .._moments import largest_scaled_row_sqnorms
from .._validation import check_rate_settings, check_scalar
from ..base import as_random_state
from ..exceptions import ConvergenceWarning, warn
from ..losses import Objective
from ..optim import SGD, Adadelta, Adagrad, Adam, NAdam, Optimizer, RMSProp
from ..optim.engine import run_epoch, takes_l1
from ..optim.schedules import ReduceOnPlateau, apply as apply_schedule

__all__ = ["STOCHASTIC_SOLVERS", "is_stochastic", "check_stochastic_params", "make_optimizer",
           "initial_optimizer", "range_test_learning_rate", "takes_l1_penalty", "l1_term",
           "fit_stochastic"]

DEFAULT_MAX_EPOCHS = 1000  # max_iter=None

# learning_rate='auto' (see range_test_learning_rate and fit_stochastic)
RANGE_TEST_STEPS = 50  # mini-batch steps per candidate rate
RANGE_TEST_MAX_CANDIDATES = 12  # in each direction, sqrt(10) apart
PLATEAU_FACTOR = 1.25  # the rate is divided by this when the loss stops improving by tol...
PLATEAU_MIN_FRACTION = 1e-2  # ...until it falls below this fraction of the tested rate

STOCHASTIC_SOLVERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adadelta",
                      "nadam")

# a bound on d2l/dz2 per loss (hinge: the subgradient steps are bounded by |x|, as if 1)
_CURVATURE = {"squared": 1.0, "logistic": 0.25, "hinge": 1.0, "squared_hinge": 2.0,
              "softmax": 0.5, "multiclass_hinge": 1.0}


# the losses whose gradient grows with the residual (sgd_rate_bounds: their ceiling)
_UNBOUNDED_GRADIENT = ("squared", "squared_hinge")


def is_stochastic(solver):
    """True for an optimizer object or the name of a stochastic solver."""
    return isinstance(solver, Optimizer) or (isinstance(solver, str) and solver in STOCHASTIC_SOLVERS)


def takes_l1_penalty(solver):
    """Whether the stochastic ``solver`` (a name or an optimizer object) steps with the
    engine's cumulative L1 penalty: 'sgd', or a plain SGD object (no momentum)."""
    if isinstance(solver, Optimizer):
        return takes_l1(solver)
    return solver == "sgd"


def check_stochastic_params(est):
    """Validate the parameters the stochastic solvers read (named in every error)."""
    lr = est.learning_rate
    if not (isinstance(lr, str) and lr == "auto"):
        if isinstance(lr, (bool, np.bool_)) or not isinstance(lr, numbers.Real) or not np.isfinite(lr) \
                or lr <= 0:
            raise ValueError(f"learning_rate must be 'auto' or a number > 0, got {lr!r}")
    if est.batch_size is not None:
        b = est.batch_size
        if isinstance(b, (bool, np.bool_)) or not isinstance(b, numbers.Integral):
            raise TypeError(f"batch_size must be an int >= 1 or None, got {b!r}")
        if b < 1:
            raise ValueError(f"batch_size must be >= 1 (1 is SGD, n_samples is full batch), got {b}")
    if est.max_iter is not None:
        _check_int(est.max_iter, "max_iter", 1)
    _check_int(est.n_iter_no_change, "n_iter_no_change", 1)
    if est.tol is not None and (isinstance(est.tol, (bool, np.bool_)) or
                                not isinstance(est.tol, numbers.Real) or not est.tol >= 0):
        raise ValueError(f"tol must be a number >= 0, or None (run max_iter epochs, as "
                         f"scikit-learn's SGD estimators), got {est.tol!r}")
    vf = est.validation_fraction
    if isinstance(vf, (bool, np.bool_)) or not isinstance(vf, numbers.Real) or not 0 < vf < 1:
        raise ValueError(f"validation_fraction must be in (0, 1), got {vf!r}")
    if est.schedule is not None and not callable(est.schedule):
        raise TypeError(f"schedule must be None or a callable epoch -> lr (for instance "
                        f"fastoptim.optim.schedules.CosineDecay), got {est.schedule!r}")
    check_rate_settings(est.solver, lr, est.schedule)


def _check_int(value, name, low):
    check_scalar(value, name, min_value=low, kind=numbers.Integral)


def make_optimizer(solver, lr):
    """A fresh optimizer for ``solver``: a name, with the number ``lr``, or an optimizer object
    (deep-copied and reset; its own lr is kept)."""
    if isinstance(solver, Optimizer):
        opt = copy.deepcopy(solver)
        opt.reset()
        return opt
    if solver == "sgd":
        return SGD(lr=lr)
    if solver in ("momentum", "nesterov"):
        return SGD(lr=lr, momentum=0.9, nesterov=solver == "nesterov")
    return {"adagrad": Adagrad, "rmsprop": RMSProp, "adam": Adam, "adadelta": Adadelta,
            "nadam": NAdam}[solver](lr=lr)


def initial_optimizer(solver, learning_rate, objective, coef, intercept, *, batch, seed,
                      make_objective=None, rows=None, l1_of_weight_sum=None):
    """The optimizer a fit (or a first partial_fit) starts with, and whether its rate was tuned.

    learning_rate='auto' with a solver by name runs :func:`range_test_learning_rate` (on a
    DaskObjective, over a sample of rows gathered from the chunks); a number is used as it
    is, and an optimizer object keeps its own lr.
    """
    tuned = isinstance(learning_rate, str) and isinstance(solver, str)
    if tuned:
        lr = range_test_learning_rate(solver, objective, coef, intercept, batch=batch, seed=seed,
                                      make_objective=make_objective, rows=rows,
                                      l1_of_weight_sum=l1_of_weight_sum)
        return make_optimizer(solver, lr), True
    return make_optimizer(solver, learning_rate), False


def range_test_learning_rate(solver, objective, coef, intercept, *, batch, seed,
                             make_objective=None, rows=None, l1_of_weight_sum=None):
    """learning_rate='auto' for the stochastic solver named ``solver``: a learning-rate range test.

    Each candidate rate runs :data:`RANGE_TEST_STEPS` mini-batch steps from (coef, intercept)
    on a sample of at most ``RANGE_TEST_STEPS * batch`` of the training rows, and the rate
    whose objective on that sample ends lowest is returned.  The candidates are a log grid
    of ratio sqrt(10) walked from a safe start (1 / L_b, the curvature bound of
    :func:`sgd_rate_bounds`, for the SGD family, up to its ceiling; 1e-3 for the adaptive
    methods, whose steps are in the units of the coefficients) upwards while the objective
    keeps improving, and downwards when the start is already too large (the SGD family's
    start rounded down to a power of sqrt(10)).  A short run rewards the rate that makes
    the most progress; the noise floor that rate leaves behind is what
    :func:`fit_stochastic`'s cuts on a plateau remove (Smith 2017, "Cyclical learning
    rates for training neural networks", sec. 3.3; Bottou, Curtis & Nocedal 2018, sec. 4).  With an L1 penalty (``l1_of_weight_sum``:
    its strength from the rows' weight sum, as alpha's) the candidates run with the
    cumulative penalty and are scored on the objective with the L1 term.
    """
    n = objective.n_samples
    batch = max(1, min(int(batch), n))  # a batch larger than the data is the full batch
    dask = hasattr(objective, "sample_objective")  # a DaskObjective: the sample comes here
    m = min(n, RANGE_TEST_STEPS * batch) if (make_objective is not None or dask) else n
    if m < n or dask:  # a sample of the training rows, drawn once (the same for every candidate)
        pool = np.arange(n) if rows is None else np.asarray(rows)
        sample = np.sort(np.random.RandomState(seed).choice(pool, m, replace=False)) if m < n \
            else pool
        probe = objective.sample_objective(sample) if dask else make_objective(sample)
    else:
        probe = objective
    epochs = max(1, -(-RANGE_TEST_STEPS * batch // m))
    l1 = 0.0 if l1_of_weight_sum is None else l1_of_weight_sum(probe.weight_sum)
    scores = {}

    def score(lr):
        if lr not in scores:
            c = coef.copy()
            b = None if intercept is None else intercept.copy()
            opt = make_optimizer(solver, lr)
            try:
                with np.errstate(all="ignore"):
                    for e in range(epochs):
                        run_epoch(probe, opt, c, b, batch_size=min(batch, m), seed=seed + e,
                                  l1=l1)
                    value = float(probe.value_grad(c, b)[0]) + l1_term(l1, c)
            except FloatingPointError:
                value = np.inf
            scores[lr] = value if np.isfinite(value) else np.inf
        return scores[lr]

    ceiling = np.inf
    if solver in ("sgd", "momentum", "nesterov"):  # from every training row, not the sample's
        lipschitz, ceiling = sgd_rate_bounds(objective, intercept is not None, batch)
        start = 1.0 / max(lipschitz, np.finfo(np.float64).tiny)
        start = 10.0 ** (np.floor(2.0 * np.log10(start)) / 2.0)  # on the grid of sqrt(10)
    elif solver == "adadelta":
        start = 1.0  # its steps are unit-free ratios: torch's default factor
    else:
        start = 1e-3
    step = np.sqrt(10.0)
    best = start
    for direction in (step, 1.0 / step):  # up while it improves; down if the start was too big
        lr = best
        for _ in range(RANGE_TEST_MAX_CANDIDATES):
            nxt = min(lr * direction, ceiling)  # the ceiling itself is the last candidate
            if nxt == lr or not score(nxt) < score(best):
                break
            best = lr = nxt
        if best != start:
            break
    return float(best)


def sgd_rate_bounds(objective, fit_intercept, batch):
    r"""The SGD family's safe start 1 / L_b and its ceiling for batches of ``batch`` rows.

    A step on a batch S of b rows follows the batch's mean gradient, whose curvature is at
    most :math:`L_S = (c / b) \sum_{i \in S} s_i \|\tilde x_i\|^2 + \alpha` (c: the
    loss's bound on the second derivative, ``_CURVATURE``; :math:`s_i` the normalized sample
    weight; :math:`\tilde x_i` the row with a 1 for the intercept).  Its largest value over
    all batches, :math:`L_b = c \cdot \mathrm{mean}(\text{the } b \text{ largest }
    s_i \|\tilde x_i\|^2) + \alpha`, is the bound below which no batch's step of rate
    1 / L_b overshoots (Bottou, Curtis & Nocedal 2018, sec. 4, for batches: at b = 1 the
    largest row's).  One row weighs 1 / b in it, so a few long rows do not shrink the start
    of the range test by their length squared.

    The ceiling is for the squared and squared-hinge losses, whose gradient grows with the
    residual: :math:`2 / (c \max_i s_i \|\tilde x_i\|^2 / b + \alpha)`, the rate at
    which a batch's step along its longest row lands as far past that row's minimum as it
    started before it.  Above it the step overshoots, the residual comes back larger each
    time, and the fit diverges: on standardized data with a few rows 25 times longer than
    the rest, the 50 steps of the range test visit such a row once at most and preferred
    rates 30 times the ceiling, and LinearSVC(solver='sgd') diverged in 3 fits of 4 (the
    fourth ended 3 points of test accuracy below SGDClassifier's; at most at the ceiling,
    5 epochs reach it: tests/test_rate_bounds.py).  The other losses' gradients are
    bounded, so an overshoot stays bounded: no ceiling (inf).  A ceiling there would cost:
    the long rows of standardized digits are rare pixels, whose coefficients matter little,
    and under it the fit ended 6% above the optimum instead of 0.1%.

    Returns
    -------
    L_b, ceiling : float
    """
    b = max(1, int(batch))
    if hasattr(objective, "largest_row_curvatures"):  # a DaskObjective: over its chunks
        top = objective.largest_row_curvatures(fit_intercept, b)
    else:
        top = largest_scaled_row_sqnorms(objective, fit_intercept, b)
    if top.size == 0:
        return objective.alpha, np.inf
    b = top.size  # a batch larger than the data is the whole data
    c = _CURVATURE[objective.loss]
    lipschitz = c * float(np.sum(top)) / b + objective.alpha
    if objective.loss not in _UNBOUNDED_GRADIENT:
        return lipschitz, np.inf
    return lipschitz, 2.0 / max(c * float(top[0]) / b + objective.alpha,
                                np.finfo(np.float64).tiny)


def default_batch(n_samples, l1=0.0):
    """batch_size=None: min(200, n_samples); with an L1 penalty at most n_samples / 64, so
    that an epoch takes at least 64 steps.  The cumulative penalty moves a coefficient by at
    most lr l1 per step: with three steps an epoch (breast cancer's 569 rows in batches of
    200) the zeros of the optimum are reached only after hundreds of epochs, and the fit
    stopped 2.3% above the optimum at C=1; in batches of 8, 0.3%."""
    if l1 > 0:
        return max(1, min(200, n_samples // 64))
    return min(200, n_samples)


def l1_term(l1, coef):
    """l1 ||coef||_1, in float64 (0 without an L1 penalty)."""
    return l1 * float(np.sum(np.abs(coef), dtype=np.float64)) if l1 else 0.0


def fit_stochastic(est, make_objective, n_samples, *, coef_init, intercept_init, fit_intercept,
                   l1_of_weight_sum=None):
    """Train one linear model with est's stochastic solver; returns (coef, intercept, optimizer).

    Parameters
    ----------
    est : estimator
        Reads solver, learning_rate, schedule, batch_size, max_iter, tol,
        n_iter_no_change, early_stopping, validation_fraction, random_state,
        verbose; sets ``loss_curve_``, with early stopping the
        :data:`VALIDATION_CURVES` (scores, losses, best score),
        and ``n_iter_`` (epochs).
    make_objective : callable
        ``make_objective(rows) -> Objective`` over the given rows (None: all).
    n_samples : int
        Rows of the whole data set (the validation split draws from them).
    coef_init, intercept_init : ndarray
        The starting point (zeros or a warm start), trained in place.
    l1_of_weight_sum : callable, optional
        ``weight_sum -> l1``: an L1 penalty on top of the objective's L2, from the
        training rows' weight sum (as the objective's alpha), applied by the engine's
        cumulative penalty (plain SGD only: the caller checked the solver).
    """
    rng = as_random_state(est.random_state)
    seed = int(rng.randint(0, 2 ** 31 - 1))
    train_rows = val_rows = None
    if est.early_stopping and getattr(make_objective, "dask", False):
        raise ValueError("early_stopping=True is not available on dask arrays (the validation "
                         "rows would have to be gathered); set early_stopping=False, or hold "
                         "out a validation set yourself")
    if est.early_stopping:
        n_val = int(np.ceil(est.validation_fraction * n_samples))
        if n_val < 1 or n_samples - n_val < 1:
            raise ValueError(f"early_stopping needs at least 2 samples (got {n_samples}); set "
                             f"early_stopping=False")
        order = rng.permutation(n_samples)
        val_rows, train_rows = np.sort(order[:n_val]), np.sort(order[n_val:])
    objective = make_objective(train_rows)
    validation = make_objective(val_rows) if val_rows is not None else None
    l1 = 0.0 if l1_of_weight_sum is None else float(l1_of_weight_sum(objective.weight_sum))
    batch = default_batch(objective.n_samples, l1) if est.batch_size is None else int(est.batch_size)
    coef, intercept = coef_init, (intercept_init if fit_intercept else None)
    # learning_rate='auto' for a solver by name: the range test's rate, cut on plateaus below
    opt, tuned = initial_optimizer(est.solver, est.learning_rate, objective, coef, intercept,
                                   batch=batch, seed=seed, make_objective=make_objective,
                                   rows=train_rows,
                                   l1_of_weight_sum=l1_of_weight_sum if l1 else None)
    cut_on_plateau = tuned and est.schedule is None
    lr_floor = opt.lr * PLATEAU_MIN_FRACTION
    schedule = est.schedule
    if isinstance(schedule, ReduceOnPlateau):
        schedule = copy.deepcopy(schedule)
    curve, val_scores, val_losses = [], [], []
    scorer = ValidationScore(validation) if validation is not None else None
    best, stale, converged = np.inf, 0, False
    start = start_loss(objective, coef, intercept)  # the scale an exploding epoch is measured by
    max_epochs = DEFAULT_MAX_EPOCHS if est.max_iter is None else int(est.max_iter)
    for epoch in range(1, max_epochs + 1):
        if schedule is not None:
            apply_schedule(schedule, opt, epoch, unit="epoch")
        try:
            if hasattr(objective, "run_epoch"):  # a DaskObjective: the chunks in turn
                loss = objective.run_epoch(opt, coef, intercept, batch_size=batch,
                                           seed=seed + epoch, l1=l1)
            else:
                loss = run_epoch(objective, opt, coef, intercept, batch_size=batch,
                                 seed=seed + epoch, l1=l1)
        except FloatingPointError:
            raise FloatingPointError(
                f"{type(est).__name__}: the fit diverged at epoch {epoch}: with learning rate "
                f"{opt.lr:g} ({_solver_name(est.solver)}) the loss or the coefficients stopped being "
                f"finite. Try a smaller learning_rate, learning_rate='auto', a decaying schedule, "
                f"or a direct solver") from None
        curve.append(loss)
        # the stopping rule watches the objective: the epoch's mean loss plus the penalty
        watched = loss + 0.5 * objective.alpha * float(np.sum(np.square(coef, dtype=np.float64))) \
            + l1_term(l1, coef)
        if validation is not None:
            b = None if intercept is None else intercept
            watched = float(validation.value_grad(coef, b)[0]) - 0.5 * validation.alpha * float(
                np.sum(coef.astype(np.float64) ** 2))
            val_losses.append(watched)
            val_scores.append(scorer(coef, b))
        if isinstance(schedule, ReduceOnPlateau):  # the validation loss, or the objective
            schedule.update(watched)
        if est.verbose:
            extra = (f"  validation loss {watched:.6g}  validation score {val_scores[-1]:.6g}"
                     if validation is not None else "")
            print(f"epoch {epoch:4d}  lr {opt.lr:.3g}  loss {loss:.6g}{extra}", flush=True)
        # from the first epoch on: an epoch whose mean loss is 1e6 times the loss at the
        # starting point (or at the first epoch) has diverged, even while still finite
        if not np.isfinite(loss) or loss > 1e6 * max(abs(curve[0]) if epoch > 1 else 0.0, start, 1.0):
            raise FloatingPointError(
                f"{type(est).__name__}: the loss exploded at epoch {epoch} (from {start:.3g} at the "
                f"start to {loss:.3g}) with learning rate {opt.lr:g}; try a smaller learning_rate "
                f"or learning_rate='auto'")
        if est.tol is None:  # no stopping rule: every one of the max_iter epochs
            continue
        if watched < best - est.tol:
            best, stale = watched, 0
        else:
            stale += 1
            if stale >= est.n_iter_no_change:
                if cut_on_plateau and opt.lr / PLATEAU_FACTOR >= lr_floor:
                    opt.lr /= PLATEAU_FACTOR  # the noise floor of this rate: a smaller step
                    stale = 0
                    continue
                converged = True
                break
    est.loss_curve_ = curve
    for name in VALIDATION_CURVES:
        est.__dict__.pop(name, None)
    if validation is not None:
        est.validation_scores_ = val_scores
        est.validation_loss_curve_ = val_losses
        est.best_validation_score_ = max(val_scores)
    if not converged and est.tol is not None:  # tol=None asked for max_iter epochs
        watched = "validation loss" if validation is not None else "training objective"
        warn(
            f"{type(est).__name__}: the {_solver_name(est.solver)} solver ran max_iter={max_epochs} "
            f"epochs and stopped before converging: the {watched} still improved by more than "
            f"tol={est.tol:g} within the last {est.n_iter_no_change} epochs; increase max_iter "
            f"or use a decaying schedule", ConvergenceWarning)
    return coef, intercept, opt, len(curve)


#: What early stopping records, per epoch (scikit-learn's names): the validation score
#: (accuracy, or R^2 for the squared loss: higher is better), the validation loss (the data
#: loss without the penalty: lower is better, what the stopping rule and a ReduceOnPlateau
#: watch) and the best score.
VALIDATION_CURVES = ("validation_scores_", "validation_loss_curve_", "best_validation_score_")
_CURVES = ("loss_curve_",) + VALIDATION_CURVES


class ValidationScore:
    """The score of one linear problem on the validation rows of an Objective:
    weighted accuracy for the classification losses (the sign of the score against the
    -1/+1 targets, or the argmax against the class indices), R^2 for the squared loss.
    The rows are gathered once per fit (a tenth of X at the default validation_fraction),
    not at every epoch."""

    def __init__(self, validation):
        rows = validation.rows
        X = validation.X if rows is None else validation.X[rows]
        self.X, self.loss = X, validation.loss
        self.y = validation.rows_of(validation._y)
        w = validation.rows_of(validation._sample_weight)
        self.w = None if w is None else np.asarray(w, dtype=np.float64)

    def __call__(self, coef, intercept):
        z = np.asarray(self.X @ np.asarray(coef).T, dtype=np.float64)
        if intercept is not None:
            z = z + np.asarray(intercept, dtype=np.float64)
        y = np.asarray(self.y, dtype=np.float64)
        if self.loss == "squared":
            z = z.reshape(y.shape)
            mean = np.average(y, weights=self.w)
            den = float(np.average((y - mean) ** 2, weights=self.w))
            num = float(np.average((y - z) ** 2, weights=self.w))
            return 1.0 - num / den if den > 0 else (1.0 if num == 0 else 0.0)
        if z.ndim == 2 and z.shape[1] > 1:
            hit = np.argmax(z, axis=1) == y.astype(np.int64)
        else:
            hit = np.where(z.reshape(-1) > 0, 1.0, -1.0) == np.where(y > 0, 1.0, -1.0)
        return float(np.average(hit, weights=self.w))


def validation_history(est):
    """The early-stopping records the last :func:`fit_stochastic` left on est (or None)."""
    if not hasattr(est, "validation_scores_"):
        return None
    return {name: getattr(est, name) for name in VALIDATION_CURVES}


def set_validation_history(est, histories):
    """Set the early-stopping records of a fit of several problems (one-vs-rest, several
    targets): each attribute as one problem's value, or a list with one per problem, as
    ``loss_curve_``; none of them without early stopping."""
    for name in VALIDATION_CURVES:
        est.__dict__.pop(name, None)
    histories = [h for h in histories if h is not None]
    if not histories:
        return
    for name in VALIDATION_CURVES:
        values = [h[name] for h in histories]
        setattr(est, name, values[0] if len(values) == 1 else values)


@contextlib.contextmanager
def curves_kept_on_error(est):
    """Put back ``loss_curve_`` and ``validation_scores_`` -- which :func:`fit_stochastic`
    writes at the end of each problem -- when the fit raises (an error or a
    KeyboardInterrupt in a later problem of a multi-target or one-vs-rest fit), so that a
    failed fit leaves every fitted attribute as it was."""
    saved = {name: est.__dict__[name] for name in _CURVES if name in est.__dict__}
    try:
        yield
    except BaseException:
        for name in _CURVES:
            est.__dict__.pop(name, None)
        est.__dict__.update(saved)
        raise


def start_loss(objective, coef, intercept):
    """The mean data loss at the starting point (coef, intercept), the scale against which
    an exploding epoch is detected: in closed form at zero coefficients (no pass over X),
    else one evaluation of the objective (a warm start); 0 when it cannot be evaluated."""
    y = getattr(objective, "_y", None)
    if y is not None and hasattr(objective, "rows_of"):
        y = objective.rows_of(y)  # the objective's own rows
    if not np.any(coef) and (intercept is None or not np.any(intercept)):
        K = objective.n_outputs
        closed = {"logistic": float(np.log(2.0)), "hinge": 1.0, "squared_hinge": 1.0,
                  "softmax": float(np.log(K)), "multiclass_hinge": K - 1.0}
        if objective.loss in closed:
            return closed[objective.loss]
        if objective.loss == "squared" and y is not None:  # mean w y^2 / 2
            half_sq = 0.5 * y.astype(np.float64) ** 2
            w = objective._sample_weight
            if w is not None and hasattr(objective, "rows_of"):
                w = objective.rows_of(w)
            return float(np.mean(half_sq) if w is None
                         else np.dot(w.astype(np.float64), half_sq) / objective.weight_sum)
    try:
        value = float(objective.value_grad(coef, intercept)[0])
    except (ValueError, FloatingPointError):
        return 0.0
    return value if np.isfinite(value) else 0.0


def _solver_name(solver):
    return repr(solver) if isinstance(solver, str) else type(solver).__name__


def new_objective_factory(loss, X, y, sample_weight, alpha_of_weight_sum, n_threads, **kwargs):
    """``rows -> Objective`` over X[rows] (all rows for None; X itself is never copied: see
    ``Objective(rows=...)``), alpha from the rows' weight sum."""
    if getattr(X, "parts", None) is not None:  # a DaskData: one objective over every chunk
        def make_dask(rows):
            wsum = float(len(y)) if sample_weight is None else float(
                np.sum(sample_weight, dtype=np.float64))
            return DaskObjective(loss, X, y, sample_weight=sample_weight,
                                 alpha=alpha_of_weight_sum(wsum), n_threads=n_threads, **kwargs)

        make_dask.dask = True
        return make_dask

    def make(rows):
        # a row subset (early stopping's training and validation rows, the range test's
        # sample) is an Objective over the rows of X itself: no copy of X, the bits of one
        # over X[rows] (scikit-learn's SGD splits by index too)
        wr = sample_weight if (rows is None or sample_weight is None) else sample_weight[rows]
        wsum = float(len(y) if rows is None else len(rows)) if wr is None else float(
            np.sum(wr, dtype=np.float64))
        return Objective(loss, X, y, sample_weight=sample_weight, alpha=alpha_of_weight_sum(wsum),
                         n_threads=n_threads, rows=rows, **kwargs)

    return make
