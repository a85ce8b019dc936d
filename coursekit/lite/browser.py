"""`check(id)` in the browser edition: the student's engine against PyTorch's recorded answers.

The same verdict as the installed edition (coursekit.verdicts.verdict, from the same CaseResults,
judged by coursekit.runner.compare_case, blamed by coursekit.blame and coursekit.diagnosis), with two
differences: PyTorch's side comes from the recording made when the site was built
(coursekit.lite.recording), and the time limit is a line-counting trace function (coursekit.lite.steps),
since Pyodide has no signals or threads. Only the public cases are recorded: the verdict says that the
hidden cases are checked at grading.
"""
from __future__ import annotations

import io
from contextlib import contextmanager, redirect_stdout
from pathlib import Path

import numpy as np

from .. import answers, exercises
from ..runner import (TIMEOUT, CheckTimedOut, ExerciseReport, _allowed, _failed_run,
                        _grad_mode_on, default_timeout, exercise_cases, compare_case)
from ..compare import to_plain
from .recording import RECORDING, VERSION_FILE, Recording, RecordingError
from .steps import StepBudget

HERE = Path(__file__).resolve().parent
HIDDEN_NOTE = "浏览器版只检查公开用例，评分时还会检查隐藏用例。"
TIMEOUT_NOTE = ("浏览器里不能中断正在运行的单元格，所以检查自己数着运行的行数，到了时限就停下。"
                "改好代码、保存文件后，再运行这一格即可；内核还能用，不用刷新页面。")

_RECORDING: Recording | None = None


def recording() -> Recording:
    """The site's recording (read once), checked against this copy's course version."""
    global _RECORDING
    if _RECORDING is None:
        version = (HERE / VERSION_FILE).read_text(encoding="utf-8").strip() if (HERE / VERSION_FILE).is_file() \
            else None
        _RECORDING = Recording(HERE / RECORDING, version)
    return _RECORDING


def _native_ints(actual: dict, expected: dict) -> dict:
    """numpy's default integer is 32-bit in the browser (wasm32), 64-bit where PyTorch was recorded: a count
    or a shape the probe made with numpy is the same number either way, so it is compared as int64."""
    return {key: value.astype(np.int64) if value.dtype == np.int32 and np.int_ is np.int32
            and key in expected and expected[key].dtype == np.int64 else value for key, value in actual.items()}


def run_case(exercise, check, case, lib, recorded: Recording, answer, allowed, budget: StepBudget):
    expected = recorded.expected(exercise.id, check.name, case.label)
    try:
        with budget.spend(), _grad_mode_on(lib):
            actual = to_plain(check.attempt(lib, case.args, answer))
    except (Exception, CheckTimedOut) as error:       # the student's code raised: report it, keep checking
        return _failed_run(check, case, error, allowed)
    return compare_case(check, case, expected, _native_ints(actual, expected))


def run_recorded_exercise(exercise, lib, recorded: Recording, answer=None, timeout: float | None = None) -> ExerciseReport:
    """coursekit.runner.run_exercise, with PyTorch's side read from the recording."""
    report, allowed = ExerciseReport(exercise), _allowed(exercise)
    budget = StepBudget(default_timeout() if timeout is None else timeout)
    for check, case in exercise_cases(exercise):
        report.results.append(run_case(exercise, check, case, lib, recorded, answer, allowed, budget))
        if report.results[-1].status == TIMEOUT:
            break
    return report


def first_wrong_node(exercise, check, case, lib, recorded: Recording, answer=None):
    """coursekit.diagnosis.first_wrong_node, with PyTorch's backward calls read from the recording."""
    from ..diagnosis import wrong_node_against
    theirs = recorded.passes(exercise.id, check.name, case.label)
    if not theirs or not hasattr(lib, "graph"):
        return None
    return wrong_node_against(theirs, check, case, lib, answer, StepBudget(default_timeout()).spend())


def explain(report, lib, recorded: Recording, answer=None, timeout=None) -> None:
    """coursekit.diagnosis.explain, with PyTorch's side read from the recording."""
    from ..diagnosis import explain as explain_live
    explain_live(report, lib, None, answer, timeout,
                 wrong_node=lambda exercise, check, case, answer:
                 first_wrong_node(exercise, check, case, lib, recorded, answer),
                 rerun=lambda exercise: run_recorded_exercise(exercise, lib, recorded, timeout=timeout))


def run(exercise_id: str, answer=None, root=None, timeout: float | None = None) -> ExerciseReport:
    """coursekit.verdicts.run in the browser: a fresh import of the engine (its sources kept in memory while
    unchanged, coursekit.lite.sources), judged against the recording."""
    from ..engine import engine_root
    from .sources import engine
    exercise = exercises.get(exercise_id)
    if exercise.answer and answer is None:
        raise TypeError(f'练习 {exercise_id} 需要把你定义的函数传进来：check("{exercise_id}", {exercise.answer})')
    recording()                                      # a missing recording is said before anything runs
    with engine(root or engine_root()) as minigrad:
        if exercise.answer:
            answer = answers.as_graded(exercise, answer, minigrad)
        return diagnosed_report(exercise, minigrad, None, answer, timeout)


