"""The graph lives only as long as it is needed: backward frees what it saved, and a long training
loop leaves no graph behind. Measured with weak references and the garbage collector, not RSS."""
from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
import torch

from strategies import to_tensor


def is_dead(ref) -> bool:
    gc.collect()
    return ref() is None


def weak(obj):
    """A weak reference to a tensor, or to a graph node where the library allows one."""
    try:
        return weakref.ref(obj)
    except TypeError:                # torch's C++ grad_fn nodes take no weak references
        return None


@pytest.mark.parametrize("lib_name", ["torch", "minigrad"])
def test_backward_frees_the_intermediates_saved_for_it(mg, lib_name):
    t = torch if lib_name == "torch" else mg
    x = t.tensor([0.5, 1.0, 2.0], requires_grad=True)
    h = x.exp()                      # saved by ExpBackward (its result) and SinBackward (its input)
    loss = h.sin().sum()
    saved = weakref.ref(h)
    del h
    assert not is_dead(saved), "the graph must keep what backward will need"
    loss.backward()
    assert is_dead(saved), "after backward (retain_graph=False) the saved tensors must be freed"
    assert x.grad is not None


@pytest.mark.parametrize("lib_name", ["torch", "minigrad"])
def test_retain_graph_keeps_the_saved_intermediates_until_the_output_dies(mg, lib_name):
    t = torch if lib_name == "torch" else mg
    x = t.tensor([0.5, 1.0], requires_grad=True)
    h = x.exp()
    loss = h.sin().sum()
    saved = weakref.ref(h)
    del h
    loss.backward(retain_graph=True)
    assert not is_dead(saved)
    del loss
    assert is_dead(saved), "once the output is gone nothing may keep its graph alive"


@pytest.mark.parametrize("lib_name", ["torch", "minigrad"])
def test_no_grad_builds_no_graph(mg, lib_name):
    t = torch if lib_name == "torch" else mg
    x = t.tensor([0.5, 1.0], requires_grad=True)
    with t.no_grad():
        h = x.exp()
        y = h * 2
    saved = weakref.ref(h)
    del h
    assert y.grad_fn is None
    assert is_dead(saved), "under no_grad no op may keep its inputs"


def train(t, steps: int, refs: list):
    """A small MLP trained with SGD; keeps weak references to each step's loss, activations, nodes."""
    t.manual_seed(0)
    first, second = t.nn.Linear(8, 16), t.nn.Linear(16, 3)
    parameters = list(first.parameters()) + list(second.parameters())
    optimizer = t.optim.SGD(parameters, lr=0.05, momentum=0.9)
    rng = np.random.default_rng(0)
    inputs = to_tensor(t, rng.standard_normal((32, 8)).astype(np.float32))
    targets = to_tensor(t, rng.integers(0, 3, 32))
    losses = []
    for step in range(steps):
        optimizer.zero_grad()
        hidden = first(inputs)
        logits = second(t.relu(hidden))
        loss = t.nn.functional.cross_entropy(logits, targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if step % 10 == 0:
            refs.extend(r for r in (weak(loss), weak(hidden), weak(logits), weak(loss.grad_fn),
                                    weak(hidden.grad_fn)) if r is not None)
    return parameters, losses


@pytest.mark.parametrize("lib_name", ["torch", "minigrad"])
def test_a_1000_step_training_loop_leaves_no_graph_alive(mg, lib_name):
    t = torch if lib_name == "torch" else mg
    refs: list = []
    parameters, losses = train(t, 1000, refs)
    gc.collect()
    alive = [r() for r in refs if r() is not None]
    assert len(refs) >= 300
    assert not alive, f"{len(alive)} of {len(refs)} tensors/graph nodes from the loop are still alive, " \
                      f"e.g. {type(alive[0]).__name__}"
    assert losses[-1] < losses[0], "the loop must actually train"
    for p in parameters:
        assert p.is_leaf and p.grad_fn is None, "optimizer.step() must not put parameters on a graph"


def test_training_loop_frees_each_graph_without_waiting_for_the_collector(mg):
    """Reference counting alone frees a step's graph: no reference cycles between tensors and nodes."""
    refs: list = []
    gc.disable()
    try:
        train(mg, 50, refs)
        alive = sum(r() is not None for r in refs)
    finally:
        gc.enable()
    assert alive == 0, f"{alive} of {len(refs)} objects wait for the cycle collector"
