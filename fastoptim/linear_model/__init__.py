"""Linear models: least squares, ridge, the Lasso and elastic net, logistic and softmax
regression.

Lasso and ElasticNet are solved by coordinate descent in C; every other estimator
takes ``solver``: a direct solver's name, a stochastic
solver's name, or an optimizer object from :mod:`fastoptim.optim`.
"""
from ._coordinate_descent import ElasticNet, Lasso, enet_path, lasso_path
from ._least_squares import LinearRegression, Ridge
from ._logistic import LogisticRegression, SoftmaxRegression

__all__ = ["LinearRegression", "Ridge", "Lasso", "ElasticNet", "lasso_path", "enet_path",
           "LogisticRegression", "SoftmaxRegression"]
