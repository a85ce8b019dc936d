"""The parent's side of the child protocol (child.py): start the child of one submission, send it an
exercise's cases, validate every answer, compare it with PyTorch here, replace the child after a failure.

PyTorch computes the reference in this (trusted) process; the child sends back plain arrays only,
which are validated (keys, dtypes, shapes, sizes) before `coursekit.runner.compare_case` compares them.
"""
from __future__ import annotations

import time
import warnings
from pathlib import Path

import numpy as np

from ..runner import ERROR, FAILED, NOT_IMPLEMENTED, CaseResult, compare_case
from ..compare import MAX_ELEMENTS
from .child import decode_array
from .outcome import NOT_RUN, ExerciseOutcome, GradedCase
from .plan import PlanItem, describe_args
from .sandbox import Child, ChildDied, Limits, ProtocolError
from .submission import Submission

MAX_OUTPUT_KEYS = 64
TORCH: list = [None]


def load_torch():
    """Import PyTorch once, single-threaded, and pay its lazy imports (torch.func pulls in ~800 modules)
    now rather than inside the first submission's time limits."""
    if TORCH[0] is None:
        import torch
        torch.set_num_threads(1)
        x = torch.ones(2, dtype=torch.float64)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")      # deprecation notices from torch's own lazy imports
            torch.func.jacrev(torch.sin)(x), torch.func.jacfwd(torch.sin)(x)
        TORCH[0] = torch
    return TORCH[0]


# ---------------------------------------------------------------- reading the child's answers

def decode_outputs(message: dict) -> dict[str, np.ndarray]:
    outputs = message.get("outputs")
    if not isinstance(outputs, dict) or len(outputs) > MAX_OUTPUT_KEYS:
        raise ProtocolError("结果中的 outputs 格式不对")
    plain = {}
    for key, wire in outputs.items():
        if not isinstance(key, str) or len(key) > 200:
            raise ProtocolError("结果中的键不合法")
        try:
            plain[key] = decode_array(wire, MAX_ELEMENTS)
        except (ValueError, TypeError) as error:
            raise ProtocolError(f"输出 {key!r} 不是合法的数值数组：{error}") from None
    return plain


def _text(message: dict, key: str, limit: int = 4000) -> str:
    value = message.get(key)
    return value[:limit] if isinstance(value, str) else ""


def case_result(item: PlanItem, message: dict, torch) -> CaseResult:
    check, label = item.check, item.case.label
    status = message.get("status")
    if status == "not_implemented":
        unfinished = _text(message, "unfinished", 60) or None
        return CaseResult(check.name, label, NOT_IMPLEMENTED, _text(message, "message"), unfinished,
                          function=_text(message, "node", 120))
    if status == "error":
        return CaseResult(check.name, label, ERROR, _text(message, "message"), function=_text(message, "node", 120))
    if status != "ok":
        raise ProtocolError("结果中的 status 不合法")
    actual = decode_outputs(message)
    try:
        expected = check.reference(torch, item.case.args)
    except Exception as error:      # noqa: BLE001 - a bug in the reference must not stop grading
        return CaseResult(check.name, label, ERROR, f"评分程序计算参考答案时出错：{error!r}")
    return compare_case(check, item.case, expected, actual)


# ---------------------------------------------------------------- one submission's child

class ChildProtocol:
    """The child of one submission: started on demand, replaced after a failure."""

    def __init__(self, submission: Submission, scratch: Path, site: Path, limits: Limits):
        self.submission, self.scratch, self.site, self.limits = submission, scratch, site, limits
        self.child: Child | None = None
        self.fatal = ""                  # a problem that no fresh child can fix (import fails, ...)

    def start(self, deadline: float) -> Child | None:
        if self.child is not None or self.fatal:
            return self.child
        child = Child(self.submission.root, self.scratch, self.limits, self.site)
        try:
            ready = child.receive(min(deadline, time.monotonic() + self.limits.startup_seconds))
            if ready.get("type") != "ready":
                raise ProtocolError("子进程启动时发回了意外的消息")
            if ready.get("error"):
                self.fatal = _text(ready, "error")
        except TimeoutError:
            self.fatal = f"启动或 import minigrad 超过 {self.limits.startup_seconds:g} 秒时限"
        except ChildDied:
            self.fatal = f"启动或 import minigrad 时{child.exit_description()}"
        except ProtocolError as error:
            self.fatal = str(error)
        if not self.fatal and child.loaded_torch():
            self.fatal = "import minigrad 时加载了 PyTorch：学生代码不得使用 torch 计算答案"
        if self.fatal:
            self.fatal += _output(child)
            child.kill()
            return None
        self.child = child
        return child

    def stop(self) -> None:
        if self.child is not None:
            self.child.kill()
            self.child = None

    def run(self, exercise, items: list[PlanItem], source: str | None, deadline: float) -> ExerciseOutcome:
        outcome = ExerciseOutcome(exercise)
        child = self.start(deadline)
        if child is None:
            outcome.problem = self.fatal
            return outcome
        request = {"exercise": exercise.id, "source": source, "cases": [item.request() for item in items]}
        end = min(deadline, time.monotonic() + self.limits.exercise_seconds)
        try:
            child.send(request, end)
            for position, item in enumerate(items):
                message = child.receive(end)
                if position == 0 and message.get("type") == "cell_failed":     # the exercise cell itself failed
                    outcome.problem = str(message.get("message", ""))[:2000]
                    break
                if message.get("type") != "case" or message.get("index") != position:
                    raise ProtocolError("子进程发回的结果顺序不对或类型不对")
                record(outcome, item, case_result(item, message, load_torch()))
            done = child.receive(end)
            if done.get("type") != "done":
                raise ProtocolError("子进程没有正确结束本练习")
            refused = done.get("refused")
            if isinstance(refused, list) and refused:
                shown = "；".join(dict.fromkeys(str(r)[:120] for r in refused[:20]))
                outcome.notes.append(f"评分环境拒绝了学生代码的这些操作：{shown}")
        except TimeoutError:
            outcome.problem = ("超出整份提交的总时限" if time.monotonic() >= deadline else
                               f"超出时限：练习 {exercise.id} 的检查没有在 {self.limits.exercise_seconds:g} 秒内完成")
            self.stop()
        except ChildDied:
            outcome.problem = f"运行检查时{child.exit_description()}{_output(child)}"
            self.stop()
        except ProtocolError as error:
            outcome.problem = f"子进程发回的结果无效：{error}"
            self.stop()
        if self.child is not None and self.child.loaded_torch():
            outcome.problem = "检测到学生代码加载了 PyTorch：不得用 torch 计算答案，本题不得分"
            self.stop()
        for item in items[len(outcome.cases):]:
            record(outcome, item, CaseResult(item.check.name, item.case.label, FAILED, NOT_RUN))
        return outcome


def record(outcome: ExerciseOutcome, item: PlanItem, result: CaseResult) -> None:
    outcome.cases.append(GradedCase(result, item.hidden, describe_args(item.case.args), item.case.like))


def _output(child: Child) -> str:
    """What the child printed (capped), as a block to append to a problem; "" if nothing."""
    output = child.output()
    return f"\n\n子进程输出（节选）：\n```\n{output}\n```" if output else ""
