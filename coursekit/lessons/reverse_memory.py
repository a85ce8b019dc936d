"""Notebook 03: why reverse mode needs more memory than forward mode. Reverse mode keeps, for every op of
the forward pass, the values its backward rule will need; forward mode carries one tangent along and
forgets each intermediate as soon as the next one is computed."""
from __future__ import annotations

import tracemalloc

import numpy as np

from .intro import Table


def deep_function(lib, depth: int):
    """x -> sum(sin(sin(...sin(x)))), `depth` times: each sin keeps its input for the backward pass."""
    def f(x):
        for _ in range(depth):
            x = lib.sin(x)
        return x.sum()
    return f


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
        y.backward()
        out, _ = lib.func.jvp(f, (lib.tensor(x_values),), (lib.tensor(x_values),))
        rows.append([str(depth), str(len(kept)), str(sum(t.numel() for t in kept)),
                     str(len(saved_tensors(y))), str(0 if out.grad_fn is None else len(saved_tensors(out)))])
    return Table(["depth (sin ops)", "reverse: tensors saved", "numbers saved", "after backward()",
                  "forward mode (jvp): tensors saved"], rows, align=["r"] * 5,
                 caption=f"what the graph keeps for backward, x of {n} numbers")


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
        f(x).backward()
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
    return Table(["depth (sin ops)", "reverse mode", "forward mode (jvp)"], rows, align=["r", "r", "r"],
                 caption=f"peak memory, in copies of x ({n} float64 = {n * 8 / 1e6:.1f} MB)")


def plot_memory(measured: dict):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 3.5), constrained_layout=True)
    ax.plot(measured["depths"], measured["reverse"], "C0s-", label="reverse mode: forward pass + backward()")
    ax.plot(measured["depths"], measured["forward"], "C3o-", label="forward mode: func.jvp")
    ax.set_xlabel("depth of the chain (number of sin ops)")
    ax.set_ylabel("peak memory / size of x")
    ax.legend()
    return fig
