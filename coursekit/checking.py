"""Run an exercise's checks in this process: the engine under test against PyTorch.

The grader runs the student's half in a child process instead (coursekit.grading); both meet in
`judge`, which compares plain arrays only.
"""
from __future__ import annotations

import re
import traceback
from dataclasses import dataclass, field
from typing import Iterable

from .checks.base import Case, Check
from .compare import compare, to_plain

PASSED, FAILED, NOT_IMPLEMENTED, ERROR = "passed", "failed", "not_implemented", "error"
_EXERCISE_IN_MESSAGE = re.compile(r"练习\s*(\S+?)\s*(?:尚未完成|：|:|$)")


@dataclass
class CaseResult:
    check: str
    case: str
    status: str
    message: str = ""
    exercise: str | None = None      # for NOT_IMPLEMENTED: whose stub was reached

    @property
    def ok(self) -> bool:
        return self.status == PASSED


@dataclass
class ExerciseReport:
    exercise: object                 # coursekit.exercises.Exercise
    results: list[CaseResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.ok for r in self.results)

    @property
    def first_problem(self) -> CaseResult | None:
        return next((r for r in self.results if not r.ok), None)


def unfinished_exercise(error: BaseException) -> str | None:
    """The exercise id named by a stub's NotImplementedError, if that is what `error` is."""
    if isinstance(error, NotImplementedError):
        match = _EXERCISE_IN_MESSAGE.search(str(error))
        return match.group(1) if match else "?"
    return None


def where_it_failed(error: BaseException) -> str:
    """The deepest frame inside the student's minigrad, as 'minigrad/ops.py 第 42 行'."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if "minigrad" in f.filename.replace("\\", "/")]
    if not frames:
        return ""
    frame = frames[-1]
    path = frame.filename.replace("\\", "/")
    return f"{path[path.rfind('minigrad/'):]} 第 {frame.lineno} 行（{frame.name}）"


def describe_error(error: BaseException) -> str:
    where = where_it_failed(error)
    text = f"{type(error).__name__}: {error}".strip()
    return f"{text}\n    出错位置：{where}" if where else text


def judge(check: Check, case: Case, expected: dict, actual: dict) -> CaseResult:
    problem = compare(to_plain(expected), actual, check.tolerance)
    if problem is None:
        return CaseResult(check.name, case.label, PASSED)
    return CaseResult(check.name, case.label, FAILED, problem)


def run_case(check: Check, case: Case, lib, torch, answer=None) -> CaseResult:
    expected = check.reference(torch, case.args, answer)
    try:
        actual = to_plain(check.attempt(lib, case.args, answer))
    except NotImplementedError as error:
        return CaseResult(check.name, case.label, NOT_IMPLEMENTED, str(error), unfinished_exercise(error))
    except Exception as error:       # the student's code raised: report it, keep checking
        return CaseResult(check.name, case.label, ERROR, describe_error(error))
    return judge(check, case, expected, actual)


def exercise_cases(exercise, rng=None) -> Iterable[tuple[Check, Case]]:
    for check in exercise.checks:
        for case in check.cases():
            yield check, case
        if rng is not None:
            for case in check.hidden(rng):
                yield check, case


def run_exercise(exercise, lib, torch, answer=None, rng=None) -> ExerciseReport:
    """All checks of `exercise` on engine module `lib`; hidden cases too when `rng` is given."""
    report = ExerciseReport(exercise)
    for check, case in exercise_cases(exercise, rng):
        report.results.append(run_case(check, case, lib, torch, answer))
    return report
