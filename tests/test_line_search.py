"""fastoptim.optim.line_search: the Armijo condition at the returned step, grid search
picking the best step, failure flags, argument checks, and MATH.md's descent facts."""
import numpy as np
import pytest

from fastoptim.optim.line_search import LineSearchResult, armijo, grid_search
from fastoptim.optim._minimize import minimize


def quadratic(eigenvalues, seed=0):
    """f(x) = 1/2 (x - x*)^T A (x - x*) with A = Q diag(eigenvalues) Q^T; f* = 0 at x*.

    Written around x* so that f near the minimum keeps its relative precision.
    """
    rng = np.random.default_rng(seed)
    d = len(eigenvalues)
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    A = Q @ np.diag(eigenvalues) @ Q.T
    x_star = rng.normal(size=d)

    def fun(x):
        r = x - x_star
        Ar = A @ r
        return 0.5 * float(r @ Ar), Ar

    return fun, A, x_star


def rosenbrock(x):
    value = np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    g = np.zeros_like(x)
    g[:-1] = -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    return float(value), g


def counting(fun):
    calls = []

    def wrapped(x):
        calls.append(np.array(x))
        return fun(x)

    return wrapped, calls


# -- Armijo ------------------------------------------------------------------------------------

def _assert_armijo_result(fun, x, res, lr0, c, shrink):
    f0, g = fun(x)
    gg = float(g @ g)
    assert res.success and res.step > 0
    # the sufficient-decrease condition at the returned step ...
    f_new, g_new = fun(x - res.step * g)
    assert res.f_new == f_new
    np.testing.assert_array_equal(res.x_new, x - res.step * g)
    np.testing.assert_array_equal(res.grad_new, g_new)
    assert res.f_new <= f0 - c * res.step * gg
    # ... on the backtracking grid lr0 * shrink**k, and the previous (larger) trial failed it
    k = round(np.log(res.step / lr0) / np.log(shrink))
    assert res.step == pytest.approx(lr0 * shrink ** k, rel=1e-12)
    if k > 0:
        bigger = res.step / shrink
        assert fun(x - bigger * g)[0] > f0 - c * bigger * gg
    assert res.n_evals == k + 1  # f0 was passed: one evaluation per trial


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("lr0, c, shrink", [(1.0, 1e-4, 0.5), (10.0, 0.3, 0.7), (0.05, 0.5, 0.1)])
def test_armijo_condition_holds_on_a_quadratic(seed, lr0, c, shrink):
    fun, _, _ = quadratic([0.5, 2.0, 8.0, 30.0], seed=seed)
    x = np.random.default_rng(10 + seed).normal(size=4) * 3
    f0, g = fun(x)
    res = armijo(fun, x, g, f0=f0, lr0=lr0, c=c, shrink=shrink)
    _assert_armijo_result(fun, x, res, lr0, c, shrink)


@pytest.mark.parametrize("x", [[-1.2, 1.0], [0.5, 0.3, -0.7, 1.1, 2.0], [2.0, 2.0, 2.0], [1.1, 1.2]])
def test_armijo_condition_holds_on_rosenbrock(x):
    x = np.array(x)
    f0, g = rosenbrock(x)
    res = armijo(rosenbrock, x, g, f0=f0)
    _assert_armijo_result(rosenbrock, x, res, 1.0, 1e-4, 0.5)
    assert res.step < 1.0  # Rosenbrock's curvature forces backtracking from lr0 = 1


def test_armijo_evaluates_f0_when_not_given():
    fun, _, _ = quadratic([1.0, 4.0])
    wrapped, calls = counting(fun)
    x = np.array([3.0, -2.0])
    res = armijo(wrapped, x, fun(x)[1])
    assert res.n_evals == len(calls)
    np.testing.assert_array_equal(calls[0], x)
    assert res.f_new < fun(x)[0]


def test_armijo_zero_gradient_is_stationary():
    fun, _, x_star = quadratic([1.0, 4.0])
    res = armijo(fun, x_star, np.zeros(2), f0=0.0)
    assert res.success and res.step == 0.0 and res.n_evals == 0
    np.testing.assert_array_equal(res.x_new, x_star)


def test_armijo_flags_exhausted_max_evals():
    """An ascent 'gradient' (the sign flipped) never satisfies the condition."""
    fun, _, _ = quadratic([1.0, 4.0])
    x = np.array([1.0, 2.0])
    f0, g = fun(x)
    res = armijo(fun, x, -g, f0=f0, max_evals=7)
    assert isinstance(res, LineSearchResult)
    assert not res.success and res.step == 0.0 and res.n_evals == 7
    assert res.f_new == f0
    np.testing.assert_array_equal(res.x_new, x)
    np.testing.assert_array_equal(res.grad_new, -g)
    assert "max_evals" in res.message and "check_grad" in res.message


