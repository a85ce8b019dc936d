"""A non-leaf tensor's gradient during a traversal, as torch's engine treats it: the hooks registered on
it (Tensor.register_hook) run once, what they return flows on, and it goes into the tensor's .grad if
the tensor retains its gradient. backward() fills retained .grad in its sink (autograd.py), just before
the node's rule runs (function.call_backward), which then reuses the hooks' result; autograd.grad()
sets `RUN.fill` to fill those that torch's engine reaches: its inputs and what lies above them."""
from __future__ import annotations

from .tensor_methods import run_hooks

HOOKED: dict = {}                 # node -> (gradient in, gradient out of its hooks), this traversal


class _Run:
    __slots__ = ("fill",)

    def __init__(self):
        self.fill = None          # autograd.grad(): fill(node, gradient after hooks)


RUN = _Run()


def start() -> None:
    """A new traversal: forget the last one's (also if it was interrupted by an error)."""
    HOOKED.clear()
    RUN.fill = None


def hooked(node, grad):
    """grad after the hooks on node's output; run once per traversal for the same gradient."""
    done = HOOKED.get(node)
    if done is not None and done[0] is grad:
        return done[1]
    out = run_hooks(node.tensor_hooks, grad) if node.tensor_hooks else grad
    HOOKED[node] = (grad, out)
    return out


def node_gradient(node, grad):
    """What call_backward passes to node's rule (for nodes whose output has hooks or retains its grad)."""
    out = hooked(node, grad)
    if RUN.fill is not None:
        RUN.fill(node, out)
    return out


def reaches(node, targets, memo: dict) -> bool:
    """Whether one of `targets` lies strictly below node (torch's engine then runs node's rule)."""
    if node in memo:
        return memo[node]
    found, stack, seen = False, [x for x in node.inputs if x is not None], set()
    while stack and not found:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        found = n in targets or memo.get(n, False)
        stack.extend([x for x in n.inputs if x is not None])
    memo[node] = found
    return found
