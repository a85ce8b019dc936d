"""Optimizers with torch's update formulas. A step works on the numpy arrays in place, outside the graph."""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .version import bump


class Optimizer:
    def __init__(self, params, defaults: dict):
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got {params.type()}")
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.param_groups = [{**defaults, **g, "params": _param_list(g["params"])} for g in groups]
        self.state: dict = {}

    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad.zero_()

    def _params_with_grad(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    yield group, p, p.grad._data


def _param_list(params) -> list:
    """A group's params: one tensor (as torch allows in a dict) or an iterable of them."""
    return [params] if isinstance(params, Tensor) else list(params)


class SGD(Optimizer):
    """p ← p − lr·d, d = g (+ weight_decay·p), with momentum: b ← μb + (1−dampening)d, d = b."""

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov))

    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for group, p, g in self._params_with_grad():
            if group["weight_decay"]:
                g = g + group["weight_decay"] * p._data
            momentum = group["momentum"]
            if momentum:
                buf = self.state.get(id(p))
                if buf is None:
                    buf = self.state[id(p)] = np.array(g, copy=True)
                else:
                    buf *= momentum
                    buf += (1 - group["dampening"]) * g
                g = g + momentum * buf if group["nesterov"] else buf
            p._data -= group["lr"] * g
            bump(p)                                   # in place, as torch: a new version
        return loss


class Adam(Optimizer):
    """m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + eps)."""

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for group, p, g in self._params_with_grad():
            beta1, beta2 = group["betas"]
            if group["weight_decay"]:
                g = g + group["weight_decay"] * p._data
            state = self.state.get(id(p))
            if state is None:
                state = self.state[id(p)] = {"step": 0, "exp_avg": np.zeros_like(p._data),
                                             "exp_avg_sq": np.zeros_like(p._data)}
            state["step"] += 1
            t, m, v = state["step"], state["exp_avg"], state["exp_avg_sq"]
            m += (1 - beta1) * (g - m)                    # torch: exp_avg.lerp_(g, 1 − β₁)
            v *= beta2
            v += (1 - beta2) * (g * g)
            step_size = group["lr"] / (1 - beta1 ** t)
            denom = np.sqrt(v) / (1 - beta2 ** t) ** 0.5
            denom += group["eps"]
            p._data -= step_size * (m / denom)
            bump(p)
        return loss