def test_armijo_shrinks_past_non_finite_values():
    """A trial where f is infinite counts as a failed trial, not a crash."""
    def fun(x):
        if abs(x[0]) > 2.0:
            return float("inf"), np.full_like(x, np.nan)
        return float(x @ x), 2 * x

    x = np.array([1.5, 0.0])
    res = armijo(fun, x, fun(x)[1], lr0=4.0)
    assert res.success and np.isfinite(res.f_new) and res.step <= 0.5


def test_armijo_does_not_modify_its_inputs():
    fun, _, _ = quadratic([1.0, 4.0])
    x = np.array([3.0, -2.0])
    g = fun(x)[1]
    x_copy, g_copy = x.copy(), g.copy()
    res = armijo(fun, x, g)
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(g, g_copy)
    assert res.x_new is not x


def test_armijo_keeps_the_shape_of_x():
    def fun(X):
        return float((X ** 2).sum()), 2 * X
    X = np.arange(6.0).reshape(2, 3)
    res = armijo(fun, X, 2 * X)
    assert res.x_new.shape == (2, 3) and res.grad_new.shape == (2, 3)


# -- grid search -------------------------------------------------------------------------------

@pytest.mark.parametrize("steps", [(0.1, 0.5, 1, 5, 10), (0.01, 0.02, 0.04), (3.0,), (10, 1, 0.1)])
@pytest.mark.parametrize("seed", range(3))
def test_grid_search_picks_the_best_step_of_the_list(steps, seed):
    fun, _, _ = quadratic([0.3, 1.0, 5.0], seed=seed)
    x = np.random.default_rng(seed).normal(size=3) * 2
    f0, g = fun(x)
    d = -g
    res = grid_search(fun, x, d, steps=steps, f0=f0)
    values = {s: fun(x + s * d)[0] for s in steps}
    best = min(values, key=values.get)
    assert res.n_evals == len(steps)
    if values[best] < f0:
        assert res.success and res.step == best
        assert res.f_new == values[best] == min(values.values())
        np.testing.assert_array_equal(res.x_new, x + best * d)
        np.testing.assert_array_equal(res.grad_new, fun(x + best * d)[1])
    else:
        assert not res.success and res.step == 0.0


def test_grid_search_default_grid_is_math_md():
    fun, calls = counting(lambda x: (float(x @ x), 2 * x))
    x = np.array([1.0, 1.0])
    res = grid_search(fun, x, np.array([-0.1, -0.1]))
    tried = [c[0] for c in calls[1:]]     # calls[0] is x itself (f0 not given)
    np.testing.assert_allclose(tried, 1.0 - 0.1 * np.array([0.1, 0.5, 1, 5, 10]))
    assert res.step == 10 and res.n_evals == 6


def test_grid_search_ties_go_to_the_first_step_listed():
    fun = lambda x: (float(x @ x), 2 * x)
    res = grid_search(fun, np.array([1.0]), np.array([-1.0]), steps=(1.5, 0.5))
    assert res.step == 1.5 and res.f_new == 0.25   # f(-0.5) == f(0.5)


def test_grid_search_without_decrease_keeps_x():
    fun, _, _ = quadratic([1.0, 4.0])
    x = np.array([1.0, 2.0])
    f0, g = fun(x)
    res = grid_search(fun, x, g, f0=f0)   # uphill
    assert not res.success and res.step == 0.0 and res.f_new == f0
    np.testing.assert_array_equal(res.x_new, x)
    assert "no step" in res.message


def test_grid_search_skips_non_finite_values():
    def fun(x):
        if abs(x[0]) > 3.0:
            return float("nan"), np.full_like(x, np.nan)
        return float((x[0] - 2.5) ** 2), np.array([2 * (x[0] - 2.5)])

    res = grid_search(fun, np.array([0.0]), np.array([1.0]), steps=(1.0, 2.5, 5.0, 10.0))
    assert res.step == 2.5 and res.f_new == 0.0


# -- bad input -----------------------------------------------------------------------------------

def _fun(x):
    return float(x @ x), 2 * x


X2 = np.array([1.0, 2.0])

