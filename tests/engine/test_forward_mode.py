"""Forward mode and Jacobians against torch.func: jvp, vjp, jacfwd, jacrev (same signatures)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.func
from hypothesis import given
from hypothesis import strategies as st

from strategies import FLOAT_DTYPES, arrays, broadcastable_shapes, cotangent, seeds, shapes, to_tensor
from helpers import assert_same

# Functions written once against the torch API; `t` is torch or minigrad. Domains as in strategies.py.
UNARY_FUNCTIONS = {
    "sin(x) * exp(x)": (lambda t, x: x.sin() * x.exp(), "any"),
    "log(x) + x * x - cos(x)": (lambda t, x: x.log() + x * x - x.cos(), "positive"),
    "x / (1 + x ** 2)": (lambda t, x: x / (1 + x ** 2), "any"),
    "sqrt(x) * tanh(x)": (lambda t, x: x.sqrt() * x.tanh(), "positive"),
    "sigmoid(2 * x) - 1 / x": (lambda t, x: (2 * x).sigmoid() - 1 / x, "nonzero"),
    "relu(x) * x + abs(x)": (lambda t, x: x.relu() * x + x.abs(), "kinkfree"),
    "(x * x).sum()": (lambda t, x: (x * x).sum(), "any"),
    "x.mean() * x": (lambda t, x: x.mean() * x, "any"),
    "x.norm() * x": (lambda t, x: x.norm() * x, "kinkfree"),
    "x.reshape(-1) ** 3": (lambda t, x: x.reshape(-1) ** 3, "any"),
    "x.max() + x": (lambda t, x: x.max() + x, "unique"),
}

BINARY_FUNCTIONS = {
    "x * y + exp(y)": (lambda t, x, y: x * y + y.exp(), "any", "any"),
    "x / y - x": (lambda t, x, y: x / y - x, "any", "nonzero"),
    "x ** y": (lambda t, x, y: x ** y, "positive", "any"),
    "sin(x * y).sum()": (lambda t, x, y: (x * y).sin().sum(), "any", "any"),
}


def survey_f(t, x1, x2):
    """y = ln(x1) + x1 x2 - sin(x2), the survey's example (COURSE.md reference values)."""
    return x1.log() + x1 * x2 - x2.sin()


def func_of(lib):
    return torch.func if lib is torch else lib.func


def run_jvp(lib, f, primals, tangents):
    ps = tuple(to_tensor(lib, p) for p in primals)
    ts = tuple(to_tensor(lib, v) for v in tangents)
    out, tangent = func_of(lib).jvp(lambda *xs: f(lib, *xs), ps, ts)
    if lib is torch and tangent.dtype != out.dtype:
        # torch 2.13 quirk: for a 0-d float32 tensor combined with a Python number, forward AD
        # computes the tangent in float64. The tangent of a float32 output is float32 (as torch's
        # own reverse mode and every non-0-d case give), so the reference is cast back.
        tangent = tangent.to(out.dtype)
    return out, tangent


def run_vjp(lib, f, primals, seed):
    out, vjp_fn = func_of(lib).vjp(lambda *xs: f(lib, *xs), *(to_tensor(lib, p) for p in primals))
    return (out, *vjp_fn(to_tensor(lib, cotangent(out.detach().numpy(), seed))))


def run_jac(lib, kind, f, primals, argnums):
    jac = getattr(func_of(lib), kind)(lambda *xs: f(lib, *xs), argnums=argnums)
    result = jac(*(to_tensor(lib, p) for p in primals))
    return result if isinstance(result, tuple) else (result,)


def assert_all_same(actual, expected, what):
    assert len(actual) == len(expected), f"{what}: {len(actual)} results, torch gives {len(expected)}"
    for i, (a, e) in enumerate(zip(actual, expected)):
        assert_same(a, e, f"{what} #{i}")


@st.composite
def one_input(draw, domain):
    dtype = draw(st.sampled_from(FLOAT_DTYPES))
    shape = draw(shapes(max_dims=2))
    x = draw(arrays(dtype, shape, domain))
    return x, draw(arrays(dtype, shape))          # a primal and a tangent of its shape


