"""Linear models: least squares and ridge (more in later modules).

Every estimator takes ``solver``: a direct solver's name, a stochastic
solver's name, or an optimizer object from :mod:`fastoptim.optim`.
"""
from ._least_squares import LinearRegression, Ridge

__all__ = ["LinearRegression", "Ridge"]
