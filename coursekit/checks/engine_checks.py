"""Checks of the engine exercises (minigrad/*.py). Every probe is written once against the torch API
and runs with `lib` = the student's minigrad and with `lib` = torch."""
from __future__ import annotations

import numpy as np

from .base import Case, Check

F32, F64 = np.float32, np.float64


def _arr(values, dtype=F32) -> np.ndarray:
    return np.asarray(values, dtype=dtype)


def _rand(seed: int, shape, dtype=F32, positive=False) -> np.ndarray:
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.5, 2.0, size=shape) if positive else rng.uniform(-2.0, 2.0, size=shape)
    return values.astype(dtype)


def _leaf(lib, values):
    return lib.tensor(values, requires_grad=True)


def _grad(tensor):
    return tensor.grad if tensor.grad is not None else np.array(np.nan)


def _raises(action) -> tuple[bool, str]:
    try:
        action()
    except Exception as error:               # the probe reports the error instead of raising it
        if isinstance(error, NotImplementedError):
            raise
        return True, f"{type(error).__name__}: {error}"
    return False, ""


# ---------------------------------------------------------------- 2.1-numdiff: central differences

NUMPY_FUNCTIONS = {   # f: numpy float64 array -> float, and the same function in torch for the reference
    "sum_sq": (lambda x: float(np.sum(x ** 2)), lambda t, x: (x ** 2).sum()),
    "sin_exp": (lambda x: float(np.sum(np.sin(x) * np.exp(x))), lambda t, x: (t.sin(x) * t.exp(x)).sum()),
    "logistic_l4": (lambda x: float(np.sum(_l4(x))), lambda t, x: _l4(x).sum()),
    "prod": (lambda x: float(np.prod(x)), lambda t, x: x.prod()),
}


def _l4(x):
    """The logistic map l(n+1) = 4 l(n) (1 - l(n)) from l1 = x, three steps."""
    for _ in range(3):
        x = 4 * x * (1 - x)
    return x


def _numdiff_run(lib, fn, x, h):
    f = NUMPY_FUNCTIONS[fn][0]
    return {"gradient": np.asarray(lib.numdiff.central_difference(f, x.copy(), h), dtype=F64)}


def _numdiff_ref(torch, fn, x, h):
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    NUMPY_FUNCTIONS[fn][1](torch, t).backward()
    return {"gradient": t.grad}


def _numdiff_cases():
    return [Case("logistic map l4 at x=0.3", {"fn": "logistic_l4", "x": _arr([0.3], F64), "h": 1e-6}),
            Case("sum(x²), x of shape (4,)", {"fn": "sum_sq", "x": _rand(1, (4,), F64), "h": 1e-6}),
            Case("sum(sin x · exp x), shape (2, 3)", {"fn": "sin_exp", "x": _rand(2, (2, 3), F64), "h": 1e-5}),
            Case("prod(x), shape (3,)", {"fn": "prod", "x": _rand(3, (3,), F64), "h": 1e-6})]


NUMDIFF = (Check("central difference", _numdiff_run, _numdiff_cases, ref=_numdiff_ref,
                 tolerance=(1e-5, 1e-6),
                 hint="中心差分 (f(x+h·e_i) − f(x−h·e_i)) / (2h)，对 x 的每个分量各做一次；注意不要改动传入的 x。"),)


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


# ---------------------------------------------------------------- 2.1-backward: the traversal

def _diamond_run(lib, x, g):
    Square, Times, Plus, _, _ = custom_functions(lib)
    x = _leaf(lib, x)
    b = Square.apply(x)               # b is used twice below: its gradient must be summed first
    d = Times.apply(b, x)
    y = Plus.apply(d, b)
    lib.autograd.backward([y], [lib.tensor(g)])
    return {"y": y, "x.grad": x.grad}


def _ladder_run(lib, x, depth):
    """x_{k+1} = x_k * x_k through Times: 2^depth paths, `depth` nodes; each node runs once."""
    _, Times, _, _, _ = custom_functions(lib)
    Counted, calls = _count_backward_calls(lib, Times)
    x = _leaf(lib, x)
    y = x
    for _ in range(depth):
        y = Counted.apply(y, y)
    lib.autograd.backward([y], [lib.ones_like(y)])
    return {"x.grad": x.grad, "backward calls": len(calls)}


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
    return {"first": first, "accumulated": x.grad, "c.grad is None": c.grad is None}


