"""Helpers shared by the maintainers' tests (tests/ is on sys.path: `from helpers import ...`)."""
from __future__ import annotations

from pathlib import Path

import torch

from tolerances import assert_same

ROOT = Path(__file__).resolve().parent.parent      # the course repository


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
