"""Mistakes in the reverse-mode traversal: topological_order and backprop (minigrad/autograd.py)."""
from coursekit.mistakes import Mistake

EXERCISE = "2.1-backward"

DFS = """    order, seen = [], set()
    stack = [(root, False) for root in reversed(roots)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:                       # 它的输入都已排好：轮到它自己
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        for child in node.inputs:
            if child is not None and child not in seen:
                stack.append((child, False))
    return order
"""
BREADTH_FIRST = """    order, seen, queue = [], set(roots), list(roots)
    while queue:                              # 广度优先：一层一层地走
        node = queue.pop(0)
        order.append(node)
        for child in node.inputs:
            if child is not None and child not in seen:
                seen.add(child)
                queue.append(child)
    return order[::-1]
"""
RECURSIVE = """    order, seen = [], set()

    def visit(node):
        if node in seen:
            return
        seen.add(node)
        for child in node.inputs:
            if child is not None:
                visit(child)
        order.append(node)

    for root in roots:
        visit(root)
    return order
"""
RECURSIVE_UNVISITED = """    order = []

    def visit(node):                          # 没有 visited 集合：共享的节点被重复加入
        for child in node.inputs:
            if child is not None:
                visit(child)
        order.append(node)

    for root in roots:
        visit(root)
    return order
"""
ACCUMULATE = "grads[child] = grads[child] + g_child if child in grads else g_child"
IN_PLACE = """if child in grads:
                    grads[child] += g_child
                else:
                    grads[child] = g_child"""

MISTAKES = [
    Mistake("iterative order without a visited set: shared nodes are pushed and run again",
            "        if node in seen:\n            continue\n", "", hint="visited"),
    Mistake("breadth-first order instead of a topological order (b + f(b) gets b's gradient too early)",
            DFS, BREADTH_FIRST, hint="广度优先的顺序不是拓扑序"),
    Mistake("recursive depth-first order: a 5000-node chain exceeds the recursion limit",
            DFS, RECURSIVE, hint="不要用递归"),
    Mistake("recursive order without a visited set (b = a + a; c = b + b runs b twice)",
            DFS, RECURSIVE_UNVISITED, hint="visited"),
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
