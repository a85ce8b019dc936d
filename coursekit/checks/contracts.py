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
    check: str         # the check's name ...
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
        jvp, vjp = f"切线规则 · {name}", f"伴随规则 · {name}"
        items += _items("2.1-jvp", f"{op}.jvp", ("ctx", jvp, f"{name}，形状 {shape}"),
                        *((f"d{x}", jvp, f"{name}，形状 {shape}") for x in inputs),
                        ("promise: the tangent is a Tensor of the output's dtype", "切线规则 · 组合",
                         "y = ln a + a·b − sin b，(a, b) = (2, 5)，float64"))
        items += _items("2.1-vjp", f"{op}.backward", ("ctx", vjp, f"{name}，形状 {shape}"),
                        ("grad", vjp, f"{name}，形状 {shape}"),
                        ("promise: written in tensor ops, the result carries a graph under create_graph",
                         "伴随规则 · create_graph", f"{name}，create_graph=True"))
    return items


CONTRACTS: tuple[Item, ...] = (
    *_items("2.1-numdiff", "central_difference",
            ("f", "中心差分", "sum(sin x · exp x)，x 形状 (2, 3)"),
            ("x", "中心差分", "sum(x²)，x 形状 (4,)"),
            ("h", "中心差分 · 步长 h", "sum(i·xᵢ³)，x 形状 (3,)，h = 0.1（误差 h² 看得出来）"),
            ("promise: every element, each put back before the next", "中心差分", "prod(x)，x 形状 (4,)，h = 1e-3"),
            ("promise: the caller's x is unchanged", "中心差分 · 不改动传入的 x", "sum(x²)，x 形状 (4,)"),
            ("promise: float64 result of x's shape, also for float32 x", "中心差分 · 结果的类型",
             "sum(i·xᵢ³)，x 形状 (2, 2)，float32 输入")),
    *_rules(),
    *_items("2.1-backward", "topological_order",
            ("roots", "共享节点", "菱形图 b = x², y = b·x + b"),
            ("promise: each node once, children before parents", "每个节点只运行一次", "x 自乘 12 次（4096 条路径，12 个节点）"),
            ("promise: no recursion (deep graphs)", "很深的链", "5000 个节点的链（递归实现会超出递归深度）")),
    *_items("2.1-backward", "backprop",
            ("roots", "共享节点", "菱形图 b = x², y = b·x + b"),
            ("root_grads", "共享节点", "菱形图，float64，形状 (2, 2)"),
            ("retain_graph", "retain_graph 与图的释放", "retain_graph 与图的释放"),
            ("sink", "叶子梯度的累加", "两次 backward 的梯度累加"),
            ("promise: the gradients of several paths are added", "共享节点",
             "b = x²，y = b + (0.999·b)²（b 同时在浅处和深处被用到）"),
            ("promise: the incoming gradient tensors are not changed in place", "重复调用 backward",
             "菱形图，同一个 gradient 张量用两次")),
    *_items("2.1-gradcheck", "jacobians_match",
            ("analytical", "梯度检验 · 错误的规则", "错误的 backward：返回 x（偏小），x > 0"),
            ("numerical", "梯度检验 · atol 与 rtol", "数值 100 处差 0.5，atol = 0，rtol = 1e-2（一致）"),
            ("atol", "梯度检验 · atol 与 rtol", "同上，atol = 1e-4（不一致）"),
            ("rtol", "梯度检验 · atol 与 rtol", "同上，rtol = 1e-3（不一致）"),
            ("promise: atol and rtol not swapped", "梯度检验 · atol 与 rtol",
             "导数为 0 处差 0.01，atol = 1e-6，rtol = 0.1（不一致：rtol 乘的是 |数值|）"),
            ("promise: every element (np.all), not a sum or a mean", "梯度检验 · 错误的规则",
             "错误的 backward：权重顺序颠倒（总和不变）")),
    *_items("2.1-jacobian", "jacfwd",
            ("func", "雅可比矩阵 · jacfwd", "f(x) = sin(Wx)，W 为 2×5（输出少于输入）"),
            ("argnums", "雅可比矩阵 · jacfwd", "f(x, u) = sin(x)·u + x²，对 u 求（argnums=1）"),
            ("promise: shape out.shape + x.shape", "雅可比矩阵 · jacfwd", "f(x) = sin(Wx)，W 为 6×3，float64")),
    *_items("2.1-jacobian", "jacrev",
            ("func", "雅可比矩阵 · jacrev", "f(x) = sin(Wx)，W 为 2×5（输出少于输入）"),
            ("argnums", "雅可比矩阵 · jacrev", "f(x, u) = sin(x)·u + x²，对 u 求（argnums=1）"),
            ("promise: shape out.shape + x.shape", "雅可比矩阵 · jacrev", "f(x) = sin(Wx)，W 为 6×3，float64")),
    *_items("2.1.1-dot-sum", "Dot.backward",
            ("ctx", "点积规则", "dot，长度 4"), ("grad", "点积规则", "dot，长度 3，float64"),
            ("promise: the result carries a graph under create_graph", "点积规则 · create_graph",
             "dot，长度 3，create_graph=True")),
    *_items("2.1.1-dot-sum", "Sum.backward",
            ("ctx", "求和规则 · sum()", "sum()，形状 (2, 3)"), ("grad", "求和规则 · sum()", "sum()，形状 (4,)"),
            ("promise: the result carries a graph under create_graph", "求和规则 · create_graph",
             "sum()，形状 (3,)，create_graph=True")),
    *_items("2.1.1-dot-sum", "SumDim.backward",
            ("ctx", "求和规则 · sum(dim)", "sum(dim=-1)，形状 (2, 3, 4)，float64"),
            ("grad", "求和规则 · sum(dim)", "sum(dim=0)，形状 (2, 3)"),
            ("promise: ctx.dims (dim)", "求和规则 · sum(dim)", "sum(dim=0)，形状 (2, 3)"),
            ("promise: ctx.keepdim (keepdim)", "求和规则 · sum(dim)", "sum(dim=1, keepdim=True)，形状 (2, 3)"),
            ("promise: the result carries a graph under create_graph", "求和规则 · create_graph",
             "sum(dim=1, keepdim=True)，形状 (2, 3)，create_graph=True")),
    *_items("2.1.2-backward-gradient", "Tensor.backward",
            ("self", "backward(gradient) 是向量-雅可比积", "y = x·x，x 形状 (2, 3)"),
            ("gradient", "backward(gradient) 是向量-雅可比积", "y = x·x，x 形状 (4,)，gradient 随机"),
            ("retain_graph", "backward 的其它参数", "gradient 与 retain_graph、inputs、create_graph 一起用"),
            ("create_graph", "backward 的其它参数", "gradient 与 retain_graph、inputs、create_graph 一起用"),
            ("inputs", "backward 的其它参数", "gradient 与 retain_graph、inputs、create_graph 一起用"),
            ("promise: RuntimeError 'grad can be implicitly created only for scalar outputs'",
             "非标量输出必须给 gradient", "非标量 y 不传 gradient；gradient 形状不对"),
            ("promise: an error for a gradient of another shape", "非标量输出必须给 gradient",
             "非标量 y 不传 gradient；gradient 形状不对"),
            ("promise: a scalar output takes a gradient too", "标量输出的 backward(gradient)", "标量 y，gradient = 2")),
    *_items("2.1.2-unbroadcast", "unbroadcast",
            ("grad", "广播 · 补出的前导维度", "mul：(2, 3) 与 (3,) 广播成 (2, 3)，float32"),
            ("shape", "广播 · 长度为 1 的维度", "add：(2, 1, 3) 与 (4, 1) 广播成 (2, 4, 3)，float32"),
            ("promise: size-1 dims kept (keepdim=True)", "广播 · 长度为 1 的维度", "mul：(4, 1) 与 (1, 4) 广播成 (4, 4)，float32")),
    *_items("2.1.3-detach", "no_grad.__enter__",
            ("self", "no_grad · 嵌套", "no_grad 里面 no_grad"),
            ("promise: records no graph inside", "no_grad", "with no_grad(): w = x·2")),
    *_items("2.1.3-detach", "no_grad.__exit__",
            ("self", "no_grad · 嵌套", "enable_grad 里面 no_grad"),
            ("exc_info", "no_grad", "with no_grad(): w = x·2"),
            ("promise: restores the mode before, also after an exception", "no_grad", "with no_grad(): w = x·2")),
    *_items("2.1.3-detach", "Tensor.detach",
            ("self", "detach", "u = (x·x).detach(); z = u·x"),
            ("promise: no grad_fn, requires_grad=False", "detach", "同上，x 形状 (2, 3)，gradient 随机"),
            ("promise: shares the storage", "detach · 共享存储", "u = (x·x).detach(); u.zero_() 之后的 y"),
            ("promise: shares the version counter", "detach · 共享版本计数",
             "z = y·y 保存了 y；y.detach().mul_(2) 之后 backward")),
    *_items("2.1.4-norm", "Tensor.norm",
            ("self", "范数", "‖x‖，x 形状 (4,)"),
            ("p", "范数", "‖x‖，x 形状 (2, 3)，float64"),           # only the 2-norm ("fro") is asked for
            ("dim", "范数 · dim 与 keepdim", "按行 ‖x‖（dim=1），x 形状 (3, 4)"),
            ("keepdim", "范数 · dim 与 keepdim", "dim=0, keepdim=True，x 形状 (2, 3)"),
            ("promise: usable as a Python bool in control flow", "控制流 f(a)", "标量 a = −1.2（走 else 分支）")),
    *_items("2.1-ex-higher-order", "grad",
            ("outputs", "autograd.grad 不改动 .grad", "out = a·b − ln a，对 [a, b] 求梯度"),
            ("inputs", "autograd.grad 不改动 .grad", "同上，对 [b, a] 求梯度（顺序颠倒）"),
            ("grad_outputs", "autograd.grad 的参数", "grad_outputs、retain_graph、allow_unused、materialize_grads"),
            ("retain_graph", "autograd.grad 的参数", "grad_outputs、retain_graph、allow_unused、materialize_grads"),
            ("create_graph", "create_graph 求二阶导数", "y = x² sin x，x 形状 (5,)"),
            ("promise: create_graph=False gives gradients without a graph", "create_graph=False",
             "y = ln(x)·x，create_graph=False"),
            ("allow_unused", "autograd.grad 的参数", "grad_outputs、retain_graph、allow_unused、materialize_grads"),
            ("materialize_grads", "autograd.grad 的参数", "grad_outputs、retain_graph、allow_unused、materialize_grads"),
            ("promise: .grad is left untouched", "autograd.grad 不改动 .grad", "out = a·b − ln a，对 [a, b] 求梯度")),
    *_items("2.1-ex-sin-derivative", "sin_derivative",
            ("x", "用自动微分求 sin 的导数", "x 形状 (2, 3)，float64"),
            ("promise: computed by autodiff, not by cos", "sin 的导数 · 确实用了自动微分", "x = linspace(−π, π, 9)，float32")),
    *_items("2.1-ex-f-eval", "f_and_derivatives",
            ("x", "f(x) = log(x²)·sin x + 1/x", "x = -1.5"),
            ("promise: forward and reverse mode both used", "f(x) 的导数 · 确实用了前向与反向模式", "x = 2.0")),
)


def items_for(exercise: str) -> list[Item]:
    return [item for item in CONTRACTS if item.exercise == exercise]
