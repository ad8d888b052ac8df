r"""LinearSVC: a linear support vector classifier, solved in the dual or in the primal.

The objective is scikit-learn's (liblinear's), so that C means the same thing:

.. math::

    \min_{w, b}\ P(w, b) = \tfrac{1}{2} \|w\|^2 + \frac{b^2}{2 s^2}
        + C \sum_i c_i\, \xi_i(y_i (w \cdot x_i + b)),\qquad
    \xi(m) = \max(0, 1 - m)\ \text{('hinge')}\ \text{or}\ \max(0, 1 - m)^2\
    \text{('squared_hinge')},

with :math:`c_i` the sample weight times the class weight, y in {-1, +1} and
s = ``intercept_scaling``.  The intercept **is penalized**, as in liblinear and
scikit-learn's LinearSVC: b is s times the weight of a constant feature of
value s, so :math:`\|\tilde w\|^2` of :math:`\tilde w = [w, b / s]` holds
:math:`b^2 / s^2` (a larger ``intercept_scaling`` weakens that penalty).  More
than two classes: one binary problem per class (one-vs-rest), or one
Weston-Watkins problem (below).

The dual (``dual=True``), in C (``src_c/dual_cd.c``):

.. math::

    \min_\alpha\ \tfrac{1}{2} \alpha^T (Q + D) \alpha - \textstyle\sum_i \alpha_i,\quad
    0 \le \alpha_i \le U_i,\quad Q_{ij} = y_i y_j \tilde x_i \cdot \tilde x_j,

(hinge: :math:`U_i = C c_i, D_{ii} = 0`; squared hinge: :math:`U_i = \infty,
D_{ii} = 1 / (2 C c_i)`), :math:`\tilde x_i = [x_i, s]`, one coordinate at a
time in a fresh random order each pass, keeping :math:`\tilde w = \sum_i
\alpha_i y_i \tilde x_i` up to date (Hsieh, Chang, Lin, Keerthi & Sundararajan,
ICML 2008, Algorithms 1 and 2: random permutation and shrinking).  It stops
when the spread of the projected gradient over a pass, max PG - min PG, is at
most ``tol`` (liblinear's rule).  liblinear checks the coordinates it shrank only
once the rest have converged, so those dropped too early stay out until then, at
max_iter for good; here they are checked again each time the shrunk set's spread
falls to a tenth of the last full pass's, and in the last pass: at max_iter=1000
the fit ends closer to the optimum than liblinear's on the digits sets (USPS 2-3
times, standardized 8 x 8 digits 18 times with the hinge and 10^5 times with the
squared hinge), and at a ``tol`` that rounding cannot reach, at the optimum
instead of above it.

The primal (``dual=False``) is :class:`fastoptim.losses.Objective` scaled by
:math:`1 / (C \sum_i c_i)` -- the weighted mean loss plus
:math:`\frac{\lambda}{2}\|w\|^2`, :math:`\lambda = 1 / (C \sum_i c_i)`, one
fused C pass over X per evaluation -- plus the intercept's penalty
:math:`\frac{\lambda}{2 s^2} b^2`, added around it in Python (X is never
copied to append a constant column).  Solvers:

- 'newton-cholesky' (squared hinge): Newton's method on the generalized
  Hessian of the scaled objective in (w, b),
  :math:`\frac{2}{\sum c} \sum_{i \in I(w, b)} c_i \hat x_i \hat x_i^T +
  \lambda\, \mathrm{diag}(1, \dots, 1, 1/s^2)`, :math:`\hat x_i = [x_i, 1]`
  (I: the samples with margin < 1), built by the C core in the pass that
  computes the value and the gradient, solved by LAPACK's Cholesky,
  with Armijo backtracking: the squared hinge is once differentiable with a
  Lipschitz gradient, so the generalized Newton method with a line search
  converges, and in finitely many steps near the solution (Keerthi & DeCoste
  2005; Mangasarian 2002).  For few features (dense) or short rows (sparse).
- 'newton-cg' (squared hinge): the same Newton direction by conjugate
  gradients on Hessian-vector products (one pass over X each): truncated
  Newton, as liblinear's primal solver for this loss (Lin, Weng & Keerthi 2008).
- 'lbfgs': scipy's L-BFGS-B on the value and gradient.  On the squared hinge
  it converges like on any smooth function; on the hinge and on the
  Weston-Watkins loss (piecewise linear, not differentiable at the kinks) it is
  used as a quasi-Newton method for non-smooth functions (Lewis & Overton 2013):
  it reaches the optimum's neighbourhood and stops when an iteration lowers the
  objective by less than 1e-4 * tol (relative) or its line search finds no more
  decrease.  The solution is approximate: it can stall at a kink, 1e-5 to 1e-3
  above the optimal objective on the tests' problems with coefficients a few per
  cent off.  Use the dual for an exact binary hinge solution.
- 'sag', 'saga', 'svrg' (squared hinge): the variance-reduced epochs of
  :mod:`fastoptim.optim.variance_reduced` on the scaled objective, the intercept's
  penalty :math:`\lambda b^2 / (2 s^2)` included, so that they converge to P's optimum.
- 'sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam', 'adadelta', 'nadam' or
  an optimizer object: mini-batch epochs of the C engine, shared with LogisticRegression
  (:mod:`fastoptim.linear_model._stochastic`).  The engine does not penalize
  intercepts, so these solvers leave out :math:`b^2 / (2 s^2)`: the minimizer
  of the objective they see is at most :math:`b^2 / (2 s^2)` (b: its intercept)
  above the optimum of P -- usually far below 1e-3 of P.

Every full-batch primal solver stops when the largest gradient entry is at
most :math:`\epsilon` times the largest one at the start, with liblinear's
:math:`\epsilon = \mathrm{tol} \cdot \max(\min(n_+, n_-), 1) / n` (n+, n-:
the sizes of the two classes of the problem; the smallest class for
Weston-Watkins), or after ``max_iter`` iterations.

Weston-Watkins (``multi_class='weston_watkins'``, primal only):

.. math::

    \min_{W, b}\ \tfrac{1}{2} \|W\|_F^2 + \frac{\|b\|^2}{2 s^2}
      + C \sum_i c_i \sum_{j \ne y_i} \max(0, z_{ij} - z_{i y_i} + 1),\qquad
    z_i = W x_i + b,

one weight vector per class, trained jointly (Weston & Watkins 1999; the loss
'multiclass_hinge' of :mod:`fastoptim.losses`).  The intercepts are penalized
like the binary case's, so that ``intercept_scaling`` means the same in every
mode; with the penalty the solution is unique and its rows of W and entries of
b each sum to zero (the loss sees only differences of scores).  Crammer &
Singer (2001) penalize only the largest violation per sample instead (not
implemented here).

References
----------
C.-J. Hsieh, K.-W. Chang, C.-J. Lin, S. S. Keerthi and S. Sundararajan, "A dual coordinate
descent method for large-scale linear SVM", ICML 2008.
S. S. Keerthi and D. DeCoste, "A modified finite Newton method for fast solution of large scale
linear SVMs", JMLR 6, 2005.
C.-J. Lin, R. C. Weng and S. S. Keerthi, "Trust region Newton method for large-scale logistic
regression", JMLR 9, 2008 (also the L2-loss SVM's primal, liblinear's solver).
O. L. Mangasarian, "A finite Newton method for classification", Optim. Methods Softw. 17, 2002.
A. S. Lewis and M. L. Overton, "Nonsmooth optimization via quasi-Newton methods", Math.
Program. 141, 2013.
J. Weston and C. Watkins, "Support vector machines for multi-class pattern recognition",
ESANN 1999.
K. Crammer and Y. Singer, "On the algorithmic implementation of multiclass kernel-based vector
machines", JMLR 2, 2001.
"""
from __future__ import annotations

