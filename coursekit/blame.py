"""Which exercise is at fault when a check fails, and where the student should look.

- An error: the deepest frame in an exercise's function (the student's line). When the engine's given
  code rejects what a rule returned (graph.call_backward raises RuleGradientError), the rule is named,
  or unbroadcast when the rule's result was a broadcast.
- A stub of a later exercise reached: never "do that exercise first"; the code that reached it is at
  fault (e.g. a Sum rule whose result is not expanded reaches unbroadcast).
- A wrong value: coursekit.diagnosis (the first wrong node, else the first prerequisite that fails).

It sits below coursekit.runner, which names the spot of every error it reports.
"""
from __future__ import annotations

import ast
import inspect
import re
import sys
import textwrap
import traceback
from dataclasses import dataclass

import numpy as np

from .tracebacks import Spot, engine_path, exercise_at, syntax_error_text


@dataclass
class Blame:
    spot: Spot | None                # where the student should look
    culprit: str | None              # the exercise at fault
    text: str = ""                   # Chinese explanation, when the raw error would mislead


def _frames(error: BaseException) -> list[tuple]:
    """(frame, line, exercise or None) for every frame of the traceback inside the engine."""
    result = []
    for frame, line in traceback.walk_tb(error.__traceback__):
        # an interrupt (the time limit) can land on an instruction without a line number: None here
        line = line or frame.f_lineno or frame.f_code.co_firstlineno
        if engine_path(frame.f_code.co_filename) is not None:
            owner = exercise_at(frame.f_code.co_filename, line)
            result.append((frame, line, owner.exercise if owner else None))
    return result


def _spot(frame, line, exercise) -> Spot:
    code = traceback.FrameSummary(frame.f_code.co_filename, line, "").line or ""
    return Spot(engine_path(frame.f_code.co_filename), line, frame.f_code.co_qualname, exercise, code)


def _function_spot(function) -> Spot | None:
    code = getattr(function, "__code__", None)
    if code is None or engine_path(code.co_filename) is None:
        return None
    owner = exercise_at(code.co_filename, code.co_firstlineno + 1)
    line = owner.start if owner else code.co_firstlineno       # the `def` line, not a decorator's
    return Spot(engine_path(code.co_filename), line, code.co_qualname, owner.exercise if owner else None)


def _result_line(function, args: tuple, fallback: Spot) -> Spot:
    """The line of `function` that made the value it returns for `args` (its last assignment, or the
    `return` that hands back an argument unchanged), found by running it again under a line tracer: the
    line at fault, not the `def` line."""
    code, made, state = function.__code__, {}, {"line": None, "names": {}}

    def tracer(frame, event, arg):
        if frame.f_code is not code:
            return None
        names = {k: id(v) for k, v in frame.f_locals.items()}
        if state["line"] is not None:
            made.update({k: state["line"] for k, v in names.items() if state["names"].get(k) != v})
        if event == "return":
            returned = [k for k, v in frame.f_locals.items() if v is arg]
            state["result"] = made.get(returned[-1], frame.f_lineno) if returned else frame.f_lineno
        state["line"], state["names"] = frame.f_lineno, names
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        function(*args)
    except Exception:                                   # noqa: BLE001 - then the function as a whole
        return fallback
    finally:
        sys.settrace(previous)
    line = state.get("result")
    if line is None:
        return fallback
    text = traceback.FrameSummary(code.co_filename, line, "").line or ""
    return Spot(fallback.path, line, fallback.function, fallback.exercise, text)


def _return_line(function, fallback: Spot | None) -> Spot | None:
    """The line of `function`'s only `return` (the count of what it returns is decided there), else `fallback`."""
    try:
        lines, first = inspect.getsourcelines(function)
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except (OSError, TypeError, SyntaxError):
        return fallback
    returns = [n for n in ast.walk(tree.body[0]) if isinstance(n, ast.Return)]
    if fallback is None or len(returns) != 1:
        return fallback
    line = first + returns[0].lineno - 1
    return Spot(fallback.path, line, fallback.function, fallback.exercise, lines[returns[0].lineno - 1].strip())


def _rule_error(error: BaseException):
    """The engine's typed error for a rule's unusable result (graph.RuleGradientError), or None."""
    while error is not None:
        if any(cls.__name__ == "RuleGradientError" for cls in type(error).__mro__) and hasattr(error, "node"):
            return error
        error = error.__cause__
    return None


