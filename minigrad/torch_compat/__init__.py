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
    import importlib
    for name in PUBLIC:
        importlib.import_module(f"{package}.torch_compat.{name}")
        sys.modules[f"{package}.{name}"] = sys.modules[f"{package}.torch_compat.{name}"]


# Lesson methods of Tensor that torch_compat replaces, and why (every other name the lesson defines wins).
REPLACES = {
    "shape": "torch.Size instead of a tuple",
    "grad": "torch's warning when a non-leaf's .grad is read",
    "sum": "torch's dtype=, axis= and keepdims= options",
    "__mul__": "a Python number is a constant (MulScalar): torch saves and checks only the tensor",
    "__rmul__": "the same, on the right",
    # fast path (fastpath.py): the operators run for every op of a training step
    "__add__": "fast path", "__radd__": "fast path", "__sub__": "fast path", "log": "fast path", "sin": "fast path",
}
_NOT_METHODS = {"__slots__", "__module__", "__doc__", "__dict__", "__weakref__", "__qualname__"}


def install(package: str) -> None:
    """Plug the fidelity layer into the lesson's engine: fill `graph.EXT`, add PyTorch's other Tensor
    methods (mixins, installed in order; the lesson's own methods stay unless REPLACES names them),
    and alias the public subpackages (`minigrad.nn`, ...)."""
    from ..tensor import Tensor
    from . import extensions, fastpath, inplace, ops, tensor_core, tensor_math, tensor_methods, tensor_shape
    from .nn import functional
    from .. import ops as lesson_ops
    extensions.fill_extensions()
    lesson_ops.Mul.torch_saves = lesson_ops.Dot.torch_saves = staticmethod(lambda needs: (needs[1], needs[0]))
    tensor_core.bind(Tensor, ops, fastpath.apply1, fastpath.apply2, inplace)
    tensor_math.bind(Tensor, ops, fastpath.apply1, inplace, functional)
    tensor_shape.bind(ops, inplace)
    lesson = set(vars(Tensor))
    done = set()
    for mixin in (tensor_core.CoreMethods, tensor_math.ElementwiseMethods, tensor_shape.ShapeMethods,
                  tensor_methods.TensorMethods):
        for name, value in vars(mixin).items():
            if name in _NOT_METHODS or name in done or (name in lesson and name not in REPLACES):
                continue
            setattr(Tensor, name, value)
            done.add(name)
    alias_modules(package)
