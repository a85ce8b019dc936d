"""Mistakes in Tensor.norm (minigrad/tensor.py)."""
from coursekit.mistakes import Mistake

EXERCISE = "2.1.4-norm"
MISTAKES = [
    Mistake("norm without the sqrt", "return total.sqrt()", "return total", hint="别忘了开方"),
    Mistake("norm ignoring dim", "squares.sum() if dim is None else squares.sum(dim=dim, keepdim=keepdim)",
            "squares.sum()", hint="dim 和 keepdim 都要传下去"),
    Mistake("norm ignoring keepdim", "squares.sum(dim=dim, keepdim=keepdim)", "squares.sum(dim=dim)",
            hint="dim 和 keepdim 都要传下去"),
    Mistake("norm computed in numpy: no gradient", "return total.sqrt()", "return Tensor(np.sqrt(total.data))",
            hint="用 minigrad 已有的运算组合出来"),
    Mistake("sum of |x| instead of x²", "squares = self * self", "squares = self.abs()", hint="sqrt(sum(x·x))"),
]
