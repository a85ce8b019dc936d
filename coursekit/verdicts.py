"""Verdicts: an exercise report told as one Chinese paragraph, and the student's self-check that prints them,
`check("2.1-vjp")` in a notebook, `python -m coursekit check` in a terminal.

Every failure is a verdict: a file that does not import, a check that does not return in time, a wrong
value (with the first wrong node), a stub reached (naming the function still to write), each as one
Chinese paragraph naming the exercise at fault.
"""
from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

from . import answers, exercises
from .blame import import_verdict
from .diagnosis import explain
from .runner import ERROR, FAILED, NOT_IMPLEMENTED, TIMEOUT, ExerciseReport, default_timeout, run_exercise
from .engine import EngineImportError, EngineNotFound, engine_root, fresh_engine
from .tracebacks import engine_path, exercise_functions


def _torch():
    import torch
    return torch


def run(exercise_id: str, answer=None, root=None, timeout: float | None = None) -> ExerciseReport:
    """Check one exercise on a fresh import of the engine (so edited files count without a restart).
    Raises EngineImportError when the engine does not import."""
    exercise = exercises.get(exercise_id)
    if exercise.answer and answer is None:
        raise TypeError(f'练习 {exercise_id} 需要把你定义的函数传进来：check("{exercise_id}", {exercise.answer})')
    torch = _torch()
    with fresh_engine(root or engine_root()) as minigrad:
        if exercise.answer:          # judged as the grader will: its cell run alone
            answer = answers.as_graded(exercise, answer, minigrad)
        return diagnosed_report(exercise, minigrad, torch, answer, timeout)


def diagnosed_report(exercise, minigrad, torch, answer=None, timeout: float | None = None) -> ExerciseReport:
    """run_exercise, then, when it does not pass, who is at fault (the first wrong node, a prerequisite):
    what `verdict` needs to name the exercise and the code at fault."""
    report = run_exercise(exercise, minigrad, torch, answer, timeout=timeout)
    if not report.passed:
        explain(report, minigrad, torch, answer, timeout)
        report.code = exercise_code(exercise, minigrad, suspects(report))
    return report


def _in_code(function: str, code: str) -> bool:
    return bool(function) and any(f"{sep}{function}" in code for sep in (" ", "、"))


def suspects(report: ExerciseReport) -> tuple[str, ...]:
    """The exercise's functions the first failure points at: the rule the diagnosis found wrong, else the
    functions the failing check runs (Check.functions: "切线规则 · mul" runs Mul.jvp); () when unknown."""
    problem = report.first_problem
    if problem is None:
        return ()
    if problem.rule:
        return (problem.rule,)
    return next((c.functions for c in report.exercise.checks if c.name == problem.check), ())


def exercise_code(exercise, minigrad, only: tuple[str, ...] = ()) -> str:
    """'minigrad/ops.py 中的 Add.jvp、Mul.jvp；minigrad/ops.py 中的 Sin.jvp': the functions that hold
    the exercise in this engine (found by their marker or stub comment; else the exercise's file), or a notebook
    exercise's function. `only`: the functions at fault, when known (those of them that are the exercise's)."""
    if exercise.answer:
        return f"{exercise.where} 中的 {exercise.answer}"
    files = sorted(Path(minigrad.__file__).parent.rglob("*.py"))
    pairs = [(engine_path(str(path)) or path.name, f.qualname) for path in files
             for f in exercise_functions(str(path)) if f.exercise == exercise.id]
    chosen = [(path, name) for path, name in pairs if name in only]
    return "；".join(_in_files(chosen or pairs)) or exercise.where   # the `# 练习 <id>` comment deleted: the file at least


# ---------------------------------------------------------------- verdicts

def _title(exercise_id: str) -> str:
    try:
        return exercises.get(exercise_id).title
    except KeyError:
        return ""


def _in_files(pairs) -> list[str]:
    """'minigrad/ops.py 中的 Add.jvp、Mul.jvp', one entry per file, from (file, function) pairs."""
    by_file: dict[str, list[str]] = {}
    for path, function in pairs:
        names = by_file.setdefault(path, [])
        if function and function not in names:
            names.append(function)
    return [f"{path} 中的 {'、'.join(names)}" if path and names else path or "、".join(names)
            for path, names in by_file.items() if path or names]


def _functions(results) -> list[str]:
    """Where the stubs the results reached are, as _in_files says it."""
    return _in_files((r.where.split(" 第 ")[0] if r.where else "", r.function.split(".<locals>.")[0])
                     for r in results)


