"""两个输入的逐元素运算（a + b、a * b、a ** b、maximum、where）。每个运算有三个静态方法：
forward 在 numpy 数组上计算；backward(ctx, grad) 是反向规则（向量-雅可比积），返回每个输入的梯度，
用 minigrad 的运算来写（这样 create_graph 时也能再求导）；jvp(ctx, da, db) 是切线规则（前向模式），
返回输出的切线。ctx.saved_tensors 是 forward 时保存的张量：类属性 saves = "inputs" 保存输入，
saves = "output" 保存输出，saves = "inputs+output" 两者都保存（先输入，后输出）。
广播不用管：梯度的形状与输入不同时，引擎会调用 unbroadcast。

练习 2.1-vjp 和 2.1-jvp 写在 Add、Sub、Mul 中。"""
from __future__ import annotations

import numpy as np

from ...graph import Op
from ..fastpath import apply2
from ...tensor import Tensor
from ...ops import Add, Mul, Sub  # noqa: F401  (the lesson's ops)
from ._common import _const


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
        if k == 0:                                    # d(a⁰)/da = 0, also at a = 0 (as torch)
            return _zeros(grad, a), None
        return grad * k * a ** (k - 1), None

    @staticmethod
    def jvp(ctx, da, dk):
        a, k = ctx.saved_tensors
        return _zeros(da, a) if k == 0 else k * a ** (k - 1) * da


class Pow(Op):
    """c = a ** b, both tensors"""
    name, saves = "PowBackward1", "inputs+output"

    @staticmethod
    def forward(ctx, a, b):
        return a ** b

    @staticmethod
    def backward(ctx, grad):
        a, b, _ = ctx.saved_tensors
        return grad * _dpow_da(a, b), grad * _dpow_db(a, b)

    @staticmethod
    def jvp(ctx, da, db):
        a, b, _ = ctx.saved_tensors
        return _dpow_da(a, b) * da + _dpow_db(a, b) * db


def _dpow_da(a, b):
    """∂(aᵇ)/∂a = b·aᵇ⁻¹, and 0 where b = 0 (torch's rule, so 0⁰ gives 0, not 0·∞)"""
    return where(_const(np.asarray(b) == 0), 0.0, b * a ** (b - 1))


def _dpow_db(a, b):
    """∂(aᵇ)/∂b = aᵇ·ln a, and 0 where a = 0 and b ≥ 0 (torch's rule: the limit, not 0·(−∞))"""
    with np.errstate(divide="ignore", invalid="ignore"):
        return where(_const((np.asarray(a) == 0) & (np.asarray(b) >= 0)), 0.0, a ** b * a.log())


class RPow(Op):
    """c = k ** b, k a Python number"""
    name, saves = "PowBackward2", "inputs+output"

    @staticmethod
    def forward(ctx, k, b):
        return k ** b

    @staticmethod
    def backward(ctx, grad):
        k, b, _ = ctx.saved_tensors
        return None, grad * _drpow_db(k, b)

    @staticmethod
    def jvp(ctx, dk, db):
        k, b, _ = ctx.saved_tensors
        return _drpow_db(k, b) * db


def _drpow_db(k, b):
    """∂(kᵇ)/∂b = kᵇ·ln k; for k = 0 it is 0 where b ≥ 0 (as torch)"""
    with np.errstate(divide="ignore"):
        log_k = float(np.log(k))
    if k == 0:
        return where(_const(np.asarray(b) >= 0), 0.0, k ** b * log_k)
    return k ** b * log_k


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
        ad, bd = np.asarray(a), np.asarray(b)
        if (ad == bd).any():                          # ties: half to each side
            grad = grad * _const(np.where(ad == bd, 0.5, 1.0)).to(grad.dtype)
        return masked(grad, ad >= bd), masked(grad, bd >= ad)

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
        need_cond, need_a, need_b = ctx.needs_input_grad
        return None, (where(cond, grad, 0.0) if need_a else None), (where(cond, 0.0, grad) if need_b else None)

    @staticmethod
    def jvp(ctx, dcond, da, db):
        cond = ctx.saved_tensors[0]
        return where(cond, da, db)


def where(cond, a, b) -> Tensor:
    return Where.apply(cond, a, b)


class MaskedFill(Op):
    """c = g where `mask` (a constant bool array) holds, else 0, as torch's masked_fill: an infinite
    gradient stays 0 where it is masked out (g · mask would give ∞ · 0 = NaN)."""
    name, promotes = "MaskedFillBackward0", False

    @staticmethod
    def forward(ctx, g, mask):
        ctx.mask = mask
        out = g * mask                                # fast; wrong only where g holds ±inf or NaN
        return out if np.isfinite(g).all() else np.where(mask, g, np.zeros((), g.dtype))

    @staticmethod
    def backward(ctx, grad):
        return masked(grad, ctx.mask), None

    @staticmethod
    def jvp(ctx, dg, dmask):
        return masked(dg, ctx.mask)


def masked(grad: Tensor, mask) -> Tensor:
    """grad where `mask` holds, else 0 (see MaskedFill)."""
    return apply2(MaskedFill, grad, np.asarray(mask))


def _zeros(like: Tensor, shape_of: Tensor) -> Tensor:
    """Zeros of `shape_of`'s shape with `like`'s dtype, outside the graph."""
    return _const(np.zeros(shape_of.shape, like.dtype.np))


class FloorDivide(Op):
    """c = ⌊a / b⌋ (Python's //, rounding toward −∞). torch defines no derivative for it."""
    name = "NotImplemented"

    @staticmethod
    def forward(ctx, a, b):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.floor_divide(a, b)

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("derivative for aten::floor_divide is not implemented")

    @staticmethod
    def jvp(ctx, da, db):
        raise RuntimeError("derivative for aten::floor_divide is not implemented")


class Remainder(Op):
    """c = a − ⌊a / b⌋·b (Python's %: the sign of b), b a tensor"""
    name, saves = "RemainderBackward1", "inputs"
    torch_saves = staticmethod(lambda needs: (needs[1], needs[1]))     # torch keeps a and b for b's gradient

    @staticmethod
    def forward(ctx, a, b):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.remainder(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (grad if need_a else None), (-grad * FloorDivide.apply(a, b) if need_b else None)

    @staticmethod
    def jvp(ctx, da, db):
        a, b = ctx.saved_tensors
        return da - FloorDivide.apply(a, b) * db


def _check_integer_division(a, b) -> None:
    """torch raises for integer division by zero (numpy would give 0 and a warning)."""
    arrays = [np.asarray(x) for x in (a, b)]
    if all(x.dtype.kind in "iub" for x in arrays) and (arrays[1] == 0).any():
        raise RuntimeError("ZeroDivisionError")


def floor_divide(a, b) -> Tensor:
    _check_integer_division(a, b)
    return FloorDivide.apply(a, b)


class RemainderScalar(Remainder):
    """c = a % k, k a Python number: torch saves nothing"""
    name = "RemainderBackward0"


def remainder(a, b) -> Tensor:
    _check_integer_division(a, b)
    return (Remainder if isinstance(b, Tensor) else RemainderScalar).apply(a, b)
