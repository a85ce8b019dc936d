"""Where an error in the student's engine comes from: which exercise's function, which line.

The functions students write are found in the engine's own source: a function holds an exercise when
its body has the exercise's region marker (BEGIN SOLUTION and the id, in the solutions) or the stub's
comment or message (`练习 <id>`, in the student version), or when the registry lists it (`functions`:
a student may delete the comment line).
"""
from __future__ import annotations

import ast
import os
import re
import sys
from dataclasses import dataclass
from functools import lru_cache

from .exercises import all_exercises

_MARK = re.compile(r"(?:BEGIN SOLUTION|练习)\s+(\d[\w.\-]*[\w])")
PACKAGE = "minigrad"


@dataclass(frozen=True)
class ExerciseFunction:
    exercise: str
    qualname: str                    # e.g. "Mul.backward"
    start: int
    end: int


@dataclass(frozen=True)
class Spot:
    """One frame of a traceback, as a student reads it."""
    path: str                        # "minigrad/autograd.py"
    line: int
    function: str                    # the qualified name, e.g. "Mul.backward"
    exercise: str | None             # the exercise whose function this frame runs, if any
    code: str = ""

    def __str__(self) -> str:
        return f"{self.path} 第 {self.line} 行（{self.function}）"


def engine_path(filename: str) -> str | None:
    """'minigrad/ops.py' for a file of an engine package, else None."""
    path = filename.replace("\\", "/")
    at = path.rfind(f"/{PACKAGE}/")
    if at < 0:
        return path if path.startswith(f"{PACKAGE}/") else None
    return path[at + 1:]


def _functions(tree: ast.AST, prefix: str = ""):
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            name = prefix + node.name
            yield name, node
            yield from _functions(node, name + ".<locals>.")
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node, prefix + node.name + ".")


def _scan(source: str, listed: dict[str, str] | None = None) -> tuple[ExerciseFunction, ...]:
    """The exercise functions of one file's source; `listed`: {qualname: exercise} the registry names there."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ()
    lines = source.splitlines()
    found = []
    for qualname, node in _functions(tree):
        body_start = node.body[0].end_lineno if ast.get_docstring(node) else node.lineno
        marks = {m.group(1) for line in lines[body_start:node.end_lineno] for m in _MARK.finditer(line)}
        if len(marks) != 1 and qualname in (listed or {}):
            marks = {listed[qualname]}
        if len(marks) == 1:
            found.append(ExerciseFunction(marks.pop(), qualname, node.lineno, node.end_lineno))
    return tuple(found)


def _listed(path: str | None) -> dict[str, str]:
    """{qualname: exercise} of the registry's `functions` in the engine file `path` ('minigrad/tensor.py')."""
    return {name.split(":", 1)[1]: e.id for e in all_exercises() for name in e.functions
            if name.split(":", 1)[0] == path}


@lru_cache(maxsize=256)
def _scan_file(filename: str, mtime_ns: int, size: int) -> tuple[ExerciseFunction, ...]:
    with open(filename, encoding="utf-8", errors="replace") as file:
        return _scan(file.read(), _listed(engine_path(filename)))


def _stamp(filename: str) -> tuple[int, int]:
    """(mtime_ns, size) of a file. While a browser check runs, its import finder holds the engine's files
    and knows them from the look it took when the check started (coursekit.lite.sources): the drive there
    is slow to ask."""
    for finder in sys.meta_path:
        known = getattr(finder, "stamp", lambda _: None)(filename)
        if known:
            return known
    stat = os.stat(filename)
    return stat.st_mtime_ns, stat.st_size


def exercise_functions(filename: str) -> tuple[ExerciseFunction, ...]:
    """The functions of one engine file that hold an exercise (cached until the file changes)."""
    try:
        return _scan_file(filename, *_stamp(filename))
    except Exception:                # noqa: BLE001 - unreadable here (e.g. a sandbox refuses): no exercise
        return ()


def exercise_at(filename: str, line: int | None) -> ExerciseFunction | None:
    """The innermost exercise function of `filename` containing `line`."""
    if line is None:
        return None
    inside = [f for f in exercise_functions(filename) if f.start <= line <= f.end]
    return min(inside, key=lambda f: f.end - f.start) if inside else None


def syntax_error_text(error: SyntaxError) -> str:
    """One Chinese sentence: the file, the line, what Python says, the offending code."""
    path = engine_path(error.filename or "") or (error.filename or "?")
    code = (error.text or "").strip()
    shown = f"：`{code}`" if code else ""
    kind = "缩进错误" if isinstance(error, IndentationError) else "语法错误"
    return f"{path} 第 {error.lineno} 行有{kind}（Python：{error.msg}）{shown}"
