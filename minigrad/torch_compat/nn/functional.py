"""torch.nn.functional: relu, linear, softmax, log_softmax, cross_entropy, mse_loss, ...
Each fused op has its forward, backward and jvp side by side, like the ops in ops/."""
from __future__ import annotations

import numpy as np

from .. import random
from ...graph import Op
from ...tensor import Tensor
from ..version import TYPE_NAMES


class Addmm(Op):
    """c = x Wᵀ + b (a linear layer on a batch)"""
    name, saves = "AddmmBackward0", "inputs"
    torch_saves = staticmethod(lambda needs: (needs[1], needs[0], False))   # x for W's gradient, W for x's

    @staticmethod
    def forward(ctx, x, w, b):
        out = x @ w.T
        if b is not None:
            out += b
        return out

    @staticmethod
    def backward(ctx, grad):
        x, w, b = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        return (grad @ w if need_x else None), (grad.T @ x if need_w else None), (grad.sum(0) if need_b else None)

    @staticmethod
    def jvp(ctx, dx, dw, db):
        x, w, b = ctx.saved_tensors
        return dx @ w.T + x @ dw.T + db


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    if x.ndim == 2 and bias is not None:
        return Addmm.apply(x, weight, bias)
    out = x @ weight.t()                              # as torch: the product saves the view weight.t()
    return out + bias if bias is not None else out


def relu(x: Tensor) -> Tensor:
    return x.relu()


def sigmoid(x: Tensor) -> Tensor:
    return x.sigmoid()


def tanh(x: Tensor) -> Tensor:
    return x.tanh()


class LogSoftmax(Op):
    """c = a − log Σ exp(a) along dim"""
    name, saves = "LogSoftmaxBackward0", "output"

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        if a.size == 0:                               # nothing to normalise (torch returns it as is)
            return a.copy()
        shifted = a - a.max(axis=dim, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))

    @staticmethod
    def backward(ctx, grad):
        (c,) = ctx.saved_tensors                      # ∂/∂a = ḡ − softmax · Σ ḡ
        return grad - c.exp() * grad.sum(dim=ctx.dim, keepdim=True)

    @staticmethod
    def jvp(ctx, da):
        (c,) = ctx.saved_tensors
        return da - (c.exp() * da).sum(dim=ctx.dim, keepdim=True)


class Softmax(Op):
    """c = exp(a) / Σ exp(a) along dim"""
    name, saves = "SoftmaxBackward0", "output"

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        if a.size == 0:
            return a.copy()
        e = np.exp(a - a.max(axis=dim, keepdims=True))
        return e / e.sum(axis=dim, keepdims=True)

    @staticmethod
    def backward(ctx, grad):
        (c,) = ctx.saved_tensors                      # ∂/∂a = c · (ḡ − Σ ḡ c)
        return c * (grad - (grad * c).sum(dim=ctx.dim, keepdim=True))

    @staticmethod
    def jvp(ctx, da):
        (c,) = ctx.saved_tensors
        return c * (da - (da * c).sum(dim=ctx.dim, keepdim=True))


def log_softmax(x: Tensor, dim: int) -> Tensor:
    return LogSoftmax.apply(x, dim=dim)


def softmax(x: Tensor, dim: int) -> Tensor:
    return Softmax.apply(x, dim=dim)


class NllLoss(Op):
    """c = −mean_i logp[i, target_i]"""
    name = "NllLossBackward0"

    @staticmethod
    def forward(ctx, logp, target, reduction="mean"):
        ctx.shape, ctx.target, ctx.reduction = logp.shape, target, reduction
        picked = -logp[np.arange(logp.shape[0]), target]
        if reduction == "none":
            return picked
        total = picked.sum(dtype=logp.dtype)
        return total / np.asarray(len(target), logp.dtype) if reduction == "mean" else total

    @staticmethod
    def backward(ctx, grad):
        onehot = np.zeros(ctx.shape, dtype=grad._data.dtype)
        onehot[np.arange(ctx.shape[0]), ctx.target] = -1
        if ctx.reduction == "mean":
            onehot /= ctx.shape[0]
        g = grad.unsqueeze(1) if ctx.reduction == "none" else grad
        return g * Tensor(onehot), None

    @staticmethod
    def jvp(ctx, dlogp, dtarget):
        picked = -dlogp[np.arange(ctx.shape[0]), ctx.target]
        return picked if ctx.reduction == "none" else picked.mean() if ctx.reduction == "mean" else picked.sum()