import numbers
from typing import TYPE_CHECKING

import numpy as np
import scipy.optimize
import scipy.sparse as sp

from .._blas import blas_threads
from .._core import _dual_cd, _status
from .._dask import DaskData, objective_for
from .._validation import csr_parts, penalty_from_C
from ..base import (BaseEstimator, ClassifierMixin, SparseCoefMixin, class_sample_weights,
                    linear_scores, seed_of, validate_sample_weight)
from ..exceptions import ConvergenceWarning, warn
from ..linear_model._glmnet import SQUARED_HINGE, ColumnData, sample_costs
from ..linear_model._logistic import _FULL_BATCH, IterationLog, _Packed, report_unconverged
from ..linear_model._stochastic import (STOCHASTIC_SOLVERS, VALIDATION_CURVES,
                                        check_stochastic_params, curves_kept_on_error,
                                        fit_stochastic, is_stochastic, new_objective_factory,
                                        set_validation_history, takes_l1_penalty,
                                        validation_history)
from ..linear_model._variance_reduced import (VARIANCE_REDUCED_SOLVERS, check_in_memory,
                                               check_variance_reduced_params,
                                               fit_variance_reduced, is_variance_reduced)
from ..losses import HessianOperator, Objective

if TYPE_CHECKING:  # the annotations' names (never evaluated at run time)
    from collections.abc import Callable
    from typing import Self

    from numpy.typing import ArrayLike

    from ..optim import Optimizer

__all__ = ["LinearSVC"]

_LOSSES = ("hinge", "squared_hinge")
_MULTI_CLASS = ("ovr", "weston_watkins")
_NEWTON = ("newton-cholesky", "newton-cg")
_PRIMAL = _NEWTON + ("lbfgs",)
#: solver='auto' in the primal (squared hinge, L2) compares the work of one Newton iteration
#: of each solver, in units of one product of two stored entries of a row (a "pair"):
#:
#: - 'newton-cholesky': building the Hessian, sum_i nnz_i (nnz_i + 1) / 2 pairs, plus its
#:   factorization, (d + 1)^3 / 3 flops at about 3 flops per pair: (d + 1)^3 / _CHOLESKY_FACTOR;
#: - 'newton-cg': its Hessian-vector products, one pass over the stored entries each:
#:   _CG_PAIRS_PER_ENTRY[sparse] pairs per stored entry (the products a Newton step takes
#:   times a pass's cost in pairs; a sparse entry dearer than a dense one), plus the
#:   products' fixed cost (the CG loop in Python, ~25 us each): _CG_FIXED_WORK.
#:
#: Only rows with margin < 1 add pairs to the Hessian and cost a product, so that share
#: cancels; each class of one-vs-rest builds its own Hessian, so the classes scale both alike.
#: Fit to measured fit times (2 cores, default tol, best of 3-5 interleaved runs; issue 24).
#: Real data sets need 15-50 Hessian-vector products per Newton step, standardized
#: make_classification 5-11, and a rule on shapes alone cannot see the conditioning, so the
#: real sets decide: newton-cholesky on 64-feature dense multiclass data (digits 1797 x 64:
#: 27 / 138 ms standardized; digits x 3 with noise: 88 / 241; USPS pooled to 8 x 8, 7291 x 64:
#: 76 / 154) and on a9a (8 / 82) and the bench's 50000 x 300 CSR at 4% (15 / 25); newton-cg on
#: USPS's 256 features (737 / 402) and on wide CSR (d = 3000 at 1%: newton-cholesky 80x
#: slower, its factorization).  Any dense value in 22-28 picks all of those right; on the
#: synthetic grid (n 5000 / 20000, d 16-1024 dense; CSR d 100-3000 at 1-20%; 2 and 10
#: classes) the pick is then within 16% of the faster solver except for 2000-5000 x 64 dense
#: binary (newton-cholesky 1.4-1.5x slower) and 5000 x 300 CSR at 20% (1.8x: at that size a
#: product runs on one thread, the Hessian on two).
_CG_PAIRS_PER_ENTRY = {False: 28.0, True: 16.0}  # {sparse: pairs per stored entry}
_CHOLESKY_FACTOR = 8.0
_CG_FIXED_WORK = 5e6
#: lbfgs on the non-smooth losses stops when an iteration lowers the objective by less than
#: _FTOL * tol (relative): at tol=1e-4 that leaves it about 1e-4 relative above the optimum
_FTOL = 1e-4


