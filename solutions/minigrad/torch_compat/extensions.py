"""What torch_compat plugs into the lesson's engine (`graph.EXT`), and the Tensor methods it installs.

The lesson modules (tensor.py, graph.py, autograd.py) know only the names in `graph.Extensions`; this
module fills them with torch's details. `fill_extensions()` runs once, from `torch_compat.install`.

    while recording   leaf_vertex(t)                  the node of a tensor without grad_fn (views made under no_grad)
                      forward_result(op, arrays, data)   the output's dtype (torch's promotion)
                      on_record(ctx, saved)           note the versions of saved tensors
                      alias(t)                        the storage Tensor(t) shares with t
    in backward       on_unpack(node)                 before ctx.saved_tensors: changed in place since?
                      output_gradient(node, g)        hooks on a node's output (register_hook), retain_grad
                      leaf_gradient(x, g, grad, grads)   note a gradient that may become .grad without a copy
                      leaf_hooks(t, g), owns_buffer(g)   when a leaf's .grad is accumulated
                      begin(), end()                  one traversal of backward
                      begin_grad(targets, create_graph), end_grad(inputs, grads)   around autograd.grad
"""
from __future__ import annotations

import weakref

import numpy as np

from .. import graph
from ..grad_mode import STATE
from ..graph import AccumulateGrad, Op, apply
from ..tensor import Tensor
from . import hooks as _hooks
from .dtypes import NP_FLOAT64, fix_dtype
from .tensor_methods import run_hooks, tensor_hooks
from .version import CHANGES, check_saved, storage_of, version, versions

# ---------------------------------------------------------------- dtypes


def _has_float64(arrays) -> bool:
    return any(type(a) is np.ndarray and a.dtype is NP_FLOAT64 and a.ndim for a in arrays)


def forward_result(op, arrays, data: np.ndarray) -> np.ndarray:
    """numpy widened to float64 where torch would not (a float32 tensor times a Python float)."""
    if data.dtype is NP_FLOAT64 and op.promotes and not _has_float64(arrays):
        data = fix_dtype(data, *arrays)
    return data


# ---------------------------------------------------------------- version counters of saved tensors

def on_record(ctx, saved) -> None:
    """Note the versions of saved tensors that have a counter (the others are at version 0)."""
    for t in saved:
        if isinstance(t, Tensor) and (t._storage is not None or t._view is not None):
            ctx.versions = versions(saved)
            return


def on_unpack(node) -> None:
    try:
        seq = node.seq
    except AttributeError:                    # not recorded (forward mode only): nothing to check
        return
    if CHANGES.last > seq:                    # something changed in place since: torch's version check
        check_saved(node)


def saved_tensors(node) -> tuple:
    """Fast path for `Node.saved_tensors` (the lesson's property calls `on_unpack`; this one inlines it,
    as backward unpacks saved tensors once per node)."""
    saved = node.saved
    if saved is None:
        raise RuntimeError(graph.FREED)
    try:
        seq = node.seq
    except AttributeError:
        return saved
    if CHANGES.last > seq:
        check_saved(node)
    return saved


def alias(t: Tensor):
    """Tensor(t) shares t's storage (and version counter); `.data`'s alias shares its owner's."""
    return storage_of(getattr(t, "_data_of", t))


# ---------------------------------------------------------------- views

class ViewInfo:
    """What a view remembers: its base (never itself a view), the view ops that lead from the base to
    it, whether grad mode was on when it was made (torch forbids some in-place changes otherwise) and,
    if not, the storage's version then."""
    __slots__ = ("base", "steps", "grad_mode", "version")


class ViewOp(Op):
    """An op whose output shares its input's storage (torch: a view op)."""
    view = True

    @classmethod
    def apply(cls, *inputs, **options):
        out = apply(cls, *inputs, **options)
        data, src = out._data, inputs[0]
        if cls.view and (data is src._data or data.base is not None and data.base is _owner(src._data)):
            _track_view(out, src, cls, options)
        return out


def _owner(array: np.ndarray) -> np.ndarray:
    """The array that owns the memory (numpy points every view's .base at it)."""
    return array if array.base is None else array.base


def _track_view(out: Tensor, src: Tensor, op, options: dict) -> None:
    """out = op(src) shares src's storage: same version counter, and out remembers how it was cut.
    Views made in grad mode are also listed in the storage, to get a new grad_fn after an in-place
    change; the others (e.g. in backward) find the base's storage when they need it (version.storage_of)."""
    view, grad_mode = src._view, STATE.enabled
    base, steps = (view.base, view.steps) if view is not None else (src, ())
    info = out._view = ViewInfo()
    info.base, info.steps, info.grad_mode = base, steps + ((op, options),), grad_mode
    if grad_mode:
        storage = out._storage = base._storage or storage_of(base)
        storage.add_view(weakref.ref(out))
    else:                                       # torch: such a view requires grad if its source does
        out._storage, out.requires_grad = base._storage, src.requires_grad
        info.version = 0 if base._storage is None else base._storage.version


NO_GRAD_VIEW_CHANGED = (
    "A view was created in no_grad mode and its base or another view of its base has been modified inplace "
    "with grad mode enabled. Given that this use case is ambiguous and error-prone, it is forbidden. You can "
    "clarify your code by moving both the view and the inplace either both inside the no_grad block (if you "
    "don't want the inplace to be tracked) or both outside (if you want the inplace to be tracked).")


