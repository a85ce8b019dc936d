"""Tensor's elementwise functions (exp, log, sin, ..., softmax), their in-place forms, the named
arithmetic methods (add, mul, matmul, ...) and the comparisons (bool tensors, no graph), mixed into
Tensor so that tensor.py stays about the core.
Each calls an op of ops/; ops needs Tensor defined first, so tensor.py hands them and Tensor over
(`bind`) once it is."""
from __future__ import annotations

import numpy as np

from .tensor_methods import _numpy_names

Tensor = _ops = _apply1 = _inplace = _functional = None


def bind(tensor, ops, apply1, inplace, functional) -> None:
    global Tensor, _ops, _apply1, _inplace, _functional
    Tensor, _ops, _apply1, _inplace, _functional = tensor, ops, apply1, inplace, functional


class ElementwiseMethods:
    """Mixed into Tensor (no state of its own)."""
    __slots__ = ()

    def exp(self):
        return _apply1(_ops.Exp, self)

    def exp_(self):
        return _inplace.inplace(self, lambda a: a.exp())

    def log(self):
        return _apply1(_ops.Log, self)

    def log_(self):
        return _inplace.inplace(self, lambda a: a.log())

    def sin(self):
        return _apply1(_ops.Sin, self)

    def sin_(self):
        return _inplace.inplace(self, lambda a: a.sin())

    def cos(self):
        return _apply1(_ops.Cos, self)

    def cos_(self):
        return _inplace.inplace(self, lambda a: a.cos())

    def tanh(self):
        return _apply1(_ops.Tanh, self)

    def tanh_(self):
        return _inplace.inplace(self, lambda a: a.tanh())

    def sigmoid(self):
        return _apply1(_ops.Sigmoid, self)

    def sigmoid_(self):
        return _inplace.inplace(self, lambda a: a.sigmoid())

    def relu(self):
        return _apply1(_ops.Relu, self)

    def relu_(self):
        return _inplace.inplace(self, lambda a: a.relu())

    def abs(self):
        return _apply1(_ops.Abs, self)

    def abs_(self):
        return _inplace.inplace(self, lambda a: a.abs())

    def sqrt(self):
        return _apply1(_ops.Sqrt, self)

    def sqrt_(self):
        return _inplace.inplace(self, lambda a: a.sqrt())

    def pow(self, exponent):
        return _ops.pow(self, exponent)

    def square(self):
        return _ops.pow(self, 2)

    def neg(self):
        return _apply1(_ops.Neg, self)

    def neg_(self):
        return _inplace.inplace(self, lambda a: a.neg())

    def add(self, other, alpha=1):
        return self + (other * alpha if alpha != 1 else other)

    def sub(self, other, alpha=1):
        return self - (other * alpha if alpha != 1 else other)

    def mul(self, other):
        return self * other

    def div(self, other):
        return self / other

    def matmul(self, other):
        return _ops.matmul(self, other)

    def dot(self, other):
        return _ops.dot(self, other)

    def mm(self, other):
        return _ops.mm(self, other)

    def maximum(self, other):
        return _ops.maximum(self, other)

    def clamp(self, min=None, max=None):
        return _ops.clamp(self, min, max)

    clip = clamp

    def softmax(self, dim):
        return _functional.softmax(self, dim)

    def log_softmax(self, dim):
        return _functional.log_softmax(self, dim)

    # ------------------------------------------------------------ comparisons: bool tensors, no graph
    def _compare(self, other, fn):
        return Tensor(fn(self._data, other._data if isinstance(other, Tensor) else other))

    def __lt__(self, other):
        return self._compare(other, np.less)

    def __le__(self, other):
        return self._compare(other, np.less_equal)

    def __gt__(self, other):
        return self._compare(other, np.greater)

    def __ge__(self, other):
        return self._compare(other, np.greater_equal)

    def __eq__(self, other):
        if other is None or isinstance(other, str):      # like torch: not equal, no error
            return False
        return self._compare(other, np.equal)

    def __ne__(self, other):
        if other is None or isinstance(other, str):
            return True
        return self._compare(other, np.not_equal)

    lt, le, gt, ge, eq, ne = __lt__, __le__, __gt__, __ge__, __eq__, __ne__

    def equal(self, other) -> bool:
        return self._data.shape == other._data.shape and bool(np.array_equal(self._data, other._data))

    def __invert__(self):
        return Tensor(~self._data)

    def __and__(self, other):
        return self._compare(other, np.logical_and if self._data.dtype == np.bool_ else np.bitwise_and)

    def __or__(self, other):
        return self._compare(other, np.logical_or if self._data.dtype == np.bool_ else np.bitwise_or)

    def all(self):
        return Tensor(np.all(self._data))

    def any(self):
        return Tensor(np.any(self._data))

    def isfinite(self):
        return Tensor(np.isfinite(self._data))

    def argmax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        dim, keepdim = _numpy_names(dim, keepdim, axis, keepdims)
        if dim is None:
            return Tensor(np.asarray(np.argmax(self._data), dtype=np.int64))
        return Tensor(np.argmax(self._data, axis=dim, keepdims=keepdim).astype(np.int64))

    def argmin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        dim, keepdim = _numpy_names(dim, keepdim, axis, keepdims)
        if dim is None:
            return Tensor(np.asarray(np.argmin(self._data), dtype=np.int64))
        return Tensor(np.argmin(self._data, axis=dim, keepdims=keepdim).astype(np.int64))

    def allclose(self, other, rtol=1e-5, atol=1e-8) -> bool:
        return bool(np.allclose(self._data, other._data if isinstance(other, Tensor) else other, rtol, atol))
