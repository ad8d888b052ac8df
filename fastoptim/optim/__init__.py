r"""Optimizers, learning-rate schedules, line search, the training engine and minimize().

- :mod:`~fastoptim.optim.optimizers`: the optimizers below -- torch.optim's equations and
  defaults, applied by the C core in one pass per step.
- :mod:`~fastoptim.optim.transforms`: the pieces they are made of, with NumPy twins.
- :mod:`~fastoptim.optim.schedules`: learning-rate and momentum schedules.
- :mod:`~fastoptim.optim.line_search`: grid search and Armijo backtracking.
- :mod:`~fastoptim.optim.engine`: one epoch of mini-batch training in C; ``train``.
- :func:`minimize`: any optimizer on a user's ``fun(x) -> (value, grad)``.

Every optimizer, with g the gradient plus the L2 term ``weight_decay * p`` (AdamW's, and
``decoupled_weight_decay``'s, decay ``p <- p (1 - lr wd)`` instead), t the step from 1:

=============  ==============================================  ================  ==========================
optimizer      update                                          defaults          reference
=============  ==============================================  ================  ==========================
``SGD``        b <- mu b + (1 - dampening) g (b_1 = g);        lr=1e-3, mu=0     Sutskever et al. 2013;
               p <- p - lr b (Nesterov: lr (g + mu b))                           torch.optim.SGD
``Adagrad``    s <- s + g^2; p <- p - lr / (1 + (t-1) decay)   lr=1e-2,          Duchi et al. 2011
               g / (sqrt(s) + eps)                             eps=1e-10
``RMSProp``    s <- a s + (1 - a) g^2 (centered: minus the     lr=1e-2,          Tieleman & Hinton 2012
               squared average of g); p <- p - lr g /          alpha=0.99,
               (sqrt(s) + eps); optional momentum              eps=1e-8
``Adam``       m <- b1 m + (1 - b1) g; v <- b2 v + (1 - b2)    lr=1e-3,          Kingma & Ba 2015;
               g^2; p <- p - lr / (1 - b1^t) m /               betas=(0.9,       Reddi et al. 2018
               (sqrt(v) / sqrt(1 - b2^t) + eps); AMSGrad       0.999), eps=1e-8  (AMSGrad)
``AdamW``      p <- p (1 - lr wd), then Adam                   wd=1e-2           Loshchilov & Hutter 2019
``Adadelta``   s <- rho s + (1 - rho) g^2; d <- sqrt(u + eps)  lr=1, rho=0.9,    Zeiler 2012
               / sqrt(s + eps) g; u <- rho u + (1 - rho) d^2;  eps=1e-6
               p <- p - lr d
``Adamax``     m as Adam's; u <- max(b2 u, |g| + eps);         lr=2e-3,          Kingma & Ba 2015, 7.1
               p <- p - lr / (1 - b1^t) m / u                  eps=1e-8
``RAdam``      m, v as Adam's; while rho_t <= 5: p <- p - lr   lr=1e-3,          Liu et al. 2020
               m / (1 - b1^t); then Adam's step times the      eps=1e-8
               rectification r_t
``NAdam``      mu_t = b1 (1 - 0.96^(t psi) / 2), P_t = prod    lr=2e-3,          Dozat 2016
               mu_i (carried); m, v as Adam's; p <- p - lr     momentum_decay
               ((1 - mu_t) / (1 - P_t) g + mu_{t+1} / (1 -     =4e-3, eps=1e-8
               P_t mu_{t+1}) m) / (sqrt(v / (1 - b2^t))
               + eps)
``Rprop``      per coordinate d <- clip(d eta, step_sizes),    lr=1e-2, etas=    Riedmiller & Braun 1993
               eta = eta+ (same sign as the previous g),       (0.5, 1.2),       (full batch)
               eta- (flipped: then g <- 0), 1; p <- p -        step_sizes=
               sign(g) d; d starts at lr (read at step 1)      (1e-6, 50)
``ASGD``       p <- p (1 - lambd eta_t) - eta_t g; eta_1 =     lr=1e-2,          Polyak & Juditsky 1992
               lr, eta_{t+1} = lr / (1 + lambd lr t)^alpha;    lambd=1e-4,
               ax <- ax + mu_t (p - ax), mu_t = 1 / max(1,     alpha=0.75,
               t - 1 - t0): averaged() reads ax                t0=1e6
=============  ==============================================  ================  ==========================

Each takes ``maximize`` (ascend), ``check_finite``, ``n_threads`` and ``param_groups``
(torch's parameter groups: per-array ``lr``, ``weight_decay`` and the other constructor
arguments, for step()'s arrays or a network's weights and biases), and has
``state_dict()`` / ``load_state_dict()``; ``RMSprop`` is torch's spelling of ``RMSProp``.

Lazy updates (:func:`run_epoch` with ``lazy=True``, sparse X): a column absent from a batch
takes the skipped steps as steps with a zero data gradient, applied when it next appears --
plain SGD's decays exactly; for the other rules only the decoupled decay moves p, and the
states decay as under zero gradients (momentum by mu^k, RMSProp's averages by a^k, Adam's and
RAdam's and NAdam's moments by b1^k and b2^k, Adamax's by b1^k and max(b2^k u, eps),
Adadelta's two averages by rho^k; AdaGrad's sum and AMSGrad's maximum stay).  Rprop's
skipped steps are exact (a zero gradient has sign 0: no step, the previous gradient
becomes 0, the step size is only clamped).  ASGD's leave p as it is (its decay term
lambd eta p, like the L2 terms, is left out: k step-dependent factors have no closed
form) and take the unchanged p into the average, ax <- p + (ax - p) prod_s (1 - mu_s) (a
product that telescopes).  NAdam's mu_product and ASGD's eta move every step.

An L1 penalty (:func:`run_epoch` and :func:`train` with ``l1=``, plain SGD): the
cumulative penalty of Tsuruoka, Tsujii & Ananiadou (2009), a clip towards zero after each
step that never crosses zero (exact zeros), just in time on sparse X (see
:mod:`~fastoptim.optim.engine`); its state is kept with the optimizer's.
"""
from . import engine, line_search, schedules, transforms, variance_reduced
from ._minimize import MinimizeResult, minimize
from .engine import run_epoch, train
from .optimizers import (ASGD, SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, NAdam, Optimizer,
                         RAdam, RMSProp, RMSprop, Rprop)

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSProp", "RMSprop", "Adam", "AdamW", "Adadelta",
           "Adamax", "RAdam", "NAdam", "Rprop", "ASGD", "minimize",
           "MinimizeResult", "run_epoch", "train", "engine", "line_search", "schedules",
           "transforms", "variance_reduced"]
