"""A small complete course written to a tmp folder: a toy engine with one exercise, a toy notebook with one
answer cell, a toy text, and the real tooling files. The release, validator and student-repository tests
build on it."""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from coursekit.exercises import Exercise
from coursekit.markers import BEGIN_HIDDEN
from coursekit.release import Course
from coursekit.manifest import STUDENT_TESTS

from helpers import ROOT


ENGINE_INIT = '"""Toy engine."""\nfrom .ops import twice\n'
ENGINE_OPS = '''"""Toy ops."""
import numpy as np


def twice(x):
    """2x."""
    ### BEGIN SOLUTION toy-twice
    doubled = np.asarray(x) * 2
    return doubled
    ### END SOLUTION


### BEGIN HIDDEN TESTS
SECRET_INPUTS = [17, 23, 42]
### END HIDDEN TESTS
'''
TEXT = """# Toy Chapter
## 1.1 Toy Section
这是一个段落，它必须原样出现。

    import numpy as np
    np.arange(3)
结果：

    array([0, 1, 2])
"""


# Appended to the toy course's copy of coursekit/exercises.py (so `python -m coursekit` run inside the
# toy course knows the toy exercises) and executed here for the in-process tests: one definition.
TOY_REGISTRY = '''

import numpy as _np
from coursekit.checks.base import Case as _Case, Check as _Check


def _toy_twice_run(lib, x):
    return {"2x": lib.twice(x)}


def _toy_square_run(lib, answer, x):
    return {"x²": _np.asarray(answer(x))}


def _exercises():
    twice = (_Check("twice", _toy_twice_run, lambda: [_Case("x = [1, 2]", {"x": _np.array([1.0, 2.0])})],
                    ref=lambda torch, x: {"2x": 2 * x}),)
    square = (_Check("square", _toy_square_run, lambda: [_Case("x = [1, 3]", {"x": _np.array([1.0, 3.0])})],
                     ref=lambda torch, x: {"x²": x * x}, answer=True),)
    return (Exercise("toy-twice", "把输入乘以二", 10, "01_toy", "minigrad/ops.py", twice),
            Exercise("toy-square", "平方函数", 5, "01_toy", "chapters/01_toy.ipynb", square, answer="square"))
'''


def toy_exercises() -> tuple:
    namespace = {"Exercise": Exercise}
    exec(TOY_REGISTRY, namespace)
    return namespace["_exercises"]()


def _code(source, outputs=(), **metadata):
    cell = nbformat.v4.new_code_cell(source, metadata=metadata)
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    cell.execution_count = 1 if outputs else None
    return cell


def _result(text):
    return {"output_type": "execute_result", "execution_count": 1, "metadata": {}, "data": {"text/plain": text}}


def _stream(text):
    return {"output_type": "stream", "name": "stdout", "text": text}


def toy_notebook() -> nbformat.NotebookNode:
    md = nbformat.v4.new_markdown_cell
    cells = [
        md("# Toy Chapter\n## 1.1 Toy Section"),
        _code("%load_ext coursekit\nfrom coursekit import check"),
        md("这是一个段落，\n它必须原样出现。"),
        _code("import numpy as np\nnp.arange(3)", [_result("array([0, 1, 2])")],
              execution={"iopub.execute_input": "2026-01-01T00:00:00.000000Z"}),
        md("打开 `minigrad/ops.py`，找到标有练习 toy-twice 的位置。"),
        _code('check("toy-twice")', [_stream("✅ 练习 toy-twice 通过\n")]),
        _code("def square(x):\n    ### BEGIN SOLUTION toy-square\n    squared = x * x\n    return squared\n"
              "    ### END SOLUTION", [_stream("solution output\n")],
              nbgrader={"grade_id": "toy-square", "solution": True}),
        _code('check("toy-square", square)', [_stream("✅ 练习 toy-square 通过\n")]),
        md("平方的导数是二倍的自变量。", metadata={"nbgrader": {"grade_id": "answer-why", "solution": True}}),
        _code(f"assert square(3) == 9\n{BEGIN_HIDDEN}\nassert square(-4) == 16\n### END HIDDEN TESTS"),
    ]
    notebook = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}})
    for index, cell in enumerate(notebook.cells):    # fixed ids: a toy build must be deterministic too
        cell.id = f"cell-{index}"
    return notebook


def make_toy_course(root: Path) -> Course:
    """A small complete course at `root`: solutions (engine + notebook), text, and the real tooling files."""
    (root / "solutions/minigrad").mkdir(parents=True)
    (root / "solutions/chapters").mkdir(parents=True)
    (root / "solutions/minigrad/__init__.py").write_text(ENGINE_INIT, encoding="utf-8")
    (root / "solutions/minigrad/ops.py").write_text(ENGINE_OPS, encoding="utf-8")
    nbformat.write(toy_notebook(), root / "solutions/chapters/01_toy.ipynb")
    (root / "text").mkdir()
    (root / "text/2.1_autodiff.md").write_text(TEXT, encoding="utf-8")
    shutil.copytree(ROOT / "coursekit", root / "coursekit", ignore=shutil.ignore_patterns("__pycache__"))
    with open(root / "coursekit/exercises.py", "a", encoding="utf-8") as registry:
        registry.write(TOY_REGISTRY)
    for name in (*STUDENT_TESTS.values(), "pyproject.toml", "environment.yml", ".gitignore"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, root / name)
    return Course(root, toy_exercises())
