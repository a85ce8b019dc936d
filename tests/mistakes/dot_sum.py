"""Mistakes in the backward rules of dot and sum (minigrad/ops.py)."""
from coursekit.mistakes import Mistake

EXERCISE = "2.1.1-dot-sum"
MISTAKES = [
    Mistake("dot: swapped factors", "return grad * b, grad * a", "return grad * a, grad * b", hint="a 的梯度乘的是 b"),
    Mistake("dot: rule on .data (no graph for create_graph)", "return grad * b, grad * a",
            "return grad * b.data, grad * a.data", hint="不要用 b.data"),
    Mistake("dot: rule in numpy", "return grad * b, grad * a",
            "return Tensor(grad.data * b.data), Tensor(grad.data * a.data)", hint="create_graph=True"),
    Mistake("sum() and sum(dim): ḡ never expanded back to the input's shape", "return grad.expand(ctx.shape)",
            "return grad", hint="expand", everywhere=True),
    Mistake("sum(dim): no reshape before expand (keepdim=False)",
            "        if not ctx.keepdim:\n            grad = grad.reshape(_keep_shape(ctx.shape, ctx.dims))\n", "",
            hint="reshape"),
    Mistake("sum(dim): reshape only when keepdim=True", "if not ctx.keepdim:", "if ctx.keepdim:", hint="keepdim=False"),
    Mistake("sum(dim): ḡ expanded without restoring the summed dim",
            "grad = grad.reshape(_keep_shape(ctx.shape, ctx.dims))", "grad = grad.reshape(ctx.shape[:grad.ndim])",
            hint="reshape"),
    Mistake("sum(): a rule outside the graph, computed in numpy", "复制回 a 的形状\n        return grad.expand(ctx.shape)",
            "复制回 a 的形状\n        return Tensor(np.ones(ctx.shape) * grad._data)", hint="求和的规则也要用 minigrad 的张量运算写出"),
    Mistake("sum(dim): a rule outside the graph, computed in numpy",
            "_keep_shape(ctx.shape, ctx.dims))\n        return grad.expand(ctx.shape)",
            "_keep_shape(ctx.shape, ctx.dims))\n        return Tensor(np.broadcast_to(grad._data, ctx.shape).copy())",
            hint="求和的规则也要用 minigrad 的张量运算写出"),
    Mistake("sum(dim): a dim added back even when keepdim=True kept it",
            "        if not ctx.keepdim:\n            grad = grad.reshape(_keep_shape(ctx.shape, ctx.dims))\n"
            "        return grad.expand(ctx.shape)",
            "        return grad.unsqueeze(ctx.dims[0]).expand(ctx.shape)", hint="不要再加维度"),
]