@contextmanager
def recorded_verdicts():
    """coursekit.verdicts with PyTorch's side read from the recording: its `check`, table and submit then
    judge in the browser exactly as installed (the kernel enters this for good, see coursekit.lite.kernel)."""
    from .. import verdicts
    saved = use_recording()
    try:
        yield
    finally:
        verdicts.run, verdicts.diagnosed_report, verdicts.torch_warnings = saved


def use_recording() -> tuple:
    """Point coursekit.verdicts at the recording (and at the sources in memory); return what it used before."""
    from .. import verdicts
    saved = verdicts.run, verdicts.diagnosed_report, verdicts.torch_warnings
    verdicts.run, verdicts.diagnosed_report, verdicts.torch_warnings = run, diagnosed_report, torch_warnings
    return saved


def torch_warnings(root=None) -> list[str]:
    """coursekit.verdicts.torch_warnings on the files the check has just read (coursekit.lite.sources), not
    on the drive again."""
    from ..engine import EngineNotFound, engine_root
    from ..verdicts import torch_imports
    from .sources import files
    try:
        return torch_imports(files(root or engine_root()))
    except EngineNotFound:
        return []


def _notes(said: str) -> str:
    """What the browser adds to a verdict: how the time limit works there; that hidden cases wait."""
    if said.startswith("⏱"):
        said += "\n" + TIMEOUT_NOTE
    return said if said.startswith("⚠️") else said + "\n" + HIDDEN_NOTE


def check(exercise_id: str, answer=None, timeout: float | None = None) -> None:
    """coursekit.check in the browser: print the verdict when the exercise passes, raise it when not."""
    from ..verdicts import NotPassed, check as installed_check
    printed = io.StringIO()
    try:
        recording()                       # missing or of another course: said before anything runs
        with recorded_verdicts(), redirect_stdout(printed):
            installed_check(exercise_id, answer, timeout)
    except RecordingError as error:
        raise NotPassed(str(error)) from None
    except NotPassed as failed:
        raise NotPassed(_notes(str(failed))) from None
    print(_notes(printed.getvalue().rstrip("\n")))


# ---------------------------------------------------------------- the terminal's commands, as a magic

NOTEBOOKS_AT_GRADING = ("（笔记本练习 {ids} 不在下面的表格里：浏览器版读不了笔记本文件的格式，请在笔记本中用 "
                        "check(...) 检查它们；评分时照常检查。）")
ZIP_WRITTEN = ("已写好 {name}：{count} 个文件（minigrad/ 下的 .py 文件和 chapters/ 下的笔记本）。它在左边的文件面板里"
               "（课程的最上层文件夹）：右键点它，选 Download 下载到电脑，再上传到：{where}")


def _engine_ids() -> list[str]:
    return [e.id for e in exercises.all_exercises() if not e.answer]


def check_table(ids=None, root=None) -> int:
    """`python -m coursekit check` in the browser: the table of the engine exercises."""
    from ..verdicts import check_command
    chosen = list(ids or [e.id for e in exercises.all_exercises()])
    notebook = [i for i in chosen if i not in _engine_ids()]
    if notebook:
        print(NOTEBOOKS_AT_GRADING.format(ids="、".join(notebook)))
    return check_command([i for i in chosen if i in _engine_ids()], root=root)


def submit(root=None) -> int:
    """`python -m coursekit submit` in the browser: the table, then submission.zip beside minigrad/ in the
    drive (the file panel), with exactly the files coursekit.submit and the grader choose."""
    from .. import submit as handin
    from ..engine import engine_root
    root = Path(root or engine_root()).resolve()
    files = handin.submitted_files(root)
    print("提交的是已保存的文件：请先保存所有笔记本（Ctrl+S）。")
    passed = check_table(root=root) == 0
    for relative in files:
        problem = answers.json_error(root / relative) if relative.endswith(".ipynb") else None
        if problem:
            print(f"⚠️ {relative}：{problem}。请在 JupyterLab 中打开它，改好后保存。")
    handin.write_zip(root, files, root / handin.ZIP_NAME)
    print(ZIP_WRITTEN.format(name=handin.ZIP_NAME, count=len(files), where=handin._course_destination(root)))
    return 0 if passed else 1


def diagnosed_report(exercise, minigrad, torch=None, answer=None, timeout: float | None = None) -> ExerciseReport:
    """coursekit.verdicts.diagnosed_report in the browser (`torch` is ignored: the recording answers)."""
    from ..verdicts import exercise_code, suspects
    recorded = recording()
    report = run_recorded_exercise(exercise, minigrad, recorded, answer, timeout)
    if not report.passed:
        explain(report, minigrad, recorded, answer, timeout)
        report.code = exercise_code(exercise, minigrad, suspects(report))
    return report
