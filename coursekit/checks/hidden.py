"""Hidden cases, drawn at grading time (instructor only: the student release has no such file).

A hidden case varies what matters, not only the values: other functions, graphs, shapes, dtypes, dims
and argnums than the public cases, so no check can be passed by recognising a case. Checks without a
generator of their own get the public cases with fresh values (same shapes, dtypes and signs).
"""
from __future__ import annotations

import numpy as np

from .base import Case, Check

### BEGIN HIDDEN TESTS
from . import engine_checks as E
from .inputs import F32, F64, rand

HIDDEN_PER_PUBLIC_CASE = 2
PER_CHECK = 4                 # cases each generator draws


def redraw(array: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Fresh values near `array`: same shape, dtype and signs, each scaled by a factor in [0.8, 1.25]."""
    if array.dtype.kind != "f":
        return array
    values = np.array(array * rng.uniform(0.8, 1.25, size=array.shape))
    zeros = array == 0
    values[zeros] = rng.uniform(-0.5, 0.5, size=int(zeros.sum()))
    return values.astype(array.dtype)


def redraw_case(case: Case, rng: np.random.Generator, index: int) -> Case:
    args = {k: redraw(v, rng) if isinstance(v, np.ndarray) and k != "program" else v for k, v in case.args.items()}
    return Case(f"隐藏用例 {index}（输入形状同「{case.label}」，数值在评分时重新抽取）", args, like=case.label)


def _label(case: Case, index: int) -> Case:
    return Case(f"隐藏用例 {index}：{case.label}", case.args)


def _shape(rng, max_dims=3, max_len=4) -> tuple:
    return tuple(int(n) for n in rng.integers(1, max_len + 1, size=int(rng.integers(0, max_dims + 1))))


def _dtype(rng):
    return F64 if rng.random() < 0.5 else F32


def _seed(rng) -> int:
    return int(rng.integers(1 << 30))


# ---------------------------------------------------------------- one generator per check: rng -> Case

def _numdiff(rng):
    fn = str(rng.choice(list(E.NUMPY_FUNCTIONS)))
    shape = _shape(rng, 3, 3) or (1,)
    if fn == "logistic_l4":      # the map's own domain (0, 1): outside it l4 explodes and the exact gradient
        x = rng.uniform(0.05, 0.95, size=shape)   # is beyond what a correct central difference can match
    else:
        x = rand(rng, shape, F64)
    return E.numdiff_case(f"{fn}，形状 {shape}", fn, x.astype(_dtype(rng)), float(rng.choice([1e-5, 1e-6])))


def _gradcheck_right(rng):
    fn, shape = str(rng.choice(["square", "cube", "weights"])), (int(rng.integers(1, 5)),)
    scale = 10.0 ** float(rng.uniform(-1, 2.5))
    return E.gradcheck_case(f"{fn}，形状 {shape}，|x| 约 {scale:.3g}", fn, rand(rng, shape, F64) * scale,
                            w=rand(rng, shape, F64))


def _gradcheck_wrong(rng):
    fn, n = str(rng.choice(["square", "cube", "weights"])), int(rng.integers(2, 5))
    x, w = rand(rng, (n,), F64, positive=True), rand(rng, (n,), F64)
    bump, scale, kind = np.zeros(n), 1.0, str(rng.choice(["比例不对", "一个元素不对", "权重顺序颠倒", "符号相反"]))
    if kind == "比例不对":
        scale = float(rng.choice([rng.uniform(0.2, 0.9), rng.uniform(1.1, 3.0)]))
    elif kind == "一个元素不对":
        bump[int(rng.integers(n))] = rng.choice([-1, 1]) * rng.uniform(0.01, 0.5)
    elif kind == "权重顺序颠倒":
        fn, w = "weights", np.arange(1.0, n + 1)
        bump = np.roll(w, 1) - w
    else:
        scale = -1.0
    return E.gradcheck_case(f"{fn}（{kind}），形状 ({n},)", fn, x, scale, bump, w)


def _elementwise(op, tangents):
    def draw(rng):
        return E.elementwise_case(op, _shape(rng), _dtype(rng), _seed(rng), tangents)
    return draw


def _vjp_graph(rng):
    op = str(rng.choice([*E.OPS, "graph"]))
    return E.elementwise_case(op, _shape(rng), _dtype(rng), _seed(rng), False, E.GRAPH if op == "graph" else op)


def _random_program(rng, nodes=None) -> list:
    """A random graph over custom ops, where the later nodes reuse earlier ones (shared nodes)."""
    rows = []
    for k in range(nodes or int(rng.integers(3, 9))):
        op = int(rng.choice([E.SQUARE, E.TIMES, E.PLUS, E.DECAY], p=[0.15, 0.25, 0.4, 0.2]))
        i, j = (int(v) for v in rng.integers(0, k + 1, size=2))
        rows.append([op, max(i, k - 1 if rng.random() < 0.5 else i), j])
    rows.append([E.PLUS, len(rows), int(rng.integers(0, len(rows) + 1))])
    return rows


def _graph(rng):
    program = _random_program(rng)
    return E.graph_case(f"随机图，{len(program)} 个运算", program, rand(rng, _shape(rng, 2, 3), _dtype(rng)) * 0.6,
                        seed=_seed(rng))


def _calls(rng):
    program = _random_program(rng, int(rng.integers(6, 12)))
    x = (1 + rng.uniform(-1e-3, 1e-3, size=(2,))).astype(F64)
    return E.graph_case(f"随机图，{len(program)} 个运算，数一数 backward 的调用次数", program, x, seed=_seed(rng))


def _jacobian(rng):
    kind, dtype = str(rng.choice(["elementwise", "matmul", "two inputs"])), _dtype(rng)
    n, m = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    if kind == "matmul":
        return E.jacobian_case(f"sin(Wx)，W 为 {m}×{n}", kind, rand(rng, (n,), dtype), rand(rng, (m, n), dtype))
    argnums = int(rng.integers(0, 2)) if kind == "two inputs" else 0
    name = {"elementwise": "sin(x)·x", "two inputs": "f(x, u) = sin(x)·u + x²"}[kind]
    return E.jacobian_case(f"{name}，x ∈ R^{n}，argnums={argnums}", kind, rand(rng, (n,), dtype),
                           rand(rng, (n,), dtype), argnums)


def _dot(rng):
    return E.dot_sum_case("随机长度", "dot", (int(rng.integers(1, 7)),), dtype=_dtype(rng), seed=_seed(rng))


def _sum_all(rng):
    shape = _shape(rng)
    return E.dot_sum_case(f"形状 {shape}", "sum", shape, dtype=_dtype(rng), seed=_seed(rng))


def _sum_dim(rng):
    shape = _shape(rng) or (3,)
    dim, keepdim = int(rng.integers(-len(shape), len(shape))), bool(rng.random() < 0.5)
    return E.dot_sum_case(f"dim={dim}, keepdim={keepdim}，形状 {shape}", "sum", shape, dim, keepdim,
                          _dtype(rng), _seed(rng))


def _broadcast_pair(rng, leading: bool) -> tuple[tuple, tuple]:
    out = _shape(rng, 3, 4) or (3,)
    if leading:
        return out[int(rng.integers(1, len(out) + 1)):], out
    small = tuple(1 if rng.random() < 0.5 else n for n in out)
    small = small if small != out else (1,) + out[1:]
    return small, tuple(1 if (s != 1 and rng.random() < 0.3) else n for s, n in zip(small, out))


def _broadcast(leading):
    def draw(rng):
        sa, sb = _broadcast_pair(rng, leading)
        if rng.random() < 0.5:
            sa, sb = sb, sa
        return E.broadcast_case(str(rng.choice(["add", "sub", "mul"])), sa, sb, _seed(rng), _dtype(rng))
    return draw


def _vector_jacobian(rng):
    shape, dtype = _shape(rng) or (2,), _dtype(rng)
    return Case(f"y = x·x，x 形状 {shape} {dtype.__name__}", {"x": rand(rng, shape, dtype), "g": rand(rng, shape, dtype)})


def _nonscalar(rng):
    shape, dtype = _shape(rng, 3, 3) or (2,), _dtype(rng)
    shape = shape if np.prod(shape) > 1 else (2,) + shape
    return Case(f"非标量 y，x 形状 {shape}", {"x": rand(rng, shape, dtype), "g": rand(rng, shape + (2,), dtype)})


def _nested(rng):
    return E.nested_case("".join(rng.choice(["n", "e"], size=int(rng.integers(2, 5)))))


def _norm_all(rng):
    shape = _shape(rng) or (2,)
    return E.norm_case(f"‖x‖，形状 {shape}", shape, dtype=_dtype(rng), seed=_seed(rng))


def _norm_dim(rng):
    shape = _shape(rng) or (3,)
    dim, keepdim = int(rng.integers(-len(shape), len(shape))), bool(rng.random() < 0.5)
    return E.norm_case(f"dim={dim}, keepdim={keepdim}，形状 {shape}", shape, dim, keepdim, _dtype(rng), _seed(rng))


def _second_order(rng):
    fn = str(rng.choice(list(E.SECOND_ORDER)))
    shape = _shape(rng, 2, 4)
    return E.higher_order_case(f"y = {fn}，形状 {shape}", fn, shape, _dtype(rng), _seed(rng))


def _sin_points(rng):
    shape = _shape(rng, 2, 5) or (4,)
    return Case(f"x 形状 {shape}", {"x": rng.uniform(-7, 7, size=shape).astype(_dtype(rng))})

def _order(rng):
    program = _random_program(rng)
    roots = (-1,) if rng.random() < 0.6 else (-1, int(rng.integers(1, len(program) + 1)) - len(program) - 1)
    return E.order_case(f"随机图，{len(program)} 个运算，{len(roots)} 个输出", program,
                        E._rand(rng, _shape(rng, 1, 2), _dtype(rng)), roots=roots)

def _shared_order(rng):
    program = _random_program(rng, int(rng.integers(6, 12)))
    return E.order_case(f"随机图，{len(program)} 个运算（节点被多次用到）", program,
                        (1 + rng.uniform(-1e-3, 1e-3, size=(2,))).astype(E.F64))

def _chain_points(rng):
    n = int(rng.integers(1, 6))
    x = rng.choice([-1, 1], size=n) * rng.uniform(0.3, 5.0, size=n)
    return Case(f"x 为 {x.size} 个随机点", {"x": np.asarray(x, dtype=np.float64)})


def _f_points(rng):
    x = float(rng.choice([-1, 1]) * rng.uniform(0.3, 5.0))
    return Case(f"x = {x:.4g}", {"x": np.array(x)})


# {check key: generator}; keys are Check.key, stable when a check's Chinese name changes
GENERATORS = {
    "numdiff": _numdiff, "numdiff.input-unchanged": _numdiff, "numdiff.result-type": _numdiff,
    "gradcheck.right-rule": _gradcheck_right, "gradcheck.wrong-rule": _gradcheck_wrong,
    **{f"jvp.{op}": _elementwise(op, True) for op in (*E.OPS, "graph")},
    **{f"vjp.{op}": _elementwise(op, False) for op in (*E.OPS, "graph")},
    "vjp.create-graph": _vjp_graph,
    "backward.order": _order, "backward.order-shared": _shared_order,
    "backward.once-per-node": _calls, "backward.shared-node": _graph, "backward.repeat": _graph,
    "jacobian.jacfwd": _jacobian, "jacobian.jacrev": _jacobian,
    "dot-sum.dot": _dot, "dot-sum.sum": _sum_all, "dot-sum.sum-dim": _sum_dim,
    "unbroadcast.leading-dims": _broadcast(True), "unbroadcast.size-one-dims": _broadcast(False),
    "backward-gradient.vjp": _vector_jacobian, "backward-gradient.nonscalar-error": _nonscalar,
    "backward-gradient.gradient-kinds": _vector_jacobian,
    "detach.no-grad-nested": _nested, "norm.all": _norm_all, "norm.dim": _norm_dim,
    "higher-order.second-derivative": _second_order,
    "sin-derivative.value": _sin_points, "sin-derivative.uses-autodiff": _sin_points,
    "chain-rule.value": _chain_points,
    "f-eval.value": _f_points, "f-eval.uses-both-modes": _f_points,
}
# checks whose hidden cases are their public cases with fresh values (what they test is the structure
# the public cases already fix: a deep chain, detach's storage, ...); every other check needs a generator
REDRAWN = {"backward.order-deep-chain", "backward.deep-chain", "backward.leaf-accumulation", "backward.retain-graph",
           "dot-sum.dot-create-graph",
           "backward-gradient.scalar", "detach.detach", "detach.shared-storage", "detach.no-grad",
           "norm.control-flow", "higher-order.grad-keeps-grad",
           # the contract's cases (coursekit/checks/contracts.py): fresh values, the same arguments
           "numdiff.step", "backward.root-twice", "backward.no-gradient", "gradcheck.tolerances",
           "dot-sum.sum-create-graph", "backward-gradient.other-arguments", "detach.shared-version",
           "higher-order.no-graph", "higher-order.arguments", "backward.order-constant"}


FEWER = {"numdiff.input-unchanged": 2, "numdiff.result-type": 2}   # cheap checks of one property each


def cases_for(check: Check, rng: np.random.Generator) -> list[Case]:
    """The hidden cases of `check`, drawn from `rng`: its generator's, or its public cases redrawn."""
    draw = GENERATORS.get(check.key)
    if draw is not None:
        return [_label(draw(rng), i + 1) for i in range(FEWER.get(check.key, PER_CHECK))]
    return [redraw_case(case, rng, i + 1) for case in check.cases() for i in range(HIDDEN_PER_PUBLIC_CASE)]
### END HIDDEN TESTS
