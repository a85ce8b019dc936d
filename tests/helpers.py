"""Helpers shared by the maintainers' tests (tests/ is on sys.path: `from helpers import ...`).

When is minigrad's number "the same" as PyTorch's (`assert_same`)? Shapes and dtypes must match exactly, and
so must integer and boolean values. Floating-point values match under coursekit.compare's table (TOLERANCE,
with its reasons), with one difference for the differential tests: atol is scaled by
scale = max(1, max finite |expected|), because an element that is the difference of large numbers (a sum with
cancellation, a matmul entry near 0) carries an absolute error of the order of the large numbers, not of
itself. Infinities and NaNs must stand at the same places with the same signs. Numerical differentiation is
compared to exact derivatives with its own, wider bounds, stated where it is used (engine/test_numdiff.py).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from coursekit.compare import tolerance_for

ROOT = Path(__file__).resolve().parent.parent      # the course repository


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
    rtol, atol = tolerance_for(expected.dtype)
    finite = np.abs(expected[np.isfinite(expected)])      # ±inf and NaN must match where they stand
    scale = max(1.0, float(finite.max())) if finite.size else 1.0
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol * scale, err_msg=what)


def both(mg, program):
    """`program(lib)` run with minigrad, then with torch: (minigrad's result, torch's result)."""
    return program(mg), program(torch)


def outcome(fn):
    """What running `fn` shows: its result, or the error as 'Type: message'."""
    try:
        return fn()
    except Exception as e:  # noqa: BLE001  (the error itself is what is compared)
        return f"{type(e).__name__}: {e}"


def assert_both_same(mg, probe):
    """Run `probe(lib)` with minigrad and with torch; every returned value must be the same."""
    actual, expected = both(mg, probe)
    assert len(actual) == len(expected)
    for i, (a, e) in enumerate(zip(actual, expected)):
        if isinstance(e, (bool, str, type(None))):
            assert a == e, f"result #{i}: {a!r}, torch gives {e!r}"
        else:
            assert_same(a, e, f"result #{i}")


def problem_report(problems) -> str:
    """The validator's problems, one 'file: fix' line each (an assertion message)."""
    return "\n".join(f"{p.file}: {p.fix}" for p in problems)


def broken_engine(folder: Path, edits=(), stubs=("none",), rewrite=None) -> Path:
    """The solutions' engine in `folder`, with the exercises `stubs` stubbed, `rewrite(file, text)` applied to
    every file (when given) and then the text `edits` (file, old, new)."""
    from coursekit.release.build import build_minigrad, write_files
    from coursekit.release.course import Course
    write_files(build_minigrad(Course(ROOT), only=set(stubs)), folder)
    if rewrite is not None:
        for path in (folder / "minigrad").rglob("*.py"):
            path.write_text(rewrite(path.relative_to(folder / "minigrad").as_posix(), path.read_text(encoding="utf-8")),
                            encoding="utf-8")
    for file, old, new in edits:
        path = folder / "minigrad" / file
        text = path.read_text(encoding="utf-8")
        assert old in text, (file, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder
