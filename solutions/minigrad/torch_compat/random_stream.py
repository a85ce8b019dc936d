"""torch's CPU random stream, number for number: the mt19937 engine seeded as torch seeds it, and the
transforms torch's CPU kernels apply to its 32-bit outputs (uniform, integer ranges, randperm's swaps,
the Box-Muller normals with the vectorised log/sin/cos torch uses for float32 blocks of 16).

Exact (tested against torch 2.13) for rand, randint, randperm, uniform_, randn, normal_ and normal in
float32 and float64, on x86 CPUs with AVX2 or AVX-512, where torch runs its AVX2 normal kernel.
On other CPUs (no AVX2, ARM) torch computes float32 normals of tensors with 16 or more elements with
the C library's log/sin/cos instead, and their last bit may differ from the numbers here."""
from __future__ import annotations

import math

import numpy as np

F32 = np.float32
MASK24, MASK53 = (1 << 24) - 1, (1 << 53) - 1


class Engine:
    """mt19937 (numpy's bit generator, given the state torch's `init_with_uint32(seed)` produces) plus
    the cached second normal of torch's scalar Box-Muller."""

    def __init__(self, seed: int):
        key = np.random.RandomState(seed & 0xFFFFFFFF).get_state()[1]     # the same init_genrand
        self.bits = np.random.MT19937()
        self.bits.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": 624}}
        self.next_double_normal = None

    def random(self, n: int) -> np.ndarray:
        """n 32-bit outputs (uint64 array)."""
        return self.bits.random_raw(n)

    def random64(self, n: int) -> np.ndarray:
        """n 64-bit values, each from two 32-bit outputs (the first is the high half), as torch."""
        pairs = self.random(2 * n).reshape(n, 2)
        return (pairs[:, 0] << np.uint64(32)) | pairs[:, 1]

    # ------------------------------------------------------------ uniform
    def uniform(self, n: int, low: float, high: float, dtype) -> np.ndarray:
        """torch's uniform_real_distribution: 24 random bits for float32, 53 for float64, scaled to
        [low, high) in the tensor's precision (x·(high − low) + low, fused as torch's kernel is)."""
        if np.dtype(dtype) == np.float64:
            x = (self.random64(n) & np.uint64(MASK53)).astype(np.float64) * 2.0 ** -53
            return _fma64(x, high - low, low) if (low, high) != (0.0, 1.0) else x
        x = (self.random(n) & np.uint64(MASK24)).astype(F32) * F32(2.0 ** -24)
        if (low, high) == (0.0, 1.0):
            return x.astype(dtype, copy=False)
        lo, hi = F32(low), F32(high)
        return _fma(x, hi - lo, lo).astype(dtype, copy=False)

    # ------------------------------------------------------------ integers
    def integers(self, n: int, low: int, high: int) -> np.ndarray:
        """random() % (high − low) + low (random64 for ranges of 2³² or more), as torch's randint."""
        span = high - low
        draws = self.random64(n) if span >= 1 << 32 else self.random(n)
        return (draws % np.uint64(span)).astype(np.int64) + low

    def permutation(self, n: int) -> np.ndarray:
        """torch's randperm on the CPU (n < 2³²/20): swap i with i + random() % (n − i)."""
        order = np.arange(n, dtype=np.int64)
        if n > 1:
            offsets = (self.random(n - 1) % np.arange(n, 1, -1, dtype=np.uint64)).astype(np.int64)
            for i, z in enumerate(offsets.tolist()):
                j = i + z
                order[i], order[j] = order[j], order[i]
        return order

    # ------------------------------------------------------------ normal
    def normal(self, n: int, mean: float, std: float, dtype) -> np.ndarray:
        """torch's normal_ kernel: 16 or more elements in blocks of 16 (Box-Muller on 8 + 8 uniforms; a
        ragged end redraws the last 16), fewer one by one in double precision."""
        if n >= 16:
            return self._normal_blocks(n, mean, std, np.dtype(dtype))
        return np.array([self._scalar_normal(mean, std) for _ in range(n)], dtype=np.float64).astype(dtype)

    def _normal_blocks(self, n: int, mean: float, std: float, dtype) -> np.ndarray:
        block = _box_muller_avx2 if dtype == np.float32 else _box_muller_exact
        values = self.uniform(n, 0.0, 1.0, dtype)
        whole = n - n % 16
        values[:whole] = block(values[:whole], mean, std)
        if n % 16:
            values[n - 16:] = block(self.uniform(16, 0.0, 1.0, dtype), mean, std)
        return values

    def _scalar_normal(self, mean: float, std: float) -> float:
        """at::normal_distribution<double>: one pair of uniforms gives two normals; the second waits."""
        if self.next_double_normal is not None:
            value, self.next_double_normal = self.next_double_normal, None
            return float(_fma64(np.array(value), std, mean))
        u1, u2 = ((self.random64(2) & np.uint64(MASK53)).astype(np.float64) * 2.0 ** -53).tolist()
        radius = math.sqrt(-2.0 * math.log1p(-u2))
        theta = 2.0 * math.pi * u1
        self.next_double_normal = radius * math.sin(theta)
        return float(_fma64(np.array(radius * math.cos(theta)), std, mean))


