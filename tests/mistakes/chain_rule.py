"""Wrong answers to 2.1-ex-chain-rule (chapters/10_exercises.ipynb): the derivative of
f(x) = log(x²)·sin x + 1/x worked out by hand."""
from coursekit.mistakes import Mistake

EXERCISE = "2.1-ex-chain-rule"
FORMULA = "2 * np.sin(x) / x + np.log(x * x) * np.cos(x) - 1 / x ** 2"
AUTODIFF = '''import numpy as np
import minigrad as torch


def df_dx(x):
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    (torch.log(t * t) * torch.sin(t) + 1 / t).sum().backward()
    return t.grad.numpy()
'''

MISTAKES = [
    Mistake("the path through 1/x with the wrong sign", FORMULA, "2 * np.sin(x) / x + np.log(x * x) * np.cos(x) + 1 / x ** 2",
            hint="−1/x²"),
    Mistake("the factor 2 of d(x²)/dx forgotten", FORMULA, "np.sin(x) / x + np.log(x * x) * np.cos(x) - 1 / x ** 2",
            hint="2 sin x / x"),
    Mistake("the path through sin missing", FORMULA, "2 * np.sin(x) / x - 1 / x ** 2", hint="三条路径相加"),
    Mistake("log(x²) written as 2·log(x): NaN for negative x", FORMULA,
            "2 * np.sin(x) / x + 2 * np.log(x) * np.cos(x) - 1 / x ** 2", hint="不要写成 2·log x"),
    Mistake("the derivative by autodiff instead of by hand", cell=AUTODIFF, hint="不要用 minigrad 的 backward"),
]
