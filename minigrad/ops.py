"""Every op in one place: forward on numpy arrays, backward (the vector-Jacobian product) written in
minigrad ops so that create_graph gives higher derivatives, and jvp (the tangent rule).

Conventions: `grad` is the gradient of the output; backward returns one gradient per input (any
shape that broadcasts: the engine sums it back to the input's shape). jvp receives one tangent per
input (zeros for inputs without one, 0.0 for Python scalars) and returns the output's tangent.
`saves` says what `ctx.saved_tensors` holds: the inputs, or the output."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from .function import Op, apply2
from .tensor import Tensor


class ValuesIndices(namedtuple("max", ["values", "indices"])):
    """What max(dim) returns: (values, indices), printed like torch.return_types.max."""
    __slots__ = ()
    kind = "max"

    def __repr__(self) -> str:
        return f"torch.return_types.{self.kind}(\nvalues={self.values!r},\nindices={self.indices!r})"


class MinValuesIndices(ValuesIndices):
    __slots__ = ()
    kind = "min"


def _const(array) -> Tensor:
    """A tensor outside the graph (masks, indices)."""
    return Tensor(np.asarray(array))


# ================================================================ elementwise, two inputs

class Add(Op):
    """c = a + b"""
    name = "AddBackward0"

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        # 练习 2.1-vjp：反向模式：基本运算的伴随规则。在这里写你的代码。
        raise NotImplementedError("练习 2.1-vjp 尚未完成：反向模式：基本运算的伴随规则（minigrad/ops.py）")

    @staticmethod
    def jvp(ctx, da, db):
        # 练习 2.1-jvp：前向模式：基本运算的切线规则。在这里写你的代码。
        raise NotImplementedError("练习 2.1-jvp 尚未完成：前向模式：基本运算的切线规则（minigrad/ops.py）")


class Sub(Op):
    """c = a - b"""
    name = "SubBackward0"

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, grad):
        # 练习 2.1-vjp：反向模式：基本运算的伴随规则。在这里写你的代码。
        raise NotImplementedError("练习 2.1-vjp 尚未完成：反向模式：基本运算的伴随规则（minigrad/ops.py）")

    @staticmethod
    def jvp(ctx, da, db):
        # 练习 2.1-jvp：前向模式：基本运算的切线规则。在这里写你的代码。
        raise NotImplementedError("练习 2.1-jvp 尚未完成：前向模式：基本运算的切线规则（minigrad/ops.py）")


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

    @staticmethod
    def forward(ctx, a, b):
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        # 练习 2.1-vjp：反向模式：基本运算的伴随规则。在这里写你的代码。
        raise NotImplementedError("练习 2.1-vjp 尚未完成：反向模式：基本运算的伴随规则（minigrad/ops.py）")

    @staticmethod
    def jvp(ctx, da, db):
        a, b = ctx.saved_tensors
        # 练习 2.1-jvp：前向模式：基本运算的切线规则。在这里写你的代码。
        raise NotImplementedError("练习 2.1-jvp 尚未完成：前向模式：基本运算的切线规则（minigrad/ops.py）")


class MulScalar(Op):
    """c = a · k, k a Python number: a constant, so only a gets a gradient"""
    name, saves = "MulBackward0", "inputs"

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
        share = _const((a.data > b.data) + 0.5 * (a.data == b.data)).to(grad.dtype)
        return grad * share, grad * (1 - share)

    @staticmethod
    def jvp(ctx, da, db):
        a, b = ctx.saved_tensors
        share = _const((a.data > b.data) + 0.5 * (a.data == b.data)).to(da.dtype)
        return da * share + db * (1 - share)


def maximum(a, b) -> Tensor:
    return Maximum.apply(a, b)


class Where(Op):
    """c = a where cond else b"""
    name, saves = "WhereBackward0", "inputs"

    @staticmethod
    def forward(ctx, cond, a, b):
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, grad):
        cond = _const(ctx.saved_tensors[0].data)
        return None, grad * cond, grad * ~cond

    @staticmethod
    def jvp(ctx, dcond, da, db):
        cond = ctx.saved_tensors[0]
        return where(cond, da, db)


def where(cond, a, b) -> Tensor:
    return Where.apply(cond, a, b)


# ================================================================ elementwise, one input

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
        return np.exp(a)

    @staticmethod
    def backward(ctx, grad):
        (c,) = ctx.saved_tensors
        return grad * c

    @staticmethod
    def jvp(ctx, da):
        (c,) = ctx.saved_tensors
        return c * da


class Log(Op):
    """c = ln a"""
    name, saves = "LogBackward0", "inputs"

    @staticmethod
    def forward(ctx, a):
        return np.log(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        # 练习 2.1-vjp：反向模式：基本运算的伴随规则。在这里写你的代码。
        raise NotImplementedError("练习 2.1-vjp 尚未完成：反向模式：基本运算的伴随规则（minigrad/ops.py）")

    @staticmethod
    def jvp(ctx, da):
        (a,) = ctx.saved_tensors
        # 练习 2.1-jvp：前向模式：基本运算的切线规则。在这里写你的代码。
        raise NotImplementedError("练习 2.1-jvp 尚未完成：前向模式：基本运算的切线规则（minigrad/ops.py）")


class Sin(Op):
    """c = sin a"""
    name, saves = "SinBackward0", "inputs"

    @staticmethod
    def forward(ctx, a):
        return np.sin(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        # 练习 2.1-vjp：反向模式：基本运算的伴随规则。在这里写你的代码。
        raise NotImplementedError("练习 2.1-vjp 尚未完成：反向模式：基本运算的伴随规则（minigrad/ops.py）")

    @staticmethod
    def jvp(ctx, da):
        (a,) = ctx.saved_tensors
        # 练习 2.1-jvp：前向模式：基本运算的切线规则。在这里写你的代码。
        raise NotImplementedError("练习 2.1-jvp 尚未完成：前向模式：基本运算的切线规则（minigrad/ops.py）")


class Cos(Op):
    """c = cos a"""
    name, saves = "CosBackward0", "inputs"

    @staticmethod
    def forward(ctx, a):
        return np.cos(a)

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
        return np.tanh(a)

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
        return grad * _const(c.data > 0)

    @staticmethod
    def jvp(ctx, da):
        (c,) = ctx.saved_tensors
        return da * _const(c.data > 0)


class Abs(Op):
    """c = |a|"""
    name, saves = "AbsBackward0", "inputs"

    @staticmethod
    def forward(ctx, a):
        return np.abs(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * _const(np.sign(a.data))

    @staticmethod
    def jvp(ctx, da):
        (a,) = ctx.saved_tensors
        return da * _const(np.sign(a.data))


class Sqrt(Op):
    """c = √a"""
    name, saves = "SqrtBackward0", "output"

    @staticmethod
    def forward(ctx, a):
        return np.sqrt(a)

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
        return grad * _const(ctx.inside)

    @staticmethod
    def jvp(ctx, da):
        return da * _const(ctx.inside)


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


# ================================================================ products

class Dot(Op):
    """c = a · b = Σᵢ aᵢ bᵢ (two vectors)"""
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
        # 练习 2.1.1-dot-sum：点积与求和的反向规则。在这里写你的代码。
        raise NotImplementedError("练习 2.1.1-dot-sum 尚未完成：点积与求和的反向规则（minigrad/ops.py）")

    @staticmethod
    def jvp(ctx, da, db):
        a, b = ctx.saved_tensors
        return dot(da, b) + dot(a, db)


def dot(a, b) -> Tensor:
    return Dot.apply(a, b)


class Matmul(Op):
    """c = a @ b with numpy's rules: 1-D operands are promoted, batch dimensions broadcast."""
    name, saves = "UnsafeViewBackward0", "inputs"

    @staticmethod
    def forward(ctx, a, b):
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        if a.ndim == 1:                               # a: (k,)  grad: (..., p)
            grad_a = (b @ grad.unsqueeze(-1)).squeeze(-1)
            grad_b = a.unsqueeze(-1) * grad.unsqueeze(-2)
        elif b.ndim == 1:                             # b: (k,)  grad: (..., n)
            grad_a = grad.unsqueeze(-1) * b
            grad_b = (a.mT @ grad.unsqueeze(-1)).squeeze(-1)
        else:                                         # ∂(AB)/∂A = G Bᵀ, ∂(AB)/∂B = Aᵀ G
            need_a, need_b = ctx.needs_input_grad
            grad_a = grad @ b.mT if need_a else None
            grad_b = a.mT @ grad if need_b else None
        return grad_a, grad_b

    @staticmethod
    def jvp(ctx, da, db):
        a, b = ctx.saved_tensors
        return da @ b + a @ db


