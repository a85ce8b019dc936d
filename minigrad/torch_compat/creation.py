"""Making tensors: tensor, arange, zeros, ones, full, eye, *_like (random ones: random.py)."""
from __future__ import annotations

import builtins

import numpy as np

from . import dtypes
from ..tensor import Tensor

def infer_dtype(values) -> np.dtype:
    """torch.tensor's dtype for nested lists: each element counts with its own type (Python float:
    the default float32, int: int64, bool: bool; numpy scalars and tensors keep theirs), combined
    by torch's promotion. So [1, 2.] is float32 and [np.float64(1), 2.] float64."""
    if isinstance(values, (list, tuple)):
        result = None
        for v in values:
            result = dtypes.promote_types(infer_dtype(v), result)
        return dtypes.DEFAULT_FLOAT.np if result is None else result
    if isinstance(values, Tensor):
        return np.asarray(values).dtype
    if isinstance(values, (np.ndarray, np.generic)):
        return values.dtype
    if isinstance(values, builtins.bool):
        return dtypes.bool_.np
    if isinstance(values, builtins.int):
        return dtypes.int64.np
    if isinstance(values, builtins.float):
        return dtypes.DEFAULT_FLOAT.np
    raise TypeError(f"Could not infer dtype of {type(values).__name__}")


def _finish(data: np.ndarray, dtype, requires_grad: bool) -> Tensor:
    if dtype is not None:
        data = data.astype(dtypes.to_numpy(dtype), copy=False)
    t = Tensor(data)
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(data, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    """A new tensor holding a copy of `data` (nested lists, numbers, numpy arrays or tensors).
    Python floats become float32 (torch's default), Python ints int64, bools bool; numpy arrays,
    numpy scalars and tensors keep their dtype (see infer_dtype)."""
    if isinstance(data, Tensor):
        array = data._data.copy()
    elif isinstance(data, (np.ndarray, np.generic)):
        array = _convertible(np.array(data))
    else:
        want = dtypes.to_numpy(dtype) if dtype is not None else infer_dtype(data)
        array = np.array(data, dtype=want)
    return _finish(array, dtype, requires_grad)


def as_tensor(data, dtype=None) -> Tensor:
    if isinstance(data, Tensor) and dtype is None:
        return data
    return tensor(data, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    return Tensor(_convertible(array))


def _convertible(array: np.ndarray) -> np.ndarray:
    """torch refuses arrays of objects, strings, dates, ... with this error."""
    if array.dtype.kind not in "fciub":
        raise TypeError(f"can't convert np.ndarray of type numpy.{array.dtype.type.__name__}. The only supported "
                        f"types are: float64, float32, float16, complex64, complex128, int64, int32, int16, int8, "
                        f"uint64, uint32, uint16, uint8, and bool.")
    return array


def _size(size, keyword=None) -> tuple:
    """zeros(2, 3), zeros((2, 3)), zeros([2, 3]) and zeros(size=(2, 3)) alike."""
    if keyword is not None:
        size = (keyword,)
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    return tuple([int(n) for n in size])


def _float_dtype(dtype):
    return dtypes.to_numpy(dtype) if dtype is not None else dtypes.DEFAULT_FLOAT.np


def zeros(*shape, size=None, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    return _finish(np.zeros(_size(shape, size), _float_dtype(dtype)), None, requires_grad)


def ones(*shape, size=None, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    return _finish(np.ones(_size(shape, size), _float_dtype(dtype)), None, requires_grad)


def empty(*shape, size=None, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    return zeros(*shape, size=size, dtype=dtype, requires_grad=requires_grad)


def full(size, fill_value, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    if dtype is None:
        dtype = (dtypes.bool_ if isinstance(fill_value, builtins.bool) else
                 dtypes.int64 if isinstance(fill_value, builtins.int) else dtypes.DEFAULT_FLOAT)
    return _finish(np.full(_size((size,)), fill_value, dtypes.to_numpy(dtype)), None, requires_grad)


def eye(n: int, m: int | None = None, dtype=None, requires_grad: bool = False) -> Tensor:
    return _finish(np.eye(n, m, dtype=_float_dtype(dtype)), None, requires_grad)


def zeros_like(t: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return _finish(np.zeros_like(t._data, dtype=None if dtype is None else dtypes.to_numpy(dtype)), None,
                   requires_grad)


def ones_like(t: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return _finish(np.ones_like(t._data, dtype=None if dtype is None else dtypes.to_numpy(dtype)), None,
                   requires_grad)


def full_like(t: Tensor, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    return _finish(np.full_like(t._data, fill_value, dtype=None if dtype is None else dtypes.to_numpy(dtype)),
                   None, requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    """arange(4) is int64, arange(4.0) float32 (any float argument makes it floating)."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        floating = any(isinstance(v, (builtins.float, np.floating)) for v in (start, end, step))
        dtype = dtypes.DEFAULT_FLOAT if floating else dtypes.int64
    count = max(0, int(np.ceil((end - start) / step)))
    values = start + step * np.arange(count, dtype=np.float64) if dtypes.to_numpy(dtype).kind == "f" \
        else np.arange(start, end, step)
    return _finish(np.asarray(values), dtype, requires_grad)


def linspace(start, end, steps: int, dtype=None, requires_grad: bool = False) -> Tensor:
    return _finish(np.linspace(start, end, steps).astype(_float_dtype(dtype)), None, requires_grad)
