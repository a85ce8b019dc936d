"""与 PyTorch 逐项一致的部分（版本计数、原地运算、视图、钩子、随机数流、打印、dtype 提升、
nn/optim/data/distributions，以及不属于练习的运算）。

做练习时不需要打开这个文件夹：练习只在上一层的 tensor.py、graph.py、autograd.py、ops.py、
broadcast.py、grad_mode.py、numdiff.py、func.py 中。这里的代码只是让 `import minigrad as torch`
能原样运行《动手学深度学习》的代码。"""
from __future__ import annotations

import sys

# the subpackages the book imports by their torch names (`from torch.utils import data`, `torch.nn.functional`)
PUBLIC = ("nn", "nn.functional", "nn.init", "optim", "utils", "utils.data", "distributions",
          "distributions.multinomial", "random")


def alias_modules(package: str) -> None:
    """Make `package.nn` etc. importable names for `package.torch_compat.nn` etc."""
    for name in PUBLIC:
        sys.modules[f"{package}.{name}"] = sys.modules[f"{package}.torch_compat.{name}"]
