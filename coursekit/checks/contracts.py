"""Each exercise's contract, item by item, and the check case that breaks when the item is broken.

An item is an argument of a function the student writes (its signature, read from the solution) or a
promise of its docstring (a copy is returned, the input is unchanged, the error and its message, the
dtype, what is shared with the input). For each, `check` and `case` name the public case whose answer
changes when the item is broken: an argument ignored (a fixed `h`, np.allclose's own tolerances, keepdim
dropped...) or a promise half kept (the array shared but not the version counter, a rule that leaves the
graph). tests/coursekit/test_contracts.py proves every argument has an item and every item's case exists.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    exercise: str
    function: str      # as in Exercise.functions after the colon, or a notebook exercise's `answer`
    item: str          # an argument's name, or "promise: ..." for what the docstring says
    check: str         # the check's key (Check.key, stable; its Chinese name may change) ...
    case: str          # ... and the label of the public case that fails when the item is broken


def _items(exercise: str, function: str, *rows: tuple[str, str, str]) -> list[Item]:
    return [Item(exercise, function, item, check, case) for item, check, case in rows]


RULE_ARGS = {   # the rules of the elementwise ops: ctx holds what forward saved; the gradient or tangents
    "Add": ("a", "b"), "Sub": ("a", "b"), "Mul": ("a", "b"), "Log": ("a",), "Sin": ("a",)}
OP_CASES = {"Add": "add", "Sub": "sub", "Mul": "mul", "Log": "log", "Sin": "sin"}


def _rules() -> list[Item]:
    items = []
    for op, inputs in RULE_ARGS.items():
        name = OP_CASES[op]
        shape = {"add": "(3,) float32", "sub": "(2, 3) float32", "mul": "(4,) float32", "log": "(3,) float32",
                 "sin": "(2, 2) float32"}[name]
        jvp, vjp = f"jvp.{name}", f"vjp.{name}"
        items += _items("2.1-jvp", f"{op}.jvp", ("ctx", jvp, f"形状 {shape}"),
                        *((f"d{x}", jvp, f"形状 {shape}") for x in inputs),
                        ("promise: the tangent is a Tensor of the output's dtype", "jvp.graph",
                         "y = ln a + a·b − sin b，(a, b) = (2, 5)，float64"))
        items += _items("2.1-vjp", f"{op}.backward", ("ctx", vjp, f"形状 {shape}"),
                        ("grad", vjp, f"形状 {shape}"),
                        ("promise: written in tensor ops, the result carries a graph under create_graph",
                         "vjp.create-graph", name))
    return items


CONTRACTS: tuple[Item, ...] = (
    *_items("2.1-numdiff", "central_difference",
            ("f", "numdiff", "sum(sin x · exp x)，x 形状 (2, 3)"),
            ("x", "numdiff", "sum(x²)，x 形状 (4,)"),
            ("h", "numdiff.step", "sum(i·xᵢ³)，x 形状 (3,)，h = 0.1（误差 h² 看得出来）"),
            ("promise: every element, each put back before the next", "numdiff", "prod(x)，x 形状 (4,)，h = 1e-3"),
            ("promise: the caller's x is unchanged", "numdiff.input-unchanged", "sum(x²)，x 形状 (4,)"),
            ("promise: float64 result of x's shape, also for float32 x", "numdiff.result-type",
             "sum(i·xᵢ³)，x 形状 (2, 2)，float32 输入")),
    *_rules(),
    *_items("2.1-backward-order", "topological_order",
            ("roots", "backward.order", "两个输出：菱形图的 y 和中间的 b·x"),
            ("promise: each node once, after all its inputs", "backward.order-shared", "x 自乘 12 次（4096 条路径，13 个节点）"),
            ("promise: no recursion (deep graphs)", "backward.order-deep-chain", "5000 个节点的链（递归实现会超出递归深度）"),
            ("promise: the None items of node.inputs are skipped", "backward.order-constant",
             "y = x·c + x²，c 是常数（node.inputs 中有 None）")),
    *_items("2.1-backward-accumulate", "backprop",
            ("roots", "backward.root-twice", "backward([y, y], [g, g/2])，菱形图"),
            ("root_grads", "backward.shared-node", "菱形图，float64，形状 (2, 2)"),
            ("retain_graph", "backward.retain-graph", "y = x²·x，backward 三次：retain_graph=True，默认，第三次应报错"),
            ("sink", "backward.leaf-accumulation", "两次 backward 的梯度累加"),
            ("promise: each node's rule runs once", "backward.once-per-node", "x 自乘 12 次（4096 条路径，12 个节点）"),
            ("promise: the gradients of several paths are added", "backward.shared-node",
             "b = x²，y = b + (0.999·b)²（b 同时在浅处和深处被用到）"),
            ("promise: a node that gets no gradient is skipped, the rest go on", "backward.no-gradient",
             "y = f(x, x²)，f 的规则只给第一个输入梯度（第二个是 None）"),
            ("promise: the incoming gradient tensors are not changed in place", "backward.repeat",
             "菱形图，同一个 gradient 张量用两次")),
    *_items("2.1-gradcheck", "jacobians_match",
            ("analytical", "gradcheck.wrong-rule", "返回 x（偏小），x > 0"),
            ("numerical", "gradcheck.tolerances", "数值 100 处差 0.5，atol = 0，rtol = 1e-2（一致）"),
            ("atol", "gradcheck.tolerances", "同上，atol = 1e-4（不一致）"),
            ("rtol", "gradcheck.tolerances", "同上，rtol = 1e-3（不一致）"),
            ("promise: atol and rtol not swapped", "gradcheck.tolerances",
             "导数为 0 处差 0.01，atol = 1e-6，rtol = 0.1（不一致：rtol 乘的是 |数值|）"),
            ("promise: rtol multiplies |numerical|, not |analytical|", "gradcheck.tolerances",
             "数值 0.9，解析 1.0，atol = 0，rtol = 0.105（不一致：乘 |解析| 会判成一致）"),
            ("promise: every element (np.all), not a sum or a mean", "gradcheck.wrong-rule",
             "权重顺序颠倒（总和不变）")),
    *_items("2.1-jacobian", "jacfwd",
            ("func", "jacobian.jacfwd", "f(x) = sin(Wx)，W 为 2×5（输出少于输入）"),
            ("argnums", "jacobian.jacfwd", "f(x, u) = sin(x)·u + x²，对 u 求（argnums=1）"),
            ("promise: shape out.shape + x.shape", "jacobian.jacfwd", "f(x) = sin(Wx)，W 为 6×3，float64")),
    *_items("2.1-jacobian", "jacrev",
            ("func", "jacobian.jacrev", "f(x) = sin(Wx)，W 为 2×5（输出少于输入）"),
            ("argnums", "jacobian.jacrev", "f(x, u) = sin(x)·u + x²，对 u 求（argnums=1）"),
            ("promise: shape out.shape + x.shape", "jacobian.jacrev", "f(x) = sin(Wx)，W 为 6×3，float64")),
    *_items("2.1.1-dot-sum", "Dot.backward",
            ("ctx", "dot-sum.dot", "长度 4"), ("grad", "dot-sum.dot", "长度 3，float64"),
            ("promise: the result carries a graph under create_graph", "dot-sum.dot-create-graph",
             "长度 3，float64")),
    *_items("2.1.1-dot-sum", "Sum.backward",
            ("ctx", "dot-sum.sum", "形状 (2, 3)"), ("grad", "dot-sum.sum", "形状 (4,)"),
            ("promise: the result carries a graph under create_graph", "dot-sum.sum-create-graph",
             "sum()，形状 (3,)")),
    *_items("2.1.1-dot-sum", "SumDim.backward",
            ("ctx", "dot-sum.sum-dim", "dim=-1，形状 (2, 3, 4)，float64"),
            ("grad", "dot-sum.sum-dim", "dim=0，形状 (2, 3)"),
            ("promise: ctx.dims (dim)", "dot-sum.sum-dim", "dim=0，形状 (2, 3)"),
            ("promise: ctx.keepdim (keepdim)", "dot-sum.sum-dim", "dim=1, keepdim=True，形状 (2, 3)"),
            ("promise: the result carries a graph under create_graph", "dot-sum.sum-create-graph",
             "sum(dim=1, keepdim=True)，形状 (2, 3)")),
    *_items("2.1.2-backward-gradient", "Tensor.backward",
            ("self", "backward-gradient.vjp", "y = x·x，x 形状 (2, 3)"),
            ("gradient", "backward-gradient.vjp", "y = x·x，x 形状 (4,)，gradient 随机"),
            ("retain_graph", "backward-gradient.other-arguments", "gradient 与 retain_graph、inputs、create_graph 一起用"),
            ("create_graph", "backward-gradient.other-arguments", "gradient 与 retain_graph、inputs、create_graph 一起用"),
            ("inputs", "backward-gradient.other-arguments", "gradient 与 retain_graph、inputs、create_graph 一起用"),
            ("promise: RuntimeError 'grad can be implicitly created only for scalar outputs'", "backward-gradient.nonscalar-error", "非标量 y 不传 gradient；gradient 形状不对"),
            ("promise: an error for a gradient of another shape", "backward-gradient.nonscalar-error",
             "gradient 的形状 (2,) 比 y 的 (3,) 小"),
            ("promise: a scalar output takes a gradient too", "backward-gradient.scalar", "标量 y，gradient = 2")),
    *_items("2.1.2-unbroadcast", "unbroadcast",
            ("grad", "unbroadcast.leading-dims", "mul：(2, 3) 与 (3,) 广播成 (2, 3)，float32"),
            ("shape", "unbroadcast.size-one-dims", "add：(2, 1, 3) 与 (4, 1) 广播成 (2, 4, 3)，float32"),
            ("promise: size-1 dims kept (keepdim=True)", "unbroadcast.size-one-dims", "mul：(4, 1) 与 (1, 4) 广播成 (4, 4)，float32")),
    *_items("2.1.3-detach", "no_grad.__enter__",
            ("self", "detach.no-grad-nested", "no_grad 里面 no_grad"),
            ("promise: records no graph inside", "detach.no-grad", "with no_grad(): w = x·2")),
    *_items("2.1.3-detach", "no_grad.__exit__",
            ("self", "detach.no-grad-nested", "enable_grad 里面 no_grad"),
            ("exc_info", "detach.no-grad", "with no_grad(): w = x·2"),
            ("promise: restores the mode before, also after an exception", "detach.no-grad", "with no_grad(): w = x·2")),
    *_items("2.1.3-detach", "Tensor.detach",
            ("self", "detach.detach", "u = (x·x).detach(); z = u·x"),
            ("promise: no grad_fn, requires_grad=False", "detach.detach", "同上，x 形状 (2, 3)，gradient 随机"),
            ("promise: shares the storage", "detach.shared-storage", "u = (x·x).detach(); u.zero_() 之后的 y"),
            ("promise: shares the version counter", "detach.shared-version",
             "z = y·y 保存了 y；y.detach().mul_(2) 之后 backward")),
    *_items("2.1.4-norm", "Tensor.norm",
            ("self", "norm.all", "‖x‖，x 形状 (4,)"),
            ("p", "norm.all", "‖x‖，x 形状 (2, 3)，float64"),           # only the 2-norm ("fro") is asked for
            ("dim", "norm.dim", "按行 ‖x‖（dim=1），x 形状 (3, 4)"),
            ("keepdim", "norm.dim", "dim=0, keepdim=True，x 形状 (2, 3)"),
            ("promise: usable as a Python bool in control flow", "norm.control-flow", "标量 a = −1.2（走 else 分支）")),
    *_items("2.1-ex-higher-order", "collect_gradients",
            ("roots", "higher-order.grad-keeps-grad", "out = a·b − ln a，对 [a, b] 求梯度"),
            ("root_grads", "higher-order.arguments", "grad_outputs、retain_graph、allow_unused、materialize_grads"),
            ("targets", "higher-order.grad-keeps-grad", "同上，对 [b, a] 求梯度（顺序颠倒）"),
            ("retain_graph", "higher-order.arguments", "grad_outputs、retain_graph、allow_unused、materialize_grads"),
            ("create_graph", "higher-order.second-derivative", "y = x² sin x，x 形状 (5,)"),
            ("promise: create_graph=False gives gradients without a graph", "higher-order.no-graph",
             "y = ln(x)·x"),
            ("promise: None for a target that gets no gradient (allow_unused)", "higher-order.arguments",
             "grad_outputs、retain_graph、allow_unused、materialize_grads"),
            ("promise: no .grad is written", "higher-order.grad-keeps-grad", "out = a·b − ln a，对 [a, b] 求梯度")),
    *_items("2.1-ex-sin-derivative", "sin_derivative",
            ("x", "sin-derivative.value", "x 形状 (2, 3)，float64"),
            ("promise: computed by autodiff, not by cos", "sin-derivative.uses-autodiff", "x = linspace(−π, π, 9)，float32")),
    *_items("2.1-ex-chain-rule", "df_dx",
            ("x", "chain-rule.value", "x 为 6 个点，正负都有"),
            ("promise: numpy in, numpy out, every element", "chain-rule.value", "x 形状 (2, 2)")),
    *_items("2.1-ex-f-eval", "f_and_derivatives",
            ("x", "f-eval.value", "x = -1.5"),
            ("promise: forward and reverse mode both used", "f-eval.uses-both-modes", "x = 2.0")),
)


def items_for(exercise: str) -> list[Item]:
    return [item for item in CONTRACTS if item.exercise == exercise]