def _fma(a, b, c):
    """a·b + c rounded once to float32 (the product of two float32 is exact in float64)."""
    return (np.asarray(a, np.float64) * np.float64(b) + np.float64(c)).astype(F32)


def _fma64(a: np.ndarray, b: float, c: float) -> np.ndarray:
    """a·b + c in float64 with one rounding (torch's compiled kernel fuses it): the product's rounding
    error from Dekker's split, added back with the sum's own error (error-free transformations)."""
    split = 134217729.0                                           # 2²⁷ + 1
    p = a * b
    ah = a * split - (a * split - a)
    bh = b * split - (b * split - b)
    al, bl = a - ah, b - bh
    p_err = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    s = p + c
    bb = s - p
    s_err = (p - (s - bb)) + (c - bb)
    return s + (s_err + p_err)


def _box_muller_exact(u: np.ndarray, mean: float, std: float) -> np.ndarray:
    """Blocks of 16 in double precision with the C library's log, cos and sin (torch's normal_fill),
    ·std + mean fused."""
    blocks = u.reshape(-1, 16)
    radius = [math.sqrt(-2 * math.log(1 - v)) for v in blocks[:, :8].ravel().tolist()]
    theta = [2.0 * math.pi * v for v in blocks[:, 8:].ravel().tolist()]
    cos = np.array([r * math.cos(t) for r, t in zip(radius, theta)]).reshape(-1, 8)
    sin = np.array([r * math.sin(t) for r, t in zip(radius, theta)]).reshape(-1, 8)
    return np.concatenate([_fma64(cos, std, mean), _fma64(sin, std, mean)], axis=1).reshape(-1)


def _box_muller_avx2(u: np.ndarray, mean: float, std: float) -> np.ndarray:
    """Blocks of 16 float32 as torch's normal_fill_16_AVX2: radius = √(−2·log(1 − u[j])),
    θ = 2π·u[j + 8], out = radius·(cos θ, sin θ)·std + mean, with avx_mathfun's log and sincos."""
    blocks = u.reshape(-1, 16)
    radius = np.sqrt(F32(-2) * _log_ps(F32(1) - blocks[:, :8]))
    sin, cos = _sincos_ps(F32(2 * math.pi) * blocks[:, 8:])
    out = np.concatenate([_fma(radius * cos, F32(std), F32(mean)), _fma(radius * sin, F32(std), F32(mean))], axis=1)
    return out.reshape(-1)


# avx_mathfun (Cephes polynomials, as compiled: multiply-adds fused into FMA instructions)
_LOG_P = (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
          -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1)


def _log_ps(x: np.ndarray) -> np.ndarray:
    """log of positive normal float32 values, bit for bit as log256_ps."""
    bits = x.astype(F32).view(np.int32)
    e = ((bits >> 23) - 0x7F).astype(F32) + F32(1)
    x = ((bits & ~0x7F800000) | 0x3F000000).view(F32)             # mantissa in [0.5, 1)
    small = x < F32(0.707106781186547524)
    e = e - small.astype(F32)
    x = (x - F32(1)) + np.where(small, x, F32(0))
    z = x * x
    y = np.full_like(x, F32(_LOG_P[0]))
    for p in _LOG_P[1:]:
        y = _fma(y, x, F32(p))
    y = _fma(y * x, z, e * F32(-2.12194440e-4))
    y = _fma(z, F32(-0.5), y)
    return _fma(e, F32(0.693359375), x + y)


def _sincos_ps(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sin x, cos x) of float32 values, bit for bit as sincos256_ps."""
    negative = x < 0
    x = np.abs(x)
    j = (((x * F32(1.27323954473516)).astype(np.int32)) + 1) & ~1
    y = j.astype(F32)
    for dp in (-0.78515625, -2.4187564849853515625e-4, -3.77489497744594108e-8):
        x = _fma(y, F32(dp), x)
    sin_negative = negative ^ ((j & 4) != 0)
    cos_negative = (~(j - 2) & 4) != 0
    use_sin_poly = (j & 2) == 0
    z = x * x
    yc = np.full_like(x, F32(2.443315711809948e-5))
    for p in (-1.388731625493765e-3, 4.166664568298827e-2):
        yc = _fma(yc, z, F32(p))
    yc = _fma(yc * z, z, -(z * F32(0.5))) + F32(1)
    ys = np.full_like(x, F32(-1.9515295891e-4))
    for p in (8.3321608736e-3, -1.6666654611e-1):
        ys = _fma(ys, z, F32(p))
    ys = _fma(ys * z, x, x)
    sin, cos = np.where(use_sin_poly, ys, yc), np.where(use_sin_poly, yc, ys)
    return np.where(sin_negative, -sin, sin), np.where(cos_negative, -cos, cos)
