"""The models of ``--model``: their estimators, and how a fitted one is measured (its
training loss without the penalty, its test score, its iterations).  The networks' own
options and hooks are in :mod:`.networks`."""
import copy
import warnings

import numpy as np

from ..linear_model import LinearRegression, LogisticRegression, Ridge, SoftmaxRegression
from ..neural_network import MLPClassifier, MLPRegressor
from ..svm import SVC, LinearSVC
from ._args import CLIError

__all__ = ["MODELS", "MODEL_HELP", "NETWORKS", "OWN_SOLVER", "STOCHASTIC", "OPTION_OF", "estimator_class",
           "has_param", "make_estimator", "data_loss", "score", "n_iter", "quiet_fit"]

_NETWORK_OPTIMIZERS = ("gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw",
                       "adadelta", "lbfgs")

#: --model name -> (estimator class name, kind, default optimizers of `compare`).
MODELS = {
    "logistic": ("LogisticRegression", "classifier",
                 ("gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adadelta",
                  "lbfgs")),
    "softmax": ("SoftmaxRegression", "classifier",
                ("gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adadelta",
                  "lbfgs")),
    "ridge": ("Ridge", "regressor",
              ("gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adadelta",
               "auto")),
    "linear": ("LinearRegression", "regressor",
               ("gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adadelta",
               "auto")),
    "linearsvc": ("LinearSVC", "classifier", ("dual-cd",)),
    "svc": ("SVC", "classifier", ("smo",)),
    "mlp": ("MLPClassifier", "classifier", _NETWORK_OPTIMIZERS),
    "mlp-regressor": ("MLPRegressor", "regressor", _NETWORK_OPTIMIZERS),
}

#: The --model names of the networks (multi-layer perceptrons): a classifier for class labels,
#: a regressor for a real-valued target (chosen by name, as logistic and ridge are).
NETWORKS = ("mlp", "mlp-regressor")

#: The help text of --model (train and compare).
MODEL_HELP = ("the model: logistic, softmax, ridge, linear, linearsvc, svc, mlp (a network "
              "classifier: MLPClassifier) or mlp-regressor (a network for a real-valued target: "
              "MLPRegressor); default: logistic")

#: The only optimizer of the models trained by one solver of their own (``compare`` refuses
#: others): --model name -> (optimizer name, what the solver is, for the messages).
OWN_SOLVER = {
    "linearsvc": ("dual-cd", "dual coordinate descent"),
    "svc": ("smo", "SMO (sequential minimal optimization in the dual)"),
}

STOCHASTIC = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "adadelta")


_CLASSES = {cls.__name__: cls for cls in (LogisticRegression, SoftmaxRegression, Ridge,
                                          LinearRegression, LinearSVC, SVC, MLPClassifier,
                                          MLPRegressor)}

#: estimator parameter -> the command-line option that sets it (for the messages).
OPTION_OF = {"C": "-C", "alpha": "--alpha", "solver": "--solver", "learning_rate": "--lr",
             "batch_size": "--batch-size", "max_iter": "--max-iter", "random_state": "--seed",
             "kernel": "--kernel", "gamma": "--gamma", "hidden_layer_sizes": "--hidden",
             "activation": "--activation", "init": "--init", "batch_norm": "--batch-norm",
             "dropout": "--dropout", "early_stopping": "--early-stopping", "tol": "-e/--tol",
             "class_weight": "-w", "dual": "--dual/--primal", "n_threads": "--threads"}


def estimator_class(model):
    """The estimator class of ``--model``."""
    if model not in MODELS:
        raise CLIError(f"--model {model!r} is not a model; use one of {', '.join(MODELS)}")
    return _CLASSES[MODELS[model][0]]


def has_param(model, name):
    """Whether the estimator of ``--model`` has the parameter ``name``."""
    return name in estimator_class(model)().get_params(deep=False)


def make_estimator(model, **params):
    """A new estimator for ``--model`` with the parameters given (None values skipped).

    Parameters
    ----------
    model : str
        A key of :data:`MODELS`.
    **params
        Estimator parameters; a parameter the estimator does not have is a
        CLIError naming the command-line option that set it.

    Returns
    -------
    estimator
    """
    cls = estimator_class(model)
    valid = cls().get_params(deep=False)
    given = {}
    for key, value in params.items():
        if value is None:
            continue
        if key not in valid:
            raise CLIError(f"{OPTION_OF.get(key, key)} does not apply to --model {model} "
                           f"({cls.__name__} has no parameter {key!r})")
        given[key] = value
    return cls(**given)


