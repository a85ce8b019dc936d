"""The graph. Every op that needs gradients records a Node (the output's `grad_fn`): which rule to
run, the nodes its inputs came from, and what it saved for backward. A leaf that requires grad
enters the graph through its AccumulateGrad node. Nodes point to nodes, never to the tensors they
produced, so an intermediate result stays alive only while a node keeps it in `saved` (released by
backward unless retain_graph=True).

Built-in ops (`Op`, in ops/) compute on numpy arrays; custom ops (`Function`, the API of
torch.autograd.Function) compute on tensors. Both record the same Node, so there is one graph and
one backward traversal (autograd.py)."""
from __future__ import annotations

import weakref

import numpy as np

from .broadcast import unbroadcast
from .torch_compat.dtypes import NP_FLOAT64, fix_dtype
from .grad_mode import STATE, forward_ad_disabled, set_grad_enabled
from .tensor import Tensor
from .torch_compat.hooks import node_gradient
from .torch_compat.version import CHANGES, check_saved, next_seq as _next_seq, storage_of, version, versions

FREED = ("Trying to backward through the graph a second time (or directly access saved tensors after they "
         "have already been freed). Saved intermediate values of the graph are freed when you call "
         ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
         "graph a second time or if you need to access saved tensors after calling backward.")


class Node:
    """A `grad_fn`: one recorded op, a vertex of the graph. It is also the `ctx` its rules receive.

    inputs    the nodes the op's inputs come from (their grad_fn, or a leaf's AccumulateGrad; None
              where no gradient is needed: constants, Python scalars). Nodes point to nodes, not to
              tensors, so an intermediate result lives only as long as something saved it.
    saved     what backward needs (ctx.saved_tensors); None once freed after backward
    meta      (shape, dtype) of the op's output: what the gradient arriving here must look like
    seq       creation order (graph drawings list ops in the order the program ran them)
    retained  a weak reference to the output tensor after `retain_grad()`
    versions  the versions of the saved tensors when saved (unset: all 0); see version.py
    """
    __slots__ = ("inputs", "saved", "meta", "seq", "versions", "__dict__", "__weakref__")
    rule = None                                   # the Op or Function class whose rules this node runs
    retained = None
    tensor_hooks = None                           # hooks registered on the output (tensor_methods.py)

    def name(self) -> str:
        return type(self).__name__

    @property
    def needs_input_grad(self) -> tuple:
        return tuple([x is not None for x in self.inputs])

    def save_for_backward(self, *tensors) -> None:
        self.saved = tensors
        if any([isinstance(t, Tensor) and (t._storage is not None or t._view is not None) for t in tensors]):
            self.versions = versions(tensors)

    save_for_forward = save_for_backward

    def mark_non_differentiable(self, *tensors) -> None:
        pass

    def set_materialize_grads(self, value: bool) -> None:
        pass

    @property
    def saved_tensors(self) -> tuple:
        saved = self.saved
        if saved is None:
            raise RuntimeError(FREED)
        try:
            seq = self.seq
        except AttributeError:                    # not recorded (forward mode only): nothing to check
            return saved
        if CHANGES.last > seq:                    # something changed in place since: torch's version check
            check_saved(self)
        return saved

    def release(self) -> None:
        """Free what forward saved (after a backward without retain_graph)."""
        if self.saved:
            self.saved = None

    @property
    def next_functions(self) -> tuple:
        return tuple([(x, 0) for x in self.inputs])

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {id(self):#x}>"


class _NoRule:
    @staticmethod
    def backward(ctx, grad):
        return ()


class AccumulateGrad(Node):
    """The vertex of a leaf that requires grad: the gradient arriving here goes into `variable.grad`."""
    __slots__ = ("variable",)
    rule = _NoRule

    def __init__(self, variable: Tensor):
        self.variable, self.inputs, self.saved, self.seq = variable, [], (), _next_seq()

    @property
    def meta(self) -> tuple:
        return self.variable._data.shape, self.variable._data.dtype


def vertex(t: Tensor) -> Node:
    """The node a tensor's gradient flows into: its grad_fn, or a leaf's AccumulateGrad (one per leaf,
    kept alive by the graph nodes that use it)."""
    if t.grad_fn is not None:
        return t.grad_fn
    view = t._view
    if view is not None and not view.grad_mode and view.base.requires_grad and version(t) != view.version:
        raise RuntimeError(NO_GRAD_VIEW_CHANGED)
    node = t._accumulator() if t._accumulator is not None else None
    if node is None:
        node = (AccumulateGrad if view is None or not view.base.requires_grad else NoGradViewSink)(t)
        t._accumulator = weakref.ref(node)
    return node


NO_GRAD_VIEW_CHANGED = (
    "A view was created in no_grad mode and its base or another view of its base has been modified inplace "
    "with grad mode enabled. Given that this use case is ambiguous and error-prone, it is forbidden. You can "
    "clarify your code by moving both the view and the inplace either both inside the no_grad block (if you "
    "don't want the inplace to be tracked) or both outside (if you want the inplace to be tracked).")


class NoGradViewSink(AccumulateGrad):
    """The vertex of a view made under no_grad of a tensor that requires grad: it requires grad too,
    but, as in torch, its gradient goes nowhere (not into its .grad, not into its base's)."""
    __slots__ = ()


def node_class(name: str, rule) -> type:
    """The Node subclass of an op, named like torch's (`MulBackward0`)."""
    return type(name, (Node,), {"__slots__": (), "rule": rule, "__module__": __name__})


# ---------------------------------------------------------------- built-in ops

class Op:
    """A built-in op: `forward(ctx, *arrays, **options)` on numpy arrays (and Python scalars),
    `backward(ctx, grad)` in minigrad ops (so create_graph gives higher derivatives), `jvp(ctx,
    *tangents)` the tangent rule. `saves` says what ctx.saved_tensors holds: the inputs, the output, or
    both (the inputs, then the output)."""
    name = "Backward0"
    saves = ""                                    # "", "inputs", "output" or "inputs+output"
    promotes = True                               # output dtype follows torch's promotion of the inputs
    view = False                                  # the output shares the input's storage (torch: a view op)
    torch_saves = None                            # needs_input_grad -> which saved tensors torch keeps
                                                  # (and checks for in-place changes); None: all of them

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.Node = node_class(cls.name, cls)

    @staticmethod
    def forward(ctx, *arrays, **options):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError

    @staticmethod
    def jvp(ctx, *tangents):
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **options):
        return apply(cls, *inputs, **options)


