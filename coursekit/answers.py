"""Notebook exercises: find the student's exercise cell and get the function it defines."""
from __future__ import annotations

from pathlib import Path

import nbformat


class AnswerNotFound(LookupError):
    pass


def exercise_cells(notebook: nbformat.NotebookNode, grade_id: str) -> list[str]:
    """Sources of the code cells tagged with nbgrader's grade_id == `grade_id`."""
    return [cell.source for cell in notebook.cells
            if cell.cell_type == "code" and cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id]


def read_notebook(path: Path) -> nbformat.NotebookNode:
    try:
        return nbformat.read(path, as_version=4)
    except FileNotFoundError:
        raise AnswerNotFound(f"{path}: 找不到这个笔记本") from None
    except Exception as error:          # invalid JSON or not a notebook
        raise AnswerNotFound(f"{path}: 不是有效的 Jupyter 笔记本（{type(error).__name__}: {error}）") from None


def load_answer(exercise, course_root: Path):
    """Execute the exercise's cell(s) of the notebook under `course_root` and return the defined function."""
    path = Path(course_root) / exercise.where
    sources = exercise_cells(read_notebook(path), exercise.id)
    if not sources:
        raise AnswerNotFound(f"{path}: 没有 grade_id 为 {exercise.id} 的练习单元格")
    namespace: dict = {"__name__": f"exercise_{exercise.id}"}
    for source in sources:
        exec(compile(source, f"{path.name}[{exercise.id}]", "exec"), namespace)
    if not callable(namespace.get(exercise.answer)):
        raise AnswerNotFound(f"{path}: 练习 {exercise.id} 的单元格没有定义函数 {exercise.answer}")
    return namespace[exercise.answer]
