"""Hidden cases, drawn at grading time (instructor only: the student release has no such file).

A hidden case keeps the structure of a public case (shapes, dtypes, which function, which dim) and
draws fresh values, so an engine that hard-codes answers to the public inputs earns nothing.
"""
from __future__ import annotations

import numpy as np

from .base import Case, Check

### BEGIN HIDDEN TESTS
HIDDEN_PER_PUBLIC_CASE = 2


def redraw(array: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Fresh values near `array`: same shape, dtype and signs, each scaled by a factor in [0.8, 1.25]."""
    if array.dtype.kind != "f":
        return array
    values = np.array(array * rng.uniform(0.8, 1.25, size=array.shape))
    zeros = array == 0
    values[zeros] = rng.uniform(-0.5, 0.5, size=int(zeros.sum()))
    return values.astype(array.dtype)


def redraw_near_one(array: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For x multiplied by itself 2^12 times: stay within 1e-3 of 1, or the result overflows."""
    return (1 + rng.uniform(-1e-3, 1e-3, size=array.shape)).astype(array.dtype)


SPECIAL = {"each node runs once": redraw_near_one}


def redraw_case(case: Case, rng: np.random.Generator, index: int, fresh=redraw) -> Case:
    args = {k: fresh(v, rng) if isinstance(v, np.ndarray) else v for k, v in case.args.items()}
    return Case(f"隐藏用例 {index}（输入形状同「{case.label}」，数值在评分时重新抽取）", args)


def cases_for(check: Check, rng: np.random.Generator) -> list[Case]:
    fresh = SPECIAL.get(check.name, redraw)
    return [redraw_case(case, rng, i + 1, fresh)
            for case in check.cases() for i in range(HIDDEN_PER_PUBLIC_CASE)]
### END HIDDEN TESTS
