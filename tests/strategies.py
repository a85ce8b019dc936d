"""Hypothesis strategies and helpers shared by the differential tests (minigrad vs PyTorch).

Inputs are drawn as numpy arrays, then built into a tensor of each library from the same numbers, so
the two libraries always see bit-identical inputs. Importing this module loads the `minigrad`
settings profile: few examples, no deadline (the first call of an op may be slow), derandomized so a
CI run is reproducible. Set MINIGRAD_HYPOTHESIS_PROFILE=thorough for a long local search.
"""
from __future__ import annotations

import os

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

settings.register_profile("minigrad", max_examples=30, deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors])
settings.register_profile("thorough", max_examples=500, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors])
settings.load_profile(os.environ.get("MINIGRAD_HYPOTHESIS_PROFILE", "minigrad"))

FLOAT_DTYPES = ("float32", "float64")
MAX_DIMS, MAX_SIDE = 3, 4

# --- shapes: 0-d, size-1 dims and broadcasting come from hypothesis' own shape strategies -------------

def shapes(min_dims: int = 0, max_dims: int = MAX_DIMS, min_side: int = 1):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=MAX_SIDE)


def broadcastable_shapes(count: int = 2):
    """`count` shapes that broadcast together (some 0-d, some with size-1 dims)."""
    return hnp.mutually_broadcastable_shapes(num_shapes=count, min_dims=0, max_dims=MAX_DIMS,
                                             max_side=MAX_SIDE).map(lambda s: s.input_shapes)


# --- value domains ---------------------------------------------------------------------------------
# Each domain keeps the inputs where numpy and PyTorch compute the same function:
#   any       [-3, 3]: every op is smooth there and exp(3) keeps float32 far from overflow.
#   positive  [0.125, 3]: log, sqrt and x**p are undefined (NaN) for x < 0 and infinite/steep at 0,
#             where the two libraries may return different NaN/inf or lose all digits.
#   nonzero   |x| in [0.125, 3]: a denominator near 0 makes a/b and its gradient -a/b^2 blow up, so
#             one ulp of difference becomes a huge absolute difference.
#   kinkfree  |x| in [1/64, 3]: relu and abs have no derivative at 0; the libraries pick different
#             subgradients there (and x == 0 can come out of rounding), so 0 is kept away.
#   unique    [-3, 3], all distinct (see `arrays`): max at a tie sends the gradient to an
#             implementation-defined index (max(dim)) or splits it (max()), so ties are excluded.

def _floats(low, high, width):
    return st.floats(low, high, width=width, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def elements(domain: str, dtype: str):
    width = 32 if dtype == "float32" else 64
    if dtype == "int64":
        return st.integers(-5, 5) if domain != "nonzero" else st.integers(1, 5) | st.integers(-5, -1)
    if domain in ("any", "unique"):
        return _floats(-3.0, 3.0, width)
    if domain == "positive":
        return _floats(0.125, 3.0, width)
    low = {"nonzero": 0.125, "kinkfree": 0.015625}[domain]  # exact in float32
    return _floats(low, 3.0, width) | _floats(-3.0, -low, width)


def arrays(dtype: str, shape, domain: str = "any"):
    return hnp.arrays(np.dtype(dtype), shape, elements=elements(domain, dtype), unique=domain == "unique")


def seeds():
    """A seed for numpy's generator (cotangents, index lists): hypothesis shrinks it like any int."""
    return st.integers(0, 2**32 - 1)


# --- building the same tensor in either library ----------------------------------------------------

def to_tensor(lib, array, requires_grad: bool = False):
    """`array` (numpy) as a tensor of `lib` (torch or minigrad): tensor(ndarray) keeps its dtype.
    (Building from Python lists is tested on its own, in test_ops_vs_torch's creation cases.)"""
    return lib.tensor(np.array(array), requires_grad=requires_grad)


def dtype_name(lib, dtype) -> str:
    """'float32', 'float64', 'int64' or 'bool': the name `lib` gives this dtype."""
    for name in ("float32", "float64", "int64", "bool"):
        if dtype == getattr(lib, name):
            return name
    raise AssertionError(f"unknown dtype {dtype!r}")


def grad_fn_name(tensor) -> str | None:
    return None if tensor.grad_fn is None else type(tensor.grad_fn).__name__


def cotangent(like: np.ndarray, seed: int) -> np.ndarray:
    """A random gradient to seed backward with, shaped and typed like `like`."""
    rng = np.random.default_rng(seed)
    return rng.uniform(-2.0, 2.0, size=like.shape).astype(like.dtype)
