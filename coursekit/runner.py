"""Run an exercise's checks in this process: the engine under test against PyTorch.

The grader runs the student's half in a child process instead (coursekit.grading); both meet in
`compare_case`, which compares plain arrays only. A check whose engine side runs past its time limit (default
10 s, $COURSEKIT_TIMEOUT or `timeout=`) stops with status TIMEOUT, naming the function that did not return.
"""
from __future__ import annotations

import os
import re
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterable

from .blame import locate, locate_loop
from .checks.base import Case, Check
from .compare import compare, to_plain
from .exercises import get, requirements

PASSED, FAILED, NOT_IMPLEMENTED, ERROR, TIMEOUT = "passed", "failed", "not_implemented", "error", "timeout"
_EXERCISE_IN_MESSAGE = re.compile(r"练习\s*(\S+?)\s*(?:尚未完成|：|:|$)")
TIMEOUT_ENV, DEFAULT_TIMEOUT = "COURSEKIT_TIMEOUT", 10.0


@dataclass
class CaseResult:
    check: str
    case: str
    status: str
    message: str = ""
    exercise: str | None = None      # for NOT_IMPLEMENTED: whose stub was reached
    function: str = ""               # the engine function that raised, or did not return ("Mul.jvp")
    where: str = ""                  # where a student looks: "minigrad/ops.py 第 97 行（Mul.jvp）"
    culprit: str | None = None       # the exercise whose code is at fault, when known
    diagnosis: str = ""              # Chinese: what went wrong there (e.g. the first wrong node)
    hint: str = ""                   # Chinese: the check's hint for this failure (Check.hint_for)
    rule: str = ""                   # the function the diagnosis found wrong ("Mul.backward"), when it did

    @property
    def ok(self) -> bool:
        return self.status == PASSED


@dataclass
class ExerciseReport:
    exercise: object                 # coursekit.exercises.Exercise
    results: list[CaseResult] = field(default_factory=list)
    culprit_report: "ExerciseReport | None" = None   # a prerequisite that fails and explains this failure
    code: str = ""                   # where the exercise's code is: "minigrad/numdiff.py 中的 central_difference"

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.ok for r in self.results)

    @property
    def first_problem(self) -> CaseResult | None:
        return next((r for r in self.results if not r.ok), None)


# ---------------------------------------------------------------- time limit

class CheckTimedOut(BaseException):
    """Raised in the main thread when a check runs past its time limit (a BaseException, so that the
    student's `except Exception` does not swallow it). args: (seconds, the frames that did not return
    while the stack was sampled: the looping function is the deepest of them)."""


SAMPLES, SAMPLE_GAP = 3, 0.05


def _stack(frame) -> set:
    frames = set()
    while frame is not None:
        frames.add(frame)
        frame = frame.f_back
    return frames


def default_timeout() -> float:
    try:
        return float(os.environ.get(TIMEOUT_ENV) or DEFAULT_TIMEOUT)
    except ValueError:
        return DEFAULT_TIMEOUT


@contextmanager
def time_limit(seconds: float | None):
    """Raise CheckTimedOut in the main thread after `seconds` (in a Jupyter kernel cells run in the main
    thread). With SIGALRM where there is one (Linux, macOS), else with a watchdog thread (Windows).
    In other threads, or with no limit, nothing happens."""
    if not (seconds and seconds > 0 and threading.current_thread() is threading.main_thread()):
        yield
        return
    with (_alarm if hasattr(signal, "setitimer") else _watchdog)(seconds):
        yield


@contextmanager
def _alarm(seconds: float):
    samples: list[set] = []

    def alarm(signum, frame):     # look at the stack a few times: what stays on it did not return
        samples.append(_stack(frame))
        if len(samples) < SAMPLES:
            signal.setitimer(signal.ITIMER_REAL, SAMPLE_GAP)
            return
        raise CheckTimedOut(seconds, set.intersection(*samples))

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def _watchdog(seconds: float):
    """A thread samples the main thread's stack, then interrupts it (as Ctrl-C would): the KeyboardInterrupt
    it causes becomes CheckTimedOut. A student's own Ctrl-C stays a KeyboardInterrupt."""
    import _thread
    import sys
    main, samples = threading.main_thread().ident, []
    finished, fired, lock = threading.Event(), threading.Event(), threading.Lock()

    def watch():
        if finished.wait(seconds):
            return
        for _ in range(SAMPLES):
            samples.append(_stack(sys._current_frames().get(main)))
            if finished.wait(SAMPLE_GAP):
                return
        with lock:
            if not finished.is_set():
                fired.set()
                _thread.interrupt_main()

    watcher = threading.Thread(target=watch, name="coursekit-time-limit", daemon=True)
    watcher.start()
    try:
        yield
    except KeyboardInterrupt as interrupt:
        if fired.is_set():         # keep the interrupted frames: the verdict names the function that looped
            stuck = CheckTimedOut(seconds, set.intersection(*samples))
            raise stuck.with_traceback(interrupt.__traceback__) from None
        raise
    finally:
        with lock:
            finished.set()
    if fired.is_set():            # the check returned just as the limit struck: take the pending interrupt here
        try:
            for _ in range(10 ** 6):
                pass
        except KeyboardInterrupt:
            pass


# ---------------------------------------------------------------- describing an error

def unfinished_exercise(error: BaseException) -> str | None:
    """The exercise id named by a stub's NotImplementedError, if that is what `error` is."""
    if isinstance(error, NotImplementedError):
        match = _EXERCISE_IN_MESSAGE.search(str(error))
        return match.group(1) if match else "?"
    return None


