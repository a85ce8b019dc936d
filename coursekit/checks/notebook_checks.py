"""Checks of the notebook exercises: the probe receives the function the student's cell defines.

Both exercises ask for autodiff, so besides the values a check counts, while the answer runs, the
reverse passes (`backprop`) and forward-mode tangent pushes (`push_tangent`) of every minigrad the
answer can reach: a closed form such as np.cos(x) gives the right numbers but runs neither."""
from __future__ import annotations

import types
from contextlib import contextmanager

import numpy as np

from .base import Case, Check

# the engine functions that do the work of each mode (minigrad.autograd/func and minigrad.graph)
MODES = {"reverse": "backprop", "forward": "push_tangent"}


def _names_of(function) -> list:
    """What a function can refer to: its globals and the variables it closes over."""
    cells = [cell.cell_contents for cell in getattr(function, "__closure__", None) or () if _filled(cell)]
    return [*getattr(function, "__globals__", {}).values(), *cells]


def _filled(cell) -> bool:
    try:
        cell.cell_contents
    except ValueError:                       # a closure variable not assigned yet
        return False
    return True


def _engine_modules(lib, answer) -> list[types.ModuleType]:
    """The minigrad modules `lib` and the answer lead to (the answer's copy may be another), also
    through the helper functions it refers to."""
    start = [lib, *_names_of(answer)]
    start += [name for f in start if isinstance(f, types.FunctionType) for name in _names_of(f)]
    found, todo = {}, [m for m in start if isinstance(m, types.ModuleType)]
    while todo:
        module = todo.pop()
        if id(module) in found or not module.__name__.split(".")[0] == "minigrad":
            continue
        found[id(module)] = module
        todo += [v for v in vars(module).values() if isinstance(v, types.ModuleType)]
    return list(found.values())


@contextmanager
def counting_autodiff(lib, answer):
    """Yields a dict {mode: calls}, counting while the block runs; restores the engine afterwards."""
    counts, patched = {mode: 0 for mode in MODES}, []

    def counted(mode, function):
        def wrapper(*args, **kwargs):
            counts[mode] += 1
            return function(*args, **kwargs)
        return wrapper

    for module in _engine_modules(lib, answer):
        for mode, name in MODES.items():
            function = vars(module).get(name)
            if callable(function):
                patched.append((module, name, function))
                setattr(module, name, counted(mode, function))
    try:
        yield counts
    finally:
        for module, name, function in reversed(patched):
            setattr(module, name, function)


def _sin_derivative_run(lib, answer, x):
    result = answer(x.copy())
    return {"返回的是 numpy 数组": isinstance(result, np.ndarray), "d sin(x)/dx": np.asarray(result)}


def _sin_derivative_ref(torch, x):
    t = torch.tensor(x, requires_grad=True)
    torch.sin(t).sum().backward()
    return {"返回的是 numpy 数组": True, "d sin(x)/dx": t.grad}


def _sin_autodiff_run(lib, answer, x):
    with counting_autodiff(lib, answer) as counts:
        answer(x.copy())
    return {"用了自动微分": counts["reverse"] + counts["forward"] > 0}


def _sin_autodiff_ref(torch, x):
    return {"用了自动微分": True}


def _sin_cases():
    return [Case("x = linspace(−π, π, 9)，float32", {"x": np.linspace(-np.pi, np.pi, 9).astype(np.float32)}),
            Case("x 为 5 个随机点，float64", {"x": np.random.default_rng(5).uniform(-6, 6, 5)}),
            Case("x 形状 (2, 3)，float64", {"x": np.random.default_rng(6).uniform(-3, 3, (2, 3))})]


SIN_DERIVATIVE = (
    Check("用自动微分求 sin 的导数", _sin_derivative_run, _sin_cases, ref=_sin_derivative_ref, answer=True,
          hint="把 x 变成 requires_grad=True 的张量（保持 x 的数据类型），算 sin(x).sum()，再 backward()："
               "x.grad.numpy() 就是 cos x，返回与 x 同形状、同数据类型的 numpy 数组。", key="sin-derivative.value"),
    Check("sin 的导数 · 确实用了自动微分", _sin_autodiff_run, _sin_cases, ref=_sin_autodiff_ref, answer=True,
          hint="不能直接写出 cos x（np.cos 或 minigrad.cos）：要让 minigrad 反向传播（backward()）算出导数。", key="sin-derivative.uses-autodiff"),
)


def _f_eval_run(lib, answer, x):
    value, forward, reverse = answer(float(x))
    return {"f(x)": np.asarray(value, dtype=np.float64), "df/dx（前向模式）": np.asarray(forward, dtype=np.float64),
            "df/dx（反向模式）": np.asarray(reverse, dtype=np.float64),
            "三个结果都是 Python 浮点数": all(type(v) is float for v in (value, forward, reverse))}


def _f_eval_ref(torch, x):
    t = torch.tensor(float(x), dtype=torch.float64, requires_grad=True)
    f = torch.log(t ** 2) * torch.sin(t) + 1 / t
    f.backward()
    derivative = np.float64(t.grad.item())
    return {"f(x)": np.float64(f.item()), "df/dx（前向模式）": derivative,
            "df/dx（反向模式）": derivative, "三个结果都是 Python 浮点数": True}


def _f_modes_run(lib, answer, x):
    with counting_autodiff(lib, answer) as counts:
        answer(float(x))
    return {"用了前向模式（jvp）": counts["forward"] > 0, "用了反向模式（backward）": counts["reverse"] > 0}


def _f_modes_ref(torch, x):
    return {"用了前向模式（jvp）": True, "用了反向模式（backward）": True}


def _f_cases():
    return [Case(f"x = {x}", {"x": np.array(x)}) for x in (0.5, 2.0, -1.5, 3.7)]


F_EVAL = (
    Check("f(x) = log(x²)·sin x + 1/x", _f_eval_run, _f_cases, ref=_f_eval_ref, answer=True, tolerance=(1e-9, 1e-11),
          hint="用 float64（dtype=torch.float64）计算，返回三个 Python 浮点数（.item()）；log(x²) 对负的 x 也有定义。"
               "前向模式：func.jvp(f, (x,), (切线 1,))；反向模式：f(x).backward() 之后读 x.grad。", key="f-eval.value"),
    Check("f(x) 的导数 · 确实用了前向与反向模式", _f_modes_run, _f_cases, ref=_f_modes_ref, answer=True,
          hint="导数不能手算：前向模式要用 func.jvp 算出切线，反向模式要用 backward() 之后读 x.grad。", key="f-eval.uses-both-modes"),
)
