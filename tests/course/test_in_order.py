"""A student works through the chapters in order: every chapter that uses the engine (01-08, 10) runs in ONE kernel, starting
on the engine with only the earlier chapters' exercises solved. Before each check cell of its own
exercises, the solution regions (taken from solutions/minigrad) are written into the engine files, the
check must have failed before and passes after (its stored ✅ verdict), and every later cell prints its
reference output without a kernel restart (coursekit.live). This is the validator step `in-order`
(coursekit/notebook_runs.py); the toy-course tests that it catches a misplaced cell are in
test_student_notebooks.py, beside the executed toy course they share."""
from __future__ import annotations

from pathlib import Path

import pytest

from coursekit.release import Course
from coursekit.validate import STEPS

from helpers import problem_report

ROOT = Path(__file__).resolve().parents[2]
STEP = {step.name: step for step in STEPS}["in-order"]


@pytest.mark.slow
def test_every_chapter_runs_in_order_with_live_edits_and_no_restart():
    problems = STEP.run(Course(ROOT))
    assert problems == [], problem_report(problems)