class Mm(Matmul):
    name = "MmBackward0"


class Mv(Matmul):
    name = "MvBackward0"


class Vm(Matmul):
    name = "SqueezeBackward4"


def matmul(a, b) -> Tensor:
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError("matmul(): argument 'other' must be Tensor")
    na, nb = a.data.ndim, b.data.ndim
    if na == 0 or nb == 0:
        raise RuntimeError("both arguments to matmul need to be at least 1D, but they are "
                           f"{na}D and {nb}D")
    if na == 1 and nb == 1:
        return Dot.apply(a, b)
    op = {(2, 2): Mm, (2, 1): Mv, (1, 2): Vm}.get((na, nb), Matmul)
    return op.apply(a, b)


def mm(a, b) -> Tensor:
    if a.data.ndim != 2 or b.data.ndim != 2:
        raise RuntimeError("self must be a matrix")
    return Mm.apply(a, b)


# ================================================================ reductions

def _dims(dim, ndim: int) -> tuple:
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    return tuple(sorted([d % ndim if ndim else 0 for d in dims]))


def _keep_shape(shape: tuple, dims: tuple) -> tuple:
    """`shape` with the reduced dims set to 1 (what keepdim=True gives)."""
    return tuple([1 if i in dims else n for i, n in enumerate(shape)])


