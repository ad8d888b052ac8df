r"""LinearSVC: a linear support vector classifier solved in the dual by coordinate descent.

The objective is scikit-learn's (liblinear's), so that C means the same thing:

.. math::

    \min_{w}\ \tfrac{1}{2} \|\tilde w\|^2 + C \sum_i s_i\, \xi_i,\qquad
    \xi_i = \max(0, 1 - y_i \tilde w \cdot \tilde x_i)\ \text{('hinge')}\ \text{or its square
    ('squared_hinge')},

with :math:`s_i` the sample weight times the class weight, y in {-1, +1} and
:math:`\tilde x_i = [x_i, \text{intercept\_scaling}]`: the intercept is the
weight of a constant extra feature and **is penalized** like the other
weights (as in liblinear and scikit-learn's LinearSVC; a larger
``intercept_scaling`` weakens that penalty).  ``intercept_ =
intercept_scaling * w[-1]``.

The C core (``src_c/dual_cd.c``) solves the dual

.. math::

    \min_\alpha\ \tfrac{1}{2} \alpha^T (Q + D) \alpha - \textstyle\sum_i \alpha_i,\quad
    0 \le \alpha_i \le U_i,\quad Q_{ij} = y_i y_j \tilde x_i \cdot \tilde x_j,

(hinge: :math:`U_i = C s_i, D_{ii} = 0`; squared hinge: :math:`U_i = \infty,
D_{ii} = 1 / (2 C s_i)`) one coordinate at a time, in a fresh random order
each pass, keeping :math:`w = \sum_i \alpha_i y_i \tilde x_i` up to date
(Hsieh, Chang, Lin, Keerthi & Sundararajan, ICML 2008, Algorithms 1 and 2:
random permutation and shrinking).  It stops when the spread of the projected
gradient over a pass, max PG - min PG, is at most ``tol`` (liblinear's rule).
More than two classes: one binary problem per class (one-vs-rest).
"""
import numbers
import warnings

import numpy as np
import scipy.sparse as sp

from .._core import _dual_cd, _status
from .._validation import csr_parts
from ..base import BaseEstimator, ClassifierMixin, class_sample_weights, validate_sample_weight
from ..exceptions import ConvergenceWarning

__all__ = ["LinearSVC"]

_LOSSES = ("hinge", "squared_hinge")


