"""In-place ops with torch's semantics (`a.mul_(3)`, `a += b`, `a[0] = v`, `zero_`, `fill_`, `copy_`, and the
shape changes `t_`, `transpose_`, `squeeze_`, `unsqueeze_`).

An in-place op writes its result into the tensor's own storage, so views and aliases see it, and
bumps the shared version counter (version.py). When autograd records it, the tensor's grad_fn
becomes the op's node; on a view, the base's grad_fn becomes CopySlices (the op applied to a region
of the base) and every live view of that base gets a fresh AsStridedBackward0 node, as in torch.
torch's errors come first: a leaf that requires grad, or a view of one, cannot change in place
while grad mode is on.
"""
from __future__ import annotations

import weakref

import numpy as np

from ..graph import Node, Op, call_backward, vertex, next_seq as _next_seq
from ..grad_mode import STATE, set_grad_enabled
from ..tensor import Tensor
from .version import TYPE_NAMES, bump, versions

LEAF = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_OF_LEAF = "a view of a leaf Variable that requires grad is being used in an in-place operation."
NO_GRAD_VIEW = ("A view was created in no_grad mode and is being modified inplace with grad mode enabled. Given "
                "that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by "
                "moving both the view and the inplace either both inside the no_grad block (if you don't want "
                "the inplace to be tracked) or both outside (if you want the inplace to be tracked).")
MULTI_VIEW = ("Output {} of Unbind is a view and is being modified inplace. This view is the output of a function "
              "that returns multiple views. Such functions do not allow the output views to be modified "
              "inplace. You should replace the inplace operation by an out-of-place one.")
OVERLAP = ("unsupported operation: more than one element of the written-to tensor refers to a single memory "
           "location. Please clone() the tensor before performing the operation.")


def inplace(t: Tensor, compute, *operands, cast: bool = False) -> Tensor:
    """t.<op>_(*operands): `compute(a)` is the same op out of place. Its result is written into t;
    under autograd its node becomes t's grad_fn (or, for a view, part of its base's CopySlices).
    `cast` allows any dtype change (fill_, copy_, index assignment); otherwise torch's casting rule."""
    grad_on = STATE.enabled
    if grad_on:
        _check_allowed(t, t.requires_grad or any(isinstance(x, Tensor) and x.requires_grad for x in operands))
    if not t._data.flags.writeable:
        raise RuntimeError(OVERLAP)
    old = _alias(t)
    result = compute(old)
    tracked = grad_on and result.requires_grad
    if tracked:
        old._data = old._data.copy()                  # the op's node may have saved the old values
    _write(t, result, cast)
    bump(t)
    if tracked:
        _rewire(t, result)
    if t._storage.views:
        _refresh_views(t._storage)
    return t


def reshape_inplace(t: Tensor, op, step: tuple, undo: tuple | None = None) -> Tensor:
    """t.t_(), t.transpose_(...), t.squeeze_(...), t.unsqueeze_(...): t itself takes the view `step`
    = (view op, options) of its values; its storage stays, its version goes up (as torch's). Under
    autograd, op's node (torch's name for the in-place form) becomes t's grad_fn. Views keep seeing
    the same elements: a view t adds the step to how it is cut from its base; views of a base t
    first undo it (`undo`, by default a reshape back to the old shape)."""
    grad_on = STATE.enabled
    if grad_on:
        _check_allowed(t, t.requires_grad)
    view_op, options = step
    old_shape = t._data.shape
    result = op.apply(_alias(t), **options)
    t._data = result._data
    bump(t)
    if t._view is not None:
        t._view.steps = t._view.steps + (step,)
    if grad_on and result.requires_grad:
        t.grad_fn, t.tangent = result.grad_fn, result.tangent
        t.grad_fn.seq = _next_seq()
    storage = t._storage
    if storage.views:
        if t._view is None:
            from .ops import View
            undo = undo or (View, {"shape": old_shape})
            for ref in storage.views:
                view = ref()
                if view is not None and view._view is not None and view._view.base is t:
                    view._view.steps = (undo, *view._view.steps)
        _refresh_views(storage, keep=t)
    return t


