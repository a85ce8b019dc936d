"""Mistakes in autograd.grad (minigrad/autograd.py)."""
from coursekit.mistakes import Mistake

EXERCISE = "2.1-ex-higher-order"
MISTAKES = [
    Mistake("grad mode off during a create_graph backward", "with set_grad_enabled(create_graph):",
            "with set_grad_enabled(False):", hint="保持梯度模式开启"),
    Mistake("gradients detached before they are returned", "found[node] = g", "found[node] = g.detach()",
            hint="得到的梯度本身也有计算图"),
    Mistake("writes the gradients into .grad too", "            found[node] = g\n",
            "            found[node] = g\n            node.variable.grad = g\n", hint="而不是把它们累加到 .grad 中"),
    Mistake("returns the gradients in traversal order, not in the order of inputs",
            "return [found.get(node) for node in targets]", "return list(found.values())",
            hint="按 inputs 的顺序返回梯度"),
]
