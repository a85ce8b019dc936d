"""Data types: float32 (the default), float64, int64, bool, and torch's type promotion rules."""
from __future__ import annotations

import builtins

import numpy as np


class dtype:
    """A minigrad dtype: a name printed like torch's and the numpy dtype that stores it."""
    __slots__ = ("name", "np", "is_floating_point", "category")

    def __init__(self, name: str, np_dtype, category: int):
        self.name, self.np = name, np.dtype(np_dtype)
        self.category = category                       # 0 bool < 1 integer < 2 floating
        self.is_floating_point = category == 2

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self):
        return self.name


float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)
int64 = dtype("int64", np.int64, 1)
bool_ = dtype("bool", np.bool_, 0)
float16 = dtype("float16", np.float16, 2)
int32 = dtype("int32", np.int32, 1)
int16 = dtype("int16", np.int16, 1)
int8 = dtype("int8", np.int8, 1)
uint8 = dtype("uint8", np.uint8, 1)

DEFAULT_FLOAT = float32
_BY_NUMPY = {d.np: d for d in (float32, float64, int64, bool_, float16, int32, int16, int8, uint8)}
NP_FLOAT32, NP_FLOAT64 = np.dtype(np.float32), np.dtype(np.float64)


def from_numpy(np_dtype) -> dtype:
    """The minigrad dtype that stores as `np_dtype`."""
    try:
        return _BY_NUMPY[np_dtype]
    except KeyError:
        raise TypeError(f"unsupported numpy dtype {np_dtype}") from None


def to_numpy(d) -> np.dtype:
    """numpy dtype for a minigrad dtype (numpy dtypes and Python types are accepted too)."""
    if isinstance(d, dtype):
        return d.np
    if d is builtins.float:                     # torch: dtype=float is float64 (torch.float is float32)
        return float64.np
    if d is builtins.int:
        return int64.np
    if d is builtins.bool:
        return bool_.np
    return np.dtype(d)


def promote_types(a: np.dtype, b: np.dtype | None) -> np.dtype:
    """torch.promote_types: the higher category wins (bool < integer < floating); within one category,
    the wider type (int32 with float32 -> float32, where numpy would give float64)."""
    if b is None:
        return a
    ca, cb = from_numpy(a).category, from_numpy(b).category
    if ca != cb:
        return a if ca > cb else b
    return np.result_type(a, b)


def _category(value) -> int:
    if isinstance(value, np.ndarray):
        return from_numpy(value.dtype).category
    if isinstance(value, (builtins.bool, np.bool_)):
        return 0
    if isinstance(value, (builtins.int, np.integer)):
        return 1
    return 2


def _default(category: int) -> np.dtype:
    return (bool_.np, int64.np, DEFAULT_FLOAT.np)[category]


def result_type(*operands) -> np.dtype:
    """torch's promotion for numpy arrays and Python scalars: tensors with dimensions come first, then
    0-d tensors, then Python scalars, each group counting only if it holds the highest category
    (bool < integer < floating). So float32 * 2.5 -> float32, int64 * 2.5 -> float32,
    float32 * float64 -> float64, and a 0-d float64 does not widen a float32 vector."""
    dims = [x.dtype for x in operands if isinstance(x, np.ndarray) and x.ndim > 0]
    zero = [x.dtype for x in operands if isinstance(x, np.ndarray) and x.ndim == 0]
    top = max(_category(x) for x in operands)
    for group in (dims, zero):
        highest = [d for d in group if from_numpy(d).category == top]
        if highest:
            return np.result_type(*highest)
    return _default(top)


def fix_dtype(out: np.ndarray, *operands) -> np.ndarray:
    """numpy's result of an op, cast to torch's result dtype where the two differ."""
    want = result_type(*operands)
    if out.dtype.kind == "f" and want.kind != "f":      # sin(int), int / int: torch's default float
        want = DEFAULT_FLOAT.np
    return out if out.dtype == want else out.astype(want)
