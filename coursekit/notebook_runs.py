"""Notebooks run under nbval, and what the student notebooks must do there.

Run on the complete engine (solutions/), a student notebook fails exactly at the cells that call one of
its own unfinished notebook exercises. Run on the student engine (all stubs), every check cell of an
engine exercise fails. So a student who finishes everything sees every cell pass, and one who has not
sees the failure where the exercise is, not somewhere else.

In order (`in_order_problems`): each chapter runs top to bottom in ONE kernel, starting with the exercises
of the earlier chapters done and its own and later ones stubbed. Just before the first check cell of each
of its engine exercises, an added cell confirms that check fails, then writes the exercise's solution
regions into the engine files, as a student saving the file would; the kernel is not restarted (see
coursekit.live). nbval compares every cell with the reference outputs. So a cell that needs a later
exercise, or comes before its exercise's check cell, fails; and every cell after the edit runs the new code.
"""
from __future__ import annotations

import ast
import contextlib
import io
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .engine import ENV_VAR, engine_root
from .release.build import build_minigrad, write_files
from .release.course import Course, read_notebook
from .release.notebook_steps import checked_ids, is_solution_cell, nbgrader
from .verdicts import NotPassed, check

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


def run_nbval(course: Course, folder: str | list[Path], engine: Path | None = None, beside: bool = False,
              workers: int = 1) -> NbvalRun:
    """`pytest --nbval` on `folder` (relative to the course root) or on notebooks anywhere, with `engine` as
    MINIGRAD_ROOT (`beside`: none, each kernel finds the engine above its notebook), on `workers` processes."""
    targets = [folder] if isinstance(folder, str) else [str(path) for path in folder]
    command = [sys.executable, "-m", "pytest", "-q", "--color=no", "-p", "no:cacheprovider", "-o", "addopts=",
               "--nbval", "--nbval-current-env", "--nbval-sanitize-with", "tests/nbval_sanitize.cfg", *targets]
    if not isinstance(folder, str):           # name the notebooks relative to their common folder
        command += ["--rootdir", os.path.commonpath([str(path.parent) for path in folder])]
    if workers > 1:
        command += ["-n", str(workers), "--dist", "loadscope"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(course.root), os.environ.get("PYTHONPATH")]))}
    if engine is not None:
        env[ENV_VAR] = str(engine)
    if beside:
        env.pop(ENV_VAR, None)
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


# ---------------------------------------------------------------- chapters in order

SOLVE_CELL = """from coursekit.notebook_runs import solve_in_place
solve_in_place({root!r}, {exercise!r}, {stubbed!r})"""


def solve_in_place(course_root: str, exercise_id: str, still_stubbed: list[str]) -> None:
    """In an in-order run's kernel: `check(exercise_id)` must fail; then the engine files that hold the
    exercise are rewritten with its solution, the later exercises still stubbed (only changed files)."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            check(exercise_id)
    except NotPassed:
        pass
    else:
        raise AssertionError(f"check({exercise_id!r}) passes before its solution is written: the stub cannot fail")
    engine = engine_root()
    for relative, data in build_minigrad(Course(course_root), only=set(still_stubbed)).items():
        target = engine / relative
        if not target.is_file() or target.read_bytes() != data:
            target.write_bytes(data)


def _stubbed_from(course: Course, stem: str) -> list[str]:
    """The engine exercises introduced in notebook `stem` or after it, in registry order."""
    order = [path.stem for path in course.notebooks()]
    return [e.id for e in course.exercises
            if not e.answer and (order.index(e.section) if e.section in order else len(order)) >= order.index(stem)]


def _uses_engine(notebook) -> bool:
    return any(c.cell_type == "code" and ("minigrad" in c.source or checked_ids(c.source)) for c in notebook.cells)


def _with_solve_cells(course: Course, notebook, stubbed: list[str]):
    """A copy of `notebook` with a solve cell before the first check cell of each stubbed exercise; and, for
    each code cell of the copy, the exercise its solve cell solves, or the number of the original cell."""
    copy = nbformat.from_dict(notebook)
    cells, labels, remaining, number = [], [], list(stubbed), 0
    for cell in copy.cells:
        if cell.cell_type == "code":
            for exercise_id in checked_ids(cell.source):
                if exercise_id in remaining:
                    remaining.remove(exercise_id)
                    source = SOLVE_CELL.format(root=str(course.root), exercise=exercise_id, stubbed=remaining)
                    cells.append(nbformat.v4.new_code_cell(source, id=f"solve-{len(cells)}"))
                    labels.append(exercise_id)
            labels.append(number)
            number += 1
        cells.append(cell)
    copy.cells = cells
    return copy, labels


@dataclass
class ChapterRun:
    chapter: str            # solutions/chapters/05_simple_example.ipynb
    copy: Path              # its copy beside an engine with the earlier exercises done
    labels: list            # per code cell of the copy: an exercise id (a solve cell) or the original cell's number


def _prepare_chapters(course: Course, work: Path) -> list[ChapterRun]:
    runs = []
    for path in course.notebooks():
        chapter = course.relative(path)
        notebook = read_notebook(path, chapter)
        stubbed = _stubbed_from(course, path.stem)
        if not stubbed or not _uses_engine(notebook):     # the nbval step runs it exactly so already
            continue
        folder = work / path.stem
        write_files(build_minigrad(course, only=set(stubbed)), folder)
        copy, labels = _with_solve_cells(course, notebook, stubbed)
        (folder / "chapters").mkdir()
        nbformat.write(copy, folder / "chapters" / path.name)
        runs.append(ChapterRun(chapter, folder / "chapters" / path.name, labels))
    return runs


def _failure_detail(output: str, name: str, number: int) -> str:
    """The unfinished exercise named in nbval's report of one failed cell, if any."""
    file = re.escape(Path(name).name)     # FAILED lines and section titles name the file differently
    section = re.search(rf"_+ (?:\S*/)?{file}::Cell {number} _+\n(.*?)(?=\n_{{5,}} |\n=+ short test summary)",
                        output, re.S)
    found = re.findall(r"练习 (\S+?) 尚未完成", section[1]) if section else []
    return f" (it reached the stub of {found[-1]})" if found else ""


def in_order_problems(course: Course, workers: int = 2) -> list[tuple[str, str]]:
    """(file, what is wrong and what to do) for the in-order runs described at the top of this module."""
    with tempfile.TemporaryDirectory(prefix="coursekit-in-order-") as work:
        runs = _prepare_chapters(course, Path(work))
        if not runs:
            return []
        result = run_nbval(course, [r.copy for r in runs], beside=True, workers=min(workers, len(runs)))
    if _did_not_run(result, "in-order"):
        return [(r.chapter, f"pytest --nbval did not run the in-order copies (exit {result.returncode}): "
                            f"{result.output[-500:]}") for r in runs[:1]]
    by_name = {r.copy.name: r for r in runs}
    problems = []
    for name, number in sorted(result.cells):
        run = by_name[Path(name).name]
        label = run.labels[number]
        detail = _failure_detail(result.output, name, number)
        if isinstance(label, str):
            problems.append((run.chapter, f"before check({label!r}) its check passes on the stub, or writing its "
                                          f"solution into the engine fails{detail}: see `pytest --nbval` on a copy"))
        else:
            problems.append((run.chapter, f"code cell {label} fails when the chapter runs in order{detail}: only the "
                                          f"exercises of this and earlier chapters may be used, each after its "
                                          f"check cell; move the cell, or use given code / torch"))
    return problems
