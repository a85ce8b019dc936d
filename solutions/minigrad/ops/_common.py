"""What the op families share."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..tensor import Tensor


class ValuesIndices(namedtuple("max", ["values", "indices"])):
    """What max(dim) returns: (values, indices), printed like torch.return_types.max."""
    __slots__ = ()
    kind = "max"

    def __repr__(self) -> str:
        return f"torch.return_types.{self.kind}(\nvalues={self.values!r},\nindices={self.indices!r})"


class MinValuesIndices(ValuesIndices):
    __slots__ = ()
    kind = "min"


def _const(array) -> Tensor:
    """A tensor outside the graph (masks, indices)."""
    return Tensor(np.asarray(array))


def wrap_dim(dim: int, ndim: int) -> int:
    """dim counted from 0 (negative: from the end), or torch's IndexError when out of range (a 0-dim
    tensor takes 0 and -1)."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n
