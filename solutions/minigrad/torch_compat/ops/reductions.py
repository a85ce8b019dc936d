"""归约运算：sum、mean、max、min，对全部元素或沿某些维度。
练习 2.1.1-dot-sum 写在 Sum 和 SumDim 的 backward 中：把 grad 恢复成输入的形状（forward 中
ctx.shape 记下了输入的形状，ctx.dims、ctx.keepdim 记下了求和的维度和 keepdim）。"""
from __future__ import annotations

import numpy as np

from ...graph import Op
from ...tensor import Tensor
from ...ops import Sum, SumDim, _dims, _keep_shape  # noqa: F401  (the lesson's ops)
from ._common import MinValuesIndices, ValuesIndices, _const, wrap_dim
from .binary import masked, where


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
        return np.mean(a, axis=ctx.dims if a.ndim else None, keepdims=keepdim, dtype=a.dtype)

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
    name, saves = "MaxBackward1", "inputs+output"
    reduce = np.max

    @staticmethod
    def forward(ctx, a):
        if a.size == 0:
            raise RuntimeError("max(): Expected reduction dim to be specified for input.numel() == 0.")
        out = ctx.rule.reduce(a)
        mask = a == out
        ctx.mask, ctx.count = mask, int(mask.sum())
        ctx.share = mask / ctx.count
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors                       # raises if either changed in place (as torch)
        return masked(grad / ctx.count, ctx.mask)        # ties share equally; torch's masked_fill

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
        dim = wrap_dim(dim, a.ndim)
        indices = np.expand_dims(ctx.rule.arg(a, axis=dim), dim) if a.ndim else np.zeros((), np.int64)
        ctx.onehot = (np.arange(a.shape[dim]).reshape([-1] + [1] * (a.ndim - dim - 1)) == indices) if a.ndim \
            else np.ones((), bool)
        ctx.dim, ctx.keepdim, ctx.shape = dim, keepdim, a.shape
        out = np.take_along_axis(a, indices, dim) if a.ndim else a
        return out if keepdim or not a.ndim else np.squeeze(out, dim)

    @staticmethod
    def backward(ctx, grad):
        ctx.saved_tensors                             # the indices (max_dim): torch's check that they are unchanged
        if not ctx.keepdim and ctx.shape:
            grad = grad.unsqueeze(ctx.dim)
        return masked(grad, ctx.onehot)

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
    if a._data.ndim:
        indices = op.arg(a._data, axis=dim, keepdims=keepdim).astype(np.int64)
    else:
        indices = np.zeros((), np.int64)
    indices = Tensor(indices)
    if values.grad_fn is not None:                    # torch saves the indices for backward
        values.grad_fn.saved = (indices,)
    return (ValuesIndices if op is MaxDim else MinValuesIndices)(values, indices)


def _int64_if_integral(a: np.ndarray):
    """torch accumulates bool and integer tensors in int64 (sum, cumsum, prod)."""
    return np.int64 if a.dtype.kind in "iub" else a.dtype


class Cumsum(Op):
    """c_i = Σ_{j ≤ i} a_j along `dim`"""
    name, promotes = "CumsumBackward0", False

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = wrap_dim(dim, a.ndim)
        return np.cumsum(a, axis=ctx.dim if a.ndim else None, dtype=_int64_if_integral(a)).reshape(a.shape)

    @staticmethod
    def backward(ctx, grad):                          # the reversed cumulative sum of grad
        if not grad.ndim:
            return grad
        return _flip(Cumsum.apply(_flip(grad, ctx.dim), dim=ctx.dim), ctx.dim)

    @staticmethod
    def jvp(ctx, da):
        return Cumsum.apply(da, dim=ctx.dim)


def _flip(t: Tensor, dim: int) -> Tensor:
    return t[(slice(None),) * dim + (slice(None, None, -1),)]


class Prod(Op):
    """c = Π a (all elements, or along `dim`: ProdDim)"""
    name, saves, promotes = "ProdBackward0", "inputs+output", False

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        ctx.dim, ctx.keepdim = dim, keepdim
        if dim is not None:
            ctx.dim = wrap_dim(dim, a.ndim)
        out = np.prod(a, axis=ctx.dim if a.ndim else None, keepdims=keepdim and a.ndim > 0,
                      dtype=_int64_if_integral(a))
        ctx.out = out
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        if ctx.dim is not None and not ctx.keepdim and a.ndim:
            grad = grad.unsqueeze(ctx.dim)
        return grad * _prod_of_others(ctx, a)

    @staticmethod
    def jvp(ctx, da):
        a, out = ctx.saved_tensors
        out = da * _prod_of_others(ctx, a)
        if ctx.dim is None:
            return out.sum()
        return out.sum(dim=ctx.dim, keepdim=ctx.keepdim) if a.ndim else out


class ProdDim(Prod):
    """c = Π a along `dim`"""
    name = "ProdBackward1"


def _prod_of_others(ctx, a: Tensor) -> Tensor:
    """∂(Π a)/∂a_i = Π_{j≠i} a_j: c / a_i without zeros; with zeros, the products of a with a_i replaced
    by 1 (n products of n elements: differentiable again, as torch's formula through zeros)."""
    if (np.asarray(a) != 0).all():
        return ctx.rule.apply(a, dim=ctx.dim, keepdim=True) / a
    if ctx.dim is None or not a.ndim:
        return _others_along(a.reshape(-1), 0).reshape(a.shape)
    return _others_along(a, ctx.dim)


def _others_along(a: Tensor, dim: int) -> Tensor:
    n = a.shape[dim]
    pairs = a.unsqueeze(dim).expand(*a.shape[:dim], n, n, *a.shape[dim + 1:])   # dim: i, dim + 1: j
    diagonal = _const(np.eye(n, dtype=bool).reshape((n, n) + (1,) * (a.ndim - dim - 1)))
    return where(diagonal, 1.0, pairs).prod(dim + 1)
