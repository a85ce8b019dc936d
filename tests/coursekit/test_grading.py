"""The autograder: honest, bare, partial and hostile submissions, resume, results.json, Gradescope bundle.

Two layers. Fast tests grade a small hand-written engine against the registry cut down to exercise
2.1-numdiff (and 2.1-ex-sin-derivative for notebooks): one attack per hostile submission, all graded
in one call with --jobs 2. Slow tests grade copies of solutions/ (honest), the stubbed release (bare),
partly stubbed solutions (partial) and solutions with an attack in one exercise, with every exercise.
"""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest

from coursekit import exercises
from coursekit.grading import grader, outfolder, report
from coursekit.grading.child import decode_array, decode_value, encode_array, encode_value
from coursekit.grading.results import read_results
from coursekit.grading.sandbox import CHILD_MODULES, Limits, loaded_torch, working_copy
from coursekit.grading.submission import MAX_FILE_BYTES, unpack
from coursekit.markers import stub_solutions

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
FAST = Limits(exercise_seconds=6, submission_seconds=40, startup_seconds=20)
MARK = "31415926"                   # in the command line of every process an attack tries to leave behind

NUMDIFF = '''\
import numpy as np


def central_difference(f, x, h=1e-6):
    x = np.array(x, dtype=np.float64)
{attack}
    gradient = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = h
        gradient[i] = (f(x + step) - f(x - step)) / (2 * h)
    return gradient
'''
ENGINE_INIT = '''\
from . import numdiff


def __getattr__(name):
    raise NotImplementedError("练习 2.1-backward-order 尚未完成：反向模式：计算图的拓扑排序（minigrad/autograd.py）")
'''
SIN_CELL = ("import minigrad\n\n\ndef sin_derivative(x):\n    t = minigrad.tensor(x, requires_grad=True)\n"
            "    minigrad.sin(t).sum().backward()\n    return t.grad.numpy()\n")   # autodiff: needs autodiff=True


# ---------------------------------------------------------------- building submissions

def small_engine(folder: Path, attack: str = "", init_attack: str = "", autodiff: bool = False) -> Path:
    """A minigrad whose only finished exercise is 2.1-numdiff, with `attack` run inside it. With
    `autodiff`, the complete engine instead, its central_difference replaced (for SIN_CELL's backward)."""
    numdiff = NUMDIFF.format(attack=textwrap.indent(attack, "    "))
    if autodiff:
        shutil.copytree(SOLUTIONS / "minigrad", folder / "minigrad", ignore=shutil.ignore_patterns("__pycache__"))
        with open(folder / "minigrad" / "numdiff.py", "a", encoding="utf-8") as file:
            file.write("\n\n" + numdiff)
        return folder
    (folder / "minigrad").mkdir(parents=True)
    (folder / "minigrad" / "numdiff.py").write_text(numdiff)
    (folder / "minigrad" / "__init__.py").write_text(init_attack + ENGINE_INIT)
    return folder


def exercise_notebook(path: Path, grade_id: str, source: str, extra_cells=()) -> None:
    cells = [nbformat.v4.new_code_cell(s) for s in extra_cells]
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade_id": grade_id, "solution": True}
    cells.append(cell)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)


SMALL = ["2.1-numdiff", "2.1-ex-sin-derivative"]     # the exercises the small engine can pass


def public_answers() -> dict[str, list]:
    """PyTorch's answers to every public case of 2.1-numdiff, keyed as the attack looks them up: the input's
    float64 bytes and the step h."""
    import torch
    answers = {}
    for check in exercises.get("2.1-numdiff").checks:
        for case in check.cases():
            expected = check.reference(torch, case.args)
            if "gradient" in expected:          # (the other checks look at x itself, or the result's type)
                key = f"{np.asarray(case.args['x'], np.float64).tobytes().hex()}:{float(case.args['h'])!r}"
                answers[key] = np.asarray(expected["gradient"]).tolist()
    return answers


