"""Wrong answers to 2.1-ex-f-eval (chapters/10_exercises.ipynb)."""
from coursekit.mistakes import Mistake

EXERCISE = "2.1-ex-f-eval"
BY_HAND = """def f_and_derivatives(x):
    \"\"\"(f(x), 前向模式的 df/dx, 反向模式的 df/dx)，f(x) = log(x²)·sin x + 1/x。\"\"\"
    value = math.log(x * x) * math.sin(x) + 1 / x
    derivative = 2 * math.sin(x) / x + math.log(x * x) * math.cos(x) - 1 / x ** 2
    return value, derivative, derivative
"""
REVERSE = """    leaf = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    f(leaf).backward()
    return value.item(), forward.item(), leaf.grad.item()
"""
MISTAKES = [
    Mistake("derivatives worked out by hand (no autodiff at all)", cell="import math\n\n\n" + BY_HAND,
            hint="导数不能手算"),
    Mistake("reverse mode skipped: the forward result returned twice", REVERSE, "    return value.item(), forward.item(), forward.item()\n",
            hint="反向模式要用 backward()"),
    Mistake("float32 instead of float64 for the forward pass", "point = torch.tensor(x, dtype=torch.float64)",
            "point = torch.tensor(x)", hint="用 float64"),
    Mistake("log(x²) written as 2·log(x): NaN for negative x", "torch.log(t * t)", "2 * torch.log(t)",
            hint="对负的 x 也有定义"),
    Mistake("tangent 0 instead of 1", "(torch.tensor(1.0, dtype=torch.float64),)", "(torch.tensor(0.0, dtype=torch.float64),)",
            hint="切线 1"),
    Mistake("returns tensors instead of Python floats", "return value.item(), forward.item(), leaf.grad.item()",
            "return value, forward, leaf.grad", hint="Python 浮点数"),
]