def _free_graph_run(lib, x, g):
    Square, Times, _, _, _ = custom_functions(lib)
    x = _leaf(lib, x)
    y = Times.apply(Square.apply(x), x)
    lib.autograd.backward([y], [lib.tensor(g)], retain_graph=True)
    lib.autograd.backward([y], [lib.tensor(g)])                    # allowed: the graph was retained
    raised, message = _raises(lambda: lib.autograd.backward([y], [lib.tensor(g)]))
    return {"x.grad": x.grad, "third backward raises": raised,
            "error names retain_graph": "retain_graph" in message}


def _backward_cases():
    return {
        "diamond": [Case("菱形图 y = x²·x + x²，x 形状 (3,)", {"x": _rand(10, (3,)), "g": _rand(11, (3,))}),
                    Case("菱形图，float64，形状 (2, 2)", {"x": _rand(12, (2, 2), F64), "g": _rand(13, (2, 2), F64)})],
        "ladder": [Case("x 自乘 12 次（4096 条路径，12 个节点）", {"x": _arr([1.001]), "depth": 12})],
        "chain": [Case("5000 个节点的链（递归实现会超出递归深度）", {"x": _rand(14, (4,)), "depth": 5000})],
        "accumulate": [Case("两次 backward 的梯度累加", {"x": _rand(15, (3,)), "g": _rand(16, (3,))})],
        "free": [Case("retain_graph 与图的释放", {"x": _rand(17, (3,)), "g": _rand(18, (3,))})],
    }


BACKWARD = (
    Check("shared node (diamond)", _diamond_run, lambda: _backward_cases()["diamond"],
          hint="按拓扑逆序遍历：一个节点的所有梯度都累加完之后，才调用它的 backward。"),
    Check("each node runs once", _ladder_run, lambda: _backward_cases()["ladder"],
          hint="每个节点只访问一次：先求拓扑序，再逆序走一遍，而不是沿每条路径递归。"),
    Check("deep chain", _chain_run, lambda: _backward_cases()["chain"],
          hint="用显式的栈做拓扑排序，不要用递归。"),
    Check("leaf gradients accumulate", _accumulate_run, lambda: _backward_cases()["accumulate"],
          hint="叶子的 .grad 要累加（+=），不能覆盖；不需要梯度的张量 .grad 保持 None。"),
    Check("graph freed unless retain_graph", _free_graph_run, lambda: _backward_cases()["free"],
          hint="retain_graph=False 时，反向传播后要释放保存的中间值；再次 backward 应报错并提到 retain_graph。"),
)


# ---------------------------------------------------------------- 2.1-gradcheck

def _gradcheck_run(lib, x, wrong):
    Square, _, _, _, WrongSquare = custom_functions(lib)
    fn = WrongSquare.apply if wrong else Square.apply
    gradcheck = lib.autograd.gradcheck
    ok = gradcheck(fn, (lib.tensor(x, requires_grad=True),), eps=1e-6, atol=1e-5, rtol=1e-3,
                   raise_exception=False)
    return {"gradcheck": bool(ok)}


def _gradcheck_cases():
    return [Case("正确的 backward：d(x²)/dx = 2x", {"x": _rand(20, (3,), F64), "wrong": False}),
            Case("错误的 backward：返回 3x", {"x": _rand(21, (3,), F64), "wrong": True}),
            Case("正确的 backward，形状 (2, 2)", {"x": _rand(22, (2, 2), F64), "wrong": False})]


GRADCHECK = (Check("gradcheck", _gradcheck_run, _gradcheck_cases,
                   hint="逐个元素比较解析雅可比与数值雅可比：|a − n| ≤ atol + rtol·|n|；不一致就返回 False（或抛出错误）。"),)


# ---------------------------------------------------------------- 2.1-jvp and 2.1-vjp: elementwise rules

def _apply(lib, op, a, b):
    return {"add": lambda: a + b, "sub": lambda: a - b, "mul": lambda: a * b,
            "log": lambda: lib.log(a), "sin": lambda: lib.sin(a),
            "graph": lambda: lib.log(a) + a * b - lib.sin(b)}[op]()


def _jvp_run(lib, op, a, b, ta, tb):
    primals = (lib.tensor(a), lib.tensor(b))
    tangents = (lib.tensor(ta), lib.tensor(tb))
    out, tangent = lib.func.jvp(lambda x, y: _apply(lib, op, x, y), primals, tangents)
    return {"output": out, "tangent": tangent}


