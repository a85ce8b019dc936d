"""两个输入的逐元素运算（a + b、a * b、a ** b、maximum、where）。每个运算有三个静态方法：
forward 在 numpy 数组上计算；backward(ctx, grad) 是反向规则（向量-雅可比积），返回每个输入的梯度，
用 minigrad 的运算来写（这样 create_graph 时也能再求导）；jvp(ctx, da, db) 是切线规则（前向模式），
返回输出的切线。ctx.saved_tensors 是 forward 时保存的张量：类属性 saves = "inputs" 保存输入，
saves = "output" 保存输出。
广播不用管：梯度的形状与输入不同时，引擎会调用 unbroadcast。

练习 2.1-vjp 和 2.1-jvp 写在 Add、Sub、Mul 中。"""
from __future__ import annotations

import numpy as np

from ..function import Op
from ..tensor import Tensor
from ._common import _const


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


class Rsub(Op):
    """c = b - a  (a Python scalar b on the left: `1 - x`)"""
    name = "RsubBackward1"

    @staticmethod
    def forward(ctx, a, b):
        return b - a

    @staticmethod
    def backward(ctx, grad):
        return -grad, grad

    @staticmethod
    def jvp(ctx, da, db):
        return db - da


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


class MulScalar(Op):
    """c = a · k, k a Python number: a constant, so only a gets a gradient"""
    name, saves = "MulBackward0", "inputs"
    torch_saves = staticmethod(lambda needs: (False, False))          # torch keeps only k

    @staticmethod
    def forward(ctx, a, k):
        return a * k

    @staticmethod
    def backward(ctx, grad):
        a, k = ctx.saved_tensors
        return grad * k, None

    @staticmethod
    def jvp(ctx, da, dk):
        a, k = ctx.saved_tensors
        return da * k


class RDiv(Op):
    """c = k / a, k a Python number (torch computes k · (1/a), hence the name)"""
    name, saves = "MulBackward0", "inputs"
    torch_saves = staticmethod(lambda needs: (False, False))          # torch keeps 1/a, its own tensor

    @staticmethod
    def forward(ctx, a, k):
        return k / a

    @staticmethod
    def backward(ctx, grad):
        a, k = ctx.saved_tensors
        return -grad * k / (a * a), None

    @staticmethod
    def jvp(ctx, da, dk):
        a, k = ctx.saved_tensors
        return -k * da / (a * a)


class Div(Op):
    """c = a / b"""
    name, saves = "DivBackward0", "inputs"
    torch_saves = staticmethod(lambda needs: (needs[1], True))

    @staticmethod
    def forward(ctx, a, b):
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (grad / b if need_a else None), (-grad * a / (b * b) if need_b else None)

    @staticmethod
    def jvp(ctx, da, db):
        a, b = ctx.saved_tensors
        return da / b - a * db / (b * b)


class PowScalar(Op):
    """c = a ** k, k a Python number"""
    name, saves = "PowBackward0", "inputs"

    @staticmethod
    def forward(ctx, a, k):
        return a ** k

    @staticmethod
    def backward(ctx, grad):
        a, k = ctx.saved_tensors
        return grad * k * a ** (k - 1), None

    @staticmethod
    def jvp(ctx, da, dk):
        a, k = ctx.saved_tensors
        return k * a ** (k - 1) * da


class Pow(Op):
    """c = a ** b, both tensors"""
    name, saves = "PowBackward1", "inputs"

    @staticmethod
    def forward(ctx, a, b):
        return a ** b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad * b * a ** (b - 1), grad * a ** b * a.log()

    @staticmethod
    def jvp(ctx, da, db):
        a, b = ctx.saved_tensors
        return b * a ** (b - 1) * da + a ** b * a.log() * db


class RPow(Op):
    """c = k ** b, k a Python number"""
    name, saves = "PowBackward2", "inputs"

    @staticmethod
    def forward(ctx, k, b):
        return k ** b

    @staticmethod
    def backward(ctx, grad):
        k, b = ctx.saved_tensors
        return None, grad * k ** b * float(np.log(k))

    @staticmethod
    def jvp(ctx, dk, db):
        k, b = ctx.saved_tensors
        return k ** b * float(np.log(k)) * db


def pow(a, b) -> Tensor:
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        return Pow.apply(a, b)
    if isinstance(a, Tensor):
        return PowScalar.apply(a, b)
    return RPow.apply(a, b)


class Maximum(Op):
    """c = max(a, b) elementwise; ties share the gradient equally (as torch)"""
    name, saves = "MaximumBackward0", "inputs"

    @staticmethod
    def forward(ctx, a, b):
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        share = _const((a._data > b._data) + 0.5 * (a._data == b._data)).to(grad.dtype)
        return grad * share, grad * (1 - share)

    @staticmethod
    def jvp(ctx, da, db):
        a, b = ctx.saved_tensors
        share = _const((a._data > b._data) + 0.5 * (a._data == b._data)).to(da.dtype)
        return da * share + db * (1 - share)


def maximum(a, b) -> Tensor:
    return Maximum.apply(a, b)


class Where(Op):
    """c = a where cond else b"""
    name, saves = "WhereBackward0", "inputs"
    torch_saves = staticmethod(lambda needs: (True, False, False))    # torch keeps only cond

    @staticmethod
    def forward(ctx, cond, a, b):
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, grad):
        cond = _const(ctx.saved_tensors[0]._data)
        return None, grad * cond, grad * ~cond

    @staticmethod
    def jvp(ctx, dcond, da, db):
        cond = ctx.saved_tensors[0]
        return where(cond, da, db)


def where(cond, a, b) -> Tensor:
    return Where.apply(cond, a, b)
