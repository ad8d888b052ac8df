"""MLPClassifier / MLPRegressor against torch (nn.Sequential of Linear / BatchNorm1d /
activation, the same torch.optim optimizer, the same initial weights, no shuffling, float64):
the parameters after 3 epochs, batch norm's running statistics and the evaluation-mode
outputs.  Skipped without torch (the `torch` extra: torch==2.13.0)."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from fastoptim import MLPClassifier, MLPRegressor  # noqa: E402
from fastoptim.exceptions import ConvergenceWarning  # noqa: E402
from fastoptim.optim import (ASGD, SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, NAdam,  # noqa: E402
                             RAdam, RMSProp, Rprop)
from fastoptim.optim.schedules import StepDecay  # noqa: E402

OPTIMIZERS = {  # id -> (fastoptim optimizer, torch.optim class, keyword arguments)
    "sgd": (SGD, "SGD", dict(lr=0.05)),
    "momentum": (SGD, "SGD", dict(lr=0.02, momentum=0.9)),
    "nesterov": (SGD, "SGD", dict(lr=0.02, momentum=0.9, nesterov=True)),
    "adagrad": (Adagrad, "Adagrad", dict(lr=0.05)),
    "rmsprop": (RMSProp, "RMSprop", dict(lr=0.005)),
    "adam": (Adam, "Adam", dict(lr=0.01)),
    "adamw": (AdamW, "AdamW", dict(lr=0.01, weight_decay=0.05)),
    "adadelta": (Adadelta, "Adadelta", dict(lr=1.0, rho=0.9, eps=1e-4)),
    "adamax": (Adamax, "Adamax", dict(lr=0.01)),
    "radam": (RAdam, "RAdam", dict(lr=0.01, weight_decay=0.01)),
    "nadam": (NAdam, "NAdam", dict(lr=0.01, weight_decay=0.01, decoupled_weight_decay=True)),
    "rprop": (Rprop, "Rprop", dict(lr=0.01)),
    "asgd": (ASGD, "ASGD", dict(lr=0.05, lambd=0.01, t0=5)),
}
ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "logistic": nn.Sigmoid, "gelu": nn.GELU,
               "leaky_relu": lambda: nn.LeakyReLU(0.01), "identity": nn.Identity}


def _data(n=120, p=7, K=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = np.argmax(X @ rng.standard_normal((p, K)) + 0.5 * rng.standard_normal((n, K)), axis=1)
    return X, y, rng


def _weights(sizes, rng):
    coefs = [rng.standard_normal((a, b)) / np.sqrt(a) for a, b in zip(sizes[:-1], sizes[1:])]
    intercepts = [0.1 * rng.standard_normal(b) for b in sizes[1:]]
    return coefs, intercepts


def _torch_model(coefs, intercepts, activation, batch_norm):
    layers = []
    for l, (W, b) in enumerate(zip(coefs, intercepts)):
        lin = nn.Linear(*W.shape, dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W.T.copy()))
            lin.bias.copy_(torch.from_numpy(b.copy()))
        layers.append(lin)
        if l < len(coefs) - 1:
            if batch_norm:
                layers.append(nn.BatchNorm1d(W.shape[1], dtype=torch.float64))
            layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


def _train_torch(model, opt_name, kw, X, target, loss_fn, batch, epochs, groups=None,
                 scheduler=None):
    """groups(model): torch's param groups (default: every parameter in one); scheduler(opt):
    a torch.optim.lr_scheduler stepped after each epoch."""
    # the default dtype float64 makes the optimizers' scalar state (NAdam's mu_product, ASGD's
    # eta) float64 as well, as fastoptim keeps it
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        opt = getattr(torch.optim, opt_name)(
            model.parameters() if groups is None else groups(model), **kw)
        sched = None if scheduler is None else scheduler(opt)
        Xt = torch.from_numpy(X)
        model.train()
        for _ in range(epochs):
            for lo in range(0, X.shape[0], batch):
                opt.zero_grad()
                loss = loss_fn(model(Xt[lo:lo + batch]), target[lo:lo + batch])
                loss.backward()
                opt.step()
            if sched is not None:
                sched.step()
    finally:
        torch.set_default_dtype(before)
    model.eval()
    return model


def _torch_parts(model):
    """(coefs, intercepts, gammas, betas, running means, running vars) as NumPy arrays."""
    lins = [m for m in model if isinstance(m, nn.Linear)]
    bns = [m for m in model if isinstance(m, nn.BatchNorm1d)]
    t = lambda v: v.detach().numpy()
    return ([t(m.weight).T for m in lins], [t(m.bias) for m in lins],
            [t(m.weight) for m in bns], [t(m.bias) for m in bns],
            [t(m.running_mean) for m in bns], [t(m.running_var) for m in bns])


def _compare(est, model, batch_norm, adaptive, linear=False):
    coefs, intercepts, gammas, betas, means, variances = _torch_parts(model)
    # with batch norm the hidden biases have a zero gradient in exact arithmetic: an adaptive
    # optimizer's g / (sqrt(v) + eps) turns each side's rounding into steps of lr |g| / eps,
    # so those biases (and the running means that follow them) agree to rounding's reach
    # (Adagrad's eps is 1e-10); so do the betas before another batch norm in a linear network
    hidden_atol = 1e-6 if batch_norm and adaptive else 1e-12
    for a, b in zip(est.coefs_ + est.bn_gammas_, coefs + gammas):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    for l, (a, b) in enumerate(zip(est.bn_betas_, betas)):
        shift_free = linear and l < len(betas) - 1
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=hidden_atol if shift_free else 1e-12)
    for l, (a, b) in enumerate(zip(est.intercepts_, intercepts)):
        last = l == len(intercepts) - 1
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12 if last else hidden_atol)
    for a, b in zip(est.bn_running_means_, means):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=hidden_atol)
    for a, b in zip(est.bn_running_vars_, variances):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def _fit_classifier(solver, hidden, X, y, coefs, intercepts, activation="tanh", batch_size=20,
                    max_iter=3, **kw):
    """MLPClassifier from the given weights, no penalty, the batches in storage order, every
    epoch run (no stopping)."""
    est = MLPClassifier(hidden, activation, solver=solver, alpha=0.0, batch_size=batch_size,
                        shuffle=False, max_iter=max_iter, tol=0.0, n_iter_no_change=100, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, coefs_init=coefs, intercepts_init=intercepts)


@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
@pytest.mark.parametrize("batch_norm", [False, True])
def test_classifier_trajectory_equals_torch(opt, batch_norm):
    if opt == "rprop" and batch_norm:
        pytest.skip("the biases before a batch norm have a zero gradient in exact arithmetic, "
                    "and Rprop steps by the sign of each side's rounding: full steps apart")
    X, y, rng = _data()
    sizes = (7, 9, 6, 4)
    coefs, intercepts = _weights(sizes, rng)
    ours_cls, torch_name, kw = OPTIMIZERS[opt]
    est = _fit_classifier(ours_cls(**kw), sizes[1:-1], X, y, coefs, intercepts,
                          batch_norm=batch_norm)
    model = _train_torch(_torch_model(coefs, intercepts, "tanh", batch_norm), torch_name, kw,
                         X, torch.from_numpy(y), nn.CrossEntropyLoss(), 20, 3)
    adaptive = opt in ("adagrad", "rmsprop", "adam", "adamw", "adadelta", "adamax", "radam",
                       "nadam")
    _compare(est, model, batch_norm, adaptive)
    with torch.no_grad():
        proba = torch.softmax(model(torch.from_numpy(X)), dim=1).numpy()
    # evaluation subtracts the running means, which carry the pre-norm biases' rounding
    np.testing.assert_allclose(est.predict_proba(X), proba, rtol=1e-9,
                               atol=1e-6 if batch_norm and adaptive else 1e-12)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_every_activation_equals_torch(activation):
    X, y, rng = _data(seed=1)
    sizes = (7, 8, 5, 4)
    coefs, intercepts = _weights(sizes, rng)
    est = MLPClassifier(sizes[1:-1], activation, solver=Adam(lr=0.01), alpha=0.0,
                        batch_size=30, shuffle=False, max_iter=3, tol=0.0,
                        n_iter_no_change=100, batch_norm=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y, coefs_init=coefs, intercepts_init=intercepts)
    model = _train_torch(_torch_model(coefs, intercepts, activation, True), "Adam",
                         dict(lr=0.01), X, torch.from_numpy(y), nn.CrossEntropyLoss(), 30, 3)
    _compare(est, model, True, adaptive=True, linear=activation == "identity")


def test_binary_and_regression_losses_equal_torch():
    X, y, rng = _data(K=2, seed=2)
    sizes = (7, 6, 1)
    coefs, intercepts = _weights(sizes, rng)
    est = MLPClassifier((6,), "relu", solver=SGD(lr=0.1, momentum=0.9), alpha=0.0,
                        batch_size=24, shuffle=False, max_iter=3, tol=0.0, n_iter_no_change=100)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y, coefs_init=coefs, intercepts_init=intercepts)
    model = _train_torch(_torch_model(coefs, intercepts, "relu", False), "SGD",
                         dict(lr=0.1, momentum=0.9), X,
                         torch.from_numpy(y.astype(np.float64))[:, None], nn.BCEWithLogitsLoss(),
                         24, 3)
    _compare(est, model, False, adaptive=False)
    # regression: squared error / 2 summed over the outputs, the mean over the batch
    Y = np.column_stack([np.sin(X[:, 0]), X[:, 1] * X[:, 2]])
    coefs, intercepts = _weights((7, 6, 2), rng)
    reg = MLPRegressor((6,), "gelu", solver=Adam(lr=0.01), alpha=0.0, batch_size=24,
                       shuffle=False, max_iter=3, tol=0.0, n_iter_no_change=100)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, Y, coefs_init=coefs, intercepts_init=intercepts)
    half_sq = lambda out, t: 0.5 * ((out - t) ** 2).sum(dim=1).mean()
    model = _train_torch(_torch_model(coefs, intercepts, "gelu", False), "Adam", dict(lr=0.01),
                         X, torch.from_numpy(Y), half_sq, 24, 3)
    _compare(reg, model, False, adaptive=True)
    with torch.no_grad():
        np.testing.assert_allclose(reg.predict(X), model(torch.from_numpy(X)).numpy(),
                                   rtol=1e-10, atol=1e-12)


# -- parameter groups (issue 21, item 3): the networks' arrays by name ------------------------

def _no_decay_on_biases_and_the_last_layers_own(model, last):
    """torch's groups for [{'params': 'biases', 'weight_decay': 0}, dict(last, params=
    'weights[-1]')], written against the nn.Sequential (independently of fastoptim's names):
    the Linear biases, the last Linear's weight, and the rest (weights, batch norm's)."""
    lins = [m for m in model if isinstance(m, nn.Linear)]
    chosen = {id(m.bias) for m in lins} | {id(lins[-1].weight)}
    return [{"params": [m.bias for m in lins], "weight_decay": 0.0},
            dict(last, params=[lins[-1].weight]),
            {"params": [p for p in model.parameters() if id(p) not in chosen]}]


GROUPED = {  # id -> (fastoptim class, torch.optim class name, arguments, the last layer's)
    "sgd-momentum": (SGD, "SGD", dict(lr=0.05, momentum=0.9, weight_decay=0.05),
                     dict(lr=0.01, momentum=0.5)),
    "adam": (Adam, "Adam", dict(lr=0.01, weight_decay=0.05), dict(lr=0.002)),
    "adam-amsgrad-last": (Adam, "Adam", dict(lr=0.01, weight_decay=0.05),
                          dict(lr=0.002, amsgrad=True, betas=(0.8, 0.99))),
    "adamw": (AdamW, "AdamW", dict(lr=0.01, weight_decay=0.2), dict(lr=0.002)),
    "rmsprop": (RMSProp, "RMSprop", dict(lr=0.005, weight_decay=0.05, momentum=0.5),
                dict(lr=0.001, centered=True)),
    "adagrad": (Adagrad, "Adagrad", dict(lr=0.05, weight_decay=0.01), dict(lr_decay=0.1)),
    # each group's carried scalars, moved once per step however many segments share its rule
    # (the biases' group: one segment per layer): mu_product by the group's betas and
    # momentum_decay, eta by its lr and lambd
    "nadam": (NAdam, "NAdam", dict(lr=0.01, weight_decay=0.05),
              dict(lr=0.003, betas=(0.7, 0.99), momentum_decay=0.02)),
    "asgd": (ASGD, "ASGD", dict(lr=0.05, lambd=0.01, t0=5, weight_decay=0.05),
             dict(lr=0.02, lambd=0.3, alpha=0.5)),
}


@pytest.mark.parametrize("opt", list(GROUPED))
@pytest.mark.parametrize("batch_norm", [False, True])
def test_parameter_groups_by_name_equal_torchs_groups(opt, batch_norm):
    X, y, rng = _data()
    sizes = (7, 9, 6, 4)
    coefs, intercepts = _weights(sizes, rng)
    ours_cls, torch_name, kw, last = GROUPED[opt]
    groups = [{"params": "biases", "weight_decay": 0.0}, dict(last, params="weights[-1]")]
    est = _fit_classifier(ours_cls(**kw, param_groups=groups), sizes[1:-1], X, y, coefs,
                          intercepts, batch_norm=batch_norm)
    model = _train_torch(_torch_model(coefs, intercepts, "tanh", batch_norm), torch_name, kw,
                         X, torch.from_numpy(y), nn.CrossEntropyLoss(), 20, 3,
                         groups=lambda m: _no_decay_on_biases_and_the_last_layers_own(m, last))
    _compare(est, model, batch_norm, adaptive=opt != "sgd-momentum")
    # the groups made a difference: the optimizer without them ends elsewhere
    plain = _fit_classifier(ours_cls(**kw), sizes[1:-1], X, y, coefs, intercepts,
                            batch_norm=batch_norm)
    assert not np.allclose(plain.coefs_[-1], est.coefs_[-1], rtol=1e-6, atol=0)


def test_parameter_groups_with_a_schedule_equal_torchs_scheduler():
    """A StepDecay over the epochs scales every group's rate as torch's StepLR; batch norm's
    parameters in a group of their own (by index and by name) with another lr."""
    X, y, rng = _data(seed=3)
    sizes = (7, 8, 4)
    coefs, intercepts = _weights(sizes, rng)
    groups = [{"params": ["gammas", "betas"], "lr": 0.03}, {"params": [1, 5], "weight_decay": 0.0}]
    est = _fit_classifier(Adam(lr=0.01, weight_decay=0.1, param_groups=groups), (8,), X, y,
                          coefs, intercepts, "relu", batch_size=30, max_iter=4, batch_norm=True,
                          schedule=StepDecay(0.01, step_size=1, gamma=0.5))

    def torch_groups(model):
        lin0, bn, _, lin1 = model
        return [{"params": [bn.weight, bn.bias], "lr": 0.03},
                {"params": [lin0.bias, lin1.bias], "weight_decay": 0.0},
                {"params": [lin0.weight, lin1.weight]}]

    model = _train_torch(_torch_model(coefs, intercepts, "relu", True), "Adam",
                         dict(lr=0.01, weight_decay=0.1), X, torch.from_numpy(y),
                         nn.CrossEntropyLoss(), 30, 4, groups=torch_groups,
                         scheduler=lambda o: torch.optim.lr_scheduler.StepLR(o, 1, gamma=0.5))
    _compare(est, model, True, adaptive=True)
    # the fitted optimizer's rates: the schedule's last (epoch 4), each group scaled alike
    assert [g["lr"] for g in est._optimizer.param_groups] == pytest.approx(
        [0.03 / 8, 0.01 / 8, 0.01 / 8], rel=1e-15)


def test_network_param_names_follow_torchs_parameter_order():
    """Network.param_names lists the buffer's arrays in the order of torch's
    model.parameters() (so that an int in param_groups means the same array in both)."""
    from fastoptim.neural_network import Network
    rng = np.random.default_rng(0)
    for batch_norm in (False, True):
        sizes = (5, 4, 3, 2)
        net = Network(sizes, "tanh", batch_norm=batch_norm)
        model = _torch_model(*_weights(sizes, rng), "tanh", batch_norm)
        kinds = {nn.Linear: ("weights", "biases"), nn.BatchNorm1d: ("gammas", "betas")}
        theirs, layer = [], -1
        for m in model:
            if isinstance(m, nn.Linear):
                layer += 1
            if type(m) in kinds:
                theirs += [f"{kind}[{layer}]" for kind in kinds[type(m)]]
        assert net.param_names == theirs
        shapes = [shape for _, _, shape in net._layout()]
        assert [int(np.prod(s)) for s in shapes] == [p.numel() for p in model.parameters()]