def _rule_result(error: BaseException, allowed) -> Blame | None:
    """The error was raised by given code checking what a rule returned (graph.call_backward raises
    RuleGradientError with the node, the input's index, the shape or count it got and the one expected)."""
    error = _rule_error(error)
    if error is None:
        return None
    node = error.node
    method = getattr(error, "method", "backward")
    spot = _function_spot(getattr(getattr(node, "rule", None), method, None))
    name = f"{node.rule.__name__}.{method}"
    if method == "jvp":                              # the tangent is not a Tensor of the output's shape
        spot = _return_line(getattr(node.rule, method), spot)
        what = f" 形状为 {tuple(error.got)} 的张量" if isinstance(error.got, tuple) else f" {error.got} 类型的值"
        return Blame(spot, spot.exercise if spot else None,
                     f"{name} 返回了{what}，切线规则要返回与输出形状相同（{tuple(error.expected)}）的 minigrad 张量："
                     f"用张量运算写（不要转成 numpy 数组或 Python 数）。")
    if error.index is None:                          # the count of gradients
        spot = _return_line(node.rule.backward, spot)
        return Blame(spot, spot.exercise if spot else None,
                     f"{name} 返回了 {error.got} 个梯度，而这个运算有 {error.expected} 个输入：每个输入返回一个梯度"
                     f"（不需要梯度的输入返回 None）。")
    given, wanted = tuple(error.got), tuple(error.expected)
    try:
        broadcast = np.broadcast_shapes(given, wanted) == given
    except ValueError:
        broadcast = False
    graph = sys.modules.get(type(node).__module__)
    function = getattr(graph, "unbroadcast", None)                      # what graph.py calls
    unbroadcast = _function_spot(function)
    if broadcast and unbroadcast is not None and (allowed is None or unbroadcast.exercise in allowed):
        gradient = graph.Tensor(np.ones(given, dtype=node.meta[1])) if hasattr(graph, "Tensor") else None
        unbroadcast = _result_line(function, (gradient, wanted), unbroadcast) if gradient is not None else unbroadcast
        return Blame(unbroadcast, unbroadcast.exercise,
                     f"{name} 给出形状 {given} 的梯度（输入被广播过），unbroadcast 没有把它正确地求和成输入的形状 "
                     f"{wanted}。")
    return Blame(spot, spot.exercise if spot else None,
                 f"{name}（{node.name()}）返回的梯度形状为 {given}，但这个输入的形状是 {wanted}：规则要为每个输入"
                 f"返回与它形状相同的梯度。")


_SHAPE = r"\(([\d, ]*)\)"
_NUMPY_SHAPE_ERRORS = (     # numpy's English message -> the shapes it names
    re.compile(rf"could not be broadcast together with remapped shapes \[original->remapped\]: {_SHAPE}\s+and requested shape {_SHAPE}"),
    re.compile(rf"could not be broadcast together with shapes {_SHAPE} {_SHAPE}"),
    re.compile(r"input operand has more dimensions than allowed by the axis remapping"),
    re.compile(rf"cannot reshape array of size (\d+) into shape {_SHAPE}"),
)


def _shape(text: str) -> tuple:
    return tuple(int(n) for n in text.replace(" ", "").split(",") if n)


