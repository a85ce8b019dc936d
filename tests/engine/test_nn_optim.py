"""minigrad.nn and minigrad.optim against torch.nn and torch.optim, from the same initial weights."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from strategies import FLOAT_DTYPES, arrays, cotangent, seeds, shapes, to_tensor
from helpers import as_array, assert_same


def run_both(mg, probe):
    actual, expected = probe(mg), probe(torch)
    assert len(actual) == len(expected)
    for i, (a, e) in enumerate(zip(actual, expected)):
        assert_same(a, e, f"result #{i}")


# --- functional ------------------------------------------------------------------------------------

@st.composite
def logits_and_targets(draw):
    dtype = draw(st.sampled_from(FLOAT_DTYPES))
    n, c = draw(st.integers(1, 6)), draw(st.integers(2, 5))
    logits = draw(arrays(dtype, (n, c)).map(lambda a: a * 3))      # scores in [-9, 9]
    return logits, draw(arrays("int64", (n,)).map(lambda a: np.abs(a) % c))


@given(data=logits_and_targets(), seed=seeds())
def test_cross_entropy_value_and_gradient_match_torch(mg, data, seed):
    logits0, targets0 = data

    def probe(t):
        logits = to_tensor(t, logits0, requires_grad=True)
        loss = t.nn.functional.cross_entropy(logits, to_tensor(t, targets0))
        loss.backward()
        return loss, logits.grad
    run_both(mg, probe)


FUNCTIONAL = {  # name: (op(F, x, dim), domain)
    "softmax(dim)": (lambda F, x, d: F.softmax(x, dim=d), "any"),
    "log_softmax(dim)": (lambda F, x, d: F.log_softmax(x, dim=d), "any"),
    "relu": (lambda F, x, d: F.relu(x), "kinkfree"),
    "mse_loss(x, x ** 2)": (lambda F, x, d: F.mse_loss(x, x.detach() ** 2), "any"),
    "log_softmax of large scores": (lambda F, x, d: F.log_softmax(x * 100, dim=d), "any"),  # stability
}


@pytest.mark.parametrize("name", FUNCTIONAL)
@given(data=st.data(), dtype=st.sampled_from(FLOAT_DTYPES), shape=shapes(min_dims=1), seed=seeds())
def test_functional_value_and_gradient_match_torch(mg, name, data, dtype, shape, seed):
    op, domain = FUNCTIONAL[name]
    x0 = data.draw(arrays(dtype, shape, domain), label="x")
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")

    def probe(t):
        x = to_tensor(t, x0, requires_grad=True)
        y = op(t.nn.functional, x, dim)
        y.backward(to_tensor(t, cotangent(as_array(y), seed)))
        return y, x.grad
    run_both(mg, probe)


def test_mse_loss_of_two_inputs_matches_torch(mg):
    def probe(t):
        a = t.tensor([[1.0, 2.0], [3.0, -1.0]], requires_grad=True)
        b = t.tensor([[0.5, 2.5], [1.0, 0.0]], requires_grad=True)
        loss = t.nn.functional.mse_loss(a, b)
        loss.backward()
        return loss, a.grad, b.grad
    run_both(mg, probe)


# --- modules ---------------------------------------------------------------------------------------

def weights(sizes, dtype, seed=0):
    """Initial (weight, bias) pairs as numpy arrays, shared by both libraries."""
    rng = np.random.default_rng(seed)
    return [(rng.uniform(-1, 1, (n_out, n_in)) / np.sqrt(n_in), rng.uniform(-0.1, 0.1, n_out))
            for n_in, n_out in zip(sizes, sizes[1:])]


def mlp(t, sizes, dtype="float32", seed=0):
    """Linear-ReLU-...-Linear with weights set through Parameter assignment (torch's API)."""
    layers = []
    for w, b in weights(sizes, dtype, seed):
        layer = t.nn.Linear(w.shape[1], w.shape[0])
        layer.weight = t.nn.Parameter(to_tensor(t, w.astype(dtype)))
        layer.bias = t.nn.Parameter(to_tensor(t, b.astype(dtype)))
        layers += [layer, t.nn.ReLU()]
    return t.nn.Sequential(*layers[:-1])


def test_linear_defaults_match_torch_shapes_and_flags(mg):
    def describe(t):
        layer = t.nn.Linear(5, 3)
        return [(tuple(p.shape), p.requires_grad, p.is_leaf) for p in layer.parameters()]
    assert describe(mg) == describe(torch)
    weight = as_array(mg.nn.Linear(400, 3).weight)
    assert 0 < np.abs(weight).max() <= 1 / np.sqrt(400) + 1e-7, "torch's U(-1/sqrt(in), 1/sqrt(in)) init"


def test_parameter_is_a_leaf_that_requires_grad(mg):
    for t in (mg, torch):
        p = t.nn.Parameter(t.ones(2))
        assert p.requires_grad and p.is_leaf and isinstance(p, t.Tensor)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_sequential_mlp_forward_and_parameter_gradients_match_torch(mg, dtype):
    x0 = np.random.default_rng(1).standard_normal((7, 4)).astype(dtype)

    def probe(t):
        model = mlp(t, [4, 6, 5, 3], dtype)
        out = model(to_tensor(t, x0))
        (out ** 2).mean().backward()
        return [out] + [p.grad for p in model.parameters()]
    run_both(mg, probe)


def test_custom_module_registers_submodules_and_parameters_like_torch(mg):
    def describe(t):
        class Net(t.nn.Module):
            def __init__(self):
                super().__init__()
                self.body = t.nn.Sequential(t.nn.Linear(3, 4), t.nn.ReLU())
                self.head = t.nn.Linear(4, 2)
                self.scale = t.nn.Parameter(t.ones(1))

            def forward(self, x):
                return self.head(self.body(x)) * self.scale
        net = Net()
        out = net(t.ones(5, 3))
        out.sum().backward()
        grads_set = all(p.grad is not None for p in net.parameters())
        net.zero_grad()
        cleared = all(p.grad is None or not as_array(p.grad).any() for p in net.parameters())
        return sorted(tuple(p.shape) for p in net.parameters()), tuple(out.shape), grads_set, cleared
    assert describe(mg) == describe(torch)


# --- optimizers: the same trajectory from the same start --------------------------------------------

OPTIMIZERS = {
    "SGD": lambda t, params: t.optim.SGD(params, lr=0.1),
    "SGD momentum": lambda t, params: t.optim.SGD(params, lr=0.05, momentum=0.9),
    "Adam": lambda t, params: t.optim.Adam(params, lr=0.01),
    "Adam betas": lambda t, params: t.optim.Adam(params, lr=0.02, betas=(0.8, 0.9)),
}


def trajectory(t, optimizer_name, dtype, steps=25):
    rng = np.random.default_rng(2)
    x = to_tensor(t, rng.standard_normal((16, 6)).astype(dtype))
    y = to_tensor(t, rng.integers(0, 3, 16))
    model = mlp(t, [6, 8, 3], dtype)
    optimizer = OPTIMIZERS[optimizer_name](t, model.parameters())
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = t.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return [np.array(losses, dtype=dtype)] + [as_array(p) for p in model.parameters()]


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_float64_training_trajectory_matches_torch(mg, name):
    for i, (a, e) in enumerate(zip(trajectory(mg, name, "float64"), trajectory(torch, name, "float64"))):
        assert_same(a, e, "losses" if i == 0 else f"parameter #{i - 1} after training")


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_float32_training_losses_match_torch(mg, name):
    assert_same(trajectory(mg, name, "float32")[0], trajectory(torch, name, "float32")[0], "losses")


def test_zero_grad_then_backward_gives_fresh_gradients(mg):
    def probe(t):
        model = mlp(t, [3, 2])
        optimizer = t.optim.SGD(model.parameters(), lr=0.1)
        x = t.ones(4, 3)
        model(x).sum().backward()
        optimizer.zero_grad()
        model(x).sum().backward()
        return [p.grad for p in model.parameters()]
    run_both(mg, probe)
