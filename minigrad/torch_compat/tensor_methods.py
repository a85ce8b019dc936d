"""Tensor methods beyond section 2.1, for the book's chapters 2-4: `type()`, `//` and `%`, cumsum,
prod, mv, `normal_`/`uniform_`, `register_hook`. `Tensor` inherits them (tensor.py stays about the
core); each calls an op of ops/ (imported where used: ops needs Tensor first) or works on the raw
values through `np.asarray(tensor)`."""
from __future__ import annotations

import warnings
import weakref

import numpy as np

from . import dtypes

_TYPE_NAMES = {"float32": "torch.FloatTensor", "float64": "torch.DoubleTensor", "float16": "torch.HalfTensor",
               "int64": "torch.LongTensor", "int32": "torch.IntTensor", "int16": "torch.ShortTensor",
               "int8": "torch.CharTensor", "uint8": "torch.ByteTensor", "bool": "torch.BoolTensor"}
_BY_TYPE_NAME = {name: getattr(dtypes, dt if dt != "bool" else "bool_") for dt, name in _TYPE_NAMES.items()}
_NP_TYPE_NAMES = {dtypes.to_numpy(d): name for name, d in _BY_TYPE_NAME.items()}


class TensorMethods:
    """Mixed into Tensor (no state of its own)."""
    __slots__ = ()

    def type(self, dtype=None, non_blocking: bool = False, **kwargs):
        """Without an argument, the type's name ('torch.FloatTensor'); with a dtype or such a name,
        the tensor converted to it."""
        if dtype is None:
            return _NP_TYPE_NAMES[np.asarray(self).dtype]
        if isinstance(dtype, str):
            if dtype not in _BY_TYPE_NAME:
                raise ValueError(f"invalid type: '{dtype}'")
            dtype = _BY_TYPE_NAME[dtype]
        elif not isinstance(dtype, dtypes.dtype):
            raise TypeError("dtype must be a type, str, or dtype object")
        return self.to(dtype)

    # ------------------------------------------------------------ // and %
    def __floordiv__(self, other):
        from . import ops
        return ops.floor_divide(self, other)

    def __rfloordiv__(self, other):
        from . import ops
        return ops.floor_divide(other, self)

    def __mod__(self, other):
        from . import ops
        return ops.remainder(self, other)

    def __rmod__(self, other):
        from . import ops
        return ops.remainder(other, self)

    def floor_divide(self, other):
        from . import ops
        return ops.floor_divide(self, other)

    def remainder(self, other):
        from . import ops
        return ops.remainder(self, other)

    # ------------------------------------------------------------ more reductions and products
    def cumsum(self, dim=None, dtype=None, *, axis=None):
        from . import ops
        dim = _dim_or_axis(dim, axis, "cumsum")
        out = ops.Cumsum.apply(self, dim=dim)
        return out if dtype is None else out.to(dtype)

    def prod(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None):
        dim = dim if axis is None else axis
        from . import ops
        op = ops.Prod if dim is None else ops.ProdDim
        out = op.apply(self, dim=dim, keepdim=keepdim if keepdims is None else keepdims)
        return out if dtype is None else out.to(dtype)

    def mv(self, vec):
        from . import ops
        return ops.mv(self, vec)

    # ------------------------------------------------------------ random fill (in place, like torch's)
    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator=None):
        from . import random
        return self.copy_(random.normal_values(self.shape, mean, std, np.asarray(self).dtype, generator))

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator=None):
        from . import random
        return self.copy_(random.uniform_values(self.shape, a, b, np.asarray(self).dtype, generator))

    # ------------------------------------------------------------ hooks
    def register_hook(self, hook):
        """hook(grad) runs when the gradient with respect to this tensor has been computed; a tensor it
        returns replaces the gradient. Returns a handle whose remove() unregisters it."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        hooks = tensor_hooks(self, create=True)
        hooks.append(hook)
        return RemovableHandle(hooks, hook)


class RemovableHandle:
    """What register_hook returns (torch.utils.hooks.RemovableHandle)."""

    def __init__(self, hooks: list, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


# A non-leaf's hooks live on its grad_fn node (which the tensor keeps alive); a leaf's in this table,
# keyed by id and dropped when the leaf is collected.
_LEAF_HOOKS: dict = {}


def tensor_hooks(t, create: bool = False):
    """The list of hooks registered on `t` (None when there are none and create is False)."""
    if t.grad_fn is not None:
        hooks = t.grad_fn.__dict__.get("tensor_hooks")
        if hooks is None and create:
            hooks = t.grad_fn.tensor_hooks = []
        return hooks
    hooks = _LEAF_HOOKS.get(id(t))
    if hooks is None and create:
        hooks = _LEAF_HOOKS[id(t)] = []
        weakref.finalize(t, _LEAF_HOOKS.pop, id(t), None)
    return hooks


def run_hooks(hooks: list, grad):
    """Each hook in turn; one that returns a tensor replaces the gradient."""
    for hook in list(hooks):
        result = hook(grad)
        if result is not None:
            grad = result
    return grad


def _numpy_names(dim, keepdim, axis, keepdims) -> tuple:
    """torch also accepts numpy's names: sum(axis=1, keepdims=True) is sum(dim=1, keepdim=True)."""
    return (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)


NON_LEAF_GRAD = ("The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
                 "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated "
                 "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf "
                 "Tensor by mistake, make sure you access the leaf Tensor instead. See "
                 "github.com/pytorch/pytorch/pull/30531 for more information.")
SCALAR_CONVERSION = ("Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n"
                     "Consider using tensor.detach() first.")
_warned = set()


def _warn_scalar_conversion() -> None:
    """torch warns once per process (TORCH_WARN_ONCE) when float() converts a tensor that requires
    grad (item() and int() do not warn)."""
    if "scalar" not in _warned:
        _warned.add("scalar")
        warnings.warn(SCALAR_CONVERSION, UserWarning, stacklevel=3)


def _dim_or_axis(dim, axis, name: str):
    dim = dim if axis is None else axis
    if dim is None:
        raise TypeError(f"{name}() missing 1 required positional argument: \"dim\"")
    return dim
