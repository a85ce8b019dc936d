"""torch.distributions.multinomial.Multinomial (the book's probability section samples from it)."""
from __future__ import annotations

import numpy as np

from .. import random
from ...tensor import Tensor


class Multinomial:
    """Counts of `total_count` draws from the categories with the given `probs` (normalised along the
    last dim; unnormalised weights are fine, as in torch). sample(shape) has shape shape + probs.shape
    and probs' dtype."""

    def __init__(self, total_count: int = 1, probs: Tensor | None = None, logits=None, validate_args=None):
        if probs is None:
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")   # logits: not supported
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        weights = np.asarray(probs, dtype=np.float64)
        if weights.ndim < 1 or (weights < 0).any() or not np.isfinite(weights).all() or \
                (weights.sum(-1) <= 0).any():
            raise ValueError(f"Expected parameter probs (Tensor of shape {tuple(weights.shape)}) of distribution "
                             f"Multinomial(total_count: {total_count}, probs: {probs!r}) to satisfy the constraint "
                             f"Simplex(), but found invalid values:\n{probs!r}")
        self.total_count, self._dtype = total_count, np.asarray(probs).dtype
        self.probs = Tensor((weights / weights.sum(-1, keepdims=True)).astype(self._dtype))

    def sample(self, sample_shape=()) -> Tensor:
        shape = tuple(sample_shape) if not isinstance(sample_shape, int) else (sample_shape,)
        p = np.asarray(self.probs, dtype=np.float64)
        counts = random.generator().multinomial(self.total_count, p, size=shape + p.shape[:-1])
        return Tensor(counts.astype(self._dtype))

    @property
    def mean(self) -> Tensor:
        return self.probs * self.total_count

    def __repr__(self) -> str:
        return "Multinomial()"