def leftover_processes(marker: str = MARK) -> list[str]:
    """Command lines holding `marker` (an attack's, or a grading folder a child was started in)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if marker in cmdline and "pytest" not in cmdline and "coursekit grade" not in cmdline:
                found.append(cmdline)
    return found


def scores(graded) -> dict[str, int]:
    return {name: results["score"] for name, results, _ in graded}


def feedback(out: Path, name: str) -> str:
    return (out / name / "feedback.md").read_text(encoding="utf-8")


def exercise_output(out: Path, name: str, exercise_id: str) -> str:
    results = json.loads((out / name / "results.json").read_text(encoding="utf-8"))
    return next(t["output"] for t in results["tests"] if t["name"].startswith(exercise_id + " "))


# ---------------------------------------------------------------- attacks (fast layer)

ATTACKS = {   # name: (attack inside central_difference, what its feedback must say)
    "exit": ("import os\nos._exit(0)", "子进程提前退出"),
    "loop": ("while True:\n    pass", "超出时限"),
    "memory": ("hog = [np.ones(10 ** 7) for _ in range(10 ** 4)]", "MemoryError"),
    "torch": ("import sys\nsys.path.extend(__import__('site').getsitepackages() if hasattr(__import__('site'), "
              "'getsitepackages') else [])\nimport torch\nreturn torch.zeros(1).numpy()", "import torch"),
    "torch-by-path": ("import importlib.util, sys\nspec = importlib.util.spec_from_file_location('t', "
                      f"{str(Path(__import__('torch').__file__))!r})\nimportlib.util.module_from_spec(spec)\n"
                      "spec.loader.exec_module(importlib.util.module_from_spec(spec))",
                      # the sandbox hides the file; where its path falls outside /work, the audit hook refuses first
                      ("No such file or directory", "评分环境禁止此操作：open")),
    "processes": (f"import subprocess\nsubprocess.Popen(['sleep', '{MARK}'])", "subprocess.Popen"),
    "fork": (f"import os\nif os.fork() == 0:\n    os.execvp('sleep', ['sleep', '{MARK}'])", "os.fork"),
    "patch-checker": ("import coursekit.compare, coursekit.runner\n"
                      "coursekit.compare.compare = lambda *a, **k: None\n"
                      "coursekit.runner.compare_case = lambda *a, **k: None\n"
                      "np.allclose = np.isclose = np.array_equal = lambda *a, **k: True\n"
                      "return np.zeros_like(x)", "数值不同"),
    "forged-result": ("import json, os, sys\nfd = json.loads(sys.argv[1])['result_fd']\n"
                      "os.write(fd, b'{\"type\": \"done\"}\\n')\n"
                      "print(json.dumps({'score': 100, 'tests': []}))\n"
                      "return np.zeros_like(x)", "结果无效"),
    "write-outside": ("open({out!r}, 'w').write('{{\"score\": 100}}')", "No such file or directory"),
    "hard-coded": ("ANSWERS = {answers}\nkey = f'{x.tobytes().hex()}:{float(h)!r}'\nif key in ANSWERS:\n"
                   "    return np.array(ANSWERS[key])\nreturn np.zeros_like(x)", "只有隐藏用例未通过"),
    "equals-anything": ("class Anything:\n    def __eq__(self, other):\n        return True\n"
                        "return Anything()", "TypeError"),
    "huge-result": ("return np.zeros(3 * 10 ** 6)", "上限"),
    "deep-json": ("import json, os, sys\nfd = json.loads(sys.argv[1])['result_fd']\n"
                  "os.write(fd, b'[' * 200000 + b']' * 200000 + b'\\n')\nreturn np.zeros_like(x)", "结果无效"),
    "enormous-output": ("import sys\nfor _ in range(10 ** 5):\n    sys.stdout.write('x' * 10 ** 4)", "File too large"),
}


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    """Every attack as its own submission, plus an honest one, graded together with --jobs 2."""
    base = tmp_path_factory.mktemp("attacks")
    out = base / "out"
    subs = [small_engine(base / "subs" / "honest", autodiff=True)]
    exercise_notebook(subs[0] / "chapters" / "10_exercises.ipynb", "2.1-ex-sin-derivative", SIN_CELL)
    answers = repr(public_answers())
    for name, (attack, _) in ATTACKS.items():
        code = attack.replace("{answers}", answers) if name == "hard-coded" else attack
        if name == "write-outside":      # where the grader will write the honest submission's results
            code = attack.format(out=str(out / "honest" / "results.json"))
        subs.append(small_engine(base / "subs" / name, code))
    started = time.monotonic()
    graded = grader.grade(subs, out, jobs=2, limits=FAST, quiet=True, exercise_ids=SMALL)
    return out, graded, time.monotonic() - started


def test_honest_small_engine_earns_its_points(attacked):
    out, graded, _ = attacked
    assert scores(graded)["honest"] == 15
    assert "✅ 练习 2.1-numdiff" in feedback(out, "honest")


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_earns_nothing_and_is_explained(attacked, name):
    out, graded, _ = attacked
    assert scores(graded)[name] == 0
    text = exercise_output(out, name, "2.1-numdiff")
    expected = ATTACKS[name][1]
    assert any(e in text for e in ([expected] if isinstance(expected, str) else expected)), text
    assert len(feedback(out, name)) < 60_000          # enormous output is capped


def test_attacks_leave_no_process_and_no_file_behind(attacked):
    out, _, _ = attacked
    assert leftover_processes() == []
    assert not (out / grader.SCRATCH).exists()
    assert sorted(p.name for p in out.iterdir()) == sorted([".grading-key", "grades.csv", *report.RESERVED, "honest", *ATTACKS])


def test_attacks_are_graded_in_one_call_quickly(attacked):
    _, graded, seconds = attacked
    assert len(graded) == len(ATTACKS) + 1
    assert seconds < 90, f"{seconds:.0f} s"


def test_grades_csv_has_one_row_per_submission(attacked):
    out, graded, _ = attacked
    rows = (out / "grades.csv").read_text().splitlines()
    assert rows[0].startswith("submission,score,max_score,2.1-numdiff,2.1-ex-sin-derivative")
    assert {r.split(",")[0]: int(r.split(",")[1]) for r in rows[1:]} == scores(graded)


def test_results_json_follows_gradescope_schema(attacked):
    out, _, _ = attacked
    for folder in (p for p in out.iterdir() if p.is_dir()):
        results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
        assert results["score"] == sum(t["score"] for t in results["tests"])
        for test in results["tests"]:
            assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility"}
            assert test["status"] in ("passed", "failed") and test["visibility"] == "visible"
            assert (test["status"] == "passed") == (test["score"] == test["max_score"] > 0)


# ---------------------------------------------------------------- notebooks and zips (fast layer)

def test_malformed_notebook_fails_only_its_exercise(tmp_path):
    good = small_engine(tmp_path / "good", autodiff=True)
    exercise_notebook(good / "chapters" / "10_exercises.ipynb", "2.1-ex-sin-derivative", SIN_CELL,
                      extra_cells=["import os\nos._exit(1)"])       # other cells never run
    broken = small_engine(tmp_path / "broken")
    (broken / "chapters").mkdir()
    (broken / "chapters" / "10_exercises.ipynb").write_text('{"cells": [')
    missing = small_engine(tmp_path / "missing")
    exercise_notebook(missing / "chapters" / "10_exercises.ipynb", "another-id", SIN_CELL)
    crashing = small_engine(tmp_path / "crashing", autodiff=True)    # the cell raises: said once, not per case
    exercise_notebook(crashing / "chapters" / "10_exercises.ipynb", "2.1-ex-sin-derivative", "1 / 0\n" + SIN_CELL)
    typo = small_engine(tmp_path / "typo")                     # does not import: told once, as `check` tells it
    (typo / "minigrad" / "numdiff.py").write_text("def central_difference(f, x, h):\n    return f(x,, h)\n")
    exercise_notebook(typo / "chapters" / "10_exercises.ipynb", "2.1-ex-sin-derivative", SIN_CELL)
    graded = grader.grade([good, broken, missing, crashing, typo], tmp_path / "out", limits=FAST, quiet=True,
                          exercise_ids=SMALL)
    assert scores(graded) == {"good": 15, "broken": 10, "missing": 10, "crashing": 10, "typo": 0}
    said = feedback(tmp_path / "out", "typo")
    assert said.count("无法导入 minigrad：minigrad/numdiff.py 第 2 行有语法错误") == 1, said
    assert "`return f(x,, h)`" in said and said.count("原因见上文「关于提交本身」") == 2, said
    assert "第 2 行有语法错误" in exercise_output(tmp_path / "out", "typo", "2.1-numdiff")    # stands alone
    said = exercise_output(tmp_path / "out", "crashing", "2.1-ex-sin-derivative")
    assert said.count("单元格单独运行时出错") == 1 and "ZeroDivisionError" in said and "未通过：" not in said, said
    said = exercise_output(tmp_path / "out", "broken", "2.1-ex-sin-derivative")
    assert "chapters/10_exercises.ipynb：不是有效的 Jupyter 笔记本" in said and str(tmp_path) not in said, said
    assert "没有 grade_id" in exercise_output(tmp_path / "out", "missing", "2.1-ex-sin-derivative")


TRUSTED = Limits(exercise_seconds=6, submission_seconds=40, startup_seconds=20, isolation="trusted")


@pytest.mark.filterwarnings("ignore:--trusted-code")
def test_a_notebook_that_cannot_be_read_costs_only_its_own_exercises(tmp_path):
    """Too deep for the parser, too large, cells of the wrong shape: the engine exercise keeps its points,
    the notebook's exercise says why in Chinese, and nothing asks for a rerun (the submission is at fault)."""
    where = exercises.get("2.1-ex-sin-derivative").where
    deep = small_engine(tmp_path / "deep")
    (deep / where).parent.mkdir(parents=True)
    (deep / where).write_text('{"cells": ' + "[" * 200_000 + "]" * 200_000 + "}")
    large = small_engine(tmp_path / "large")
    exercise_notebook(large / where, "2.1-ex-sin-derivative", SIN_CELL, extra_cells=["#" * (MAX_FILE_BYTES + 10)])
    shaped = small_engine(tmp_path / "shaped")
    exercise_notebook(shaped / where, "2.1-ex-sin-derivative", SIN_CELL)
    notebook = json.loads((shaped / where).read_text())
    notebook["cells"][0]["source"] = 5
    (shaped / where).write_text(json.dumps(notebook))
    graded = grader.grade([deep, large, shaped], tmp_path / "out", limits=TRUSTED, quiet=True, exercise_ids=SMALL)
    assert scores(graded) == {"deep": 10, "large": 10, "shaped": 10}
    expected = {"deep": "JSON 的嵌套层数太深", "large": "没有读取这个笔记本（文件超过 2 MB 上限）",
                "shaped": "练习 2.1-ex-sin-derivative 的单元格格式不对（TypeError）"}
    for name, phrase in expected.items():
        said = exercise_output(tmp_path / "out", name, "2.1-ex-sin-derivative")
        assert f"{where}" in said and phrase in said, said
        assert "✅ 练习 2.1-numdiff" in feedback(tmp_path / "out", name)
    console = grader.summary(graded, tmp_path / "out")
    assert "NOT GRADED" not in console and "rerun" not in console, console


