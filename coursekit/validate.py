"""The validator's steps: what proves the course consistent.

Each step is a small function `step(course) -> [Problem]`, listed in STEPS. pytest is their only runner:
coursekit/validate_plugin.py makes each step a test, which the maintainers' suite collects on the real course
(pyproject.toml) and `python -m coursekit validate [--root R] [--step NAME ...] [--skip-slow]` runs through
`pytest.main`. Exit code of the command: 0 when every step finds nothing, 1 when a step finds problems, 2 on
bad input (a malformed notebook, a missing file, an unknown step name), said in one line.
"""
from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .runner import run_exercise
from .engine import fresh_engine
from .manifest import INSTRUCTOR_ONLY
from .markers import BEGIN_HIDDEN, BEGIN_SOLUTION, END_HIDDEN, END_SOLUTION, MarkerError, check_python_regions, find_regions
from .mirror import TEXT, cell_output_text, check_mirror
from .mistakes import catalogue_problems
from .notebook_runs import in_order_problems, run_nbval, student_notebook_problems
from .release.build import build_minigrad, build_student_files, differences, write_files
from .release.course import Course, files_under, read_notebook, read_text
from .release.notebook_steps import NotebookContext, clear_solutions, is_free_answer, is_solution_cell, nbgrader
from .release.repository import build_repository
from .tracebacks import _scan


@dataclass(frozen=True)
class Problem:
    file: str
    fix: str          # what is wrong and what to do


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[Course], list[Problem]]
    about: str
    slow: bool = False


# ---------------------------------------------------------------- helpers

def _notebooks(course: Course) -> list[tuple[str, object]]:
    return [(course.relative(p), read_notebook(p, course.relative(p))) for p in course.notebooks()]


def _engine_sources(course: Course) -> list[tuple[str, str]]:
    folder = course.require("solutions/minigrad")
    return [(course.relative(p), read_text(p)) for p in files_under(folder) if p.suffix == ".py"]


def _torch():
    import torch
    return torch


def _run(exercise, lib, answer=None):
    return run_exercise(exercise, lib, _torch(), answer)


def _first_problem(report) -> str:
    problem = report.first_problem
    return f"{problem.check} · {problem.case}: {problem.message.splitlines()[0] if problem.message else problem.status}"


def _answer(course: Course, exercise, stubbed: bool = False):
    """The function a notebook exercise's solution cell defines (or its stub's, with `stubbed`)."""
    path = course.solutions / exercise.where
    shown_as = course.relative(path)
    notebook = read_notebook(path, shown_as)
    if stubbed:
        notebook.cells = [c for c in notebook.cells if nbgrader(c).get("grade_id") == exercise.id]
        notebook = clear_solutions(notebook, NotebookContext(shown_as, exercise.where, course.titles))
    namespace = {"__name__": f"exercise_{exercise.id}"}
    for cell in notebook.cells:
        if cell.cell_type == "code" and nbgrader(cell).get("grade_id") == exercise.id:
            try:
                exec(compile(cell.source, f"{shown_as}[{exercise.id}]", "exec"), namespace)
            except NotImplementedError as error:      # a stub at the cell's top level
                def unfinished(*args, _error=error, **kwargs):
                    raise NotImplementedError(str(_error))
                return unfinished
    return namespace.get(exercise.answer)


# ---------------------------------------------------------------- steps

def _marker_problem(error: MarkerError) -> Problem:
    return Problem(f"{error.path}:{error.line}", error.message)


def _engine_regions(course: Course, found: dict) -> list[Problem]:
    """Record in `found` (id -> files) the regions of solutions/minigrad; return marker problems."""
    problems = []
    for file, text in _engine_sources(course):
        try:
            for region in check_python_regions(text, file):
                found.setdefault(region.id, set()).add(file)
        except MarkerError as error:
            problems.append(_marker_problem(error))
    return problems


