"""Notebook 01: four ways to differentiate the logistic map l(n+1) = 4 l(n) (1 - l(n)), l1 = x, f = l4
(Baydin et al., "Automatic differentiation in machine learning: a survey", Figure 1 and Table 1)."""
from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

import numpy as np

from .intro import Table

X0 = 0.3   # the point of the survey's example


def logistic(x, n: int = 4):
    """l_n of the logistic map from l1 = x: n - 1 steps of l <- 4 l (1 - l). Works on floats, arrays,
    sympy symbols and tensors alike."""
    for _ in range(n - 1):
        x = 4 * x * (1 - x)
    return x


# ---------------------------------------------------------------- 1. manual: derive by hand, then code it

def manual_f(x):
    """f = l4 written out by hand: 64x(1-x)(1-2x)²(1-8x+8x²)²."""
    return 64 * x * (1 - x) * (1 - 2 * x) ** 2 * (1 - 8 * x + 8 * x * x) ** 2


def manual_derivative(x):
    """f'(x) by the product rule, term by term, as a person would write it."""
    a, b, c, d = x, 1 - x, (1 - 2 * x) ** 2, (1 - 8 * x + 8 * x * x) ** 2
    da, db, dc, dd = 1, -1, -4 * (1 - 2 * x), 2 * (1 - 8 * x + 8 * x * x) * (-8 + 16 * x)
    return 64 * (da * b * c * d + a * db * c * d + a * b * dc * d + a * b * c * dd)


# ---------------------------------------------------------------- 2. numerical: finite differences

def forward_difference(f, x, h):
    return (f(x + h) - f(x)) / h


def central_difference(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


# ---------------------------------------------------------------- 3. symbolic: sympy

def symbolic_derivative(n: int = 4):
    """(x, l_n, dl_n/dx) as sympy expressions."""
    import sympy
    x = sympy.Symbol("x")
    expr = logistic(x, n)
    return x, expr, sympy.diff(expr, x)


# ---------------------------------------------------------------- 4. automatic: the engine's reverse mode

def automatic_derivative(lib, x: float = X0):
    """f(x) and f'(x) with `lib` (minigrad or torch): record l4 on a graph, then backward()."""
    t = lib.tensor(x, dtype=lib.float64, requires_grad=True)
    y = logistic(t)
    y.backward()
    return y.item(), t.grad.item()


def exact_value(x: Fraction = Fraction(3, 10)) -> tuple[Fraction, Fraction]:
    """f and f' at a rational point in exact arithmetic (the yardstick for the errors)."""
    return manual_f(x), manual_derivative(x)


def comparison(lib, x: float = X0, h: float = 1e-6) -> Table:
    """Figure 1 as a table: each method's f'(x) and its error against the exact value."""
    _, exact = exact_value(Fraction(x).limit_denominator(10 ** 6))
    sym_x, _, sym_d = symbolic_derivative()
    results = [
        ("手工", "人用乘积法则推导，再写成代码", manual_derivative(x)),
        ("数值（前向差分，h=1e-6）", "(f(x+h) - f(x)) / h", forward_difference(logistic, x, h)),
        ("数值（中心差分，h=1e-6）", "(f(x+h) - f(x-h)) / 2h", central_difference(logistic, x, h)),
        ("符号", "sympy.diff 求出表达式，再代入", float(sym_d.subs(sym_x, x))),
        ("自动", f"{lib.__name__}：y.backward()，读 x.grad", automatic_derivative(lib, x)[1]),
    ]
    rows = [[name, how, f"{value:.10f}", _error(value, exact)] for name, how, value in results]
    return Table(["方式", "怎么做", f"f'({x})", "|误差|"], rows, align=["l", "l", "r", "r"],
                 caption=f"f = l4，x = {x}：精确值 f'(x) = {exact} = {float(exact)}")


def _error(value: float, exact: Fraction) -> str:
    """The error rounded to one significant digit (last digits of round-off vary between machines)."""
    error = abs(Fraction(value) - exact)
    return "< 1e-15" if error < Fraction(1, 10 ** 15) else f"{float(error):.0e}"


def plot_function_and_derivative(lib):
    """l4 and its derivative on [0, 1]: the manual formula under the engine's automatic derivative."""
    import matplotlib.pyplot as plt
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2), constrained_layout=True)
    xs = np.linspace(0, 1, 401)
    t = lib.tensor(xs, dtype=lib.float64, requires_grad=True)
    logistic(t).sum().backward()                # the points are independent: one backward gives all f'
    left.plot(xs, logistic(xs))
    left.plot([X0], [logistic(X0)], "ro")
    left.set_title("f(x) = l4(x)")
    right.plot(xs, manual_derivative(xs), lw=4, alpha=0.35, label="manual")
    right.plot(xs, t.grad.numpy(), "k--", lw=1, label=f"automatic ({lib.__name__})")
    right.plot([X0], [manual_derivative(X0)], "ro")
    right.annotate(f"f'({X0}) = {manual_derivative(X0):.7f}", (X0, manual_derivative(X0)),
                   xytext=(8, 8), textcoords="offset points")
    right.set_title("f'(x)")
    right.legend(fontsize=8)
    for ax in (left, right):
        ax.set_xlabel("x")
    return fig


