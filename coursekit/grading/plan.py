"""What to run for one exercise: every public case and hidden cases drawn at grading time."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import exercises as registry
from ..checks.base import Case, Check
from ..checks.hidden import cases_for
from .child import encode_value


@dataclass(frozen=True)
class PlanItem:
    """One case to run in the child: which check (its index in the exercise, sent to the child), which case."""
    index: int
    check: Check
    case: Case
    hidden: bool

    def request(self) -> dict:
        return {"check": self.index, "args": encode_value(self.case.args)}


def plan(exercise, rng: np.random.Generator) -> list[PlanItem]:
    """Every public case of every check, then the hidden cases drawn now (fresh for each submission)."""
    items = []
    for index, check in enumerate(exercise.checks):
        items += [PlanItem(index, check, case, False) for case in check.cases()]
        items += [PlanItem(index, check, case, True) for case in cases_for(check, rng)]
    return items


def describe_args(args: dict) -> str:
    """The case's arguments in one short Chinese line (arrays: first values, shape, dtype)."""
    parts = []
    for key, value in args.items():
        if isinstance(value, np.ndarray):
            text = np.array2string(value.reshape(-1)[:6], precision=4, separator=", ")
            text = text[:-1] + ", ...]" if value.size > 6 else text
            parts.append(f"{key}={text}（形状 {tuple(value.shape)}，{value.dtype}）")
        else:
            parts.append(f"{key}={value!r}")
    return "，".join(parts)


def chosen_exercises(ids: list[str] | None = None) -> tuple:
    """The exercises to grade: all of the registry, or those named (in registry order)."""
    every = registry.all_exercises()
    if ids is None:
        return every
    wanted = {registry.get(i).id for i in ids}
    return tuple(e for e in every if e.id in wanted)
