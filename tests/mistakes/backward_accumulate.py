"""Mistakes in the accumulation of gradients along the reverse-mode traversal (backprop, minigrad/autograd.py)."""
from coursekit.mistakes import Mistake

EXERCISE = "2.1-backward-accumulate"

ACCUMULATE = "grads[child] = grads[child] + g_child if child in grads else g_child"
IN_PLACE = """if child in grads:
                    grads[child] += g_child
                else:
                    grads[child] = g_child"""

MISTAKES = [
    Mistake("traverses in topological order instead of its reverse",
            "for node in reversed(topological_order(roots)):", "for node in topological_order(roots):",
            hint="拓扑逆序"),
    Mistake("= instead of +=: a node reached along two paths keeps only the last gradient",
            ACCUMULATE, "grads[child] = g_child", hint="不是覆盖"),
    Mistake("in-place += on a gradient tensor another node (or the caller) still holds: backward is not idempotent",
            ACCUMULATE, IN_PLACE, hint="grads[node] = grads[node] + g"),
    Mistake("graph not freed: saved tensors kept after backward",
            "            node.release()                    # 释放保存的中间值", "            pass",
            hint="node.release()"),
    Mistake("graph freed even with retain_graph=True",
            "        if not retain_graph:\n            node.release()", "        node.release()",
            hint="retain_graph=True 时不能释放"),
    Mistake("leaf gradients never stored: sink not called", "        sink(node, g)\n", "", hint="sink(node, g)"),
]
