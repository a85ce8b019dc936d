"""Notebook 04: the Jacobian of a chain of L functions is the product J_L ... J_2 J_1 (J_k has size
n_k x n_(k-1)); forward and reverse accumulation multiply it in opposite orders."""
from __future__ import annotations

import time

import numpy as np

from .intro import Table


def forward_cost(sizes) -> int:
    """Multiplications of forward accumulation, J_L (... (J_3 (J_2 J_1))): n0 * sum_{k=2..L} n_k n_(k-1)."""
    n = list(sizes)
    return n[0] * sum(n[k] * n[k - 1] for k in range(2, len(n)))


def reverse_cost(sizes) -> int:
    """Multiplications of reverse accumulation, ((J_L J_(L-1)) ...) J_1: nL * sum_{k=1..L-1} n_k n_(k-1)."""
    n = list(sizes)
    return n[-1] * sum(n[k] * n[k - 1] for k in range(1, len(n) - 1))


def jacobians(sizes, seed: int = 0) -> list[np.ndarray]:
    """Random J_1 ... J_L with J_k of shape (n_k, n_(k-1))."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((sizes[k], sizes[k - 1])) for k in range(1, len(sizes))]


def _counting_matmul(a: np.ndarray, b: np.ndarray, counter: list[int]) -> np.ndarray:
    counter[0] += a.shape[0] * a.shape[1] * b.shape[1]   # (m x n)(n x p): m n p multiplications
    return a @ b


def accumulate(js: list[np.ndarray], mode: str) -> tuple[np.ndarray, int]:
    """Multiply the chain J_L ... J_1 in `mode` order ("forward": start at J_1, "reverse": start at J_L);
    return the product and the multiplications it took."""
    counter = [0]
    if mode == "forward":
        product = js[0]
        for j in js[1:]:
            product = _counting_matmul(j, product, counter)
    else:
        product = js[-1]
        for j in reversed(js[:-1]):
            product = _counting_matmul(product, j, counter)
    return product, counter[0]


def cost_table(examples=((1000, 100, 100, 1), (1, 100, 100, 1000), (100, 100, 100, 100))) -> Table:
    rows = []
    for sizes in examples:
        fwd, rev = forward_cost(sizes), reverse_cost(sizes)
        cheaper = "前向" if fwd < rev else "反向" if rev < fwd else "相同"
        rows.append([str(list(sizes)), str(sizes[0]), str(sizes[-1]), f"{fwd:,}", f"{rev:,}", cheaper])
    return Table(["维度 n0..nL", "输入 n0", "输出 nL", "前向", "反向", "更便宜"], rows,
                 align=["l", "r", "r", "r", "r", "l"], caption="算出雅可比矩阵 J_L ... J_1 要做的乘法次数")


# ---------------------------------------------------------------- Figure 4: the two orders

def _box(ax, x, n_rows, n_cols, label, color):
    """A matrix as a box, its side lengths growing with log of its size so 1000 and 1 both fit."""
    from matplotlib.patches import Rectangle
    h, w = 0.5 + np.log10(n_rows), 0.5 + np.log10(n_cols)
    ax.add_patch(Rectangle((x, -h / 2), w, h, facecolor=color, edgecolor="k", alpha=0.6))
    ax.text(x + w / 2, 0, label, ha="center", va="center", fontsize=11)
    ax.text(x + w / 2, -h / 2 - 0.25, f"{n_rows}x{n_cols}", ha="center", va="top", fontsize=8)
    return x + w + 0.35


def _row(ax, mats, title, arrows):
    x = 0.0
    for label, (r, c), color in mats:
        x = _box(ax, x, r, c, label, color)
    ax.set_xlim(-0.3, x + 0.2)
    ax.set_ylim(-3.5, 3.0)
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=10, loc="left")
    for y, (start, end), text, color in arrows:
        ax.annotate("", xy=(end * x, y), xytext=(start * x, y),
                    arrowprops=dict(arrowstyle="->", color=color, lw=2))
        ax.text((start + end) / 2 * x, y + 0.15, text, ha="center", va="bottom", color=color, fontsize=9)
    ax.axis("off")


def plot_chain(sizes=(1000, 100, 100, 1)):
    """The chain written two ways; arrows show where each accumulation starts and which way it runs."""
    import matplotlib.pyplot as plt
    L = len(sizes) - 1
    colors = [f"C{k}" for k in range(L)]
    jac = [(f"$J_{k}$", (sizes[k], sizes[k - 1]), colors[k - 1]) for k in range(L, 0, -1)]
    jact = [(f"$J_{k}^T$", (sizes[k - 1], sizes[k]), colors[k - 1]) for k in range(1, L + 1)]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7.5, 6.5))
    _row(top, jac, rf"Jacobian $\partial y/\partial x = J_{L}\cdots J_1$  (sizes n = {list(sizes)})",
         [(2.2, (1.0, 0.0), "forward: starts at $J_1$ (input side), runs right to left", "C3"),
          (-3.1, (0.0, 1.0), "reverse: starts at $J_L$ (output side), runs left to right", "C0")])
    _row(bottom, jact, r"the same product transposed, $\nabla_x y = J_1^T \cdots J_L^T$: the text's left/right",
         [(2.2, (0.0, 1.0), "forward mode: left to right", "C3"),
          (-3.1, (1.0, 0.0), "reverse mode: right to left", "C0")])
    fig.tight_layout()
    return fig


def plot_costs(hidden: int = 100, ns=(1, 3, 10, 30, 100, 300, 1000)):
    """Multiplications vs the number of inputs (1 output) and vs the number of outputs (1 input)."""
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), sharey=True, constrained_layout=True)
    for ax, label, make in ((axes[0], "inputs n0 (one output)", lambda n: (n, hidden, hidden, 1)),
                            (axes[1], "outputs nL (one input)", lambda n: (1, hidden, hidden, n))):
        ax.loglog(ns, [forward_cost(make(n)) for n in ns], "C3o-", label="forward")
        ax.loglog(ns, [reverse_cost(make(n)) for n in ns], "C0s-", label="reverse")
        ax.set_xticks(ns, [str(n) for n in ns])
        ax.set_xlabel(label)
        ax.set_title(f"sizes {list(make('n'))}".replace("'", ""), fontsize=9)
        ax.legend()
    axes[0].set_ylabel("multiplications")
    return fig


# ---------------------------------------------------------------- measured: jacfwd vs jacrev

def mlp(lib, n_in: int, n_out: int, hidden: int = 32, seed: int = 0):
    """f: R^n_in -> R^n_out, f(x) = W2 tanh(W1 x), with fixed random weights."""
    rng = np.random.default_rng(seed)
    w1 = lib.tensor(rng.standard_normal((hidden, n_in)) / np.sqrt(n_in))
    w2 = lib.tensor(rng.standard_normal((n_out, hidden)) / np.sqrt(hidden))
    return lambda x: lib.matmul(w2, lib.tanh(lib.matmul(w1, x)))


def _best_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def time_jacobians(lib, pairs, repeat: int = 3) -> list[dict]:
    """Seconds for lib.func.jacfwd and lib.func.jacrev of mlp(n_in, n_out) at a random x."""
    rows = []
    for n_in, n_out in pairs:
        f = mlp(lib, n_in, n_out)
        x = lib.tensor(np.random.default_rng(1).standard_normal(n_in))
        rows.append({"n_in": n_in, "n_out": n_out,
                     "jacfwd": _best_time(lambda: lib.func.jacfwd(f)(x), repeat),
                     "jacrev": _best_time(lambda: lib.func.jacrev(f)(x), repeat)})
    return rows


def plot_timings(lib, ns=(1, 4, 16, 64), fixed: int = 4, repeat: int = 3):
    """Measured jacfwd vs jacrev: inputs grow (left) and outputs grow (right)."""
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), sharey=True, constrained_layout=True)
    panels = ((axes[0], "n_in", [(n, fixed) for n in ns], f"inputs n_in (n_out = {fixed})"),
              (axes[1], "n_out", [(fixed, n) for n in ns], f"outputs n_out (n_in = {fixed})"))
    for ax, key, pairs, label in panels:
        rows = time_jacobians(lib, pairs, repeat)
        for name, style in (("jacfwd", "C3o-"), ("jacrev", "C0s-")):
            ax.loglog([r[key] for r in rows], [1e3 * r[name] for r in rows], style,
                      label=f"{lib.__name__}.func.{name}")
        ax.set_xticks(ns, [str(n) for n in ns])
        ax.set_xlabel(label)
        ax.legend()
    axes[0].set_ylabel("time (ms)")
    return fig