# ---------------------------------------------------------------- the error of finite differences

def step_errors(hs, x: float = X0) -> dict[str, np.ndarray]:
    """|finite difference - exact f'(x)| in float64 for each step h."""
    exact = float(exact_value(Fraction(x).limit_denominator(10 ** 6))[1])
    return {"forward": np.array([abs(forward_difference(logistic, x, h) - exact) for h in hs]),
            "central": np.array([abs(central_difference(logistic, x, h) - exact) for h in hs])}


def best_step(hs, errors) -> float:
    return float(hs[int(np.argmin(errors))])


def plot_step_errors(x: float = X0, ax=None):
    """The V curve: truncation error (falls with h) meets round-off error (grows as eps/h)."""
    import matplotlib.pyplot as plt
    ax = ax or plt.subplots(figsize=(6, 4))[1]
    hs = np.logspace(-16, -1, 121)
    errors = step_errors(hs, x)
    eps = np.finfo(np.float64).eps
    for name, style in (("forward", "C0"), ("central", "C1")):
        ax.loglog(hs, errors[name], style, marker=".", lw=0.8, ms=3, label=f"{name} difference")
    ax.loglog(hs, eps / hs, "k:", lw=1, label=r"round-off $\sim \epsilon/h$")
    ax.loglog(hs, hs, "C0--", lw=1, label=r"truncation $\sim h$ (forward)")
    ax.loglog(hs, hs ** 2, "C1--", lw=1, label=r"truncation $\sim h^2$ (central)")
    for name in ("forward", "central"):
        ax.axvline(best_step(hs, errors[name]), color="C0" if name == "forward" else "C1", lw=0.5)
    ax.set_ylim(1e-13, 1e2)
    ax.set_xlabel("step h")
    ax.set_ylabel(r"$|\,$finite difference $- f'(x)\,|$")
    ax.set_title(f"float64, f = l4, x = {x}")
    ax.legend(fontsize=8, loc="lower left")
    return ax.figure


# ---------------------------------------------------------------- expression swell (survey, Table 1)

@lru_cache(maxsize=None)
def expression_sizes(n_max: int = 6) -> dict[str, list[int]]:
    """sympy.count_ops of l_n and of its derivative: as sympy.diff returns it, expanded, factored.
    (Cached: the table and the plot show the same numbers; do not modify the result.)"""
    import sympy
    sizes: dict[str, list[int]] = {"n": [], "l_n": [], "diff": [], "expanded": [], "factored": []}
    for n in range(1, n_max + 1):
        _, expr, d = symbolic_derivative(n)
        for key, value in (("n", n), ("l_n", sympy.count_ops(expr)), ("diff", sympy.count_ops(d)),
                           ("expanded", sympy.count_ops(sympy.expand(d))),
                           ("factored", sympy.count_ops(sympy.factor(d)))):
            sizes[key].append(int(value))
    return sizes


def swell_table(n_max: int = 6) -> Table:
    sizes = expression_sizes(n_max)
    rows = [[str(sizes[k][i]) for k in ("n", "l_n", "diff", "expanded", "factored")] for i in range(n_max)]
    return Table(["n", "l_n 的运算数", "d/dx l_n 的运算数（sympy.diff）", "展开后", "因式分解后"], rows,
                 align=["r"] * 5, caption="表达式的大小（sympy.count_ops 数出的运算个数）")


def plot_expression_swell(n_max: int = 6, ax=None):
    import matplotlib.pyplot as plt
    ax = ax or plt.subplots(figsize=(6, 3.5))[1]
    sizes = expression_sizes(n_max)
    for key, label in (("diff", "d/dx l_n as sympy.diff returns it"), ("expanded", "d/dx l_n expanded"),
                       ("factored", "d/dx l_n factored"), ("l_n", "l_n itself (what AD evaluates)")):
        ax.semilogy(sizes["n"][1:], sizes[key][1:], marker="o", label=label)   # l_1 = x has no operation
    ax.set_xticks(sizes["n"][1:])
    ax.set_xlabel("n")
    ax.set_ylabel("operations in the expression")
    ax.legend(fontsize=8)
    return ax.figure