def _unfinished_line(report: ExerciseReport) -> str:
    exercise, problem = report.exercise, report.first_problem
    other = problem.exercise
    if other not in (None, "?", exercise.id):
        where = _functions([problem]) or [exercises.get(other).where if other in _ids() else "minigrad/"]
        return (f"⏳ 练习 {exercise.id}（{exercise.title}）的检查用到了练习 {other}（{_title(other)}），它还没有完成："
                f"请先完成 {where[0]}。")
    own = [r for r in report.results if r.status == NOT_IMPLEMENTED and r.exercise in (exercise.id, "?", None)]
    missing = _functions(own)
    if any(r.ok for r in report.results) and missing:
        return (f"⏳ 练习 {exercise.id}（{exercise.title}）还没有全部完成：{'、'.join(missing)} 还没有完成"
                f"（{sum(r.ok for r in report.results)}/{len(report.results)} 个用例已经与 PyTorch 一致）。")
    stopped = f"（检查停在了 {'；'.join(missing)}）" if missing else ""
    return (f"⏳ 练习 {exercise.id}（{exercise.title}）还没有完成：请在 {exercise.where} 中标有「练习 {exercise.id}」"
            f"的地方写代码{stopped}。")


def _ids() -> set[str]:
    return {e.id for e in exercises.all_exercises()}


def _timeout_line(report: ExerciseReport) -> str:
    exercise, problem = report.exercise, report.first_problem
    who = problem.where or "你的代码"
    limit = problem.message.replace("超过 ", "").replace(" 秒没有结束", "")
    return (f"⏱ 练习 {exercise.id}（{exercise.title}）的检查超过 {limit} 秒没有结束，已被中断：用例「{problem.check} · "
            f"{problem.case}」运行时，{who}一直没有返回，很可能是死循环（循环的条件一直成立，或者同样的东西"
            f"被反复放回栈里）。时限是这道练习全部用例合计的时间；如果代码没错、只是慢，可以放宽时限："
            f"check(\"{exercise.id}\", timeout=60)，或 python -m coursekit check {exercise.id} --timeout 60。")


def _prerequisite_line(report: ExerciseReport) -> str:
    exercise, other = report.exercise, report.culprit_report
    head = (f"❌ 练习 {exercise.id}（{exercise.title}）未通过，问题出在它用到的练习 {other.exercise.id}"
            f"（{other.exercise.title}）：先让 check(\"{other.exercise.id}\") 通过。")
    return head + "\n" + textwrap.indent(verdict(other), "  ")


def verdict(report: ExerciseReport) -> str:
    """A short Chinese verdict: passed, or the first failing case with what differs, where, and a hint."""
    exercise, total = report.exercise, len(report.results)
    problem = report.first_problem
    if problem is None:
        return f"✅ 练习 {exercise.id}（{exercise.title}）通过：{total} 个用例全部与 PyTorch 一致。"
    if report.culprit_report is not None:
        return _prerequisite_line(report)
    if problem.status == TIMEOUT:
        return _timeout_line(report)
    if problem.status == NOT_IMPLEMENTED:
        return _unfinished_line(report)
    bad = sum(not r.ok for r in report.results)
    culprit = problem.culprit if problem.culprit not in (None, exercise.id) else None
    blamed = f"，问题出在练习 {culprit}（{_title(culprit)}）的代码" if culprit else ""
    head = f"❌ 练习 {exercise.id}（{exercise.title}）未通过{blamed}：{bad}/{total} 个用例与 PyTorch 不一致。"
    kind = "运行出错" if problem.status == ERROR else "结果不同"
    lines = [head, f"  第一个不一致的用例：{problem.check} · {problem.case}", f"  {kind}：{problem.message}"]
    if problem.diagnosis:
        lines.append(f"  {problem.diagnosis}")
    if report.code and not culprit and not _in_code(problem.function, report.code):   # the error is not in
        lines.append(f"  你的代码：{report.code}")            # the student's function: name the code to look at
    hint = problem.hint or next((c.hint for c in exercise.checks if c.name == problem.check and c.hint), "")
    if hint and not culprit:
        lines.append(f"  提示：{hint}")
    return "\n".join(lines)


class 未通过(Exception):
    """Raised by a check cell whose exercise does not pass yet: the cell counts as failed (for nbval, and
    "Run All" stops there), and the notebook shows the verdict alone, without a traceback. The class name is
    what students read above the verdict where a front end titles an error with it (nbclient's `ename`,
    VS Code's error box, the last line of a plain Python traceback), so it is Chinese."""

    def _render_traceback_(self) -> list[str]:      # IPython's hook for how an exception is shown
        return [str(self)]


NotPassed = 未通过       # the name the tooling's code uses


_MAY_IMPORT_TORCH = re.compile(rb"^[ \t]*(?:import|from)[ \t][^\n]*\btorch\b", re.MULTILINE)


def torch_warnings(root=None) -> list[str]:
    """A warning per minigrad file that imports torch: the grader has no torch, so those exercises score 0
    although `check` (which has torch) passes them."""
    try:
        folder = Path(root or engine_root()) / "minigrad"
    except EngineNotFound:
        return []
    return torch_imports(_engine_sources(folder))


