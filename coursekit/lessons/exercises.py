"""Notebook 10 (练习): the figures and tables of the exercises after the text, computed live by an engine
(`lib` is the minigrad module, or torch for comparison)."""
from __future__ import annotations

import time

import numpy as np

from .intro import Table


# ---------------------------------------------------------------- sin and its derivative

def plot_sin_derivative(x: np.ndarray, derivative: np.ndarray):
    """sin x and the derivative found by autodiff; cos x is drawn thin, only to compare."""
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.plot(x, np.sin(x), lw=2, label="f(x) = sin x")
    ax.plot(x, derivative, lw=2, label="df/dx by autodiff (x.grad)")
    ax.plot(x, np.cos(x), "k:", lw=1, label="cos x (for comparison)")
    ax.axhline(0, color="gray", lw=0.5)
    ax.set(xlabel="x", title="sin x and its derivative computed by backward()")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=3)
    fig.tight_layout()
    plt.show()


# ---------------------------------------------------------------- graph size and higher order

def graph_nodes(tensor) -> int:
    """How many backward nodes the graph behind `tensor` has (walks grad_fn.next_functions); a leaf's
    AccumulateGrad node counts once, however many times the leaf is used."""
    seen, stack = {}, [tensor.grad_fn]      # key -> node: keeping the node alive keeps its id unique
    while stack:
        node = stack.pop()
        key = id(getattr(node, "variable", node))
        if node is None or key in seen:
            continue
        seen[key] = node
        stack.extend(parent for parent, _ in getattr(node, "next_functions", ()))  # leaves may have none
    return len(seen)


def _chain(lib, x, depth: int):
    """y = sin(sin(...sin(x)...) * x), a graph whose size grows with `depth`."""
    y = x
    for _ in range(depth):
        y = lib.sin(y) * x
    return y.sum()


def derivative_costs(lib, depth: int = 20, size: int = 1000, repeat: int = 5) -> dict:
    """Nodes and times: forward, first derivative (graph kept by create_graph), second derivative."""
    x = lib.tensor(np.linspace(-1, 1, size), requires_grad=True)

    def timed(fn):
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            result = fn()
            best = min(best, time.perf_counter() - start)
        return result, best

    y, t_forward = timed(lambda: _chain(lib, x, depth))
    (dy,), t_first = timed(lambda: lib.autograd.grad([_chain(lib, x, depth)], [x], create_graph=True))
    (d2y,), t_second = timed(lambda: lib.autograd.grad(
        [lib.autograd.grad([_chain(lib, x, depth)], [x], create_graph=True)[0].sum()], [x]))
    return {"nodes of y": graph_nodes(y), "nodes of dy/dx": graph_nodes(dy),
            "time forward": t_forward, "time forward + dy/dx": t_first,
            "time forward + dy/dx + d2y/dx2": t_second, "d2y": d2y}


def cost_table(costs: dict, lib_name: str) -> Table:
    """The graph sizes and timings of `derivative_costs` as a small table."""
    rows = [["y = f(x)", str(costs["nodes of y"]), f"{costs['time forward'] * 1e3:.2f}"],
            ["dy/dx (create_graph=True)", str(costs["nodes of dy/dx"]), f"{costs['time forward + dy/dx'] * 1e3:.2f}"],
            ["d²y/dx²", "-", f"{costs['time forward + dy/dx + d2y/dx2'] * 1e3:.2f}"]]
    return Table(["求什么", "计算图节点数", "时间（毫秒，从 x 算起）"], rows, align=["l", "r", "r"],
                 caption=f"{lib_name}：y = sum(sin(...sin(x)*x...)*x) 的一阶与二阶导数")


# ---------------------------------------------------------------- f(x) = log(x²)·sin x + 1/x

# The dependency graph as an evaluation trace: name, primal, tangent (forward), adjoint rule (reverse).
F_STEPS = (
    ("v0", "x", "ẋ = 1", "v̄1·2v0 + v̄3·cos v0 − v̄5 / v0²"),
    ("v1", "v0²", "2·v0·v̇0", "v̄2 / v1"),
    ("v2", "log v1", "v̇1 / v1", "v̄4·v3"),
    ("v3", "sin v0", "cos v0 · v̇0", "v̄4·v2"),
    ("v4", "v2 · v3", "v̇2·v3 + v2·v̇3", "v̄6"),
    ("v5", "1 / v0", "−v̇0 / v0²", "v̄6"),
    ("v6", "v4 + v5", "v̇4 + v̇5", "f̄ = 1"),
)
F_NAMES = tuple(step[0] for step in F_STEPS)


def f_trace(lib, x) -> dict:
    """Every intermediate of f(x) = log(x²)·sin x + 1/x, keyed by the names of F_STEPS."""
    v = {"v0": x}
    v["v1"] = v["v0"] * v["v0"]
    v["v2"] = lib.log(v["v1"])
    v["v3"] = lib.sin(v["v0"])
    v["v4"] = v["v2"] * v["v3"]
    v["v5"] = 1 / v["v0"]
    v["v6"] = v["v4"] + v["v5"]
    return v


def f_values(lib, x: float) -> dict[str, tuple[float, float, float]]:
    """{name: (primal, tangent v̇ = dv/dx by jvp, adjoint v̄ = df/dv by backward)}, in float64."""
    primal = lib.tensor(float(x), dtype=lib.float64)
    one = lib.tensor(1.0, dtype=lib.float64)
    tangents = {name: lib.func.jvp(lambda t: f_trace(lib, t)[name], (primal,), (one,))[1].item()
                for name in F_NAMES}
    leaf = lib.tensor(float(x), dtype=lib.float64, requires_grad=True)
    v = f_trace(lib, leaf)
    for name in F_NAMES[1:]:
        v[name].retain_grad()
    v["v6"].backward()
    return {name: (v[name].item(), tangents[name], v[name].grad.item()) for name in F_NAMES}


def f_table(lib, x: float) -> Table:
    """The trace of f at x: primal, tangent (forward mode) and adjoint (reverse mode) of each node."""
    values = f_values(lib, x)
    rows = [[name, expr, f"{values[name][0]:.6f}", dexpr, f"{values[name][1]:.6f}", rule, f"{values[name][2]:.6f}"]
            for name, expr, dexpr, rule in F_STEPS]
    return Table(["v", "=（原值）", "值", "v̇ =（切线）", "v̇", "v̄ =（伴随）", "v̄"], rows,
                 align=["l", "l", "r", "l", "r", "l", "r"],
                 caption=f"f(x) = log(x²)·sin x + 1/x，x = {x}：前向模式求 v̇ = dv/dx，"
                         f"反向模式求 v̄ = df/dv（{lib.__name__}）")
