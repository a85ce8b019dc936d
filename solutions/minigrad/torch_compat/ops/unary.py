"""一个输入的逐元素运算（exp、log、sin、relu……），以及类型转换和 clone。
backward(ctx, grad) 返回输入的梯度，jvp(ctx, da) 返回输出的切线；ctx.saved_tensors 是 forward 时保存的张量
（见 binary.py 开头的说明）。练习 2.1-vjp 和 2.1-jvp 写在 Log、Sin 中：可以参考 Exp 的写法。"""
from __future__ import annotations

import numpy as np

from ...graph import Op
from ..fastpath import apply2
from ...tensor import Tensor
from ...ops import Log, Sin, _float  # noqa: F401  (the lesson's ops)
from ._common import _const
from .binary import masked


class Neg(Op):
    """c = −a"""
    name = "NegBackward0"

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, grad):
        return -grad

    @staticmethod
    def jvp(ctx, da):
        return -da


class Exp(Op):
    """c = eᵃ"""
    name, saves = "ExpBackward0", "output"

    @staticmethod
    def forward(ctx, a):
        return np.exp(_float(a))

    @staticmethod
    def backward(ctx, grad):
        (c,) = ctx.saved_tensors
        return grad * c

    @staticmethod
    def jvp(ctx, da):
        (c,) = ctx.saved_tensors
        return c * da


class Cos(Op):
    """c = cos a"""
    name, saves = "CosBackward0", "inputs"

    @staticmethod
    def forward(ctx, a):
        return np.cos(_float(a))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return -grad * a.sin()

    @staticmethod
    def jvp(ctx, da):
        (a,) = ctx.saved_tensors
        return -a.sin() * da


class Tanh(Op):
    """c = tanh a"""
    name, saves = "TanhBackward0", "output"

    @staticmethod
    def forward(ctx, a):
        return np.tanh(_float(a))

    @staticmethod
    def backward(ctx, grad):
        (c,) = ctx.saved_tensors
        return apply2(TanhGrad, grad, c)          # ḡ·(1 − c²), as one op

    @staticmethod
    def jvp(ctx, da):
        (c,) = ctx.saved_tensors
        return (1 - c * c) * da


class TanhGrad(Op):
    """r = g·(1 − c²): tanh's backward as a single op (differentiable again, for create_graph)"""
    name, saves = "TanhBackwardBackward0", "inputs"

    @staticmethod
    def forward(ctx, g, c):
        return g * (1 - c * c)

    @staticmethod
    def backward(ctx, grad):
        g, c = ctx.saved_tensors
        return grad * (1 - c * c), -2 * grad * g * c

    @staticmethod
    def jvp(ctx, dg, dc):
        g, c = ctx.saved_tensors
        return dg * (1 - c * c) - 2 * g * c * dc


class Sigmoid(Op):
    """c = 1 / (1 + e⁻ᵃ)"""
    name, saves = "SigmoidBackward0", "output"

    @staticmethod
    def forward(ctx, a):
        a = _float(a)
        out = np.exp(-np.logaddexp(0, -a))       # stable for large |a|
        return out.astype(a.dtype, copy=False) if isinstance(a, np.ndarray) else out

    @staticmethod
    def backward(ctx, grad):
        (c,) = ctx.saved_tensors
        return apply2(SigmoidGrad, grad, c)       # ḡ·c·(1 − c), as one op

    @staticmethod
    def jvp(ctx, da):
        (c,) = ctx.saved_tensors
        return c * (1 - c) * da


class SigmoidGrad(Op):
    """r = g·c·(1 − c): sigmoid's backward as a single op (differentiable again, for create_graph)"""
    name, saves = "SigmoidBackwardBackward0", "inputs"

    @staticmethod
    def forward(ctx, g, c):
        return g * c * (1 - c)

    @staticmethod
    def backward(ctx, grad):
        g, c = ctx.saved_tensors
        return grad * c * (1 - c), grad * g * (1 - 2 * c)

    @staticmethod
    def jvp(ctx, dg, dc):
        g, c = ctx.saved_tensors
        return dg * c * (1 - c) + g * (1 - 2 * c) * dc


class Relu(Op):
    """c = max(a, 0)"""
    name, saves = "ReluBackward0", "output"

    @staticmethod
    def forward(ctx, a):
        return np.maximum(a, 0)

    @staticmethod
    def backward(ctx, grad):
        (c,) = ctx.saved_tensors
        return masked(grad, np.asarray(c) > 0)

    @staticmethod
    def jvp(ctx, da):
        (c,) = ctx.saved_tensors
        return masked(da, np.asarray(c) > 0)


class Abs(Op):
    """c = |a|"""
    name, saves = "AbsBackward0", "inputs"

    @staticmethod
    def forward(ctx, a):
        return np.abs(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * _const(np.sign(a._data))

    @staticmethod
    def jvp(ctx, da):
        (a,) = ctx.saved_tensors
        return da * _const(np.sign(a._data))


class Sqrt(Op):
    """c = √a"""
    name, saves = "SqrtBackward0", "output"

    @staticmethod
    def forward(ctx, a):
        return np.sqrt(_float(a))

    @staticmethod
    def backward(ctx, grad):
        (c,) = ctx.saved_tensors
        return grad / (2 * c)

    @staticmethod
    def jvp(ctx, da):
        (c,) = ctx.saved_tensors
        return da / (2 * c)


class Clamp(Op):
    """c = min(max(a, lo), hi)"""
    name, saves = "ClampBackward1", "inputs"

    @staticmethod
    def forward(ctx, a, lo=None, hi=None):
        ctx.inside = (a >= (-np.inf if lo is None else lo)) & (a <= (np.inf if hi is None else hi))
        return np.clip(a, lo, hi)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors                          # raises if a changed in place (as torch)
        return masked(grad, ctx.inside)

    @staticmethod
    def jvp(ctx, da):
        return masked(da, ctx.inside)


def clamp(a, min=None, max=None) -> Tensor:
    return Clamp.apply(a, lo=min, hi=max)


class Cast(Op):
    """c = a converted to another dtype"""
    name, promotes = "ToCopyBackward0", False

    @staticmethod
    def forward(ctx, a, dtype):
        ctx.dtype = a.dtype
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.to(ctx.dtype)

    @staticmethod
    def jvp(ctx, da):
        return da


class Clone(Op):
    """c = a copy of a"""
    name = "CloneBackward0"

    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad

    @staticmethod
    def jvp(ctx, da):
        return da