class Sum(Op):
    """c = Σ a (all elements)"""
    name = "SumBackward0"

    @staticmethod
    def forward(ctx, a):
        ctx.shape = a.shape
        return np.sum(a)

    @staticmethod
    def backward(ctx, grad):
        # 练习 2.1.1-dot-sum：点积与求和的反向规则。在这里写你的代码。
        raise NotImplementedError("练习 2.1.1-dot-sum 尚未完成：点积与求和的反向规则（minigrad/ops.py）")

    @staticmethod
    def jvp(ctx, da):
        return da.sum()


class SumDim(Op):
    """c = Σ a along `dim`"""
    name = "SumBackward1"

    @staticmethod
    def forward(ctx, a, dim, keepdim=False):
        ctx.shape, ctx.dims, ctx.keepdim = a.shape, _dims(dim, a.ndim), keepdim
        return np.sum(a, axis=ctx.dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        # 练习 2.1.1-dot-sum：点积与求和的反向规则。在这里写你的代码。
        raise NotImplementedError("练习 2.1.1-dot-sum 尚未完成：点积与求和的反向规则（minigrad/ops.py）")

    @staticmethod
    def jvp(ctx, da):
        return da.sum(dim=ctx.dims, keepdim=ctx.keepdim)


class Mean(Op):
    """c = (Σ a) / n"""
    name = "MeanBackward0"

    @staticmethod
    def forward(ctx, a):
        ctx.shape = a.shape
        return np.mean(a, dtype=a.dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.expand(ctx.shape) / max(1, int(np.prod(ctx.shape)))

    @staticmethod
    def jvp(ctx, da):
        return da.mean()


class MeanDim(Op):
    """c = mean of a along `dim`"""
    name = "MeanBackward1"

    @staticmethod
    def forward(ctx, a, dim, keepdim=False):
        ctx.shape, ctx.dims, ctx.keepdim = a.shape, _dims(dim, a.ndim), keepdim
        return np.mean(a, axis=ctx.dims, keepdims=keepdim, dtype=a.dtype)

    @staticmethod
    def backward(ctx, grad):
        if not ctx.keepdim:
            grad = grad.reshape(_keep_shape(ctx.shape, ctx.dims))
        count = int(np.prod([ctx.shape[d] for d in ctx.dims])) if ctx.shape else 1
        return grad.expand(ctx.shape) / count

    @staticmethod
    def jvp(ctx, da):
        return da.mean(dim=ctx.dims, keepdim=ctx.keepdim)


class MaxAll(Op):
    """c = max a (all elements); ties share the gradient equally (as torch)"""
    name, saves = "MaxBackward1", "inputs"
    reduce = np.max

    @staticmethod
    def forward(ctx, a):
        if a.size == 0:
            raise RuntimeError("max(): Expected reduction dim to be specified for input.numel() == 0.")
        out = ctx.rule.reduce(a)
        mask = a == out
        ctx.share = mask / mask.sum()
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad * _const(ctx.share).to(grad.dtype)

    @staticmethod
    def jvp(ctx, da):
        return (da * _const(ctx.share).to(da.dtype)).sum()


class MinAll(MaxAll):
    """c = min a (all elements)"""
    name, reduce = "MinBackward1", np.min


class MaxDim(Op):
    """c = max of a along `dim` (the gradient goes to the position `indices` names)"""
    name = "MaxBackward0"
    arg = np.argmax

    @staticmethod
    def forward(ctx, a, dim, keepdim=False):
        dim = dim % a.ndim if a.ndim else 0
        indices = np.expand_dims(ctx.rule.arg(a, axis=dim), dim) if a.ndim else np.zeros((), np.int64)
        ctx.onehot = (np.arange(a.shape[dim]).reshape([-1] + [1] * (a.ndim - dim - 1)) == indices) if a.ndim \
            else np.ones((), bool)
        ctx.dim, ctx.keepdim, ctx.shape = dim, keepdim, a.shape
        out = np.take_along_axis(a, indices, dim) if a.ndim else a
        return out if keepdim or not a.ndim else np.squeeze(out, dim)

    @staticmethod
    def backward(ctx, grad):
        if not ctx.keepdim and ctx.shape:
            grad = grad.unsqueeze(ctx.dim)
        return grad * _const(ctx.onehot)

    @staticmethod
    def jvp(ctx, da):
        picked = (da * _const(ctx.onehot)).sum(dim=ctx.dim, keepdim=True) if ctx.shape else da
        return picked if ctx.keepdim or not ctx.shape else picked.squeeze(ctx.dim)


class MinDim(MaxDim):
    """c = min of a along `dim`"""
    name, arg = "MinBackward0", np.argmin


def max_dim(a, dim, keepdim=False, op=MaxDim):
    """(values, indices) of the maximum (or, with op=MinDim, minimum) along `dim`, like torch.max(a, dim)."""
    values = op.apply(a, dim=dim, keepdim=keepdim)
    if a.data.ndim:
        indices = op.arg(a.data, axis=dim, keepdims=keepdim).astype(np.int64)
    else:
        indices = np.zeros((), np.int64)
    return (ValuesIndices if op is MaxDim else MinValuesIndices)(values, Tensor(indices))


# ================================================================ shapes and indexing

class View(Op):
    """c = a with another shape (same elements, same order)"""
    name = "ViewBackward0"

    @staticmethod
    def forward(ctx, a, shape):
        out = a.reshape(shape)
        ctx.shape, ctx.out_shape = a.shape, out.shape
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape)

    @staticmethod
    def jvp(ctx, da):
        return da.reshape(ctx.out_shape)


def reshape(a, shape) -> Tensor:
    return View.apply(a, shape=shape)


class Transpose(Op):
    """c = a with dims dim0 and dim1 swapped"""
    name = "TransposeBackward0"

    @staticmethod
    def forward(ctx, a, dim0, dim1):
        ctx.dim0, ctx.dim1 = dim0, dim1
        return np.swapaxes(a, dim0, dim1)

    @staticmethod
    def backward(ctx, grad):
        return grad.transpose(ctx.dim0, ctx.dim1)

    @staticmethod
    def jvp(ctx, da):
        return da.transpose(ctx.dim0, ctx.dim1)


class Permute(Op):
    """c = a with its dims reordered"""
    name = "PermuteBackward0"

    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        return np.transpose(a, dims)

    @staticmethod
    def backward(ctx, grad):
        return grad.permute(*np.argsort(ctx.dims).tolist())

    @staticmethod
    def jvp(ctx, da):
        return da.permute(*ctx.dims)


class Unsqueeze(Op):
    """c = a with a new dim of length 1 at `dim`"""
    name = "UnsqueezeBackward0"

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim % (a.ndim + 1)
        return np.expand_dims(a, ctx.dim)

    @staticmethod
    def backward(ctx, grad):
        return grad.squeeze(ctx.dim)

    @staticmethod
    def jvp(ctx, da):
        return da.unsqueeze(ctx.dim)


class Squeeze(Op):
    """c = a without dims of length 1 (all, or only `dim`)"""
    name = "SqueezeBackward0"

    @staticmethod
    def forward(ctx, a, dim=None):
        ctx.shape = a.shape
        if dim is None:
            out = np.squeeze(a)
        else:
            dims = tuple([d for d in _dims(dim, a.ndim) if a.ndim and a.shape[d] == 1])
            out = np.squeeze(a, dims) if dims else a
        ctx.out_shape = out.shape
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape)

    @staticmethod
    def jvp(ctx, da):
        return da.reshape(ctx.out_shape)


