"""Notebook 03: why reverse mode needs more memory than forward mode. Reverse mode keeps, for every op of
the forward pass, the values its backward rule will need; forward mode carries one tangent along and
forgets each intermediate as soon as the next one is computed."""
from __future__ import annotations

import tracemalloc

import numpy as np

from .intro import Table


def deep_function(lib, depth: int):
    """x -> sin(sin(...sin(x))), `depth` times: each sin keeps its input for the backward pass."""
    def f(x):
        for _ in range(depth):
            x = lib.sin(x)
        return x
    return f


def backward_from_ones(lib, y) -> None:
    """The gradient of sum(y), without a Sum node: backward from ones (given code, no exercise of 05/06)."""
    lib.autograd.backward([y], [lib.ones_like(y)])


def saved_tensors(output) -> list:
    """The distinct tensors the graph behind `output` keeps for backward (ctx.saved_tensors of every
    node, found through grad_fn.next_functions); nodes freed by backward() keep none."""
    found, seen, stack = {}, set(), [output.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        try:
            found.update((id(t), t) for t in node.saved_tensors if t is not None)
        except (AttributeError, RuntimeError):    # a leaf's AccumulateGrad, or already freed
            pass
        stack.extend(fn for fn, _ in getattr(node, "next_functions", ()))
    return list(found.values())


def saved_table(lib, depths=(1, 2, 4, 8, 16, 32), n: int = 1000) -> Table:
    """How many numbers each mode keeps for the derivative of deep_function(depth) at n numbers."""
    rows = []
    x_values = np.random.default_rng(0).standard_normal(n)
    for depth in depths:
        f = deep_function(lib, depth)
        x = lib.tensor(x_values, requires_grad=True)
        y = f(x)
        kept = saved_tensors(y)
        backward_from_ones(lib, y)
        out, _ = lib.func.jvp(f, (lib.tensor(x_values),), (lib.tensor(x_values),))
        rows.append([str(depth), str(len(kept)), str(sum(t.numel() for t in kept)),
                     str(len(saved_tensors(y))), str(0 if out.grad_fn is None else len(saved_tensors(out)))])
    return Table(["深度（sin 的个数）", "反向模式：保存的张量", "保存的数", "backward() 之后",
                  "前向模式（jvp）：保存的张量"], rows, align=["r"] * 5,
                 caption=f"计算图为反向传播保存了什么（x 有 {n} 个数）")


def _measure(action) -> tuple[int, object]:
    """Peak bytes allocated (numpy arrays included) while `action` runs, and its result."""
    tracemalloc.start()
    try:
        result = action()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, result


def peak_memory(lib, depth: int, n: int = 100_000) -> dict[str, int]:
    """Peak bytes of one derivative of deep_function(depth) at a vector of n float64 numbers:
    reverse mode (forward pass + backward()) and forward mode (one jvp)."""
    rng = np.random.default_rng(0)
    f = deep_function(lib, depth)
    x_values, v_values = rng.standard_normal(n), rng.standard_normal(n)

    def reverse():
        x = lib.tensor(x_values, requires_grad=True)
        backward_from_ones(lib, f(x))
        return x.grad

    def forward():
        return lib.func.jvp(f, (lib.tensor(x_values),), (lib.tensor(v_values),))[1]

    return {"reverse": _measure(reverse)[0], "forward": _measure(forward)[0]}


def measure(lib, depths=(1, 2, 4, 8, 16, 32), n: int = 50_000) -> dict:
    """Peak memory of both modes for each depth, in units of one intermediate (n float64 numbers)."""
    unit = n * 8
    peaks = [peak_memory(lib, depth, n) for depth in depths]
    return {"n": n, "depths": list(depths), "reverse": [p["reverse"] / unit for p in peaks],
            "forward": [p["forward"] / unit for p in peaks]}


def memory_table(measured: dict) -> Table:
    rows = [[str(d), f"{r:.1f}", f"{f:.1f}"]
            for d, r, f in zip(measured["depths"], measured["reverse"], measured["forward"])]
    n = measured["n"]
    return Table(["深度（sin 的个数）", "反向模式", "前向模式（jvp）"], rows, align=["r", "r", "r"],
                 caption=f"内存峰值，以 x 的大小为单位（{n} 个 float64 = {n * 8 / 1e6:.1f} MB）")


def plot_memory(measured: dict):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 3.5), constrained_layout=True)
    ax.plot(measured["depths"], measured["reverse"], "C0s-", label="reverse mode: forward pass + backward")
    ax.plot(measured["depths"], measured["forward"], "C3o-", label="forward mode: func.jvp")
    ax.set_xlabel("depth of the chain (number of sin ops)")
    ax.set_ylabel("peak memory / size of x")
    ax.legend()
    return fig
