"""反向模式：从输出沿计算图走回叶子，按拓扑逆序处理节点；一个节点的梯度累加完整后，才运行它的反向规则。

    backward(tensors, grad_tensors)   把梯度累加到叶子的 .grad 中（Tensor.backward 也用它的 run_backward）
    grad(outputs, inputs, ...)        返回 inputs 的梯度，不改动 .grad

阅读地图
  练习 2.1-backward-order       topological_order
  练习 2.1-backward-accumulate  backprop（按 topological_order 的倒序）
      先读 graph.py 中的 Node（inputs、release）、AccumulateGrad 和 call_backward
      工具：node.inputs（输入来自的节点，可能有 None）、call_backward(node, g)（每个输入一个梯度）、
            sink(node, g)（由调用者给出：backward 的 sink 把梯度存进 .grad）、node.release()
      节点可以放进 set 和 dict；两个梯度用 + 相加
  练习 2.1-ex-higher-order  collect_gradients（只用 backprop 和 set_grad_enabled）
  可以参考：run_backward 怎样调用 backprop（它的 sink 是 into_grad）
  可以跳过：_make_grads、accumulate_grad、grad 中 EXT 开头的部分（torch_compat 的钩子）
"""
from __future__ import annotations

import numpy as np

from .graph import EXT, AccumulateGrad, Function, call_backward, vertex  # noqa: F401
from .grad_mode import set_grad_enabled
from .tensor import Tensor

__all__ = ["Function", "backward", "grad", "gradcheck"]


def _as_list(tensors) -> list:
    if tensors is None:
        return []
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _make_grads(outputs: list, grad_outputs) -> tuple[list, list]:
    """检查输出和它们的梯度（torch.autograd.backward 和 grad 的参数）：一个元素的输出没有给出梯度时用 1。"""
    grad_outputs = _as_list(grad_outputs) or [None] * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"grad requires one gradient per output: got {len(grad_outputs)} gradients for "
                           f"{len(outputs)} outputs")
    grads = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        check_requires_grad(out, i)
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = Tensor(np.ones_like(out._data))
        elif not isinstance(g, Tensor):
            g = Tensor(np.asarray(g, dtype=out._data.dtype))
        if g._data.shape != out._data.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and "
                               f"output[{i}] has a shape of {out.shape}.")
        grads.append(as_dtype_of(g, out))
    return outputs, grads


def check_requires_grad(out: Tensor, i: int = 0) -> None:
    """不需要梯度的输出无从反向传播：torch 的报错。"""
    if not out.requires_grad:
        raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")


def as_dtype_of(g: Tensor, out: Tensor) -> Tensor:
    """梯度 g 转成输出 out 的 dtype。"""
    return g if g._data.dtype == out._data.dtype else Tensor(g._data.astype(out._data.dtype))


def topological_order(roots: list) -> list:
    """返回 roots 依赖的所有节点（沿 `node.inputs` 往回走，跳过其中的 None），每个节点只出现一次，
    并且排在它的所有输入之后（拓扑序）。节点可以放进 set 和 dict。

    请用循环和显式的栈来写，不要用递归：5000 个运算连成的链就比 Python 的递归深度上限（约 1000）还深。"""
    ### BEGIN SOLUTION 2.1-backward-order
    # 用显式栈做深度优先的后序遍历（不用递归：5000 个节点的链也不会溢出）
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

    同一个节点在 roots 中出现几次，它的起始梯度就是 root_grads 中对应的几个梯度之和（相加，不是覆盖）。
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
    """tensor.grad += g（第一次时给 .grad 一个自己的数组；create_graph 时是一个带计算图的加法）。"""
    if tensor.grad_fn is None and EXT.leaf_hooks is not None:
        g = EXT.leaf_hooks(tensor, g)         # 叶子上 register_hook 的钩子先看到 g（torch_compat）
    if tensor.grad is None:                   # .grad 之后会被原地更新，所以要有自己的数组
        own = tensor.grad_fn is None and EXT.owns_buffer is not None and EXT.owns_buffer(g)
        tensor.grad = g if create_graph or own else Tensor(g._data.copy())
    elif create_graph or tensor.grad.requires_grad:
        tensor.grad = tensor.grad + g
    else:
        grad_data = tensor.grad._data
        if grad_data.flags.writeable:
            grad_data += g._data
        else:
            tensor.grad._data = grad_data + g._data


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None) -> None:
    """把 tensors 的梯度（以 grad_tensors 加权）累加到叶子的 .grad 中（torch.autograd.backward）。"""
    tensors, grads = _make_grads(_as_list(tensors), grad_tensors)
    run_backward(tensors, grads, retain_graph, create_graph, inputs)