class Expand(Op):
    """c = a broadcast to `shape` (no copy)"""
    name = "ExpandBackward0"

    @staticmethod
    def forward(ctx, a, shape):
        shape = tuple([n if n != -1 else a.shape[i - len(shape) + a.ndim] for i, n in enumerate(shape)])
        ctx.shape, ctx.out_shape = a.shape, shape
        return np.broadcast_to(a, shape)

    @staticmethod
    def backward(ctx, grad):
        extra = grad.ndim - len(ctx.shape)              # sum over the dims the broadcast created
        if extra:
            grad = grad.sum(dim=tuple(range(extra)))
        ones = tuple([i for i, n in enumerate(ctx.shape) if n == 1 and grad.shape[i] != 1])
        return grad.sum(dim=ones, keepdim=True) if ones else grad

    @staticmethod
    def jvp(ctx, da):
        return da.expand(*ctx.out_shape)


def plain_index(index):
    """An index with tensors replaced by numpy arrays."""
    if isinstance(index, tuple):
        return tuple([plain_index(i) for i in index])
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, list):
        return np.asarray([i.item() if isinstance(i, Tensor) else i for i in index])
    return index


def _index_name(index) -> str:
    """torch's grad_fn for a[index]: the last step it takes (select, slice, unsqueeze or advanced index)."""
    parts = index if isinstance(index, tuple) else (index,)
    if any(isinstance(p, (np.ndarray, list)) for p in parts):
        return "IndexBackward0"
    for p in reversed(parts):
        if p is None:
            return "UnsqueezeBackward0"
        if isinstance(p, (int, np.integer)):
            return "SelectBackward0"
        if isinstance(p, slice) and p != slice(None):
            return "SliceBackward0"
    return "AliasBackward0"


