"""Higher-order gradients against torch.autograd.grad(create_graph=True): the backward rules are
written in the engine's own ops, so a gradient is itself differentiable."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from strategies import FLOAT_DTYPES, arrays, broadcastable_shapes, cotangent, seeds, shapes, to_tensor
from helpers import assert_same

# Functions with a non-zero second derivative; domains as explained in strategies.py.
FUNCTIONS = {
    "exp": (lambda t, x: x.exp(), "any"),
    "log": (lambda t, x: x.log(), "positive"),
    "sin": (lambda t, x: x.sin(), "any"),
    "cos": (lambda t, x: x.cos(), "any"),
    "tanh": (lambda t, x: x.tanh(), "any"),
    "sigmoid": (lambda t, x: x.sigmoid(), "any"),
    "sqrt": (lambda t, x: x.sqrt(), "positive"),
    "x ** 3": (lambda t, x: x ** 3, "any"),
    "2.0 ** x": (lambda t, x: 2.0 ** x, "any"),
    "1 / x": (lambda t, x: 1 / x, "nonzero"),
    "relu(x) * x": (lambda t, x: x.relu() * x, "kinkfree"),
    "abs(x) * x": (lambda t, x: x.abs() * x, "kinkfree"),
    "x.mean() * x": (lambda t, x: x.mean() * x, "any"),
    "x.sum(0) ** 2": (lambda t, x: x.sum(0) ** 2, "any"),
    "x.norm()": (lambda t, x: x.norm(), "kinkfree"),
    "x.max() * x": (lambda t, x: x.max() * x, "unique"),
    "x.reshape(-1)[::2] ** 2": (lambda t, x: x.reshape(-1)[::2] ** 2, "any"),
    "x @ x.T (2-d)": (lambda t, x: x @ x.T, "any"),
    "log(x^2) sin(x) + 1/x (exercise)": (lambda t, x: (x ** 2).log() * x.sin() + 1 / x, "nonzero"),
}


def second_order(lib, f, x0, seed):
    """Gradient g of f·u with create_graph, then the Hessian-vector product d(g·v)/dx."""
    x = to_tensor(lib, x0, requires_grad=True)
    out = f(lib, x)
    u = to_tensor(lib, cotangent(out.detach().numpy(), seed))
    (g,) = lib.autograd.grad((out * u).sum(), x, create_graph=True)
    v = to_tensor(lib, cotangent(x0, seed + 1))
    (hv,) = lib.autograd.grad((g * v).sum(), x)
    return out, g, hv, g.requires_grad, hv.requires_grad


@pytest.mark.parametrize("name", FUNCTIONS)
@given(data=st.data(), dtype=st.sampled_from(FLOAT_DTYPES), seed=st.integers(0, 2**31))
def test_hessian_vector_product_matches_torch(mg, name, data, dtype, seed):
    f, domain = FUNCTIONS[name]
    shape = data.draw(shapes(min_dims=2, max_dims=2) if "x.T" in name else
                      shapes(min_dims=1 if "sum(0)" in name else 0), label="shape")
    x0 = data.draw(arrays(dtype, shape, domain), label="x")
    actual, expected = second_order(mg, f, x0, seed), second_order(torch, f, x0, seed)
    for what, a, e in zip(["f(x)", "gradient", "Hessian-vector product"], actual, expected):
        assert_same(a, e, what)
    assert actual[3:] == expected[3:], "requires_grad of (create_graph result, plain result)"


@given(data=st.data(), dtype=st.sampled_from(FLOAT_DTYPES), shapes_xy=broadcastable_shapes(2), seed=seeds())
def test_mixed_second_derivatives_of_two_inputs_match_torch(mg, data, dtype, shapes_xy, seed):
    x0 = data.draw(arrays(dtype, shapes_xy[0]), label="x")
    y0 = data.draw(arrays(dtype, shapes_xy[1], "nonzero"), label="y")

    def probe(t):
        x, y = to_tensor(t, x0, True), to_tensor(t, y0, True)
        out = (x * y).sin() + x / y
        gx, gy = t.autograd.grad(out.sum(), (x, y), create_graph=True)
        hx, hy = t.autograd.grad((gx * to_tensor(t, cotangent(x0, seed))).sum(), (x, y))
        return gx, gy, hx, hy
    for i, (a, e) in enumerate(zip(probe(mg), probe(torch))):
        assert_same(a, e, f"derivative #{i}")


def test_third_derivative_of_sin_through_backward_create_graph(mg):
    def probe(t):
        x = t.tensor([0.0, 0.5, 1.0, 2.0], dtype=t.float64, requires_grad=True)
        x.sin().sum().backward(create_graph=True)
        d1 = x.grad                           # cos x, itself on a graph
        (d2,) = t.autograd.grad(d1.sum(), x, create_graph=True)    # -sin x
        (d3,) = t.autograd.grad(d2.sum(), x)                       # -cos x
        return d1, d2, d3, d1.requires_grad
    actual, expected = probe(mg), probe(torch)
    for what, a, e in zip(["d sin", "d2 sin", "d3 sin"], actual, expected):
        assert_same(a, e, what)
    assert actual[3] == expected[3] == True  # noqa: E712  (x.grad of create_graph is on a graph)
    np.testing.assert_allclose(actual[2].detach().numpy(), -np.cos([0.0, 0.5, 1.0, 2.0]), rtol=1e-12)


def test_gradient_without_create_graph_is_not_differentiable(mg):
    for t in (mg, torch):
        x = t.tensor([1.0, 2.0], requires_grad=True)
        (g,) = t.autograd.grad((x ** 3).sum(), x)
        assert not g.requires_grad and g.grad_fn is None


def test_second_derivative_of_the_exercise_function_matches_the_formula(mg):
    # f(x) = log(x^2) sin x + 1/x;  f'' = -2/x^2 sin x + 4/x cos x - log(x^2) sin x + 2/x^3
    x0 = np.array([0.5, 1.0, 2.5, -1.5])
    x = to_tensor(mg, x0, requires_grad=True)
    f = (x ** 2).log() * x.sin() + 1 / x
    (g,) = mg.autograd.grad(f.sum(), x, create_graph=True)
    (h,) = mg.autograd.grad(g.sum(), x)
    expected = (-2 / x0 ** 2 * np.sin(x0) + 4 / x0 * np.cos(x0) - np.log(x0 ** 2) * np.sin(x0)
                + 2 / x0 ** 3)
    np.testing.assert_allclose(h.numpy(), expected, rtol=1e-10)
