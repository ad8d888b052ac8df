"""Linear models: least squares, ridge, logistic and softmax regression.

Every estimator takes ``solver``: a direct solver's name, a stochastic
solver's name, or an optimizer object from :mod:`fastoptim.optim`.
"""
from ._least_squares import LinearRegression, Ridge
from ._logistic import LogisticRegression, SoftmaxRegression

__all__ = ["LinearRegression", "Ridge", "LogisticRegression", "SoftmaxRegression"]