def _locate(error: BaseException, allowed=None):
    if isinstance(error, CheckTimedOut):
        return locate_loop(error, allowed)
    return locate(error, allowed)


def where_it_failed(error: BaseException) -> str:
    """Where the student should look: the deepest frame in an exercise's function (their line), else the
    deepest frame in the engine, as 'minigrad/ops.py 第 42 行（Mul.backward）'."""
    blame = _locate(error)
    return str(blame.spot) if blame and blame.spot else ""


def describe_error(error: BaseException, blame=None) -> str:
    blame = blame or _locate(error)
    text = f"{type(error).__name__}: {error}".strip()
    if blame and blame.text:          # the engine's own message would point at the wrong code
        text = blame.text
    where = str(blame.spot) if blame and blame.spot else ""
    return f"{text}\n    出错位置：{where}" if where else text


def compare_case(check: Check, case: Case, expected: dict, actual: dict) -> CaseResult:
    expected = to_plain(expected)
    problem = compare(expected, actual, check.tolerance)
    if problem is None:
        return CaseResult(check.name, case.label, PASSED)
    return CaseResult(check.name, case.label, FAILED, problem, hint=check.hint_for(case, expected, actual))


def _titled(exercise_id: str) -> str:
    try:
        return f"（{get(exercise_id).title}）"
    except KeyError:
        return ""


def _failed_run(check: Check, case: Case, error: BaseException, allowed=None) -> CaseResult:
    """The result of a probe whose engine side raised (or did not return in time). `allowed`: the
    exercise checked and its prerequisites; a stub of any other exercise was reached by mistake."""
    blame = _locate(error, allowed)
    spot = blame.spot if blame else None
    where, function = (str(spot), getattr(spot, "function", "")) if spot else ("", "")
    if isinstance(error, CheckTimedOut):
        return CaseResult(check.name, case.label, TIMEOUT, f"超过 {error.args[0]:g} 秒没有结束",
                          function=function, where=where, culprit=blame.culprit if blame else None)
    stub = unfinished_exercise(error)
    if stub is not None and (allowed is None or stub in allowed or stub == "?"):
        return CaseResult(check.name, case.label, NOT_IMPLEMENTED, str(error), stub, function=function, where=where)
    if stub is not None and blame and not blame.text:
        blame.text = (f"检查运行到了练习 {stub}{_titled(stub)}的代码，那是后面的练习，现在还用不到它："
                      f"是这道练习的代码让检查走到了那里（出错位置只是去那里的路上）")
        blame.culprit = None      # the frame on the way (given code, a prerequisite) did not choose to go there
    return CaseResult(check.name, case.label, ERROR, describe_error(error, blame), function=function,
                      where=where, culprit=blame.culprit if blame else None, hint=check.hint_for(case))


class Budget:
    """The seconds the engine's side of an exercise's cases may still take (None: no limit)."""

    def __init__(self, seconds: float | None):
        self.seconds = self.total = seconds

    @contextmanager
    def spend(self):
        started = time.perf_counter()
        try:
            with time_limit(max(self.seconds, 1e-3) if self.seconds else None):
                yield
        except CheckTimedOut as error:        # the verdict names the limit the student set, not what was left
            error.args = (self.total, *error.args[1:])
            raise
        finally:
            if self.seconds:
                self.seconds -= time.perf_counter() - started


@contextmanager
def _grad_mode_on(lib):
    """Every case runs with recording on, as a fresh engine starts: a broken no_grad that leaves it off
    must fail its own case, not every case (and prerequisite, and diagnosis) run after it."""
    state = getattr(getattr(lib, "grad_mode", None), "STATE", None)
    if state is not None:
        state.enabled = True
    try:
        yield
    finally:
        if state is not None:
            state.enabled = True


def run_case(check: Check, case: Case, lib, torch, answer=None, allowed=None, budget: Budget | None = None) -> CaseResult:
    """One case: PyTorch's half, then the engine's, stopped when `budget` runs out (only the student's code
    is timed: stopping PyTorch in the middle of one of its lazy imports would break it for good)."""
    expected = check.reference(torch, case.args, answer)
    try:
        with (budget or Budget(None)).spend(), _grad_mode_on(lib):
            actual = to_plain(check.attempt(lib, case.args, answer))
    except (Exception, CheckTimedOut) as error:   # the student's code raised: report it, keep checking
        return _failed_run(check, case, error, allowed)
    return compare_case(check, case, expected, actual)


def exercise_cases(exercise) -> Iterable[tuple[Check, Case]]:
    """Every public case of the exercise's checks, in order (the grader adds hidden ones: grading.grader.plan)."""
    for check in exercise.checks:
        for case in check.cases():
            yield check, case


def _allowed(exercise) -> set[str]:
    return {exercise.id} | requirements(exercise)


def run_exercise(exercise, lib, torch, answer=None, timeout: float | None = None, cases=None) -> ExerciseReport:
    """`cases` ((check, case) pairs; default: the public ones) of `exercise` on engine module `lib`. The
    engine's side of all cases together may take `timeout` seconds (default: default_timeout()); the case running
    when time is up stops with status TIMEOUT, and the run ends there."""
    report, allowed = ExerciseReport(exercise), _allowed(exercise)
    budget = Budget(default_timeout() if timeout is None else timeout)
    for check, case in exercise_cases(exercise) if cases is None else cases:
        report.results.append(run_case(check, case, lib, torch, answer, allowed, budget))
        if report.results[-1].status == TIMEOUT:
            break
    return report