def _notebook_regions(course: Course, found: dict) -> list[Problem]:
    """Record in `found` the solution cells of the notebooks; return marker problems."""
    problems = []
    for file, notebook in _notebooks(course):
        for index, cell in enumerate(notebook.cells):
            where = f"{file} cell {index}"
            try:
                regions = [r for r in find_regions(cell.source, where) if r.kind == "solution"]
            except MarkerError as error:
                problems.append(_marker_problem(error))
                continue
            if cell.cell_type == "code" and is_solution_cell(cell) and not (is_free_answer(cell) and not regions):
                grade_id = nbgrader(cell).get("grade_id")
                found.setdefault(grade_id, set()).add(file)
                if not regions:
                    problems.append(Problem(where, f"solution cell {grade_id!r} has no '{BEGIN_SOLUTION}' region: "
                                                   f"mark the solution code"))
            elif regions:
                problems.append(Problem(where, "solution markers in a cell without nbgrader solution metadata: add "
                                               '{"nbgrader": {"grade_id": ..., "solution": true}}'))
    return problems


def _region_functions(course: Course) -> dict[str, set[str]]:
    """{exercise: {"file:qualname"}}: the outermost functions of solutions/minigrad holding its regions."""
    holding: dict[str, set[str]] = {}
    for path in files_under(course.require("solutions/minigrad")):
        if path.suffix == ".py":
            relative = path.relative_to(course.require("solutions")).as_posix()
            for f in _scan(read_text(path)):
                if ".<locals>." not in f.qualname:
                    holding.setdefault(f.exercise, set()).add(f"{relative}:{f.qualname}")
    return holding


def _listed_functions(exercise, holding: dict[str, set[str]]) -> list[Problem]:
    """The registry's `functions` of an engine exercise are the functions holding its regions."""
    wanted = holding.get(exercise.id, set())
    if exercise.answer or set(exercise.functions) == wanted:
        return []
    return [Problem("coursekit/exercises.py", f"{exercise.id}: functions= must list exactly the functions "
                                               f"holding its regions: {', '.join(sorted(wanted)) or 'none'}")]


def registry(course: Course) -> list[Problem]:
    """Every exercise has checks, cases and points; its markers exist where the registry says; every
    marker id is registered; every marker is well-formed and placed inside a function body."""
    found = {}                        # exercise id -> files holding its region
    problems = _engine_regions(course, found) + _notebook_regions(course, found)
    known, holding = {e.id for e in course.exercises}, _region_functions(course)
    for exercise_id, files in sorted(found.items(), key=lambda item: str(item[0])):
        if exercise_id not in known:
            problems.append(Problem(", ".join(sorted(files)), f"marker id {exercise_id!r} is not in the registry: "
                                    f"fix the id or register it in coursekit/exercises.py"))
    for exercise in course.exercises:
        where = f"solutions/{exercise.where}"
        if not exercise.checks or any(not check.cases() for check in exercise.checks):
            problems.append(Problem("coursekit/exercises.py", f"{exercise.id}: needs checks, each with public cases"))
        if exercise.points <= 0:
            problems.append(Problem("coursekit/exercises.py", f"{exercise.id}: give it a positive number of points"))
        problems += _listed_functions(exercise, holding)
        files = found.get(exercise.id, set())
        inside = where.endswith("/") and any(f.startswith(where) for f in files)   # a folder: a region in one of its files
        if where not in files and not inside:
            elsewhere = ", ".join(sorted(found.get(exercise.id, ()))) or "nowhere"
            problems.append(Problem(where, f"no region of exercise {exercise.id} here (found: {elsewhere}): "
                                           f"add '{BEGIN_SOLUTION} {exercise.id}' where the registry says, or fix `where`"))
    return problems


def solutions_pass(course: Course) -> list[Problem]:
    """The solutions pass every check of every exercise."""
    problems = []
    with fresh_engine(course.require("solutions")) as lib:
        for exercise in course.exercises:
            answer = _answer(course, exercise) if exercise.answer else None
            if exercise.answer and not callable(answer):
                problems.append(Problem(f"solutions/{exercise.where}", f"{exercise.id}: the solution cell does not "
                                        f"define {exercise.answer}()"))
                continue
            report = _run(exercise, lib, answer)
            if not report.passed:
                problems.append(Problem(f"solutions/{exercise.where}", f"{exercise.id} fails {_first_problem(report)}: "
                                        f"fix the solution (or the check)"))
    return problems


def _report_with_stub(course: Course, exercise):
    """The exercise's checks run with only its own regions stubbed (None: the stub defines nothing)."""
    with tempfile.TemporaryDirectory(prefix="coursekit-stub-") as folder:
        if exercise.answer:          # a notebook exercise: the solutions engine, the stubbed cell's function
            with fresh_engine(course.require("solutions")) as lib:
                answer = _answer(course, exercise, stubbed=True)
                return _run(exercise, lib, answer) if callable(answer) else None
        write_files(build_minigrad(course, only={exercise.id}), Path(folder))
        with fresh_engine(folder) as lib:
            return _run(exercise, lib)