def _vjp_run(lib, op, a, b, g):
    x, y = _leaf(lib, a), _leaf(lib, b)
    out = _apply(lib, op, x, y)
    lib.autograd.backward([out], [lib.tensor(g)])
    grads = {"a.grad": _grad(x)}
    if op not in ("log", "sin"):
        grads["b.grad"] = _grad(y)
    return {"output": out, **grads}


def _elementwise_cases(with_tangents: bool):
    cases = []
    shapes = {"add": (3,), "sub": (2, 3), "mul": (4,), "log": (3,), "sin": (2, 2), "graph": ()}
    for i, (op, shape) in enumerate(shapes.items()):
        for dtype in (F32, F64):
            args = {"op": op, "a": _rand(30 + i, shape, dtype, positive=True),
                    "b": _rand(40 + i, shape, dtype, positive=op == "graph")}
            if op == "graph" and dtype == F64:      # the survey's point (x1, x2) = (2, 5)
                args["a"], args["b"] = _arr(2.0, F64), _arr(5.0, F64)
            if with_tangents:
                args["ta"], args["tb"] = _rand(50 + i, shape, dtype), _rand(60 + i, shape, dtype)
            else:
                args["g"] = _rand(70 + i, shape, dtype)
            name = "y = ln a + a·b − sin b" if op == "graph" else op
            cases.append(Case(f"{name}，形状 {shape} {np.dtype(dtype).name}", args))
    return cases


JVP = (Check("tangent rules", _jvp_run, lambda: _elementwise_cases(True),
             hint="切线规则：d(a+b) = da + db，d(a·b) = da·b + a·db，d(ln a) = da / a，d(sin a) = cos a · da。"),)
VJP = (Check("adjoint rules", _vjp_run, lambda: _elementwise_cases(False),
             hint="伴随规则：加法把 ḡ 原样传给两边，减法给 b 的是 −ḡ，乘法 ā = ḡ·b，ln 的 ā = ḡ / a，sin 的 ā = ḡ·cos a。"),)


# ---------------------------------------------------------------- 2.1-jacobian

def _jacobian_function(lib, kind, w):
    W = lib.tensor(w)
    if kind == "elementwise":
        return lambda v: lib.sin(v) * v
    return lambda v: lib.sin(lib.matmul(W, v))


def _jacobian_run(lib, kind, x, w):
    f = _jacobian_function(lib, kind, w)
    return {"jacfwd": lib.func.jacfwd(f)(lib.tensor(x)), "jacrev": lib.func.jacrev(f)(lib.tensor(x))}


def _jacobian_ref(torch, kind, x, w):
    """The same matrix twice, from torch.autograd.functional: torch.func.jacrev imports torch._dynamo
    the first time it runs (3 s, 15 s on a loaded machine), which made this check slow."""
    jacobian = torch.autograd.functional.jacobian(_jacobian_function(torch, kind, w), torch.tensor(x))
    return {"jacfwd": jacobian, "jacrev": jacobian}


def _jacobian_cases():
    return [Case("f(x) = sin(x)·x，x ∈ R^4", {"kind": "elementwise", "x": _rand(80, (4,)), "w": _rand(81, (1,))}),
            Case("f(x) = sin(Wx)，W 为 2×5（输出少于输入）", {"kind": "matmul", "x": _rand(82, (5,)), "w": _rand(83, (2, 5))}),
            Case("f(x) = sin(Wx)，W 为 6×3，float64", {"kind": "matmul", "x": _rand(84, (3,), F64), "w": _rand(85, (6, 3), F64)})]


JACOBIAN = (Check("jacfwd and jacrev", _jacobian_run, _jacobian_cases, ref=_jacobian_ref,
                  hint="jacfwd：对每个输入方向 e_j 做一次 jvp，得到第 j 列；jacrev：对每个输出方向 e_i 做一次 vjp，得到第 i 行。"),)


# ---------------------------------------------------------------- 2.1.1-dot-sum

def _dot_sum_run(lib, op, a, b, g, dim, keepdim):
    x, y = _leaf(lib, a), _leaf(lib, b)
    if op == "dot":
        out = lib.dot(x, y)
    elif dim is None:
        out = x.sum()
    else:
        out = x.sum(dim=dim, keepdim=keepdim)
    lib.autograd.backward([out], [lib.tensor(g)])
    result = {"output": out, "a.grad": _grad(x)}
    if op == "dot":
        result["b.grad"] = _grad(y)
    return result