def check_reduction(reduction: str) -> str:
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def dropout(x: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """x · mask / (1 − p) with mask ~ Bernoulli(1 − p) in training mode; x itself otherwise."""
    if p < 0 or p > 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return x
    values = np.asarray(x)
    if p == 1:
        return x * Tensor(np.zeros_like(values))
    keep = random.generator().random(values.shape) >= p
    return x * Tensor((keep / (1 - p)).astype(values.dtype))


def nll_loss(logp: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    return NllLoss.apply(logp, np.asarray(target), reduction=check_reduction(reduction))


def cross_entropy(logits: Tensor, target: Tensor, reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Mean of −log softmax(logits)[target] for class indices (int64), or of −Σ target · log softmax(logits)
    for class probabilities (a float target of the logits' shape); composed as torch composes it."""
    check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    logp, classes = log_softmax(logits, 1), logits.shape[1]
    target_dtype = np.asarray(target).dtype
    if tuple(target.shape) == tuple(logits.shape):
        if target_dtype.kind != "f":
            raise RuntimeError(f"Expected floating point type for target with class probabilities, got "
                               f"{_type_name(target)}")
        if label_smoothing:
            target = target * (1 - label_smoothing) + label_smoothing / classes
        loss = -(logp * target).sum(1) if reduction == "none" else -(logp * target).sum()
        return DivScalar.apply(loss, logits.numel() // classes) if reduction == "mean" else loss
    if target_dtype.kind not in "iu":
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_type_name(target)}")
    if target.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    nll = nll_loss(logp, target, reduction)
    if not label_smoothing:
        return nll
    smooth = -logp.sum(1)
    smooth = smooth if reduction == "none" else smooth.sum() if reduction == "sum" else smooth.sum() / len(target)
    return (1 - label_smoothing) * nll + smooth * (label_smoothing / classes)


def _type_name(t) -> str:
    """torch's name of t's dtype in error messages: Float, Long, ..."""
    return TYPE_NAMES[np.asarray(t).dtype.name]


class DivScalar(Op):
    """c = a / k, k a number: torch's C++ division by a Scalar (DivBackward1), as in its losses"""
    name = "DivBackward1"

    @staticmethod
    def forward(ctx, a, k):
        ctx.k = k
        return a / np.asarray(k, a.dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad / ctx.k, None

    @staticmethod
    def jvp(ctx, da, dk):
        return da / ctx.k


class MseLoss(Op):
    """c = mean((x − y)²)"""
    name, saves = "MseLossBackward0", "inputs"

    @staticmethod
    def forward(ctx, x, y, reduction="mean"):
        ctx.reduction = reduction
        squared = (x - y) ** 2
        return squared.mean(dtype=squared.dtype) if reduction == "mean" else squared.sum() if reduction == "sum" \
            else squared

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        diff = x - y
        g = grad * 2 * diff
        if ctx.reduction == "mean":
            g = g / diff.numel()
        return g, -g

    @staticmethod
    def jvp(ctx, dx, dy):
        x, y = ctx.saved_tensors
        d = 2 * (x - y) * (dx - dy)
        return d.mean() if ctx.reduction == "mean" else d.sum() if ctx.reduction == "sum" else d


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:  # noqa: A002
    return MseLoss.apply(input, target, reduction=check_reduction(reduction))