class _InterceptPenalty:
    """An Objective plus the intercept's penalty (lam / (2 s^2)) ||b||^2, lam its alpha,
    all times ``scale``.

    Offers what ``_Packed`` and the full-batch solvers call (``value_grad``,
    ``hessp_operator``, ``hessian``); the term is added in Python, never by copying X.
    ``scale`` (1 / the largest initial gradient entry, set by the caller) makes
    the solvers' absolute tests relative: the gradient threshold, and Newton-CG's
    forcing term min(0.5, sqrt(max |g|)) becomes min(0.5, sqrt(max |g| / max |g0|)).
    """

    def __init__(self, objective, intercept_scaling):
        self.obj = objective
        self.beta = objective.alpha / float(intercept_scaling) ** 2
        self.scale = 1.0
        self.coef_shape = objective.coef_shape
        self.n_outputs = objective.n_outputs
        self.dtype = objective.dtype
        self.n_threads_requested = objective.n_threads_requested

    def value_grad(self, coef, intercept=None):
        value, g, gb = self.obj.value_grad(coef, intercept)
        g = self.scale * np.asarray(g, dtype=np.float64)
        if intercept is None:
            return self.scale * value, g, gb
        b = np.asarray(intercept, dtype=np.float64)
        value += 0.5 * self.beta * float(np.sum(b * b))
        return self.scale * value, g, self.scale * (gb + self.beta * b)

    def hessp_operator(self, coef, intercept=None):
        hvp = self.obj.hessp_operator(coef, intercept)

        def diagonal():
            dc, db = hvp.diagonal()
            return self.scale * dc, None if db is None else self.scale * (db + self.beta)

        return HessianOperator(
            lambda vec_coef, vec_intercept=None: self._penalized(
                hvp(vec_coef, vec_intercept), intercept, vec_intercept),
            diagonal)

    def _penalized(self, product, intercept, vec_intercept):
        """A Hessian product of the objective, scaled, plus the intercept penalty's."""
        hv, hb = product
        hv = self.scale * np.asarray(hv, dtype=np.float64)
        if intercept is None:
            return hv, hb
        return hv, self.scale * (hb + self.beta * np.asarray(vec_intercept, dtype=np.float64))

    def hessian(self, coef, intercept=None):
        value, grad, hess = self.obj.hessian(coef, intercept)
        if intercept is not None:
            b = float(np.asarray(intercept, dtype=np.float64).reshape(-1)[0])
            value += 0.5 * self.beta * b * b
            grad[-1] += self.beta * b
            hess[-1, -1] += self.beta
        if self.scale != 1.0:
            grad *= self.scale
            hess *= self.scale
        return self.scale * value, grad, hess


def _lbfgs_nonsmooth(f, x0, max_iter, ftol, curve):
    """L-BFGS-B as a method for non-smooth functions (Lewis & Overton 2013).

    The gradient never vanishes at a kink, so the test is the objective's relative
    decrease in an iteration (scipy's ``ftol``), or the line search finding none.
    Returns (x, iterations, True unless max_iter ended it); appends the objective after each
    iteration to ``curve``.
    """
    with blas_threads(1):
        res = scipy.optimize.minimize(f, x0, jac=True, method="L-BFGS-B",
                                      callback=lambda intermediate_result: curve.append(
                                          float(intermediate_result.fun)),
                                      options={"maxiter": max_iter, "maxls": 50, "gtol": 0.0,
                                               "ftol": ftol})
    return res.x, int(res.nit), int(res.nit) < max_iter


def _solver_name(solver):
    return solver if isinstance(solver, str) else type(solver).__name__


