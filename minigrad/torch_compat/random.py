"""Random numbers: `manual_seed`, `Generator`, randn, rand, randint, randperm, normal, and the values
behind `Tensor.normal_`/`uniform_`. They follow torch's CPU stream (random_stream.py): with the same
seed, the same numbers as torch (limits stated there). Draws torch makes with other algorithms
(multinomial sampling, dropout masks) come from the same engine through numpy's transforms:
reproducible, but not torch's numbers."""
from __future__ import annotations

import builtins

import numpy as np

from .creation import _finish, _float_dtype, _size
from .random_stream import Engine
from ..tensor import Tensor

DEFAULT_SEED = 67280421310721                  # torch's default_rng_seed_val: a fresh process starts here


class Generator:
    """torch.Generator: a random stream of its own (`Generator().manual_seed(0)`)."""

    def __init__(self, device: str = "cpu"):
        self.device = device
        self.manual_seed(DEFAULT_SEED)

    def manual_seed(self, seed: int) -> "Generator":
        if not isinstance(seed, (builtins.int, np.integer)):
            raise TypeError(f"manual_seed expected a long, but got {type(seed).__name__}")
        self._seed = int(seed) % 2 ** 64
        self.engine = Engine(self._seed)
        self.numpy = np.random.Generator(self.engine.bits)
        return self

    def initial_seed(self) -> int:
        return self._seed

    def __repr__(self) -> str:
        return f"<torch._C.Generator object at {id(self):#x}>"


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Reset minigrad's default generator (randn, rand, nn.Linear's and nn.init's initial values)."""
    return default_generator.manual_seed(seed)


def initial_seed() -> int:
    return default_generator.initial_seed()


def _engine(generator) -> Engine:
    return (generator or default_generator).engine


def generator(gen=None) -> np.random.Generator:
    """A numpy Generator on the (default) generator's engine, for draws torch makes otherwise."""
    return (gen or default_generator).numpy


def random_seed(generator=None) -> int:
    """What `torch.empty((), dtype=torch.int64).random_(generator=...)` draws: a 64-bit value mod 2⁶³."""
    return int(_engine(generator).random64(1)[0] % np.uint64(2 ** 63))


def normal_values(shape, mean, std, dtype, generator=None) -> np.ndarray:
    count = int(np.prod(tuple(shape), dtype=np.int64))
    return _engine(generator).normal(count, mean, std, np.dtype(dtype)).reshape(tuple(shape))


def uniform_values(shape, low, high, dtype, generator=None) -> np.ndarray:
    count = int(np.prod(tuple(shape), dtype=np.int64))
    return _engine(generator).uniform(count, low, high, np.dtype(dtype)).reshape(tuple(shape))


def randn(*shape, size=None, dtype=None, requires_grad: bool = False, generator=None, device=None) -> Tensor:
    """Standard normal samples (see manual_seed)."""
    values = normal_values(_size(shape, size), 0.0, 1.0, _float_dtype(dtype), generator)
    return _finish(values, None, requires_grad)


def rand(*shape, size=None, dtype=None, requires_grad: bool = False, generator=None, device=None) -> Tensor:
    """Uniform samples from [0, 1)."""
    return _finish(uniform_values(_size(shape, size), 0.0, 1.0, _float_dtype(dtype), generator), None, requires_grad)


def randint(low, high=None, size=(), dtype=None, generator=None, device=None) -> Tensor:
    """Integers from [low, high) (randint(high, size) or randint(low, high, size), as torch)."""
    if isinstance(high, (tuple, list)) or high is None:        # randint(high, size)
        low, high, size = 0, low, (size if high is None else high)
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    shape = _size((size,))
    values = _engine(generator).integers(int(np.prod(shape, dtype=np.int64)), int(low), int(high))
    return _finish(values.reshape(shape), dtype, False)


def randperm(n: int, generator=None, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    """A random permutation of 0 … n−1 (int64)."""
    if n < 0:
        raise RuntimeError(f"n must be non-negative, got{n}")
    return _finish(_engine(generator).permutation(int(n)), dtype, requires_grad)


def randn_like(t: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return randn(t.shape, dtype=dtype if dtype is not None else t.dtype, requires_grad=requires_grad)


def rand_like(t: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return rand(t.shape, dtype=dtype if dtype is not None else t.dtype, requires_grad=requires_grad)


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, requires_grad: bool = False) -> Tensor:
    """torch.normal: normal(mean, std, size) with numbers, or with tensors of means and/or stds (the
    result has their shape; drawn as torch does: standard normals scaled and shifted)."""
    tensors = [x for x in (mean, std) if isinstance(x, Tensor)]
    if tensors:
        if size is not None:
            raise RuntimeError("normal(): size is not allowed when mean or std is a tensor")
        if isinstance(std, Tensor) and (np.asarray(std) < 0).any():
            raise RuntimeError("normal expects all elements of std >= 0.0")
        shape = np.broadcast_shapes(*[t.shape for t in tensors])
        out_dtype = np.result_type(*[np.asarray(t).dtype for t in tensors])
        if isinstance(std, Tensor):
            z = normal_values(shape, 0.0, 1.0, out_dtype, generator) * np.asarray(std) + np.asarray(mean, out_dtype)
        else:
            z = normal_values(shape, 0.0, std, out_dtype, generator) + np.asarray(mean)
        return _finish(np.asarray(z, out_dtype), None, requires_grad)
    if size is None:
        raise TypeError("normal() received an invalid combination of arguments: give `size` when mean and std "
                        "are numbers, e.g. torch.normal(0, 1, size=(2, 3))")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return _finish(normal_values(_size((size,)), mean, std, _float_dtype(dtype), generator), None, requires_grad)


__all__ = ["Generator", "default_generator", "manual_seed", "initial_seed", "randn", "rand", "randint",
           "randperm", "randn_like", "rand_like", "normal"]
