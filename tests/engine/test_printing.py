"""repr and str of minigrad tensors are character-for-character PyTorch's (the text's 结果 blocks)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from strategies import to_tensor

FIXED = {  # what the course prints, plus each formatting regime of torch's printer
    "0-d float": lambda t: t.tensor(28.0),
    "0-d float with decimals": lambda t: t.tensor(3.14159),
    "0-d int": lambda t: t.tensor(7),
    "0-d bool": lambda t: t.tensor(True),
    "arange(4.0)": lambda t: t.arange(4.0),
    "integer-valued floats, padded": lambda t: t.tensor([0.0, 4.0, 8.0, 12.0]),
    "decimals": lambda t: t.tensor([1.5, -2.25, 0.125]),
    "rounded to 4 decimals": lambda t: t.tensor([0.1, 0.123456789, -3.00005]),
    "scientific: wide range": lambda t: t.tensor([1e-5, 1e5]),
    "scientific: large": lambda t: t.tensor([1e10, -2.5]),
    "scientific: small": lambda t: t.tensor([1e-6, 2e-6]),
    "negative zero": lambda t: t.tensor([-0.0, 1.0]),
    "long 1-d wraps at 80 columns": lambda t: t.arange(30.0) / 7,
    "long int 1-d wraps": lambda t: t.arange(100),
    "2-d float": lambda t: t.tensor([[1.0, 2.5], [-3.0, 4.0]]),
    "2-d int": lambda t: t.tensor([[1, 2], [3, 40]]),
    "2-d negative ints": lambda t: t.tensor([[-1, 2], [3, -400]]),
    "1-d bool": lambda t: t.tensor([True, False, True, True]),
    "2-d bool": lambda t: t.tensor([[True], [False]]),
    "comparison result": lambda t: t.arange(4.0) == t.tensor([0.0, 1.0, 5.0, 3.0]),
    "float64 0-d": lambda t: t.tensor(2.5, dtype=t.float64),
    "float64 1-d": lambda t: t.tensor([1.0, 2.0], dtype=t.float64),
    "float64 2-d": lambda t: t.tensor([[1.5, 2.0], [3.0, 4.0]], dtype=t.float64),
    "requires_grad leaf": lambda t: t.arange(4.0, requires_grad=True),
    "0-d requires_grad": lambda t: t.tensor(1.5, requires_grad=True),
    "grad_fn (the text's y)": lambda t: 2 * t.dot(t.arange(4.0, requires_grad=True), t.arange(4.0)),
    "grad_fn 2-d": lambda t: t.ones(2, 2, requires_grad=True) + 1,
    "grad_fn float64": lambda t: t.ones(2, dtype=t.float64, requires_grad=True) * 3,
    "grad_fn 0-d sum": lambda t: t.tensor([1.0, 2.0], requires_grad=True).sum(),
    "grad of the text's x": lambda t: _grad_of_text_example(t),
    "detached": lambda t: (t.ones(2, requires_grad=True) * 2).detach(),
    "no_grad result": lambda t: _under_no_grad(t),
}


def _grad_of_text_example(t):
    x = t.arange(4.0, requires_grad=True)
    (2 * t.dot(x, x)).backward()
    return x.grad


def _under_no_grad(t):
    with t.no_grad():
        return t.ones(3, requires_grad=True) * 2


@pytest.mark.parametrize("name", FIXED)
def test_repr_and_str_match_torch(mg, name):
    made, reference = FIXED[name](mg), FIXED[name](torch)
    assert repr(made) == repr(reference)
    assert str(made) == str(reference)


# Float values from several regimes at once, so that torch's printer switches between integer,
# fixed-point and scientific layouts. NaN and inf are left out: the course never prints them.
FLOAT_VALUES = st.one_of(
    st.integers(-1000, 1000).map(float),
    st.floats(-100, 100),
    st.floats(1e-6, 1e6).flatmap(lambda v: st.sampled_from([v, -v])),
).map(lambda v: float(np.float32(v)))          # exact in float32 and float64 alike


@st.composite
def printable_arrays(draw):
    dtype = draw(st.sampled_from(["float32", "float64", "int64", "bool"]))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=6))
    elements = {"int64": st.integers(-10**6, 10**6), "bool": st.booleans()}.get(dtype, FLOAT_VALUES)
    return draw(hnp.arrays(np.dtype(dtype), shape, elements=elements))


@given(array=printable_arrays(), requires_grad=st.booleans(), with_grad_fn=st.booleans())
def test_repr_of_generated_tensors_matches_torch(mg, array, requires_grad, with_grad_fn):
    requires_grad = requires_grad and array.dtype.kind == "f"

    def make(t):
        x = to_tensor(t, array, requires_grad=requires_grad)
        return x * 1 if requires_grad and with_grad_fn else x     # MulBackward0 suffix
    assert repr(make(mg)) == repr(make(torch))
