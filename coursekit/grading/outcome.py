"""What grading found, per exercise and per submission, as data (results.py, feedback.py and report.py
render it: results.json carries each exercise's first failure, which the class report counts)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..runner import NOT_IMPLEMENTED, CaseResult

RULE = ("评分规则：每道练习只有在全部公开用例和全部隐藏用例（评分时随机生成的新输入）上都与 PyTorch 一致时"
        "才得到该题的全部分数，否则得 0 分。")
NOT_RUN = "未运行"                 # the message of cases a time-out or crash kept from running
MAX_ERROR = 300                   # characters of an error kept in a first failure

CASE, PROBLEM, UNFINISHED = "case", "problem", "unfinished"


@dataclass(frozen=True)
class FirstFailure:
    """The first thing that failed in one exercise, as results.json's test `extra_data` stores it."""
    kind: str                 # CASE (a case gave a wrong answer or raised), PROBLEM (time-out, crash, no
                              # notebook...: the whole exercise stopped), UNFINISHED (a stub was reached)
    error: str                # what went wrong, one line: the case's message, or the problem
    check: str = ""           # CASE: the check's name
    case: str = ""            # CASE: the case's label; a hidden case: the public case it was redrawn from
    hidden: bool = False      # CASE: a hidden case (inputs drawn at grading time)
    node: str = ""            # the engine function that raised ("Mul.jvp"), when known
    exercise: str = ""        # UNFINISHED: the exercise whose unfinished code the checks reached

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data) -> "FirstFailure | None":
        """From results.json (a dict of strings); None for anything else."""
        if not isinstance(data, dict) or data.get("kind") not in (CASE, PROBLEM, UNFINISHED):
            return None
        text = {k: str(data.get(k) or "") for k in ("kind", "error", "check", "case", "node", "exercise")}
        return cls(**text, hidden=data.get("hidden") is True)


def _line(text: str) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first if len(first) <= MAX_ERROR else first[:MAX_ERROR - 1] + "…"


@dataclass(frozen=True)
class GradedCase:
    """One case as graded: its result, and what the feedback tells about it."""
    result: CaseResult
    hidden: bool = False      # drawn at grading time (coursekit/checks/hidden.py), not one of the public cases
    inputs: str = ""          # a short description of the case's arguments
    twin: str = ""            # a hidden case redrawn from a public one: that public case's label


@dataclass
class ExerciseOutcome:
    exercise: object                              # coursekit.exercises.Exercise
    cases: list[GradedCase] = field(default_factory=list)
    problem: str = ""                             # what stopped the whole exercise (time limit, crash, torch...)
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problem and bool(self.cases) and all(c.result.ok for c in self.cases)

    @property
    def score(self) -> int:
        return self.exercise.points if self.passed else 0

    @property
    def failures(self) -> list[GradedCase]:
        """The cases that failed, those a time-out or crash kept from running included."""
        return [c for c in self.cases if not c.result.ok]

    @property
    def unfinished(self) -> CaseResult | None:
        """The first failure when every case that ran stopped at unfinished code (a stub), else None."""
        ran = [c.result for c in self.failures if c.result.message != NOT_RUN]
        return ran[0] if ran and all(r.status == NOT_IMPLEMENTED for r in ran) else None

    @property
    def waiting_on(self) -> str:
        """When unfinished: another exercise whose unfinished code the checks reached, else ""."""
        stub = self.unfinished
        return stub.exercise if stub and stub.exercise not in (None, "?", self.exercise.id) else ""

    @property
    def first_failure(self) -> FirstFailure | None:
        if self.passed:
            return None
        if self.problem:
            return FirstFailure(PROBLEM, _line(self.problem))
        stub = self.unfinished
        if stub is not None:
            return FirstFailure(UNFINISHED, _line(stub.message), exercise=self.waiting_on, node=stub.function)
        for case in self.failures:
            result = case.result
            if result.message != NOT_RUN:
                return FirstFailure(CASE, _line(result.message), result.check, case.twin or result.case, case.hidden,
                                    result.function)
        return FirstFailure(PROBLEM, "没有运行任何用例")


@dataclass
class Graded:
    name: str
    hash: str
    outcomes: list[ExerciseOutcome]
    notes: list[str] = field(default_factory=list)    # about the submission as a whole
    seconds: float = 0.0
    unreadable: str = ""                              # the upload itself could not be read: why

    @property
    def score(self) -> int:
        return sum(o.score for o in self.outcomes)

    @property
    def max_score(self) -> int:
        return sum(o.exercise.points for o in self.outcomes)
