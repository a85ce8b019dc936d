"""The browser's check in CPython: against a recording of PyTorch, it says what the installed check says.

Fast: the recording is made here for two exercises; the browser edition itself is tested in Chromium by
test_lite.py.
"""
from __future__ import annotations

import importlib
import shutil
import textwrap
from pathlib import Path

import pytest

from coursekit import exercises, verdicts
from coursekit.runner import TIMEOUT, CheckTimedOut
from coursekit.lite import browser, recording, steps

ROOT = Path(__file__).resolve().parents[2]
CHOSEN = ("2.1-backward-order", "2.1-backward-accumulate", "2.1-vjp")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    path = tmp_path_factory.mktemp("recording") / recording.RECORDING
    path.write_bytes(recording.record(ROOT, recording.checks_digest(), [exercises.get(i) for i in CHOSEN]))
    return recording.Recording(path, recording.course_version(ROOT))


@pytest.fixture
def in_browser(recorded, monkeypatch):
    monkeypatch.setattr(browser, "_RECORDING", recorded)
    return recorded


def engine_copy(tmp_path, old: str, new: str) -> Path:
    """solutions/minigrad with one solution line changed (a student's mistake)."""
    shutil.copytree(ROOT / "solutions" / "minigrad", tmp_path / "minigrad")
    for path in (tmp_path / "minigrad").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if old in text:
            path.write_text(text.replace(old, new, 1), encoding="utf-8")
            return tmp_path
    raise AssertionError(f"{old!r} is in no solution file")


def both_verdicts(exercise_id: str, root: Path) -> tuple[str, str]:
    here = verdicts.verdict(verdicts.run(exercise_id, root=root))
    there = verdicts.verdict(browser.run(exercise_id, root=root))
    return here, there


def test_same_verdicts_as_the_installed_check(in_browser, tmp_path):
    solved = both_verdicts("2.1-vjp", ROOT / "solutions")
    assert solved[0] == solved[1] and solved[1].startswith("✅")
    student = both_verdicts("2.1-vjp", ROOT)
    assert student[0] == student[1] and student[1].startswith("⏳")
    wrong = both_verdicts("2.1-vjp", engine_copy(tmp_path, "return grad * b, grad * a", "return grad * a, grad * b"))
    assert wrong[0] == wrong[1] and wrong[1].startswith("❌")
    assert "第一个出错的节点" in wrong[1]                     # the first wrong node, from the recorded passes


def test_the_hidden_cases_are_mentioned(in_browser, capsys):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MINIGRAD_ROOT", str(ROOT / "solutions"))
        browser.check("2.1-vjp")
    assert "评分时还会检查隐藏用例" in capsys.readouterr().out


def test_a_recording_from_another_course_is_refused(recorded, tmp_path):
    with pytest.raises(recording.RecordingError, match="另一个版本的课程"):
        recording.Recording(recorded.path, "0123456789abcdef")
    with pytest.raises(recording.RecordingError, match="找不到 PyTorch 的记录"):
        recording.Recording(tmp_path / "nothing.npz")


def test_an_exercise_not_recorded_is_said(in_browser):
    with pytest.raises(verdicts.NotPassed, match="记录里没有练习 2.1-numdiff"):
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("MINIGRAD_ROOT", str(ROOT / "solutions"))
            browser.check("2.1-numdiff")


def test_the_step_budget_stops_an_endless_loop(tmp_path):
    (tmp_path / "minigrad").mkdir()
    looping = tmp_path / "minigrad" / "looping.py"
    looping.write_text(textwrap.dedent("""
        def spin():
            while True:
                pass
    """), encoding="utf-8")
    code = compile(looping.read_text(encoding="utf-8"), str(looping), "exec")
    namespace = {}
    exec(code, namespace)
    budget = steps.StepBudget(0.2)
    with pytest.raises(CheckTimedOut) as stopped:
        with budget.spend():
            namespace["spin"]()
    assert stopped.value.args[0] == 0.2
    assert any(f.f_code.co_name == "spin" for f in stopped.value.args[1])     # the looping frame is named


def test_a_loop_in_the_engine_gives_the_timeout_verdict(in_browser, tmp_path):
    root = engine_copy(tmp_path, "return grad * b, grad * a", "while True:\n            pass")
    report = browser.run("2.1-vjp", root=root, timeout=0.5)
    assert report.first_problem.status == TIMEOUT
    assert "Mul.backward" in report.first_problem.where


def test_the_engine_is_imported_afresh_from_sources_kept_while_unchanged(in_browser, tmp_path):
    """coursekit.lite.sources: new modules every check, a file read again only when its time or size changed."""
    from coursekit.engine import EngineImportError
    from coursekit.lite import sources
    shutil.copytree(ROOT / "solutions" / "minigrad", tmp_path / "minigrad")
    root = tmp_path
    assert browser.run("2.1-vjp", root=root).passed
    kept = dict(sources._SOURCES.files)
    with sources.engine(root) as first:
        first.left_by_a_check = True
    with sources.engine(root) as second:
        assert second is not first and not hasattr(second, "left_by_a_check")
    assert sources._SOURCES.files == kept                          # nothing read again
    ops = next(p for p in kept if "return grad * b, grad * a" in p.read_text(encoding="utf-8"))
    ops.write_text(ops.read_text(encoding="utf-8").replace("return grad * b, grad * a", "return grad * a, grad * b"),
                   encoding="utf-8")                               # the same size: the time tells
    assert verdicts.verdict(browser.run("2.1-vjp", root=root)).startswith("❌")
    assert [p for p in kept if sources._SOURCES.files[p] is not kept[p]] == [ops]
    from coursekit.tracebacks import _stamp
    with sources.engine(root):                          # during a check: the stamps it read, not the drive's
        ops.write_text(ops.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        assert _stamp(str(ops)) == sources._SOURCES.files[ops].stamp != (ops.stat().st_mtime_ns, ops.stat().st_size)
    assert _stamp(str(ops)) == (ops.stat().st_mtime_ns, ops.stat().st_size)
    (root / "minigrad" / "added.py").write_text("VALUE = 1\n", encoding="utf-8")
    with sources.engine(root):
        added = importlib.import_module("minigrad.added")
        assert added.VALUE == 1 and added.__file__ == str(root / "minigrad" / "added.py")
    (root / "minigrad" / "added.py").unlink()
    (root / "minigrad" / "__init__.py").write_text("def broken(:\n", encoding="utf-8")
    with pytest.raises(EngineImportError, match="SyntaxError") as failed:
        with sources.engine(root):
            pass
    assert failed.value.__cause__.lineno == 1 and "added.py" not in str(sources.files(root))


def test_torch_warnings_in_the_browser_are_the_installed_ones(tmp_path):
    root = engine_copy(tmp_path, "return grad * b, grad * a", "import torch\n        return grad * b, grad * a")
    found = browser.torch_warnings(root)
    assert found == verdicts.torch_warnings(root) and len(found) == 1 and "导入了 torch" in found[0]
