"""Broadcasting and its gradient. When an op broadcast an input of shape (3, 1) to (2, 3, 4), the
gradient arriving for the output has shape (2, 3, 4); the input's gradient is that summed back to
(3, 1). The engine (function.call_backward) calls `unbroadcast` whenever a rule's result has another
shape than its input, so the op rules never mention broadcasting."""
from __future__ import annotations


def unbroadcast(grad, shape: tuple):
    """Sum `grad` (a Tensor) down to `shape`: over the leading dims broadcasting added, and over the
    dims that were 1 in `shape`. Written in Tensor ops, so it works under create_graph."""
    ### BEGIN SOLUTION 2.1.2-unbroadcast
    # 1) 广播在前面补出的维度：整维求和去掉
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(dim=tuple(range(extra)))
    # 2) 原来长度为 1 的维度：求和并保留（keepdim=True）
    ones = tuple([i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1])
    if ones:
        grad = grad.sum(dim=ones, keepdim=True)
    return grad
    ### END SOLUTION
