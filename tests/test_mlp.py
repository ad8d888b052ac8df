"""MLPClassifier and MLPRegressor: against scikit-learn's MLP on the same objective, the
initializations' formulas, the fit loop (early stopping, warm start, partial_fit, pickle),
and the bad inputs."""
import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from fastoptim import MLPClassifier, MLPRegressor
from fastoptim.exceptions import ConvergenceWarning, NotFittedError
from fastoptim.neural_network._init import INITS, gain, initial_layers
from fastoptim.optim import SGD, Adam
from fastoptim.reference import mlp as ref


def _blobs(n=300, p=6, K=3, seed=0):
    rng = np.random.default_rng(seed)
    centers = 2.5 * rng.standard_normal((K, p))
    y = rng.integers(0, K, n)
    X = centers[y] + rng.standard_normal((n, p))
    return X, y


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fn(*args, **kwargs)


# ------------------------------------------------------------------ scikit-learn's MLP

@pytest.mark.parametrize("K", [2, 4])
@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic"])
def test_sgd_equals_scikit_learn_mlp(K, activation):
    """Same initial weights, shuffle=False, plain SGD at a constant rate: the weights after
    5 epochs equal scikit-learn's.  scikit-learn adds alpha_sk W / |B| to each batch's
    gradient; fastoptim's penalty is alpha / n, so alpha = alpha_sk n / B (n % B == 0)."""
    sk = pytest.importorskip("sklearn.neural_network")
    X, y = _blobs(240, 7, K, seed=K)
    n, B, alpha_sk = 240, 40, 1e-3
    ours = MLPClassifier((9, 6), activation, solver="sgd", learning_rate=0.05, batch_size=B,
                         alpha=alpha_sk * n / B, shuffle=False, max_iter=5, tol=0.0,
                         n_iter_no_change=100, random_state=0)
    init = MLPClassifier((9, 6), activation, random_state=1, max_iter=1)
    _quiet(init.fit, X, y)
    coefs0 = [W.copy() for W in init.coefs_]
    icpts0 = [b.copy() for b in init.intercepts_]
    _quiet(ours.fit, X, y, coefs_init=coefs0, intercepts_init=icpts0)

    theirs = sk.MLPClassifier((9, 6), activation, solver="sgd", learning_rate_init=0.05,
                              learning_rate="constant", momentum=0.0, batch_size=B,
                              alpha=alpha_sk, shuffle=False, max_iter=1, tol=0.0,
                              n_iter_no_change=100, random_state=0)
    _quiet(theirs.fit, X, y)  # sets up the attributes, then start from our weights
    theirs.coefs_ = [W.copy() for W in coefs0]
    theirs.intercepts_ = [b.copy() for b in icpts0]
    theirs.set_params(warm_start=True, max_iter=5)
    _quiet(theirs.fit, X, y)
    assert theirs.n_iter_ == ours.n_iter_ == 5 or theirs.n_iter_ == 6
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-9,
                               atol=1e-12)


