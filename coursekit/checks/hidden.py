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
    """Fresh values like `array`: same shape and dtype, same sign pattern class (positive stays positive)."""
    if array.dtype.kind != "f":
        return array
    magnitude = rng.uniform(0.5, 2.0, size=array.shape)
    if (array > 0).all():
        values = magnitude
    else:
        values = magnitude * rng.choice([-1.0, 1.0], size=array.shape)
    return values.astype(array.dtype)


def redraw_case(case: Case, rng: np.random.Generator, index: int) -> Case:
    args = {k: redraw(v, rng) if isinstance(v, np.ndarray) else v for k, v in case.args.items()}
    return Case(f"{case.label}（隐藏用例 {index}）", args)


def cases_for(check: Check, rng: np.random.Generator) -> list[Case]:
    return [redraw_case(case, rng, i + 1)
            for case in check.cases() for i in range(HIDDEN_PER_PUBLIC_CASE)]
### END HIDDEN TESTS
