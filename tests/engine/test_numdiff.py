"""Numerical differentiation: central differences against exact gradients, and gradcheck against
torch.autograd.gradcheck on correct and deliberately wrong backward rules.

Tolerance here (not tests/helpers.py): a central difference with step h has truncation error
~h²|f'''|/6 and round-off ~eps|f|/h; with h = 1e-5 in float64 both are ~1e-10 for the smooth,
O(1)-sized functions below, so |numeric - exact| <= 1e-6 + 1e-5 |exact| holds with a wide margin
and still fails for any wrong formula (a one-sided difference is off by ~h|f''| = 1e-5 · O(1)).
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from strategies import arrays, shapes, to_tensor

RTOL, ATOL = 1e-5, 1e-6

FUNCTIONS = {  # name: (numpy function -> float, the same in torch for the exact gradient)
    "sum(x^2)": (lambda x: float(np.sum(x ** 2)), lambda x: (x ** 2).sum()),
    "sum(sin x exp x)": (lambda x: float(np.sum(np.sin(x) * np.exp(x))), lambda x: (x.sin() * x.exp()).sum()),
    "sum(tanh x) * mean(x)": (lambda x: float(np.sum(np.tanh(x)) * np.mean(x)), lambda x: x.tanh().sum() * x.mean()),
    "logistic map l4": (lambda x: float(np.sum(logistic_l4(x))), lambda x: logistic_l4(x).sum()),
}


def logistic_l4(x):
    """l(n+1) = 4 l(n) (1 - l(n)) from l1 = x; f = l4 (COURSE.md)."""
    for _ in range(3):
        x = 4 * x * (1 - x)
    return x


def exact_gradient(torch_f, x: np.ndarray) -> np.ndarray:
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    torch_f(t).backward()
    return t.grad.numpy()


@pytest.mark.parametrize("name", FUNCTIONS)
@given(data=st.data(), shape=shapes(max_dims=2))
def test_central_difference_approximates_the_exact_gradient(mg, name, data, shape):
    f, torch_f = FUNCTIONS[name]
    x = data.draw(arrays("float64", shape), label="x") / 3      # [-1, 1]: the map stays O(1)
    before = x.copy()
    numeric = np.asarray(mg.numdiff.central_difference(f, x, 1e-5), dtype=np.float64)
    np.testing.assert_array_equal(x, before, err_msg="central_difference must not modify x")
    assert numeric.shape == x.shape
    np.testing.assert_allclose(numeric, exact_gradient(torch_f, x), rtol=RTOL, atol=ATOL)


def test_central_difference_reproduces_the_logistic_map_reference(mg):
    f = FUNCTIONS["logistic map l4"][0]
    numeric = np.asarray(mg.numdiff.central_difference(f, np.array([0.3]), 1e-6))
    np.testing.assert_allclose(numeric, [1.3090816], atol=1e-6)     # COURSE.md: f'(0.3)


def test_central_difference_error_is_v_shaped_in_h(mg):
    """Too large a step: truncation error; too small: round-off. The best h lies in between."""
    x = np.array([1.0])
    error = {h: abs(float(np.asarray(mg.numdiff.central_difference(lambda v: float(np.sin(v).sum()), x, h))[0])
                    - np.cos(1.0)) for h in (1e-1, 1e-5, 1e-13)}
    assert error[1e-5] < error[1e-1] / 100
    assert error[1e-5] < error[1e-13] / 100


def square_functions(t):
    """x ↦ x² with a right and a wrong backward (3x instead of 2x), as custom Functions."""
    class Square(t.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 2 * x

    class WrongSquare(Square):
        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x
    return Square, WrongSquare


def gradcheck_verdicts(t, gradcheck):
    Square, WrongSquare = square_functions(t)
    rng = np.random.default_rng(0)
    x = to_tensor(t, rng.uniform(0.5, 2.0, (2, 3)), requires_grad=True)
    y = to_tensor(t, rng.uniform(0.5, 2.0, (3,)), requires_grad=True)
    cases = [
        (Square.apply, (x,)),
        (WrongSquare.apply, (x,)),
        (lambda a, b: (a * b).sin() + a / b, (x, y)),          # two inputs, broadcast, non-scalar
        (lambda a: (a.exp() * a).sum(), (x,)),
        (lambda a, b: WrongSquare.apply(a) * b, (x, y)),
    ]
    return [bool(gradcheck(f, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=False))
            for f, inputs in cases]


@pytest.mark.parametrize("where", ["numdiff", "autograd"])
def test_gradcheck_gives_torchs_verdicts_on_right_and_wrong_rules(mg, where):
    verdicts = gradcheck_verdicts(mg, getattr(mg, where).gradcheck)
    assert verdicts == gradcheck_verdicts(torch, torch.autograd.gradcheck) == [True, False, True, True, False]


def test_gradcheck_raises_on_a_wrong_rule_when_asked(mg):
    _, WrongSquare = square_functions(mg)
    x = to_tensor(mg, np.array([0.5, 1.5]), requires_grad=True)
    with pytest.raises(RuntimeError):
        mg.numdiff.gradcheck(WrongSquare.apply, (x,), eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True)