def test_sgd_regressor_equals_scikit_learn_mlp():
    sk = pytest.importorskip("sklearn.neural_network")
    rng = np.random.default_rng(3)
    X = rng.standard_normal((200, 5))
    y = np.sin(X[:, 0]) + X[:, 1] ** 2 - X[:, 2]
    init = _quiet(MLPRegressor((8,), "tanh", random_state=2, max_iter=1).fit, X, y)
    coefs0, icpts0 = [W.copy() for W in init.coefs_], [b.copy() for b in init.intercepts_]
    ours = _quiet(MLPRegressor((8,), "tanh", solver="sgd", learning_rate=0.01, batch_size=50,
                               alpha=0.0, shuffle=False, max_iter=5, tol=0.0,
                               n_iter_no_change=100).fit, X, y, coefs_init=coefs0,
                  intercepts_init=icpts0)
    theirs = sk.MLPRegressor(hidden_layer_sizes=(8,), activation="tanh", solver="sgd", learning_rate_init=0.01,
                             momentum=0.0, batch_size=50, alpha=0.0, shuffle=False,
                             max_iter=1, tol=0.0, n_iter_no_change=100)
    _quiet(theirs.fit, X, y)
    theirs.coefs_, theirs.intercepts_ = [W.copy() for W in coefs0], [b.copy() for b in icpts0]
    theirs.set_params(warm_start=True, max_iter=5)
    _quiet(theirs.fit, X, y)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_lbfgs_minimizes_scikit_learns_objective():
    """'lbfgs' on the same objective as scikit-learn's (alpha / (2n) ||W||^2): at its
    minimum, fastoptim's objective is no higher than at scikit-learn's weights."""
    sk = pytest.importorskip("sklearn.neural_network")
    X, y = _blobs(200, 5, 3, seed=4)
    kw = dict(hidden_layer_sizes=(6,), activation="tanh", solver="lbfgs", alpha=1e-2,
              max_iter=2000, tol=1e-10, random_state=0)
    ours = _quiet(MLPClassifier(**kw).fit, X, y)
    theirs = _quiet(sk.MLPClassifier(**kw).fit, X, y)
    net = ours._net
    Y = np.eye(3)[y]
    at_theirs = net.loss_grad(X, Y, net.pack(theirs.coefs_, theirs.intercepts_),
                              l2=1e-2 / 200)[0]
    assert ours.loss_ <= at_theirs + 1e-6
    assert theirs.loss_ == pytest.approx(at_theirs, rel=1e-6)  # the same objective
    assert ours.score(X, y) >= 0.95


# ------------------------------------------------------------------ initialization

@pytest.mark.parametrize("init", INITS)
@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "leaky_relu"])
def test_initial_weights_follow_their_formula(init, activation):
    fan_in, fan_out = 400, 300
    coefs, intercepts = initial_layers((fan_in, fan_out, 2), init, activation,
                                       np.random.RandomState(0))
    W = coefs[0]
    g = gain(activation)
    var = {"glorot_uniform": (2.0 if activation == "logistic" else 6.0) / (fan_in + fan_out) / 3,
           "xavier_normal": g * g * 2.0 / (fan_in + fan_out),
           "he_normal": g * g / fan_in,
           "he_uniform": g * g / fan_in,
           "lecun_normal": 1.0 / fan_in}[init]
    N = W.size
    assert abs(W.mean()) < 5 * np.sqrt(var / N)
    assert W.var() == pytest.approx(var, rel=5 * np.sqrt(2.0 / N))  # 5 standard errors
    if init.endswith("uniform"):
        bound = np.sqrt(3 * var)
        assert np.abs(W).max() <= bound and np.abs(W).max() > 0.99 * bound
    if init == "glorot_uniform":  # scikit-learn's: the biases too
        assert np.abs(intercepts[0]).max() <= np.sqrt(3 * var) and np.any(intercepts[0])
    else:
        assert not np.any(intercepts[0])
    # the output layer's gain is 1 (its activation is the loss's)
    if init == "he_normal":
        assert coefs[1].var() == pytest.approx(1.0 / fan_out, rel=0.5)


def test_torch_gains():
    assert gain("tanh") == pytest.approx(5 / 3)
    assert gain("relu") == pytest.approx(np.sqrt(2))
    assert gain("leaky_relu", 0.2) == pytest.approx(np.sqrt(2 / 1.04))
    assert gain("logistic") == gain("identity") == 1.0
    torch = pytest.importorskip("torch")
    for name, slope in [("tanh", None), ("relu", None), ("leaky_relu", 0.01), ("sigmoid", None)]:
        ours = gain("logistic" if name == "sigmoid" else name)
        assert ours == pytest.approx(torch.nn.init.calculate_gain(name, slope))


def _second_moments(init, activation, run_as=None, depth=10, width=256):
    rng = np.random.RandomState(1)
    sizes = (width,) * (depth + 1) + (2,)
    coefs, intercepts = initial_layers(sizes, init, activation, rng)
    X = rng.standard_normal((2000, width))
    zs = ref._layers(X, coefs, intercepts, run_as or activation, 0.01)[0]
    return np.array([np.mean(z ** 2) for z in zs[:-1]])


