"""张量 Tensor：一个 numpy 数组，加上自动微分需要的东西。

    _data          数值（numpy 数组）
    requires_grad  是否需要对它求梯度
    grad           反向传播累加到的梯度（叶子才有；开始时是 None）
    grad_fn        产生它的节点（graph.py 的 Node）；叶子是 None
    tangent        前向模式中它的切线（没有时是 None）

运算符（+、-、*）和 sum、log、sin 调用 ops.py 中的运算；backward() 开始 autograd.py 中的反向遍历。
PyTorch 的其余方法（打印、索引、原地运算、更多的运算……）由 torch_compat 在导入时装到 Tensor 上，
做练习时不需要它们的源代码。

阅读地图
  练习 2.1.2-backward-gradient   backward：检查并转换起点梯度 gradient
      工具：isinstance(g, Tensor)、Tensor(np.asarray(g, dtype=self._data.dtype))、g.shape 与 self.shape
  练习 2.1.3-detach              detach（另一半在 grad_mode.py 的 no_grad 中）
      工具：self.data（与 self 共享数组和版本计数、但不在计算图中的张量）、Tensor(...)
  练习 2.1.4-norm                norm：用已有的运算组合出 sqrt(Σ x²)
      工具：self * self、t.sum() 与 t.sum(dim=..., keepdim=...)、t.sqrt()
  可以跳过：__init__ 的细节、_accumulator 等 torch_compat 使用的字段
"""
from __future__ import annotations

import numpy as np


class Tensor:
    """一个 numpy 数组（`_data`）和自动微分需要的字段。"""
    __array_priority__ = 1000          # numpy 数组 * 张量 得到张量（numpy 让给我们）
    __slots__ = ("_data", "requires_grad", "_grad", "grad_fn", "tangent", "_accumulator",
                 # 以下字段由 torch_compat 使用（版本计数、视图、retain_grad、.data）
                 "_retains_grad", "_storage", "_view", "_data_of", "__weakref__")

    def __init__(self, data, requires_grad: bool = False):
        storage = None
        if type(data) is not np.ndarray:
            if isinstance(data, Tensor):          # Tensor(t)：同一个数组（与 t 共享版本计数）
                alias = _graph.EXT.alias
                storage = alias(data) if alias is not None else None
                data = data._data
            elif isinstance(data, (np.ndarray, np.generic)):
                data = np.asarray(data)
            else:                                 # 列表或 Python 数：与 torch.Tensor([1, 2]) 一样是 float32
                data = np.asarray(data, np.float32)
        self._data, self._storage, self._view = data, storage, None
        self.requires_grad = requires_grad
        self._grad = None
        self.grad_fn = None
        self.tangent = None
        self._retains_grad = False
        self._accumulator = None           # 叶子的 AccumulateGrad 节点（弱引用），见 graph.vertex

    # ------------------------------------------------------------ 属性
    @property
    def shape(self) -> tuple:
        return self._data.shape

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def grad(self):
        """backward() 累加到的梯度（之前是 None）。"""
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        self._grad = value

    # ------------------------------------------------------------ 自动微分
    def detach(self) -> "Tensor":
        """返回一个数值相同、但与计算图断开的新张量：没有 grad_fn，requires_grad=False，
        梯度不会经过它传回去（练习 2.1.3-detach）。"""
        ### BEGIN SOLUTION 2.1.3-detach
        # 同样的数值，但不记录它是怎么算出来的：梯度不会流过它
        return Tensor(self.data)
        ### END SOLUTION

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None:
        """把 d(self)/d(叶子) 累加到每个叶子的 .grad 中：从 self 出发、以 gradient 为起点做一次反向传播。

        练习 2.1.2-backward-gradient：self 不是标量时必须给出 gradient（向量-雅可比积 vᵀJ 中的 v）。
        在标有练习的地方把 gradient 变成反向传播的起点（一个 Tensor），并检查它：
          - 没有给出时，和 torch 一样抛出
            RuntimeError("grad can be implicitly created only for scalar outputs")；
          - numpy 数组或列表：转换成 Tensor，dtype 与 self 相同：Tensor(np.asarray(gradient, dtype=self._data.dtype))；
          - 形状与 self 不同时抛出 RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of
            {gradient.shape} and output[0] has a shape of {self.shape}.")。
        之后的 run_backward 不再检查 gradient：它直接用你给出的起点。"""
        _autograd.check_requires_grad(self)
        if gradient is None and self._data.size == 1:
            gradient = Tensor(np.ones_like(self._data))            # dy/dy = 1
        else:
            ### BEGIN SOLUTION 2.1.2-backward-gradient
            # 非标量输出：必须给出上游梯度 v，形状与 self 相同，结果是 vᵀJ
            if gradient is None:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not isinstance(gradient, Tensor):
                gradient = Tensor(np.asarray(gradient, dtype=self._data.dtype))
            if gradient.shape != self.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of {gradient.shape} and "
                                   f"output[0] has a shape of {self.shape}.")
            ### END SOLUTION
        _autograd.run_backward([self], [_autograd.as_dtype_of(gradient, self)], retain_graph=retain_graph,
                               create_graph=create_graph, inputs=inputs)

    # ------------------------------------------------------------ 练习用到的运算（ops.py）
    def __add__(self, other):
        return _graph.apply(_ops.Add, self, other)

    def __radd__(self, other):                 # other + self
        return _graph.apply(_ops.Add, other, self)

    def __sub__(self, other):
        return _graph.apply(_ops.Sub, self, other)

    def __mul__(self, other):
        return _graph.apply(_ops.Mul, self, other)

    def __rmul__(self, other):                 # other * self
        return _graph.apply(_ops.Mul, other, self)

    def log(self):
        return _graph.apply(_ops.Log, self)

    def sin(self):
        return _graph.apply(_ops.Sin, self)

    def sum(self, dim=None, keepdim=False):
        """全部元素的和（dim=None），或沿 dim 求和；keepdim=True 时被求和的维度保留为长度 1。"""
        if dim is None:
            return _graph.apply(_ops.Sum, self)
        return _graph.apply(_ops.SumDim, self, dim=dim, keepdim=keepdim)

    def norm(self, p="fro", dim=None, keepdim=False):
        """2-范数 ‖x‖ = sqrt(Σ x²)：对全部元素，或沿 dim 求（keepdim 的含义和 sum 一样）。
        练习 2.1.4-norm：用 minigrad 已有的运算组合出来，梯度就由这些运算的规则自动得到，
        所以它的 grad_fn 是 SqrtBackward0（torch 用一个合并的运算，显示 LinalgVectorNormBackward0）。"""
        ### BEGIN SOLUTION 2.1.4-norm
        # ‖x‖ = sqrt(Σ x²)；梯度由 sqrt、sum、mul 的规则自动得到：x / ‖x‖
        squares = self * self
        total = squares.sum() if dim is None else squares.sum(dim=dim, keepdim=keepdim)
        return total.sqrt()
        ### END SOLUTION


from . import ops as _ops  # noqa: E402  （ops 要先有 Tensor）
from . import graph as _graph  # noqa: E402
from . import autograd as _autograd  # noqa: E402
