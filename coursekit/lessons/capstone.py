"""Notebook 11: a small MLP on scikit-learn's digits, trained twice from the same start (same initial
weights, same batches in the same order): once with minigrad, once with PyTorch.

Every function that builds or trains takes `lib` (the minigrad module or torch): the training code is
written once against torch's API and runs unchanged on both engines.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SIZES = (64, 32, 10)     # 8x8 pixels -> hidden -> 10 classes


@dataclass(frozen=True)
class Digits:
    """The digits split into train and test sets: float32 pixels scaled to [0, 1], int64 labels."""
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def load_digits(test_fraction: float = 0.25, seed: int = 0) -> Digits:
    """The 1,797 8x8 digit images that ship inside scikit-learn, shuffled once with `seed` and split."""
    from sklearn.datasets import load_digits as _load
    data = _load()
    x = (data.data / 16.0).astype(np.float32)
    y = data.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = int(round(len(y) * test_fraction))
    test, train = order[:n_test], order[n_test:]
    return Digits(x[train], y[train], x[test], y[test])


def initial_weights(sizes=SIZES, seed: int = 0) -> list[np.ndarray]:
    """[W1, b1, W2, b2, ...] drawn like torch's nn.Linear (uniform in ±1/sqrt(fan_in)), as float32."""
    rng = np.random.default_rng(seed)
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        weights.append(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32))
        weights.append(rng.uniform(-bound, bound, fan_out).astype(np.float32))
    return weights


def batches(n: int, batch_size: int, steps: int, seed: int = 0) -> list[np.ndarray]:
    """`steps` index arrays: a fresh permutation of range(n) per epoch, cut into batches."""
    rng, out = np.random.default_rng(seed), []
    while len(out) < steps:
        order = rng.permutation(n)
        out.extend(order[i:i + batch_size] for i in range(0, n - batch_size + 1, batch_size))
    return out[:steps]


def make_mlp(lib, weights: list[np.ndarray]):
    """nn.Sequential(Linear, ReLU, Linear, ...)，参数的初值是 weights（复制进去）。"""
    layers = []
    for i in range(0, len(weights), 2):
        w, b = weights[i], weights[i + 1]
        linear = lib.nn.Linear(w.shape[1], w.shape[0])
        with lib.no_grad():
            linear.weight.copy_(lib.tensor(w))
            linear.bias.copy_(lib.tensor(b))
        layers += [linear, lib.nn.ReLU()]
    return lib.nn.Sequential(*layers[:-1])      # 最后一层之后不加 ReLU：它输出 logits


def train(lib, data: Digits, weights, steps: int = 300, batch_size: int = 64, lr: float = 0.3, seed: int = 0):
    """用 SGD 最小化交叉熵；返回 (model, losses)，每一步一个损失。"""
    model = make_mlp(lib, weights)
    optimizer = lib.optim.SGD(model.parameters(), lr=lr)
    x, y = lib.tensor(data.x_train), lib.tensor(data.y_train)
    losses = []
    for index in batches(len(data.y_train), batch_size, steps, seed):
        index = lib.tensor(index)
        loss = lib.nn.functional.cross_entropy(model(x[index]), y[index])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return model, np.array(losses)


def accuracy(lib, model, x: np.ndarray, y: np.ndarray) -> float:
    """The fraction of images whose largest logit is the true class."""
    with lib.no_grad():
        logits = model(lib.tensor(x)).numpy()
    return float((logits.argmax(axis=1) == y).mean())


def plot_losses(losses: dict[str, np.ndarray]):
    """Left: the loss curves (they should lie on top of each other); right: their gap, log scale."""
    import matplotlib.pyplot as plt
    (name_a, a), (name_b, b) = losses.items()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    left.plot(a, lw=3, alpha=0.5, label=name_a)
    left.plot(b, lw=1, color="black", ls="--", label=name_b)
    left.set(xlabel="step", ylabel="cross-entropy loss", title="training loss (same start, same batches)")
    left.legend()
    gap, steps = np.abs(a - b), np.arange(len(a))
    right.semilogy(steps[gap > 0], gap[gap > 0], ".", ms=4)     # equal steps (gap 0) have no log
    right.axhline(1e-4, color="red", ls="--", lw=1, label="bound checked below: 1e-4")
    right.set(xlabel="step", ylabel=f"|loss({name_a}) - loss({name_b})|", ylim=(1e-9, 1e-3),
              title=f"difference (exactly 0 at {np.sum(gap == 0)} of {len(gap)} steps)")
    right.legend()
    fig.tight_layout()
    plt.show()


def plot_digits(data: Digits, count: int = 10):
    """The first `count` training images with their labels."""
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, count, figsize=(count * 0.9, 1.3))
    for ax, image, label in zip(axes, data.x_train, data.y_train):
        ax.imshow(image.reshape(8, 8), cmap="gray_r")
        ax.set_title(str(label))
        ax.axis("off")
    plt.show()