FORMULAS = ['=HYPERLINK("http:x","click")', "+1+1", "-2+3", "@SUM(1+1)"]


@pytest.mark.filterwarnings("ignore:--trusted-code")
def test_submission_names_and_messages_never_run_in_a_spreadsheet_or_a_page(tmp_path):
    subs = [small_engine(tmp_path / "subs" / name) for name in FORMULAS]
    (tmp_path / "subs" / "<b>no engine").mkdir()                        # listed with why in the report
    scripted = small_engine(tmp_path / "subs" / "scripted", init_attack="raise ImportError('<script>x</script>')\n")
    graded = grader.grade([*subs, tmp_path / "subs" / "<b>no engine", scripted], tmp_path / "out",
                          limits=TRUSTED, quiet=True, exercise_ids=SMALL)
    assert [s for _, r, _ in graded for s in [r["score"]]] == [10, 10, 10, 10, 0, 0]
    grades = list(csv.reader(io.StringIO((tmp_path / "out" / "grades.csv").read_text(encoding="utf-8"))))
    book = list(csv.reader(io.StringIO((tmp_path / "out" / "gradebook.csv").read_text(encoding="utf-8-sig"))))
    assert len(grades) == len(book) == 7
    assert [r[0] for r in grades[1:5]] == [r[0] for r in book[1:5]] == ["'" + name for name in FORMULAS]
    for row in grades + book:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row), row
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "<b>no engine" not in page and "&lt;b&gt;no engine" in page
    assert "<script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    markdown = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "<b>" not in markdown and "<script>" not in markdown


