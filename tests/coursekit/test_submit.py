"""`python -m coursekit submit` and the rule behind it: an exercise cell is judged alone, the same way by
`check(...)`, the CLI table, `coursekit submit` and the grader. Built on a real student release."""
from __future__ import annotations

import linecache
import zipfile
from pathlib import Path

import nbformat
import pytest

from coursekit import answers, exercises
from coursekit.answers import exercise_cells
from coursekit.grading.sandbox import Isolation, Limits
from coursekit.grading.submission import _kept
from coursekit.release import Course, release
from coursekit.verdicts import NotPassed, check
from coursekit.submit import is_submitted, submit

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = "chapters/10_exercises.ipynb"
TRUSTED = Limits(isolation=Isolation.TRUSTED)      # the instructor's own solutions: `grade --trusted-code`
SIN = exercises.get("2.1-ex-sin-derivative")
# np comes from another cell: fine in the kernel, a NameError where the grader runs the cell alone
SIN_WITHOUT_IMPORT = ("import minigrad as torch\n\n\ndef sin_derivative(x):\n"
                      "    t = torch.tensor(x, requires_grad=True)\n    torch.sin(t).sum().backward()\n"
                      "    return np.asarray(t.grad.numpy())\n")


def _set_answer_cells(root: Path, sources: dict[str, str]) -> None:
    path = root / NOTEBOOK
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code" and grade_id in sources:
            cell.source = sources[grade_id]
    nbformat.write(notebook, path)


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    """A student release with every exercise done: the solution engine and the solution answer cells."""
    import shutil
    out = tmp_path_factory.mktemp("finished") / "course"
    release(Course(ROOT), out, echo=lambda *_: None)
    shutil.rmtree(out / "minigrad")
    shutil.copytree(ROOT / "solutions/minigrad", out / "minigrad", ignore=shutil.ignore_patterns("__pycache__"))
    solved = nbformat.read(ROOT / "solutions" / NOTEBOOK, as_version=4)
    _set_answer_cells(out, {e.id: exercise_cells(solved, e.id)[0] for e in exercises.all_exercises() if e.answer})
    return out


@pytest.mark.slow
def test_submit_on_a_finished_release_makes_a_zip_the_grader_scores_in_full(finished, tmp_path, capsys):
    from coursekit.grading.grader import grade
    assert submit(finished, tmp_path / "submission.zip") == 0
    said = capsys.readouterr().out
    total = sum(e.points for e in exercises.all_exercises())
    assert f"合计：{total}/{total} 分" in said and "上传到" in said and "⚠️" not in said
    names = zipfile.ZipFile(tmp_path / "submission.zip").namelist()
    assert NOTEBOOK in names and "minigrad/__init__.py" in names and "minigrad/ops.py" in names
    assert all(is_submitted(tuple(n.split("/"))) for n in names)
    [(_, results, _)] = grade([tmp_path / "submission.zip"], tmp_path / "graded", quiet=True, limits=TRUSTED)
    assert results["score"] == total, results["output"]


