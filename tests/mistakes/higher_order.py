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
    Mistake("parameter ignored: create_graph (the rules always record a graph)",
            "    with set_grad_enabled(create_graph):\n        backprop(roots, root_grads, retain_graph, collect)\n",
            "    backprop(roots, root_grads, retain_graph, collect)\n", hint="create_graph=False 时"),
    Mistake("parameter ignored: retain_graph (the graph is always kept)",
            "backprop(roots, root_grads, retain_graph, collect)", "backprop(roots, root_grads, True, collect)",
            hint="retain_graph 原样交给 backprop"),
    Mistake("gradients collected through .grad, as backward() does (fills the inputs' .grad too)",
            "    with set_grad_enabled(create_graph):\n        backprop(roots, root_grads, retain_graph, collect)\n"
            "    return [found.get(node) for node in targets]\n",
            "    def into_grad(node, g):\n        if node in wanted:\n            accumulate_grad(node.variable, g, create_graph)\n\n"
            "    with set_grad_enabled(create_graph):\n        backprop(roots, root_grads, retain_graph, into_grad)\n"
            "    return [node.variable.grad for node in targets]\n", hint="不能借 backward 写进 .grad 再读出来"),
]
