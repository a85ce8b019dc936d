"""The student notebook, built from a solution notebook by a chain of small named steps.

Like nbgrader's preprocessors, each step takes the notebook (a copy) and returns it transformed:

    clear_solutions         solution regions -> stub; reference answers (text or code) -> a prompt
    clear_hidden_tests      hidden-test regions removed from every cell
    clear_solution_outputs  the outputs of solution cells removed (text cells keep theirs: nbval compares)
    clear_check_outputs     check cells start empty (no verdict before the student has worked) and
                            tell nbval to ignore their output: a check that does not pass raises
    drop_execution_timing   the timestamps Jupyter records per cell removed
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass

import nbformat

from ..markers import ANSWER_CODE_PROMPT, ANSWER_PROMPT, FREE_ANSWER, MarkerError, find_regions, remove_hidden, stub_solutions


@dataclass
class NotebookContext:
    shown_as: str          # e.g. solutions/chapters/10_exercises.ipynb, for messages
    where: str             # the student's path, e.g. chapters/10_exercises.ipynb, for stubs
    titles: dict[str, str]


def nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_solution_cell(cell) -> bool:
    return bool(nbgrader(cell).get("solution"))


def is_free_answer(cell) -> bool:
    """A reference answer nobody checks (grade_id `answer-...`): text, or code the student writes freely."""
    return is_solution_cell(cell) and str(nbgrader(cell).get("grade_id", "")).startswith(FREE_ANSWER)


CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([^"']+)["']""")


def checked_ids(source: str) -> list[str]:
    """The exercise ids a cell checks: `check("2.1-vjp")` -> ["2.1-vjp"]."""
    return CHECK_CALL.findall(source)


def cell_label(ctx: NotebookContext, index: int, cell) -> str:
    grade_id = nbgrader(cell).get("grade_id")
    return f"{ctx.shown_as} cell {index}" + (f" ({grade_id})" if grade_id else "")


def clear_solutions(notebook, ctx: NotebookContext):
    """Stub the solution regions of exercise cells; replace reference answers by the answer prompt."""
    for index, cell in enumerate(notebook.cells):
        label = cell_label(ctx, index, cell)
        regions = [r for r in find_regions(cell.source, label) if r.kind == "solution"]
        if not is_solution_cell(cell):
            if regions:
                raise MarkerError(label, regions[0].begin, "solution markers in a cell without nbgrader metadata: add "
                                  '{"nbgrader": {"grade_id": "<id>", "solution": true}} to the cell')
            continue
        grade_id = nbgrader(cell).get("grade_id")
        if not grade_id:
            raise MarkerError(label, 1, 'solution cell without a grade_id: set metadata.nbgrader.grade_id')
        if cell.cell_type == "markdown" or is_free_answer(cell):
            cell.source = ANSWER_PROMPT if cell.cell_type == "markdown" else ANSWER_CODE_PROMPT
            continue
        if not regions:
            raise MarkerError(label, 1, "solution cell without a '### BEGIN SOLUTION' region: mark the solution code")
        for region in regions:
            if region.id not in (None, grade_id):
                raise MarkerError(label, region.begin, f"region id {region.id!r} differs from the cell's grade_id "
                                                       f"{grade_id!r}: make them the same")
        cell.source = stub_solutions(cell.source, label, ctx.titles, ctx.where, default_id=grade_id)
    return notebook


def clear_hidden_tests(notebook, ctx: NotebookContext):
    """Remove `### BEGIN HIDDEN TESTS` ... `### END HIDDEN TESTS` from every cell."""
    for index, cell in enumerate(notebook.cells):
        cell.source = remove_hidden(cell.source, cell_label(ctx, index, cell))
    return notebook


def clear_solution_outputs(notebook, ctx: NotebookContext):
    """Solution cells lose their outputs; every other cell keeps them (nbval compares them)."""
    for cell in notebook.cells:
        if cell.cell_type == "code" and is_solution_cell(cell):
            cell.outputs = []
            cell.execution_count = None
    return notebook


def clear_check_outputs(notebook, ctx: NotebookContext):
    """Check cells lose the reference verdict and are tagged nbval-ignore-output (they fail by raising)."""
    for cell in notebook.cells:
        if cell.cell_type == "code" and checked_ids(cell.source):
            cell.outputs = []
            cell.execution_count = None
            tags = cell.metadata.setdefault("tags", [])
            if "nbval-ignore-output" not in tags:
                tags.append("nbval-ignore-output")
    return notebook


def drop_execution_timing(notebook, ctx: NotebookContext):
    """Remove `metadata.execution` (when each cell ran): the student version carries no timestamps."""
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    return notebook


NOTEBOOK_STEPS = (clear_solutions, clear_hidden_tests, clear_solution_outputs, clear_check_outputs,
                  drop_execution_timing)


def student_notebook(notebook: nbformat.NotebookNode, ctx: NotebookContext, steps=NOTEBOOK_STEPS):
    """Run `steps` over a copy of `notebook` (the source is never modified)."""
    result = copy.deepcopy(notebook)
    for step in steps:
        result = step(result, ctx)
    return result
