"""Notebook exercises: find the student's exercise cell and get the function it defines, the one way the
grader does it (its child process imports this module), `check(...)`, `pytest` and `coursekit submit` alike.

The grader runs the exercise cell ALONE, in a fresh namespace where only `minigrad` is predefined; a name
the cell takes from another cell (`np` imported elsewhere) is a NameError there, so it is one here too.
No nbformat at import time: the grading child has none.
"""
from __future__ import annotations

import linecache
from pathlib import Path

from .runner import describe_error

MAGIC_PREFIXES = ("%", "!", "get_ipython().")   # IPython-only lines (as typed, or as IPython transformed them)


class AnswerNotFound(LookupError):
    """The exercise cell is missing, unreadable, or does not define the function (message in Chinese)."""


class AnswerCellFailed(AnswerNotFound):
    """The exercise cell raised when run alone, as the grader runs it (message in Chinese)."""


def exercise_cells(notebook, grade_id: str) -> list[str]:
    """Sources of the code cells tagged with nbgrader's grade_id == `grade_id`."""
    return [cell.source for cell in notebook.cells
            if cell.cell_type == "code" and cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id]


def answer_source(notebook, grade_id: str) -> str:
    """What the grader runs for an exercise: its tagged cells, joined ("" when there is none)."""
    return "\n\n".join(exercise_cells(notebook, grade_id))


def read_notebook(path: Path, shown_as: str | None = None):
    """The notebook at `path`; AnswerNotFound naming it as `shown_as` (e.g. 'chapters/10_exercises.ipynb':
    never the grader's scratch path, which means nothing to a student)."""
    import nbformat
    shown_as = shown_as or str(path)
    try:
        return nbformat.read(path, as_version=4)
    except FileNotFoundError:
        raise AnswerNotFound(f"{shown_as}：找不到这个笔记本") from None
    except Exception as error:          # invalid JSON or not a notebook
        reason = json_error(path) or f"{type(error).__name__}: {str(error).splitlines()[0][:120] if str(error) else ''}"
        raise AnswerNotFound(f"{shown_as}：不是有效的 Jupyter 笔记本（{reason}）。"
                             "请在 JupyterLab 中打开它，确认能打开后保存，再提交") from None


def json_error(path: Path) -> str | None:
    """Where a notebook file stops being JSON (line, column), or None when it is JSON."""
    import json
    try:
        json.loads(Path(path).read_bytes())
    except json.JSONDecodeError as error:
        return f"不是有效的 JSON：第 {error.lineno} 行第 {error.colno} 列（{error.msg}）"
    except (OSError, UnicodeDecodeError) as error:
        return f"无法读取（{type(error).__name__}）"
    except RecursionError:
        return "JSON 的嵌套层数太深，无法读取"
    return None


def runnable(source: str) -> str:
    """The cell as plain Python: IPython magics and shell lines become comments (line numbers kept)."""
    return "\n".join(("# " + line) if line.lstrip().startswith(MAGIC_PREFIXES) else line
                     for line in source.splitlines())


def define_answer(exercise, source: str, minigrad):
    """Run the exercise cell alone in a fresh namespace (only `minigrad` predefined) and return the function
    it defines. Errors propagate as they are: the caller decides how to report them."""
    namespace = {"__name__": "exercise_cell", "minigrad": minigrad}
    exec(compile(runnable(source), f"{exercise.where}[{exercise.id}]", "exec"), namespace)
    answer = namespace.get(exercise.answer)
    if not callable(answer):
        raise NameError(f"练习单元格没有定义函数 {exercise.answer}")
    return answer


STANDS_ALONE = ("评分时只运行这一个单元格（只预先导入了 minigrad）：它用到的名字（如 import numpy as np）"
                "都要在这个单元格里定义。")


def undefined_globals(function) -> list[str]:
    """Global names the function (and functions nested in it) reads that its module namespace lacks."""
    import builtins
    import dis
    names, codes = set(), [function.__code__]
    while codes:
        code = codes.pop()
        names |= {i.argval for i in dis.get_instructions(code) if i.opname == "LOAD_GLOBAL"}
        codes += [c for c in code.co_consts if hasattr(c, "co_code")]
    return sorted(n for n in names if n not in function.__globals__ and not hasattr(builtins, n))


def define_or_explain(exercise, source: str, minigrad):
    """`define_answer`, with any error turned into AnswerCellFailed saying what the grader will see; a name
    the function reads from another cell is reported now rather than as a NameError in every case."""
    try:
        answer = define_answer(exercise, source, minigrad)
    except Exception as error:      # noqa: BLE001 - whatever the cell raises is the student's to fix
        raise AnswerCellFailed(f"练习 {exercise.id} 的单元格单独运行时出错：{describe_error(error)}\n"
                               f"  {STANDS_ALONE}") from None
    missing = undefined_globals(answer)
    if missing:
        raise AnswerCellFailed(f"练习 {exercise.id} 的函数 {exercise.answer} 用到了 {'、'.join(missing)}，"
                               f"但练习单元格里没有定义（单独运行时是 NameError）。\n  {STANDS_ALONE}")
    return answer


def load_answer(exercise, course_root: Path, minigrad):
    """The function the exercise cell of the notebook under `course_root` defines, run as the grader runs it."""
    path = Path(course_root) / exercise.where
    source = answer_source(read_notebook(path, exercise.where), exercise.id)
    if not source:
        raise AnswerNotFound(f"{exercise.where}：没有 grade_id 为 {exercise.id} 的练习单元格")
    return define_or_explain(exercise, source, minigrad)


def cell_of(function) -> str | None:
    """The source of the notebook cell that defined `function`: IPython keeps each cell in linecache with
    no modification time (a file on disk has one). None for functions from files or unknown sources."""
    code = getattr(function, "__code__", None)
    entry = linecache.cache.get(code.co_filename) if code is not None else None
    if not entry or len(entry) != 4 or entry[1] is not None:
        return None
    return "".join(entry[2]) or None


def as_graded(exercise, function, minigrad):
    """What the grader would get for `function` defined in a notebook cell: the same function, defined by
    running its cell alone. Where the cell's source is unknown, `function` itself."""
    source = cell_of(function)
    if source is None:
        return function
    return define_or_explain(exercise, source, minigrad)
