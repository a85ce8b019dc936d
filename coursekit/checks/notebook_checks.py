"""Checks of the notebook exercises: the probe receives the function the student's cell defines."""
from __future__ import annotations

import numpy as np

from .base import Case, Check


def _sin_derivative_run(lib, answer, x):
    return {"d sin(x)/dx": np.asarray(answer(x.copy()), dtype=x.dtype)}


def _sin_derivative_ref(torch, x):
    t = torch.tensor(x, requires_grad=True)
    torch.sin(t).sum().backward()
    return {"d sin(x)/dx": t.grad}


SIN_DERIVATIVE = (Check("derivative of sin by autodiff", _sin_derivative_run,
                        lambda: [Case("x = linspace(−π, π, 9)，float32",
                                      {"x": np.linspace(-np.pi, np.pi, 9).astype(np.float32)}),
                                 Case("x 为 5 个随机点，float64",
                                      {"x": np.random.default_rng(5).uniform(-6, 6, 5)})],
                        ref=_sin_derivative_ref, answer=True,
                        hint="把 x 变成 requires_grad=True 的张量，算 sin(x).sum()，再 backward()：x.grad 就是 cos x。"),)


def _f_eval_run(lib, answer, x):
    value, forward, reverse = answer(float(x))
    return {"f(x)": np.float64(value), "df/dx (forward mode)": np.float64(forward),
            "df/dx (reverse mode)": np.float64(reverse)}


def _f_eval_ref(torch, x):
    t = torch.tensor(float(x), dtype=torch.float64, requires_grad=True)
    f = torch.log(t ** 2) * torch.sin(t) + 1 / t
    f.backward()
    derivative = np.float64(t.grad.item())
    return {"f(x)": np.float64(f.item()), "df/dx (forward mode)": derivative,
            "df/dx (reverse mode)": derivative}


F_EVAL = (Check("f(x) = log(x²)·sin x + 1/x", _f_eval_run,
                lambda: [Case(f"x = {x}", {"x": np.array(x)}) for x in (0.5, 2.0, -1.5, 3.7)],
                ref=_f_eval_ref, answer=True, tolerance=(1e-5, 1e-6),
                hint="前向模式：func.jvp(f, (x,), (1,))；反向模式：f(x).backward() 之后读 x.grad。"),)