def run_backward(tensors: list, grads: list, retain_graph=None, create_graph=False, inputs=None) -> None:
    """从 tensors 出发、以 grads 为起点梯度做一次反向传播（梯度已经检查过）。inputs 给出时，
    只累加到这些张量的 .grad；否则累加到所有叶子，以及 retain_grad() 过的中间结果。"""
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
            if tensor.grad_fn is not None and EXT.output_gradient is not None:
                g = EXT.output_gradient(node, g)      # 非叶子：先运行它的钩子（只运行一次）
            accumulate_grad(tensor, g, create_graph)

    if EXT.begin is not None:
        EXT.begin()
    try:
        with set_grad_enabled(create_graph):
            backprop([vertex(t) for t in tensors], grads, retain_graph, into_grad)
    finally:
        if EXT.end is not None:
            EXT.end()


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=None,
         materialize_grads=False) -> tuple:
    """outputs 对 inputs 的梯度，以元组返回；不改动任何 .grad（torch.autograd.grad）。计算在
    collect_gradients 中；这里检查参数，并处理没有用到的输入（allow_unused、materialize_grads）。"""
    outputs, grad_outputs = _make_grads(_as_list(outputs), grad_outputs)
    inputs = _as_list(inputs)
    for x in inputs:
        if not x.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    roots, targets = [vertex(t) for t in outputs], [vertex(x) for x in inputs]
    if EXT.begin_grad is not None:
        EXT.begin_grad(targets, create_graph)         # retain_grad 与钩子（torch_compat）
    result = collect_gradients(roots, grad_outputs, targets, retain_graph, create_graph)
    if EXT.end_grad is not None:
        result = EXT.end_grad(inputs, list(result))
    result = list(result)
    for i, (x, g) in enumerate(zip(inputs, result)):
        if g is None:
            if materialize_grads:
                result[i] = Tensor(np.zeros_like(x._data))
            elif not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have been used in "
                                   f"the graph. Set allow_unused=True if this is the desired behavior.")
    return tuple(result)


def collect_gradients(roots: list, root_grads: list, targets: list, retain_graph: bool,
                      create_graph: bool) -> list:
    """从 roots（梯度 root_grads）反向传播，返回 targets 中每个节点收到的梯度（列表，顺序与 targets
    相同；没有收到梯度的节点对应 None）。不写入任何 .grad。

    练习 2.1-ex-higher-order：用 backprop 传播梯度，传给它一个自己的 sink，只收集 targets 收到的
    梯度；create_graph 为真时，反向规则要在梯度模式下运行（set_grad_enabled），这样得到的梯度
    本身也记录进计算图，可以再求导（高阶导数）。"""
    ### BEGIN SOLUTION 2.1-ex-higher-order
    # 只收集 targets 收到的梯度，不写入 .grad
    wanted, found = set(targets), {}

    def collect(node, g):
        if node in wanted:
            found[node] = g

    # create_graph=True：规则在梯度模式下运行，算出的梯度本身也被记录进计算图
    with set_grad_enabled(create_graph):
        backprop(roots, root_grads, retain_graph, collect)
    return [found.get(node) for node in targets]
    ### END SOLUTION


from .numdiff import gradcheck  # noqa: E402  （numdiff 用到上面的 backward）