def test_variance_is_kept_across_ten_layers_with_the_matching_init():
    """The notes' derivation: Var(W) = 1 / D_in keeps E[z^2] across linear layers, 2 / D_in
    across ReLU layers; a mismatch makes it collapse or explode geometrically."""
    for init, act in [("he_normal", "relu"), ("he_uniform", "relu"), ("lecun_normal", "identity"),
                      ("xavier_normal", "identity")]:
        m = _second_moments(init, act)
        assert m.max() / m.min() < 2.0, (init, act, m)
    collapse = _second_moments("lecun_normal", "relu")  # 1 / D_in under ReLU halves it
    assert collapse[-1] / collapse[0] < 0.01
    explode = _second_moments("he_normal", "relu", run_as="identity")  # 2 / D_in, linear
    assert explode[-1] / explode[0] > 100


# ------------------------------------------------------------------ the estimators

@pytest.mark.parametrize("solver", ["adam", "sgd", "momentum", "nesterov", "adagrad", "rmsprop",
                                    "adamw", "lbfgs"])
def test_every_solver_learns_blobs(solver):
    X, y = _blobs(400, 6, 3)
    clf = _quiet(MLPClassifier((16,), solver=solver, max_iter=100, random_state=0).fit, X, y)
    assert clf.score(X, y) > 0.95
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
    assert clf.n_iter_ == len(clf.loss_curve_) or solver == "lbfgs"
    proba = clf.predict_proba(X)
    assert proba.shape == (400, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba, rtol=1e-12)


def test_binary_multilabel_and_string_labels():
    X, y = _blobs(300, 5, 2, seed=1)
    labels = np.array(["no", "yes"])[y]
    clf = _quiet(MLPClassifier((8,), random_state=0).fit, X, labels)
    assert clf.n_outputs_ == 1 and clf.out_activation_ == "logistic"
    assert clf.coefs_[-1].shape == (8, 1)
    assert set(clf.predict(X)) <= {"no", "yes"} and clf.score(X, labels) > 0.95
    assert clf.predict_proba(X).shape == (300, 2)
    Y = np.column_stack([y, 1 - y, (X[:, 0] > 0).astype(int)])
    ml = _quiet(MLPClassifier((16,), random_state=0, max_iter=300).fit, X, Y)
    assert ml.n_outputs_ == 3 and ml.predict(X).shape == (300, 3)
    assert ml.score(X, Y) > 0.9
    X3, y3 = _blobs(300, 5, 4, seed=2)
    assert _quiet(MLPClassifier((8,), random_state=0).fit, X3, y3).out_activation_ == "softmax"


def test_regressor_single_and_multi_output():
    rng = np.random.default_rng(5)
    X = rng.uniform(-2, 2, (500, 3))
    y = np.sin(X[:, 0]) * X[:, 1] + 0.5 * X[:, 2]
    reg = _quiet(MLPRegressor((32, 16), "tanh", max_iter=300, random_state=0).fit, X, y)
    assert reg.predict(X).shape == (500,) and reg.score(X, y) > 0.95
    Y = np.column_stack([y, X[:, 0] ** 2])
    reg2 = _quiet(MLPRegressor((32, 16), "tanh", max_iter=300, random_state=0).fit, X, Y)
    assert reg2.predict(X).shape == (500, 2) and reg2.score(X, Y) > 0.9
    assert reg2.n_outputs_ == 2 and reg2.out_activation_ == "identity"


def test_float32_csr_and_dataframe_inputs():
    X, y = _blobs(300, 6, 3)
    dense = _quiet(MLPClassifier((10,), random_state=0, max_iter=30).fit, X, y)
    csr = _quiet(MLPClassifier((10,), random_state=0, max_iter=30).fit, sp.csr_matrix(X), y)
    for a, b in zip(dense.coefs_, csr.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    f32 = _quiet(MLPClassifier((10,), random_state=0, max_iter=30).fit, X.astype(np.float32), y)
    assert f32.coefs_[0].dtype == np.float32 and f32.predict_proba(X).dtype == np.float32
    assert np.mean(f32.predict(X) == dense.predict(X)) > 0.98
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(6)])
    df = _quiet(MLPClassifier((10,), random_state=0, max_iter=30).fit, frame, pd.Series(y))
    np.testing.assert_array_equal(df.predict(frame), dense.predict(X))