SAVES_INPUTS = frozenset(["inputs", "inputs+output"])


def _has_float64(arrays) -> bool:
    return any(type(a) is np.ndarray and a.dtype is NP_FLOAT64 and a.ndim for a in arrays)


def apply(op, *inputs, **options) -> Tensor:
    """Run `op` forward; record a Node when grad mode is on and an input requires grad; push tangents."""
    ctx = op.Node()
    arrays, kept, record, dual, shared = [], [], False, False, False
    for x in inputs:
        if isinstance(x, Tensor):
            arrays.append(x._data)
            if x._storage is not None or x._view is not None:
                shared = True
            if x.requires_grad:
                record = True
                kept.append(x.grad_fn if x.grad_fn is not None else vertex(x))
            else:
                kept.append(None)
            if x.tangent is not None:
                dual = True
        else:
            arrays.append(x)
            kept.append(None)
    data = op.forward(ctx, *arrays, **options)
    if type(data) is not np.ndarray:
        data = np.asarray(data)
    if data.dtype is NP_FLOAT64 and op.promotes and not _has_float64(arrays):   # numpy widened, torch would not
        data = fix_dtype(data, *arrays)
    out = _new(Tensor)
    out._data, out.requires_grad, out._grad, out.grad_fn, out.tangent, out._retains_grad, out._accumulator = \
        data, False, None, None, None, False, None
    out._storage = out._view = None
    if op.view and (data is arrays[0] or data.base is not None and data.base is _owner(arrays[0])):
        _track_view(out, inputs[0], op, options)
    saves = op.saves
    ctx.saved = inputs if saves == "inputs" else (out,) if saves == "output" else (*inputs, out) if saves else ()
    if record and STATE.enabled:                # record the op: out = op(inputs), for backward
        if shared and saves in SAVES_INPUTS:    # note the versions of saved tensors that have a counter
            ctx.versions = versions(ctx.saved)
        ctx.inputs = kept
        ctx.meta = data.shape, data.dtype
        ctx.seq = _next_seq()
        out.grad_fn = ctx
        out.requires_grad = True
    if dual and STATE.forward_ad:               # forward mode: push the tangents through the op
        out.tangent = _push_tangent(op, ctx, inputs, out)
    return out


