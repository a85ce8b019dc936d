"""`pytest` in a student repository: one Chinese verdict per exercise and one line per notebook, no
tracebacks (coursekit.pytest_verdicts, enabled by the student pyproject). Run on the toy course's release."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from test_release import make_toy_course

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
    assert "⏳ 练习 toy-twice（把输入乘以二）还没有完成：请在 minigrad/ops.py 中标有「练习 toy-twice」的地方写代码。" in lines
    assert any(line.startswith("⏳ 练习 toy-square") for line in lines)
    notebook = [line for line in lines if line.startswith("chapters/01_toy.ipynb：")]
    assert len(notebook) == 1 and "练习 toy-twice" in notebook[0] and "toy-square" in notebook[0], output
    assert "Traceback" not in output and "ExerciseReport" not in output and "AssertionError" not in output
    assert "failed" in lines[-1] and len(lines) < 30, output
