"""Mistakes in the adjoint rules (Op.backward in minigrad/ops.py)."""
from coursekit.mistakes import Mistake

EXERCISE = "2.1-vjp"
MISTAKES = [
    Mistake("sub: sign error, b gets +ḡ", "return grad, -grad", "return grad, grad", hint="b 得到的是负号"),
    Mistake("sub: the minus on the wrong side", "return grad, -grad", "return -grad, grad", hint="b̄ = −ḡ"),
    Mistake("mul: swapped factors", "return grad * b, grad * a", "return grad * a, grad * b",
            hint="a 的梯度乘的是 b"),
    Mistake("mul: forgets ḡ", "return grad * b, grad * a", "return b, a", hint="ā = ḡ·b"),
    Mistake("log: multiplies by a", "return grad / a", "return grad * a", hint="ā = ḡ / a"),
    Mistake("log: ignores ḡ", "return grad / a", "return 1 / a", hint="要乘上 ḡ"),
    Mistake("sin: sin instead of cos", "return grad * a.cos()", "return grad * a.sin()", hint="是 cos a，不是 sin a"),
    Mistake("VJP on raw arrays: sin's rule in numpy", "return grad * a.cos()",
            "return grad.data * np.cos(a.data)", hint="不要用 .data"),
    Mistake("VJP on raw arrays: mul's rule on .data", "return grad * b, grad * a",
            "return grad.data * b.data, grad.data * a.data", hint="不要用 .data"),
    Mistake("VJP on raw arrays: add returns numpy arrays", "return grad, grad", "return grad.numpy(), grad.numpy()",
            hint="create_graph=True"),
    Mistake("VJP on raw arrays: log through numpy", "return grad / a", "return np.asarray(grad.data / a.data)",
            hint="不要用 .data"),
]
