"""The student's self-check: `check("2.1-vjp")` in a notebook, `python -m coursekit check` in a terminal."""
from __future__ import annotations

import sys
from pathlib import Path

from . import answers, exercises
from .checking import ERROR, FAILED, NOT_IMPLEMENTED, ExerciseReport, run_exercise
from .engine import EngineNotFound, engine_root, fresh_engine


def _torch():
    import torch
    return torch


def run(exercise_id: str, answer=None, root=None) -> ExerciseReport:
    """Check one exercise on a fresh import of the engine (so edited files count without a restart)."""
    exercise = exercises.get(exercise_id)
    if exercise.answer and answer is None:
        raise TypeError(f'练习 {exercise_id} 需要把你定义的函数传进来：check("{exercise_id}", {exercise.answer})')
    torch = _torch()
    with fresh_engine(root or engine_root()) as minigrad:
        if exercise.answer:          # judged as the grader will: its cell run alone
            answer = answers.as_graded(exercise, answer, minigrad)
        return run_exercise(exercise, minigrad, torch, answer)


def _unfinished_line(report: ExerciseReport) -> str:
    exercise, problem = report.exercise, report.first_problem
    other = problem.exercise
    if other in (None, "?", exercise.id):
        return f"⏳ 练习 {exercise.id}（{exercise.title}）还没有完成：请在 {exercise.where} 中标有「练习 {exercise.id}」的地方写代码。"
    try:
        other_where = exercises.get(other).where
    except KeyError:
        other_where = "minigrad/"
    return (f"⏳ 练习 {exercise.id}（{exercise.title}）的检查用到了练习 {other}，它还没有完成："
            f"请先完成 {other_where} 中的练习 {other}。")


def verdict(report: ExerciseReport) -> str:
    """A short Chinese verdict: passed, or the first failing case with what differs and a hint."""
    exercise, total = report.exercise, len(report.results)
    problem = report.first_problem
    if problem is None:
        return f"✅ 练习 {exercise.id}（{exercise.title}）通过：{total} 个用例全部与 PyTorch 一致。"
    if problem.status == NOT_IMPLEMENTED:
        return _unfinished_line(report)
    bad = sum(not r.ok for r in report.results)
    head = f"❌ 练习 {exercise.id}（{exercise.title}）未通过：{bad}/{total} 个用例与 PyTorch 不一致。"
    kind = "运行出错" if problem.status == ERROR else "结果不同"
    lines = [head, f"  第一个不一致的用例：{problem.check} · {problem.case}", f"  {kind}：{problem.message}"]
    hint = next((c.hint for c in exercise.checks if c.name == problem.check and c.hint), "")
    if hint:
        lines.append(f"  提示：{hint}")
    return "\n".join(lines)


class NotPassed(Exception):
    """Raised by a check cell whose exercise does not pass yet: the cell counts as failed (for nbval, and
    "Run All" stops there), and the notebook shows the verdict alone, without a traceback."""

    def _render_traceback_(self) -> list[str]:      # IPython's hook for how an exception is shown
        return [str(self)]


def check(exercise_id: str, answer=None) -> None:
    """Print the verdict of one exercise when it passes; raise NotPassed with the verdict when not."""
    try:
        report = run(exercise_id, answer)
    except answers.AnswerNotFound as error:
        raise NotPassed(f"❌ {error}") from None
    except (exercises.UnknownExercise, EngineNotFound, TypeError) as error:
        raise NotPassed(f"⚠️ {error}") from None
    if not report.passed:
        raise NotPassed(verdict(report))
    print(verdict(report))


STATUS_WORD = {"passed": "通过", FAILED: "未通过", ERROR: "出错", NOT_IMPLEMENTED: "未完成"}


def _status(report: ExerciseReport) -> str:
    return "passed" if report.passed else report.first_problem.status


def check_command(ids: list[str] | None = None, root=None) -> int:
    """`python -m coursekit check [ID ...]`: a table of exercises (notebook exercises included, their cell run
    alone from the saved notebook, as the grader runs it), then the verdicts of those not passed."""
    try:
        chosen = [exercises.get(i) for i in ids] if ids else list(exercises.all_exercises())
        root = Path(root) if root else engine_root()
    except (exercises.UnknownExercise, EngineNotFound) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"minigrad: {root / 'minigrad'}")
    verdicts, earned, possible = [], 0, 0
    for exercise in chosen:
        possible += exercise.points
        try:
            if exercise.answer:     # the saved notebook's cell, run alone (unsaved edits do not count)
                with fresh_engine(root) as minigrad:
                    answer = answers.load_answer(exercise, root, minigrad)
                    report = run_exercise(exercise, minigrad, _torch(), answer)
            else:
                report = run(exercise.id, root=root)
        except answers.AnswerNotFound as error:
            print(f"❌ {exercise.id:<26} {'出错':<4} {exercise.points:>3} 分  {exercise.title}")
            verdicts.append(f"❌ {error}")
            continue
        earned += exercise.points if report.passed else 0
        mark = "✅" if report.passed else "❌"
        print(f"{mark} {exercise.id:<26} {STATUS_WORD[_status(report)]:<4} {exercise.points:>3} 分  {exercise.title}")
        if not report.passed:
            verdicts.append(verdict(report))
    print(f"合计：{earned}/{possible} 分")
    if any(e.answer for e in chosen):
        print("（笔记本练习按已保存的笔记本检查：先在 JupyterLab 中保存。）")
    for text in verdicts:
        print("\n" + text)
    return 0 if not verdicts else 1
