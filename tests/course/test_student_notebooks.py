"""The validator steps student-notebooks and in-order on a toy course: they must catch a failure away from the
exercises, a check cell that cannot fail and a cell that needs an exercise before its check. (On the real
course they run as tests of their own, collected from coursekit/validate.py.)"""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from coursekit.release import Course, release
from coursekit.validate import STEPS

from toy_course import make_toy_course, toy_exercises
from helpers import problem_report

STEP = {step.name: step for step in STEPS}["student-notebooks"]


def _student_cell(course: Course, source_start: str, change) -> None:
    path = course.root / "chapters/01_toy.ipynb"
    notebook = nbformat.read(path, as_version=4)
    change(next(c for c in notebook.cells if c.source.startswith(source_start)))
    nbformat.write(notebook, path)


@pytest.fixture(scope="module")
def executed_toy_template(tmp_path_factory) -> Path:
    """The released toy course, with the outputs its solution notebook really prints (not made-up ones)."""
    from nbclient import NotebookClient
    toy = make_toy_course(tmp_path_factory.mktemp("toy") / "course")
    path = toy.solutions / "chapters/01_toy.ipynb"
    notebook = nbformat.read(path, as_version=4)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTHONPATH", str(toy.root))          # the kernel imports the toy's coursekit
        patch.delenv("MINIGRAD_ROOT", raising=False)       # and the engine beside the notebook
        NotebookClient(notebook, resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(notebook, path)
    release(toy, echo=lambda *_: None)
    return toy.root


@pytest.fixture
def executed_toy(executed_toy_template, tmp_path) -> Course:
    """A fresh copy of the executed toy course, for one test to change."""
    root = shutil.copytree(executed_toy_template, tmp_path / "course")
    return Course(root, toy_exercises())


@pytest.mark.slow
def test_student_notebooks_step_passes_on_the_toy_course(executed_toy):
    problems = STEP.run(executed_toy)
    assert problems == [], problem_report(problems)


@pytest.mark.slow
def test_student_notebooks_step_finds_a_failure_away_from_the_exercises(executed_toy):
    def stale(cell):
        cell.outputs[0].data["text/plain"] = "array([0, 1, 3])"
    _student_cell(executed_toy, "import numpy", stale)
    fixes = problem_report(STEP.run(executed_toy))
    assert "chapters/01_toy.ipynb::Cell 1 fails on the complete engine" in fixes


@pytest.mark.slow
def test_student_notebooks_step_finds_a_check_cell_that_cannot_fail(executed_toy):
    def swallow(cell):
        cell.source = f"try:\n    {cell.source}\nexcept Exception:\n    pass"
    _student_cell(executed_toy, 'check("toy-twice")', swallow)
    fixes = problem_report(STEP.run(executed_toy))
    assert "chapters/01_toy.ipynb::Cell 2 (check 'toy-twice') passes on the student engine" in fixes


@pytest.mark.slow
def test_student_notebooks_step_says_when_nbval_did_not_run(executed_toy):
    (executed_toy.root / "chapters/00_broken.ipynb").write_text("{oops", encoding="utf-8")
    fixes = problem_report(STEP.run(executed_toy))
    assert "pytest --nbval on the complete engine did not run" in fixes
    assert "passes on the student engine" not in fixes          # no verdict on cells from a run that failed


# ------------------------------------------------------------------ in order: one kernel, edits without a restart

IN_ORDER = {step.name: step for step in STEPS}["in-order"]


@pytest.mark.slow
def test_in_order_step_passes_on_the_toy_course(executed_toy):
    """The toy chapter runs with toy-twice stubbed until its check, solved in the file just before it."""
    problems = IN_ORDER.run(executed_toy)
    assert problems == [], problem_report(problems)


@pytest.mark.slow
def test_in_order_step_finds_a_cell_that_needs_an_exercise_before_its_check(executed_toy):
    path = executed_toy.solutions / "chapters/01_toy.ipynb"
    notebook = nbformat.read(path, as_version=4)
    early = nbformat.v4.new_code_cell("import minigrad\nminigrad.twice([1.0, 2.0])", id="too-early")
    notebook.cells.insert(2, early)                  # before check("toy-twice")
    nbformat.write(notebook, path)
    [problem] = IN_ORDER.run(executed_toy)
    assert problem.file == "solutions/chapters/01_toy.ipynb"
    assert "code cell 1 fails when the chapter runs in order (it reached the stub of toy-twice)" in problem.fix
