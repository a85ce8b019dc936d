"""Checks of the engine exercises (minigrad/*.py). Every probe is written once against the torch API
and runs with `lib` = the student's minigrad and with `lib` = torch.

Each exercise has several small checks, one per thing its instructions demand (values, inputs left
unchanged, result type and dtype, graphs that support create_graph, ...), so that the verdict's hint
says what is wrong. The case builders (`*_case`) are also used by hidden.py, which draws other
functions, graphs, shapes and dtypes at grading time."""
from __future__ import annotations

import warnings

import numpy as np

from .base import Case, Check
from .inputs import F32, F64
from .inputs import rand as _rand


def _arr(values, dtype=F32) -> np.ndarray:
    return np.asarray(values, dtype=dtype)


def _leaf(lib, values):
    return lib.tensor(values, requires_grad=True)


def _grad(tensor):
    return tensor.grad if tensor.grad is not None else np.array(np.nan)


def _dtype_name(dtype) -> str:
    return np.dtype(dtype).name


def _raises(action) -> tuple[bool, str, str]:
    """(raised, "Type: message", type name)."""
    try:
        action()
    except Exception as error:               # the probe reports the error instead of raising it
        if isinstance(error, NotImplementedError):
            raise
        return True, f"{type(error).__name__}: {error}", type(error).__name__
    return False, "", ""


# ---------------------------------------------------------------- 2.1-numdiff: central differences

NUMPY_FUNCTIONS = {   # f: numpy float64 array -> float, and the same function in torch for the reference
    "sum_sq": (lambda x: float(np.sum(x ** 2)), lambda t, x: (x ** 2).sum()),
    "sin_exp": (lambda x: float(np.sum(np.sin(x) * np.exp(x))), lambda t, x: (t.sin(x) * t.exp(x)).sum()),
    "logistic_l4": (lambda x: float(np.sum(_l4(x))), lambda t, x: _l4(x).sum()),
    "prod": (lambda x: float(np.prod(x)), lambda t, x: x.prod()),
    "weighted_cube": (lambda x: float(np.sum(np.arange(1, x.size + 1).reshape(x.shape) * x ** 3)),
                      lambda t, x: (t.arange(1, x.numel() + 1, dtype=t.float64).reshape(x.shape) * x ** 3).sum()),
}


def _l4(x):
    """The logistic map l(n+1) = 4 l(n) (1 - l(n)) from l1 = x, three steps."""
    for _ in range(3):
        x = 4 * x * (1 - x)
    return x


def _central_difference(lib, fn, x, h):
    return lib.numdiff.central_difference(NUMPY_FUNCTIONS[fn][0], x, h)


def _numdiff_run(lib, fn, x, h):
    return {"gradient": np.asarray(_central_difference(lib, fn, x.copy(), h), dtype=F64)}


def _numdiff_ref(torch, fn, x, h):
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    NUMPY_FUNCTIONS[fn][1](torch, t).backward()
    return {"gradient": t.grad}


def _numdiff_input_run(lib, fn, x, h):
    given = x.copy()
    _central_difference(lib, fn, given, h)
    return {"调用之后的 x": given}


def _numdiff_input_ref(torch, fn, x, h):
    return {"调用之后的 x": x}


def _numdiff_type_run(lib, fn, x, h):
    result = _central_difference(lib, fn, x.copy(), h)
    return {"返回的是 numpy 数组": isinstance(result, np.ndarray), "数据类型是 float64": np.asarray(result).dtype == F64,
            "形状": np.asarray(np.shape(result))}


def _numdiff_type_ref(torch, fn, x, h):
    return {"返回的是 numpy 数组": True, "数据类型是 float64": True, "形状": np.asarray(x.shape)}


def numdiff_case(label, fn, x, h=1e-6) -> Case:
    return Case(label, {"fn": fn, "x": x, "h": h})


def _numdiff_cases():
    return [numdiff_case("逻辑斯谛映射 l4，x = 0.3", "logistic_l4", _arr([0.3], F64)),
            numdiff_case("sum(x²)，x 形状 (4,)", "sum_sq", _rand(1, (4,), F64)),
            numdiff_case("sum(sin x · exp x)，x 形状 (2, 3)", "sin_exp", _rand(2, (2, 3), F64), 1e-5),
            numdiff_case("prod(x)，x 形状 (3,)", "prod", _rand(3, (3,), F64)),
            # prod is linear in each xᵢ, so a central difference is exact at any h: with h = 1e-3 only a
            # shifted point (an xᵢ not put back before the next element) shows, by about h
            Case("prod(x)，x 形状 (4,)，h = 1e-3", {"fn": "prod", "x": _rand(5, (4,), F64), "h": 1e-3},
                 hint="prod(x) 对每个 xᵢ 都是线性的，中心差分在任何 h 下都精确：结果不同，说明算后面的元素时，"
                      "前面的 xᵢ 没有放回原值（加减 h 之后一直留着）。算完一个元素先把它放回原值（x[i] = old），再算下一个。")]


def _numdiff_type_cases():
    return [_numdiff_cases()[2],
            numdiff_case("sum(i·xᵢ³)，x 形状 (2, 2)，float32 输入", "weighted_cube", _rand(4, (2, 2), F32), 1e-5)]


def _numdiff_step_ref(torch, fn, x, h):
    """The central difference itself at this h, computed with torch: with a large h it differs from the
    exact derivative (x³: by h²), so a step other than h shows."""
    flat, f = np.array(x, dtype=F64).reshape(-1), NUMPY_FUNCTIONS[fn][1]
    grad = np.empty_like(flat)
    for i in range(flat.size):
        step = np.zeros_like(flat)
        step[i] = h
        plus, minus = (f(torch, torch.tensor((flat + s).reshape(x.shape))).item() for s in (step, -step))
        grad[i] = (plus - minus) / (2 * h)
    return {"gradient": grad.reshape(x.shape)}


def _numdiff_step_cases():
    return [numdiff_case("sum(i·xᵢ³)，x 形状 (3,)，h = 0.1（误差 h² 看得出来）", "weighted_cube", _rand(6, (3,), F64), 0.1),
            numdiff_case("sum(sin x · exp x)，x 形状 (2,)，h = 0.05", "sin_exp", _rand(7, (2,), F64), 0.05)]


CENTRAL = "(f(x+h·eᵢ) − f(x−h·eᵢ)) / 2h"
NUMDIFF_RATIOS = (   # your result / PyTorch's, and what it points at
    (2.0, "你的结果正好是 PyTorch 的 2 倍：中心差分的分母是 2h（x+h 与 x−h 相距 2h），不是 h。"),
    (-1.0, f"你的结果正好是 PyTorch 的相反数：中心差分是 {CENTRAL}，加 h 的 f 在前，减 h 的在后。"),
    (0.5, f"你的结果约是 PyTorch 的一半：中心差分是 {CENTRAL}，两侧 x+h·eᵢ 与 x−h·eᵢ 都要算（不是 x+h·eᵢ 与 x）。"),
)


def _numdiff_hints(expected, actual) -> str:
    """What a wrong central difference's values point at: the wrong shape, or a fixed ratio to the answer."""
    want, got = (np.asarray(d["gradient"], dtype=F64) for d in (expected, actual))
    if got.shape != want.shape:
        return (f"结果的形状要与 x 相同（这里是 {want.shape}，你的是 {got.shape}）：对 x 的每一个元素各做一次，"
                f"任意形状都用 np.ndindex(x.shape) 逐个取下标（range(len(x)) 只走第一维）。")
    if np.any(np.abs(want) > 1e-3):
        return next((hint for ratio, hint in NUMDIFF_RATIOS if np.allclose(got, ratio * want, rtol=1e-3, atol=1e-6)), "")
    return ""