class NoGradViewSink(AccumulateGrad):
    """The vertex of a view made under no_grad of a tensor that requires grad: it requires grad too,
    but, as in torch, its gradient goes nowhere (not into its .grad, not into its base's)."""
    __slots__ = ()


def leaf_vertex(t: Tensor):
    view = t._view
    if view is None:
        return graph.accumulator(t)
    if not view.grad_mode and view.base.requires_grad and version(t) != view.version:
        raise RuntimeError(NO_GRAD_VIEW_CHANGED)
    node = t._accumulator() if t._accumulator is not None else None
    if node is None:
        node = (AccumulateGrad if not view.base.requires_grad else NoGradViewSink)(t)
        t._accumulator = weakref.ref(node)
    return node


# ---------------------------------------------------------------- leaf gradients kept without a copy

# Leaf gradients known to own their array (made by a rule, not a view, not shared): `.grad` keeps them
# as they are; any other gradient is copied first, since `.grad` is later updated in place.
FRESH: dict = {}


def leaf_gradient(x, g: Tensor, grad: Tensor, grads: tuple) -> None:
    gd = g._data
    if gd.base is None and gd is not grad._data and gd is not x.variable._data and not g.requires_grad \
            and sum([isinstance(h, Tensor) and h._data is gd for h in grads]) == 1:
        FRESH[id(g)] = weakref.ref(g)


def owns_buffer(g: Tensor) -> bool:
    ref = FRESH.pop(id(g), None)
    return ref is not None and ref() is g


# ---------------------------------------------------------------- hooks and retained gradients

def leaf_hooks(t: Tensor, g: Tensor) -> Tensor:
    hooks = tensor_hooks(t)
    return run_hooks(hooks, g) if hooks else g


def end() -> None:
    FRESH.clear()
    _hooks.HOOKED.clear()


_GRAD = {}                                    # autograd.grad: the inputs' gradients after their hooks


def begin_grad(targets: list, create_graph: bool) -> None:
    """autograd.grad fills the .grad of retained tensors torch's engine reaches (the inputs and what
    lies above them), and notes the inputs' gradients after their hooks, as they come."""
    from ..autograd import accumulate_grad
    _hooks.start()
    target_set, hooked, memo = set(targets), {}, {}
    _GRAD.update(targets=target_set, hooked=hooked)

    def fill(node, g):
        if node in target_set:
            hooked[node] = g
        tensor = node.retained() if node.retained is not None else None
        if tensor is not None and (node in target_set or _hooks.reaches(node, target_set, memo)):
            accumulate_grad(tensor, g, create_graph)

    _hooks.RUN.fill = fill


def end_grad(inputs: list, result: list) -> list:
    """A leaf's register_hook hooks see its gradient; a non-leaf input is captured after its hooks,
    unless its node runs to reach another input (torch's engine)."""
    FRESH.clear()
    _hooks.start()
    target_set, hooked = _GRAD.pop("targets", set()), _GRAD.pop("hooked", {})
    memo = {}
    for i, (x, g) in enumerate(zip(inputs, result)):
        hooks = tensor_hooks(x) if x.grad_fn is None else None
        if g is not None and hooks:
            result[i] = run_hooks(hooks, g)
        elif x.grad_fn in hooked and not _hooks.reaches(x.grad_fn, target_set, memo):
            result[i] = hooked[x.grad_fn]
    return result


class NodeMethods:
    """torch's Node API beyond the lesson, installed onto graph.Node."""

    @property
    def needs_input_grad(self) -> tuple:
        return tuple([x is not None for x in self.inputs])

    def save_for_forward(self, *tensors) -> None:
        self.save_for_backward(*tensors)

    def mark_non_differentiable(self, *tensors) -> None:
        pass

    def set_materialize_grads(self, value: bool) -> None:
        pass

    @property
    def next_functions(self) -> tuple:
        return tuple([(x, 0) for x in self.inputs])

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {id(self):#x}>"


class FunctionDefaults:
    """What torch says when a custom autograd.Function lacks a method (installed onto graph.Function)."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    @staticmethod
    def jvp(ctx, *tangents):
        raise NotImplementedError("You must implement the jvp function for custom autograd.Function to use "
                                  "it with forward mode AD.")


def fill_extensions() -> None:
    ext = graph.EXT
    ext.leaf_vertex, ext.forward_result, ext.on_record, ext.alias = leaf_vertex, forward_result, on_record, alias
    ext.on_unpack, ext.output_gradient, ext.leaf_gradient = on_unpack, _hooks.node_gradient, leaf_gradient
    ext.leaf_hooks, ext.owns_buffer, ext.begin, ext.end = leaf_hooks, owns_buffer, _hooks.start, end
    ext.begin_grad, ext.end_grad = begin_grad, end_grad
    graph.Node.saved_tensors = property(saved_tensors)
    graph.Op.promotes = True                  # the output's dtype follows torch's promotion (False: the input's)
    for name in ("forward", "backward", "jvp"):
        setattr(graph.Function, name, vars(FunctionDefaults)[name])
    for name, value in vars(NodeMethods).items():
        if not name.startswith("__") or name == "__repr__":
            setattr(graph.Node, name, value)