@st.composite
def two_inputs(draw, domain_x, domain_y):
    dtype = draw(st.sampled_from(FLOAT_DTYPES))
    sx, sy = draw(broadcastable_shapes(2))
    return (draw(arrays(dtype, sx, domain_x)), draw(arrays(dtype, sy, domain_y))), \
        (draw(arrays(dtype, sx)), draw(arrays(dtype, sy)))


@pytest.mark.parametrize("name", UNARY_FUNCTIONS)
@given(data=st.data())
def test_jvp_matches_torch_func(mg, name, data):
    f, domain = UNARY_FUNCTIONS[name]
    x, tangent = data.draw(one_input(domain))
    assert_all_same(run_jvp(mg, f, [x], [tangent]), run_jvp(torch, f, [x], [tangent]), "(output, jvp)")


@pytest.mark.parametrize("name", BINARY_FUNCTIONS)
@given(data=st.data())
def test_jvp_of_two_broadcast_inputs_matches_torch_func(mg, name, data):
    f, dx, dy = BINARY_FUNCTIONS[name]
    primals, tangents = data.draw(two_inputs(dx, dy))
    assert_all_same(run_jvp(mg, f, primals, tangents), run_jvp(torch, f, primals, tangents), "(output, jvp)")


@pytest.mark.parametrize("name", UNARY_FUNCTIONS)
@given(data=st.data(), seed=seeds())
def test_vjp_matches_torch_func(mg, name, data, seed):
    f, domain = UNARY_FUNCTIONS[name]
    x, _ = data.draw(one_input(domain))
    assert_all_same(run_vjp(mg, f, [x], seed), run_vjp(torch, f, [x], seed), "(output, vjp)")


@pytest.mark.parametrize("name", BINARY_FUNCTIONS)
@given(data=st.data(), seed=seeds())
def test_vjp_of_two_broadcast_inputs_matches_torch_func(mg, name, data, seed):
    f, dx, dy = BINARY_FUNCTIONS[name]
    primals, _ = data.draw(two_inputs(dx, dy))
    assert_all_same(run_vjp(mg, f, primals, seed), run_vjp(torch, f, primals, seed), "(output, vjp)")


@pytest.mark.parametrize("kind", ["jacfwd", "jacrev"])
@pytest.mark.parametrize("name", UNARY_FUNCTIONS)
@given(data=st.data())
def test_jacobian_matches_torch_func(mg, kind, name, data):
    f, domain = UNARY_FUNCTIONS[name]
    x, _ = data.draw(one_input(domain))
    assert_all_same(run_jac(mg, kind, f, [x], 0), run_jac(torch, kind, f, [x], 0), kind)


@pytest.mark.parametrize("kind", ["jacfwd", "jacrev"])
@pytest.mark.parametrize("argnums", [0, 1, (0, 1)], ids=["argnums=0", "argnums=1", "argnums=(0,1)"])
@pytest.mark.parametrize("name", BINARY_FUNCTIONS)
@given(data=st.data())
def test_jacobian_of_two_inputs_with_argnums_matches_torch_func(mg, kind, argnums, name, data):
    f, dx, dy = BINARY_FUNCTIONS[name]
    primals, _ = data.draw(two_inputs(dx, dy))
    assert_all_same(run_jac(mg, kind, f, primals, argnums), run_jac(torch, kind, f, primals, argnums), kind)


def test_jvp_reproduces_the_survey_tangent_trace(mg):
    primals = [np.array(2.0), np.array(5.0)]
    out, tangent_x1 = run_jvp(mg, survey_f, primals, [np.array(1.0), np.array(0.0)])
    _, tangent_x2 = run_jvp(mg, survey_f, primals, [np.array(0.0), np.array(1.0)])
    np.testing.assert_allclose(out.numpy(), 11.652071, atol=1e-6)        # y = v5
    np.testing.assert_allclose(tangent_x1.numpy(), 5.5, atol=1e-9)        # ∂y/∂x1
    np.testing.assert_allclose(tangent_x2.numpy(), 1.716338, atol=1e-6)   # ∂y/∂x2 = x1 - cos x2


def test_jacfwd_and_jacrev_agree_on_a_wide_and_a_tall_function(mg):
    x = to_tensor(mg, np.linspace(0.5, 2.0, 6))
    w = to_tensor(mg, np.arange(18.0).reshape(3, 6) / 10)
    for f in (lambda v: (w @ v).sin(), lambda v: (v.exp() * v).sum()):
        assert_same(mg.func.jacfwd(f)(x), mg.func.jacrev(f)(x), "jacfwd vs jacrev")


