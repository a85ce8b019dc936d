"""minigrad: a small automatic differentiation engine on numpy, with PyTorch's names and semantics,
so that `import minigrad as torch` runs the course's code unchanged.

The lesson (what students read) is in the modules next to this file; torch_compat/ adds what makes
minigrad behave exactly like PyTorch, plugged in once here by torch_compat.install."""
from .tensor import Tensor
from . import torch_compat
torch_compat.install(__name__)
from .torch_compat import dtypes  # noqa: E402
from .torch_compat.dtypes import bool_ as bool  # noqa: A001,E402  (torch.bool)
from .torch_compat.dtypes import (dtype, float16, float32, float64, int8, int16, int32, int64,  # noqa: E402
                                  uint8)
from .torch_compat.tensor_core import Size  # noqa: E402
from .torch_compat.printing import set_printoptions  # noqa: E402
from .torch_compat.creation import (arange, as_tensor, empty, eye, from_numpy, full, full_like,  # noqa: E402
                                    linspace, ones, ones_like, tensor, zeros, zeros_like)
from .torch_compat import random  # noqa: E402
from .torch_compat.random import (Generator, default_generator, initial_seed, manual_seed, normal, rand,  # noqa: E402
                                  rand_like, randint, randn, randn_like, randperm)
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled  # noqa: E402
from .torch_compat.ops import (cat, clamp, dot, floor_divide, matmul, maximum, mm, mv, norm, pow,  # noqa: E402
                               remainder, stack, where)
from . import autograd, func, graph, numdiff, viz  # noqa: E402
from .torch_compat import distributions, nn, optim, utils  # noqa: E402

float = float32      # noqa: A001  (torch.float)
double = float64
long = int64
half = float16

__version__ = "0.1.0"


def get_default_dtype():
    return float32


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(t: Tensor) -> int:
    return t.numel()


# ---------------------------------------------------------------- torch.<fn>(tensor, ...) spellings
def exp(x): return x.exp()
def log(x): return x.log()
def sin(x): return x.sin()
def cos(x): return x.cos()
def tanh(x): return x.tanh()
def sigmoid(x): return x.sigmoid()
def relu(x): return x.relu()
def abs(x): return x.abs()  # noqa: A001
def sqrt(x): return x.sqrt()
def neg(x): return -x
def square(x): return x * x
def add(a, b, alpha=1): return a + (b * alpha if alpha != 1 else b)
def sub(a, b, alpha=1): return a - (b * alpha if alpha != 1 else b)
def mul(a, b): return a * b
def div(a, b): return a / b
def transpose(x, dim0, dim1): return x.transpose(dim0, dim1)
def permute(x, dims): return x.permute(*dims)
def reshape(x, shape): return x.reshape(shape)
def flatten(x, start_dim=0, end_dim=-1): return x.flatten(start_dim, end_dim)
def unsqueeze(x, dim): return x.unsqueeze(dim)
def squeeze(x, dim=None): return x.squeeze(dim)
def t(x): return x.t()
def sum(x, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None): return x.sum(dim, keepdim, dtype, axis=axis, keepdims=keepdims)  # noqa: A001,E501
def mean(x, dim=None, keepdim=False, *, axis=None, keepdims=None): return x.mean(dim, keepdim, axis=axis, keepdims=keepdims)  # noqa: E501
def argmax(x, dim=None, keepdim=False, *, axis=None, keepdims=None): return x.argmax(dim, keepdim, axis=axis, keepdims=keepdims)
def argmin(x, dim=None, keepdim=False, *, axis=None, keepdims=None): return x.argmin(dim, keepdim, axis=axis, keepdims=keepdims)
def cumsum(x, dim=None, dtype=None, *, axis=None): return x.cumsum(dim, dtype, axis=axis)
def prod(x, dim=None, keepdim=False, dtype=None): return x.prod(dim, keepdim, dtype)
def clone(x): return x.clone()
def detach(x): return x.detach()
def softmax(x, dim): return x.softmax(dim)
def log_softmax(x, dim): return x.log_softmax(dim)
def allclose(a, b, rtol=1e-05, atol=1e-08): return a.allclose(b, rtol, atol)
def equal(a, b): return a.equal(b)
def isfinite(x): return x.isfinite()
def clip(x, min=None, max=None): return clamp(x, min, max)  # noqa: A002
def all(x): return x.all()  # noqa: A001
def any(x): return x.any()  # noqa: A001


def max(x, dim=None, keepdim=False):  # noqa: A001
    return x.max(dim, keepdim)


def min(x, dim=None, keepdim=False):  # noqa: A001
    return x.min(dim, keepdim)


def minimum(a, b):
    return -maximum(-a, -b)
