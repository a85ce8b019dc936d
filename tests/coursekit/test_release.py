"""The release build: the student version has stubs for solutions and no hidden tests, byte for byte the same every time,
and `solutions/` is never touched. Built on a small toy course written to a tmp folder."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from coursekit.markers import ANSWER_PROMPT, BEGIN_SOLUTION, MarkerError
from coursekit.release import Course, CourseInputError, build_repository, build_student_files, release
from coursekit.manifest import STUDENT_TESTS

from helpers import ROOT
from toy_course import make_toy_course


def tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(folder).rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture
def toy(tmp_path) -> Course:
    return make_toy_course(tmp_path / "course")


def _student_notebook(files) -> nbformat.NotebookNode:
    return nbformat.reads(files["chapters/01_toy.ipynb"].decode(), as_version=4)


# ------------------------------------------------------------------ the student version

def test_engine_region_becomes_the_stub_and_hidden_tests_disappear(toy):
    ops = build_student_files(toy)["minigrad/ops.py"].decode()
    assert "    # 练习 toy-twice：把输入乘以二。在这里写你的代码。\n" in ops
    assert '    raise NotImplementedError("练习 toy-twice 尚未完成：把输入乘以二（minigrad/ops.py）")\n' in ops
    assert "doubled" not in ops and "SECRET_INPUTS" not in ops and "###" not in ops
    assert ops.startswith('"""Toy ops."""\nimport numpy as np\n\n\ndef twice(x):\n    """2x."""\n')


def test_student_notebook_stubs_solutions_keeps_text_outputs_and_empties_check_cells(toy):
    notebook = _student_notebook(build_student_files(toy))
    cells = notebook.cells
    assert "squared" not in cells[6].source and "练习 toy-square 尚未完成：平方函数（chapters/01_toy.ipynb）" in cells[6].source
    assert cells[6].source.startswith("def square(x):\n    # 练习 toy-square")
    assert cells[6].outputs == [] and cells[6].execution_count is None
    assert cells[3].outputs[0].data["text/plain"] == "array([0, 1, 2])"       # the text's cell keeps its output
    assert "execution" not in cells[3].metadata                                # no timestamps
    assert cells[5].outputs == [] and cells[5].execution_count is None         # no verdict before the work
    assert "nbval-ignore-output" in cells[5].metadata.tags                      # a check fails by raising
    assert cells[8].source == ANSWER_PROMPT
    assert cells[9].source == "assert square(3) == 9"
    assert cells[6].metadata.nbgrader.grade_id == "toy-square"                 # the grader still finds the cell


def test_two_builds_are_byte_identical(toy, tmp_path):
    release(toy, tmp_path / "a", echo=lambda *_: None)
    release(toy, tmp_path / "b", echo=lambda *_: None)
    assert tree_digest(tmp_path / "a") == tree_digest(tmp_path / "b")
    assert build_repository(toy) == build_repository(toy)


def test_a_build_never_modifies_solutions(toy, tmp_path):
    before = tree_digest(toy.solutions)
    release(toy, echo=lambda *_: None)
    release(toy, tmp_path / "out", echo=lambda *_: None)
    assert tree_digest(toy.solutions) == before


def test_in_place_release_writes_changed_files_and_removes_stale_ones(toy):
    release(toy, echo=lambda *_: None)
    assert (toy.root / "chapters/01_toy.ipynb").is_file() and (toy.root / "minigrad/ops.py").is_file()
    (toy.root / "minigrad/stale.py").write_text("x = 1\n")
    (toy.root / "minigrad/ops.py").write_text("edited by hand\n")
    lines = []
    release(toy, echo=lines.append)
    assert not (toy.root / "minigrad/stale.py").exists()
    assert (toy.root / "minigrad/ops.py").read_bytes() == build_student_files(toy)["minigrad/ops.py"]
    assert any("removed minigrad/stale.py" in line for line in lines)


def test_standalone_repository_has_what_students_need_and_nothing_more(toy, tmp_path):
    out = tmp_path / "student"
    release(toy, out, echo=lambda *_: None)
    files = set(tree_digest(out))
    assert not any(f.startswith("solutions/") for f in files)
    assert set(STUDENT_TESTS) <= files and "tests/coursekit/test_release.py" not in files and "tests/test_release.py" not in files
    for instructor_only in ("coursekit/validate.py", "coursekit/release/__init__.py", "coursekit/markers.py",
                            "coursekit/answerkey.py", "coursekit/checks/hidden.py", "coursekit/mirror.py"):
        assert instructor_only not in files
    assert {"coursekit/verdicts.py", "coursekit/engine.py", "coursekit/cli.py", "chapters/01_toy.ipynb",
            "minigrad/ops.py", "text/2.1_autodiff.md"} <= files
    pyproject = (out / "pyproject.toml").read_text(encoding="utf-8")
    assert 'testpaths = ["tests", "chapters"]' in pyproject and "--nbval --nbval-current-env" in pyproject
    assert '"torch==2.13.0",' in pyproject
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "pytest" in readme and "`toy-twice`" in readme and "共 15 分" in readme
    assert "$" not in readme


def test_student_repository_cli_offers_check_only(toy, tmp_path):
    out = tmp_path / "student"
    release(toy, out, echo=lambda *_: None)
    done = subprocess.run([sys.executable, "-m", "coursekit", "--help"], cwd=out, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "check" in done.stdout and "release" not in done.stdout and "validate" not in done.stdout


def test_release_refuses_a_non_empty_out_unless_forced(toy, tmp_path):
    out = tmp_path / "student"
    (out / "old").mkdir(parents=True)
    with pytest.raises(CourseInputError, match="not empty"):
        release(toy, out, echo=lambda *_: None)
    release(toy, out, force=True, echo=lambda *_: None)
    assert not (out / "old").exists()


# ------------------------------------------------------------------ bad input stops the build

def _replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.parametrize("old, new, expected", [
    ("### END HIDDEN TESTS\n", "", "BEGIN marker without an END"),
    ("### BEGIN SOLUTION toy-twice", "### BEGIN SOLUTION", "needs the exercise id"),
    ("### BEGIN SOLUTION toy-twice", "### BEGIN SOLUTION toy-thrice", "'toy-thrice' is not in the registry"),
    ("    doubled = np.asarray(x) * 2\n", "    doubled = np.asarray(x) * 2\n    ### BEGIN SOLUTION toy-twice\n",
     "nested marker"),
    ('"""Toy ops."""\n', '"""Toy ops."""\n### END SOLUTION\n', "END marker without a BEGIN"),
    ('"""Toy ops."""\n', '"""Toy ops."""\n### BEGIN SOLUTION toy-twice\nX = 1\n### END SOLUTION\n',
     "module or class level"),
])
def test_bad_markers_stop_the_build_with_file_and_line(toy, old, new, expected):
    _replace_in(toy.solutions / "minigrad/ops.py", old, new)
    with pytest.raises(MarkerError, match=expected) as raised:
        build_student_files(toy)
    assert raised.value.path == "solutions/minigrad/ops.py" and raised.value.line > 0


def test_notebook_marker_in_a_cell_without_metadata_is_refused(toy):
    path = toy.solutions / "chapters/01_toy.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[3].source = f"{BEGIN_SOLUTION} toy-square\nx = 1\n### END SOLUTION"
    nbformat.write(notebook, path)
    with pytest.raises(MarkerError, match="cell 3.*without nbgrader metadata"):
        build_student_files(toy)


def _cli(root: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "coursekit", *args, "--root", str(root)], cwd=cwd or root,
                          capture_output=True, text=True)


@pytest.mark.parametrize("content, expected", [
    ("{not json", "not valid JSON"),
    ('{"nbformat": 3, "worksheets": []}', "not an nbformat 4 notebook"),
])
def test_cli_release_names_a_malformed_notebook_and_exits_2(tmp_path, content, expected):
    course = make_toy_course(tmp_path / "course")
    (course.solutions / "chapters/02_broken.ipynb").write_text(content, encoding="utf-8")
    done = _cli(course.root, "release")
    assert done.returncode == 2
    assert "solutions/chapters/02_broken.ipynb" in done.stderr and expected in done.stderr
    assert "Traceback" not in done.stderr


def test_cli_release_with_a_missing_solutions_folder_exits_2(tmp_path):
    (tmp_path / "empty").mkdir()
    done = _cli(tmp_path / "empty", "release", cwd=ROOT)
    assert done.returncode == 2 and "solutions/" in done.stderr and "missing" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_release_html_renders_every_student_notebook_with_an_index(toy, tmp_path):
    out = tmp_path / "student"
    release(toy, out, html=True, echo=lambda *_: None)
    page = (out / "html/01_toy.html").read_text(encoding="utf-8")
    assert "练习 toy-square 尚未完成" in page and "squared" not in page
    assert 'href="01_toy.html"' in (out / "html/index.html").read_text(encoding="utf-8")


# ------------------------------------------------------------------ the answer key (`solutions OUT`)

@pytest.mark.slow
def test_answer_key_executes_every_solution_notebook_and_renders_it(toy, tmp_path):
    from coursekit.answerkey import build_answer_key
    lines = []
    build_answer_key(toy, tmp_path / "key", echo=lines.append)
    notebook = nbformat.read(tmp_path / "key/chapters/01_toy.ipynb", as_version=4)
    assert notebook.cells[5].outputs[0].text.startswith("✅ 练习 toy-twice")     # run against the solutions
    assert notebook.cells[6].source.count("squared") == 2                         # solutions, not stubs
    assert "squared" in (tmp_path / "key/html/01_toy.html").read_text(encoding="utf-8")
    assert 'href="01_toy.html"' in (tmp_path / "key/html/index.html").read_text(encoding="utf-8")
    assert lines[0].startswith("[1/1] solutions/chapters/01_toy.ipynb: executed in")


@pytest.mark.slow
def test_answer_key_names_the_failing_notebook_and_cell(toy, tmp_path):
    from coursekit.answerkey import NotebookFailed, build_answer_key
    path = toy.solutions / "chapters/01_toy.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("1 / 0"))
    nbformat.write(notebook, path)
    with pytest.raises(NotebookFailed, match=r"solutions/chapters/01_toy.ipynb, cell 10: ZeroDivisionError"):
        build_answer_key(toy, tmp_path / "key", echo=lambda *_: None)


def test_the_real_course_builds_the_same_bytes_twice():
    course = Course(ROOT)
    assert build_student_files(course) == build_student_files(course)


def test_cli_check_verb_reaches_the_self_check_and_refuses_an_unknown_id(toy):
    done = subprocess.run([sys.executable, "-m", "coursekit", "check", "toy-nope"], cwd=toy.root,
                          capture_output=True, text=True)
    assert done.returncode == 2 and "toy-nope" in done.stderr and "Traceback" not in done.stderr


def test_the_instructors_upload_destination_reaches_the_student_readme_pyproject_and_submit(toy, tmp_path, capsys):
    from coursekit.submit import _course_destination
    where = 'Canvas 上的「作业 1：自动微分」（截止 12 月 15 日）"'
    settings = toy.root / "pyproject.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace(
        'submit-to = "课程的 Gradescope 作业页面（老师另有说明时，按老师说的方式提交）"',
        f'submit-to = {json.dumps(where, ensure_ascii=False)}'), encoding="utf-8")
    out = tmp_path / "student"
    release(toy, out, echo=lambda *_: None)
    assert f"把 `submission.zip` 上传到这里：\n\n{where}\n" in (out / "README.md").read_text(encoding="utf-8")
    assert _course_destination(out) == where                     # what `coursekit submit` prints

    settings.write_text(settings.read_text(encoding="utf-8").replace(json.dumps(where, ensure_ascii=False), "3"),
                        encoding="utf-8")
    with pytest.raises(CourseInputError, match="submit-to must be a non-empty string"):
        release(toy, tmp_path / "again", echo=lambda *_: None)


def test_submit_falls_back_to_the_default_destination_without_a_readable_pyproject(tmp_path):
    from coursekit.submit import DEFAULT_UPLOAD_TO, _course_destination
    assert _course_destination(tmp_path) == DEFAULT_UPLOAD_TO
    (tmp_path / "pyproject.toml").write_text("[tool.coursekit\n", encoding="utf-8")
    assert _course_destination(tmp_path) == DEFAULT_UPLOAD_TO
