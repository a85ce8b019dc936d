"""What a check is: a probe run once with the engine under test and once with PyTorch."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class Case:
    """One input of a probe: plain data only (numpy arrays, numbers, strings), so it can cross a pipe."""
    label: str                       # what a student reads, e.g. "mul: (3,) * (3,) float32"
    args: dict[str, Any] = field(default_factory=dict)
    like: str = ""                   # a hidden case with the shapes of a public one: that case's label
    hint: str = ""                   # Chinese: the mistake this case is built to expose (else the check's hint)


@dataclass(frozen=True)
class Check:
    """`run(lib, **args)` returns a dict of array-likes; `lib` is minigrad (student) or torch (reference).

    `ref(torch, **args)` replaces `run` on the reference side when minigrad's API has no torch twin.
    `cases()` gives the public cases; coursekit.checks.hidden draws more at grading time (instructor only),
    found by `key`: a stable name for tools (the Chinese `name` is what students read, and may change).
    With `answer=True` the probe also receives the student's notebook function: run(lib, answer, **args).
    """
    name: str
    run: Callable[..., dict]
    cases: Callable[[], list[Case]]
    ref: Callable[..., dict] | None = None
    answer: bool = False
    hint: str = ""                   # Chinese, shown when the check fails
    hints: Callable[[dict, dict], str] | None = None   # (expected, actual) -> the hint their difference
                                     # points at (e.g. twice the answer: the denominator), "" when none does
    functions: tuple[str, ...] = ()  # the exercise's functions this check runs ("Mul.jvp"); () = all of them
    tolerance: tuple[float, float] | None = None   # (rtol, atol) instead of coursekit.compare's policy
    key: str = ""                    # e.g. "vjp.mul"; every registered check has one (tests/coursekit/test_runner.py)

    def hint_for(self, case: Case, expected: dict | None = None, actual: dict | None = None) -> str:
        """The hint for a failing case: what the values show, else what the case is built to expose, else
        the check's own hint."""
        if self.hints is not None and expected is not None and actual is not None:
            try:
                found = self.hints(expected, actual)
            except Exception:                    # noqa: BLE001 - a value it cannot read: the other hints
                found = ""
            if found:
                return found
        return case.hint or self.hint

    def reference(self, torch, args: dict, answer=None) -> dict:
        if self.ref is not None:
            return self.ref(torch, **args)
        return self.run(torch, answer, **args) if self.answer else self.run(torch, **args)

    def attempt(self, lib, args: dict, answer=None) -> dict:
        return self.run(lib, answer, **args) if self.answer else self.run(lib, **args)
