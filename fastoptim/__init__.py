"""fastoptim: fast, exact optimizers and the convex models they train.

The C core (src_c/) holds every hot loop; fastoptim._core is the Cython glue;
this package is the Python layer users import.
"""
from ._version import __version__
from ._config import show_config
from .gradcheck import check_grad
from . import datasets, kernels, linear_model, losses, neural_network, optim, svm
from .kernel_ridge import KernelRidge
from .linear_model import (ElasticNet, Lasso, LinearRegression, LogisticRegression, Ridge,
                           SoftmaxRegression, enet_path, lasso_path)
from .svm import SVC, LinearSVC
from .neural_network import MLPClassifier, MLPRegressor
from .optim import minimize

__all__ = ["__version__", "show_config", "check_grad", "losses", "optim", "minimize",
           "datasets", "kernels", "linear_model", "svm", "LinearRegression", "Ridge",
           "KernelRidge", "Lasso", "ElasticNet", "lasso_path", "enet_path",
           "LogisticRegression", "SoftmaxRegression", "LinearSVC", "SVC",
           "neural_network", "MLPClassifier", "MLPRegressor"]
