"""Tensor methods beyond the lesson, installed onto Tensor by `torch_compat.install`: torch's `.data`,
conversions, printing, the remaining operators, in-place methods (inplace.py), indexing and the
reductions with torch's options. Methods of the same name in tensor.py are replaced only where
`install.REPLACES` says why."""
from __future__ import annotations

import warnings
import weakref

import numpy as np

from . import dtypes
from . import version as _version
from .printing import tensor_repr
from .tensor_methods import NON_LEAF_GRAD, _numpy_names, _warn_scalar_conversion

Tensor = _ops = _apply1 = _apply2 = _inplace = None


def bind(tensor, ops, apply1, apply2, inplace) -> None:
    global Tensor, _ops, _apply1, _apply2, _inplace
    Tensor, _ops, _apply1, _apply2, _inplace = tensor, ops, apply1, apply2, inplace


class Size(tuple):
    """A shape, printed like torch.Size([2, 3])."""

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    def numel(self) -> int:
        return int(np.prod(self, dtype=np.int64))


def _every_dim_if_empty(dim, ndim: int):
    """sum(dim=()) and mean(dim=[]) reduce every dim in torch (numpy's axis=() reduces none)."""
    if isinstance(dim, (tuple, list)) and not dim:
        return tuple(range(ndim))
    return dim


