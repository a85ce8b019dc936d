"""Random numbers: `manual_seed`, `Generator`, randn, rand, randint, randperm, normal, and the values
behind `Tensor.normal_`/`uniform_`. They come from numpy's PCG64 generator, so a seed gives the same
numbers on every run, but not the numbers torch draws for the same seed (torch's CPU stream uses
mt19937 and vectorised transforms whose last bits depend on the CPU)."""
from __future__ import annotations

import builtins

import numpy as np

from .creation import _finish, _float_dtype, _size
from .tensor import Tensor


class Generator:
    """torch.Generator: a random stream of its own (`Generator().manual_seed(0)`)."""

    def __init__(self, device: str = "cpu"):
        self.device = device
        self.manual_seed(0)

    def manual_seed(self, seed: int) -> "Generator":
        if not isinstance(seed, (builtins.int, np.integer)):
            raise TypeError(f"manual_seed expected a long, but got {type(seed).__name__}")
        self._seed = int(seed)
        self.rng = np.random.default_rng(self._seed)
        return self

    def initial_seed(self) -> int:
        return self._seed


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Reset minigrad's default generator (randn, rand, nn.Linear's and nn.init's initial values)."""
    return default_generator.manual_seed(seed)


def initial_seed() -> int:
    return default_generator.initial_seed()


def _rng(generator) -> np.random.Generator:
    return (generator or default_generator).rng


def generator() -> np.random.Generator:
    """The numpy generator behind the default Generator."""
    return default_generator.rng


def normal_values(shape, mean, std, dtype, generator=None) -> np.ndarray:
    return np.asarray(_rng(generator).normal(mean, std, tuple(shape)), dtype=dtype)


def uniform_values(shape, low, high, dtype, generator=None) -> np.ndarray:
    return np.asarray(_rng(generator).uniform(low, high, tuple(shape)), dtype=dtype)


def randn(*shape, size=None, dtype=None, requires_grad: bool = False, generator=None, device=None) -> Tensor:
    """Standard normal samples (see manual_seed)."""
    values = _rng(generator).standard_normal(_size(shape, size))
    return _finish(np.asarray(values, dtype=_float_dtype(dtype)), None, requires_grad)


def rand(*shape, size=None, dtype=None, requires_grad: bool = False, generator=None, device=None) -> Tensor:
    """Uniform samples from [0, 1)."""
    values = _rng(generator).random(_size(shape, size))
    return _finish(np.asarray(values, dtype=_float_dtype(dtype)), None, requires_grad)


def randint(low, high=None, size=(), dtype=None, generator=None, device=None) -> Tensor:
    """Integers from [low, high) (randint(high, size) or randint(low, high, size), as torch)."""
    if high is None:
        low, high = 0, low
    values = _rng(generator).integers(low, high, size=_size((size,)))
    return _finish(np.asarray(values, dtype=np.int64), dtype, False)


def randperm(n: int, generator=None, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    """A random permutation of 0 … n−1 (int64)."""
    if n < 0:
        raise RuntimeError(f"n must be non-negative, got{n}")
    return _finish(_rng(generator).permutation(int(n)).astype(np.int64), dtype, requires_grad)


def randn_like(t: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return randn(t.shape, dtype=dtype if dtype is not None else t.dtype, requires_grad=requires_grad)


def rand_like(t: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return rand(t.shape, dtype=dtype if dtype is not None else t.dtype, requires_grad=requires_grad)


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, requires_grad: bool = False) -> Tensor:
    """torch.normal: normal(mean, std, size) with numbers, or with tensors of means and/or stds (the
    result has their broadcast shape)."""
    tensors = [x for x in (mean, std) if isinstance(x, Tensor)]
    if tensors:
        if size is not None:
            raise RuntimeError("normal(): size is not allowed when mean or std is a tensor")
        m, s = np.asarray(mean), np.asarray(std)
        if (s < 0).any():
            raise RuntimeError("normal expects all elements of std >= 0.0")
        out_dtype = np.result_type(*[np.asarray(t).dtype for t in tensors])
        return _finish(np.asarray(_rng(generator).normal(m, s), dtype=out_dtype), None, requires_grad)
    if size is None:
        raise TypeError("normal() received an invalid combination of arguments: give `size` when mean and std "
                        "are numbers, e.g. torch.normal(0, 1, size=(2, 3))")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    values = normal_values(_size((size,)), mean, std, _float_dtype(dtype), generator)
    return _finish(values, None, requires_grad)


__all__ = ["Generator", "default_generator", "manual_seed", "initial_seed", "randn", "rand", "randint",
           "randperm", "randn_like", "rand_like", "normal"]