NUMDIFF = (
    Check("中心差分", _numdiff_run, _numdiff_cases, ref=_numdiff_ref, tolerance=(1e-5, 1e-6), hints=_numdiff_hints,
          hint=f"中心差分 {CENTRAL}：对 x 的每一个元素（任意形状，用 np.ndindex 逐个取下标）各做一次，每次只移动"
               "这一个元素，算完先把它放回原值；在 float64 上计算。", key="numdiff"),
    Check("中心差分 · 不改动传入的 x", _numdiff_input_run, lambda: _numdiff_cases()[1:3], ref=_numdiff_input_ref,
          hint="central_difference 不能改动调用者的 x：先复制一份（np.array(x, dtype=np.float64)），"
               "在副本上加减 h。", key="numdiff.input-unchanged"),
    Check("中心差分 · 结果的类型", _numdiff_type_run, _numdiff_type_cases, ref=_numdiff_type_ref,
          hint="返回与 x 形状相同的 float64 numpy 数组；x 是 float32 时也要先转成 float64 再加减 h"
               "（float32 只有约 7 位有效数字）。", key="numdiff.result-type"),
    Check("中心差分 · 步长 h", _numdiff_run, _numdiff_step_cases, ref=_numdiff_step_ref, tolerance=(1e-7, 1e-9),
          hint="用调用者传入的步长 h（不要自己另定一个，如 1e-6）：h 较大时，中心差分的结果本来就与导数差 O(h²)，"
               "检查比较的正是这个 h 下的中心差分。", key="numdiff.step"),
)


# ---------------------------------------------------------------- custom Functions (no op rules needed)

