"""dtypes as torch infers and promotes them: tensor() from Python and numpy scalars, dtype=float,
float results of bool/int inputs, promotion between bool, int and float tensors, // and %."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

from strategies import dtype_name
from helpers import assert_same


def name(dtype) -> str:
    return str(dtype).replace("torch.", "")


@pytest.mark.parametrize("make", [
    lambda t: t.tensor([1.0], dtype=float),
    lambda t: t.tensor([np.float64(1), 2.0]),
    lambda t: t.tensor(np.float64(1)),
    lambda t: t.tensor([np.float32(1), 2.0]),
    lambda t: t.tensor([np.int32(1), 2]),
    lambda t: t.tensor([np.int32(1), 2.5]),
    lambda t: t.tensor([True, 2]),
    lambda t: t.tensor([[1, 2], [3, 4.5]]),
    lambda t: t.tensor([]),
    lambda t: t.tensor([[True], [False]]),
    lambda t: t.zeros(2, dtype=float),
    lambda t: t.ones(2).to(float),
], ids=lambda f: "")
def test_tensor_dtype_inference_matches_torch(mg, make):
    assert_same(make(mg), make(torch))


SCALARS = st.one_of(st.booleans(), st.integers(-3, 3), st.floats(-2, 2, width=32),
                    st.floats(-2, 2).map(np.float64), st.floats(-2, 2, width=32).map(np.float32),
                    st.integers(-3, 3).map(np.int32), st.integers(-3, 3).map(np.int64))


@given(rows=st.integers(1, 3), cols=st.integers(1, 3), data=st.data())
def test_nested_lists_of_mixed_scalars_infer_torchs_dtype(mg, rows, cols, data):
    values = [[data.draw(SCALARS) for _ in range(cols)] for _ in range(rows)]
    assert_same(mg.tensor(values), torch.tensor(values))


UNARY = ["exp", "log", "sin", "cos", "tanh", "sigmoid", "sqrt"]
INPUTS = {"bool": [True, False], "int64": [1, 2, 4], "int32": np.array([1, 2], np.int32)}


@pytest.mark.parametrize("op", UNARY)
@pytest.mark.parametrize("kind", sorted(INPUTS))
def test_float_functions_of_bool_and_int_tensors_are_float32(mg, op, kind):
    def run(t):
        return getattr(t.tensor(INPUTS[kind]), op)()
    assert_same(run(mg), run(torch))


PROMOTION = st.sampled_from([("bool", [True, False]), ("int64", [3, -2]), ("float32", [1.5, -2.0]),
                             ("float64", [0.25, 4.0])])


@given(left=PROMOTION, right=PROMOTION, op=st.sampled_from(["+", "*", "-", "/", "==", "<"]))
def test_binary_promotion_of_bool_int_and_float_tensors(mg, left, right, op):
    assume(not (op == "-" and "bool" in (left[0], right[0])))     # torch refuses to subtract bools

    def run(t):
        a = t.tensor(left[1], dtype=getattr(t, left[0]))
        b = t.tensor(right[1], dtype=getattr(t, right[0]))
        return eval(f"a {op} b")
    actual, expected = run(mg), run(torch)
    assert dtype_name(mg, actual.dtype) == dtype_name(torch, expected.dtype)
    assert_same(actual, expected)


@pytest.mark.parametrize("a,b", [([-7, 7, -7, 7], [2, 2, -2, -2]), ([-7.5, 7.5, 0.0], [2.0, -2.0, 3.0]),
                                 ([-7, 7], 2), (7, [2, -2]), ([5, -5], 2.5)])
@pytest.mark.parametrize("op", ["//", "%"])
def test_floor_divide_and_remainder_follow_pythons_signs(mg, a, b, op):
    def run(t):
        x = t.tensor(a) if isinstance(a, list) else a
        y = t.tensor(b) if isinstance(b, list) else b
        return eval(f"x {op} y")
    assert_same(run(mg), run(torch))


def test_integer_division_by_zero_raises_like_torch(mg):
    for t in (mg, torch):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            t.tensor([1, 2]) // t.tensor([1, 0])


def test_type_names_and_conversions(mg):
    for values in ([1.0], [1], [True], np.array([1.0])):
        assert mg.tensor(values).type() == torch.tensor(values).type()
    assert_same(mg.tensor([1.5]).type(mg.int64), torch.tensor([1.5]).type(torch.int64))
    assert_same(mg.tensor([1.5]).type("torch.DoubleTensor"), torch.tensor([1.5]).type("torch.DoubleTensor"))
    with pytest.raises(TypeError, match="dtype must be a type, str, or dtype object"):
        mg.tensor([1.0]).type(5)
    assert name(mg.tensor([1.0]).dtype) == "float32"
