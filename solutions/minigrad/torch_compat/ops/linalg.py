"""Products and norms: dot, matmul, mm, mv, the 2-norm."""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ...graph import Op
from ...tensor import Tensor
from .binary import masked
from ...ops import Dot, _dims, _keep_shape, dot  # noqa: F401  (the lesson's ops)


class Matmul(Op):
    """c = a @ b with numpy's rules: 1-D operands are promoted, batch dimensions broadcast."""
    name, saves = "UnsafeViewBackward0", "inputs"
    torch_saves = staticmethod(lambda needs: (needs[1], needs[0]))   # b for a's gradient, a for b's

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
    na, nb = a._data.ndim, b._data.ndim
    if na == 0 or nb == 0:
        raise RuntimeError("both arguments to matmul need to be at least 1D, but they are "
                           f"{na}D and {nb}D")
    if na == 1 and nb == 1:
        return Dot.apply(a, b)
    op = {(2, 2): Mm, (2, 1): Mv, (1, 2): Vm}.get((na, nb), Matmul)
    return op.apply(a, b)


def mm(a, b) -> Tensor:
    if a._data.ndim != 2 or b._data.ndim != 2:
        raise RuntimeError("self must be a matrix")
    return Mm.apply(a, b)


def mv(a, b) -> Tensor:
    if a.ndim != 2 or b.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {a.ndim}, {b.ndim}")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({a.shape[0]}), mat ({a.shape[0]}x{a.shape[1]}), "
                           f"vec ({b.shape[0]})")
    return Mv.apply(a, b)


class VectorNorm(Op):
    """c = ‖a‖₂ = √(Σ a²) over all elements or along `dim`, as one op (torch.norm, torch.linalg.norm):
    its gradient a / ‖a‖ is 0 where ‖a‖ = 0, as torch's. (Tensor.norm, exercise 2.1.4, is composed
    of sqrt, sum and mul, and there the gradient at 0 is NaN, as in torch for the same composition.)"""
    name, saves = "LinalgVectorNormBackward0", "inputs+output"

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        if a.dtype.kind != "f":
            raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. "
                               f"Got {dtypes.from_numpy(a.dtype).name.capitalize()}")
        ctx.dims = None if dim is None else _dims(dim, a.ndim)
        ctx.keepdim, ctx.shape = keepdim, a.shape
        return np.sqrt(np.sum(a * a, axis=ctx.dims, keepdims=keepdim))

    @staticmethod
    def backward(ctx, grad):
        a, _ = ctx.saved_tensors
        norm = VectorNorm.apply(a, dim=ctx.dims, keepdim=True)
        if not ctx.keepdim:
            grad = grad.reshape(_keep_shape(ctx.shape, ctx.dims if ctx.dims is not None else range(a.ndim)))
        return a * masked(grad / norm, np.asarray(norm) != 0)

    @staticmethod
    def jvp(ctx, da):
        a, _ = ctx.saved_tensors
        norm = VectorNorm.apply(a, dim=ctx.dims, keepdim=True)
        dot = (a * da).sum() if ctx.dims is None else (a * da).sum(dim=ctx.dims, keepdim=True)
        out = masked(dot / norm, np.asarray(norm) != 0)
        return out if ctx.keepdim else out.reshape(VectorNorm.apply(a, dim=ctx.dims).shape)


def norm(a, p="fro", dim=None, keepdim=False) -> Tensor:
    if p not in ("fro", 2, 2.0):
        raise NotImplementedError(f"minigrad.norm supports only the 2-norm (p='fro' or 2), not p={p!r}")
    return VectorNorm.apply(a, dim=dim, keepdim=keepdim)