def torch_imports(sources: dict[str, bytes]) -> list[str]:
    """torch_warnings for {file under minigrad/: its bytes} (the browser has them in memory, its drive being
    slow to read: coursekit.lite.sources)."""
    import ast
    found = []
    for name, source in sorted(sources.items()):
        try:
            tree = ast.parse(source) if _MAY_IMPORT_TORCH.search(source) else None   # parse only the suspects
        except (SyntaxError, ValueError):
            continue                              # told elsewhere (the import verdict)
        if tree is None:
            continue
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            if any(n == "torch" or n.startswith("torch.") for n in names):
                found.append(f"⚠️ minigrad/{name} 第 {node.lineno} 行导入了 torch："
                             f"minigrad 里不能用 PyTorch，评分环境里没有 torch，用到它的练习会得 0 分。")
                break
    return found


def _engine_sources(folder: Path) -> dict[str, bytes]:
    found = {}
    for path in folder.rglob("*.py"):
        try:
            found[path.relative_to(folder).as_posix()] = path.read_bytes()
        except OSError:
            continue                              # told elsewhere (the import verdict)
    return found


def check(exercise_id: str, answer=None, timeout: float | None = None) -> None:
    """Print the verdict of one exercise when it passes; raise NotPassed with the verdict when not.
    `timeout`: seconds before a check that does not return is stopped (default 10, $COURSEKIT_TIMEOUT)."""
    try:
        report = run(exercise_id, answer, timeout=timeout)
    except EngineImportError as error:
        raise NotPassed(import_verdict(error.__cause__)) from None
    except answers.AnswerNotFound as error:
        raise NotPassed(f"❌ {error}") from None
    except (exercises.UnknownExercise, EngineNotFound, TypeError) as error:
        raise NotPassed(f"⚠️ {_setup_problem(error)}") from None
    said = "\n".join([verdict(report), *torch_warnings()])
    if not report.passed:
        raise NotPassed(said)
    print(said)


def _pad(text: str, columns: int) -> str:
    """`text` padded to `columns` terminal columns (a Chinese character takes two)."""
    import unicodedata
    width = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(columns - width, 0)


def _setup_problem(error: Exception) -> str:
    """A wrong exercise id or no minigrad/ found, said to a student (the exceptions speak English)."""
    if isinstance(error, exercises.UnknownExercise):
        known = "、".join(e.id for e in exercises.all_exercises())
        return f"没有编号为 {error.args[0]!r} 的练习。练习编号有：{known}"
    if isinstance(error, EngineNotFound):
        return ("找不到 minigrad/：请在课程文件夹（有 minigrad/ 和 chapters/ 的那个文件夹）或它的子文件夹里运行，"
                f"或者把环境变量 MINIGRAD_ROOT 设为课程文件夹。（{error}）")
    return str(error)


STATUS_WORD = {"passed": "通过", FAILED: "未通过", ERROR: "出错", NOT_IMPLEMENTED: "未完成", TIMEOUT: "超时"}


def _status(report: ExerciseReport) -> str:
    return "passed" if report.passed else report.first_problem.status


def check_command(ids: list[str] | None = None, timeout: float | None = None, root=None) -> int:
    """`python -m coursekit check [ID ...]`: a table of exercises (notebook exercises included, their cell run
    alone from the saved notebook, as the grader runs it), then the verdicts of those not passed."""
    try:
        chosen = [exercises.get(i) for i in ids] if ids else list(exercises.all_exercises())
        root = Path(root) if root else engine_root()
    except (exercises.UnknownExercise, EngineNotFound) as error:
        print(f"⚠️ {_setup_problem(error)}", file=sys.stderr)
        return 2
    print(f"minigrad: {root / 'minigrad'}")
    verdicts, earned, possible = [], 0, 0
    timeout = default_timeout() if timeout is None else timeout
    for exercise in chosen:
        possible += exercise.points
        try:
            if exercise.answer:     # the saved notebook's cell, run alone (unsaved edits do not count)
                with fresh_engine(root) as minigrad:
                    answer = answers.load_answer(exercise, root, minigrad)
                    report = diagnosed_report(exercise, minigrad, _torch(), answer, timeout)
            else:
                report = run(exercise.id, root=root, timeout=timeout)
        except EngineImportError as error:
            print("\n" + import_verdict(error.__cause__))
            return 1
        except answers.AnswerNotFound as error:
            print(f"❌ {exercise.id:<26} {_pad('出错', 6)} {exercise.points:>3} 分  {exercise.title}")
            verdicts.append(f"❌ {error}")
            continue
        earned += exercise.points if report.passed else 0
        mark = "✅" if report.passed else "⏳" if _status(report) == NOT_IMPLEMENTED else "❌"
        print(f"{mark} {exercise.id:<26} {_pad(STATUS_WORD[_status(report)], 6)} {exercise.points:>3} 分  {exercise.title}")
        if not report.passed:
            verdicts.append(verdict(report))
    print(f"合计：{earned}/{possible} 分")
    for warning in torch_warnings(root):
        print(warning)
    if any(e.answer for e in chosen):
        print("（笔记本练习按已保存的笔记本检查：先在 JupyterLab 中保存。）")
    for text in dict.fromkeys(verdicts):      # e.g. one broken notebook holding two exercises: said once
        print("\n" + text)
    return 0 if not verdicts else 1
