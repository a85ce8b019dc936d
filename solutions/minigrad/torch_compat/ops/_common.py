"""What the op families share."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ...ops import wrap_dim  # noqa: F401  (the lesson's)
from ...tensor import Tensor


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


