"""Broadcasting and its gradient. When an op broadcast an input of shape (3, 1) to (2, 3, 4), the
gradient arriving for the output has shape (2, 3, 4); the input's gradient is that summed back to
(3, 1). The engine (function.call_backward) calls `unbroadcast` whenever a rule's result has another
shape than its input, so the op rules never mention broadcasting."""
from __future__ import annotations


def unbroadcast(grad, shape: tuple):
    """Sum `grad` (a Tensor) down to `shape`: over the leading dims broadcasting added, and over the
    dims that were 1 in `shape`. Written in Tensor ops, so it works under create_graph."""
    # 练习 2.1.2-unbroadcast：广播的梯度：求和回输入的形状。在这里写你的代码。
    raise NotImplementedError("练习 2.1.2-unbroadcast 尚未完成：广播的梯度：求和回输入的形状（minigrad/broadcast.py）")
