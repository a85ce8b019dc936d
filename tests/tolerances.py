"""The tolerance policy of the differential tests: when is minigrad's number "the same" as PyTorch's?

Shapes and dtypes must match exactly, and so must integer and boolean values. Floating-point values
match when, elementwise,

    |actual - expected| <= rtol * |expected| + atol * scale,    scale = max(1, max finite |expected|)

- float32: rtol 1e-4, atol 1e-5. float32 keeps ~7 significant digits; numpy and PyTorch use different
  kernels (SIMD exp/sin, BLAS for matmul, pairwise vs blocked summation), so the last 2-3 digits of a
  value may differ. 1e-4 leaves room for that and still catches any wrong rule (a wrong derivative is
  wrong in the first digit, not the fifth).
- float64: rtol 1e-9, atol 1e-11. The same kernel differences cost ~1e-15 relative; 1e-9 leaves room
  for a chain of a few dozen ops (second derivatives, training trajectories in float64).
- `scale` makes atol relative to the largest finite value of the result (infinities and NaNs must
  stand at the same places with the same signs): an element that is the difference
  of large numbers (a sum with cancellation, a matmul entry near 0) carries an absolute error of the
  order of the large numbers, not of itself.

Numerical differentiation (central differences) is compared to exact derivatives with its own, wider
bounds, stated where it is used (tests/engine/test_numdiff.py): its error is truncation + round-off, not
rounding of one kernel.
"""
from __future__ import annotations

import numpy as np

TOLERANCE = {
    np.dtype(np.float32): (1e-4, 1e-5),
    np.dtype(np.float64): (1e-9, 1e-11),
}


def as_array(value) -> np.ndarray:
    """A torch or minigrad tensor (or a number) as a plain numpy array."""
    if hasattr(value, "detach"):
        value = value.detach()
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        value = value.numpy()
    return np.asarray(value)


def assert_same(actual, expected, what: str = "value") -> None:
    """Assert minigrad's `actual` equals PyTorch's `expected` under the policy above."""
    actual, expected = as_array(actual), as_array(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != torch's {expected.shape}"
    assert actual.dtype == expected.dtype, f"{what}: dtype {actual.dtype} != torch's {expected.dtype}"
    if expected.dtype.kind not in "fc":
        np.testing.assert_array_equal(actual, expected, err_msg=what)
        return
    rtol, atol = TOLERANCE[expected.dtype]
    finite = np.abs(expected[np.isfinite(expected)])      # ±inf and NaN must match where they stand
    scale = max(1.0, float(finite.max())) if finite.size else 1.0
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol * scale, err_msg=what)
