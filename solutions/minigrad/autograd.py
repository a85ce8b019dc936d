"""Reverse mode: walk the graph from the outputs back to the leaves, in reverse topological order,
running each node's backward rule once its gradient is complete.

    backward(tensors, grad_tensors)   accumulates into the leaves' .grad (what Tensor.backward calls)
    grad(outputs, inputs, ...)        returns the gradients of `inputs`, leaving .grad alone
"""
from __future__ import annotations

import numpy as np

from .function import (FRESH, AccumulateGrad, Function, call_backward, owns_buffer,  # noqa: F401
                       vertex)
from .grad_mode import set_grad_enabled
from .tensor import Tensor

__all__ = ["Function", "backward", "grad", "gradcheck"]


def _as_list(tensors) -> list:
    if tensors is None:
        return []
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _make_grads(outputs: list, grad_outputs) -> tuple[list, list]:
    """Check the outputs and their gradients (ones for a one-element output when none is given)."""
    grad_outputs = _as_list(grad_outputs) or [None] * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"grad requires one gradient per output: got {len(grad_outputs)} gradients for "
                           f"{len(outputs)} outputs")
    grads = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not out.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = Tensor(np.ones_like(out._data))
        elif not isinstance(g, Tensor):
            g = Tensor(np.asarray(g, dtype=out._data.dtype))
        if g._data.shape != out._data.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and "
                               f"output[{i}] has a shape of {out.shape}.")
        if g._data.dtype != out._data.dtype:
            g = Tensor(g._data.astype(out._data.dtype))
        grads.append(g)
    return outputs, grads


def topological_order(roots: list) -> list:
    """Every node the roots depend on (through `node.inputs`, skipping None entries), each listed
    once and after all of its inputs. Iterative, with an explicit stack: a chain of 100,000 ops is
    deeper than Python's recursion limit."""
    ### BEGIN SOLUTION 2.1-backward
    # 用显式栈做深度优先的后序遍历（不用递归：10 万个节点的链也不会溢出）
    order, seen = [], set()
    stack = [(root, False) for root in reversed(roots)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:                       # 它的输入都已排好：轮到它自己
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        for child in node.inputs:
            if child is not None and child not in seen:
                stack.append((child, False))
    return order
    ### END SOLUTION


def backprop(roots: list, root_grads: list, retain_graph: bool, sink) -> None:
    """Propagate `root_grads` from the nodes `roots` to every node of the graph, in reverse
    topological order.

    For each node, once all the nodes that use it have run: call `sink(node, gradient)` (it stores
    leaf gradients in .grad), then `call_backward(node, gradient)`, which gives one gradient per
    `node.inputs` entry (None where no gradient is needed); a node reached along several paths gets
    the sum. Unless `retain_graph`, `node.release()` frees what the node saved."""
    ### BEGIN SOLUTION 2.1-backward
    grads = {}                                # 节点 -> 目前累加到的梯度
    for root, g in zip(roots, root_grads):
        grads[root] = grads[root] + g if root in grads else g
    for node in reversed(topological_order(roots)):   # 拓扑逆序：用到它的节点都已处理完
        g = grads.pop(node, None)
        if g is None:
            continue
        sink(node, g)
        for child, g_child in zip(node.inputs, call_backward(node, g)):   # 链式法则：ḡ·∂out/∂input
            if g_child is not None:
                grads[child] = grads[child] + g_child if child in grads else g_child   # 多条路径：梯度相加
        if not retain_graph:
            node.release()                    # 释放保存的中间值
    ### END SOLUTION


def accumulate_grad(tensor: Tensor, g: Tensor, create_graph: bool) -> None:
    """tensor.grad += g (its own buffer the first time; a graph-carrying sum under create_graph)."""
    if tensor.grad is None:                   # .grad gets a buffer of its own (it is updated in place)
        tensor.grad = g if create_graph or (tensor.grad_fn is None and owns_buffer(g)) else Tensor(g._data.copy())
    elif create_graph or tensor.grad.requires_grad:
        tensor.grad = tensor.grad + g
    else:
        grad_data = tensor.grad._data
        if grad_data.flags.writeable:
            grad_data += g._data
        else:
            tensor.grad._data = grad_data + g._data


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None) -> None:
    """Accumulate the gradients of `tensors` (weighted by `grad_tensors`) into the leaves' .grad."""
    tensors, grads = _make_grads(_as_list(tensors), grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    only = None if inputs is None else {vertex(x): x for x in _as_list(inputs)}

    def into_grad(node, g):
        if only is not None:
            tensor = only.get(node)
        elif type(node) is AccumulateGrad:
            tensor = node.variable
        elif node.retained is not None:
            tensor = node.retained()
        else:
            return
        if tensor is not None:
            accumulate_grad(tensor, g, create_graph)

    try:
        with set_grad_enabled(create_graph):
            backprop([vertex(t) for t in tensors], grads, retain_graph, into_grad)
    finally:
        FRESH.clear()


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=None,
         materialize_grads=False) -> tuple:
    """The gradients of `outputs` with respect to `inputs`, as a tuple; .grad is not touched. With
    create_graph=True the gradients carry a graph of their own (for higher derivatives)."""
    outputs, grad_outputs = _make_grads(_as_list(outputs), grad_outputs)
    inputs = _as_list(inputs)
    for x in inputs:
        if not x.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    roots, targets = [vertex(t) for t in outputs], [vertex(x) for x in inputs]
    ### BEGIN SOLUTION 2.1-ex-higher-order
    # 只收集 targets（inputs 所在的节点）收到的梯度，不写入 .grad
    wanted, found = set(targets), {}

    def collect(node, g):
        if node in wanted:
            found[node] = g

    # create_graph=True：规则在梯度模式下运行，算出的梯度本身也被记录进计算图
    with set_grad_enabled(create_graph):
        backprop(roots, grad_outputs, retain_graph, collect)
    result = [found.get(node) for node in targets]
    ### END SOLUTION
    FRESH.clear()
    for i, (x, g) in enumerate(zip(inputs, result)):
        if g is None:
            if materialize_grads:
                result[i] = Tensor(np.zeros_like(x._data))
            elif not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in the "
                                   "graph. Set allow_unused=True if this is the desired behavior.")
    return tuple(result)


from .numdiff import gradcheck  # noqa: E402  (numdiff uses backward above)