def test_same_bits_for_the_same_seed_and_threads():
    X, y = _blobs(300, 6, 3)
    kw = dict(hidden_layer_sizes=(12, 8), batch_norm=True, dropout=0.2, random_state=3,
              max_iter=15, n_threads=2)
    a = _quiet(MLPClassifier(**kw).fit, X, y)
    b = _quiet(MLPClassifier(**kw).fit, X, y)
    assert np.array_equal(a._params, b._params) and np.array_equal(a._running, b._running)
    c = _quiet(MLPClassifier(**dict(kw, random_state=4)).fit, X, y)
    assert not np.array_equal(a._params, c._params)


def test_early_stopping_restores_the_best_epoch():
    X, y = _blobs(400, 6, 3, seed=6)
    y[:60] = (y[:60] + 1) % 3  # label noise: the validation score peaks, then drifts
    clf = _quiet(MLPClassifier((64,), early_stopping=True, validation_fraction=0.25,
                               n_iter_no_change=5, max_iter=200, learning_rate=0.01,
                               random_state=0).fit, X, y)
    assert len(clf.validation_scores_) == len(clf.validation_loss_curve_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.best_loss_ is None
    best = int(np.argmax(clf.validation_scores_))
    assert clf.n_iter_ - 1 - best > 5  # stopped after more than n_iter_no_change stale epochs
    # the restored weights are the best epoch's: refit for exactly that many epochs
    again = _quiet(MLPClassifier((64,), early_stopping=True, validation_fraction=0.25,
                                 n_iter_no_change=1000, max_iter=best + 1, learning_rate=0.01,
                                 random_state=0).fit, X, y)
    np.testing.assert_array_equal(clf._params, again._params)


def test_stratified_validation_split():
    X, y = _blobs(400, 4, 2, seed=7)
    y = (np.arange(400) < 40).astype(int)  # 10% positives
    clf = MLPClassifier((4,), early_stopping=True, validation_fraction=0.25, random_state=0)
    train, val = clf._split(400, y, np.random.RandomState(0))
    assert len(val) == 100 and y[val].sum() == 10 and len(np.intersect1d(train, val)) == 0


def test_warm_start_and_partial_fit_continue():
    X, y = _blobs(300, 6, 3)
    full = _quiet(MLPClassifier((10,), random_state=0, max_iter=6, shuffle=False).fit, X, y)
    warm = MLPClassifier((10,), random_state=0, max_iter=3, shuffle=False, warm_start=True)
    _quiet(warm.fit, X, y)
    p3 = warm._params.copy()
    _quiet(warm.fit, X, y)
    assert warm.n_iter_ == 6 and not np.array_equal(p3, warm._params)
    # partial_fit: epochs of the same solver, the optimizer's state carried over
    pf = MLPClassifier((10,), random_state=0, shuffle=False)
    for _ in range(6):
        pf.partial_fit(X, y, classes=np.unique(y))
    np.testing.assert_array_equal(pf._params, full._params)
    assert pf.n_iter_ == 6 and pf.t_ == 6 * 300 and len(pf.loss_curve_) == 6


def test_pickle_continues_training_exactly():
    X, y = _blobs(300, 6, 3)
    kw = dict(hidden_layer_sizes=(10, 8), batch_norm=True, dropout=0.1, random_state=0)
    a = MLPClassifier(**kw)
    a.partial_fit(X, y, classes=[0, 1, 2])
    b = pickle.loads(pickle.dumps(a))
    a.partial_fit(X, y)
    b.partial_fit(X, y)
    assert np.array_equal(a._params, b._params) and np.array_equal(a._running, b._running)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    reg = _quiet(MLPRegressor((6,), max_iter=3, random_state=0).fit, X, X[:, 0])
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(reg)).predict(X), reg.predict(X))


def test_batch_norm_attributes_and_evaluation_mode():
    X, y = _blobs(300, 6, 3)
    clf = _quiet(MLPClassifier((10, 8), batch_norm=True, random_state=0, max_iter=100).fit, X, y)
    assert [g.shape for g in clf.bn_gammas_] == [(10,), (8,)] and len(clf.bn_betas_) == 2
    assert [m.shape for m in clf.bn_running_means_] == [(10,), (8,)]
    assert all(np.all(v > 0) for v in clf.bn_running_vars_)
    # evaluation mode: a row's prediction does not depend on the other rows
    np.testing.assert_allclose(clf.predict_proba(X[:1]), clf.predict_proba(X)[:1], rtol=1e-13)
    plain = _quiet(MLPClassifier((10, 8), random_state=0, max_iter=20).fit, X, y)
    assert plain.bn_gammas_ == [] and plain.bn_running_means_ == []
    assert clf.score(X, y) > 0.9


def test_class_weight_is_sample_weight_per_class():
    X, y = _blobs(300, 6, 3)
    a = _quiet(MLPClassifier((8,), class_weight={0: 3.0}, random_state=0, max_iter=5).fit, X, y)
    b = _quiet(MLPClassifier((8,), random_state=0, max_iter=5).fit, X, y,
               sample_weight=np.where(y == 0, 3.0, 1.0))
    np.testing.assert_array_equal(a._params, b._params)
    bal = _quiet(MLPClassifier((8,), class_weight="balanced", random_state=0, max_iter=100).fit,
                 X, y)
    assert bal.score(X, y) > 0.8


def test_schedule_and_verbose(capsys):
    from fastoptim.optim.schedules import StepDecay
    X, y = _blobs(200, 6, 3)
    clf = _quiet(MLPClassifier((8,), solver="sgd", learning_rate=0.1,
                               schedule=StepDecay(0.1, step_size=2, gamma=0.5), max_iter=4,
                               verbose=True, random_state=0).fit, X, y)
    assert clf._optimizer.lr == pytest.approx(0.05)
    out = capsys.readouterr().out
    assert out.count("Iteration") == 4 and "loss = " in out


def _plateau_fit(max_iter):
    from fastoptim.optim.schedules import ReduceOnPlateau
    return MLPClassifier((8,), solver="sgd", batch_size=10, max_iter=max_iter,
                         schedule=ReduceOnPlateau(4.0, factor=0.5, patience=0, threshold=0.0,
                                           reference="last"), n_iter_no_change=100,
                         random_state=0)


def _plateau_data():
    X = np.random.RandomState(0).randn(200, 5)
    return X, (X[:, 0] + X[:, 1] ** 2 > 1).astype(int)


def _replayed_rate(curve, lr=4.0, factor=0.5):
    """ReduceOnPlateau's rule over a loss curve, by hand: halve when the loss rose."""
    for before, after in zip(curve[:-1], curve[1:]):
        lr = lr * factor if after > before else lr
    return lr


def test_partial_fit_goes_on_reducing_a_plateau_schedule():
    """The fit reduces its own copy of a ReduceOnPlateau; partial_fit continues that copy
    (it once started again from the passed object each call, so the rate never fell)."""
    X, y = _plateau_data()
    whole = _quiet(_plateau_fit(8).fit, X, y)
    steps = _quiet(_plateau_fit(2).fit, X, y)
    for _ in range(6):
        _quiet(steps.partial_fit, X, y)
    assert whole.n_iter_ == steps.n_iter_ == 8
    np.testing.assert_array_equal(steps.loss_curve_, whole.loss_curve_)
    np.testing.assert_array_equal(steps._params, whole._params)
    assert sum(b > a for a, b in zip(whole.loss_curve_[:-1], whole.loss_curve_[1:])) >= 1
    expected = _replayed_rate(whole.loss_curve_)
    assert expected < 4.0
    assert steps._plateau.current_lr == whole._plateau.current_lr == expected
    assert steps._optimizer.lr == expected
    assert steps.schedule.current_lr == whole.schedule.current_lr == 4.0  # left as passed
    # a new schedule object set between calls starts from its own rate
    from fastoptim.optim.schedules import ReduceOnPlateau
    steps.set_params(schedule=ReduceOnPlateau(0.5, factor=0.5, patience=0, threshold=0.0,
                                           reference="last"))
    _quiet(steps.partial_fit, X, y)
    assert steps._plateau.current_lr == 0.5  # (its first update only records the loss)
    assert steps._plateau.last_loss == steps.loss_curve_[-1]