class LinearSVC(ClassifierMixin, BaseEstimator):
    r"""Linear support vector classifier, trained in the dual by coordinate descent.

    Minimizes :math:`\frac{1}{2}\|w\|^2 + C \sum_i s_i \xi_i` with :math:`\xi_i`
    the hinge loss or its square of :math:`y_i (w \cdot x_i + b)` -- scikit-learn's
    LinearSVC objective, including its penalized intercept (see Notes).

    Parameters
    ----------
    C : float, default 1.0
        Cost of the losses (> 0); smaller C means a stronger penalty on w.
    loss : {'squared_hinge', 'hinge'}, default 'squared_hinge'
        The loss per sample: :math:`\max(0, 1 - y z)^2` or :math:`\max(0, 1 - y z)`.
    dual : bool or 'auto', default True
        Solve the dual problem (the only solver available; ``'auto'`` means True).
    fit_intercept : bool, default True
        Fit an intercept as the weight of a constant feature (penalized; see Notes).
    intercept_scaling : float, default 1.0
        The value (> 0) of that constant feature; intercept_ = intercept_scaling *
        its weight, so a larger value weakens the penalty on the intercept.
    class_weight : dict, 'balanced' or None
        Multiplies C for the samples of each class ('balanced': sum of the sample
        weights / (n_classes * the class's sum of sample weights)).
    max_iter : int, default 1000
        Passes of coordinate descent over the samples, per binary problem.
    tol : float, default 1e-4
        Stop when max - min of the projected dual gradient over a pass is <= tol.
    random_state : int, RandomState or None
        Seeds the random order of the coordinates in each pass.
    verbose : int, default 0
        > 0: print the passes each binary problem took.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Two classes: one row, positive for classes_[1]; more: one row per class
        (one-vs-rest).
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Zeros when fit_intercept=False.
    dual_coef_ : ndarray of shape (1, n_samples) or (n_classes, n_samples)
        The dual solution alpha_i of each binary problem (>= 0; y_i not folded in).
    n_iter_ : int
        The largest number of passes over the binary problems.
    n_features_in_ : int

    Notes
    -----
    As in liblinear, the intercept is :math:`b = s\, w_{d+1}` for the weight of an
    extra feature of constant value s = ``intercept_scaling``, and
    :math:`w_{d+1}^2/2` is part of the penalty; ``coef_`` and ``intercept_`` equal
    scikit-learn's LinearSVC (dual=True) at the same C, loss and tol up to the
    solver tolerance.  Sample weights and class weights scale each sample's C.
    One difference: with more than two classes and ``class_weight``, every
    sample keeps its own class's weight in every one-vs-rest problem, whereas
    liblinear weights only the positive class of each problem (the "rest"
    samples get plain C).

    References
    ----------
    C.-J. Hsieh, K.-W. Chang, C.-J. Lin, S. S. Keerthi and S. Sundararajan, "A dual
    coordinate descent method for large-scale linear SVM", ICML 2008.

    Examples
    --------
    >>> import numpy as np
    >>> from fastoptim.svm import LinearSVC
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = ["no", "no", "yes", "yes"]
    >>> LinearSVC(random_state=0).fit(X, y).predict([[0.2], [2.8]]).tolist()
    ['no', 'yes']
    """

    def __init__(self, C=1.0, loss="squared_hinge", dual=True, fit_intercept=True,
                 intercept_scaling=1.0, class_weight=None, max_iter=1000, tol=1e-4,
                 random_state=None, verbose=0):
        self._store_init_args(locals())

    # -- parameters ---------------------------------------------------------------------------

    def _check_params(self):
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
                raise ValueError(f"dual must be True or 'auto', got {self.dual!r}")
        elif not isinstance(self.dual, (bool, np.bool_)):
            raise TypeError(f"dual must be True or 'auto', got {self.dual!r}")
        elif not self.dual:
            raise ValueError("dual=False is not available yet; use dual=True")
        if not isinstance(self.fit_intercept, (bool, np.bool_)):
            raise TypeError(f"fit_intercept must be True or False, got {self.fit_intercept!r}")
        s = self.intercept_scaling
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, numbers.Real):
            raise TypeError(f"intercept_scaling must be a number > 0, got {s!r}")
        if not (np.isfinite(s) and s > 0):
            raise ValueError(f"intercept_scaling must be a finite number > 0, got {s!r}")
        m = self.max_iter
        if isinstance(m, (bool, np.bool_)) or not isinstance(m, numbers.Integral):
            raise TypeError(f"max_iter must be an int >= 1, got {m!r}")
        if m < 1:
            raise ValueError(f"max_iter must be >= 1, got {m}")
        t = self.tol
        if isinstance(t, (bool, np.bool_)) or not isinstance(t, numbers.Real) \
                or not (np.isfinite(t) and t > 0):
            raise ValueError(f"tol must be a finite number > 0, got {t!r}")

    def _seed(self):
        rs = self.random_state
        if rs is None:
            return int(np.random.randint(0, 2 ** 31 - 1))
        if isinstance(rs, np.random.RandomState):
            return int(rs.randint(0, 2 ** 31 - 1))
        if isinstance(rs, np.random.Generator):
            return int(rs.integers(0, 2 ** 63 - 1))
        if isinstance(rs, numbers.Integral) and not isinstance(rs, (bool, np.bool_)) and rs >= 0:
            return int(rs)
        raise ValueError(f"random_state must be None, an int >= 0 or a numpy RandomState/"
                         f"Generator, got {rs!r}")

    # -- fit ------------------------------------------------------------------------------------

    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            float32 stays float32 (coef_ too); other numbers become float64.
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
        n, d = X.shape
        sw = validate_sample_weight(sample_weight, n, np.float64)
        sw = class_sample_weights(self.class_weight, classes, y_idx, sw, n)
        cost = np.full(n, float(self.C)) if sw is None else float(self.C) * np.asarray(sw, np.float64)
        cost = np.ascontiguousarray(cost, dtype=np.float64)
        if not np.sum(cost) > 0:
            raise ValueError("the sample weights times the class weights sum to zero (every "
                             "weight is zero)")
        if sp.issparse(X):
            values, indices, indptr = csr_parts(X)
        else:
            values, indices, indptr = X.reshape(-1), None, None
        seed = self._seed()
        targets = ([y_idx == 1] if len(classes) == 2
                   else [y_idx == k for k in range(len(classes))])
        scaling = float(self.intercept_scaling)
        coefs, intercepts, alphas, iters = [], [], [], []
        for k, positive in enumerate(targets):
            y_pm = np.where(positive, 1.0, -1.0).astype(X.dtype)
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
                warnings.warn(f"{type(self).__name__} (loss={self.loss!r}, C={self.C!r}) stopped "
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
        # the fitted state, all at once: a fit that raised leaves the previous one intact
        self.classes_ = classes
        self.n_features_in_ = d
        self.coef_ = np.vstack(coefs).astype(X.dtype, copy=False)
        self.intercept_ = np.asarray(intercepts, dtype=X.dtype)
        self.dual_coef_ = np.vstack(alphas)
        self.n_iter_ = int(max(iters))
        return self

    # -- prediction ------------------------------------------------------------------------------

    def decision_function(self, X):
        """Signed distances (scaled) to the hyperplanes: X @ coef_.T + intercept_.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,) for two classes (positive: classes_[1]),
            else (n_samples, n_classes)
        """
        X = self._validate_predict_X(X)
        z = np.asarray(X @ self.coef_.T) + self.intercept_
        return z.ravel() if z.shape[1] == 1 else z

    def predict(self, X):
        """The class of each sample: the sign of the score (two classes) or the largest score.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray of shape (n_samples,), values from classes_
        """
        z = self.decision_function(X)
        idx = (z > 0).astype(np.intp) if z.ndim == 1 else np.argmax(z, axis=1)
        return self.classes_[idx]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        return tags