def _shape_error_text(error: BaseException, frame, given_code: bool = False) -> str:
    """numpy's English shape error inside the student's function, said in Chinese: which shapes do not fit and,
    in a backward rule, the gradient's shape against the input's and what to do; numpy's line stays below."""
    match = next((m for m in (p.search(str(error)) for p in _NUMPY_SHAPE_ERRORS) if m), None)
    if not isinstance(error, ValueError) or match is None:
        return ""
    shapes = [_shape(s) for s in match.groups()]
    broadcast = "（广播从最后一维起对齐，每一维要么相等、要么其中一个是 1）"
    what = (f"{shapes[0][0]} 个元素不能 reshape 成形状 {shapes[1]}（reshape 不改变元素的个数，要复制成更大的形状用 expand）"
            if "reshape" in match.re.pattern else
            f"形状 {shapes[0]} 不能广播成 {shapes[1]}{broadcast}" if "requested" in match.re.pattern else
            f"形状 {shapes[0]} 与 {shapes[1]} 不能广播到一起{broadcast}" if shapes else
            f"一个数组的维数比要广播成的形状还多{broadcast}")
    name = frame.f_code.co_qualname
    node = frame.f_locals.get("ctx")
    inputs = [getattr(x, "meta", None) for x in getattr(node, "inputs", ()) if x is not None]
    text = f"{name} 里的形状对不上：{what}。"
    if name.endswith(".backward") and inputs and hasattr(node, "meta"):
        out, wanted = tuple(node.meta[0]), tuple(inputs[0][0])
        text += f"这个运算的输出形状是 {out}，收到的梯度 ḡ 也是这个形状；要返回的梯度必须是输入的形状 {wanted}。"
        if not out:
            text += "ḡ 是标量：直接 expand 成输入的形状。"
        elif len(wanted) > len(out):
            text += ("求和去掉了维度：先把 ḡ reshape 成被求和的维度长度为 1 的形状（即 keepdim=True 时的形状），"
                     "再 expand 成输入的形状。")
        elif len(wanted) == len(out) and all(o in (1, w) for o, w in zip(out, wanted)):
            text += "ḡ 的维数已经与输入相同（长度为 1 的维度已在原位）：不要再加维度，直接 expand 成输入的形状。"
    if given_code:    # no exercise function on the stack: one returned something of the wrong shape
        text += "这是课程给出的代码：通常是某个练习函数返回的结果形状不对（例如返回了元组，或者多了、少了维度）。"
    return f"{text}\n    numpy 的原话：{type(error).__name__}: {error}"


_AMBIGUOUS = re.compile(r"truth value of an array with more than one element is ambiguous")


def _truth_value_text(error: BaseException, frame) -> str:
    """numpy's "truth value ... is ambiguous": an array where Python wanted one True or False."""
    if not isinstance(error, ValueError) or not _AMBIGUOUS.search(str(error)):
        return ""
    return (f"{frame.f_code.co_qualname} 在这一行要一个真假值（True 或 False），拿到的却是有多个元素的数组："
            f"逐元素比较（<=、== 等）得到的是布尔数组，要用 np.all(...) 把它合成一个真假值再返回。"
            f"\n    numpy 的原话：{type(error).__name__}: {error}")


def _error_text(error: BaseException, frame, given_code: bool = False) -> str:
    return _shape_error_text(error, frame, given_code) or _truth_value_text(error, frame)


def locate(error: BaseException, allowed: set[str] | None = None) -> Blame:
    """Where an engine error comes from. `allowed`: the exercise checked and its prerequisites (code of
    any other exercise is not the student's to write yet: a stub there was reached by mistake)."""
    frames = _frames(error)
    if not frames:
        return Blame(None, None)
    mine = [i for i, (_, _, ex) in enumerate(frames) if ex and (allowed is None or ex in allowed)]
    deepest = mine[-1] if mine else None
    found = _rule_result(error, allowed)
    if found is not None:
        return found
    if deepest is None:
        frame, line, exercise = frames[-1]
        return Blame(_spot(frame, line, exercise), None, _error_text(error, frame, given_code=True))
    frame, line, exercise = frames[deepest]
    return Blame(_spot(frame, line, exercise), exercise, _error_text(error, frame))


def import_verdict(error: BaseException) -> str:
    """One Chinese paragraph for an engine that does not import: the file, the line, what Python says."""
    if isinstance(error, SyntaxError):
        detail = syntax_error_text(error)
    else:
        spot = locate(error).spot
        place = f"{spot.path} 第 {spot.line} 行" + (f"：`{spot.code}`" if spot.code else "") if spot else "minigrad"
        detail = f"{place} 出错（Python：{type(error).__name__}: {error}）"
    return (f"❌ 无法导入 minigrad：{detail}。所有检查都要先导入 minigrad，请改正这一行并保存文件，"
            f"再运行检查（笔记本里不用重启内核）。")


def locate_loop(error: BaseException, allowed: set[str] | None = None) -> Blame:
    """Where a check that ran out of time was stuck: the deepest frame that stayed on the stack while
    it was sampled (CheckTimedOut.args[1]), preferring the student's functions."""
    alive = error.args[1] if len(error.args) > 1 else None
    frames = [f for f in _frames(error) if alive is None or f[0] in alive]
    mine = [f for f in frames if f[2] and (allowed is None or f[2] in allowed)]
    chosen = (mine or frames or [None])[-1]
    if chosen is None:
        return Blame(None, None)
    return Blame(_spot(*chosen), chosen[2])