# --- every op of the differential tables has a tangent rule -------------------------------------------

def _op_tables():
    from test_ops_vs_torch import BINARY, INDEXING, REDUCTIONS, SHAPE_OPS, UNARY
    ops = {f"unary {k}": (v[0], (v[1],), 0) for k, v in UNARY.items()}
    ops |= {f"binary {k}": (v[0], v[1:], 0) for k, v in BINARY.items()}
    ops |= {f"reduction {k}": (lambda t, x, op=v[0]: op(t, x, -1), (v[1],), 1) for k, v in REDUCTIONS.items()}
    ops |= {f"shape {k}": (v[0], ("any",), v[1]) for k, v in SHAPE_OPS.items()}
    ops |= {f"indexing {k}": (lambda t, x, op=v[0]: op(t, x, np.random.default_rng(0)), ("any",), v[1])
            for k, v in INDEXING.items() if "mask from values" not in k}
    return ops


EVERY_OP = _op_tables()


@pytest.mark.parametrize("name", EVERY_OP)
@given(data=st.data(), dtype=st.sampled_from(FLOAT_DTYPES))
def test_jvp_of_every_op_matches_torch_func(mg, name, data, dtype):
    op, domains, min_dims = EVERY_OP[name]
    if len(domains) == 2:
        shape_list = data.draw(broadcastable_shapes(2), label="shapes")
    else:
        shape_list = [data.draw(shapes(min_dims=min_dims, min_side=2,
                                       max_dims=2 if "x.T" in name else 3), label="shape")]
    primals = [data.draw(arrays(dtype, s, d), label="primal") for s, d in zip(shape_list, domains)]
    tangents = [data.draw(arrays(dtype, s), label="tangent") for s in shape_list]

    def first(out):                       # max(dim) returns (values, indices): values carry tangents
        return out[0] if isinstance(out, tuple) else out
    f = lambda t, *xs: first(op(t, *xs))  # noqa: E731
    assert_all_same(run_jvp(mg, f, primals, tangents), run_jvp(torch, f, primals, tangents), "(output, jvp)")


@pytest.mark.parametrize("primals, tangents", [((2.0,), "one"), ("x", (1,))])
def test_jvp_refuses_numbers_as_torch_func_does(mg, primals, tangents):
    """Notebook 10's hint passes tensors; a number gets torch.func.jvp's own RuntimeError, word for word."""
    messages = []
    for lib in (torch, mg):
        x, one = lib.tensor(2.0, dtype=lib.float64), lib.tensor(1.0, dtype=lib.float64)
        args = [(x,) if primals == "x" else primals, (one,) if tangents == "one" else tangents]
        with pytest.raises(RuntimeError) as error:
            (torch.func.jvp if lib is torch else mg.func.jvp)(lambda t: t * t, *args)
        messages.append(str(error.value))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("returned", ["numpy", "shape", "dtype"])
def test_a_custom_jvp_s_tangent_is_checked_as_torch_checks_it(mg, returned):
    """A tangent that is not a Tensor, or not of the output's size, is refused with torch's message; another
    dtype is kept, as torch keeps it."""
    def tangent_of(t):
        class Double(t.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                return a * 2

            @staticmethod
            def jvp(ctx, da):
                made = da * 2
                return {"numpy": made.numpy(), "shape": made.sum(), "dtype": made.double()}[returned]

            @staticmethod
            def backward(ctx, g):
                return g * 2
        try:
            if t is torch:                     # torch.func needs setup_context; forward AD runs the jvp as written
                with torch.autograd.forward_ad.dual_level():
                    out = Double.apply(torch.autograd.forward_ad.make_dual(t.ones(3), t.ones(3)))
                    return str(torch.autograd.forward_ad.unpack_dual(out).tangent.dtype)
            return str(t.func.jvp(Double.apply, (t.ones(3),), (t.ones(3),))[1].dtype)
        except RuntimeError as error:
            return str(error).replace("numpy.ndarray", "ndarray")
    assert tangent_of(mg) == tangent_of(torch)