def custom_functions(lib):
    """Small ops defined with the autograd.Function API, identical under torch and minigrad."""
    Function = lib.autograd.Function

    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 2 * x

    class Times(Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, grad):
            a, b = ctx.saved_tensors
            return grad * b, grad * a

    class Plus(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    class Decay(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 0.999

        @staticmethod
        def backward(ctx, grad):
            return grad * 0.999

    class WrongSquare(Square):
        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x               # deliberately wrong: d(x²)/dx is 2x

    return Square, Times, Plus, Decay, WrongSquare


def _count_backward_calls(lib, cls):
    calls = []

    class Counted(cls):
        @staticmethod
        def backward(ctx, *grads):
            calls.append(1)
            return cls.backward(ctx, *grads)
    return Counted, calls


# ---------------------------------------------------------------- 2.1-backward-order and -accumulate: the traversal

SQUARE, TIMES, PLUS, DECAY = range(4)    # a graph program: rows (op, i, j); node 0 is x, node k+1 is row k


def run_program(lib, program, x):
    """Build the graph a program describes from leaf x; returns (nodes, number of backward calls)."""
    Square, Times, Plus, Decay, _ = custom_functions(lib)
    counted = [_count_backward_calls(lib, cls) for cls in (Square, Times, Plus, Decay)]
    nodes = [x]
    for op, i, j in np.asarray(program, dtype=np.int64).reshape(-1, 3).tolist():
        cls = counted[op][0]
        nodes.append(cls.apply(nodes[i], nodes[j]) if op in (TIMES, PLUS) else cls.apply(nodes[i]))
    return nodes, lambda: sum(len(calls) for _, calls in counted)


def _graph_run(lib, program, x, g):
    x = _leaf(lib, x)
    nodes, _ = run_program(lib, program, x)
    lib.autograd.backward([nodes[-1]], [lib.tensor(g)])
    return {"y": nodes[-1], "x.grad": _grad(x)}


def _graph_calls_run(lib, program, x, g):
    x = _leaf(lib, x)
    nodes, calls = run_program(lib, program, x)
    lib.autograd.backward([nodes[-1]], [lib.tensor(g)])
    return {"backward 的调用次数": calls()}


def _chain_run(lib, x, depth):
    _, _, _, Decay, _ = custom_functions(lib)
    x = _leaf(lib, x)
    y = x
    for _ in range(depth):
        y = Decay.apply(y)
    lib.autograd.backward([y], [lib.ones_like(y)])
    return {"x.grad": x.grad}


def _accumulate_run(lib, x, g):
    Square, Times, _, _, _ = custom_functions(lib)
    x, c = _leaf(lib, x), lib.tensor(x * 0 + 3)
    lib.autograd.backward([Square.apply(x)], [lib.tensor(g)])
    first = np.array(x.grad.numpy())                                # a copy: .grad is updated in place
    lib.autograd.backward([Times.apply(x, c)], [lib.tensor(g)])   # c needs no gradient
    return {"第一次 backward 之后的 x.grad": first, "两次 backward 之后的 x.grad": x.grad, "c.grad 为 None": c.grad is None}


def _repeat_run(lib, program, x, g):
    """backward twice on a retained graph with the same gradient tensor: twice the gradient, g unchanged."""
    x = _leaf(lib, x)
    nodes, _ = run_program(lib, program, x)
    gradient = lib.tensor(g)
    lib.autograd.backward([nodes[-1]], [gradient], retain_graph=True)
    first = np.array(x.grad.numpy())
    lib.autograd.backward([nodes[-1]], [gradient], retain_graph=True)
    return {"调用一次之后的 x.grad": first, "调用两次之后的 x.grad": x.grad, "调用之后的 gradient": gradient}


def _free_graph_run(lib, x, g):
    Square, Times, _, _, _ = custom_functions(lib)
    x = _leaf(lib, x)
    y = Times.apply(Square.apply(x), x)
    lib.autograd.backward([y], [lib.tensor(g)], retain_graph=True)
    lib.autograd.backward([y], [lib.tensor(g)])                    # allowed: the graph was retained
    raised, message, _ = _raises(lambda: lib.autograd.backward([y], [lib.tensor(g)]))
    return {"x.grad": x.grad, "第三次 backward 报错": raised,
            "错误信息提到 retain_graph": "retain_graph" in message}


def _twice_root_run(lib, program, x, g):
    """The same output twice in `roots`: its two gradients are added (torch: backward([y, y], [g, g']))."""
    x = _leaf(lib, x)
    nodes, _ = run_program(lib, program, x)
    lib.autograd.backward([nodes[-1], nodes[-1]], [lib.tensor(g), lib.tensor(g * 0.5)])
    return {"x.grad": _grad(x)}


def _none_gradient_run(lib, x, g):
    """A rule that gives no gradient (None) to an input that requires grad: that node gets nothing and is
    skipped, and the traversal goes on to the nodes after it (x still gets its gradient by the other path)."""
    Square, _, _, _, _ = custom_functions(lib)

    class OnlyFirst(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(b)
            return a * b

        @staticmethod
        def backward(ctx, grad):
            (b,) = ctx.saved_tensors
            return grad * b, None

    x = _leaf(lib, x)
    y = OnlyFirst.apply(x, Square.apply(x))
    lib.autograd.backward([y], [lib.tensor(g)])
    return {"x.grad": _grad(x)}


PROGRAMS = {   # label: rows (op, i, j)
    "菱形图 b = x², y = b·x + b": [[SQUARE, 0, 0], [TIMES, 1, 0], [PLUS, 2, 1]],
    "b = x²，y = b + (0.999·b)²（b 同时在浅处和深处被用到）": [[SQUARE, 0, 0], [DECAY, 1, 1], [SQUARE, 2, 2], [PLUS, 1, 3]],
    "b = x + x，c = b + b": [[PLUS, 0, 0], [PLUS, 1, 1]],
}
LADDER = [[TIMES, k, k] for k in range(12)]   # x multiplied by itself 12 times: 4096 paths, 12 nodes


def graph_case(label, program, x, g=None, seed=0) -> Case:
    g = _rand(seed, x.shape, x.dtype) if g is None else g
    return Case(label, {"program": np.asarray(program, dtype=np.int64), "x": x, "g": g})


def _graph_cases():
    cases = [graph_case(label, program, _rand(10 + i, (3,)), seed=20 + i) for i, (label, program) in
             enumerate(PROGRAMS.items())]
    cases.append(graph_case("菱形图，float64，形状 (2, 2)", PROGRAMS["菱形图 b = x², y = b·x + b"],
                            _rand(12, (2, 2), F64), seed=13))
    return cases


def _calls_cases():
    return [graph_case("x 自乘 12 次（4096 条路径，12 个节点）", LADDER, _arr([1.001]), _arr([1.0])),
            *_graph_cases()[:3]]


def _reachable(roots, inputs_of) -> set:
    """Every node the roots depend on (roots included), found with an explicit stack."""
    found, stack = set(), list(roots)
    while stack:
        node = stack.pop()
        if node is not None and node not in found:
            found.add(node)
            stack.extend(inputs_of(node))
    return found


def _order_facts(order, roots, inputs_of) -> dict:
    """What a topological order must satisfy, as values a reference can state."""
    order = list(order)
    position = {}
    for k, node in enumerate(order):
        position.setdefault(node, k)
    after_inputs = all(position[c] < k for node, k in position.items() for c in inputs_of(node) if c is not None)
    return {"列出的节点个数": len(order), "没有重复的节点": len(position) == len(order),
            "都是 roots 依赖的节点": set(position) <= _reachable(roots, inputs_of),
            "每个节点都排在它的所有输入之后": after_inputs}


def _order_run(lib, program, x, roots):
    nodes, _ = run_program(lib, program, _leaf(lib, x))
    root_nodes = [nodes[int(i)].grad_fn for i in roots]
    order = lib.autograd.topological_order(root_nodes)
    return _order_facts(order, root_nodes, lambda node: node.inputs)


def _order_ref(torch, program, x, roots):
    nodes, _ = run_program(torch, program, _leaf(torch, x))
    root_nodes = [nodes[int(i)].grad_fn for i in roots]
    every = _reachable(root_nodes, lambda node: [f for f, _ in node.next_functions])
    return {"列出的节点个数": len(every), "没有重复的节点": True, "都是 roots 依赖的节点": True,
            "每个节点都排在它的所有输入之后": True}


def _order_chain_run(lib, x, depth):
    _, _, _, Decay, _ = custom_functions(lib)
    y = _leaf(lib, x)
    for _ in range(depth):
        y = Decay.apply(y)
    order = lib.autograd.topological_order([y.grad_fn])
    return {"列出的节点个数": len(order), "最后一个是输出的节点": order[-1] is y.grad_fn if order else False}


def _order_chain_ref(torch, x, depth):
    return {"列出的节点个数": depth + 1, "最后一个是输出的节点": True}


def order_case(label, program, x, roots=(-1,)) -> Case:
    return Case(label, {"program": np.asarray(program, dtype=np.int64), "x": x,
                        "roots": np.asarray(roots, dtype=np.int64)})


def _constant_graph(lib, x, c):
    """y = x·c + x² with c a constant: the Times node's second input is None (nothing to differentiate)."""
    Square, Times, Plus, _, _ = custom_functions(lib)
    leaf = _leaf(lib, x)
    return [Plus.apply(Times.apply(leaf, lib.tensor(c)), Square.apply(leaf)).grad_fn]


def _order_constant_run(lib, x, c):
    roots = _constant_graph(lib, x, c)
    return _order_facts(lib.autograd.topological_order(roots), roots, lambda node: node.inputs)


def _order_constant_ref(torch, x, c):
    every = _reachable(_constant_graph(torch, x, c), lambda node: [f for f, _ in node.next_functions])
    return {"列出的节点个数": len(every), "没有重复的节点": True, "都是 roots 依赖的节点": True,
            "每个节点都排在它的所有输入之后": True}


def _order_cases():
    cases = [order_case(label, program, _rand(30 + i, (3,))) for i, (label, program) in enumerate(PROGRAMS.items())]
    cases.append(order_case("两个输出：菱形图的 y 和中间的 b·x", PROGRAMS["菱形图 b = x², y = b·x + b"], _rand(33, (2,)),
                            roots=(-1, -2)))
    return cases


def _shared_order_cases():
    return [order_case("x 自乘 12 次（4096 条路径，13 个节点）", LADDER, _arr([1.001])),
            order_case("b = x + x，c = b + b", PROGRAMS["b = x + x，c = b + b"], _rand(34, (3,)))]


BACKWARD_ORDER = (
    Check("拓扑序", _order_run, _order_cases, ref=_order_ref,
          hint="深度优先的后序遍历：一个节点的所有输入（node.inputs 中不是 None 的项）都已放进结果之后，才放它自己；"
               "一层一层地访问（广度优先）得到的顺序不一定是拓扑序。每个节点只列一次（用一个 visited 集合）；roots 可以有好几个，它们依赖的节点都要列出。", key="backward.order"),
    Check("拓扑序 · 常数输入", _order_constant_run,
          lambda: [Case("y = x·c + x²，c 是常数（node.inputs 中有 None）", {"x": _rand(35, (3,)), "c": _rand(36, (3,))})],
          ref=_order_constant_ref, hint="node.inputs 中不需要梯度的输入是 None：跳过它（child is not None and ...），"
                                        "不要把 None 放进栈里。", key="backward.order-constant"),
    Check("拓扑序 · 共享的节点只列一次", _order_run, _shared_order_cases, ref=_order_ref,
          hint="用一个 visited 集合（set）记下已经放进栈的节点：被好几个节点用到的节点只访问一次、只列一次。", key="backward.order-shared"),
    Check("拓扑序 · 很深的链", _order_chain_run,
          lambda: [Case("5000 个节点的链（递归实现会超出递归深度）", {"x": _rand(14, (4,)), "depth": 5000})],
          ref=_order_chain_ref, hint="不要用递归：Python 的递归深度上限约为 1000；用显式的栈（一个 list，append 和 pop）。", key="backward.order-deep-chain"),
)


BACKWARD_ACCUMULATE = (
    Check("每个节点只运行一次", _graph_calls_run, _calls_cases,
          hint="只按 topological_order(roots) 的倒序走一遍，每个节点调用一次 call_backward；"
               "不要沿每条路径递归，也不要把收到梯度的节点再放回待处理的列表。", key="backward.once-per-node"),
    Check("共享节点", _graph_run, _graph_cases,
          hint="按拓扑逆序（reversed(topological_order(roots))）处理节点：轮到一个节点时，它从各条路径收到的梯度"
               "已经相加完整（是相加，不是覆盖）；先 sink(node, g)（叶子的梯度由它存进 .grad），"
               "再 call_backward(node, g)，把返回的每个梯度加到 node.inputs 中对应的节点上。", key="backward.shared-node"),
    Check("很深的链", _chain_run,
          lambda: [Case("5000 个节点的链（递归实现会超出递归深度）", {"x": _rand(14, (4,)), "depth": 5000})],
          hint="backprop 用循环处理节点，不要递归。", key="backward.deep-chain"),
    Check("叶子梯度的累加", _accumulate_run,
          lambda: [Case("两次 backward 的梯度累加", {"x": _rand(15, (3,)), "g": _rand(16, (3,))})],
          hint="叶子的 .grad 要累加（+=），不能覆盖；不需要梯度的张量 .grad 保持 None。", key="backward.leaf-accumulation"),
    Check("retain_graph 与图的释放", _free_graph_run,
          lambda: [Case("y = x²·x，backward 三次：retain_graph=True，默认，第三次应报错", {"x": _rand(17, (3,)), "g": _rand(18, (3,))})],
          hint="retain_graph=False 时，反向传播后要释放保存的中间值（node.release()），retain_graph=True 时不能释放；"
               "再次 backward 应报错并提到 retain_graph。", key="backward.retain-graph"),
    Check("重复调用 backward", _repeat_run,
          lambda: [graph_case("菱形图，同一个 gradient 张量用两次", PROGRAMS["菱形图 b = x², y = b·x + b"],
                              _rand(17, (3,)), seed=18)],
          hint="不要原地修改收到的梯度张量（grads[node] += g 会改动别处也在用的张量，比如调用者传入的 gradient）："
               "写成 grads[node] = grads[node] + g。", key="backward.repeat"),
    Check("同一个输出给了两次", _twice_root_run,
          lambda: [graph_case("backward([y, y], [g, g/2])，菱形图", PROGRAMS["菱形图 b = x², y = b·x + b"],
                              _rand(19, (3,)), seed=21)],
          hint="roots 中同一个节点出现几次，它的起始梯度就是这几个梯度之和（相加，不是覆盖）。", key="backward.root-twice"),
    Check("没有收到梯度的节点", _none_gradient_run,
          lambda: [Case("y = f(x, x²)，f 的规则只给第一个输入梯度（第二个是 None）", {"x": _rand(23, (3,)), "g": _rand(24, (3,))})],
          hint="一个节点可能一个梯度也没有收到（规则给它的是 None）：跳过它（continue），继续处理后面的节点，"
               "不要就此停止遍历（break），也不要把 None 交给 sink 或它的规则。", key="backward.no-gradient"),
)


# ---------------------------------------------------------------- 2.1-gradcheck

def gradcheck_function(lib, fn, scale, bump, w):
    """A custom op whose backward is the true derivative times `scale` plus `bump` (0 and 1: correct)."""
    Function = lib.autograd.Function
    weights = lib.tensor(w)

    def derivative(x):
        return {"square": lambda: 2 * x, "cube": lambda: 3 * x * x, "weights": lambda: weights + x * 0}[fn]()

    class Op(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return {"square": lambda: x * x, "cube": lambda: x * x * x, "weights": lambda: x * weights}[fn]()

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * (derivative(x) * scale + lib.tensor(bump))
    return Op


def _gradcheck_run(lib, fn, x, scale, bump, w):
    op = gradcheck_function(lib, fn, float(scale), bump, w)
    ok = lib.autograd.gradcheck(op.apply, (lib.tensor(x, requires_grad=True),), eps=1e-6, atol=1e-5, rtol=1e-3,
                                raise_exception=False)
    return {"gradcheck": bool(ok)}


def gradcheck_case(label, fn, x, scale=1.0, bump=None, w=None) -> Case:
    zeros = np.zeros_like(x)
    return Case(label, {"fn": fn, "x": x, "scale": float(scale), "bump": zeros if bump is None else bump,
                        "w": zeros + 1 if w is None else w})


def _gradcheck_right_cases():
    return [gradcheck_case("d(x²)/dx = 2x", "square", _rand(20, (3,), F64)),
            gradcheck_case("d(x²)/dx = 2x，形状 (2, 2)", "square", _rand(22, (2, 2), F64)),
            gradcheck_case("d(x³)/dx = 3x²，x 含 0（导数为 0，靠 atol）", "cube", _arr([0.0, 0.0, 1.5], F64)),
            gradcheck_case("x²，x ≈ 1000（数值误差约 1e-4，靠 rtol）", "square", _arr([1000.0, -1200.0], F64))]


def _gradcheck_wrong_cases():
    w = _arr([1.0, 2.0, 3.0], F64)
    return [gradcheck_case("返回 3x（偏大）", "square", _rand(21, (3,), F64), scale=1.5),
            gradcheck_case("返回 x（偏小），x > 0", "square", _rand(23, (3,), F64, positive=True), scale=0.5),
            gradcheck_case("6 个元素中只有一个差 0.01", "square", _rand(24, (6,), F64, positive=True) + 1,
                           bump=_arr([0, 0, 0.01, 0, 0, 0], F64)),
            gradcheck_case("权重顺序颠倒（总和不变）", "weights", _rand(25, (3,), F64), bump=w[::-1] - w, w=w)]


def _match_run(lib, analytical, numerical, atol, rtol):
    return {"判断结果": bool(lib.numdiff.jacobians_match(analytical.copy(), numerical.copy(), float(atol), float(rtol)))}


def _match_ref(torch, analytical, numerical, atol, rtol):
    return {"判断结果": bool(np.all(np.abs(analytical - numerical) <= atol + rtol * np.abs(numerical)))}


def match_case(label, numerical, error, atol, rtol) -> Case:
    numerical = _arr(numerical, F64)
    return Case(label, {"analytical": numerical + _arr(error, F64), "numerical": numerical, "atol": atol, "rtol": rtol})


def _tolerance_cases():
    """Each decision flips with atol or with rtol alone, and with the two swapped."""
    return [match_case("导数为 0 处差 5e-4，atol = 1e-3，rtol = 0（一致）", [[0, 1], [0, 2]], [[5e-4, 0], [0, 0]], 1e-3, 0.0),
            match_case("同上，atol = 1e-4（不一致）", [[0, 1], [0, 2]], [[5e-4, 0], [0, 0]], 1e-4, 0.0),
            match_case("数值 100 处差 0.5，atol = 0，rtol = 1e-2（一致）", [[100, 1], [-200, 2]], [[0.5, 0], [0, 0]], 0.0, 1e-2),
            match_case("同上，rtol = 1e-3（不一致）", [[100, 1], [-200, 2]], [[0.5, 0], [0, 0]], 0.0, 1e-3),
            match_case("导数为 0 处差 0.01，atol = 1e-6，rtol = 0.1（不一致：rtol 乘的是 |数值|）", [[0, 3]], [[0.01, 0]],
                       1e-6, 0.1),
            match_case("数值 0.9，解析 1.0，atol = 0，rtol = 0.105（不一致：乘 |解析| 会判成一致）", [[0.9, 2]], [[0.1, 0]],
                       0.0, 0.105),
            match_case("完全相同，atol = rtol = 0（误差等于允许值也算一致：≤）", [[0.5, -2]], [[0, 0]], 0.0, 0.0)]


GRADCHECK = (
    Check("梯度检验 · 正确的规则", _gradcheck_run, _gradcheck_right_cases,
          hint="正确的 backward 要判为一致（返回 True）：允许的误差是 atol + rtol·|数值|，atol 与 rtol 都要用上"
               "（导数接近 0 时靠 atol，数值很大时靠 rtol）。", key="gradcheck.right-rule"),
    Check("梯度检验 · 错误的规则", _gradcheck_run, _gradcheck_wrong_cases,
          hint="逐个元素比较 |解析 − 数值| ≤ atol + rtol·|数值|：差要取绝对值（偏大、偏小都算不一致），"
               "每个元素都要满足（np.all），不是只看总和或平均；不一致就返回 False（或抛出错误）。", key="gradcheck.wrong-rule"),
    Check("梯度检验 · atol 与 rtol", _match_run, _tolerance_cases, ref=_match_ref,
          hint="用调用者传入的 atol 和 rtol（不要用 np.allclose 的默认容差，也不要把两者对调）："
               "允许的误差是 atol + rtol·|数值|。", key="gradcheck.tolerances"),
)


# ---------------------------------------------------------------- 2.1-jvp and 2.1-vjp: elementwise rules

OPS = ("add", "sub", "mul", "log", "sin")
BINARY = ("add", "sub", "mul")
GRAPH = "y = ln a + a·b − sin b"


def _apply(lib, op, a, b):
    return {"add": lambda: a + b, "sub": lambda: a - b, "mul": lambda: a * b,
            "log": lambda: lib.log(a), "sin": lambda: lib.sin(a),
            "graph": lambda: lib.log(a) + a * b - lib.sin(b)}[op]()


def _jvp_run(lib, op, a, b, ta, tb):
    primals = (lib.tensor(a), lib.tensor(b))
    tangents = (lib.tensor(ta), lib.tensor(tb))
    out, tangent = lib.func.jvp(lambda x, y: _apply(lib, op, x, y), primals, tangents)
    return {"输出": out, "切线": tangent}


def _vjp_run(lib, op, a, b, g):
    x, y = _leaf(lib, a), _leaf(lib, b)
    out = _apply(lib, op, x, y)
    lib.autograd.backward([out], [lib.tensor(g)])
    grads = {"a.grad": _grad(x)}
    if op not in ("log", "sin"):
        grads["b.grad"] = _grad(y)
    return {"输出": out, **grads}


def _backward_creating_graph(lib, out, gradient):
    with warnings.catch_warnings():          # torch warns that .grad and its graph form a cycle (reset below)
        warnings.simplefilter("ignore")
        lib.autograd.backward([out], [gradient], create_graph=True)


def _vjp_graph_run(lib, op, a, b, g):
    """backward with create_graph=True, the upstream gradient v a leaf: the gradients must carry a graph
    (rules written in tensor ops), and differentiating them again must give PyTorch's second derivatives."""
    x, y, v = _leaf(lib, a), _leaf(lib, b), _leaf(lib, g)
    out = _apply(lib, op, x, y)
    _backward_creating_graph(lib, out, v)
    firsts = [x.grad] + ([y.grad] if op in BINARY or op == "graph" else [])
    x.grad = y.grad = None
    has_graph = [bool(t.requires_grad) for t in firsts]
    lib.autograd.backward([t for t in firsts if t.requires_grad],
                          [lib.ones_like(t) * 0.5 for t in firsts if t.requires_grad])
    return {"a.grad": firsts[0], "梯度带有计算图": np.array(has_graph),
            "二阶：d/da": _grad(x), "二阶：d/db": _grad(y), "二阶：d/dv": _grad(v)}


def elementwise_case(op, shape, dtype, seed, tangents: bool, label=None) -> Case:
    rng = np.random.default_rng(seed)
    args = {"op": op, "a": _rand(rng, shape, dtype, positive=True), "b": _rand(rng, shape, dtype, positive=op == "graph")}
    if tangents:
        args["ta"], args["tb"] = _rand(rng, shape, dtype), _rand(rng, shape, dtype)
    else:
        args["g"] = _rand(rng, shape, dtype)
    return Case(label or f"{GRAPH + '，' if op == 'graph' else ''}形状 {shape} {_dtype_name(dtype)}", args)


SHAPES = {"add": ((3,), (2, 2)), "sub": ((2, 3), ()), "mul": ((4,), (2, 1, 3)), "log": ((3,), (2, 2)),
          "sin": ((2, 2), (5,)), "graph": ((), (3,))}


def _op_cases(op, tangents: bool):
    def cases():
        (s1, s2), base = SHAPES[op], 30 + 10 * list(SHAPES).index(op)
        found = [elementwise_case(op, s1, F32, base, tangents), elementwise_case(op, s2, F64, base + 1, tangents)]
        if op == "graph":                       # the survey's point (x1, x2) = (2, 5)
            point = elementwise_case(op, (), F64, base + 2, tangents, f"{GRAPH}，(a, b) = (2, 5)，float64")
            found.append(Case(point.label, {**point.args, "a": _arr(2.0, F64), "b": _arr(5.0, F64)}))
        return found
    return cases


JVP_HINTS = {"add": "加法的切线规则：d(a + b) = da + db（两个切线都要加上）。",
             "sub": "减法的切线规则：d(a − b) = da − db（db 前是负号）。",
             "mul": "乘法的切线规则（乘积法则）：d(a·b) = da·b + a·db，两项都要有。",
             "log": "对数的切线规则：d(ln a) = da / a（要乘上切线 da，不是只写 1/a）。",
             "sin": "正弦的切线规则：d(sin a) = cos a · da（是 cos a，不是 sin a；要乘上切线 da）。",
             "graph": "组合函数的切线由各运算的切线规则逐个传递：检查 add、sub、mul、log、sin 的 jvp。"}
VJP_HINTS = {"add": "加法的伴随规则：ā = ḡ，b̄ = ḡ（ḡ 原样传给两边）。",
             "sub": "减法的伴随规则：ā = ḡ，b̄ = −ḡ（b 得到的是负号）。",
             "mul": "乘法的伴随规则：ā = ḡ·b，b̄ = ḡ·a（两边都要乘上 ḡ；a 的梯度乘的是 b，不是 a）。",
             "log": "对数的伴随规则：ā = ḡ / a（要乘上 ḡ）。",
             "sin": "正弦的伴随规则：ā = ḡ·cos a（是 cos a，不是 sin a；要乘上 ḡ）。",
             "graph": "组合函数的梯度由各运算的伴随规则逐个传回：检查 add、sub、mul、log、sin 的 backward。"}
GRAPH_HINT = ("反向规则要用 minigrad 的张量运算写出（不要用 .data、.numpy() 或 numpy 函数）："
              "create_graph=True 时算出的梯度才带有计算图，才能再求一次导。")



def _rule(op: str, method: str) -> tuple[str, ...]:
    """The one exercise function a check of `op` runs ("Mul.jvp"); the composite runs them all."""
    return () if op == "graph" else (f"{op.capitalize()}.{method}",)


JVP = tuple(Check(f"切线规则 · {'组合' if op == 'graph' else op}", _jvp_run, _op_cases(op, True), hint=JVP_HINTS[op],
                  key=f"jvp.{op}", functions=_rule(op, "jvp"))
            for op in (*OPS, "graph"))
VJP = (*(Check(f"伴随规则 · {'组合' if op == 'graph' else op}", _vjp_run, _op_cases(op, False), hint=VJP_HINTS[op],
               key=f"vjp.{op}", functions=_rule(op, "backward"))
         for op in (*OPS, "graph")),
       Check("伴随规则 · create_graph", _vjp_graph_run,
             lambda: [elementwise_case(op, (3,), F64 if i % 2 else F32, 90 + i, False, GRAPH if op == "graph" else op)
                      for i, op in enumerate((*OPS, "graph"))],
             hint=GRAPH_HINT, key="vjp.create-graph"))


# ---------------------------------------------------------------- 2.1-jacobian

def _jacobian_function(lib, kind, w):
    W = lib.tensor(w)
    return {"elementwise": lambda v: lib.sin(v) * v,
            "matmul": lambda v: lib.sin(lib.matmul(W, v)),
            "two inputs": lambda v, u: lib.sin(v) * u + v * v}[kind]


def _jacobian_args(lib, kind, x, w):
    return (lib.tensor(x), lib.tensor(w)) if kind == "two inputs" else (lib.tensor(x),)


def _jacfwd_run(lib, kind, x, w, argnums):
    f = _jacobian_function(lib, kind, w)
    return {"jacfwd": lib.func.jacfwd(f, argnums=int(argnums))(*_jacobian_args(lib, kind, x, w))}


def _jacrev_run(lib, kind, x, w, argnums):
    f = _jacobian_function(lib, kind, w)
    return {"jacrev": lib.func.jacrev(f, argnums=int(argnums))(*_jacobian_args(lib, kind, x, w))}


def jacobian_case(label, kind, x, w, argnums=0) -> Case:
    return Case(label, {"kind": kind, "x": x, "w": w, "argnums": argnums})


def _jacobian_ref(key):
    """PyTorch's matrix from torch.autograd.functional: torch.func.jacrev imports torch._dynamo the first
    time it runs (3 s, 15 s on a loaded machine), which made this check slow."""
    def ref(torch, kind, x, w, argnums):
        args = _jacobian_args(torch, kind, x, w)
        return {key: torch.autograd.functional.jacobian(_jacobian_function(torch, kind, w), args)[int(argnums)]}
    return ref


def _jacobian_cases():
    return [jacobian_case("f(x) = sin(x)·x，x ∈ R^4", "elementwise", _rand(80, (4,)), _rand(81, (1,))),
            jacobian_case("f(x) = sin(Wx)，W 为 2×5（输出少于输入）", "matmul", _rand(82, (5,)), _rand(83, (2, 5))),
            jacobian_case("f(x) = sin(Wx)，W 为 6×3，float64", "matmul", _rand(84, (3,), F64), _rand(85, (6, 3), F64)),
            jacobian_case("f(x, u) = sin(x)·u + x²，对 x 求（argnums=0）", "two inputs", _rand(86, (3,)), _rand(87, (3,))),
            jacobian_case("f(x, u) = sin(x)·u + x²，对 u 求（argnums=1）", "two inputs", _rand(88, (3,)), _rand(89, (3,)), 1)]


JACOBIAN = (
    Check("雅可比矩阵 · jacfwd", _jacfwd_run, _jacobian_cases, ref=_jacobian_ref("jacfwd"),
          hint="jacfwd：对输入的每个方向 eⱼ 做一次 jvp（只有第 argnums 个参数的切线是 eⱼ，其余参数的切线为 0），"
               "得到雅可比的第 j 列；按列拼接（dim=-1），形状是 out.shape + x.shape。", key="jacobian.jacfwd",
          functions=("jacfwd",)),
    Check("雅可比矩阵 · jacrev", _jacrev_run, _jacobian_cases, ref=_jacobian_ref("jacrev"),
          hint="jacrev：对输出的每个方向 eᵢ 做一次 vjp，取第 argnums 个参数的结果，得到雅可比的第 i 行；"
               "按行拼接（dim=0），形状是 out.shape + x.shape。", key="jacobian.jacrev",
          functions=("jacrev",)),
)


# ---------------------------------------------------------------- 2.1.1-dot-sum

def _dot_sum_run(lib, op, a, b, g, dim, keepdim):
    x, y = _leaf(lib, a), _leaf(lib, b)
    if op == "dot":
        out = lib.dot(x, y)
    elif dim is None:
        out = x.sum()
    else:
        out = x.sum(dim=dim, keepdim=bool(keepdim))
    lib.autograd.backward([out], [lib.tensor(g)])
    result = {"输出": out, "a.grad": _grad(x)}
    if op == "dot":
        result["b.grad"] = _grad(y)
    return result


def _dot_graph_run(lib, op, a, b, g, dim, keepdim):
    """create_graph=True: ā = ḡ·b must depend on b (a graph), so differentiating it again gives ḡ."""
    x, y = _leaf(lib, a), _leaf(lib, b)
    _backward_creating_graph(lib, lib.dot(x, y), lib.tensor(g))
    first = x.grad
    x.grad = y.grad = None
    carries = bool(first.requires_grad)
    if carries:
        lib.autograd.backward([first], [lib.ones_like(first)])
    return {"a.grad": first, "a.grad 带有计算图": carries, "二阶：d/db": _grad(y)}


def _sum_graph_run(lib, op, a, b, g, dim, keepdim):
    """out = sum(x·x) (or along dim) with the upstream gradient v a leaf, create_graph=True: x.grad = 2x·v
    (v expanded back) must depend on v and x, so differentiating it again reaches both."""
    x, v = _leaf(lib, a), _leaf(lib, g)
    squares = x * x
    out = squares.sum() if dim is None else squares.sum(dim=dim, keepdim=bool(keepdim))
    _backward_creating_graph(lib, out, v)
    first = x.grad
    x.grad = None
    carries = bool(first.requires_grad)
    if carries:
        lib.autograd.backward([first], [lib.ones_like(first) * 0.5])
    return {"a.grad": first, "a.grad 带有计算图": carries, "二阶：d/da": _grad(x), "二阶：d/dv": _grad(v)}


def dot_sum_case(label, op, shape, dim=None, keepdim=False, dtype=F32, seed=90) -> Case:
    rng = np.random.default_rng(seed)
    a = _rand(rng, shape, dtype)
    if op == "dot" or dim is None:
        out_shape = ()
    else:
        out_shape = np.sum(a, axis=dim, keepdims=keepdim).shape
    return Case(label, {"op": op, "a": a, "b": _rand(rng, shape, dtype), "g": _rand(rng, out_shape, dtype),
                        "dim": dim, "keepdim": keepdim})


DOT_SUM = (
    Check("点积规则", _dot_sum_run,
          lambda: [dot_sum_case("长度 4", "dot", (4,)),
                   dot_sum_case("长度 3，float64", "dot", (3,), dtype=F64, seed=93)],
          hint="dot(a, b) 的伴随规则：ā = ḡ·b，b̄ = ḡ·a（两边都要乘上 ḡ；a 的梯度乘的是 b）。", key="dot-sum.dot",
          functions=("Dot.backward",)),
    Check("点积规则 · create_graph", _dot_graph_run,
          lambda: [dot_sum_case("长度 3，float64", "dot", (3,), dtype=F64, seed=94)],
          hint="规则要用 minigrad 的张量运算写出（grad * b，不要用 b.data 或 numpy）：create_graph=True 时梯度才带有计算图。", key="dot-sum.dot-create-graph",
          functions=("Dot.backward",)),
    Check("求和规则 · sum()", _dot_sum_run,
          lambda: [dot_sum_case("形状 (4,)", "sum", (4,), seed=96),
                   dot_sum_case("形状 (2, 3)", "sum", (2, 3), seed=99)],
          hint="sum() 的梯度：用 grad.expand(输入的形状) 把标量 ḡ 复制回输入的形状。", key="dot-sum.sum",
          functions=("Sum.backward",)),
    Check("求和规则 · sum(dim)", _dot_sum_run,
          lambda: [dot_sum_case("dim=0，形状 (2, 3)", "sum", (2, 3), dim=0, seed=102),
                   dot_sum_case("dim=1, keepdim=True，形状 (2, 3)", "sum", (2, 3), dim=1, keepdim=True, seed=105),
                   dot_sum_case("dim=-1，形状 (2, 3, 4)，float64", "sum", (2, 3, 4), dim=-1, dtype=F64, seed=108)],
          hint="按 dim 求和的梯度：keepdim=False 时 ḡ 少了被求和的维度，先把 ḡ reshape 成那些维度长度为 1 的形状"
               "（keepdim=True 时 ḡ 已经是这个形状），再 expand 回输入的形状。", key="dot-sum.sum-dim",
          functions=("SumDim.backward",)),
    Check("求和规则 · create_graph", _sum_graph_run,
          lambda: [dot_sum_case("sum()，形状 (3,)", "sum", (3,), dtype=F64, seed=110),
                   dot_sum_case("sum(dim=0)，形状 (2, 3)", "sum", (2, 3), dim=0, dtype=F64, seed=111),
                   dot_sum_case("sum(dim=1, keepdim=True)，形状 (2, 3)", "sum", (2, 3), dim=1,
                                keepdim=True, dtype=F64, seed=112)],
          hint="求和的规则也要用 minigrad 的张量运算写出（grad.reshape(...).expand(...)，不要用 numpy 或 ._data，"
               "也不要靠与全 1 张量相乘来广播：那要用到后面练习的 unbroadcast）：create_graph=True 时梯度才带有计算图，二阶导数才对。", key="dot-sum.sum-create-graph",
          functions=("Sum.backward", "SumDim.backward")),
)


# ---------------------------------------------------------------- 2.1.2-backward-gradient

def _backward_gradient_run(lib, x, g):
    x = _leaf(lib, x)
    y = x * x
    y.backward(gradient=lib.tensor(g))
    return {"x.grad": x.grad}


def _nonscalar_error_run(lib, x, g):
    x = _leaf(lib, x)
    no_gradient = _raises(lambda: (x * x).backward())
    wrong_shape = _raises(lambda: (x * x).backward(gradient=lib.tensor(g)))
    return {"不传 gradient 时报错": no_gradient[0], "错误类型是 RuntimeError": no_gradient[2] == "RuntimeError",
            "错误信息含 scalar outputs": "scalar outputs" in no_gradient[1],
            "gradient 形状不对时报 RuntimeError（Mismatch in shape）":
                wrong_shape[2] == "RuntimeError" and "Mismatch in shape" in wrong_shape[1],
            "x.grad 为 None": x.grad is None}


def _gradient_kinds_run(lib, x, g):
    """gradient 给成 numpy 数组和列表（minigrad 的约定）。"""
    a, b = _leaf(lib, x), _leaf(lib, x)
    (a * a).backward(gradient=np.asarray(g))
    (b * b).backward(gradient=np.asarray(g).tolist())
    return {"numpy 数组：x.grad": a.grad, "列表：x.grad": b.grad}


def _gradient_kinds_ref(torch, x, g):
    """torch 只收张量：参考一侧给同样数值的张量。"""
    a, b = _leaf(torch, x), _leaf(torch, x)
    (a * a).backward(gradient=torch.tensor(g))
    (b * b).backward(gradient=torch.tensor(g))
    return {"numpy 数组：x.grad": a.grad, "列表：x.grad": b.grad}


def _backward_options_run(lib, x, g):
    """gradient together with retain_graph, create_graph and inputs: each is passed on as torch does."""
    x, w = _leaf(lib, x), _leaf(lib, x * 0 + 2)
    y = x * x * w
    y.backward(gradient=lib.tensor(g), retain_graph=True, inputs=[x])
    only_x = w.grad is None
    with warnings.catch_warnings():          # torch warns that .grad and its graph form a cycle
        warnings.simplefilter("ignore")
        y.backward(gradient=lib.tensor(g), create_graph=True)
    return {"inputs=[x]：只有 x.grad": only_x, "两次之后的 x.grad": x.grad, "w.grad": w.grad,
            "create_graph=True：x.grad 带有计算图": bool(x.grad.requires_grad)}


BACKWARD_GRADIENT = (
    Check("backward(gradient) 是向量-雅可比积", _backward_gradient_run,
          lambda: [Case("y = x·x，x 形状 (4,)，gradient 随机", {"x": _rand(120, (4,)), "g": _rand(121, (4,))}),
                   Case("y = x·x，x 形状 (2, 3)", {"x": _rand(122, (2, 3)), "g": _rand(123, (2, 3))}),
                   Case("gradient = 全 1（等价于 y.sum().backward()）", {"x": _arr([0, 1, 2, 3]), "g": _arr([1, 1, 1, 1])})],
          hint="把传入的 gradient 当作输出的“上游梯度” v 交给反向传播（不能忽略它，也不能换成全 1），得到 vᵀJ。", key="backward-gradient.vjp"),
    Check("标量输出的 backward(gradient)", _backward_gradient_run,
          lambda: [Case("标量 y，gradient = 2", {"x": _arr(1.5), "g": _arr(2.0)})],
          hint="标量输出也可以显式传入 gradient：它会乘到所有梯度上。", key="backward-gradient.scalar"),
    Check("gradient 可以是 numpy 数组或列表", _gradient_kinds_run,
          lambda: [Case("y = x·x，x 形状 (3,)，gradient 是数组或列表", {"x": _rand(126, (3,)), "g": _rand(127, (3,))})],
          ref=_gradient_kinds_ref,
          hint="gradient 不是 Tensor 时，用 Tensor(np.asarray(gradient, dtype=self._data.dtype)) 转换成与输出 dtype "
               "相同的张量。", key="backward-gradient.gradient-kinds"),
    Check("非标量输出必须给 gradient", _nonscalar_error_run,
          lambda: [Case("非标量 y 不传 gradient；gradient 形状不对", {"x": _rand(124, (3,)), "g": _rand(125, (4,))}),
                   Case("gradient 的形状 (2,) 比 y 的 (3,) 小", {"x": _rand(128, (3,)), "g": _rand(129, (2,))})],
          hint='非标量输出没有 gradient 时要抛出 RuntimeError("grad can be implicitly created only for scalar outputs")，'
               "不能悄悄用全 1 代替；形状不一致也要报错。", key="backward-gradient.nonscalar-error"),
    Check("backward 的其它参数", _backward_options_run,
          lambda: [Case("gradient 与 retain_graph、inputs、create_graph 一起用", {"x": _rand(126, (3,)), "g": _rand(127, (3,))})],
          hint="retain_graph、create_graph 和 inputs 要原样交给 autograd.backward，不能丢掉。",
          key="backward-gradient.other-arguments"),
)


# ---------------------------------------------------------------- 2.1.2-unbroadcast

def _broadcast_run(lib, op, a, b, g):
    x, y = _leaf(lib, a), _leaf(lib, b)
    out = _apply(lib, op, x, y)
    lib.autograd.backward([out], [lib.tensor(g)])
    return {"输出": out, "a.grad": _grad(x), "b.grad": _grad(y)}


def broadcast_case(op, sa, sb, seed, dtype=F32) -> Case:
    rng = np.random.default_rng(seed)
    out_shape = np.broadcast_shapes(sa, sb)
    return Case(f"{op}：{sa} 与 {sb} 广播成 {out_shape}，{_dtype_name(dtype)}",
                {"op": op, "a": _rand(rng, sa, dtype), "b": _rand(rng, sb, dtype), "g": _rand(rng, out_shape, dtype)})


UNBROADCAST = (
    Check("广播 · 补出的前导维度", _broadcast_run,
          lambda: [broadcast_case("mul", (2, 3), (3,), 130), broadcast_case("sub", (), (2, 3), 131),
                   broadcast_case("add", (4,), (2, 3, 4), 132, F64)],
          hint="广播在前面补出的维度：grad 比输入多出的前导维度要整维求和去掉（sum(dim=前几个维度)）。", key="unbroadcast.leading-dims"),
    Check("广播 · 长度为 1 的维度", _broadcast_run,
          lambda: [broadcast_case("mul", (4, 1), (1, 4), 133), broadcast_case("add", (3, 1), (3, 4), 134, F64),
                   broadcast_case("add", (2, 1, 3), (4, 1), 135), broadcast_case("mul", (1,), (5,), 136),
                   broadcast_case("sub", (1, 3), (2, 3), 137),
                   broadcast_case("mul", (0, 1), (1, 4), 138)],          # a length-0 dim: only `!= 1` is right
          hint="输入中原来长度为 1、被广播拉长的维度：对这些维度求和并保留（sum(dim=..., keepdim=True)），得到输入的形状。", key="unbroadcast.size-one-dims"),
)


# ---------------------------------------------------------------- 2.1.3-detach

def _detach_run(lib, x, g):
    x = _leaf(lib, x)
    y = x * x
    u = y.detach()
    z = u * x
    lib.autograd.backward([z], [lib.tensor(g)])
    return {"x.grad": x.grad, "u": u, "u.requires_grad": u.requires_grad, "u.grad_fn 为 None": u.grad_fn is None,
            "y.requires_grad": y.requires_grad}


def _detach_storage_run(lib, x, g):
    x = _leaf(lib, x)
    y = x * x
    u = y.detach()
    u.zero_()                               # detach shares storage: y sees the change
    return {"u.zero_() 之后的 y": y, "u": u}


def _detach_version_run(lib, x, g):
    """detach shares the version counter too: an in-place change through the detached tensor makes the
    backward of a node that saved the original raise PyTorch's 'modified by an inplace operation'."""
    x = _leaf(lib, x)
    y = x * x
    z = y * y                               # Mul saves y for its backward
    y.detach().mul_(2)
    raised, message, _ = _raises(lambda: lib.autograd.backward([z], [lib.tensor(g)]))
    return {"backward 报错": raised, "错误信息含 modified by an inplace operation": "modified by an inplace operation" in message}


def _no_grad_run(lib, x):
    x = _leaf(lib, x)
    with lib.no_grad():
        w = x * 2
        inner = lib.is_grad_enabled()
    after = lib.is_grad_enabled()
    try:
        with lib.no_grad():
            raise ValueError("inside no_grad")
    except ValueError:
        pass
    restored = lib.is_grad_enabled()
    v = x * 2
    return {"w": w, "w.requires_grad": w.requires_grad, "with 块内的梯度模式": inner, "退出之后的梯度模式": after,
            "因异常退出之后的梯度模式": restored, "v.requires_grad": v.requires_grad}


def _nested_run(lib, pattern, x):
    """Nested grad-mode switches ('n' = no_grad, 'e' = enable_grad): the mode at every step."""
    x = _leaf(lib, x)
    seen = []

    def enter(level):
        if level == len(pattern):
            return
        with (lib.no_grad() if pattern[level] == "n" else lib.enable_grad()):
            seen.append(lib.is_grad_enabled())
            enter(level + 1)
            seen.append(lib.is_grad_enabled())
            seen.append((x * 2).requires_grad)
    enter(0)
    seen.append(lib.is_grad_enabled())
    return {"每一步的梯度模式": np.array(seen)}


def nested_case(pattern) -> Case:
    names = {"n": "no_grad", "e": "enable_grad"}
    return Case(" 里面 ".join(names[c] for c in pattern), {"pattern": pattern, "x": _rand(163, (2,))})


DETACH = (
    Check("detach", _detach_run,
          lambda: [Case("u = (x·x).detach(); z = u·x", {"x": _arr([0, 1, 2, 3]), "g": _arr([1, 1, 1, 1])}),
                   Case("同上，x 形状 (2, 3)，gradient 随机", {"x": _rand(160, (2, 3)), "g": _rand(161, (2, 3))})],
          hint="detach 返回一个值相同、不需要梯度（requires_grad=False）、没有 grad_fn 的新张量：梯度不会流过它。", key="detach.detach"),
    Check("detach · 共享存储", _detach_storage_run,
          lambda: [Case("u = (x·x).detach(); u.zero_() 之后的 y", {"x": _rand(164, (3,)), "g": _rand(165, (3,))})],
          hint="detach 的结果与原张量共享同一块数据（不要复制：Tensor(self.data)），改动一个另一个也会变。", key="detach.shared-storage"),
    Check("detach · 共享版本计数", _detach_version_run,
          lambda: [Case("z = y·y 保存了 y；y.detach().mul_(2) 之后 backward", {"x": _rand(166, (3,)), "g": _rand(167, (3,))})],
          hint="detach 的结果要与原张量共享存储和版本计数（Tensor(self.data)，不是 Tensor(self._data)）："
               "通过它原地修改之后，用到原张量的 backward 才会像 PyTorch 一样报错 modified by an inplace operation。",
          key="detach.shared-version"),
    Check("no_grad", _no_grad_run, lambda: [Case("with no_grad(): w = x·2", {"x": _rand(162, (3,))})],
          hint="进入 no_grad 时先记下原来的梯度模式，再关掉它；退出时（包括出现异常时）恢复原来的模式。", key="detach.no-grad"),
    Check("no_grad · 嵌套", _nested_run, lambda: [nested_case(p) for p in ("nn", "en", "ne", "nen")],
          hint="退出 no_grad 时恢复进入前的模式，而不是一律设为 True：嵌套的 no_grad 退出内层后仍然是关闭的。", key="detach.no-grad-nested"),
)


# ---------------------------------------------------------------- 2.1.4-norm

def _norm_run(lib, x, g, dim, keepdim):
    x = _leaf(lib, x)
    n = x.norm() if dim is None else x.norm(dim=int(dim), keepdim=bool(keepdim))
    lib.autograd.backward([n], [lib.tensor(g)])
    return {"norm": n, "x.grad": _grad(x)}


def norm_case(label, shape, dim=None, keepdim=False, dtype=F32, seed=170) -> Case:
    rng = np.random.default_rng(seed)
    x = _rand(rng, shape, dtype)
    out_shape = () if dim is None else np.sum(x, axis=dim, keepdims=keepdim).shape
    return Case(label, {"x": x, "g": _rand(rng, out_shape, dtype), "dim": dim, "keepdim": keepdim})


def _control_flow(lib, a):
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c


def _control_flow_run(lib, a, g):
    a = _leaf(lib, a)
    d = _control_flow(lib, a)
    lib.autograd.backward([d], [lib.tensor(g)])
    return {"d": d, "a.grad": a.grad}


NORM = (
    Check("范数", _norm_run,
          lambda: [norm_case("‖x‖，x 形状 (4,)", (4,)), norm_case("‖x‖，x 形状 (2, 3)，float64", (2, 3), dtype=F64, seed=171)],
          hint="‖x‖ = sqrt(sum(x·x))（别忘了开方）：用 minigrad 已有的运算组合出来，梯度就自动有了（x / ‖x‖）。", key="norm.all"),
    Check("范数 · dim 与 keepdim", _norm_run,
          lambda: [norm_case("按行 ‖x‖（dim=1），x 形状 (3, 4)", (3, 4), dim=1, seed=172),
                   norm_case("dim=0, keepdim=True，x 形状 (2, 3)", (2, 3), dim=0, keepdim=True, seed=173),
                   norm_case("dim=-1，x 形状 (2, 2, 3)，float64", (2, 2, 3), dim=-1, dtype=F64, seed=174)],
          hint="按 dim 求范数：sum(dim=dim, keepdim=keepdim) 之后再开方，dim 和 keepdim 都要传下去。", key="norm.dim"),
    Check("控制流 f(a)", _control_flow_run,
          lambda: [Case("标量 a = 0.37", {"a": _arr(0.37), "g": _arr(1.0)}),
                   Case("标量 a = −1.2（走 else 分支）", {"a": _arr(-1.2), "g": _arr(1.0)}),
                   Case("向量 a，形状 (3,)", {"a": _rand(174, (3,)), "g": _rand(175, (3,))}),
                   Case("矩阵 a，形状 (2, 2)", {"a": _rand(176, (2, 2)), "g": _rand(177, (2, 2))})],
          hint="while 与 if 需要 b.norm() < 1000 和 b.sum() > 0 的结果能当作 Python 的布尔值使用。", key="norm.control-flow"),
)


# ---------------------------------------------------------------- 2.1-ex-higher-order

SECOND_ORDER = {"x² sin x": lambda lib, x: lib.sin(x) * x * x,
                "ln(x)·x": lambda lib, x: lib.log(x) * x,
                "sin(sin x)·x": lambda lib, x: lib.sin(lib.sin(x)) * x}


def _higher_order_run(lib, fn, x):
    x = _leaf(lib, x)
    y = SECOND_ORDER[fn](lib, x)
    ones = lib.ones_like(y)
    (first,) = lib.autograd.grad([y], [x], grad_outputs=[ones], create_graph=True)
    has_graph = bool(first.requires_grad)
    second = lib.autograd.grad([first], [x], grad_outputs=[ones])[0] if has_graph else np.array(np.nan)
    return {"dy/dx": first, "dy/dx 带有计算图": has_graph, "d²y/dx²": second}


def _grad_two_inputs_run(lib, a, b, order):
    x, y = _leaf(lib, a), _leaf(lib, b)
    out = x * y - lib.log(x)
    inputs = [x, y] if order == "ab" else [y, x]
    first, second = lib.autograd.grad([out], inputs, grad_outputs=[lib.ones_like(out)])
    return {"第一个输入的梯度": first, "第二个输入的梯度": second,
            "a.grad 为 None": x.grad is None, "b.grad 为 None": y.grad is None}


def _no_graph_run(lib, fn, x):
    """create_graph=False (the default): the gradients carry no graph, as PyTorch's."""
    x = _leaf(lib, x)
    y = SECOND_ORDER[fn](lib, x)
    (first,) = lib.autograd.grad([y], [x], grad_outputs=[lib.ones_like(y)])
    return {"dy/dx": first, "create_graph=False：梯度不带计算图": not first.requires_grad}


def _grad_options_run(lib, a, g):
    """grad_outputs weighs the outputs; retain_graph keeps the graph for a second call (and its absence frees
    it); allow_unused and materialize_grads decide what an unused input gets."""
    x, unused = _leaf(lib, a), _leaf(lib, a)
    y = lib.sin(x) * x
    weights = lib.tensor(g)
    (first,) = lib.autograd.grad([y], [x], grad_outputs=[weights], retain_graph=True)
    (second,) = lib.autograd.grad([y], [x], grad_outputs=[weights])
    freed, _, _ = _raises(lambda: lib.autograd.grad([y], [x], grad_outputs=[weights]))
    z = (x * x).sum()
    none = lib.autograd.grad([z], [x, unused], retain_graph=True, allow_unused=True)[1]
    zeros = lib.autograd.grad([z], [x, unused], allow_unused=True, materialize_grads=True)[1]
    return {"grad_outputs 加权的梯度": first, "retain_graph=True 之后再求一次": second, "图释放之后再求报错": freed,
            "allow_unused：未用到的输入得到 None": none is None, "materialize_grads：得到 0": zeros}


def higher_order_case(label, fn, shape, dtype=F32, seed=180) -> Case:
    return Case(label, {"fn": fn, "x": _rand(seed, shape, dtype, positive=fn.startswith("ln"))})


HIGHER_ORDER = (
    Check("create_graph 求二阶导数", _higher_order_run,
          lambda: [higher_order_case("y = x² sin x，x 形状 (5,)", "x² sin x", (5,)),
                   higher_order_case("y = x² sin x，float64，形状 (2, 2)", "x² sin x", (2, 2), F64, 181)],
          hint="create_graph=True 时，反向规则运行期间要保持梯度模式开启，这样得到的梯度本身也有计算图；"
               "梯度由 grad 自己收集并返回，不能借 backward 写进 .grad 再读出来（第二次求导时，第一次的梯度也会加进去）。",
          key="higher-order.second-derivative"),
    Check("autograd.grad 不改动 .grad", _grad_two_inputs_run,
          lambda: [Case("out = a·b − ln a，对 [a, b] 求梯度", {"a": _rand(182, (3,), positive=True), "b": _rand(183, (3,)),
                                                        "order": "ab"}),
                   Case("同上，对 [b, a] 求梯度（顺序颠倒）", {"a": _rand(184, (3,), positive=True), "b": _rand(185, (3,)),
                                                      "order": "ba"})],
          hint="autograd.grad 按 inputs 的顺序返回梯度，而不是把它们累加到 .grad 中。", key="higher-order.grad-keeps-grad"),
    Check("create_graph=False", _no_graph_run,
          lambda: [higher_order_case("y = ln(x)·x", "ln(x)·x", (3,), F64, 188)],
          hint="create_graph=False 时，反向规则在关闭梯度模式下运行（set_grad_enabled(create_graph)），"
               "得到的梯度不带计算图。", key="higher-order.no-graph"),
    Check("autograd.grad 的参数", _grad_options_run,
          lambda: [Case("grad_outputs、retain_graph、allow_unused、materialize_grads", {"a": _rand(186, (3,)),
                                                                                       "g": _rand(187, (3,))})],
          hint="把 grad_outputs 作为上游梯度、retain_graph 原样交给 backprop（retain_graph=False 时图会被释放）。",
          key="higher-order.arguments"),
)
