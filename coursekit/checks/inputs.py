"""The input arrays of the checks: the public cases draw them from fixed seeds (engine_checks), the hidden
cases from the grader's generator (hidden); one definition, so both stay in the same value ranges."""
from __future__ import annotations

import numpy as np

F32, F64 = np.float32, np.float64


def rand(seed, shape, dtype=F32, positive=False) -> np.ndarray:
    """Values uniform in [-2, 2] (positive: [0.5, 2], for log and division), from a seed or a Generator."""
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    values = rng.uniform(0.5, 2.0, size=shape) if positive else rng.uniform(-2.0, 2.0, size=shape)
    return np.asarray(values).astype(dtype)
