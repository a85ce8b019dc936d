"""Version counters: torch's guard against changing, in place, a tensor that backward still needs.

A tensor, its views and its detached aliases share one `Storage` (created the first time it is
needed). Each in-place change appends the graph's sequence number at that moment to `bumps`; the
tensor's version (torch's `_version`) is their count. A node does not record versions when it
saves tensors: the version a saved tensor had then is the number of bumps older than the node.
Until some tensor is changed in place after a node was recorded (`CHANGES.last > node.seq`),
unpacking its saved tensors checks nothing, so the hot path pays nothing.
"""
from __future__ import annotations

import bisect

HINT = ("Hint: enable anomaly detection to find the operation that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False).")
TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
              "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


class Storage:
    """What a tensor shares with its views and detached aliases: the version counter (`bumps`) and
    weak references to the live views (their grad_fn is rebuilt after an in-place change)."""
    __slots__ = ("bumps", "views", "_prune_at")

    def __init__(self):
        self.bumps, self.views, self._prune_at = [], [], 16

    def version(self) -> int:
        return len(self.bumps)

    def version_at(self, seq: int) -> int:
        """The version before the op numbered `seq` ran."""
        return bisect.bisect_left(self.bumps, seq)

    def add_view(self, ref) -> None:
        if len(self.views) >= self._prune_at:           # drop views that died
            self.views = [r for r in self.views if r() is not None]
            self._prune_at = 2 * len(self.views) + 16
        self.views.append(ref)


class _Changes:
    __slots__ = ("last",)

    def __init__(self):
        self.last = -1                                  # sequence number of the latest in-place change


CHANGES = _Changes()


def storage_of(t) -> Storage:
    """t's Storage, created on first use."""
    s = t._storage
    if s is None:
        s = t._storage = Storage()
    return s


def version(t) -> int:
    return 0 if t._storage is None else len(t._storage.bumps)


def bump(t, seq: int) -> None:
    """Record an in-place change of t (and so of its views and aliases) made at sequence number seq."""
    storage_of(t).bumps.append(seq)
    CHANGES.last = seq


def type_name(t) -> str:
    """torch's legacy type string: torch.FloatTensor, torch.LongTensor, ..."""
    return f"torch.{TYPE_NAMES.get(t._data.dtype.name, t._data.dtype.name)}Tensor"


def node_label(node) -> str:
    """How torch's version error names a node: ExpBackward0 -> Exp, ClampBackward1 -> Clamp1."""
    name = node.name()
    if name in ("CopySlices", "CopyBackwards"):
        return "torch::autograd::" + name
    return name.replace("Backward0", "").replace("Backward", "")


def check_saved(node) -> None:
    """Raise torch's error if a tensor `node` saved (and torch would have saved) changed in place since."""
    saved, seq = node.saved, node.seq
    keep = getattr(node.rule, "torch_saves", None)
    needed = keep(node.needs_input_grad) if keep is not None else None
    order = range(len(saved)) if keep is None else reversed(range(len(saved)))   # torch's unpacking order
    for i in order:
        t = saved[i]
        storage = getattr(t, "_storage", None)
        if storage is None or (needed is not None and i < len(needed) and not needed[i]):
            continue
        now, then = len(storage.bumps), storage.version_at(seq)
        if now != then:
            raise RuntimeError(modified_message(t, node, now, then))


def modified_message(t, node, now: int, then: int) -> str:
    is_output = getattr(node.rule, "saves", "") == "output" or t.grad_fn is node
    owner = node if is_output else t.grad_fn
    which = f", which is output 0 of {node_label(owner)}," if owner is not None else ""
    return (f"one of the variables needed for gradient computation has been modified by an inplace operation: "
            f"[{type_name(t)} {list(t._data.shape)}]{which} is at version {now}; expected version {then} "
            f"instead. {HINT}")
