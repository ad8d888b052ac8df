"""Optimizers, learning-rate schedules, line search, the training engine and minimize().

- :mod:`~fastoptim.optim.optimizers`: SGD (momentum, Nesterov), Adagrad, RMSProp, Adam
  (AMSGrad), AdamW, Adadelta, Adamax, RAdam -- torch.optim's equations, applied by the C core in one pass per step.
- :mod:`~fastoptim.optim.transforms`: the pieces they are made of, with NumPy twins.
- :mod:`~fastoptim.optim.schedules`: learning-rate and momentum schedules.
- :mod:`~fastoptim.optim.line_search`: grid search and Armijo backtracking.
- :mod:`~fastoptim.optim.engine`: one epoch of mini-batch training in C; ``train``.
- :func:`minimize`: any optimizer on a user's ``fun(x) -> (value, grad)``.
"""
from . import engine, line_search, schedules, transforms
from ._minimize import MinimizeResult, minimize
from .engine import run_epoch, train
from .optimizers import (SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, Optimizer, RAdam, RMSProp,
                         RMSprop)

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSProp", "RMSprop", "Adam", "AdamW", "Adadelta",
           "Adamax", "RAdam", "minimize",
           "MinimizeResult", "run_epoch", "train", "engine", "line_search", "schedules",
           "transforms"]
