"""Notebooks run under nbval, and what the student notebooks must do there.

Run on the complete engine (solutions/), a student notebook fails exactly at the cells that call one of
its own unfinished notebook exercises. Run on the student engine (all stubs), every check cell of an
engine exercise fails. So a student who finishes everything sees every cell pass, and one who has not
sees the failure where the exercise is, not somewhere else.
"""
from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .engine import ENV_VAR
from .release.course import Course, read_notebook
from .release.notebook_steps import checked_ids, is_solution_cell, nbgrader

Cell = tuple[str, int]          # (notebook path relative to the course root, nbval's code-cell number)


@dataclass
class NbvalRun:
    returncode: int
    failed: list[str]           # pytest's "FAILED <path>::Cell N - ..." lines
    output: str

    @property
    def cells(self) -> set[Cell]:
        found = set()
        for line in self.failed:
            match = re.match(r"(?:FAILED|ERROR) (\S+?)::Cell (\d+)", line)
            if match:
                found.add((match[1], int(match[2])))
        return found


def run_nbval(course: Course, folder: str, engine: Path | None = None) -> NbvalRun:
    """`pytest --nbval` on `folder` (relative to the course root), with `engine` as MINIGRAD_ROOT."""
    command = [sys.executable, "-m", "pytest", "-q", "--color=no", "-p", "no:cacheprovider", "-o", "addopts=",
               "--nbval", "--nbval-current-env", "--nbval-sanitize-with", "tests/nbval_sanitize.cfg", folder]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(course.root), os.environ.get("PYTHONPATH")]))}
    if engine is not None:
        env[ENV_VAR] = str(engine)
    done = subprocess.run(command, cwd=course.root, capture_output=True, text=True, env=env)
    output = re.sub(r"\x1b\[[0-9;]*m", "", done.stdout)          # nbval colours its messages
    failed = [line for line in output.splitlines() if line.startswith(("FAILED ", "ERROR "))]
    return NbvalRun(done.returncode, failed, output)


def _loaded_names(source: str) -> set[str]:
    """Names a cell reads; IPython magics (%..., !...) are left out, unparsable cells read nothing."""
    python = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    try:
        tree = ast.parse(python)
    except SyntaxError:
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


def _code_cells(course: Course, notebook: str) -> list:
    path = course.root / notebook
    return [c for c in read_notebook(path, notebook).cells if c.cell_type == "code"]


def cells_using_stubs(course: Course) -> dict[Cell, str]:
    """The student notebooks' code cells that call a notebook exercise's function after its stub cell."""
    found = {}
    for exercise in course.exercises:
        if not exercise.answer:
            continue
        notebook = exercise.where                  # a notebook exercise's `where` is its student notebook
        stub_seen = False
        for number, cell in enumerate(_code_cells(course, notebook)):
            if is_solution_cell(cell) and nbgrader(cell).get("grade_id") == exercise.id:
                stub_seen = True
            elif stub_seen and exercise.answer in _loaded_names(cell.source):
                found[(notebook, number)] = exercise.id
    return found


def engine_check_cells(course: Course) -> dict[Cell, str]:
    """The student notebooks' `check("<id>")` cells of engine exercises."""
    engine_ids = {e.id for e in course.exercises if not e.answer}
    found = {}
    for path in sorted((course.root / "chapters").glob("*.ipynb")):
        notebook = course.relative(path)
        for number, cell in enumerate(_code_cells(course, notebook)):
            for exercise_id in checked_ids(cell.source):
                if exercise_id in engine_ids:
                    found[(notebook, number)] = exercise_id
    return found


def _cell_name(cell: Cell) -> str:
    return f"{cell[0]}::Cell {cell[1]}"


def _did_not_run(run: NbvalRun, engine: str) -> list[tuple[str, str]]:
    """A problem when pytest stopped before reporting cells (exit 2+, or exit 1 without a FAILED line)."""
    if run.returncode == 0 or (run.returncode == 1 and run.failed):
        return []
    return [("chapters", f"pytest --nbval on the {engine} engine did not run (exit {run.returncode}): "
                         f"{run.output[-500:]}")]


def student_notebook_problems(course: Course) -> list[tuple[str, str]]:
    """(file, what is wrong and what to do) for the two runs described at the top of this module."""
    course.require("chapters")
    with ThreadPoolExecutor(2) as pool:            # the two runs are independent: run them side by side
        runs = [pool.submit(run_nbval, course, "chapters", engine) for engine in (course.solutions, course.root)]
        complete, stubbed = (run.result() for run in runs)
    problems = _did_not_run(complete, "complete") + _did_not_run(stubbed, "student")
    if problems:
        return problems
    expected = cells_using_stubs(course)
    for cell in sorted(complete.cells - set(expected)):
        problems.append((cell[0], f"{_cell_name(cell)} fails on the complete engine, but calls no unfinished "
                                  f"notebook exercise: rebuild the release, or keep the cell independent of stubs"))
    for cell in sorted(set(expected) - complete.cells):
        problems.append((cell[0], f"{_cell_name(cell)} passes although it calls the unfinished exercise "
                                  f"{expected[cell]}: its stored output must come from the solution"))
    for cell, exercise_id in sorted(engine_check_cells(course).items()):
        if cell not in stubbed.cells:
            problems.append((cell[0], f"{_cell_name(cell)} (check {exercise_id!r}) passes on the student engine, "
                                      f"where {exercise_id} is a stub: the check cannot fail"))
    return problems