@pytest.mark.filterwarnings("ignore:--trusted-code")
def test_names_that_are_not_utf8_or_hold_control_characters_are_graded(tmp_path):
    """Bytes a folder name may hold: not UTF-8 (a Latin-1 upload), an escape sequence for the terminal."""
    base = os.fsencode(tmp_path / "subs")
    latin = Path(os.fsdecode(os.path.join(base, b"caf\xe9")))
    escape = Path(os.fsdecode(os.path.join(base, b"\x1b[2Jwiped")))
    for folder in (latin, escape):
        small_engine(folder)
    with open(os.path.join(os.fsencode(latin / "minigrad"), b"\xff.py"), "w") as file:
        file.write("x = 1\n")
    graded = grader.grade([latin, escape], tmp_path / "out", limits=TRUSTED, quiet=True, exercise_ids=["2.1-numdiff"])
    assert scores(graded) == {"caf\\xe9": 10, "?[2Jwiped": 10}
    assert "minigrad/\\xff.py：文件名不是 UTF-8" in feedback(tmp_path / "out", "caf\\xe9")
    assert "\x1b" not in grader.summary(graded, tmp_path / "out")


def test_spreadsheet_cells_follow_the_owasp_rule():
    from coursekit.grading.tables import spreadsheet_cell
    for text in ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1"]:
        assert spreadsheet_cell(text) == "'" + text
    assert spreadsheet_cell("alice") == "alice" and spreadsheet_cell("a=1") == "a=1" and spreadsheet_cell(-3) == -3


def hostile_zip(path: Path, engine: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(engine.rglob("*.py")):
            archive.write(file, f"wrapped/{file.relative_to(engine).as_posix()}")
        archive.writestr("../escaped.py", "x = 1")
        archive.writestr("/absolute.py", "x = 1")
        link = zipfile.ZipInfo("wrapped/minigrad/link.py")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
        archive.writestr("wrapped/minigrad/bomb.py", b"#" * (MAX_FILE_BYTES * 4))
        archive.writestr("wrapped/minigrad/liar.py", b"#" * (MAX_FILE_BYTES * 2))
    with zipfile.ZipFile(path, "a") as archive:         # a header that understates the inflated size
        for info in archive.infolist():
            if info.filename.endswith("liar.py"):
                info.file_size = 10
    return path


def test_zip_slip_symlinks_absolute_paths_and_bombs_are_refused(tmp_path):
    zipped = hostile_zip(tmp_path / "sneaky.zip", small_engine(tmp_path / "engine"))
    dest = tmp_path / "unpacked" / "here"
    sub = unpack(zipped, dest)
    kept = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file())
    assert kept == ["minigrad/__init__.py", "minigrad/numdiff.py"]
    assert not (tmp_path / "unpacked" / "escaped.py").exists() and not Path("/absolute.py").exists()
    notes = "\n".join(sub.notes)
    for expected in ("../escaped.py", "/absolute.py", "符号链接", "bomb.py"):
        assert expected in notes


