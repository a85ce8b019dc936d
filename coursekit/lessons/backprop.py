"""Notebooks 05-08 (2.1.1-2.1.4): the figures behind the text's examples, computed by an engine's own
autodiff (`lib` is the minigrad module, or torch for comparison)."""
from __future__ import annotations

import numpy as np


# ---------------------------------------------------------------- 2.1.2: the Jacobian, row by row

def plot_jacobian(jacobian, x, title: str = "Jacobian J = dy/dx"):
    """A heat map of J with its entries written in; row i is what backward(gradient=e_i) returns."""
    import matplotlib.pyplot as plt
    J = np.asarray(jacobian, dtype=float)
    fig, ax = plt.subplots(figsize=(1.1 * J.shape[1] + 2.5, 0.9 * J.shape[0] + 1.2))
    ax.imshow(J, cmap="Blues")
    for (i, j), value in np.ndenumerate(J):
        ax.text(j, i, f"{value:g}", ha="center", va="center",
                color="white" if value > 0.6 * J.max() else "black")
    ax.set_xticks(range(J.shape[1]), [f"x{j}={v:g}" for j, v in enumerate(np.asarray(x, dtype=float))])
    ax.set_yticks(range(J.shape[0]), [f"row {i}: e{i}ᵀJ" for i in range(J.shape[0])])
    ax.set_title(title)
    fig.tight_layout()
    plt.show()


# ---------------------------------------------------------------- 2.1.3: detach

def detach_gradients(lib, xs: np.ndarray) -> dict[str, np.ndarray]:
    """d/dx of sum(x*x*x) and of sum(u*x) with u = (x*x).detach(), both by the engine's backward."""
    out = {}
    for name, detach in (("z = x*x*x", False), ("z = u*x, u = (x*x).detach()", True)):
        x = lib.tensor(xs, requires_grad=True)
        y = x * x
        u = y.detach() if detach else y
        (u * x).sum().backward()
        out[name] = x.grad.numpy().copy()
    return out


def plot_detach(lib, xs: np.ndarray | None = None):
    """The two gradients side by side: 3x² when y stays in the graph, x² = u when it is detached."""
    import matplotlib.pyplot as plt
    xs = np.linspace(-2, 2, 81) if xs is None else xs
    grads = detach_gradients(lib, xs)
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for (name, grad), style in zip(grads.items(), ("-", "--")):
        ax.plot(xs, grad, style, lw=2, label=f"dz/dx for {name}")
    ax.set(xlabel="x", ylabel="x.grad", title=f"gradient through y vs. through u = y.detach() ({lib.__name__})")
    ax.legend()
    fig.tight_layout()
    plt.show()


# ---------------------------------------------------------------- 2.1.4: control flow

def slopes(lib, f, a_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(f(a), df/da) for each scalar a, each by a fresh forward pass and backward()."""
    values, grads = [], []
    for value in a_values:
        a = lib.tensor(float(value), requires_grad=True)
        d = f(a)
        d.backward()
        values.append(d.item())
        grads.append(a.grad.item())
    return np.array(values), np.array(grads)


def plot_control_flow(lib, f):
    """Left: f(a) for a > 0, a saw tooth of straight pieces through 0; right: the slope k(a) = df/da."""
    import matplotlib.pyplot as plt
    a_pos = np.linspace(0.05, 2.0, 400)
    f_pos, _ = slopes(lib, f, a_pos)
    magnitudes = np.logspace(-3, 1, 200)
    _, k_pos = slopes(lib, f, magnitudes)
    _, k_neg = slopes(lib, f, -magnitudes)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    left.plot(a_pos, f_pos, ".", ms=2)
    left.set(xlabel="a", ylabel="f(a)", title="f(a) = k(a) * a is piecewise linear")
    right.loglog(magnitudes, k_pos, label="a > 0:  k = 2^n")
    right.loglog(magnitudes, k_neg, "--", label="a < 0:  k = 100 * 2^n")
    right.set(xlabel="|a|", ylabel="k(a) = df/da (by backward)", title="the slope depends on a")
    right.legend()
    fig.tight_layout()
    plt.show()