class CoreMethods:
    """Mixed into Tensor by install() (no state of its own)."""
    __slots__ = ()

    # ------------------------------------------------------------ properties
    @property
    def data(self) -> "Tensor":
        """torch's `.data`: the same values as a tensor outside the graph, sharing the array (changes
        show in both) but not the version counter, so autograd does not see them."""
        alias = Tensor(self._data)
        alias._data_of = self
        alias._storage = None
        return alias

    @data.setter
    def data(self, value) -> None:
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)
        self._storage = self._view = None

    @property
    def _version(self) -> int:
        return _version.version(self)

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        return Size(self._data.shape) if dim is None else self._data.shape[dim]

    @property
    def dtype(self):
        return dtypes.from_numpy(self._data.dtype)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def device(self) -> str:
        return "cpu"

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    @property
    def grad(self):
        """The gradient accumulated by backward() (None until then). Reading it on a non-leaf that does
        not retain its gradient warns, as torch does."""
        if self._grad is None and self.grad_fn is not None and not self._retains_grad:
            warnings.warn(NON_LEAF_GRAD, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        self._grad = value

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    # ------------------------------------------------------------ conversions
    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self) -> np.ndarray:
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data)

    def __float__(self) -> float:
        if self.requires_grad:
            _warn_scalar_conversion()
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.item())

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (_ops.Unbind.apply(self, index=i) for i in range(self._data.shape[0]))

    def __hash__(self) -> int:
        return id(self)

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return repr(self).__format__(spec)

    def __repr__(self) -> str:
        return tensor_repr(self)

    def __str__(self) -> str:
        return self.__repr__()

    def __reduce__(self):
        return (_rebuild, (self._data, self.requires_grad))

    def to(self, dtype=None, *args, **kwargs) -> "Tensor":
        if dtype is None or isinstance(dtype, str):           # .to("cpu")
            dtype = kwargs.get("dtype")
            if dtype is None:
                return self
        if dtypes.to_numpy(dtype) == self._data.dtype:
            return self
        return _ops.Cast.apply(self, dtype=dtypes.to_numpy(dtype))

    def float(self) -> "Tensor":
        return self.to(dtypes.float32)

    def double(self) -> "Tensor":
        return self.to(dtypes.float64)

    def long(self) -> "Tensor":
        return self.to(dtypes.int64)

    def bool(self) -> "Tensor":
        return self.to(dtypes.bool_)

    def type_as(self, other: "Tensor") -> "Tensor":
        return self.to(other.dtype)

    def cpu(self) -> "Tensor":
        return self

    # ------------------------------------------------------------ autograd
    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to use "
                               "a computed variable in a subgraph that doesn't require differentiation use "
                               "var_no_grad = var.detach().")
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> None:
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self._retains_grad = True
            self.grad_fn.retained = weakref.ref(self)

    def clone(self) -> "Tensor":
        return _ops.Clone.apply(self)

    # ------------------------------------------------------------ arithmetic (a scalar on either side)
    def __add__(self, other):
        return _apply2(_ops.Add, self, other)

    def __radd__(self, other):                 # other + self
        return _apply2(_ops.Add, other, self)

    def __sub__(self, other):
        return _apply2(_ops.Sub, self, other)

    def __rsub__(self, other):                 # other - self
        return _apply2(_ops.Rsub, self, other)

    def __mul__(self, other):
        if type(other) is float or type(other) is int:       # a constant: no gradient needed for it
            return _apply2(_ops.MulScalar, self, other)
        return _apply2(_ops.Mul, self, other)

    def __rmul__(self, other):                 # other * self
        if type(other) is float or type(other) is int:
            return _apply2(_ops.MulScalar, self, other)
        return _apply2(_ops.Mul, other, self)

    def __truediv__(self, other):
        return _apply2(_ops.Div, self, other)

    def __rtruediv__(self, other):             # other / self
        if type(other) is float or type(other) is int:
            return _apply2(_ops.RDiv, self, other)
        return _apply2(_ops.Div, other, self)

    def __pow__(self, other):
        return _ops.pow(self, other)

    def __rpow__(self, other):                 # other ** self
        return _ops.pow(other, self)

    def __neg__(self):
        return _apply1(_ops.Neg, self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _apply1(_ops.Abs, self)

    def __matmul__(self, other):
        return _ops.matmul(self, other)

    def __rmatmul__(self, other):
        return _ops.matmul(other, self)

    # ------------------------------------------------------------ in place (torch's semantics: inplace.py)
    def __iadd__(self, other):
        return _inplace.inplace(self, lambda a: a + other, other)

    def __isub__(self, other):
        return _inplace.inplace(self, lambda a: a - other, other)

    def __imul__(self, other):
        return _inplace.inplace(self, lambda a: a * other, other)

    def __itruediv__(self, other):
        return _inplace.inplace(self, lambda a: a / other, other)

    def add_(self, other, alpha=1):
        return self.__iadd__(other * alpha if alpha != 1 else other)

    def sub_(self, other, alpha=1):
        return self.__isub__(other * alpha if alpha != 1 else other)

    def mul_(self, other):
        return self.__imul__(other)

    def div_(self, other):
        return self.__itruediv__(other)

    def pow_(self, exponent):
        return _inplace.inplace(self, lambda a: a.pow(exponent), exponent)

    def clamp_(self, min=None, max=None):
        return _inplace.inplace(self, lambda a: a.clamp(min, max), min, max)

    clip_ = clamp_

    def zero_(self) -> "Tensor":
        return _inplace.inplace(self, lambda a: _inplace.Zero.apply(a), cast=True)

    def fill_(self, value) -> "Tensor":
        if isinstance(value, Tensor):
            return _inplace.inplace(self, lambda a: _inplace.FillTensor.apply(a, value), value, cast=True)
        return _inplace.inplace(self, lambda a: _inplace.Fill.apply(a, value), cast=True)

    def copy_(self, src) -> "Tensor":
        return _inplace.inplace(self, lambda a: _inplace.Copy.apply(a, src), src, cast=True)

    # ------------------------------------------------------------ indexing and shapes
    def __getitem__(self, index):
        return _ops.getitem(self, index)

    def __setitem__(self, index, value):
        """self[index] = value, in place: a basic index copies into a view (CopySlices under autograd),
        an advanced one (integer arrays, masks) is index_put_ (IndexPutBackward0), as in torch."""
        index = _ops.plain_index(index)
        if index is Ellipsis or (type(index) is tuple and len(index) == 1 and index[0] is Ellipsis):   # all of self
            scalar = not isinstance(value, Tensor) or value._data.ndim == 0
            self.fill_(value) if scalar else self.copy_(value)
        elif _ops.getitem_is_view(index):
            self[index].copy_(value)
        else:
            _inplace.inplace(self, lambda a: _inplace.IndexPut.apply(a, value, index=index), value, cast=True)

    # ------------------------------------------------------------ reductions
    def sum(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:
            dim, keepdim = _numpy_names(dim, keepdim, axis, keepdims)
        dim = _every_dim_if_empty(dim, self._data.ndim)
        if dim is None:
            out = _apply1(_ops.Sum, self)
        else:
            out = _ops.SumDim.apply(self, dim=dim, keepdim=keepdim)
        return out if dtype is None else out.to(dtype)

    def mean(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        dim, keepdim = _numpy_names(dim, keepdim, axis, keepdims)
        if self._data.dtype.kind not in "fc":
            raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating "
                               f"point or complex dtype. Got: {self.dtype.name.capitalize()}")
        dim = _every_dim_if_empty(dim, self._data.ndim)
        if dim is None:
            return _ops.Mean.apply(self)
        return _ops.MeanDim.apply(self, dim=dim, keepdim=keepdim)

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        dim, keepdim = _numpy_names(dim, keepdim, axis, keepdims)
        if isinstance(dim, Tensor):
            return _ops.maximum(self, dim)
        if dim is None:
            return _ops.MaxAll.apply(self)
        return _ops.max_dim(self, dim, keepdim)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        dim, keepdim = _numpy_names(dim, keepdim, axis, keepdims)
        if isinstance(dim, Tensor):
            return -_ops.maximum(-self, -dim)
        if dim is None:
            return _ops.MinAll.apply(self)
        return _ops.max_dim(self, dim, keepdim, op=_ops.MinDim)


def _rebuild(data, requires_grad):
    return Tensor(data, requires_grad)
