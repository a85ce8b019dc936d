"""feedback.md: per exercise, points, what failed on which input, and how to reproduce it (Chinese)."""
from __future__ import annotations

from .outcome import NOT_RUN, RULE, ExerciseOutcome, Graded

MAX_FAILURES_SHOWN = 3


def reproduce_line(outcome: ExerciseOutcome) -> str:
    exercise = outcome.exercise
    if exercise.answer:
        return (f"复现：在 {exercise.where} 中运行练习单元格后执行 "
                f"`check(\"{exercise.id}\", {exercise.answer})`。")
    return (f"复现：在课程文件夹中运行 `python -m coursekit check {exercise.id}`，"
            f"或在笔记本中运行 `check(\"{exercise.id}\")`。")


def _failure_lines(outcome: ExerciseOutcome) -> list[str]:
    failures = [c for c in outcome.failures if c.result.message != NOT_RUN]
    stub = outcome.unfinished
    if stub is not None:
        if outcome.waiting_on:
            return [f"- 未完成：检查用到了练习 {outcome.waiting_on}，它还没有完成（{stub.message}）"]
        return [f"- 未完成：请在 {outcome.exercise.where} 中完成标有「练习 {outcome.exercise.id}」的部分。"]
    lines = []
    for case in failures[:MAX_FAILURES_SHOWN]:
        result = case.result
        lines.append(f"- {'隐藏用例' if case.hidden else '公开用例'}「{result.check} · {result.case}」未通过：")
        if case.inputs:
            lines.append(f"  - 输入：{case.inputs}")
        lines.extend(f"  {line}" for line in result.message.splitlines())
    if failures and all(case.hidden for case in failures):
        lines.append("- 公开用例全部通过，只有隐藏用例未通过：`check` 只运行公开用例，请用上面的输入自己与 PyTorch "
                     "比较，看看代码是否只对公开输入成立。")
    if len(failures) > MAX_FAILURES_SHOWN:
        lines.append(f"- 另有 {len(failures) - MAX_FAILURES_SHOWN} 个用例未通过。")
    checks = {c.name: c.hint for c in outcome.exercise.checks}
    hints = {f.result.hint or checks.get(f.result.check, "") for f in failures} - {""}
    lines.extend(f"- 提示：{hint}" for hint in sorted(hints))
    return lines


SEE_ABOVE = "没有运行检查：原因见上文「关于提交本身」"


def exercise_section(outcome: ExerciseOutcome, shared: str = "") -> str:
    """The feedback of one exercise (also the `output` of its test in results.json, where it stands alone).
    In feedback.md a problem `shared` by every exercise is told once, above, and referred to here."""
    exercise, total = outcome.exercise, len(outcome.cases)
    hidden = sum(case.hidden for case in outcome.cases)
    mark = "✅" if outcome.passed else "❌"
    lines = [f"### {mark} 练习 {exercise.id}：{exercise.title}（{outcome.score}/{exercise.points} 分）", ""]
    if outcome.passed:
        lines.append(f"全部 {total} 个用例（其中隐藏用例 {hidden} 个）都与 PyTorch 一致。")
    else:
        if outcome.problem:
            lines.append(f"- {SEE_ABOVE if outcome.problem == shared else outcome.problem}")
        lines.extend(_failure_lines(outcome))
        passed = sum(case.result.ok for case in outcome.cases)
        if total:
            lines.append(f"- 通过 {passed}/{total} 个用例（其中隐藏用例 {hidden} 个）。")
        lines.append(f"- {reproduce_line(outcome)}")
    lines.extend(f"- 注意：{note}" for note in outcome.notes)
    return "\n".join(lines)


def shared_problem(graded: Graded) -> str:
    """The problem that stopped every exercise (minigrad does not import...), or ""."""
    problems = {o.problem for o in graded.outcomes}
    return problems.pop() if len(graded.outcomes) > 1 and len(problems) == 1 else ""


def summary_section(graded: Graded) -> str:
    lines = [f"# 评分反馈：{graded.name}", "", f"**总分：{graded.score}/{graded.max_score}**", "", RULE, ""]
    shared = shared_problem(graded)
    notes = [*graded.notes, shared] if shared else graded.notes
    if notes:
        lines += ["## 关于提交本身", ""] + [f"- {note}" for note in notes] + [""]
    lines += ["| 练习 | 得分 | 满分 |", "|---|---|---|"]
    lines += [f"| {o.exercise.id} {o.exercise.title} | {o.score} | {o.exercise.points} |" for o in graded.outcomes]
    return "\n".join(lines)


def render(graded: Graded) -> str:
    parts, shared = [summary_section(graded), "", "## 各练习详情", ""], shared_problem(graded)
    for outcome in graded.outcomes:
        parts += [exercise_section(outcome, shared), ""]
    return "\n".join(parts)
