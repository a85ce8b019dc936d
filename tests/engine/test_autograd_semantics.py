"""Reverse-mode semantics against PyTorch: accumulation, retain_graph, errors, no_grad, detach,
retain_grad, autograd.grad/backward, custom Functions, and graphs that are deep or share nodes."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from strategies import FLOAT_DTYPES, arrays, broadcastable_shapes, cotangent, seeds, shapes, to_tensor
from helpers import as_array, assert_both_same


# --- accumulation ------------------------------------------------------------------------------

@given(data=st.data(), dtype=st.sampled_from(FLOAT_DTYPES), shape=shapes())
def test_two_backward_calls_accumulate_into_grad(mg, data, dtype, shape):
    x0 = data.draw(arrays(dtype, shape), label="x")

    def probe(t):
        x = to_tensor(t, x0, requires_grad=True)
        (x * x).sum().backward()
        first = as_array(x.grad).copy()
        (x.sin()).sum().backward()
        return first, x.grad
    assert_both_same(mg, probe)


def test_grad_zero_resets_accumulation_as_in_the_text(mg):
    def probe(t):
        x = t.arange(4.0, requires_grad=True)
        (2 * t.dot(x, x)).backward()
        x.grad.zero_()
        x.sum().backward()
        return (x.grad,)
    assert_both_same(mg, probe)


def test_a_leaf_used_many_times_gets_the_sum_of_its_paths(mg):
    def probe(t):
        x = t.tensor([1.5, -2.0], requires_grad=True)
        y = x * x * x + x.exp() * x - x / 3
        y.sum().backward()
        return (x.grad,)
    assert_both_same(mg, probe)


# --- retain_graph and the errors of backward ------------------------------------------------------

def test_second_backward_without_retain_graph_raises_an_error_naming_retain_graph(mg):
    for t in (torch, mg):
        x = t.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()                  # MulBackward saves x: the graph holds buffers to free
        y.backward()
        with pytest.raises(RuntimeError, match="retain_graph"):
            y.backward()


def test_retain_graph_allows_a_second_backward_that_accumulates(mg):
    def probe(t):
        x = t.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = (x * x).sum()
        y.backward(retain_graph=True)
        once = as_array(x.grad).copy()
        y.backward()
        return once, x.grad
    assert_both_same(mg, probe)


def test_backward_of_a_non_scalar_without_gradient_raises_torch_message(mg):
    for t in (torch, mg):
        x = t.tensor([1.0, 2.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
            (x * 2).backward()


def test_backward_of_a_one_element_tensor_needs_no_gradient(mg):
    def probe(t):
        x = t.tensor([3.0], requires_grad=True)
        (x * x).backward()                 # shape (1,): implicitly seeded with 1 like a scalar
        return (x.grad,)
    assert_both_same(mg, probe)


@given(data=st.data(), dtype=st.sampled_from(FLOAT_DTYPES), shape_pair=broadcastable_shapes(2), seed=seeds())
def test_backward_with_gradient_is_a_vector_jacobian_product(mg, data, dtype, shape_pair, seed):
    a0 = data.draw(arrays(dtype, shape_pair[0]), label="a")
    b0 = data.draw(arrays(dtype, shape_pair[1]), label="b")

    def probe(t):
        a, b = to_tensor(t, a0, True), to_tensor(t, b0, True)
        y = a * b.sin() + a
        y.backward(to_tensor(t, cotangent(as_array(y), seed)))
        return a.grad, b.grad
    assert_both_same(mg, probe)


def test_jacobian_row_by_row_with_retain_graph(mg):
    def probe(t):
        x = t.tensor([0.5, 1.0, 2.0], requires_grad=True)
        y = x * x.sin()
        rows = []
        for i in range(3):
            y.backward(to_tensor(t, np.eye(3, dtype=np.float32)[i]), retain_graph=True)
            rows.append(as_array(x.grad).copy())
            x.grad.zero_()
        return (np.stack(rows),)
    assert_both_same(mg, probe)


# --- no_grad, detach, retain_grad ------------------------------------------------------------------

def test_no_grad_context_records_nothing_and_restores_recording(mg):
    def probe(t):
        x = t.tensor([1.0, 2.0], requires_grad=True)
        with t.no_grad():
            y = x * 2 + x.exp()
        z = x * 2
        return y, y.requires_grad, y.grad_fn is None, z.requires_grad, z.grad_fn is None
    assert_both_same(mg, probe)


def test_no_grad_as_decorator_records_nothing(mg):
    def probe(t):
        @t.no_grad()
        def double(v):
            return v * 2
        x = t.tensor([1.0, 2.0], requires_grad=True)
        y = double(x)
        return y, y.requires_grad, (x * 2).requires_grad
    assert_both_same(mg, probe)


def test_no_grad_restores_recording_after_an_exception(mg):
    def probe(t):
        x = t.tensor([1.0], requires_grad=True)
        try:
            with t.no_grad():
                raise ValueError
        except ValueError:
            pass
        return ((x * 2).requires_grad,)
    assert_both_same(mg, probe)


def test_parameter_update_inside_no_grad_keeps_a_leaf(mg):
    def probe(t):
        w = t.tensor([1.0, -2.0], requires_grad=True)
        (w * w).sum().backward()
        with t.no_grad():
            w -= 0.1 * w.grad
        return w, w.is_leaf, w.requires_grad, w.grad_fn is None
    assert_both_same(mg, probe)


def test_detach_cuts_the_graph_as_in_section_2_1_3(mg):
    def probe(t):
        x = t.arange(4.0, requires_grad=True)
        y = x * x
        u = y.detach()
        z = u * x
        z.sum().backward()
        first = as_array(x.grad).copy()
        x.grad.zero_()
        y.sum().backward()
        return first, x.grad, u, u.requires_grad, u.grad_fn is None, u.is_leaf
    assert_both_same(mg, probe)


def test_retain_grad_keeps_the_gradient_of_an_intermediate(mg):
    def probe(t):
        x = t.tensor([1.0, 2.0], requires_grad=True)
        h = x * 3
        h.retain_grad()
        g = x * 4                          # no retain_grad: its .grad stays None
        (h * h + g).sum().backward()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")    # torch warns when .grad of a non-leaf is read
            return h.grad, x.grad, g.grad is None
    assert_both_same(mg, probe)


def test_requires_grad_false_inputs_get_no_grad(mg):
    def probe(t):
        x = t.tensor([1.0, 2.0], requires_grad=True)
        c = t.tensor([3.0, 4.0])
        (x * c).sum().backward()
        return x.grad, c.grad is None, c.requires_grad
    assert_both_same(mg, probe)


# --- autograd.grad and autograd.backward --------------------------------------------------------------

def test_autograd_grad_returns_gradients_without_touching_grad(mg):
    def probe(t):
        x = t.tensor([1.0, 2.0], requires_grad=True)
        y = t.tensor([0.5, -1.0], requires_grad=True)
        out = (x * y + x.sin()).sum()
        gx, gy = t.autograd.grad(out, (x, y))
        return gx, gy, x.grad is None, y.grad is None, gx.requires_grad
    assert_both_same(mg, probe)


def test_autograd_grad_with_grad_outputs_and_retain_graph(mg):
    def probe(t):
        x = t.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x.exp() * x
        v = t.tensor([1.0, -1.0, 0.5])
        (first,) = t.autograd.grad(y, x, grad_outputs=v, retain_graph=True)
        (second,) = t.autograd.grad([y], [x], grad_outputs=[2 * v])
        return first, second
    assert_both_same(mg, probe)


def test_autograd_backward_accumulates_from_several_outputs(mg):
    def probe(t):
        x = t.tensor([1.0, 2.0], requires_grad=True)
        a, b = x * 2, x * x
        t.autograd.backward([a, b], [t.ones(2), t.tensor([1.0, 0.5])])
        return (x.grad,)
    assert_both_same(mg, probe)


# --- custom autograd.Function ---------------------------------------------------------------------

def make_functions(t):
    """The same custom Functions, written once against the torch API of `t`."""
    class Exp(t.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            result = x.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad):
            (result,) = ctx.saved_tensors
            return grad * result

    class ScaledMul(t.autograd.Function):
        """a * b * scale; scale is a Python number, so its gradient is None."""
        @staticmethod
        def forward(ctx, a, b, scale):
            ctx.save_for_backward(a, b)
            ctx.scale = scale
            return a * b * scale

        @staticmethod
        def backward(ctx, grad):
            a, b = ctx.saved_tensors
            return grad * b * ctx.scale, grad * a * ctx.scale, None

    return Exp, ScaledMul


def test_custom_function_gradients_match_torch(mg):
    def probe(t):
        Exp, ScaledMul = make_functions(t)
        x = t.tensor([0.5, -1.0, 2.0], requires_grad=True)
        w = t.tensor([1.5, 2.0, -0.5], requires_grad=True)
        y = Exp.apply(x)
        z = ScaledMul.apply(y, w, 3.0) + Exp.apply(y)       # y feeds two Function nodes
        z.sum().backward()
        return y, z, x.grad, w.grad, z.requires_grad, y.grad_fn is not None
    assert_both_same(mg, probe)


def test_custom_function_under_no_grad_records_nothing(mg):
    def probe(t):
        Exp, _ = make_functions(t)
        x = t.tensor([0.5], requires_grad=True)
        with t.no_grad():
            y = Exp.apply(x)
        return y, y.requires_grad
    assert_both_same(mg, probe)


# --- deep and diamond graphs ---------------------------------------------------------------------

def test_backward_through_a_100000_op_chain_does_not_recurse(mg):
    def probe(t):
        x = t.tensor(1.0, dtype=t.float64, requires_grad=True)
        y = x
        for _ in range(100_000):
            y = y * 1.00001
        y.backward()
        return y, x.grad
    assert_both_same(mg, probe)


def test_a_100000_op_chain_can_be_deleted_after_backward(mg):
    import gc
    x = mg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    del y
    gc.collect()                           # a recursive destructor would crash here
    assert x.grad is None


def diamond_levels(t, x, levels, counter=None):
    """Each level feeds y to two branches that meet again: y <- 0.6 y + 0.5 y."""
    y = x
    for _ in range(levels):
        left = y * 0.6 if counter is None else counter.apply(y) * 0.6
        y = left + y * 0.5
    return y


def test_diamond_graph_gradient_matches_torch(mg):
    def probe(t):
        x = t.tensor([1.0, 2.0], dtype=t.float64, requires_grad=True)
        y = diamond_levels(t, x, 40)
        y.sum().backward()                 # d/dx = 1.1 ** 40 on every element
        return y, x.grad
    assert_both_same(mg, probe)


def test_diamond_graph_visits_every_node_once(mg):
    calls = []

    class CountingIdentity(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, grad):
            calls.append(1)
            return grad

    x = mg.tensor([1.0], requires_grad=True)
    levels = 16                            # revisiting shared nodes would cost 2**16 calls
    diamond_levels(mg, x, levels, CountingIdentity).sum().backward()
    assert len(calls) == levels
    np.testing.assert_allclose(as_array(x.grad), [1.1 ** levels], rtol=1e-5)