class LinearSVC(SparseCoefMixin, ClassifierMixin, BaseEstimator):
    r"""Linear support vector classifier, trained in the dual or in the primal.

    Minimizes :math:`\frac{1}{2}\|w\|^2 + \frac{b^2}{2 s^2} + C \sum_i c_i \xi_i`
    with :math:`\xi_i` the hinge loss or its square of :math:`y_i (w \cdot x_i + b)`
    -- scikit-learn's LinearSVC objective, including its penalized intercept (see
    Notes) -- or the Weston-Watkins multiclass objective.

    Parameters
    ----------
    C : float, default 1.0
        Cost of the losses (> 0); smaller C means a stronger penalty on w.
    loss : {'squared_hinge', 'hinge'}, default 'squared_hinge'
        The loss per sample: :math:`\max(0, 1 - y z)^2` or :math:`\max(0, 1 - y z)`.
        Ignored with ``multi_class='weston_watkins'`` (its own hinge).
    dual : bool or 'auto', default 'auto'
        True: dual coordinate descent.  False: the primal, with ``solver``.
        'auto' (scikit-learn's rule and default): the primal when ``solver`` names
        a primal solver or ``multi_class='weston_watkins'``; otherwise the dual for
        the hinge (scikit-learn has no primal hinge solver) or when n_samples <
        n_features, else the primal (on tall data the primal Newton solvers were
        faster than the dual on every set measured here).  ``solver_`` says which
        ran ('dual-cd' for the dual).
    fit_intercept : bool, default True
        Fit an intercept (penalized; see Notes).
    intercept_scaling : float, default 1.0
        s > 0: the intercept's penalty is :math:`b^2 / (2 s^2)`, so a larger value
        weakens it (liblinear: b is s times the weight of a constant feature s).
    class_weight : dict, 'balanced' or None
        Multiplies C for the samples of each class ('balanced': sum of the sample
        weights / (n_classes * the class's sum of sample weights)).
    max_iter : int, default 1000
        Dual: passes over the samples per binary problem.  Primal: iterations
        (Newton or L-BFGS steps) per problem, or epochs of a stochastic solver or of
        'sag', 'saga', 'svrg'.
    tol : float, default 1e-4
        Dual: stop when max - min of the projected dual gradient over a pass is
        <= tol.  Full-batch primal solvers: stop when the largest gradient entry
        falls below :math:`\epsilon` times its initial value, :math:`\epsilon =
        tol \max(\min(n_+, n_-), 1) / n` (liblinear's primal rule).  Stochastic
        solvers: the improvement of the epoch's mean loss below which an epoch
        counts as stale (see ``n_iter_no_change``).  'sag', 'saga', 'svrg': stop when
        an epoch changes no coefficient by more than tol times the largest.
        'newton-cd': stop when the largest violation of the optimality conditions
        is at most tol times the largest gradient entry at w = 0 (after one more
        Newton step solved more tightly).
    random_state : int, RandomState or None
        Seeds the order of the coordinates in each dual pass, the shuffles of the
        stochastic solvers and their validation split.
    verbose : int, default 0
        > 0: print the iterations each problem took (stochastic: one line per epoch).
    solver : str or optimizer, default 'auto'
        The primal solver: 'newton-cholesky' or 'newton-cg' (squared hinge only),
        'lbfgs', 'sag', 'saga', 'svrg' (squared hinge, 'ovr' only: variance-reduced
        epochs on the exact objective, the intercept's penalty included;
        :mod:`fastoptim.optim.variance_reduced`), a stochastic solver ('sgd', 'momentum',
        'nesterov', 'adagrad', 'rmsprop', 'adam', 'adadelta', 'nadam') or an optimizer
        object from
        :mod:`fastoptim.optim` (e.g. ``AdamW(lr=1e-3, weight_decay=0.0)``: there is no
        'adamw' name, since AdamW's default weight decay would change the objective).  'auto': the dual
        when ``dual`` resolves to True; else, for the squared hinge, the faster of
        'newton-cholesky' and 'newton-cg' by a cost model measured on dense and sparse
        sets: the Hessian's products of each row's stored entries plus its
        :math:`(d + 1)^3` factorization, against the Hessian-vector products of a
        truncated Newton step (one pass over the stored entries each, plus a fixed cost)
        -- 'newton-cholesky' for up to about 55 dense features (more with a few thousand
        samples: 64-feature digits) or short sparse rows (a9a), 'newton-cg' for long
        rows and wide data (usps, d in the thousands); 'lbfgs' for the hinge and
        Weston-Watkins; with ``penalty='l1'`` 'newton-cd', its only solver: newGLMNET,
        Newton steps by coordinate descent with liblinear's shrinking
        (:mod:`fastoptim.linear_model._glmnet`; Yuan, Ho & Lin 2012).
        Any other value than 'auto' requires ``dual=False`` or ``dual='auto'``.
    penalty : {'l2', 'l1'}, default 'l2'
        'l1': :math:`\|w\|_1 + |b| / s` in place of the squared norms (sparse
        coefficients; scikit-learn's ``LinearSVC(penalty='l1', dual=False)``), with
        ``loss='squared_hinge'`` and ``multi_class='ovr'``, solved in the primal by
        'newton-cd'; or :math:`\|w\|_1` with ``solver='sgd'`` (an SGD object without
        momentum too: the cumulative L1 penalty of Tsuruoka et al. 2009, any loss and
        ``multi_class``, the intercept unpenalized as with every stochastic solver).
    multi_class : {'ovr', 'weston_watkins'}, default 'ovr'
        Three classes or more: one binary problem per class ('ovr'), or one joint
        Weston-Watkins problem (primal solvers only: 'lbfgs' or stochastic).  With two
        classes 'weston_watkins' fits the two-row model and stores the difference of
        its rows, so ``coef_`` has one row as with 'ovr'.
    learning_rate, schedule, batch_size, early_stopping, validation_fraction, n_iter_no_change
        The stochastic solvers' settings, read as by
        :class:`fastoptim.LogisticRegression` (:mod:`fastoptim.linear_model._stochastic`):
        the rate of a solver by name ('auto' or a number > 0, default 'auto'), a callable
        ``schedule(epoch) -> lr`` (default None), the mini-batch size (default None:
        min(200, n_samples)), whether to hold out ``validation_fraction`` (default 0.1)
        of the samples and stop when their loss stops improving (default False), and the
        number of stale epochs that stops the run (default 5).  'sag', 'saga', 'svrg'
        read ``learning_rate`` only ('auto': the line search on the Lipschitz constant;
        a number: the fixed step).
    n_threads : int, optional
        Threads of the primal solvers' C passes (None: what OpenMP and threadpoolctl
        allow).  The dual coordinate descent runs on one thread.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Two classes: one row, positive for ``classes_[1]``; more: one row per class.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Zeros when fit_intercept=False.
    dual_coef_ : ndarray of shape (1, n_samples) or (n_classes, n_samples)
        Dual solver only: the dual solution alpha_i of each binary problem (>= 0;
        y_i not folded in).
    n_iter_ : int
        The largest number of passes, iterations or epochs over the problems.
    solver_ : str
        The solver used: 'dual-cd', a primal solver's name, or the optimizer's class name.
    loss_curve_ : list
        Stochastic solvers: each epoch's mean loss; full-batch primal solvers
        (``dual=False``): the objective above (with its intercept term) after each
        iteration.  A list per problem when several; absent after the dual solver.
    n_features_in_ : int

    Notes
    -----
    As in liblinear, the intercept is :math:`b = s\, w_{d+1}` for the weight of an
    extra feature of constant value s = ``intercept_scaling``, and
    :math:`w_{d+1}^2/2 = b^2 / (2 s^2)` is part of the penalty; ``coef_`` and
    ``intercept_`` equal scikit-learn's LinearSVC (dual=True or False) at the same C,
    loss and tol up to the solver tolerance.  The stochastic solvers leave the
    intercept's penalty out (their C engine does not penalize intercepts; see the
    module docstring).  scikit-learn refuses ``dual=False`` with the hinge; here it
    is solved by 'lbfgs' or a stochastic solver, approximately (the hinge is not
    differentiable).  Sample weights and class weights scale each sample's C.  With
    more than two classes, one-vs-rest and ``class_weight``, every sample keeps its
    own class's weight in every problem, whereas liblinear weights only the positive
    class of each problem (the "rest" samples get plain C).

    References
    ----------
    C.-J. Hsieh, K.-W. Chang, C.-J. Lin, S. S. Keerthi and S. Sundararajan, "A dual
    coordinate descent method for large-scale linear SVM", ICML 2008.
    S. S. Keerthi and D. DeCoste, "A modified finite Newton method for fast solution
    of large scale linear SVMs", JMLR 6, 2005.
    J. Weston and C. Watkins, "Support vector machines for multi-class pattern
    recognition", ESANN 1999.

    Examples
    --------
    >>> import numpy as np
    >>> from fastoptim.svm import LinearSVC
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = ["no", "no", "yes", "yes"]
    >>> LinearSVC(random_state=0).fit(X, y).predict([[0.2], [2.8]]).tolist()
    ['no', 'yes']
    >>> LinearSVC(dual=False).fit(X, y).predict([[0.2], [2.8]]).tolist()
    ['no', 'yes']
    """

    _dask_fit = True  # the primal solvers take dask arrays (fastoptim._dask); the dual does not

    def __init__(self, C: float = 1.0, loss: str = "squared_hinge", dual: bool | str = "auto",
                 fit_intercept: bool = True, intercept_scaling: float = 1.0,
                 class_weight: dict | str | None = None, max_iter: int | None = 1000,
                 tol: float | None = 1e-4, random_state: int | np.random.RandomState | None = None,
                 verbose: int | bool = 0, solver: str | Optimizer = "auto", *,
                 penalty: str | None = "l2", multi_class: str = "ovr",
                 learning_rate: float | str = "auto",
                 schedule: Callable[[int], float] | None = None, batch_size: int | None = None,
                 early_stopping: bool = False, validation_fraction: float = 0.1,
                 n_iter_no_change: int = 5, n_threads: int | None = None) -> None:
        self._store_init_args(locals())

    # -- parameters ---------------------------------------------------------------------------

    def _check_params(self):
        if self.penalty not in ("l2", "l1"):
            raise ValueError(f"penalty must be 'l2' or 'l1', got {self.penalty!r}")
        C = self.C
        if isinstance(C, (bool, np.bool_)) or not isinstance(C, numbers.Real):
            raise TypeError(f"C must be a number > 0, got {C!r}")
        if not (np.isfinite(C) and C > 0):
            raise ValueError(f"C must be a finite number > 0 (smaller C: stronger penalty), "
                             f"got {C!r}")
        if not (isinstance(self.loss, str) and self.loss in _LOSSES):
            raise ValueError(f"loss must be 'squared_hinge' or 'hinge', got {self.loss!r}")
        if isinstance(self.dual, str):
            if self.dual != "auto":
                raise ValueError(f"dual must be True, False or 'auto', got {self.dual!r}")
        elif not isinstance(self.dual, (bool, np.bool_)):
            raise TypeError(f"dual must be True, False or 'auto', got {self.dual!r}")
        if not (isinstance(self.multi_class, str) and self.multi_class in _MULTI_CLASS):
            raise ValueError(f"multi_class must be 'ovr' or 'weston_watkins', got "
                             f"{self.multi_class!r}")
        self._check_solver()
        if not isinstance(self.fit_intercept, (bool, np.bool_)):
            raise TypeError(f"fit_intercept must be True or False, got {self.fit_intercept!r}")
        s = self.intercept_scaling
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, numbers.Real):
            raise TypeError(f"intercept_scaling must be a number > 0, got {s!r}")
        if not (np.isfinite(s) and s > 0):
            raise ValueError(f"intercept_scaling must be a finite number > 0, got {s!r}")
        if not 1e-150 < s < 1e150:
            # the intercept's column holds s: its square enters the dual's diagonal and the
            # penalty alpha / s^2 of the primal, and beyond this range either overflows
            raise ValueError(f"intercept_scaling={s!r} is out of range: its square (the "
                             f"intercept column's squared norm, and its penalty 1/s^2) must stay "
                             f"finite and nonzero; use a value in [1e-150, 1e150] (1 is "
                             f"liblinear's default)")
        m = self.max_iter
        if isinstance(m, (bool, np.bool_)) or not isinstance(m, numbers.Integral):
            raise TypeError(f"max_iter must be an int >= 1, got {m!r}")
        if m < 1:
            raise ValueError(f"max_iter must be >= 1, got {m}")
        t = self.tol
        if isinstance(t, (bool, np.bool_)) or not isinstance(t, numbers.Real) \
                or not (np.isfinite(t) and t > 0):
            raise ValueError(f"tol must be a finite number > 0, got {t!r}")
        if is_stochastic(self.solver):
            check_stochastic_params(self)
        elif is_variance_reduced(self.solver):
            check_variance_reduced_params(self)

    def _check_solver(self):
        s = self.solver
        if self.penalty == "l1":
            if self.dual is True or (isinstance(self.dual, np.bool_) and self.dual):
                raise ValueError("penalty='l1' is solved in the primal only, but dual=True; "
                                 "set dual=False (or dual='auto')")
            if is_stochastic(s) and takes_l1_penalty(s):
                return  # the cumulative L1 penalty: any loss, 'ovr' or 'weston_watkins'
            if not (isinstance(s, str) and s in ("auto", "newton-cd")):
                raise ValueError(f"penalty='l1' is solved by solver='newton-cd' (newGLMNET) "
                                 f"or 'sgd' (the cumulative L1 penalty; also a "
                                 f"fastoptim.optim.SGD without momentum), got solver="
                                 f"{_solver_name(s)!r}; use solver='auto', 'newton-cd' or "
                                 f"'sgd'")
            if self.loss != "squared_hinge" or self.multi_class != "ovr":
                raise ValueError(f"penalty='l1' needs loss='squared_hinge' and "
                                 f"multi_class='ovr' (as scikit-learn's), got loss="
                                 f"{self.loss!r}, multi_class={self.multi_class!r}")
            return
        if isinstance(s, str) and s == "newton-cd":
            # with the L2 penalty the intercept's constant column and any features summing to
            # a constant (one-hot groups) make its coordinate descent crawl (a9a: minutes)
            raise ValueError("solver='newton-cd' is LinearSVC's solver for penalty='l1'; with "
                             "penalty='l2' use solver='auto', 'newton-cholesky', 'newton-cg' "
                             "or the dual (dual=True)")
        if isinstance(s, str) and s == "adamw":
            raise ValueError("solver='adamw' is not a solver name: AdamW's default weight decay "
                             "would change the objective; pass an optimizer object such as "
                             "fastoptim.optim.AdamW(lr=1e-3, weight_decay=0.0)")
        if not (is_stochastic(s) or is_variance_reduced(s)
                or (isinstance(s, str) and s in ("auto",) + _PRIMAL)):
            names = ", ".join(repr(n) for n in ("auto",) + _PRIMAL + ("newton-cd",)
                              + VARIANCE_REDUCED_SOLVERS + STOCHASTIC_SOLVERS)
            raise ValueError(f"solver={s!r} is not a solver of LinearSVC; use one of {names}, "
                             f"or an optimizer object such as fastoptim.optim.Adam(lr=0.01)")
        ww = self.multi_class == "weston_watkins"
        named = not (isinstance(s, str) and s == "auto")
        if self.dual is True or (isinstance(self.dual, np.bool_) and self.dual):
            if ww:
                raise ValueError("multi_class='weston_watkins' is solved in the primal only, but "
                                 "dual=True; set dual=False (or dual='auto')")
            if named:
                raise ValueError(f"solver={_solver_name(s)!r} solves the primal problem, but "
                                 f"dual=True; set dual=False (or dual='auto') to use it, or "
                                 f"solver='auto' for the dual coordinate descent")
        if is_variance_reduced(s):
            if ww:
                raise ValueError(f"solver={s!r} needs a loss with a Lipschitz gradient, and the "
                                 f"Weston-Watkins hinge (multi_class='weston_watkins') is not "
                                 f"differentiable; use multi_class='ovr' with "
                                 f"loss='squared_hinge', or solver='lbfgs' or a stochastic "
                                 f"solver")
            if self.loss == "hinge":
                raise ValueError(f"solver={s!r} needs a loss with a Lipschitz gradient, and "
                                 f"loss='hinge' is not differentiable; use "
                                 f"loss='squared_hinge', or the dual (dual=True)")
        if isinstance(s, str) and s in _NEWTON:
            if ww:
                raise ValueError(f"solver={s!r} needs a twice-differentiable loss, and the "
                                 f"Weston-Watkins hinge is not; use solver='lbfgs' or a "
                                 f"stochastic solver with multi_class='weston_watkins'")
            if self.loss == "hinge":
                raise ValueError(f"solver={s!r} needs a twice-differentiable loss, and "
                                 f"loss='hinge' is not; use loss='squared_hinge', "
                                 f"solver='lbfgs' or a stochastic solver, or the dual (dual=True)")

    def _pick_solver(self, X):
        """'dual-cd' or the primal solver (a name or the optimizer object) for this X."""
        n, d = X.shape
        s = self.solver
        named = not (isinstance(s, str) and s == "auto")
        ww = self.multi_class == "weston_watkins"
        dask = isinstance(X, DaskData)
        if self.penalty == "l1" and is_stochastic(s):
            return s  # 'sgd' or an SGD object: the cumulative penalty (dask arrays too)
        if self.penalty == "l1":
            if dask:
                raise TypeError("LinearSVC(penalty='l1') needs in-memory data (its coordinate "
                                "descent reads columns), and X is a dask array; call "
                                "X.compute() first")
            return "newton-cd"
        if isinstance(self.dual, str):  # 'auto': scikit-learn's rule (>= 1.3); dask: primal
            dual = not (named or ww or dask) and (self.loss == "hinge" or n < d)
        else:
            dual = bool(self.dual)
        if dual:
            if dask:
                raise TypeError("LinearSVC's dual coordinate descent needs in-memory data, and X "
                                "is a dask array; set dual=False (the primal solvers take dask "
                                "arrays) or call X.compute() first")
            return "dual-cd"
        if named:
            return s
        if ww or self.loss == "hinge":
            return "lbfgs"
        if (d + 1) ** 2 > 1 << 24 or (dask and X.sparse):  # Objective.hessian's limit;
            return "newton-cg"  # a dask array's sparse chunks: row lengths unknown here
        sparse = bool(sp.issparse(X))
        if sparse:
            per_row = np.diff(X.indptr).astype(np.float64)
            pairs, stored = float(per_row @ (per_row + 1)) / 2, float(X.nnz)
        else:
            pairs, stored = n * d * (d + 1) / 2, float(n * d)
        # one Newton iteration of each, in Hessian-pair units (see _CG_PAIRS_PER_ENTRY)
        cholesky = pairs + float(d + 1) ** 3 / _CHOLESKY_FACTOR
        cg = _CG_PAIRS_PER_ENTRY[sparse] * stored + _CG_FIXED_WORK
        return "newton-cholesky" if cholesky <= cg else "newton-cg"

    # -- fit ------------------------------------------------------------------------------------

    def fit(self, X: ArrayLike, y: ArrayLike,
            sample_weight: ArrayLike | float | None = None) -> Self:
        """Fit the model.

        Parameters
        ----------
        X : array-like, sparse matrix or dask array of shape (n_samples, n_features)
            float32 stays float32 (``coef_`` too); other numbers become float64.  A dask
            array stays on its workers (the primal solvers only; see fastoptim._dask).
        y : array-like of shape (n_samples,)
            Class labels of any type (ints, floats, strings); at least two classes.
        sample_weight : float or array-like of shape (n_samples,), optional
            Multiplies each sample's C.

        Returns
        -------
        self
        """
        self._check_params()
        X, classes, y_idx = self._validate_classification(X, y)
        n = X.shape[0]
        sw = validate_sample_weight(sample_weight, n, np.float64)
        sw = class_sample_weights(self.class_weight, classes, y_idx, sw, n)
        if sw is not None and not np.sum(sw, dtype=np.float64) > 0:
            raise ValueError("the sample weights times the class weights sum to zero (every "
                             "weight is zero)")
        solver = self._pick_solver(X)
        if solver == "dual-cd":
            fitted = self._fit_dual(X, classes, y_idx, sw)
        elif solver == "newton-cd":
            if isinstance(X, DaskData):
                raise TypeError("solver='newton-cd' needs in-memory data, and X is a dask "
                                "array; call X.compute() first")
            fitted = self._fit_newton_cd(X, classes, y_idx, sw)
        else:
            with curves_kept_on_error(self):  # the stochastic solvers write loss_curve_ as they go
                fitted = self._fit_primal(X, classes, y_idx, sw, solver)
        # the fitted state, all at once: a fit that raised leaves the previous one intact
        for name in ("dual_coef_", "loss_curve_", "_passes_curve") + VALIDATION_CURVES:
            if name not in fitted and hasattr(self, name):
                delattr(self, name)
        fitted["coef_"] = fitted["coef_"].astype(X.dtype, copy=False)
        fitted["intercept_"] = np.asarray(fitted["intercept_"], dtype=X.dtype)
        fitted.update(classes_=classes, n_features_in_=X.shape[1], solver_=_solver_name(solver))
        for name, value in fitted.items():
            setattr(self, name, value)
        return self

    def _problems(self, y_idx, n_classes):
        """[(loss, targets, n_classes or None, size of the smallest class)] to solve."""
        counts = np.bincount(y_idx, minlength=n_classes)
        n = len(y_idx)
        if self.multi_class == "weston_watkins":
            return [("multiclass_hinge", y_idx.astype(np.float64), n_classes, counts.min())]
        ks = [1] if n_classes == 2 else range(n_classes)
        return [(self.loss, np.where(y_idx == k, 1.0, -1.0), None, min(counts[k], n - counts[k]))
                for k in ks]

    def _fit_dual(self, X, classes, y_idx, sw):
        n, d = X.shape
        cost = np.full(n, float(self.C)) if sw is None else float(self.C) * np.asarray(sw, np.float64)
        cost = np.ascontiguousarray(cost, dtype=np.float64)
        if self.loss == "squared_hinge":
            # the dual's diagonal holds 1 / (2 C_i): a C so small that it overflows
            with np.errstate(divide="ignore", over="ignore"):
                small = cost[cost > 0]
                if small.size and not np.isfinite(0.5 / small.min()):
                    raise ValueError(f"C={self.C!r} is too small: the squared hinge's dual "
                                     f"diagonal 1 / (2 C sample_weight) overflows; use a larger C "
                                     f"(C >= 1e-300 for unit weights)")
        if sp.issparse(X):
            values, indices, indptr = csr_parts(X)
        else:
            values, indices, indptr = X.reshape(-1), None, None
        seed = seed_of(self.random_state)
        scaling = float(self.intercept_scaling)
        coefs, intercepts, alphas, iters = [], [], [], []
        for k, (_, target, _, _) in enumerate(self._problems(y_idx, len(classes))):
            y_pm = target.astype(X.dtype)
            alpha = np.zeros(n)
            w = np.zeros(d + 1)
            status, n_iter = _dual_cd.dual_cd(
                values, indices, indptr, n, d, y_pm, cost, _dual_cd.LOSS_IDS[self.loss],
                bool(self.fit_intercept), scaling, float(self.tol), int(self.max_iter),
                seed, True, alpha, w)
            _status.check_status(status, {
                _status.ERR_NONFINITE: "the dual coordinate descent produced a non-finite value "
                                       "(X or C too large); scale X or use a smaller C"})
            if status == _status.STOP_MAX_ITER:
                warn(f"{type(self).__name__} (loss={self.loss!r}, C={self.C!r}) stopped "
                     f"after max_iter={self.max_iter} passes before the dual projected "
                     f"gradient spread fell below tol={self.tol:g}; increase max_iter, "
                     f"or scale the features", ConvergenceWarning)
            if self.verbose:
                print(f"[LinearSVC] problem {k}: {n_iter} passes, status "
                      f"{_status.strerror(status)}")
            coefs.append(w[:d])
            intercepts.append(scaling * w[d] if self.fit_intercept else 0.0)
            alphas.append(alpha)
            iters.append(n_iter)
        return {"coef_": np.vstack(coefs), "intercept_": np.asarray(intercepts),
                "dual_coef_": np.vstack(alphas), "n_iter_": int(max(iters))}

    def _fit_newton_cd(self, X, classes, y_idx, sw):
        """newGLMNET (fastoptim.linear_model._glmnet) on the squared hinge: the intercept is
        the weight of a constant column s = intercept_scaling, penalized with the others
        (|w_s| = |b| / s), as liblinear's."""
        n, d = X.shape
        scaling = float(self.intercept_scaling)
        cost = sample_costs(self.C, sw, n)
        data = ColumnData(X, extra_column=scaling if self.fit_intercept else None)
        seed = seed_of(self.random_state)
        coefs, intercepts, iters = [], [], []
        for k, (_, target, _, _) in enumerate(self._problems(y_idx, len(classes))):
            w, _, n_iter, status = data.solve(
                target, cost, l1=1.0, l2=0.0, loss=SQUARED_HINGE, fit_intercept=False,
                tol=float(self.tol), max_iter=int(self.max_iter), seed=seed)
            if status == _status.STOP_MAX_ITER:
                warn(f"{type(self).__name__} (penalty={self.penalty!r}, C={self.C!r}) stopped "
                     f"after max_iter={self.max_iter} Newton iterations before the largest "
                     f"violation of the optimality conditions fell below tol={self.tol:g} times "
                     f"its start; increase max_iter, or scale the features", ConvergenceWarning)
            if self.verbose:
                print(f"[LinearSVC] problem {k}: {n_iter} newton-cd iterations")
            coefs.append(w[:d])
            intercepts.append(scaling * w[d] if self.fit_intercept else 0.0)
            iters.append(n_iter)
        return {"coef_": np.vstack(coefs), "intercept_": np.asarray(intercepts),
                "n_iter_": int(max(iters))}

    def _fit_primal(self, X, classes, y_idx, sw, solver):
        n, d = X.shape
        coefs, intercepts, iters, curves, scores, passes = [], [], [], [], [], []
        for k, (loss, target, K, smallest) in enumerate(self._problems(y_idx, len(classes))):
            kwargs = {} if K is None else {"n_classes": K}
            if is_stochastic(solver):
                coef, b, n_iter = self._run_stochastic(X, loss, target, sw, kwargs)
                curves.append(list(self.loss_curve_))
                scores.append(validation_history(self))
            elif is_variance_reduced(solver):
                coef, b, n_iter, curve, counted = self._run_variance_reduced(X, loss, target, sw)
                curves.append(curve)
                passes.append(counted)
            else:
                eps = float(self.tol) * max(int(smallest), 1) / n
                coef, b, n_iter, curve, counted = self._run_full_batch(X, loss, target, sw,
                                                                       kwargs, solver, eps)
                curves.append(curve)
                passes.append(counted)
            if self.verbose and not is_stochastic(solver):
                print(f"[LinearSVC] problem {k}: {n_iter} {_solver_name(solver)} iterations")
            coef = np.asarray(coef, dtype=np.float64).reshape(-1, d)
            b = np.zeros(coef.shape[0]) if b is None else np.asarray(b, np.float64).reshape(-1)
            if K == 2:  # Weston-Watkins on two classes: the score of class 1 over class 0
                coef, b = coef[1:] - coef[:1], b[1:] - b[:1]
            coefs.append(coef)
            intercepts.append(b if self.fit_intercept else np.zeros_like(b))
            iters.append(n_iter)
        fitted = {"coef_": np.vstack(coefs), "intercept_": np.concatenate(intercepts),
                  "n_iter_": int(max(iters))}
        if curves:
            fitted["loss_curve_"] = curves[0] if len(curves) == 1 else curves
        if passes:  # the passes over the data at each entry of the curves (the figures' x)
            fitted["_passes_curve"] = passes[0] if len(passes) == 1 else passes
        set_validation_history(self, scores)  # (put back by curves_kept_on_error if a
        fitted.update({name: getattr(self, name) for name in VALIDATION_CURVES  # later step
                       if hasattr(self, name)})                                  # raises)
        return fitted

    def _alpha(self, weight_sum):
        """The scaled objective's L2 strength: P / (C sum c_i) = mean loss + alpha/2 ||w||^2
        (0 with penalty='l1')."""
        return 0.0 if self.penalty == "l1" else penalty_from_C(self.C, weight_sum)

    def _l1(self, weight_sum):
        """With penalty='l1' and 'sgd': the L1 strength in the same units, mean loss +
        l1 ||w||_1 (the stochastic solvers leave the intercept unpenalized)."""
        return penalty_from_C(self.C, weight_sum)

    def _run_full_batch(self, X, loss, target, sw, kwargs, solver, eps):
        wsum = float(X.shape[0] if sw is None else np.sum(sw, dtype=np.float64))
        obj = objective_for(loss, X, target, sample_weight=sw, alpha=self._alpha(wsum),
                            n_threads=self.n_threads, **kwargs)
        penalized = _InterceptPenalty(obj, self.intercept_scaling)
        f = _Packed(penalized, self.fit_intercept)
        x0 = f.pack(np.zeros(obj.coef_shape), np.zeros(obj.n_outputs))
        max_iter = int(self.max_iter)
        with np.errstate(over="ignore"):
            g0 = float(np.max(np.abs(f(x0)[1])))
            if g0 > 0:  # the solvers see the objective / max |g0|: their tests become relative
                penalized.scale = 1.0 / g0
            # the solver's (scaled) objective after each iteration, printed with verbose in
            # LinearSVC's units (the scale is the one the return below undoes)
            curve = IterationLog("LinearSVC", _solver_name(solver), float(self.C) * wsum
                                 / penalized.scale, passes_of=f, verbose=self.verbose)
            if loss == "squared_hinge":
                x, n_iter, converged = _FULL_BATCH[solver](f, x0, max_iter, eps, curve)
            else:
                x, n_iter, converged = _lbfgs_nonsmooth(f, x0, max_iter, _FTOL * float(self.tol),
                                                        curve)
        if not converged:
            report_unconverged(f"{type(self).__name__} (solver={solver!r}, loss={loss!r}, "
                               f"C={self.C!r})", n_iter, max_iter,
                               f"tol={self.tol:g} (relative to the start)", curve, X)
        coef, b = f.split(x)
        # in LinearSVC's units: 1/2 ||w||^2 + b^2 / (2 s^2) + C sum c_i xi_i
        unscale = float(self.C) * wsum / penalized.scale
        return coef, b, n_iter, [v * unscale for v in curve], list(curve.passes)

    def _run_variance_reduced(self, X, loss, target, sw):
        """'sag', 'saga', 'svrg' on the squared hinge, the intercept's penalty included: the
        objective P / (C sum c_i) exactly (LinearSVC's units in the returned curve)."""
        check_in_memory(self, X)
        wsum = float(X.shape[0] if sw is None else np.sum(sw, dtype=np.float64))
        alpha = self._alpha(wsum)
        obj = Objective(loss, X, target, sample_weight=sw, alpha=alpha, n_threads=self.n_threads)
        coef = np.zeros(obj.coef_shape, dtype=X.dtype)
        b = np.zeros(1, dtype=X.dtype) if self.fit_intercept else None
        n_ep, curve, passes = fit_variance_reduced(
            self, obj, coef, b, max_iter=int(self.max_iter),
            alpha_intercept=alpha / float(self.intercept_scaling) ** 2)
        return coef, b, n_ep, curve, passes

    def _run_stochastic(self, X, loss, target, sw, kwargs):
        make = new_objective_factory(loss, X, target, sw, self._alpha, self.n_threads, **kwargs)
        K = kwargs.get("n_classes")
        shape, n_out = ((X.shape[1],), 1) if K is None else ((K, X.shape[1]), K)
        coef, b, _, n_epochs = fit_stochastic(
            self, make, X.shape[0], coef_init=np.zeros(shape, dtype=X.dtype),
            intercept_init=np.zeros(n_out, dtype=X.dtype), fit_intercept=self.fit_intercept,
            l1_of_weight_sum=self._l1 if self.penalty == "l1" else None)
        return coef, b, n_epochs

    # -- prediction ------------------------------------------------------------------------------

    def decision_function(self, X: ArrayLike) -> np.ndarray:
        """Signed distances (scaled) to the hyperplanes: X @ ``coef_.T`` + ``intercept_``.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            The samples, with the training data's columns.

        Returns
        -------
        scores : ndarray of shape (n_samples,) for two classes (positive: ``classes_[1]``),
            else (n_samples, n_classes)
        """
        X = self._validate_predict_X(X)
        z = linear_scores(X, self.coef_, self.intercept_)
        return z.ravel() if z.shape[1] == 1 else z

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The class of each sample: the sign of the score (two classes) or the largest score.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            The samples, with the training data's columns.

        Returns
        -------
        labels : ndarray of shape (n_samples,), values from ``classes_``
        """
        return self._labels_from_scores(self.decision_function(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        return tags