def _check_allowed(t: Tensor, requires_grad: bool) -> None:
    """torch's check_inplace: the errors for leaves and views of leaves that require grad."""
    view = t._view
    if view is not None and (requires_grad or view.base.requires_grad):
        unbind = [opts for op, opts in view.steps if op.name == "UnbindBackward0"]
        if unbind:
            raise RuntimeError(MULTI_VIEW.format(unbind[0]["index"]))
        if not view.grad_mode and view.base.requires_grad:
            raise RuntimeError(NO_GRAD_VIEW)
        if view.base.grad_fn is None and view.base.requires_grad:
            raise RuntimeError(VIEW_OF_LEAF)
    elif t.requires_grad and t.grad_fn is None:
        raise RuntimeError(LEAF)


def _alias(t: Tensor) -> Tensor:
    """A stand-in for t's current value and graph position (the op's input)."""
    old = Tensor(t._data)
    old.requires_grad, old.grad_fn, old._accumulator = t.requires_grad, t.grad_fn, t._accumulator
    return old


def _write(t: Tensor, result: Tensor, cast: bool) -> None:
    data = result._data
    if data.shape != t._data.shape:
        raise RuntimeError(f"output with shape {list(t._data.shape)} doesn't match the broadcast shape "
                           f"{list(data.shape)}")
    if not cast and not _can_cast(data.dtype, t._data.dtype):
        raise RuntimeError(f"result type {_kind_name(data.dtype)} can't be cast to the desired output type "
                           f"{_kind_name(t._data.dtype)}")
    np.copyto(t._data, data, casting="unsafe")


def _can_cast(src: np.dtype, dst: np.dtype) -> bool:
    """torch's canCast: no floating -> integral, no non-bool -> bool."""
    if src.kind == "f" and dst.kind in "iub":
        return False
    return not (src.kind != "b" and dst.kind == "b")


def _kind_name(d: np.dtype) -> str:
    return TYPE_NAMES.get(d.name, d.name)


def _rewire(t: Tensor, result: Tensor) -> None:
    """Make the recorded op t's history: t's grad_fn, or its base's CopySlices when t is a view."""
    fn = result.grad_fn
    if fn.saved:                                      # the op saved its output: that is t now
        fn.saved = tuple([t if s is result else s for s in fn.saved])
        fn.versions = versions(fn.saved)
    fn.seq = _next_seq()                              # recorded after the version bump
    target = t if t._view is None else t._view.base
    old_fn = target.grad_fn
    if t._view is None:
        node = fn
        t.tangent = result.tangent
    else:
        node = CopySlices.make(target, fn, t._view.steps)
    target.grad_fn, target.requires_grad = node, True
    if target._retains_grad and old_fn is not None:   # retain_grad follows the tensor to its new node
        old_fn.retained, node.retained = None, weakref.ref(target)


def _refresh_views(storage, keep: Tensor | None = None) -> None:
    """Every live view of a base that requires grad gets a new grad_fn: AsStridedBackward0 of the base's
    current grad_fn (torch rebuilds it the same way after the storage changed); `keep` keeps its own."""
    for ref in storage.views:
        view = ref()
        if view is None or view._view is None or view is keep:
            continue
        base = view._view.base
        if base.requires_grad:
            with set_grad_enabled(True):
                view.grad_fn = AsStrided.apply(base, steps=view._view.steps).grad_fn
            view.requires_grad = True


# ---------------------------------------------------------------- the ops in-place changes record

def region(array: np.ndarray, steps) -> np.ndarray:
    """The numpy view of `array` that the view ops `steps` cut out of it."""
    for op, options in steps:
        array = op.forward(op.Node(), array, **options)
        if type(array) is not np.ndarray:
            array = np.asarray(array)
    return array


class AsStrided(Op):
    """c = the region of a that a view sees: the grad_fn torch gives views after an in-place change."""
    name = "AsStridedBackward0"

    @staticmethod
    def forward(ctx, a, steps):
        ctx.steps, ctx.shape = steps, a.shape
        return region(a, steps)

    @staticmethod
    def backward(ctx, grad):
        return AsStridedScatter.apply(Tensor(np.zeros(ctx.shape, grad._data.dtype)), grad, steps=ctx.steps)

    @staticmethod
    def jvp(ctx, da):
        return AsStrided.apply(da, steps=ctx.steps)