@pytest.mark.slow
def test_submit_on_a_fresh_release_says_in_chinese_what_is_unfinished(tmp_path, capsys):
    out = tmp_path / "course"
    release(Course(ROOT), out, echo=lambda *_: None)
    assert submit(out) == 1
    said = capsys.readouterr().out
    every = exercises.all_exercises()      # one total: registry, CLI table, both READMEs, grader
    total = sum(e.points for e in every)
    assert f"合计：0/{total} 分" in said and "⏳ 练习 2.1-backward-order" in said and "还没有完成" in said
    assert "现在提交也可以" in said and (out / "submission.zip").is_file()
    assert f"## 练习一览（共 {total} 分）" in (out / "README.md").read_text(encoding="utf-8")
    assert f"共 {len(every)} 道练习，{sum(e.points for e in every)} 分" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_an_answer_cell_using_a_name_from_another_cell_fails_check_submit_and_the_table(finished, tmp_path,
                                                                                         monkeypatch, capsys):
    import numpy
    monkeypatch.setenv("MINIGRAD_ROOT", str(finished))
    # the kernel: np defined by an earlier cell; IPython keeps each cell's source in linecache, no mtime
    filename = "<ipython-cell-7>"
    monkeypatch.setitem(linecache.cache, filename,
                        (len(SIN_WITHOUT_IMPORT), None, SIN_WITHOUT_IMPORT.splitlines(True), filename))
    kernel = {"np": numpy}
    exec(compile(SIN_WITHOUT_IMPORT, filename, "exec"), kernel)
    with pytest.raises(NotPassed, match="用到了 np，但练习单元格里没有定义"):
        check(SIN.id, kernel["sin_derivative"])
    fixed = "import numpy as np\n" + SIN_WITHOUT_IMPORT
    monkeypatch.setitem(linecache.cache, filename, (len(fixed), None, fixed.splitlines(True), filename))
    exec(compile(fixed, filename, "exec"), kernel)
    check(SIN.id, kernel["sin_derivative"])
    assert "✅ 练习 2.1-ex-sin-derivative" in capsys.readouterr().out

    copy = tmp_path / "course"
    import shutil
    shutil.copytree(finished, copy)
    _set_answer_cells(copy, {SIN.id: SIN_WITHOUT_IMPORT})
    with pytest.raises(answers.AnswerCellFailed, match="用到了 np"):
        from coursekit.engine import fresh_engine
        with fresh_engine(copy) as minigrad:
            answers.load_answer(SIN, copy, minigrad)
    from coursekit.submit import answer_cell_problems
    assert any("用到了 np" in p for p in answer_cell_problems(copy))
    from coursekit.grading.grader import grade               # and the grader fails it too
    [(_, results, _)] = grade([copy], tmp_path / "graded", quiet=True, exercise_ids=[SIN.id], limits=TRUSTED)
    said = results["tests"][0]["output"]
    assert results["score"] == 0 and said.count("用到了 np，但练习单元格里没有定义") == 1, said      # said once


def test_submit_zips_exactly_what_the_grader_reads():
    paths = ["minigrad/__init__.py", "minigrad/ops.py", "chapters/10_exercises.ipynb", "chapters/a/b.ipynb",
             "minigrad/notes.txt", "chapters/x.py", "minigrad/__pycache__/t.py", "chapters/.ipynb_checkpoints/a.ipynb",
             "minigrad/.hidden.py", "README.md", "submission.zip", "tests/test_exercises.py", "minigrad",
             "text/2.1_autodiff.md", ".git/minigrad/x.py"]
    for path in paths:
        parts = tuple(path.split("/"))
        assert is_submitted(parts) == _kept(parts), path


def test_an_invalid_notebook_is_named_and_still_zipped(tmp_path, capsys):
    from coursekit.submit import invalid_notebooks, submitted_files
    (tmp_path / "minigrad").mkdir()
    (tmp_path / "minigrad/__init__.py").write_text("")
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters/01_x.ipynb").write_text('{"cells": [\n  {"a": 1}\n  {"b": 2}]}', encoding="utf-8")
    [problem] = invalid_notebooks(tmp_path).values()
    assert problem.startswith("chapters/01_x.ipynb 不是有效的 Jupyter 笔记本（不是有效的 JSON：第 3 行第 3 列")
    assert submitted_files(tmp_path) == ["chapters/01_x.ipynb", "minigrad/__init__.py"]


@pytest.mark.slow
def test_a_broken_exercise_notebook_is_told_once_with_where_and_no_machine_path(finished, tmp_path, capsys):
    import shutil
    copy = tmp_path / "course"
    shutil.copytree(finished, copy)
    path = copy / NOTEBOOK
    path.write_text(path.read_text(encoding="utf-8").replace('"cells": [', '"cells": [,', 1), encoding="utf-8")
    assert submit(copy, tmp_path / "submission.zip") == 1
    said = capsys.readouterr().out
    warnings = [line for line in said.splitlines() if line.startswith("⚠️")]
    assert len([w for w in warnings if NOTEBOOK in w]) == 1 and "第 2 行" in said, said
    assert said.count("第 2 行第 12 列") == 2, said            # once in the check table, once in the warnings
    shown = [line for line in said.splitlines() if str(tmp_path) in line]    # the student's own folder, nothing else
    assert all(line.startswith(("minigrad: ", "已写好 ")) for line in shown), shown
