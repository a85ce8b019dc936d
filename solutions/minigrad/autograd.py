"""反向模式：从输出沿计算图走回叶子，按拓扑逆序处理节点；一个节点的梯度累加完整后，才运行它的反向规则。

    backward(tensors, grad_tensors)   把梯度累加到叶子的 .grad 中（Tensor.backward 调用的就是它）
    grad(outputs, inputs, ...)        返回 inputs 的梯度，不改动 .grad

练习 2.1-backward-order 写在 topological_order 中，练习 2.1-backward-accumulate 写在 backprop 中，练习 2.1-ex-higher-order 写在 grad 中。
"""
from __future__ import annotations

import numpy as np

from .graph import (FRESH, AccumulateGrad, Function, call_backward, owns_buffer,  # noqa: F401
                       vertex)
from .grad_mode import set_grad_enabled
from .tensor import Tensor
from .torch_compat import hooks as _hooks
from .torch_compat.tensor_methods import run_hooks, tensor_hooks

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
    """返回 roots 依赖的所有节点（沿 `node.inputs` 往回走，跳过其中的 None），每个节点只出现一次，
    并且排在它的所有输入之后（拓扑序）。节点可以放进 set 和 dict。

    请用循环和显式的栈来写，不要用递归：10 万个运算连成的链比 Python 的递归深度上限还深。"""
    ### BEGIN SOLUTION 2.1-backward-order
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
    """把梯度 root_grads 从节点 roots 传到计算图的每个节点，按拓扑逆序（topological_order 的倒序）处理。

    对每个节点，等所有用到它的节点都处理完（它的梯度已经累加完整）之后：
    1. 调用 `sink(node, gradient)`（它把叶子的梯度存进 .grad）；
    2. 调用 `call_backward(node, gradient)`：它对 `node.inputs` 的每一项给出一个梯度
       （不需要梯度的地方是 None）；
    3. 一个节点经由几条路径被用到时，它的梯度是各条路径的梯度之和；
    4. 除非 retain_graph 为真，最后调用 `node.release()` 释放这个节点保存的中间值。"""
    ### BEGIN SOLUTION 2.1-backward-accumulate
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
    hooks = tensor_hooks(tensor) if tensor.grad_fn is None else None   # a non-leaf's ran already (hooks.py)
    if hooks:                                 # a leaf's Tensor.register_hook hooks see g first
        g = run_hooks(hooks, g)
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
            if tensor.grad_fn is not None:    # a non-leaf: its hooks first, once (call_backward reuses them)
                g = _hooks.hooked(node, g)
            accumulate_grad(tensor, g, create_graph)

    _hooks.start()
    try:
        with set_grad_enabled(create_graph):
            backprop([vertex(t) for t in tensors], grads, retain_graph, into_grad)
    finally:
        FRESH.clear()
        _hooks.HOOKED.clear()


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=None,
         materialize_grads=False) -> tuple:
    """outputs 对 inputs 的梯度，以元组返回；不改动任何 .grad。create_graph=True 时，求梯度的运算
    也记录进计算图，得到的梯度本身可以再求导（高阶导数）。

    练习 2.1-ex-higher-order：用 backprop 传播梯度，用自己的 sink 只收集 targets（inputs 所在的节点）
    收到的梯度；create_graph 决定反向规则运行时是否记录计算图（set_grad_enabled）。"""
    outputs, grad_outputs = _make_grads(_as_list(outputs), grad_outputs)
    inputs = _as_list(inputs)
    for x in inputs:
        if not x.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    roots, targets = [vertex(t) for t in outputs], [vertex(x) for x in inputs]
    target_set = set(targets)
    hooked = _fill_retained(target_set, create_graph)
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
    _hooks.start()
    memo = {}
    for i, (x, g) in enumerate(zip(inputs, result)):
        hooks = tensor_hooks(x) if x.grad_fn is None else None
        if g is not None and hooks:               # a leaf's register_hook hooks see its gradient, as torch
            result[i] = run_hooks(hooks, g)
        elif x.grad_fn in hooked and not _hooks.reaches(x.grad_fn, target_set, memo):
            result[i] = hooked[x.grad_fn]         # torch captures a non-leaf after its hooks, unless its
                                                  # node runs to reach another input
        if g is None:
            if materialize_grads:
                result[i] = Tensor(np.zeros_like(x._data))
            elif not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have been used in "
                                   f"the graph. Set allow_unused=True if this is the desired behavior.")
    return tuple(result)


def _fill_retained(targets: set, create_graph: bool) -> dict:
    """For autograd.grad: fill the .grad of retained tensors torch's engine reaches (the inputs and what
    lies above them); return the gradients of the inputs after their hooks, as they come."""
    _hooks.start()
    hooked, memo = {}, {}

    def fill(node, g):
        if node in targets:
            hooked[node] = g
        tensor = node.retained() if node.retained is not None else None
        if tensor is not None and (node in targets or _hooks.reaches(node, targets, memo)):
            accumulate_grad(tensor, g, create_graph)

    _hooks.RUN.fill = fill
    return hooked


from .numdiff import gradcheck  # noqa: E402  (numdiff uses backward above)