def stubs_fail(course: Course) -> list[Problem]:
    """With only one exercise stubbed (everything else solved), every check of that exercise fails."""
    problems = []
    for exercise in course.exercises:
        report = _report_with_stub(course, exercise)
        failing = {r.check for r in report.results if not r.ok} if report else {c.name for c in exercise.checks}
        for check in exercise.checks:
            if check.name not in failing:
                problems.append(Problem(f"solutions/{exercise.where}", f"{exercise.id}: check {check.name!r} passes "
                                        f"even with the exercise stubbed: make the region cover what the check "
                                        f"tests, or make the check exercise the region"))
    return problems


def release_current(course: Course) -> list[Problem]:
    """The committed chapters/ and minigrad/ equal a fresh release build."""
    try:
        files = build_student_files(course)
    except MarkerError as error:
        return [Problem(f"{error.path}:{error.line}", f"release cannot build: {error.message}")]
    return [Problem(path, f"{what} (compared with a fresh build): run `python -m coursekit release` and commit")
            for path, what in differences(files, course.root).items()]


def _solution_texts(course: Course) -> list[tuple[str, str]]:
    """(file, text) of every solution and hidden region body, and every reference answer and solution output."""
    texts = []
    for file, text in _engine_sources(course) + _package_sources(course):
        lines = text.splitlines()
        texts += [(file, "\n".join(r.body(lines))) for r in find_regions(text, file)]
    for file, notebook in _notebooks(course):
        for cell in notebook.cells:
            lines = cell.source.splitlines()
            texts += [(file, "\n".join(r.body(lines))) for r in find_regions(cell.source, file)]
            if is_solution_cell(cell) and (cell.cell_type == "markdown" or is_free_answer(cell)):
                texts.append((file, cell.source))
    return [(file, text) for file, text in texts if text.strip()]


def _package_sources(course: Course) -> list[tuple[str, str]]:
    """The checks' sources: where the hidden-case generators live."""
    folder = course.require("coursekit/checks")
    return [(course.relative(p), read_text(p)) for p in files_under(folder) if p.suffix == ".py"]


def _visible_text(path: str, data: bytes) -> str:
    """A file's text as a reader sees it (a notebook: its cell sources and text outputs)."""
    import nbformat
    text = data.decode("utf-8", "replace")
    if path.endswith(".ipynb"):
        notebook = nbformat.reads(text, as_version=4)
        return "\n".join(c.source + "\n" + cell_output_text(c) for c in notebook.cells)
    return text




