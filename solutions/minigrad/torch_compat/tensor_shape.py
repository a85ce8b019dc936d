"""Tensor's shape methods (reshape/view, t, transpose, permute, (un)squeeze, expand, flatten, .T, .mT),
their in-place forms (t_, transpose_, squeeze_, unsqueeze_), and detach_, mixed into Tensor so that
tensor.py stays about the core. Each calls an op of ops/shape.py; tensor.py hands the ops over (`bind`)
once Tensor is defined."""
from __future__ import annotations

import warnings

_ops = _inplace = None
_warned = set()
T_0D = "Tensor.{} is deprecated on 0-D tensors. This function is the identity in these cases."
T_ND = ("The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated and it will "
        "throw an error in a future release. Consider `x.mT` to transpose batches of matrices or "
        "`x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.")
DETACH_VIEW = ("Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel (DDP) "
               "for training, and gradient_as_bucket_view is set as True, gradients are views of DDP buckets, and "
               "hence detach_() cannot be called on these gradients. To fix this error, please refer to the "
               "Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.")


def bind(ops, inplace) -> None:
    global _ops, _inplace
    _ops, _inplace = ops, inplace


def _warn_once(message: str) -> None:
    """torch's TORCH_WARN_ONCE: each message once per process."""
    if message not in _warned:
        _warned.add(message)
        warnings.warn(message, UserWarning, stacklevel=3)


def _shape_args(shape) -> tuple:
    """reshape(2, 3) and reshape((2, 3)) alike; torch's errors for sizes below -1 or two -1s (numpy reads any
    negative size as "the rest")."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    sizes = tuple([int(s) for s in shape])
    for i, size in enumerate(sizes):
        if size < -1:
            raise RuntimeError(f"invalid shape dimension {size} at index {i} of shape {list(sizes)}")
    if sizes.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    return sizes


class ShapeMethods:
    """Mixed into Tensor (no state of its own)."""
    __slots__ = ()

    @property
    def T(self):
        ndim = self._data.ndim
        if ndim != 2:
            _warn_once(T_0D.format("T") if ndim == 0 else T_ND)
        return _ops.Permute.apply(self, dims=tuple(reversed(range(ndim))))

    @property
    def mT(self):
        ndim = self._data.ndim
        if ndim == 0:
            _warn_once(T_0D.format("mT"))
            return self
        if ndim == 1:
            raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.")
        return self.transpose(-2, -1)

    @property
    def _base(self):
        """The tensor a view shares its storage with (None if this is not a view), as torch's."""
        return None if self._view is None else self._view.base

    def _is_view(self) -> bool:
        return self._view is not None

    def reshape(self, *shape):
        return _ops.reshape(self, _shape_args(shape))

    def view(self, *shape):
        return _ops.reshape(self, _shape_args(shape))

    def view_as(self, other):
        return self.reshape(other.shape)

    reshape_as = view_as

    def flatten(self, start_dim=0, end_dim=-1):
        shape = self._data.shape
        if not shape:
            return self.reshape(1)
        start, end = _ops.wrap_dim(start_dim, len(shape)), _ops.wrap_dim(end_dim, len(shape))
        if start > end:
            raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
        if start == end:                           # nothing to merge: torch returns the tensor itself
            return self
        return self.reshape(*shape[:start], -1, *shape[end + 1:])

    def transpose(self, dim0, dim1):
        return _ops.Transpose.apply(self, dim0=dim0, dim1=dim1)

    swapaxes = swapdims = transpose

    def t(self):
        return _ops.T.apply(self)

    def permute(self, *dims):
        if not dims:
            raise TypeError('permute() missing 1 required positional arguments: "dims"')
        return _ops.Permute.apply(self, dims=tuple(_shape_args(dims)))

    def unsqueeze(self, dim):
        return _ops.Unsqueeze.apply(self, dim=dim)

    def squeeze(self, dim=None):
        return _ops.squeeze(self, dim)

    def expand(self, *shape):
        return _ops.Expand.apply(self, shape=tuple(_shape_args(shape)))

    def expand_as(self, other):
        return self.expand(*other.shape)

    def contiguous(self):
        return self

    # ------------------------------------------------------------ in place
    def t_(self):
        return _inplace.reshape_inplace(self, _ops.TInplace, (_ops.T, {}), undo=(_ops.T, {}))

    def transpose_(self, dim0, dim1):
        step = (_ops.Transpose, {"dim0": dim0, "dim1": dim1})
        return _inplace.reshape_inplace(self, _ops.TransposeInplace, step, undo=step)

    swapaxes_ = swapdims_ = transpose_

    def squeeze_(self, dim=None):
        op = _ops.SqueezeInplace if dim is None else \
            _ops.SqueezeDimsInplace if isinstance(dim, (tuple, list)) else _ops.SqueezeDimInplace
        return _inplace.reshape_inplace(self, op, (_ops.Squeeze, {"dim": dim}))

    def unsqueeze_(self, dim):
        return _inplace.reshape_inplace(self, _ops.UnsqueezeInplace, (_ops.Unsqueeze, {"dim": dim}))

    def detach_(self):
        if self._view is not None:
            raise RuntimeError(DETACH_VIEW)
        self.grad_fn, self.requires_grad = None, False
        return self
