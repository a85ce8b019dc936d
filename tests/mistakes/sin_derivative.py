"""Wrong answers to 2.1-ex-sin-derivative (chapters/10_exercises.ipynb)."""
from coursekit.mistakes import Mistake

EXERCISE = "2.1-ex-sin-derivative"
MISTAKES = [
    Mistake("closed form np.cos instead of autodiff", "    t = torch.tensor(x, requires_grad=True)\n"
            "    torch.sin(t).sum().backward()\n    return t.grad.numpy()", "    return np.cos(x)", hint="不能直接写出 cos x"),
    Mistake("closed form in minigrad: torch.cos", "    t = torch.tensor(x, requires_grad=True)\n"
            "    torch.sin(t).sum().backward()\n    return t.grad.numpy()",
            "    return torch.cos(torch.tensor(x)).numpy()", hint="不能直接写出 cos x"),
    Mistake("float32 for float64 input", "torch.tensor(x, requires_grad=True)",
            "torch.tensor(x, dtype=torch.float32, requires_grad=True)", hint="同数据类型"),
    Mistake("returns the gradient tensor, not a numpy array", "return t.grad.numpy()", "return t.grad",
            hint="numpy 数组"),
    Mistake("wrong gradient argument: backward(t) gives x·cos x", "torch.sin(t).sum().backward()",
            "torch.sin(t).backward(t)", hint="sin(x).sum()"),
]