BAD = [
    (lambda: armijo("f", X2, X2), TypeError, "fun"),
    (lambda: armijo(_fun, [np.nan, 1.0], X2), ValueError, "x"),
    (lambda: armijo(_fun, [], []), ValueError, "x"),
    (lambda: armijo(_fun, ["a", "b"], X2), TypeError, "x"),
    (lambda: armijo(_fun, X2, [1.0, 2.0, 3.0]), ValueError, "grad"),
    (lambda: armijo(_fun, X2, [np.inf, 1.0]), ValueError, "grad"),
    (lambda: armijo(_fun, X2, X2, f0=np.nan), ValueError, "f0"),
    (lambda: armijo(_fun, X2, X2, lr0=0.0), ValueError, "lr0"),
    (lambda: armijo(_fun, X2, X2, c=1.0), ValueError, r"\bc\b"),
    (lambda: armijo(_fun, X2, X2, c=0.0), ValueError, r"\bc\b"),
    (lambda: armijo(_fun, X2, X2, shrink=1.0), ValueError, "shrink"),
    (lambda: armijo(_fun, X2, X2, shrink=-0.5), ValueError, "shrink"),
    (lambda: armijo(_fun, X2, X2, max_evals=0), ValueError, "max_evals"),
    (lambda: armijo(_fun, X2, X2, max_evals=2.0), TypeError, "max_evals"),
    (lambda: armijo(lambda x: 1.0, X2, X2), TypeError, "pair"),
    (lambda: armijo(lambda x: (1.0, np.ones(3)), X2, X2), ValueError, "gradient of shape"),
    (lambda: armijo(lambda x: (np.nan, x), X2, X2), FloatingPointError, "fun"),
    (lambda: grid_search(_fun, X2, [1.0]), ValueError, "direction"),
    (lambda: grid_search(_fun, X2, -X2, steps=()), ValueError, "steps"),
    (lambda: grid_search(_fun, X2, -X2, steps=(1.0, -1.0)), ValueError, r"steps\[1\]"),
    (lambda: grid_search(_fun, X2, -X2, steps=(1.0, np.inf)), ValueError, r"steps\[1\]"),
    (lambda: grid_search(_fun, X2, -X2, steps=0.5), TypeError, "steps"),
    (lambda: grid_search(_fun, X2, -X2, f0="1"), TypeError, "f0"),
]


@pytest.mark.parametrize("call, error, name", BAD, ids=[f"{i}-{n}" for i, (_, _, n) in enumerate(BAD)])
def test_bad_input_names_the_argument(call, error, name):
    with pytest.raises(error, match=name):
        call()


# -- descent facts (MATH.md) ------------------------------------------------------------------

def test_gd_with_armijo_on_an_ill_conditioned_quadratic_reaches_1e_8():
    eig = np.geomspace(1.0, 300.0, 8)   # condition number 300: ~1500 iterations
    fun, A, x_star = quadratic(eig, seed=3)
    x0 = np.zeros(8)
    res = minimize(fun, x0, "gd", line_search="armijo", tol=1e-8, max_iter=50000)
    assert res.success, res.message
    assert res.fun <= 1e-8 and np.max(np.abs(res.grad)) <= 1e-8
    np.testing.assert_allclose(res.x, x_star, atol=1e-8)
    # every accepted step decreased f
    assert np.all(np.diff(res.history) < 0)


def test_armijo_loop_by_hand_reaches_1e_8():
    """The same with armijo() alone, warm-starting each search at twice the last step."""
    fun, A, x_star = quadratic(np.geomspace(1.0, 1e2, 6), seed=4)
    x = np.ones(6) * 3.0
    f, g = fun(x)
    lr = 1.0
    for _ in range(5000):
        if f <= 1e-8:
            break
        res = armijo(fun, x, g, f0=f, lr0=2 * lr)
        assert res.success
        assert res.f_new <= f - 1e-4 * res.step * (g @ g)
        x, f, g, lr = res.x_new, res.f_new, res.grad_new, res.step
    assert f <= 1e-8


@pytest.mark.parametrize("fraction", [0.3, 1.0, 1.95])
@pytest.mark.parametrize("seed", range(2))
def test_gd_descent_lemma_on_a_beta_smooth_quadratic(fraction, seed):
    """With lr < 2/beta every GD step decreases f by at least (lr - beta lr^2 / 2) ||g||^2."""
    pytest.importorskip("fastoptim.optim.optimizers")  # 'gd' without line search is SGD(lr)
    eig = np.random.default_rng(seed).uniform(0.1, 5.0, size=6)
    fun, A, _ = quadratic(eig, seed=seed)
    beta = float(np.linalg.eigvalsh(A).max())
    lr = fraction / beta                      # fraction < 2: lr < 2 / beta
    xs = []
    res = minimize(fun, np.full(6, 4.0), "gd", lr=lr, max_iter=40, tol=0.0,
                   callback=lambda x, f: xs.append(x))
    assert res.nit == 40
    points = [np.full(6, 4.0)] + xs
    assert len(points) == len(res.history)
    guaranteed = lr - beta * lr ** 2 / 2
    assert guaranteed > 0
    for x_t, f_t, f_next in zip(points, res.history, res.history[1:]):
        g = fun(x_t)[1]
        assert f_t == fun(x_t)[0]
        assert f_next <= f_t - guaranteed * (g @ g) + 1e-13 * f_t


def test_gd_beyond_2_over_beta_diverges():
    """The other side of the bound: lr = 2.2/beta grows along the top eigenvector."""
    pytest.importorskip("fastoptim.optim.optimizers")
    fun, A, x_star = quadratic([1.0, 10.0], seed=0)
    res = minimize(fun, x_star + 1.0, "gd", lr=2.2 / 10.0, max_iter=50, tol=0.0)
    assert res.history[-1] > res.history[0]
