"""Mistakes in Tensor.backward(gradient) (minigrad/tensor.py)."""
from coursekit.mistakes import Mistake

EXERCISE = "2.1.2-backward-gradient"
CHECK_NONE = """            if gradient is None:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
"""
MISTAKES = [
    Mistake("ignored gradient argument: always ones", "            if not isinstance(gradient, Tensor):",
            "            gradient = Tensor(np.ones_like(self.data))\n            if not isinstance(gradient, Tensor):",
            hint="不能忽略它"),
    Mistake("no error without gradient: silently uses ones", CHECK_NONE,
            "            if gradient is None:\n                gradient = Tensor(np.ones_like(self.data))\n",
            hint="不能悄悄用全 1 代替"),
    Mistake("wrong error message", "grad can be implicitly created only for scalar outputs\")\n            if not",
            "gradient needed for a non-scalar output\")\n            if not", hint="scalar outputs"),
    Mistake("ValueError instead of RuntimeError", "raise RuntimeError(\"grad can be implicitly",
            "raise ValueError(\"grad can be implicitly", hint="RuntimeError"),
    Mistake("no shape check: a gradient of the wrong shape is used", """            if gradient.shape != self.shape:
                raise RuntimeError(""", """            if False:
                raise RuntimeError(""", hint="形状不一致也要报错"),
    Mistake("a list or numpy gradient is not converted", """            if not isinstance(gradient, Tensor):
                gradient = Tensor(""", """            if False:
                gradient = Tensor(""", hint="转换成与输出 dtype 相同的张量"),
    Mistake("gradient used twice: v·v instead of v", "            if not isinstance(gradient, Tensor):",
            "            gradient = gradient * gradient\n            if not isinstance(gradient, Tensor):",
            hint="上游梯度"),
]
