"""The validator's steps on a toy course (each must catch what it is there to catch), and the command.

On the real course the steps run as tests of their own, collected from coursekit/validate.py by
coursekit/validate_plugin.py (see testpaths in pyproject.toml)."""
from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from coursekit import validate
from coursekit.checks.base import Check
from coursekit.release import Course, release
from coursekit.validate import STEPS

from helpers import problem_report
from toy_course import make_toy_course

ROOT = Path(__file__).resolve().parents[2]
STEP = {step.name: step for step in STEPS}


# ------------------------------------------------------------------ the toy course: each step can fail

@pytest.fixture
def toy(tmp_path) -> Course:
    course = make_toy_course(tmp_path / "course")
    release(course, echo=lambda *_: None)
    return course


@pytest.mark.parametrize("name", ["registry", "solutions-pass", "stubs-fail", "release-current", "no-leaks",
                                  "mirror"])
def test_a_consistent_toy_course_passes(toy, name):
    problems = STEP[name].run(toy)
    assert problems == [], problem_report(problems)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_registry_step_finds_a_missing_region_and_an_unregistered_id(toy):
    _edit(toy.solutions / "minigrad/ops.py", "SOLUTION toy-twice", "SOLUTION toy-thrice")
    fixes = problem_report(STEP["registry"].run(toy))
    assert "'toy-thrice' is not in the registry" in fixes
    assert "solutions/minigrad/ops.py: no region of exercise toy-twice" in fixes


def test_registry_step_reports_a_misplaced_region_with_its_line(toy):
    _edit(toy.solutions / "minigrad/ops.py", '"""Toy ops."""\n',
          '"""Toy ops."""\n### BEGIN SOLUTION toy-twice\nX = 1\n### END SOLUTION\n')
    [problem] = [p for p in STEP["registry"].run(toy) if "module or class level" in p.fix]
    assert problem.file == "solutions/minigrad/ops.py:2"


def test_registry_step_wants_checks_and_points_for_every_exercise(toy):
    twice = toy.get("toy-twice")
    toy.exercises = (dataclasses.replace(twice, points=0, checks=()), toy.get("toy-square"))
    fixes = problem_report(STEP["registry"].run(toy))
    assert "toy-twice: needs checks" in fixes and "toy-twice: give it a positive number of points" in fixes


def test_registry_step_wants_the_functions_students_write_listed_exactly():
    """`functions` let verdicts find a student's function whose `# 练习` comment was deleted."""
    course = Course(ROOT)
    vjp = course.get("2.1-vjp")
    shown = dataclasses.replace(vjp, functions=vjp.functions[:-1])               # Sin.backward left out
    course.exercises = tuple(shown if e.id == "2.1-vjp" else e for e in course.exercises)
    [problem] = STEP["registry"].run(course)
    assert problem.file == "coursekit/exercises.py" and "2.1-vjp: functions= must list" in problem.fix
    assert "minigrad/ops.py:Sin.backward" in problem.fix


def test_solutions_step_finds_a_wrong_solution(toy):
    _edit(toy.solutions / "minigrad/ops.py", "np.asarray(x) * 2", "np.asarray(x) * 3")
    [problem] = STEP["solutions-pass"].run(toy)
    assert problem.file == "solutions/minigrad/ops.py" and "toy-twice" in problem.fix


def test_stubs_step_finds_a_check_that_passes_without_the_exercise(toy):
    twice = toy.get("toy-twice")
    blind = Check("ignores the engine", lambda lib, x: {"2x": 2 * x}, twice.checks[0].cases,
                  ref=lambda torch, x: {"2x": 2 * x})
    toy.exercises = (dataclasses.replace(twice, checks=twice.checks + (blind,)), toy.get("toy-square"))
    [problem] = STEP["stubs-fail"].run(toy)
    assert "'ignores the engine' passes even with the exercise stubbed" in problem.fix


def test_release_step_finds_a_stale_student_version(toy):
    (toy.root / "minigrad/ops.py").write_text("edited\n", encoding="utf-8")
    (toy.root / "chapters/01_toy.ipynb").unlink()
    (toy.root / "minigrad/extra.py").write_text("", encoding="utf-8")
    found = {p.file: p.fix for p in STEP["release-current"].run(toy)}
    assert set(found) == {"minigrad/ops.py", "chapters/01_toy.ipynb", "minigrad/extra.py"}
    assert all("python -m coursekit release" in fix for fix in found.values())


def test_leak_step_finds_solution_text_and_markers_in_the_student_repository(toy, monkeypatch):
    leaky = {"minigrad/ops.py": (toy.solutions / "minigrad/ops.py").read_bytes()}
    monkeypatch.setattr(validate, "build_repository", lambda course: leaky)
    fixes = problem_report(STEP["no-leaks"].run(toy))
    assert "'### BEGIN SOLUTION' left in the student version" in fixes
    assert "contains solution or hidden-test text from solutions/minigrad/ops.py" in fixes
    assert "SECRET_INPUTS" in fixes      # the hidden region's text is found too