class Index(Op):
    """c = a[index] (basic and advanced indexing)"""
    name = "IndexBackward0"

    @staticmethod
    def forward(ctx, a, index):
        ctx.shape, ctx.index = a.shape, index
        return a[index]

    @staticmethod
    def backward(ctx, grad):
        return IndexAdd.apply(grad, shape=ctx.shape, index=ctx.index)

    @staticmethod
    def jvp(ctx, da):
        return Index.apply(da, index=ctx.index)


class Select(Index):
    name = "SelectBackward0"


class Slice(Index):
    name = "SliceBackward0"


class UnsqueezeIndex(Index):
    name = "UnsqueezeBackward0"


class Alias(Index):
    name = "AliasBackward0"


class Unbind(Index):
    name = "UnbindBackward0"


_INDEX_OPS = {"IndexBackward0": Index, "SelectBackward0": Select, "SliceBackward0": Slice,
              "UnsqueezeBackward0": UnsqueezeIndex, "AliasBackward0": Alias}


class IndexAdd(Op):
    """c = zeros(shape) with grad added at `index` (repeated indices add up): Index's gradient"""
    name = "IndexBackwardBackward0"

    @staticmethod
    def forward(ctx, grad, shape, index):
        ctx.index, ctx.shape = index, shape
        out = np.zeros(shape, dtype=grad.dtype)
        np.add.at(out, index, grad)
        return out

    @staticmethod
    def backward(ctx, grad):
        return Index.apply(grad, index=ctx.index)

    @staticmethod
    def jvp(ctx, dgrad):
        return IndexAdd.apply(dgrad, shape=ctx.shape, index=ctx.index)


def getitem(a, index) -> Tensor:
    index = plain_index(index)
    return _INDEX_OPS[_index_name(index)].apply(a, index=index)


# ================================================================ joining tensors

class Cat(Op):
    """c = the inputs joined along `dim`"""
    name = "CatBackward0"

    @staticmethod
    def forward(ctx, *arrays, dim=0):
        dim = dim % arrays[0].ndim
        ctx.dim, ctx.bounds = dim, np.cumsum([0] + [a.shape[dim] for a in arrays]).tolist()
        return np.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        index = [slice(None)] * grad.ndim
        pieces = []
        for lo, hi in zip(ctx.bounds[:-1], ctx.bounds[1:]):
            index[ctx.dim] = slice(lo, hi)
            pieces.append(grad[tuple(index)])
        return tuple(pieces)

    @staticmethod
    def jvp(ctx, *tangents):
        return cat(tangents, dim=ctx.dim)


class Stack(Op):
    """c = the inputs stacked along a new dim"""
    name = "StackBackward0"

    @staticmethod
    def forward(ctx, *arrays, dim=0):
        ctx.dim = dim % (arrays[0].ndim + 1)
        return np.stack(arrays, axis=ctx.dim)

    @staticmethod
    def backward(ctx, grad):
        return tuple([_select(grad, ctx.dim, i) for i in range(grad.shape[ctx.dim])])

    @staticmethod
    def jvp(ctx, *tangents):
        return stack(tangents, dim=ctx.dim)


def _select(t: Tensor, dim: int, i: int) -> Tensor:
    """t[..., i, ...] with i at position `dim`."""
    index = [slice(None)] * t.ndim
    index[dim] = i
    return t[tuple(index)]


def cat(tensors, dim: int = 0) -> Tensor:
    return Cat.apply(*tensors, dim=dim)


def stack(tensors, dim: int = 0) -> Tensor:
    return Stack.apply(*tensors, dim=dim)