# An absolute path of the machine that ran a notebook (a traceback's file names): /root/…, /home/…, C:\\…
ABSOLUTE_PATH = re.compile(r"(?<![\w.~])(?:/(?:root|home|tmp|Users|private|var|mnt|opt|srv|work)/[^\s'\"]*|[A-Za-z]:\\[^\s'\"]*)")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _output_text(cell) -> str:
    """Every text a code cell's outputs show: streams, text/* data, and errors with their tracebacks."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type == "error":
            parts += [f"{output.ename}: {output.evalue}", *output.traceback]
        else:
            parts += [value for kind, value in output.get("data", {}).items() if kind.startswith("text/")]
    return ANSI.sub("", "\n".join(parts))


def _notebook_outputs(course: Course, release: dict[str, bytes]) -> dict[str, str]:
    """{label: output text} of every notebook in solutions/chapters/, chapters/ and the release."""
    import nbformat
    found = {}
    for folder in ("solutions/chapters", "chapters"):
        for path in sorted((course.root / folder).glob("*.ipynb")):
            notebook = read_notebook(path, course.relative(path))
            found[course.relative(path)] = "\n".join(_output_text(c) for c in notebook.cells if c.cell_type == "code")
    for path, data in release.items():
        if path.endswith(".ipynb"):
            notebook = nbformat.reads(data.decode("utf-8"), as_version=4)
            found[f"release: {path}"] = "\n".join(_output_text(c) for c in notebook.cells if c.cell_type == "code")
    return found


def _solution_lines(course: Course) -> list[tuple[str, str]]:
    """(file, line) of every code line (not a comment) in a solution region: a traceback shows single lines."""
    lines = []
    for file, text in _solution_texts(course):
        for line in text.splitlines():
            squeezed = "".join(line.split())
            if len(squeezed) >= 16 and not squeezed.startswith("#"):
                lines.append((file, squeezed))
    return lines


def output_leaks(course: Course, release: dict[str, bytes]) -> list[Problem]:
    """Outputs that show what a reader must not see: a solution marker, solution code, an absolute path."""
    problems = []
    secrets = _solution_lines(course)
    for label, text in _notebook_outputs(course, release).items():
        why = "re-execute the notebook; a cell that shows an error should print `type: message` (try/except), not a traceback"
        if BEGIN_SOLUTION in text:
            problems.append(Problem(label, f"an output shows {BEGIN_SOLUTION!r}: {why}"))
        path = ABSOLUTE_PATH.search(text)
        if path:
            problems.append(Problem(label, f"an output shows the absolute path {path[0][:60]!r}: {why}"))
        squeezed = "".join(text.split())
        leaked = next(((file, line) for file, line in secrets if line in squeezed), None)
        if leaked:
            problems.append(Problem(label, f"an output shows solution code from {leaked[0]} ({leaked[1][:40]!r}…): {why}"))
    return problems


def no_leaks(course: Course) -> list[Problem]:
    """No solution, hidden-test or instructor-only text in the student repository, and no output of any
    notebook (solutions/, chapters/, the release) that shows solution code, a marker or an absolute path."""
    try:
        files = build_repository(course)
    except MarkerError as error:
        return [Problem(f"{error.path}:{error.line}", f"release cannot build: {error.message}")]
    problems = [Problem(path, "instructor-only file in the student repository: remove it from STUDENT_MODULES in "
                                    "coursekit/manifest.py")
                for path in files if path.startswith(INSTRUCTOR_ONLY)]
    texts = {path: _visible_text(path, data) for path, data in files.items()}
    for path, text in texts.items():
        for marker in (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN):
            if marker in text:
                problems.append(Problem(path, f"{marker!r} left in the student version: the release must remove it"))
    squeezed = {path: "".join(text.split()) for path, text in texts.items()}
    for source, secret in _solution_texts(course):
        needle = "".join(secret.split())
        for path, text in squeezed.items():
            if len(needle) >= 8 and needle in text:
                problems.append(Problem(path, f"contains solution or hidden-test text from {source} "
                                              f"({secret.strip().splitlines()[0][:50]!r}…): it must be stubbed/removed"))
    return problems + output_leaks(course, files)


def mirror(course: Course) -> list[Problem]:
    """The notebooks mirror the course text: headings in order, paragraphs verbatim, code blocks as
    cells, printed results as stored outputs."""
    text = read_text(course.require(TEXT), TEXT)
    return [Problem(file, fix) for file, fix in check_mirror(text, _notebooks(course))]


def nbval(course: Course) -> list[Problem]:
    """The solution notebooks pass nbval (strict; tests/nbval_sanitize.cfg for what legitimately varies)."""
    course.notebooks()
    run = run_nbval(course, "solutions/chapters")
    if run.returncode == 0:
        return []
    if not run.failed:
        return [Problem("solutions/chapters", f"pytest --nbval exited with {run.returncode}: {run.output[-500:]}")]
    return [Problem(line.split()[1].split("::")[0], f"{line}: re-execute the notebook (jupyter nbconvert "
                                                    f"--execute --inplace) or make the cell deterministic")
            for line in run.failed]


def student_notebooks(course: Course) -> list[Problem]:
    """On the complete engine the student notebooks fail only where they call an unfinished notebook
    exercise; on the student engine every engine exercise's check cell fails."""
    return [Problem(file, fix) for file, fix in student_notebook_problems(course)]


def in_order(course: Course) -> list[Problem]:
    """Each chapter runs top to bottom in one kernel with the earlier chapters' exercises done, its own solved
    (in the files) just before their check cells, later ones stubbed, and prints its reference outputs."""
    return [Problem(file, fix) for file, fix in in_order_problems(course)]


