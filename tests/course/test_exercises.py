"""Every exercise's checks against PyTorch, on the engine chosen with --minigrad (default: solutions).

In the student release this file is what `pytest` runs for the exercises: a failing test prints the same
Chinese verdict as `check(...)` in a notebook, and nothing else (no traceback of the test itself).
A notebook exercise's cell runs alone, as the grader runs it.
"""
from pathlib import Path

import pytest

from coursekit.answers import AnswerNotFound, load_answer
from coursekit.exercises import all_exercises
from coursekit.verdicts import diagnosed_report, verdict


@pytest.mark.parametrize("exercise", all_exercises(), ids=lambda e: e.id)
def test_exercise_matches_pytorch(exercise, mg):
    import torch
    course_root = Path(mg.__file__).resolve().parent.parent
    try:
        answer = load_answer(exercise, course_root, mg) if exercise.answer else None
    except AnswerNotFound as error:
        answer, problem = None, f"❌ {error}"
    else:
        problem = ""
    if problem:                      # outside `except`: no "During handling of the above exception" copy
        pytest.fail(problem, pytrace=False)
    report = diagnosed_report(exercise, mg, torch, answer)
    if not report.passed:
        pytest.fail(verdict(report), pytrace=False)