def test_zip_submission_still_grades_what_is_safe(tmp_path):
    zipped = hostile_zip(tmp_path / "sneaky.zip", small_engine(tmp_path / "engine"))
    graded = grader.grade([zipped], tmp_path / "out", limits=FAST, quiet=True, exercise_ids=SMALL)
    assert scores(graded) == {"sneaky": 10}
    assert "路径跳出了提交文件夹" in feedback(tmp_path / "out", "sneaky")


def test_folder_submission_never_follows_symlinks(tmp_path):
    engine = small_engine(tmp_path / "engine")
    (engine / "minigrad" / "secret.py").symlink_to("/etc/passwd")
    (engine / "minigrad" / "linked").symlink_to("/etc", target_is_directory=True)
    sub = unpack(engine, tmp_path / "copy")
    assert not (tmp_path / "copy" / "minigrad" / "secret.py").exists()
    assert not (tmp_path / "copy" / "minigrad" / "linked").exists()
    assert any("符号链接" in note for note in sub.notes)


def test_child_working_copy_holds_no_hidden_cases_grader_or_solutions(tmp_path):
    copy = working_copy(tmp_path / "work", small_engine(tmp_path / "sub"))
    files = sorted(p.relative_to(copy).as_posix() for p in copy.rglob("*.py"))
    assert files == sorted(["minigrad/__init__.py", "minigrad/numdiff.py", "coursekit/__init__.py",
                            *(f"coursekit/{m}" for m in CHILD_MODULES)])
    text = "\n".join((copy / f).read_text(encoding="utf-8") for f in files)
    assert "HIDDEN TESTS" not in text and "def cases_for" not in text and "redraw" not in text
    assert "HIDDEN TESTS" in (ROOT / "coursekit" / "checks" / "hidden.py").read_text(encoding="utf-8")


def test_torch_in_a_process_is_detected_from_outside():
    assert loaded_torch([os.getpid()])                      # this test process imported torch
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        time.sleep(0.5)
        assert not loaded_torch([sleeper.pid])
    finally:
        sleeper.kill()
        sleeper.wait()


def test_arrays_and_scalars_keep_shape_and_dtype_on_the_wire():
    args = {"x": np.float32(2.5), "y": np.array(1.5), "z": np.arange(6.0).reshape(2, 3).T, "n": 3, "s": "dot"}
    back = decode_value(json.loads(json.dumps(encode_value(args))))
    assert type(back["x"]) is np.float32 and back["y"].shape == () and back["n"] == 3 and back["s"] == "dot"
    assert np.array_equal(back["z"], args["z"]) and back["z"].dtype == args["z"].dtype


def test_only_plain_arrays_cross_from_the_child():
    assert np.array_equal(decode_array(encode_array(np.arange(6.0).reshape(2, 3)), 100), np.arange(6.0).reshape(2, 3))
    pickled = {"dtype": "|O", "shape": [1], "data": "gASVAAAAAAAAAAA="}
    for bad in (pickled, {**encode_array(np.zeros(3)), "shape": [4]}, encode_array(np.zeros(200)),
                {**encode_array(np.zeros(3)), "extra": 1}):
        with pytest.raises(ValueError):
            decode_array(bad, 100)


# ---------------------------------------------------------------- resume, Ctrl-C, CLI (fast layer)

def test_rerun_skips_unchanged_submissions_and_force_regrades(tmp_path):
    sub, out = small_engine(tmp_path / "alice"), tmp_path / "out"
    options = {"limits": FAST, "quiet": True, "exercise_ids": SMALL}
    first = grader.grade([sub], out, **options)
    stamp = (out / "alice" / "results.json").stat().st_mtime_ns
    again = grader.grade([sub], out, **options)
    assert again[0][2] and (out / "alice" / "results.json").stat().st_mtime_ns == stamp
    assert again[0][1] == first[0][1]
    forced = grader.grade([sub], out, force=True, **options)
    assert not forced[0][2]
    other_exercises = grader.grade([sub], out, limits=FAST, quiet=True, exercise_ids=["2.1-numdiff"])
    assert not other_exercises[0][2]
    (sub / "minigrad" / "numdiff.py").write_text("def central_difference(f, x, h=1e-6):\n    return x\n")
    changed = grader.grade([sub], out, **options)
    assert not changed[0][2] and changed[0][1]["score"] == 0