def student_repo(course: Course) -> list[Problem]:
    """The standalone student repository works: every coursekit module it ships imports, `%load_ext coursekit`
    loads, `python -m coursekit check --help` runs, and `pytest` collects its tests and notebooks."""
    with tempfile.TemporaryDirectory(prefix="coursekit-student-") as folder:
        write_files(build_repository(course), Path(folder))
        modules = sorted(p.relative_to(folder).with_suffix("").as_posix().replace("/", ".").removesuffix(".__init__")
                         for p in Path(folder, "coursekit").rglob("*.py") if p.name != "__main__.py")
        script = ("import importlib\nfor m in %r: importlib.import_module(m)\n" % modules +   # and `%load_ext coursekit`
                  "from IPython.core.interactiveshell import InteractiveShell\n"
                  "importlib.import_module('coursekit').load_ipython_extension(InteractiveShell.instance())\n"
                  # an editable install of the course would quietly supply a module the repository lacks
                  "import os, sys\nelsewhere = sorted(n for n, m in list(sys.modules.items()) if n.split('.')[0] == "
                  "'coursekit' and not (getattr(m, '__file__', None) or os.getcwd()).startswith(os.getcwd()))\n"
                  "sys.exit(f'not in the repository: {elsewhere}' if elsewhere else 0)\n")
        problems = []
        commands = ([sys.executable, "-c", script], [sys.executable, "-m", "coursekit", "check", "--help"],
                    [sys.executable, "-m", "pytest", "--collect-only", "-q"])
        for command in commands:
            done = subprocess.run(command, cwd=folder, capture_output=True, text=True)
            if done.returncode != 0:
                last = (done.stderr.strip().splitlines() or ["?"])[-1]
                problems.append(Problem("coursekit/release/repository.py", f"in the student repository, "
                                        f"{' '.join(command[1:])[:60]!r} fails ({last}): add the missing module to "
                                        f"STUDENT_MODULES (coursekit/manifest.py) or stop importing instructor code"))
    return problems


def mistakes_caught(course: Course) -> list[Problem]:
    """Every entry of the mistakes catalogue (tests/mistakes/) fails its own exercise, and the verdict
    names that exercise; prints the counts caught / attributed / hinted."""
    return [Problem(file, fix) for file, fix in catalogue_problems(course.root, course.require("solutions"))]


def regions_needed(course: Course) -> list[Problem]:
    """Every solution region replaced by `pass` (one at a time), and every answer cell's function body,
    fails its own exercise's check with a verdict naming that exercise: no exercise passes with no code."""
    from .mutants import pass_mutants, run_all
    problems = []
    for outcome in run_all(course.require("solutions"), pass_mutants(course.require("solutions"))):
        mutant = outcome.mutant
        if outcome.passed:
            problems.append(Problem(f"solutions/{mutant.file}:{mutant.line}", f"{mutant.exercise} passes with its "
                                    f"code replaced by `pass`: the given code does the exercise's work; move that "
                                    f"work into the region (or make the check test what the region must do)"))
        elif not outcome.attributed:
            problems.append(Problem(f"solutions/{mutant.file}:{mutant.line}", f"{mutant.exercise} with its code "
                                    f"replaced by `pass` fails, but the verdict does not name 练习 {mutant.exercise}: "
                                    f"{outcome.verdict.strip().splitlines()[0][:200]}"))
    return problems


STEPS = (
    Step("registry", registry, "exercises, checks, points and markers agree"),
    Step("solutions-pass", solutions_pass, "the solutions pass every check"),
    Step("stubs-fail", stubs_fail, "each exercise's stub fails every one of its checks", slow=True),
    Step("release-current", release_current, "committed chapters/ and minigrad/ equal a fresh build"),
    Step("no-leaks", no_leaks, "no solution or hidden-test text in the student repository"),
    Step("student-repo", student_repo, "the standalone student repository imports and runs", slow=True),
    Step("mirror", mirror, "the notebooks mirror text/2.1_autodiff.md"),
    Step("nbval", nbval, "the solution notebooks pass pytest --nbval", slow=True),
    Step("student-notebooks", student_notebooks, "student notebooks fail exactly at unfinished exercises",
         slow=True),
    Step("mistakes-caught", mistakes_caught, "every catalogued mistake fails its own exercise, named in the verdict",
         slow=True),
    Step("regions-needed", regions_needed, "every region (answer function) replaced by `pass` fails its own "
         "exercise, named in the verdict", slow=True),
    Step("in-order", in_order, "each chapter runs in order with only the exercises done so far", slow=True),
)