def data_loss(model, X, y):
    """The training loss a fitted model reaches on (X, y), without its penalty.

    Log-loss (mean cross-entropy) for LogisticRegression/SoftmaxRegression,
    the mean (squared) hinge loss of the one-vs-rest problems for LinearSVC,
    the mean hinge loss of the one-vs-one problems for SVC (see
    :func:`_svc_hinge`), the mean of (prediction - y)^2 / 2 for the
    regressors: the per-sample losses whose running means the stochastic
    solvers record in ``loss_curve_``.

    Parameters
    ----------
    model : fitted estimator
    X : array or sparse matrix
    y : ndarray

    Returns
    -------
    float
    """
    if isinstance(model, SVC):
        return _svc_hinge(model, X, y)
    if hasattr(model, "predict_log_proba"):
        logp = model.predict_log_proba(X)
        idx = np.searchsorted(model.classes_, y)
        # a network's probability can round to 0 (log -inf): counted as the smallest double's
        return float(-np.mean(np.maximum(logp[np.arange(len(y)), idx], _LOG_TINY)))
    if hasattr(model, "classes_"):
        z = model.decision_function(X)
        z = z[:, None] if z.ndim == 1 else z
        idx = np.searchsorted(model.classes_, y)
        if z.shape[1] == 1:
            sign = np.where(idx == 1, 1.0, -1.0)[:, None]
        else:
            sign = np.where(idx[:, None] == np.arange(z.shape[1]), 1.0, -1.0)
        h = np.maximum(0.0, 1.0 - sign * z)
        return float(np.mean(h if model.loss == "hinge" else h * h))
    r = np.asarray(model.predict(X), dtype=np.float64) - y
    return float(0.5 * np.mean(r * r))


_LOG_TINY = float(np.log(np.finfo(np.float64).tiny))


def _svc_hinge(model, X, y):
    """The mean hinge loss of a fitted SVC's one-vs-one problems on (X, y).

    SVC trains one binary problem per pair of classes (a, b), on the samples
    of those two classes, with the margin ``d_ab(x)`` of its pairwise
    decision function (``decision_function_shape='ovo'``, positive: class a).
    The loss is the mean of ``max(0, 1 - s d_ab(x))`` (``s = +1`` for class a,
    ``-1`` for class b) over every (sample, problem it takes part in): with two
    classes, the mean hinge loss of the one problem, as for LinearSVC.  (The
    'ovr' decision function of more than two classes is votes plus
    confidences, not a margin, so its hinge loss would mean nothing.)

    Parameters
    ----------
    model : fitted SVC
    X : array or sparse matrix
    y : ndarray

    Returns
    -------
    float
    """
    classes = model.classes_
    idx = np.searchsorted(classes, y)
    if len(classes) == 2:
        sign = np.where(idx == 1, 1.0, -1.0)
        return float(np.mean(np.maximum(0.0, 1.0 - sign * model.decision_function(X))))
    pairwise = copy.copy(model).set_params(decision_function_shape="ovo", break_ties=False)
    dec = pairwise.decision_function(X)
    total, count, p = 0.0, 0, 0
    for a in range(len(classes)):
        for b in range(a + 1, len(classes)):
            rows = (idx == a) | (idx == b)
            sign = np.where(idx[rows] == a, 1.0, -1.0)
            total += float(np.sum(np.maximum(0.0, 1.0 - sign * dec[rows, p])))
            count += int(np.count_nonzero(rows))
            p += 1
    return total / count if count else float("nan")


def score(model, X, y):
    """Accuracy (classifiers) or R^2 (regressors)."""
    if hasattr(model, "classes_"):
        return float(np.mean(model.predict(X) == y))
    pred = np.asarray(model.predict(X), dtype=np.float64)
    ss = float(np.sum((y - np.mean(y)) ** 2))
    return float(1.0 - np.sum((y - pred) ** 2) / ss) if ss > 0 else float("nan")


def n_iter(model):
    """The iterations a fitted model ran (the most of its sub-problems), or None."""
    n = getattr(model, "n_iter_", None)
    return None if n is None else int(np.max(n))


def quiet_fit(model, X, y):
    """fit, returning the warnings it gave (ConvergenceWarning at a fixed budget is expected)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    return [w for w in caught if w.category.__name__ == "ConvergenceWarning"]