def test_a_late_submission_graded_alone_keeps_the_class_in_the_summaries(tmp_path):
    out, options = tmp_path / "out", {"limits": FAST, "quiet": True, "exercise_ids": ["2.1-numdiff"]}
    grader.grade([small_engine(tmp_path / "alice"), small_engine(tmp_path / "bob")], out, **options)
    (out / "bob" / "feedback.md").write_text("# 评分反馈：bob\n\n**总分：10/10**\n")     # no longer verifies
    grader.grade([small_engine(tmp_path / "late" / "carol")], out, **options)
    rows = (out / grader.GRADES).read_text(encoding="utf-8").splitlines()
    assert [r.split(",")[0] for r in rows[1:]] == ["carol", "alice"], rows       # bob's result is not trusted
    book = (out / "gradebook.csv").read_text(encoding="utf-8-sig").splitlines()
    assert sorted(r.split(",")[0] for r in book[1:]) == ["alice", "carol"]
    grader.grade([small_engine(tmp_path / "later" / "dave")], out, limits=FAST, quiet=True, exercise_ids=SMALL)
    rows = (out / grader.GRADES).read_text(encoding="utf-8").splitlines()
    assert [r.split(",")[0] for r in rows[1:]] == ["dave"]          # other exercises: other columns, not mixed


def test_result_files_forged_during_a_run_are_put_back(tmp_path):
    out = tmp_path / "out"
    (out / "alice").mkdir(parents=True)
    (out / "alice" / "results.json").write_text('{"score": 3}')
    expected = outfolder.snapshot(out, ["alice", "bob"])
    (out / "alice" / "results.json").write_text('{"score": 100}')          # what an escaped child might do
    (out / "bob").mkdir()
    (out / "bob" / "results.json").symlink_to(out / "alice" / "results.json")
    (out / "alice" / "feedback.md").write_text("全部通过")
    outfolder.settle(expected)
    assert (out / "alice" / "results.json").read_text() == '{"score": 3}'
    assert not (out / "alice" / "feedback.md").exists() and not (out / "bob" / "results.json").exists()


def test_progress_bar_shows_done_rate_eta_and_running_mean():
    import io
    from coursekit.grading.progress import Progress
    stream = io.StringIO()                      # not a terminal: plain lines, no carriage returns
    bar = Progress(4, 130, stream=stream)
    bar.update("alice", 130)
    bar.update("bob", 0)
    bar.close()
    assert "\r" not in stream.getvalue()
    first, *_, last = stream.getvalue().splitlines()
    assert " 0/4 " in first and "<?" in first and "mean -" in first        # no ETA before the first one
    assert " 2/4 " in last and "sub/s" in last and "<00:00" in last and "mean 65.0/130" in last and "bob" in last


def test_progress_bar_in_a_log_does_not_flood_it():
    import io
    from coursekit.grading.progress import Progress
    stream = io.StringIO()
    bar = Progress(500, 10, stream=stream)
    for n in range(500):
        bar.update(f"s{n}", 10)
    bar.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) <= 3 and " 500/500 " in lines[-1] and "mean 10.0/10" in lines[-1], lines