# The two most common cases, spelled out for speed (same steps as apply): one tensor input, and two
# inputs of which at least one is a tensor, without options.

def apply1(op, a: Tensor) -> Tensor:
    ctx = op.Node()
    data = op.forward(ctx, a._data)
    if type(data) is not np.ndarray:
        data = np.asarray(data)
    if data.dtype is NP_FLOAT64 and a._data.dtype is not NP_FLOAT64 and op.promotes:
        data = fix_dtype(data, a._data)
    out = _new(Tensor)
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
        ctx.seq = _next_seq()
        out.grad_fn = ctx
        out.requires_grad = True
    if a.tangent is not None and STATE.forward_ad:
        out.tangent = _push_tangent(op, ctx, (a,), out)
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
    out = _new(Tensor)
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
        ctx.seq = _next_seq()
        out.grad_fn = ctx
        out.requires_grad = True
    if ((a_is and a.tangent is not None) or (b_is and b.tangent is not None)) and STATE.forward_ad:
        out.tangent = _push_tangent(op, ctx, (a, b), out)
    return out


_new = object.__new__


class ViewInfo:
    """What a view remembers: its base (never itself a view), the view ops that lead from the base to
    it, whether grad mode was on when it was made (torch forbids some in-place changes otherwise) and,
    if not, the storage's version then."""
    __slots__ = ("base", "steps", "grad_mode", "version")


def _owner(array: np.ndarray) -> np.ndarray:
    """The array that owns the memory (numpy points every view's .base at it)."""
    return array if array.base is None else array.base


def _track_view(out: Tensor, src: Tensor, op, options: dict) -> None:
    """out = op(src) shares src's storage: same version counter, and out remembers how it was cut.
    Views made in grad mode are also listed in the storage, to get a new grad_fn after an in-place
    change; the others (e.g. in backward) find the base's storage when they need it (version.storage_of)."""
    view, grad_mode = src._view, STATE.enabled
    base, steps = (view.base, view.steps) if view is not None else (src, ())
    info = out._view = _new(ViewInfo)
    info.base, info.steps, info.grad_mode = base, steps + ((op, options),), grad_mode
    if grad_mode:
        storage = out._storage = base._storage or storage_of(base)
        storage.add_view(weakref.ref(out))
    else:                                       # torch: such a view requires grad if its source does
        out._storage, out.requires_grad = base._storage, src.requires_grad
        info.version = 0 if base._storage is None else base._storage.version


def _push_tangent(rule, ctx, inputs, out) -> Tensor:
    """Forward mode: the output's tangent from the inputs' tangents (zero where an input has none)."""
    tangents = []
    for x in inputs:
        if not isinstance(x, Tensor):
            tangents.append(0.0)
        elif x.tangent is None:
            tangents.append(Tensor(np.zeros_like(x._data)))
        else:
            tangents.append(x.tangent)
    with forward_ad_disabled():
        tangent = rule.jvp(ctx, *tangents)
    if not isinstance(tangent, Tensor):
        tangent = Tensor(np.broadcast_to(np.asarray(tangent, dtype=out._data.dtype), out._data.shape).copy())
    if tangent._data.shape != out._data.shape:
        tangent = Tensor(np.broadcast_to(tangent._data, out._data.shape).copy())
    if tangent._data.dtype != out._data.dtype:
        tangent = Tensor(tangent._data.astype(out._data.dtype))
    return tangent


