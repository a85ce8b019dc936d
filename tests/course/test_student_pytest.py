"""`pytest` in a student repository: one Chinese verdict per exercise and one line per notebook, no
tracebacks (coursekit.pytest_verdicts, enabled by the student pyproject). Run on the toy course's release."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from toy_course import make_toy_course

from coursekit.pytest_verdicts import KEY, cell_cause, notebook_lines
from coursekit.release import release


@pytest.mark.slow
def test_fresh_student_repository_pytest_prints_verdicts_not_tracebacks(tmp_path):
    out = tmp_path / "student"
    release(make_toy_course(tmp_path / "course"), out, echo=lambda *_: None)
    env = {k: v for k, v in os.environ.items() if k not in ("MINIGRAD_ROOT", "PYTEST_ADDOPTS")}
    env["PYTHONPATH"] = str(out)            # the release's own coursekit, as after `pip install -e .` there
    done = subprocess.run([sys.executable, "-m", "pytest", "--color=no"], cwd=out, env=env,
                          capture_output=True, text=True, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    lines = output.splitlines()
    assert any(line.startswith("⏳ 练习 toy-twice（把输入乘以二）还没有完成：请在 minigrad/ops.py 中标有「练习 toy-twice」的地方写代码")
               for line in lines), output
    assert any(line.startswith("⏳ 练习 toy-square") for line in lines)
    notebook = [line for line in lines if line.startswith("chapters/01_toy.ipynb：")]
    assert len(notebook) == 1 and "练习 toy-twice" in notebook[0] and "toy-square" in notebook[0], output
    assert "Traceback" not in output and "ExerciseReport" not in output and "AssertionError" not in output
    assert "failed" in lines[-1] and len(lines) < 30, output


@pytest.mark.slow
def test_a_broken_notebook_and_an_endless_loop_are_named_even_from_a_subfolder(tmp_path):
    """A notebook that is not JSON is named (pytest would stop at collection with a traceback); a cell that
    never returns is stopped by nbval's cell timeout and told as such; `cd chapters && pytest` works. The
    cell timeout leaves room for a loaded machine: the check cell imports torch before its own 1 s limit."""
    import nbformat
    out = tmp_path / "student"
    release(make_toy_course(tmp_path / "course"), out, echo=lambda *_: None)
    (out / "minigrad" / "ops.py").write_text("def twice(x):\n    while True:\n        pass\n", encoding="utf-8")
    (out / "chapters" / "02_broken.ipynb").write_text('{"cells": [', encoding="utf-8")
    loop = nbformat.v4.new_code_cell("import minigrad\nminigrad.twice([1.0])")
    nbformat.write(nbformat.v4.new_notebook(cells=[loop]), out / "chapters" / "03_loop.ipynb")
    env = {k: v for k, v in os.environ.items() if k not in ("MINIGRAD_ROOT", "PYTEST_ADDOPTS")}
    env.update(PYTHONPATH=str(out), COURSEKIT_TIMEOUT="1")
    done = subprocess.run([sys.executable, "-m", "pytest", "--color=no", "--nbval-cell-timeout=20"],
                          cwd=out / "chapters", env=env, capture_output=True, text=True, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "Traceback" not in output and "FileNotFoundError" not in output, output
    assert "chapters/02_broken.ipynb：无法读取" in output and "请在 JupyterLab 中打开它" in output, output
    assert "chapters/03_loop.ipynb：第 1 个代码单元格：运行超时，已被中断" in output, output
    assert "用到了未完成或未通过的练习 toy-twice" in output, output       # 01's check cell: its ⏱ verdict


class _CellError(Exception):
    def __init__(self, message, traceback):
        super().__init__(message)
        self.cell_num, self.inner_traceback = 3, traceback


class _Report:
    def __init__(self, nodeid, number, cause):
        self.nodeid, self.user_properties = nodeid, [(KEY, (number, cause))]


def test_a_cell_failure_is_told_by_its_unfinished_exercise_or_its_last_error_line():
    stub = "\x1b[31mNotImplementedError\x1b[39m: 练习 2.1-jvp 尚未完成：前向模式（minigrad/ops.py）"
    assert cell_cause(_CellError("Cell execution caused an exception", f"Traceback\n{stub}\n")) == "练习 2.1-jvp"
    verdict = "⏳ 练习 2.1-vjp（反向模式：基本运算的伴随规则）还没有完成：请在 minigrad/ops.py 中……"
    assert cell_cause(_CellError("Cell execution caused an exception", verdict)) == "练习 2.1-vjp"
    name_error = "---\nNameError                  Traceback\nCell In[1], line 1\nNameError: name 'y' is not defined\n"
    assert cell_cause(_CellError("Cell execution caused an exception", name_error)) == "NameError: name 'y' is not defined"
    assert cell_cause(_CellError("Cell outputs differ", "- 1\n+ 2")) == "输出与笔记本中保存的不同"
    context = ("  raise NotImplementedError('练习 2.1.2-backward-gradient 尚未完成')   # shown, not reached\n"
               "NotImplementedError: 练习 2.1.1-dot-sum 尚未完成")
    assert cell_cause(_CellError("Cell execution caused an exception", context)) == "练习 2.1.1-dot-sum"


def test_one_line_per_notebook_groups_cells_by_cause():
    reports = [_Report("chapters/05.ipynb::Cell 7", 7, "练习 2.1-vjp"), _Report("chapters/05.ipynb::Cell 9", 9, "练习 2.1-vjp"),
               _Report("chapters/05.ipynb::Cell 8", 8, "NameError: name 'y' is not defined"),
               _Report("chapters/06.ipynb::Cell 2", 2, "练习 2.1.2-unbroadcast")]
    assert notebook_lines(reports) == [                 # counted from 1 down the notebook (nbval counts from 0)
        "chapters/05.ipynb：第 8、10 个代码单元格用到了未完成或未通过的练习 2.1-vjp；第 9 个代码单元格：NameError: name 'y' is not defined",
        "chapters/06.ipynb：第 3 个代码单元格用到了未完成或未通过的练习 2.1.2-unbroadcast"]


def test_verdict_lines_are_printable_in_a_legacy_code_page():
    """pytest prints a line its terminal cannot encode as \\u escapes: under GBK (Chinese Windows) only the
    emoji become '?', the Chinese stays readable."""
    import io
    from types import SimpleNamespace
    from coursekit.pytest_verdicts import _encodable_writer
    file = io.TextIOWrapper(io.BytesIO(), encoding="gbk")
    lines = []
    reporter = SimpleNamespace(_tw=SimpleNamespace(_file=file), write_line=lines.append)
    _encodable_writer(reporter)("⏳ 练习 2.1-numdiff 还没有完成")
    assert lines == ["? 练习 2.1-numdiff 还没有完成"]
    lines.clear()
    _encodable_writer(SimpleNamespace(write_line=lines.append))("✅ 通过")     # no encoding known: UTF-8
    assert lines == ["✅ 通过"]