def test_optimizer_object_and_convergence_warning():
    X, y = _blobs(200, 6, 3)
    opt = Adam(lr=5e-3, amsgrad=True)
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        clf = MLPClassifier((8,), solver=opt, max_iter=3, random_state=0).fit(X, y)
    assert opt.state is None and clf._optimizer.n_steps == 3 * 1  # 200 rows: one batch each
    assert clf._optimizer.lr == 5e-3


def test_divergence_names_the_learning_rate_and_the_epoch():
    X, y = _blobs(200, 6, 3)
    X = X * 1e3
    clf = MLPClassifier((50, 50), solver="sgd", learning_rate=1e3, random_state=0, max_iter=50)
    with pytest.raises(FloatingPointError, match=r"epoch \d+.*learning_rate"):
        clf.fit(X, y)
    assert not hasattr(clf, "coefs_")  # a fit that raised leaves no fitted state


# ------------------------------------------------------------------ bad input

@pytest.mark.parametrize("params, exc, match", [
    (dict(hidden_layer_sizes=()), ValueError, "hidden_layer_sizes"),
    (dict(hidden_layer_sizes=(10, 0)), ValueError, "hidden_layer_sizes"),
    (dict(hidden_layer_sizes=(-3,)), ValueError, "hidden_layer_sizes"),
    (dict(hidden_layer_sizes="abc"), ValueError, "hidden_layer_sizes"),
    (dict(activation="softplus"), ValueError, "activation must be one of"),
    (dict(init="orthogonal"), ValueError, "init must be one of"),
    (dict(solver="newton"), ValueError, "solver must be one of"),
    (dict(dropout=1.0), ValueError, "dropout must be a probability"),
    (dict(dropout=-0.1), ValueError, "dropout must be a probability"),
    (dict(solver="lbfgs", dropout=0.5), ValueError, "dropout needs a stochastic solver"),
    (dict(learning_rate=0.0), ValueError, "learning_rate"),
    (dict(batch_size=0), ValueError, "batch_size"),
    (dict(batch_size=2.5), TypeError, "batch_size"),
    (dict(alpha=-1.0), ValueError, "alpha"),
    (dict(max_iter=0), ValueError, "max_iter"),
    (dict(validation_fraction=1.0), ValueError, "validation_fraction"),
    (dict(batch_norm=True, batch_size=11), ValueError, "batch of one sample.*batch_size"),
    (dict(schedule=3), TypeError, "schedule"),
])
def test_bad_parameters(params, exc, match):
    X, y = _blobs(100, 4, 3)  # 100 = 9 * 11 + 1: batch_size=11 leaves one sample
    with pytest.raises(exc, match=match):
        MLPClassifier(**params).fit(X, y)


def test_bad_data():
    X, y = _blobs(100, 4, 3)
    clf = MLPClassifier((5,), max_iter=2)
    with pytest.raises(NotFittedError):
        clf.predict(X)
    bad = X.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="X.*(NaN|infinity)"):
        clf.fit(bad, y)
    bad[3, 2] = np.inf
    with pytest.raises(ValueError, match="X.*(NaN|infinity)"):
        clf.fit(bad, y)
    with pytest.raises(ValueError, match="y.*(NaN|infinity)"):
        MLPRegressor((5,)).fit(X, np.where(np.arange(100) == 5, np.nan, 1.0))
    with pytest.raises(ValueError, match="sample_weight.*(NaN|infinity)"):
        clf.fit(X, y, sample_weight=np.where(np.arange(100) == 5, np.inf, 1.0))
    with pytest.raises(ValueError, match="sample_weight must be >= 0"):
        clf.fit(X, y, sample_weight=-np.ones(100))
    with pytest.raises(ValueError, match="only one class"):
        clf.fit(X, np.zeros(100))
    _quiet(clf.fit, X, y)
    with pytest.raises(ValueError, match="3 features.*expecting 4"):
        clf.predict(X[:, :3])
    with pytest.raises(ValueError, match="not in classes"):
        clf.partial_fit(X, np.where(y == 0, 7, y))
    with pytest.raises(ValueError, match="classes must be given"):
        MLPClassifier((5,)).partial_fit(X, y)
    with pytest.raises(AttributeError, match="partial_fit"):
        MLPClassifier(solver="lbfgs").partial_fit(X, y, classes=[0, 1, 2])