def _dot_sum_cases():
    def case(label, op, shape, out_shape, dim=None, keepdim=False, dtype=F32, seed=90):
        return Case(label, {"op": op, "a": _rand(seed, shape, dtype), "b": _rand(seed + 1, shape, dtype),
                            "g": _rand(seed + 2, out_shape, dtype), "dim": dim, "keepdim": keepdim})
    return [case("dot，长度 4", "dot", (4,), ()),
            case("dot，长度 3，float64", "dot", (3,), (), dtype=F64, seed=93),
            case("sum()，形状 (4,)", "sum", (4,), (), seed=96),
            case("sum()，形状 (2, 3)", "sum", (2, 3), (), seed=99),
            case("sum(dim=0)，形状 (2, 3)", "sum", (2, 3), (3,), dim=0, seed=102),
            case("sum(dim=1, keepdim=True)，形状 (2, 3)", "sum", (2, 3), (2, 1), dim=1, keepdim=True, seed=105),
            case("sum(dim=-1)，形状 (2, 3, 4)，float64", "sum", (2, 3, 4), (2, 3), dim=-1, dtype=F64, seed=108)]


DOT_SUM = (Check("dot and sum rules", _dot_sum_run, _dot_sum_cases,
                 hint="dot(a, b) 的 ā = ḡ·b；sum 的梯度把 ḡ 复制回输入的形状（按 dim 求和时，先在被求和的维度上恢复成 1）。"),)


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
    return {"no gradient raises": no_gradient[0],
            "message says scalar outputs": "scalar outputs" in no_gradient[1],
            "gradient of the wrong shape raises": wrong_shape[0],
            "x.grad is None": x.grad is None}


BACKWARD_GRADIENT = (
    Check("backward(gradient) is a vector-Jacobian product", _backward_gradient_run,
          lambda: [Case("y = x·x，x 形状 (4,)，gradient 随机", {"x": _rand(120, (4,)), "g": _rand(121, (4,))}),
                   Case("y = x·x，x 形状 (2, 3)", {"x": _rand(122, (2, 3)), "g": _rand(123, (2, 3))}),
                   Case("gradient = 全 1（等价于 y.sum().backward()）", {"x": _arr([0, 1, 2, 3]), "g": _arr([1, 1, 1, 1])})],
          hint="把 gradient 当作输出的“上游梯度” v，反向传播得到 vᵀJ。"),
    Check("backward(gradient) on a scalar", _backward_gradient_run,
          lambda: [Case("标量 y，gradient = 2", {"x": _arr(1.5), "g": _arr(2.0)})],
          hint="标量输出也可以显式传入 gradient：它会乘到所有梯度上。"),
    Check("non-scalar backward needs gradient", _nonscalar_error_run,
          lambda: [Case("非标量 y 不传 gradient；gradient 形状不对", {"x": _rand(124, (3,)), "g": _rand(125, (4,))})],
          hint='非标量输出没有 gradient 时要抛出 RuntimeError("grad can be implicitly created only for scalar outputs")；形状不一致也要报错。'),
)


# ---------------------------------------------------------------- 2.1.2-unbroadcast

def _broadcast_run(lib, op, a, b, g):
    x, y = _leaf(lib, a), _leaf(lib, b)
    out = _apply(lib, op, x, y)
    lib.autograd.backward([out], [lib.tensor(g)])
    return {"output": out, "a.grad": x.grad, "b.grad": y.grad}


def _broadcast_cases():
    combos = [("add", (3, 1), (4,)), ("mul", (2, 3), (3,)), ("sub", (), (2, 3)), ("mul", (1,), (5,)),
              ("add", (2, 1, 3), (4, 1)), ("mul", (4, 1), (1, 4))]
    cases = []
    for i, (op, sa, sb) in enumerate(combos):
        out_shape = np.broadcast_shapes(sa, sb)
        cases.append(Case(f"{op}：{sa} 与 {sb} 广播成 {out_shape}",
                          {"op": op, "a": _rand(130 + i, sa), "b": _rand(140 + i, sb), "g": _rand(150 + i, out_shape)}))
    return cases


UNBROADCAST = (Check("gradients of broadcast inputs", _broadcast_run, _broadcast_cases,
                     hint="先对多出来的前导维度求和，再对原来长度为 1 的维度求和（keepdim=True），得到输入的形状。"),)


# ---------------------------------------------------------------- 2.1.3-detach

def _detach_run(lib, x, g):
    x = _leaf(lib, x)
    y = x * x
    u = y.detach()
    z = u * x
    lib.autograd.backward([z], [lib.tensor(g)])
    return {"x.grad": x.grad, "u": u, "u.requires_grad": u.requires_grad, "u.grad_fn is None": u.grad_fn is None,
            "y.requires_grad": y.requires_grad}


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
    return {"w": w, "w.requires_grad": w.requires_grad, "enabled inside": inner, "enabled after": after,
            "enabled after an exception": restored, "v.requires_grad": v.requires_grad}


