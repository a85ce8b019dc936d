"""The engine's typed extension points: `graph.RuleGradientError` for a rule's unusable result (torch's
message as its text, the node, the input and the shapes as data) and the tracing hook `graph.TRACE`."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers import outcome


def _function(lib, returns):
    class Bad(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, grad):
            return returns(grad)
    return Bad


def test_a_wrong_count_of_gradients_is_a_typed_error_with_torchs_text(mg):
    def run(lib):
        x, y = lib.ones(3, requires_grad=True), lib.ones(3, requires_grad=True)
        return _function(lib, lambda g: (g,)).apply(x, y).sum().backward()
    mine, theirs = outcome(lambda: run(mg)), outcome(lambda: run(torch))    # 'Type: message'
    assert mine.split(": ", 1)[1] == theirs.split(": ", 1)[1] and theirs.startswith("RuntimeError")
    with pytest.raises(mg.graph.RuleGradientError) as raised:
        run(mg)
    error = raised.value
    assert isinstance(error, RuntimeError) and error.node.name() == "BadBackward"
    assert (error.index, error.got, error.expected) == (None, 1, 2)


def test_a_gradient_of_the_wrong_shape_names_the_input_and_both_shapes(mg):
    x, y = mg.ones(3, requires_grad=True), mg.ones(3, requires_grad=True)
    out = _function(mg, lambda g: (g, mg.ones(2))).apply(x, y).sum()
    with pytest.raises(mg.graph.RuleGradientError) as raised:
        out.backward()
    error = raised.value
    assert (error.index, error.got, error.expected) == (1, (2,), (3,))
    assert str(error) == ("Function BadBackward returned an invalid gradient: got shape [2] but expected shape "
                          "compatible with [3]")


def test_a_broadcast_gradient_is_summed_back_not_an_error(mg):
    x, y = mg.ones(3, requires_grad=True), mg.ones(3, requires_grad=True)
    _function(mg, lambda g: (g, mg.ones(4, 3))).apply(x, y).sum().backward()
    assert np.array_equal(y.grad.numpy(), np.full(3, 4.0))


def test_the_trace_hook_sees_every_node_its_gradient_and_what_the_rule_returned(mg):
    seen = []
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    mg.graph.TRACE = lambda node, grad, returned, grads: seen.append((node.name(), grad.numpy().copy(),
                                                                       len(returned), len(grads)))
    try:
        y.backward()
    finally:
        mg.graph.TRACE = None
    names = [name for name, *_ in seen]
    assert names == ["SumBackward0", "MulBackward0", "AccumulateGrad"]
    assert np.array_equal(seen[1][1], np.ones(2)) and seen[1][2:] == (2, 2) and seen[2][2:] == (0, 0)
