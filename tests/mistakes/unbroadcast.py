"""Mistakes in unbroadcast (minigrad/broadcast.py)."""
from coursekit.mistakes import Mistake

EXERCISE = "2.1.2-unbroadcast"
LEADING = """    if extra > 0:
        grad = grad.sum(dim=tuple(range(extra)))
"""
MISTAKES = [
    Mistake("leading dims not summed away", LEADING, "", hint="前导维度"),
    Mistake("size-1 dims not summed", "    if ones:\n        grad = grad.sum(dim=ones, keepdim=True)\n", "",
            hint="长度为 1"),
    Mistake("size-1 dims summed without keepdim", "grad.sum(dim=ones, keepdim=True)", "grad.sum(dim=ones)",
            hint="keepdim=True"),
    Mistake("sums the trailing dims instead of the leading ones", "dim=tuple(range(extra))",
            "dim=tuple(range(grad.ndim - extra, grad.ndim))", hint="前导维度"),
    Mistake("mean instead of sum over the size-1 dims", "grad.sum(dim=ones, keepdim=True)",
            "grad.mean(dim=ones, keepdim=True)", hint="求和并保留"),
    Mistake("only one leading dim summed", "dim=tuple(range(extra))", "dim=0", hint="前导维度"),
    Mistake("no code: the gradient returned as it came", "    extra = grad.ndim - len(shape)\n",
            "    return grad\n    extra = grad.ndim - len(shape)\n", hint="前导维度"),
]
