"""fastoptim.check_grad on functions whose gradients are known."""
import numpy as np
import pytest

from fastoptim import check_grad
from fastoptim.gradcheck import numerical_gradient


def quadratic(A, b):
    def fun(x):
        return 0.5 * x @ A @ x - b @ x, A @ x - b
    return fun


def rosenbrock(x):
    x = np.asarray(x, dtype=float)
    value = np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    g = np.zeros_like(x)
    g[:-1] = -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    return value, g


@pytest.fixture
def spd():
    rng = np.random.default_rng(0)
    M = rng.normal(size=(6, 6))
    return M @ M.T + np.eye(6), rng.normal(size=6)


def test_quadratic(spd):
    A, b = spd
    x0 = np.random.default_rng(1).normal(size=6)
    assert check_grad(quadratic(A, b), x0) < 1e-7


@pytest.mark.parametrize("x0", [[-1.2, 1.0], [0.5, 0.3, -0.7, 1.1, 2.0], [1.0, 1.0, 1.5]])
def test_rosenbrock(x0):
    assert check_grad(rosenbrock, np.array(x0)) < 1e-7


def test_numerical_gradient_of_quadratic_is_accurate(spd):
    A, b = spd
    x0 = np.random.default_rng(2).normal(size=6)
    num = numerical_gradient(quadratic(A, b), x0)
    np.testing.assert_allclose(num, A @ x0 - b, rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("j", [0, 3, 5])
def test_wrong_gradient_is_detected(spd, j):
    A, b = spd
    fun = quadratic(A, b)

    def wrong(x):
        v, g = fun(x)
        g = g.copy()
        g[j] *= 1.01
        return v, g

    x0 = np.random.default_rng(3).normal(size=6)
    assert check_grad(wrong, x0) > 1e-3


def test_wrong_rosenbrock_gradient_is_detected():
    def wrong(x):
        v, g = rosenbrock(x)
        return v, g * np.array([1.0, 1.01, 1.0])

    assert check_grad(wrong, np.array([0.3, -0.4, 0.9])) > 1e-3


def test_two_dimensional_x0():
    rng = np.random.default_rng(4)
    W0 = rng.normal(size=(3, 4))
    T = rng.normal(size=(3, 4))

    def fun(W):
        assert W.shape == (3, 4)
        return np.sum((W - T) ** 4), 4 * (W - T) ** 3

    assert check_grad(fun, W0) < 1e-7

    def flat_grad(W):  # a gradient of the same size but flat is accepted
        v, g = fun(W)
        return v, g.ravel()

    assert check_grad(flat_grad, W0) < 1e-7

    def wrong(W):
        v, g = fun(W)
        g = g.copy()
        g[2, 1] *= 1.01
        return v, g

    assert check_grad(wrong, W0) > 1e-3


def test_zero_gradient_gives_zero():
    assert check_grad(lambda x: (1.0, np.zeros_like(x)), np.ones(3)) == 0.0


def test_calls_fun_with_float64_copies():
    seen = []

    def fun(x):
        seen.append(x)
        assert x.dtype == np.float64
        return float(np.sum(x ** 2)), 2 * x

    x0 = np.array([1, 2, 3], dtype=np.int32)
    assert check_grad(fun, x0) < 1e-8
    np.testing.assert_array_equal(x0, [1, 2, 3])


def test_nonfinite_gradient_gives_inf():
    assert check_grad(lambda x: (0.0, np.full_like(x, np.nan)), np.ones(2)) == float("inf")


@pytest.mark.parametrize("bad", [lambda x: 1.0, lambda x: [1.0, x], lambda x: (1.0, x, x),
                                 lambda x: np.array([1.0, 2.0])],
                         ids=["scalar", "list", "3-tuple", "array"])
def test_fun_not_returning_a_pair(bad):
    with pytest.raises(TypeError, match=r"tuple \(value, grad\)"):
        check_grad(bad, np.ones(2))


def test_fun_not_callable():
    with pytest.raises(TypeError, match="fun must be callable"):
        check_grad(np.ones(2), np.ones(2))


def test_wrong_gradient_size():
    with pytest.raises(ValueError, match="gradient of shape"):
        check_grad(lambda x: (0.0, np.zeros(5)), np.ones(2))


@pytest.mark.parametrize("eps", [0.0, -1e-6, np.nan, np.inf, [1e-6]])
def test_bad_eps(eps):
    with pytest.raises((ValueError, TypeError), match="eps"):
        check_grad(rosenbrock, np.ones(2), eps=eps)


@pytest.mark.parametrize("x0", [np.array([]), np.array([1.0, np.nan])], ids=["empty", "nan"])
def test_bad_x0(x0):
    with pytest.raises(ValueError, match="x0"):
        check_grad(rosenbrock, x0)