def run_cli(*args, env_extra=None, **kwargs):
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env_extra or {})}
    return subprocess.Popen([sys.executable, "-m", "coursekit", *map(str, args)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


@pytest.mark.slow
def test_cli_grades_and_writes_nothing_outside_the_output_folder(tmp_path):
    subs = tmp_path / "subs"
    small_engine(subs / "bob")
    small_engine(subs / "eve", "while True:\n    pass")
    before = sorted(p for p in tmp_path.rglob("*"))
    own_tmp = tmp_path / "tmp"
    own_tmp.mkdir()
    proc = run_cli("grade", subs / "bob", subs / "eve", "--out", tmp_path / "out", "--jobs", "2",
                   "--exercise-timeout", "3", "--exercise", "2.1-numdiff", env_extra={"TMPDIR": str(own_tmp)})
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert "bob" in stdout and "eve" in stdout and "2/2" in stderr
    after = sorted(p for p in tmp_path.rglob("*") if not p.is_relative_to(tmp_path / "out"))
    assert after == sorted([*before, own_tmp]) and not any(own_tmp.iterdir())
    rows = (tmp_path / "out" / "grades.csv").read_text().splitlines()[1:]
    assert [r.split(",")[0] for r in rows] == ["bob", "eve"]
    assert leftover_processes() == []


@pytest.mark.slow
def test_ctrl_c_loses_nothing_and_rerun_continues(tmp_path):
    subs = [small_engine(tmp_path / "subs" / f"s{i}") for i in range(2)]
    slow = small_engine(tmp_path / "subs" / "slow", f"import time\ntime.sleep(60)  # {MARK}")
    out = tmp_path / "out"
    proc = run_cli("grade", *subs, slow, "--out", out, "--exercise-timeout", "60", "--exercise", "2.1-numdiff",
                   "--jobs", "2")
    deadline = time.monotonic() + 120
    while not all((out / s.name / "results.json").exists() for s in subs) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)                          # now grading `slow`, inside its sleep
    proc.send_signal(signal.SIGINT)
    _, said = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "stopping:" in said and "3/3" not in said and "4/3" not in said, said     # finished ones counted once
    assert "interrupted: 2 of 3 graded" in said, said
    assert not (out / "slow" / "results.json").exists()
    assert all(read_results(out / s.name / "results.json") for s in subs)
    assert leftover_processes(str(out)) == [] and not (out / grader.SCRATCH).exists()
    rerun = run_cli("grade", *subs, "--out", out, "--exercise", "2.1-numdiff")
    stdout, _ = rerun.communicate(timeout=300)
    assert stdout.count("unchanged, kept") == 2


# ---------------------------------------------------------------- Gradescope bundle (fast layer)

@pytest.mark.slow
def test_gradescope_bundle_grades_a_simulated_autograder_root(tmp_path):
    bundle = tmp_path / "autograder.zip"
    built = run_cli("gradescope", bundle)
    assert built.wait(timeout=120) == 0
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        assert {"setup.sh", "run_autograder", "requirements.txt", "coursekit/grading/child.py"} <= set(names)
        assert not any(n.startswith(("coursekit/release", "solutions")) for n in names)
        archive.extractall(root / "source")
    runner = root / "run_autograder"
    shutil.copy(root / "source" / "run_autograder", runner)
    runner.chmod(0o755)
    small_engine(root / "submission")
    (root / "venv").symlink_to(sys.prefix)          # setup.sh's venv: this environment
    (root / "results").mkdir()
    # this machine's Python lives in /root, which `nobody` cannot run (a Gradescope image's can): confine
    # the child with bubblewrap instead of CONTAINER's unprivileged user
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "PYTHONPATH": "", "COURSEKIT_ISOLATION": "bwrap"}
    done = subprocess.run([str(runner)], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    by_id = {t["name"].split()[0]: t for t in results["tests"]}
    assert by_id["2.1-numdiff"]["status"] == "passed" and results["score"] == 10
    assert len(by_id) == len(exercises.all_exercises())


# ---------------------------------------------------------------- children as nobody (slow layer)

SYSTEM_PYTHON = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0 or not SYSTEM_PYTHON.is_file(), reason="needs root and a system Python")
def test_children_run_as_nobody_when_root_can_drop_privileges(monkeypatch):
    """Here the course's Python sits under /root (unreadable to nobody), so a world-readable interpreter
    of the same version and a copy of numpy stand in for Gradescope's system Python."""
    import tempfile
    base = Path(tempfile.mkdtemp(prefix="grading-nobody-"))
    try:
        base.chmod(0o755)
        for name in ("numpy", "numpy.libs"):
            source = Path(np.__file__).resolve().parent.parent / name
            if source.exists():
                shutil.copytree(source, base / "lib" / name)
        subprocess.run(["chmod", "-R", "a+rX", str(base / "lib")], check=True)
        monkeypatch.setattr(sys, "executable", str(SYSTEM_PYTHON))
        monkeypatch.setattr("coursekit.grading.sandbox.link_numpy", lambda folder: base / "lib")
        whoami = small_engine(base / "subs" / "whoami", "raise RuntimeError(f'uid={os.getuid()}')")
        numdiff = whoami / "minigrad" / "numdiff.py"
        numdiff.write_text("import os\n" + numdiff.read_text())
        # generous limits: nothing here loops, and a cold copy of numpy under load once took over 6 s
        limits = Limits(exercise_seconds=30, submission_seconds=90, startup_seconds=60, isolation="container")
        graded = grader.grade([small_engine(base / "subs" / "honest"), whoami], base / "out", limits=limits,
                              quiet=True, exercise_ids=["2.1-numdiff"])
        assert scores(graded) == {"honest": 10, "whoami": 0}
        assert "uid=65534" in feedback(base / "out", "whoami")
    finally:
        shutil.rmtree(base, ignore_errors=True)


# ---------------------------------------------------------------- the real course (slow layer)

def _solutions_complete() -> bool:
    return (SOLUTIONS / "minigrad" / "__init__.py").is_file() and all(
        (SOLUTIONS / e.where).exists() for e in exercises.all_exercises())


needs_solutions = pytest.mark.skipif(not _solutions_complete(), reason="solutions/ is not complete yet")
TITLES = {e.id: e.title for e in exercises.all_exercises()}