DETACH = (
    Check("detach", _detach_run,
          lambda: [Case("u = (x·x).detach(); z = u·x", {"x": _arr([0, 1, 2, 3]), "g": _arr([1, 1, 1, 1])}),
                   Case("同上，x 形状 (2, 3)，gradient 随机", {"x": _rand(160, (2, 3)), "g": _rand(161, (2, 3))})],
          hint="detach 返回一个值相同、不需要梯度、没有 grad_fn 的新张量：梯度不会流过它。"),
    Check("no_grad", _no_grad_run, lambda: [Case("with no_grad(): w = x·2", {"x": _rand(162, (3,))})],
          hint="进入 no_grad 时记下原来的梯度模式并关掉它；退出时（包括出现异常时）恢复原来的模式。"),
)


# ---------------------------------------------------------------- 2.1.4-norm

def _norm_run(lib, x, g, dim):
    x = _leaf(lib, x)
    n = x.norm() if dim is None else x.norm(dim=dim)
    lib.autograd.backward([n], [lib.tensor(g)])
    return {"norm": n, "x.grad": x.grad}


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
    Check("norm", _norm_run,
          lambda: [Case("‖x‖，x 形状 (4,)", {"x": _rand(170, (4,)), "g": _arr(1.0), "dim": None}),
                   Case("‖x‖，x 形状 (2, 3)，float64", {"x": _rand(171, (2, 3), F64), "g": _arr(0.5, F64), "dim": None}),
                   Case("按行 ‖x‖（dim=1），x 形状 (3, 4)", {"x": _rand(172, (3, 4)), "g": _rand(173, (3,)), "dim": 1})],
          hint="‖x‖ = sqrt(sum(x·x))：用 minigrad 已有的运算组合出来，梯度就自动有了（x / ‖x‖）。"),
    Check("control flow f(a)", _control_flow_run,
          lambda: [Case("标量 a = 0.37", {"a": _arr(0.37), "g": _arr(1.0)}),
                   Case("标量 a = −1.2（走 else 分支）", {"a": _arr(-1.2), "g": _arr(1.0)}),
                   Case("向量 a，形状 (3,)", {"a": _rand(174, (3,)), "g": _rand(175, (3,))}),
                   Case("矩阵 a，形状 (2, 2)", {"a": _rand(176, (2, 2)), "g": _rand(177, (2, 2))})],
          hint="while 与 if 需要 b.norm() < 1000 和 b.sum() > 0 的结果能当作 Python 的布尔值使用。"),
)


# ---------------------------------------------------------------- 2.1-ex-higher-order

def _higher_order_run(lib, x):
    x = _leaf(lib, x)
    y = lib.sin(x) * x * x                              # y = x² sin x
    ones = lib.ones_like(y)
    (first,) = lib.autograd.grad([y], [x], grad_outputs=[ones], create_graph=True)
    (second,) = lib.autograd.grad([first], [x], grad_outputs=[ones])
    return {"dy/dx": first, "d²y/dx²": second, "x.grad is None": x.grad is None,
            "first has a graph": first.requires_grad}


def _grad_two_inputs_run(lib, a, b):
    x, y = _leaf(lib, a), _leaf(lib, b)
    out = x * y - lib.log(x)
    gx, gy = lib.autograd.grad([out], [x, y], grad_outputs=[lib.ones_like(out)])
    return {"d/da": gx, "d/db": gy, "a.grad is None": x.grad is None, "no graph": not gx.requires_grad}


HIGHER_ORDER = (
    Check("second derivative with create_graph", _higher_order_run,
          lambda: [Case("y = x² sin x，x 形状 (5,)", {"x": _rand(180, (5,))}),
                   Case("y = x² sin x，float64，形状 (2, 2)", {"x": _rand(181, (2, 2), F64)})],
          hint="create_graph=True 时，反向规则运行期间要保持梯度模式开启，这样得到的梯度本身也有计算图。"),
    Check("autograd.grad leaves .grad alone", _grad_two_inputs_run,
          lambda: [Case("out = a·b − ln a，对 a 和 b 求梯度", {"a": _rand(182, (3,), positive=True), "b": _rand(183, (3,))})],
          hint="autograd.grad 返回梯度，而不是把它们累加到 .grad 中。"),
)