@pytest.mark.parametrize("shown, found", [
    ("    ### BEGIN SOLUTION toy-twice", "an output shows '### BEGIN SOLUTION'"),
    ("---> 9     doubled = np.asarray(x) * 2", "an output shows solution code from solutions/minigrad/ops.py"),
    ("File /home/teacher/course/minigrad/ops.py:9, in twice(x)", "an output shows the absolute path '/home/teacher/"),
    ("File C:\\Users\\teacher\\ops.py:9", "an output shows the absolute path 'C:"),
])
def test_leak_step_finds_a_stored_traceback_in_any_notebook_output(toy, shown, found):
    path = toy.solutions / "chapters/01_toy.ipynb"
    notebook = nbformat.read(path, as_version=4)
    cell = next(c for c in notebook.cells if c.source.startswith("import numpy"))
    cell.outputs = [nbformat.v4.new_output("error", ename="ValueError", evalue="bad", traceback=["Traceback", shown])]
    nbformat.write(notebook, path)
    problems = STEP["no-leaks"].run(toy)        # the solution notebook, and the release built from it
    assert {p.file for p in problems if found in p.fix} == {"solutions/chapters/01_toy.ipynb",
                                                            "release: chapters/01_toy.ipynb"}
    release(toy, echo=lambda *_: None)          # now also in the committed student notebook
    problems = STEP["no-leaks"].run(toy)
    assert {p.file for p in problems if found in p.fix} == {"solutions/chapters/01_toy.ipynb", "chapters/01_toy.ipynb",
                                                            "release: chapters/01_toy.ipynb"}


def test_mirror_step_finds_a_missing_paragraph(toy):
    path = toy.solutions / "chapters/01_toy.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[2].source = "改写过的段落。"
    nbformat.write(notebook, path)
    [problem] = STEP["mirror"].run(toy)
    assert problem.file == "text/2.1_autodiff.md:3" and "missing" in problem.fix


@pytest.mark.slow
def test_nbval_step_names_the_cell_whose_stored_output_is_stale(toy):
    path = toy.solutions / "chapters/01_toy.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[3].outputs[0].data["text/plain"] = "array([0, 1, 3])"
    nbformat.write(notebook, path)
    found = {p.fix.split(" - ")[0] for p in STEP["nbval"].run(toy)}
    assert "FAILED solutions/chapters/01_toy.ipynb::Cell 3" in found


@pytest.mark.slow
def test_student_repo_step_passes_on_the_toy_course(toy):
    assert STEP["student-repo"].run(toy) == []


# ------------------------------------------------------------------ the command

def _validate_cli(course: Course, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "coursekit", "validate", "--root", str(course.root), *args],
                          cwd=course.root, capture_output=True, text=True)


def test_cli_prints_a_line_per_step_and_exits_0_when_consistent(toy):
    done = _validate_cli(toy, "--step", "registry", "--step", "release-current")
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"validate::registry::course +ok", done.stdout)
    assert re.search(r"validate::release-current::course +ok", done.stdout)
    assert "mirror" not in done.stdout          # only the steps asked for


def test_cli_skips_the_slow_steps_when_asked(toy):
    done = _validate_cli(toy, "--step", "registry", "--step", "stubs-fail", "--skip-slow")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "registry::course ok" in done.stdout and "stubs-fail" not in done.stdout


def test_cli_exits_1_and_says_what_to_do_when_a_step_fails(toy):
    (toy.root / "minigrad/ops.py").write_text("edited\n", encoding="utf-8")
    done = _validate_cli(toy, "--step", "release-current")
    assert done.returncode == 1
    assert re.search(r"release-current::course +FAIL", done.stdout) and "minigrad/ops.py" in done.stdout
    assert "run `python -m coursekit release`" in done.stdout
    assert "Traceback" not in done.stdout and "raise StepProblems" not in done.stdout   # problems, not Python


def test_cli_exits_2_on_a_malformed_notebook_naming_it(toy):
    (toy.solutions / "chapters/00_broken.ipynb").write_text("{oops", encoding="utf-8")
    done = _validate_cli(toy, "--step", "mirror")
    assert done.returncode == 2
    assert re.search(r"mirror::course +ERROR", done.stdout)
    assert "solutions/chapters/00_broken.ipynb: not valid JSON" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr and "raise" not in done.stdout


def test_cli_exits_2_on_an_unknown_step(toy):
    done = _validate_cli(toy, "--step", "nope")
    assert done.returncode == 2 and "unknown validation step" in done.stderr