def course_copy(dest: Path, stub: set[str] | None = frozenset(), attack: tuple[str, str] | None = None) -> Path:
    """solutions/minigrad and the solution notebooks as a submission; `stub` exercises (None: all) stubbed;
    `attack` = (exercise id, code) runs `code` at the start of that exercise's solution region."""
    shutil.copytree(SOLUTIONS / "minigrad", dest / "minigrad", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(SOLUTIONS / "chapters", dest / "chapters", ignore=shutil.ignore_patterns(".*"))
    only = None if stub is None else set(stub)
    for path in [*(dest / "minigrad").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        if attack and f"### BEGIN SOLUTION {attack[0]}" in text:
            text = _inject(text, f"### BEGIN SOLUTION {attack[0]}", attack[1])
        if only is None or only:
            text = stub_solutions(text, str(path), TITLES, path.relative_to(dest).as_posix(), only=only)
        path.write_text(text, encoding="utf-8")
    for path in (dest / "chapters").glob("*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if grade_id in TITLES and (only is None or grade_id in only):
                cell.source = stub_solutions(cell.source, path.name, TITLES, f"chapters/{path.name}",
                                             default_id=grade_id)
        nbformat.write(notebook, path)
    return dest


def _inject(text: str, marker: str, code: str) -> str:
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip() == marker)
    indent = lines[at][:len(lines[at]) - len(lines[at].lstrip())]
    lines[at + 1:at + 1] = textwrap.indent(code, indent).splitlines()
    return "\n".join(lines) + "\n"


PARTIAL = {"2.1-jacobian", "2.1.4-norm", "2.1-ex-f-eval"}       # no other exercise's checks need them
FULL_ATTACKS = {   # attack on 2.1-jacobian only: the rest of the submission keeps its points
    "hostile-loop": ("while True:\n    pass", "超出时限"),
    "hostile-exit": ("import os\nos._exit(1)", "子进程提前退出"),
    "hostile-torch": ("import torch", "import torch"),
    "hostile-memory": ("import numpy\nhog = [numpy.ones(10 ** 7) for _ in range(10 ** 4)]", "MemoryError"),
}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    base = tmp_path_factory.mktemp("course")
    subs = [course_copy(base / "honest"), course_copy(base / "bare", stub=None),
            course_copy(base / "partial", stub=PARTIAL)]
    subs += [course_copy(base / name, attack=("2.1-jacobian", code)) for name, (code, _) in FULL_ATTACKS.items()]
    import_exit = course_copy(base / "hostile-import-exit")
    init = import_exit / "minigrad" / "__init__.py"
    init.write_text("import os\nos._exit(0)\n" + init.read_text(encoding="utf-8"))
    subs.append(import_exit)
    started = time.monotonic()
    graded = grader.grade(subs, base / "out", jobs=2, limits=Limits(exercise_seconds=15), quiet=True)
    return base / "out", graded, time.monotonic() - started


@pytest.mark.slow
@needs_solutions
def test_honest_bare_partial_and_hostile_course_submissions(course):
    out, graded, _ = course
    total = sum(e.points for e in exercises.all_exercises())
    got = scores(graded)
    assert got["honest"] == total, feedback(out, "honest")
    assert got["bare"] == 0
    assert got["partial"] == total - sum(exercises.get(i).points for i in PARTIAL), feedback(out, "partial")
    for name, (_, phrase) in FULL_ATTACKS.items():
        assert got[name] == total - exercises.get("2.1-jacobian").points, feedback(out, name)
        assert phrase in exercise_output(out, name, "2.1-jacobian")
    assert got["hostile-import-exit"] == 0 and "import minigrad" in feedback(out, "hostile-import-exit")
    assert "尚未完成" in feedback(out, "bare") or "未完成" in feedback(out, "bare")
    assert leftover_processes() == []


@pytest.mark.slow
@needs_solutions
def test_complete_submission_grades_in_under_a_minute(tmp_path):
    sub = course_copy(tmp_path / "honest")
    started = time.monotonic()
    graded = grader.grade([sub], tmp_path / "out", quiet=True)
    seconds = time.monotonic() - started
    assert graded[0][1]["score"] == sum(e.points for e in exercises.all_exercises())
    assert seconds < 60, f"{seconds:.1f} s"


def test_output_paths_of_the_wrong_kind_get_one_line_not_a_traceback(tmp_path, capsys):
    from coursekit.cli import main
    a_file, a_folder = tmp_path / "afile", tmp_path / "subs"
    a_file.write_text("x")
    small_engine(a_folder / "bob")
    assert main(["grade", str(a_folder / "bob"), "--out", str(a_file)]) == 2
    assert "is a file; give a folder" in capsys.readouterr().err
    assert main(["gradescope", str(a_folder)]) == 2
    assert "is a folder; give the bundle's file name" in capsys.readouterr().err
    assert not (tmp_path / "subs.partial").exists()
    assert main(["release", str(a_file)]) == 2
    assert "a file, not a folder" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["grade", str(a_folder / "bob"), "--out", str(tmp_path / "out"), "--jobs", "0"])
    assert "must be 1 or more" in capsys.readouterr().err


def test_an_upload_that_is_not_a_zip_says_why_on_the_console_and_in_the_report(tmp_path):
    bad = tmp_path / "notazip.zip"
    bad.write_bytes(b"this is not a zip")
    graded = grader.grade([bad, small_engine(tmp_path / "bob")], tmp_path / "out", limits=FAST, quiet=True,
                          exercise_ids=SMALL)
    assert scores(graded) == {"notazip": 0, "bob": 10}
    line = next(l for l in grader.summary(graded, tmp_path / "out").splitlines() if l.startswith("notazip"))
    assert "无法打开压缩包 notazip.zip" in line, line
    markdown = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "| notazip | 无法打开压缩包 notazip.zip" in markdown, markdown
