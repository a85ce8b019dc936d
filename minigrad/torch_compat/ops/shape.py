"""Shapes and indexing: view/reshape, t, transpose, permute, (un)squeeze (and their in-place forms), expand,
indexing, cat, stack."""
from __future__ import annotations

import numpy as np

from ...graph import Op
from ..extensions import ViewOp
from ...tensor import Tensor
from ._common import wrap_dim
from .reductions import _dims


class View(ViewOp):
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


class Transpose(ViewOp):
    """c = a with dims dim0 and dim1 swapped"""
    name = "TransposeBackward0"

    @staticmethod
    def forward(ctx, a, dim0, dim1):
        ctx.dim0, ctx.dim1 = wrap_dim(dim0, a.ndim), wrap_dim(dim1, a.ndim)
        return np.swapaxes(a, dim0, dim1) if a.ndim else a.view()      # 0 dims: dim0, dim1 in (0, -1)

    @staticmethod
    def backward(ctx, grad):
        return grad.transpose(ctx.dim0, ctx.dim1)

    @staticmethod
    def jvp(ctx, da):
        return da.transpose(ctx.dim0, ctx.dim1)


class T(ViewOp):
    """c = aᵀ for a of at most 2 dims (Tensor.t(); for 0 and 1 dims, a itself)"""
    name, method = "TBackward0", "t"

    @staticmethod
    def forward(ctx, a):
        if a.ndim > 2:
            raise RuntimeError(f"{ctx.rule.method}() expects a tensor with <= 2 dimensions, but self is {a.ndim}D")
        return a.T

    @staticmethod
    def backward(ctx, grad):
        return grad.t()

    @staticmethod
    def jvp(ctx, da):
        return da.t()


class Permute(ViewOp):
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


class Unsqueeze(ViewOp):
    """c = a with a new dim of length 1 at `dim`"""
    name = "UnsqueezeBackward0"

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = wrap_dim(dim, a.ndim + 1)
        return np.expand_dims(a, ctx.dim)

    @staticmethod
    def backward(ctx, grad):
        return grad.squeeze(ctx.dim)

    @staticmethod
    def jvp(ctx, da):
        return da.unsqueeze(ctx.dim)


class Squeeze(ViewOp):
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


class SqueezeDim(Squeeze):
    """c = a without `dim` if its length is 1"""
    name = "SqueezeBackward1"


class SqueezeDims(Squeeze):
    """c = a without those of `dim` (a tuple) whose length is 1"""
    name = "SqueezeBackward2"


def squeeze(a, dim=None) -> Tensor:
    op = Squeeze if dim is None else SqueezeDims if isinstance(dim, (tuple, list)) else SqueezeDim
    return op.apply(a, dim=dim)


class Expand(ViewOp):
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
        return index._data
    if isinstance(index, (list, range)):          # a[range(n), y] is advanced indexing, as a list
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


class Index(ViewOp):
    """c = a[index] (basic and advanced indexing; the subclasses below are views)"""
    name, view = "IndexBackward0", False

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
    name, view = "SelectBackward0", True


class Slice(Index):
    name, view = "SliceBackward0", True


class UnsqueezeIndex(Index):
    name, view = "UnsqueezeBackward0", True


class Alias(Index):
    name, view = "AliasBackward0", True


class Unbind(Index):
    name, view = "UnbindBackward0", True


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


def getitem_is_view(index) -> bool:
    """A basic index (ints, slices, None, ...) gives a view; integer arrays and masks give a copy."""
    return _index_name(index) != "IndexBackward0"


def getitem(a, index) -> Tensor:
    index = plain_index(index)
    if getitem_is_view(index) and not any(i is Ellipsis for i in (index if isinstance(index, tuple) else (index,))):
        index = (*index, Ellipsis) if isinstance(index, tuple) else (index, Ellipsis)   # a view even for one element
    try:
        return _INDEX_OPS[_index_name(index)].apply(a, index=index)
    except IndexError as error:                       # numpy's message in torch's words
        if a._data.ndim == 0:
            raise IndexError(_zero_dim_message(index)) from None
        message = str(error)
        if message.startswith("too many indices"):
            message = f"too many indices for tensor of dimension {a._data.ndim}"
        raise IndexError(message.replace(" for axis ", " for dimension ")) from None


def _zero_dim_message(index) -> str:
    first = [p for p in (index if isinstance(index, tuple) else (index,)) if p is not None and p is not Ellipsis][0]
    if isinstance(first, (int, np.integer)):
        return ("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to "
                "convert a 0-dim tensor to a number")
    if isinstance(first, slice):
        return "slice() cannot be applied to a 0-dim tensor."
    return "too many indices for tensor of dimension 0"


class Cat(Op):
    """c = the inputs joined along `dim`"""
    name = "CatBackward0"

    @staticmethod
    def forward(ctx, *arrays, dim=0):
        dim = wrap_dim(dim, arrays[0].ndim)
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
        ctx.dim = wrap_dim(dim, arrays[0].ndim + 1)
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


# The in-place forms (t_, transpose_, squeeze_, unsqueeze_): the same rules under torch's names for them.
# They are not view ops: the tensor itself takes the new shape (inplace.reshape_inplace).

class TInplace(T):
    name, method, view = "TBackward1", "t_", False


class TransposeInplace(Transpose):
    name, view = "TransposeBackward1", False


class SqueezeInplace(Squeeze):
    name, view = "SqueezeBackward3", False


class SqueezeDimInplace(Squeeze):
    name, view = "SqueezeBackward4", False


class SqueezeDimsInplace(Squeeze):
    name, view = "SqueezeBackward5", False


class UnsqueezeInplace(Unsqueeze):
    name, view = "UnsqueezeBackward1", False


def cat(tensors, dim: int = 0) -> Tensor:
    return Cat.apply(*tensors, dim=dim)


def stack(tensors, dim: int = 0) -> Tensor:
    return Stack.apply(*tensors, dim=dim)
