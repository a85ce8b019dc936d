"""练习用到的基本运算：Add、Sub、Mul、Log、Sin、Dot、Sum、SumDim。

每个运算是 graph.Op 的子类，有三个静态方法：
    forward(ctx, *arrays)   在 numpy 数组上算出结果（已经写好）
    jvp(ctx, *tangents)     切线规则（前向模式，笔记本 02）：由输入的切线返回输出的切线
    backward(ctx, grad)     反向规则（反向模式，笔记本 03 讲）：grad 是最终输出对这个运算的输出的导数，
                            对每个输入返回最终输出对它的导数；用 minigrad 的张量运算来写
                            （这样以后还能对导数再求导，笔记本 10）
ctx.saved_tensors 是 forward 时保存的张量：saves = "inputs" 保存输入。
两个输入形状不同的情况（笔记本 06 讲）由引擎处理：规则照公式写，不用管形状。

阅读地图
  练习 2.1-jvp        Add.jvp、Sub.jvp、Mul.jvp、Log.jvp、Sin.jvp
  练习 2.1-vjp        Add.backward、Sub.backward、Mul.backward、Log.backward、Sin.backward
  练习 2.1.1-dot-sum  Dot.backward、Sum.backward、SumDim.backward
  可以用的工具
    ctx.saved_tensors       forward 时保存的输入（Mul、Log、Sin、Dot）
    a.cos()、-g、g / a       张量的运算（torch_compat 装到 Tensor 上的方法）
    g.expand(shape)         把 g 沿长度为 1 的维度（或新的前置维度）复制成 shape
    g.reshape(shape)        同样的元素，换一个形状
    ctx.shape、ctx.dims、ctx.keepdim   Sum/SumDim 的 forward 记下的输入形状、求和的维度（已排序、非负）
    _keep_shape(shape, dims)   shape 中 dims 那几维换成 1（keepdim=True 时和的形状）
  可以跳过：wrap_dim、_dims、_float（维度与 dtype 的细节），各运算的 forward
"""
from __future__ import annotations

import numpy as np

from .graph import Op
from .tensor import Tensor


def wrap_dim(dim: int, ndim: int) -> int:
    """把维度 dim 换成从 0 数起的下标（负数从末尾数起）；越界时抛出 torch 的 IndexError。"""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


def _dims(dim, ndim: int) -> tuple:
    """dim（一个维度或一组维度）换成排好序的非负下标。"""
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    return tuple(sorted([wrap_dim(d, ndim) for d in dims]))


def _keep_shape(shape: tuple, dims: tuple) -> tuple:
    """shape 中 dims 那几维换成 1（keepdim=True 时求和结果的形状）。"""
    return tuple([1 if i in dims else n for i, n in enumerate(shape)])


def _float(a: np.ndarray) -> np.ndarray:
    """整数或布尔张量的 log、sin 与 torch 一样是 float32。"""
    return a if a.dtype.kind == "f" else a.astype(np.float32)


class Add(Op):
    """c = a + b"""
    name = "AddBackward0"

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        ### BEGIN SOLUTION 2.1-vjp
        # ∂c/∂a = 1，∂c/∂b = 1：梯度原样传给两边
        return grad, grad
        ### END SOLUTION

    @staticmethod
    def jvp(ctx, da, db):
        ### BEGIN SOLUTION 2.1-jvp
        # dc = da + db
        return da + db
        ### END SOLUTION


class Sub(Op):
    """c = a - b"""
    name = "SubBackward0"

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, grad):
        ### BEGIN SOLUTION 2.1-vjp
        # ∂c/∂a = 1，∂c/∂b = −1
        return grad, -grad
        ### END SOLUTION

    @staticmethod
    def jvp(ctx, da, db):
        ### BEGIN SOLUTION 2.1-jvp
        # dc = da − db
        return da - db
        ### END SOLUTION


