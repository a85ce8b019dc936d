"""Version counters: torch's guard against changing, in place, a tensor that backward still needs.

A tensor, its views and its detached aliases share one `Storage` (created the first time it is
needed); every in-place change adds one to its `version` (torch's `_version`). A node that saves
tensors notes their versions (`node.versions`; only for tensors that have a Storage: the others are
at version 0). Unpacking saved tensors compares; it checks nothing until some tensor has changed in
place after the node was recorded (`CHANGES.last > node.seq`), so the hot path pays next to nothing.
"""
from __future__ import annotations

from ..graph import next_seq                          # the graph's clock: node creation, in-place changes
HINT = ("Hint: enable anomaly detection to find the operation that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False).")
TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
              "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


class Storage:
    """What a tensor shares with its views and detached aliases: the version counter and weak
    references to the live views (their grad_fn is rebuilt after an in-place change)."""
    __slots__ = ("version", "views", "_prune_at")

    def __init__(self):
        self.version, self.views, self._prune_at = 0, None, 16

    def add_view(self, ref) -> None:
        views = self.views
        if views is None:
            self.views = [ref]
            return
        if len(views) >= self._prune_at:                # drop views that died
            views = self.views = [r for r in views if r() is not None]
            self._prune_at = 2 * len(views) + 16
        views.append(ref)


class _Changes:
    __slots__ = ("last",)

    def __init__(self):
        self.last = -1                                  # clock time of the latest in-place change


CHANGES = _Changes()


def storage_of(t) -> Storage:
    """t's Storage, created on first use; a view's is its base's."""
    s = t._storage
    if s is None:
        s = t._storage = storage_of(t._view.base) if t._view is not None else Storage()
    return s


def shared(t) -> Storage | None:
    """t's Storage if it has one (a view's is its base's), without creating it."""
    s = getattr(t, "_storage", None)
    if s is None and getattr(t, "_view", None) is not None:
        s = t._view.base._storage
    return s


def version(t) -> int:
    s = shared(t)
    return 0 if s is None else s.version


def versions(tensors) -> tuple:
    """The versions of tensors being saved for backward (0 for what has no Storage)."""
    noted = []
    for t in tensors:
        storage = shared(t)
        noted.append(0 if storage is None else storage.version)
    return tuple(noted)


def bump(t) -> None:
    """Record an in-place change of t (and so of its views and aliases)."""
    storage_of(t).version += 1
    CHANGES.last = next_seq()


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
    saved, noted = node.saved, getattr(node, "versions", None)
    keep = getattr(node.rule, "torch_saves", None)
    needed = keep(node.needs_input_grad) if keep is not None else None
    order = range(len(saved)) if keep is None else reversed(range(len(saved)))   # torch's unpacking order
    for i in order:
        t, storage = saved[i], shared(saved[i])
        if storage is None or (needed is not None and i < len(needed) and not needed[i]):
            continue
        now, then = storage.version, noted[i] if noted is not None else 0
        if now != then:
            raise RuntimeError(modified_message(t, node, now, then, _is_output(node, i, len(saved))))


def _is_output(node, i: int, count: int) -> bool:
    """Whether saved tensor i is the node's own output (torch then names the node, not t's grad_fn)."""
    saves = getattr(node.rule, "saves", "")
    return saves == "output" or (saves == "inputs+output" and i == count - 1) or node.saved[i].grad_fn is node


def modified_message(t, node, now: int, then: int, is_output: bool) -> str:
    owner = node if is_output else t.grad_fn
    which = f", which is output 0 of {node_label(owner)}," if owner is not None else ""
    return (f"one of the variables needed for gradient computation has been modified by an inplace operation: "
            f"[{type_name(t)} {list(t._data.shape)}]{which} is at version {now}; expected version {then} "
            f"instead. {HINT}")
