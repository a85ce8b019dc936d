"""A fast path for recording the two most common kinds of op: one tensor input (`apply1`), and two
inputs, at least one a tensor, without options (`apply2`). They take the same steps as the lesson's
`graph.apply` (read that one), with the extension hooks inlined and no lists built, because the
tensor operators run them for every op of a training step. `python benchmarks/bench.py --baseline`
measures what they save."""
from __future__ import annotations

import numpy as np

from ..grad_mode import STATE
from ..graph import next_seq, push_tangent, vertex
from ..tensor import Tensor
from .dtypes import NP_FLOAT64, fix_dtype
from .extensions import _has_float64
from .version import versions

SAVES_INPUTS = frozenset(["inputs", "inputs+output"])
_new = object.__new__


def apply1(op, a: Tensor) -> Tensor:
    ctx = op.Node()
    data = op.forward(ctx, a._data)
    if type(data) is not np.ndarray:
        data = np.asarray(data)
    if data.dtype is NP_FLOAT64 and a._data.dtype is not NP_FLOAT64 and op.promotes:
        data = fix_dtype(data, a._data)
    out = _new(Tensor)                        # Tensor(data) without __init__'s checks
    out._data, out.requires_grad, out._grad, out.grad_fn, out.tangent, out._retains_grad, out._accumulator = \
        data, False, None, None, None, False, None
    out._storage = out._view = None
    saves = op.saves
    ctx.saved = (a,) if saves == "inputs" else (out,) if saves == "output" else (a, out) if saves else ()
    if a.requires_grad and STATE.enabled:
        if (a._storage is not None or a._view is not None) and saves in SAVES_INPUTS:
            ctx.versions = versions(ctx.saved)
        ctx.inputs = [a.grad_fn if a.grad_fn is not None else vertex(a)]
        ctx.meta = data.shape, data.dtype
        ctx.seq = next_seq()
        out.grad_fn = ctx
        out.requires_grad = True
    if a.tangent is not None and STATE.forward_ad:
        out.tangent = push_tangent(op, ctx, (a,), out)
    return out


def apply2(op, a, b) -> Tensor:
    ctx = op.Node()
    a_is, b_is = isinstance(a, Tensor), isinstance(b, Tensor)
    ad = a._data if a_is else a
    bd = b._data if b_is else b
    data = op.forward(ctx, ad, bd)
    if type(data) is not np.ndarray:
        data = np.asarray(data)
    if data.dtype is NP_FLOAT64 and op.promotes and not _has_float64((ad, bd)):
        data = fix_dtype(data, ad, bd)
    out = _new(Tensor)                        # Tensor(data) without __init__'s checks
    out._data, out.requires_grad, out._grad, out.grad_fn, out.tangent, out._retains_grad, out._accumulator = \
        data, False, None, None, None, False, None
    out._storage = out._view = None
    saves = op.saves
    ctx.saved = (a, b) if saves == "inputs" else (out,) if saves == "output" else (a, b, out) if saves else ()
    a_needs = a_is and a.requires_grad
    b_needs = b_is and b.requires_grad
    if (a_needs or b_needs) and STATE.enabled:
        if saves in SAVES_INPUTS and ((a_is and (a._storage is not None or a._view is not None))
                                      or (b_is and (b._storage is not None or b._view is not None))):
            ctx.versions = versions(ctx.saved)
        ctx.inputs = [(a.grad_fn or vertex(a)) if a_needs else None, (b.grad_fn or vertex(b)) if b_needs else None]
        ctx.meta = data.shape, data.dtype
        ctx.seq = next_seq()
        out.grad_fn = ctx
        out.requires_grad = True
    if ((a_is and a.tangent is not None) or (b_is and b.tangent is not None)) and STATE.forward_ad:
        out.tangent = push_tangent(op, ctx, (a, b), out)
    return out
