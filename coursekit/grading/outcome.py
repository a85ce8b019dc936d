"""What grading found, per exercise and per submission (rendered by results.py and feedback.py)."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..runner import CaseResult

RULE = ("评分规则：每道练习只有在全部公开用例和全部隐藏用例（评分时随机生成的新输入）上都与 PyTorch 一致时"
        "才得到该题的全部分数，否则得 0 分。")
NOT_RUN = "未运行"                 # the message of cases a time-out or crash kept from running


@dataclass
class ExerciseOutcome:
    exercise: object                              # coursekit.exercises.Exercise
    results: list[CaseResult] = field(default_factory=list)
    hidden: list[bool] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)   # a short description of each case's arguments
    problem: str = ""                             # what stopped the whole exercise (time limit, crash, torch...)
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problem and bool(self.results) and all(r.ok for r in self.results)

    @property
    def score(self) -> int:
        return self.exercise.points if self.passed else 0

    @property
    def failures(self) -> list[tuple[CaseResult, bool, str]]:
        return [(r, h, i) for r, h, i in zip(self.results, self.hidden, self.inputs) if not r.ok]


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
