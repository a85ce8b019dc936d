"""练习用到的基本运算。"""
from __future__ import annotations

import numpy as np

from .graph import Op
from .tensor import Tensor


def wrap_dim(dim: int, ndim: int) -> int:
    """dim counted from 0 (negative: from the end), or torch's IndexError when out of range (a 0-dim
    tensor takes 0 and -1)."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


def _dims(dim, ndim: int) -> tuple:
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    return tuple(sorted([wrap_dim(d, ndim) for d in dims]))


def _keep_shape(shape: tuple, dims: tuple) -> tuple:
    """`shape` with the reduced dims set to 1 (what keepdim=True gives)."""
    return tuple([1 if i in dims else n for i, n in enumerate(shape)])


def _float(a: np.ndarray) -> np.ndarray:
    """exp, log, sin, ... of a bool or integer tensor are float32, as in torch (numpy would give
    float16 for bool and int8, float64 for int64)."""
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
    torch_saves = staticmethod(lambda needs: (needs[1], needs[0]))   # b for a's gradient, a for b's

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
        # d(sin a)/da = cos a
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
    torch_saves = staticmethod(lambda needs: (needs[1], needs[0]))   # b for a's gradient, a for b's

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
    """c = Σ a (all elements)"""
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
