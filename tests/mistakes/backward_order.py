"""Mistakes in the topological order of the reverse-mode traversal (topological_order, minigrad/autograd.py)."""
from coursekit.mistakes import Mistake

EXERCISE = "2.1-backward-order"

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

MISTAKES = [
    Mistake("iterative order without a visited set: shared nodes are pushed and run again",
            "        if node in seen:\n            continue\n", "", hint="visited"),
    Mistake("breadth-first order instead of a topological order (b + f(b) gets b's gradient too early)",
            DFS, BREADTH_FIRST, hint="广度优先的顺序不是拓扑序"),
    Mistake("recursive depth-first order: a 5000-node chain exceeds the recursion limit",
            DFS, RECURSIVE, hint="不要用递归"),
    Mistake("recursive order without a visited set (b = a + a; c = b + b runs b twice)",
            DFS, RECURSIVE_UNVISITED, hint="visited"),
]
