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