class Mul(Op):
    """c = a · b"""
    name, saves = "MulBackward0", "inputs"

    @staticmethod
    def forward(ctx, a, b):
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ### BEGIN SOLUTION 2.1-vjp
        # ∂c/∂a = b，∂c/∂b = a
        return grad * b, grad * a
        ### END SOLUTION

    @staticmethod
    def jvp(ctx, da, db):
        a, b = ctx.saved_tensors
        ### BEGIN SOLUTION 2.1-jvp
        # 乘积法则：dc = da·b + a·db
        return da * b + a * db
        ### END SOLUTION


class Log(Op):
    """c = ln a"""
    name, saves = "LogBackward0", "inputs"

    @staticmethod
    def forward(ctx, a):
        return np.log(_float(a))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        ### BEGIN SOLUTION 2.1-vjp
        # d(ln a)/da = 1/a
        return grad / a
        ### END SOLUTION

    @staticmethod
    def jvp(ctx, da):
        (a,) = ctx.saved_tensors
        ### BEGIN SOLUTION 2.1-jvp
        # dc = da / a
        return da / a
        ### END SOLUTION


class Sin(Op):
    """c = sin a"""
    name, saves = "SinBackward0", "inputs"

    @staticmethod
    def forward(ctx, a):
        return np.sin(_float(a))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        ### BEGIN SOLUTION 2.1-vjp
        # sin 的导数是 cos：d(sin a)/da = cos a
        return grad * a.cos()
        ### END SOLUTION

    @staticmethod
    def jvp(ctx, da):
        (a,) = ctx.saved_tensors
        ### BEGIN SOLUTION 2.1-jvp
        # dc = cos a · da
        return a.cos() * da
        ### END SOLUTION


class Dot(Op):
    """c = a · b = Σᵢ aᵢ bᵢ（两个向量的点积，结果是标量）。练习 2.1.1-dot-sum 写在 backward 中。"""
    name, saves = "DotBackward0", "inputs"

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim != 1 or b.ndim != 1:
            raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
        if a.shape != b.shape:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src "
                               f"[{b.shape[0]}] to have the same number of elements, but got "
                               f"{a.shape[0]} and {b.shape[0]} elements respectively")
        return np.dot(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ### BEGIN SOLUTION 2.1.1-dot-sum
        # ∂(a·b)/∂a = b，∂(a·b)/∂b = a（grad 是标量）
        return grad * b, grad * a
        ### END SOLUTION

    @staticmethod
    def jvp(ctx, da, db):
        a, b = ctx.saved_tensors
        return dot(da, b) + dot(a, db)


def dot(a, b) -> Tensor:
    return Dot.apply(a, b)


class Sum(Op):
    """c = Σ a（全部元素的和，结果是标量）"""
    name = "SumBackward0"

    @staticmethod
    def forward(ctx, a):
        ctx.shape = a.shape
        return np.sum(a)

    @staticmethod
    def backward(ctx, grad):
        ### BEGIN SOLUTION 2.1.1-dot-sum
        # ∂(Σa)/∂aᵢ = 1：把标量 grad 复制回 a 的形状
        return grad.expand(ctx.shape)
        ### END SOLUTION

    @staticmethod
    def jvp(ctx, da):
        return da.sum()


class SumDim(Op):
    """c = 沿 dim 对 a 求和"""
    name = "SumBackward1"

    @staticmethod
    def forward(ctx, a, dim, keepdim=False):
        ctx.shape, ctx.dims, ctx.keepdim = a.shape, _dims(dim, a.ndim), keepdim
        return np.sum(a, axis=ctx.dims if a.ndim else None, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        ### BEGIN SOLUTION 2.1.1-dot-sum
        # 先把被求和的维度恢复成长度 1，再复制回 a 的形状
        if not ctx.keepdim:
            grad = grad.reshape(_keep_shape(ctx.shape, ctx.dims))
        return grad.expand(ctx.shape)
        ### END SOLUTION

    @staticmethod
    def jvp(ctx, da):
        return da.sum(dim=ctx.dims, keepdim=ctx.keepdim)