# ---------------------------------------------------------------- custom ops (torch.autograd.Function)

class Function:
    """torch.autograd.Function:

        class Square(Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                return grad * 2 * x

        y = Square.apply(x)

    forward runs with grad mode off; backward returns one gradient per forward argument (None for
    arguments that need none); an optional `jvp(ctx, *tangents)` gives forward mode."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.Node = node_class(cls.__name__ + "Backward", cls)

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

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = cls.Node()
        ctx.saved = ()
        with set_grad_enabled(False):
            result = cls.forward(ctx, *args, **kwargs)
        if not isinstance(result, Tensor):
            raise TypeError(f"{cls.__name__}.forward must return a Tensor (tuples of outputs are not supported)")
        out = Tensor(result._data)
        needs = [isinstance(x, Tensor) and x.requires_grad for x in args]
        if STATE.enabled and any(needs):
            ctx.inputs = [vertex(x) if n else None for x, n in zip(args, needs)]
            ctx.meta = out._data.shape, out._data.dtype
            ctx.seq = _next_seq()
            out.grad_fn, out.requires_grad = ctx, True
        if STATE.forward_ad and any(isinstance(x, Tensor) and x.tangent is not None for x in args):
            out.tangent = _push_tangent(cls, ctx, args, out)
        return out


# ---------------------------------------------------------------- running a node's backward rule

def call_backward(node: Node, grad: Tensor) -> list:
    """Run `node`'s backward rule on the gradient of its output: one gradient per entry of
    node.inputs, each with that input's shape (the engine applies `unbroadcast` where a rule's result
    was broadcast) and dtype."""
    inputs = node.inputs
    if not inputs:
        return []
    if node.tensor_hooks or node.retained is not None:   # hooks on the node's output, retain_grad (hooks.py)
        grad = node_gradient(node, grad)
    grads = node.rule.backward(node, grad)
    if type(grads) is not tuple:
        grads = tuple(grads) if isinstance(grads, list) else (grads,)
    if len(grads) != len(inputs):
        if len(grads) < len(inputs) or any(g is not None for g in grads[len(inputs):]):
            raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                               f"(expected {len(inputs)}, got {len(grads)})")
    result = []
    for x, g in zip(inputs, grads):
        if x is None or g is None:
            result.append(None)
            continue
        if type(g) is not Tensor and not isinstance(g, Tensor):
            g = Tensor(np.asarray(g, dtype=x.meta[1]))
        shape, dtype = x.meta
        gd = g._data
        if gd.shape != shape or gd.dtype != dtype:
            g = _conform(node, g, shape, dtype)
        elif type(x) is AccumulateGrad and gd.base is None and gd is not grad._data \
                and gd is not x.variable._data and not g.requires_grad and _handed_once(gd, grads):
            FRESH[id(g)] = weakref.ref(g)     # a new array: the leaf may keep it as .grad without a copy
        result.append(g)
    return result


def _conform(node: Node, g: Tensor, shape: tuple, dtype) -> Tensor:
    """g summed back to `shape` (where the op broadcast its input) and cast to `dtype`."""
    if g._data.shape != shape:
        g = unbroadcast(g, shape)
        if g._data.shape != shape:
            raise RuntimeError(f"Function {node.name()} returned an invalid gradient: got shape "
                               f"{list(g._data.shape)} but expected shape compatible with {list(shape)}")
    if g._data.dtype != dtype:
        g = g.to(dtype)
    return g


def _handed_once(data: np.ndarray, grads: tuple) -> bool:
    count = 0
    for g in grads:
        if isinstance(g, Tensor) and g._data is data:
            count += 1
    return count == 1


# Leaf gradients known to own their array (made by a rule, not a view, not shared): `.grad` keeps them
# as they are; any other gradient is copied first, since `.grad` is later updated in place.
FRESH: dict = {}


def owns_buffer(g: Tensor) -> bool:
    ref = FRESH.pop(id(g), None)
    return ref is not None and ref() is g
