"""Compare a probe's outputs with PyTorch's: plain arrays only, with a written tolerance per dtype.

Tolerance policy, the course's one table (the checks, the diagnosis and the maintainers' differential tests
read it): values are equal when |actual - expected| <= atol + rtol * |expected| elementwise (numpy.allclose),
NaNs in the same places. float32: rtol 1e-4, atol 1e-5. float32 keeps ~7 significant digits; numpy and
PyTorch use different kernels (SIMD exp/sin, BLAS for matmul, pairwise vs blocked summation), so the last 2-3
digits may differ, and a wrong rule is wrong in the first digit, not the fifth. float64: rtol 1e-9, atol
1e-11: the same kernel differences cost ~1e-15 relative, and 1e-9 leaves room for a chain of a few dozen ops.
A check may set its own (rtol, atol) (Check.tolerance: a numerical method's truncation error, say).
Integers, booleans and strings must be equal exactly. Shapes and dtypes must match exactly: a float64
result where PyTorch gives float32 is a difference a student should hear about.
"""
from __future__ import annotations

import numpy as np

TOLERANCE = {np.dtype(np.float32): (1e-4, 1e-5), np.dtype(np.float64): (1e-9, 1e-11)}   # (rtol, atol)
MAX_ELEMENTS = 1_000_000     # a probe's output is small; anything larger is refused


def tolerance_for(dtype) -> tuple[float, float]:
    """(rtol, atol) for values of `dtype`; float32's, the looser row, for any other inexact dtype."""
    return TOLERANCE.get(np.dtype(dtype), TOLERANCE[np.dtype(np.float32)])


def to_plain(outputs: dict) -> dict[str, np.ndarray]:
    """Turn a probe's outputs (tensors, numbers, bools, strings) into plain numpy arrays."""
    plain = {}
    for key, value in outputs.items():
        if type(value).__module__.startswith("torch"):
            value = value.detach().numpy()
        elif hasattr(value, "__array__") and not isinstance(value, np.ndarray):
            value = value.__array__()     # a minigrad tensor (not .detach(): that is an exercise)
        array = np.array(value)
        if array.dtype == object:
            raise TypeError(_not_numeric(key, value))
        plain[str(key)] = array
    return plain


def _not_numeric(key, value) -> str:
    """Chinese: a probe's output is not a number or an array (most often a .grad that stayed None)."""
    if value is None:
        return (f"输出 `{key}` 是 None，不是数值：梯度没有传到这个张量（它的 .grad 还是 None），"
                f"或者函数没有返回结果")
    return f"输出 `{key}` 不是数值数据，而是 {type(value).__name__} 类型的对象"


def describe(array: np.ndarray) -> str:
    return f"{tuple(array.shape)} {array.dtype}"


def _values(array: np.ndarray, limit: int = 6) -> str:
    """A short, one-line picture of the values: a scalar as itself, a small array in its own shape, a large one
    as its first elements in row order."""
    if array.size <= limit:
        return " ".join(np.array2string(array, precision=6, separator=", ").split())
    text = np.array2string(array.reshape(-1)[:limit], precision=6, separator=", ")[:-1] + ", ...]"
    return f"{text}（按行展开的前 {limit} 个）" if array.ndim > 1 else text


def _how_far(expected: np.ndarray, actual: np.ndarray, wrong: np.ndarray) -> str:
    """How the elements that differ differ: NaN where the other side has a number, else the largest error."""
    parts = []
    mine, theirs = np.isnan(actual) & wrong, np.isnan(expected) & wrong
    if mine.any():
        parts.append(f"{int(mine.sum())} 个元素是 nan，PyTorch 的不是")
    if theirs.any():
        parts.append(f"{int(theirs.sum())} 个元素 PyTorch 是 nan，你的不是")
    numbers = wrong & ~mine & ~theirs
    if numbers.any():
        wide = np.complex128 if expected.dtype.kind == "c" else np.float64
        with np.errstate(invalid="ignore", over="ignore"):
            error = np.abs(actual[numbers].astype(wide) - expected[numbers].astype(wide))
        parts.append(f"最大误差 {np.max(np.where(np.isnan(error), np.inf, error)):.3g}")     # inf − inf: inf apart
    return "；".join(parts)


def compare_one(key: str, expected: np.ndarray, actual: np.ndarray, tolerance=None) -> str | None:
    if expected.shape != actual.shape:
        return f"`{key}` 的形状不同：PyTorch 为 {tuple(expected.shape)}，你的为 {tuple(actual.shape)}"
    if expected.dtype != actual.dtype:
        return f"`{key}` 的数据类型不同：PyTorch 为 {expected.dtype}，你的为 {actual.dtype}"
    if expected.dtype.kind in "fc":
        rtol, atol = tolerance or tolerance_for(expected.dtype)
        close = np.isclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)
        if close.all():
            return None
        return (f"`{key}` 的数值不同（{_how_far(expected, actual, ~close)}，允许 {atol:g} + {rtol:g}·|PyTorch|）\n"
                f"    PyTorch：{_values(expected)}\n    你的：  {_values(actual)}")
    if not np.array_equal(expected, actual):
        return f"`{key}` 不同：PyTorch 为 {_values(expected)}，你的为 {_values(actual)}"
    return None


def compare(expected: dict, actual: dict, tolerance=None) -> str | None:
    """None when `actual` matches `expected` (both dicts of arrays), else a Chinese explanation."""
    missing = [k for k in expected if k not in actual]
    if missing:
        return f"缺少输出 {', '.join(map(repr, missing))}"
    extra = [k for k in actual if k not in expected]
    if extra:
        return f"多出了输出 {', '.join(map(repr, extra))}"
    for key in expected:
        a = np.asarray(actual[key])
        if a.dtype == object or a.size > MAX_ELEMENTS:
            return f"`{key}` 不是合适大小的数值数组"
        problem = compare_one(key, np.asarray(expected[key]), a, tolerance)
        if problem:
            return problem
    return None