def test_bad_initial_weights():
    X, y = _blobs(100, 4, 3)
    clf = MLPClassifier((5,), max_iter=1)
    good_W = [np.zeros((4, 5)), np.zeros((5, 3))]
    good_b = [np.zeros(5), np.zeros(3)]
    with pytest.raises(ValueError, match=r"coefs_init\[1\] must have shape \(5, 3\)"):
        clf.fit(X, y, coefs_init=[np.zeros((4, 5)), np.zeros((5, 2))], intercepts_init=good_b)
    with pytest.raises(ValueError, match="coefs_init must be a list of 2 arrays"):
        clf.fit(X, y, coefs_init=good_W[:1], intercepts_init=good_b)
    with pytest.raises(TypeError, match=r"intercepts_init\[0\] must hold floating"):
        clf.fit(X, y, coefs_init=good_W, intercepts_init=[np.zeros(5, int), np.zeros(3)])
    with pytest.raises(ValueError, match="go together"):
        clf.fit(X, y, coefs_init=good_W)
    with pytest.raises(ValueError, match="NaN or infinity"):
        clf.fit(X, y, coefs_init=[np.full((4, 5), np.nan), good_W[1]], intercepts_init=good_b)
    _quiet(clf.fit, X, y, coefs_init=good_W, intercepts_init=good_b)
    assert clf.coefs_[0].shape == (4, 5)


# ------------------------------------------------------------------ threads

def test_one_team_of_n_threads_and_blas_on_one_thread(monkeypatch):
    """The network's threads are one OpenMP team of n_threads (the products as
    single-threaded BLAS calls on slabs, the elementwise passes, the update): BLAS is held
    at one thread during each epoch, and sampling the process's threads while a fit runs
    finds no more running than n_threads."""
    import sys
    import threading
    from fastoptim import _blas
    from fastoptim._core import _mlp
    seen = []
    real = _mlp.epoch

    def spy(sizes, arch, *args):
        blas = [lib.get() for lib in _blas._backends()]
        seen.append((max(blas) if blas else 1, arch["n_threads"]))
        return real(sizes, arch, *args)

    monkeypatch.setattr(_mlp, "epoch", spy)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((4000, 300))
    y = rng.integers(0, 5, 4000)
    for n_threads in (1, 2):
        seen.clear()
        _quiet(MLPClassifier((256, 128), batch_size=512, max_iter=2, n_threads=n_threads,
                             random_state=0).fit, X, y)
        assert seen and set(seen) == {(1, n_threads)}
    if not sys.platform.startswith("linux"):
        return
    import os

    def running_threads():
        count = 0
        for tid in os.listdir("/proc/self/task"):
            if int(tid) == threading.get_native_id():
                continue
            try:
                with open(f"/proc/self/task/{tid}/stat") as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            count += state == "R"
        return count

    import time
    for n_threads in (1, 2):
        samples, done = [], threading.Event()

        def sample():
            while not done.is_set():
                samples.append(running_threads())
                done.wait(0.002)

        time.sleep(0.5)  # idle workers (OpenBLAS's, libgomp's) may spin a while after a call
        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            _quiet(MLPClassifier((256, 128), batch_size=512, max_iter=4, n_threads=n_threads,
                                 random_state=0).fit, X, y)
        finally:
            done.set()
            sampler.join()
        assert len(samples) > 20 and max(samples) <= n_threads, (n_threads, max(samples))
