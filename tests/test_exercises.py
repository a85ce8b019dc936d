"""Every exercise's checks against PyTorch, on the engine chosen with --minigrad (default: solutions).

In the student release this file is what `pytest` runs for the exercises: a failing test prints the same
Chinese verdict as `check(...)` in a notebook.
"""
from pathlib import Path

import pytest

from coursekit.answers import load_answer
from coursekit.exercises import all_exercises
from coursekit.selfcheck import judge_exercise, verdict


@pytest.mark.parametrize("exercise", all_exercises(), ids=lambda e: e.id)
def test_exercise_matches_pytorch(exercise, mg):
    import torch
    course_root = Path(mg.__file__).resolve().parent.parent
    answer = load_answer(exercise, course_root) if exercise.answer else None
    report = judge_exercise(exercise, mg, torch, answer)
    assert report.passed, verdict(report)