class AsStridedScatter(Op):
    """c = a copy of a with the region a view sees replaced by v"""
    name = "AsStridedScatterBackward0"

    @staticmethod
    def forward(ctx, a, v, steps):
        ctx.steps = steps
        out = a.copy()
        region(out, steps)[...] = v
        return out

    @staticmethod
    def backward(ctx, grad):
        return AsStridedScatter.apply(grad, 0.0, steps=ctx.steps), AsStrided.apply(grad, steps=ctx.steps)

    @staticmethod
    def jvp(ctx, da, dv):
        return AsStridedScatter.apply(da, dv, steps=ctx.steps)


def _zeros(grad: Tensor) -> Tensor:
    """The gradient of values an op overwrote: zeros (not grad * 0, which keeps NaN and inf)."""
    return Tensor(np.zeros_like(grad._data))


class _CopySlicesRule:
    @staticmethod
    def backward(ctx, grad):
        """The gradient of the base: unchanged outside the region; inside, what the op passes back to
        its input (zero for fill_/copy_). The op's other inputs get theirs from the region's gradient."""
        grads = call_backward(ctx.fn, AsStrided.apply(grad, steps=ctx.steps))
        own = grads[0] if grads[0] is not None else 0.0
        return (AsStridedScatter.apply(grad, own, steps=ctx.steps), *grads[1:])


class CopySlices(Node):
    """The base's grad_fn after an in-place op on one of its views (torch's CopySlices)."""
    __slots__ = ("fn", "steps")
    rule = _CopySlicesRule

    @classmethod
    def make(cls, base: Tensor, fn: Node, steps) -> "CopySlices":
        node = cls()
        node.inputs = [vertex(base) if base.requires_grad else None, *fn.inputs[1:]]
        node.saved, node.meta, node.seq = (), (base._data.shape, base._data.dtype), _next_seq()
        node.fn, node.steps = fn, steps
        return node

    def release(self) -> None:
        self.fn.release()


class Zero(Op):
    """a.zero_(): c = 0 (the old values get a zero gradient)"""
    name, promotes = "ZeroBackward0", False

    @staticmethod
    def forward(ctx, a):
        return np.zeros_like(a)

    @staticmethod
    def backward(ctx, grad):
        return _zeros(grad)

    @staticmethod
    def jvp(ctx, da):
        return da * 0


class Fill(Op):
    """a.fill_(k), k a number"""
    name, promotes = "FillBackward2", False

    @staticmethod
    def forward(ctx, a, k):
        return np.full_like(a, k)

    @staticmethod
    def backward(ctx, grad):
        return _zeros(grad), None

    @staticmethod
    def jvp(ctx, da, dk):
        return da * 0


class FillTensor(Op):
    """a.fill_(v), v a one-element tensor: every element is v, so v's gradient is the sum"""
    name, promotes = "FillBackward3", False

    @staticmethod
    def forward(ctx, a, v):
        return np.full_like(a, v.reshape(()))

    @staticmethod
    def backward(ctx, grad):
        return _zeros(grad), grad.sum()

    @staticmethod
    def jvp(ctx, da, dv):
        return da * 0 + dv.sum()


class Copy(Op):
    """a.copy_(src): c = src broadcast to a's shape, in a's dtype"""
    name, promotes = "CopyBackwards", False

    @staticmethod
    def forward(ctx, a, src):
        return np.broadcast_to(np.asarray(src), a.shape).astype(a.dtype)

    @staticmethod
    def backward(ctx, grad):
        return _zeros(grad), grad

    @staticmethod
    def jvp(ctx, da, dsrc):
        return da * 0 + dsrc


class IndexPut(Op):
    """a[index] = v with an advanced index (integer arrays, boolean masks)"""
    name, promotes = "IndexPutBackward0", False

    @staticmethod
    def forward(ctx, a, v, index):
        ctx.index = index
        out = a.copy()
        out[index] = v
        return out

    @staticmethod
    def backward(ctx, grad):
        from .ops import Index
        kept = IndexPut.apply(grad, 0.0, index=ctx.index)
        return kept, Index.apply(grad, index=ctx.index)

    @staticmethod
    def jvp(ctx, da, dv):
        return IndexPut.apply(da, dv, index=ctx.index)
