"""计算图的词汇：节点 Node、叶子的节点 AccumulateGrad、vertex、运算 Op、记录运算的 apply、
自定义运算 Function，以及运行一个节点反向规则的 call_backward。

每个需要梯度的运算都记录一个 Node（输出张量的 grad_fn）：要运行哪条规则、输入来自哪些节点、
为反向保存了什么。需要梯度的叶子通过它的 AccumulateGrad 节点进入计算图。节点只指向节点，
不指向它产生的张量，所以一个中间结果只在某个节点把它存进 `saved` 时才一直存在
（反向传播之后由 release 释放，除非 retain_graph=True）。

遍历计算图（拓扑排序、梯度累加）在 autograd.py 中。扩展点（做练习时可以跳过）：EXT 是 torch_compat
填写的表；TRACE 是追踪钩子：不是 None 时，call_backward 每运行一个节点就调用 TRACE(node, grad,
returned, grads)（节点、到达它的梯度、规则原样返回的结果、交给各输入的梯度）；规则返回的梯度
个数或形状不对时，call_backward 抛出 RuleGradientError。
"""
from __future__ import annotations

import itertools
import weakref

import numpy as np

from .broadcast import unbroadcast
from .grad_mode import STATE, forward_ad_disabled, set_grad_enabled
from .tensor import Tensor

next_seq = itertools.count().__next__          # 计算图的时钟：节点按创建的先后编号

FREED = ("Trying to backward through the graph a second time (or directly access saved tensors after they "
         "have already been freed). Saved intermediate values of the graph are freed when you call "
         ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
         "graph a second time or if you need to access saved tensors after calling backward.")


class Extensions:
    """torch_compat 在导入时填写的扩展点（值为 None 时什么也不多做；各项的含义见
    torch_compat/extensions.py）：dtype 规则、被保存张量的版本号、视图、钩子与 retain_grad、
    叶子梯度的缓冲区。做练习时可以跳过。"""
    __slots__ = ("leaf_vertex", "forward_result", "on_record", "alias", "on_unpack", "output_gradient",
                 "leaf_gradient", "leaf_hooks", "owns_buffer", "begin", "end", "begin_grad", "end_grad")

    def __init__(self):
        for name in self.__slots__:
            setattr(self, name, None)


EXT = Extensions()
TRACE = None                                   # 追踪钩子：TRACE(node, grad, returned, grads)
SIZE_ERROR = ("Trying to set a forward gradient that has a different size than that of the original Tensor, this is not "
              "supported. Tensor is of size {} while the given forward gradient is of size {}.")


class RuleGradientError(RuntimeError):
    """规则返回的结果不能用：反向规则的梯度个数不对或（unbroadcast 之后）形状仍与输入不同，或切线规则的切线
    不是与输出同形状的张量。str(error) 是 torch 的英文报错；node、index（第几个输入，个数不对时为 None）、
    got（规则返回的个数、形状或类型）、expected（输入的个数或形状）、method（"backward" 或 "jvp"）。"""
    def __init__(self, message: str, node, index, got, expected, method: str = "backward"):
        super().__init__(message)
        self.node, self.index, self.got, self.expected, self.method = node, index, got, expected, method


class Node:
    """一个 grad_fn：记录下来的一次运算，计算图的一个顶点；它也是反向规则收到的 ctx。

    inputs    运算的输入来自的节点（输入的 grad_fn，或叶子的 AccumulateGrad；不需要梯度的输入
              ——常数、Python 数——是 None）
    saved     反向规则要用的张量（ctx.saved_tensors）；反向传播后释放为 None
    meta      输出的 (shape, dtype)：到达这里的梯度应有的样子
    seq       创建的先后（画图时按程序运行的顺序排列）
    retained  retain_grad() 之后，指向输出张量的弱引用
    """
    __slots__ = ("inputs", "saved", "meta", "seq", "__dict__", "__weakref__")
    rule = None                                # 这个节点运行哪个 Op 或 Function 的规则
    retained = None
    tensor_hooks = None                        # 输出上注册的钩子（torch_compat）

    def name(self) -> str:
        return type(self).__name__

    def save_for_backward(self, *tensors) -> None:
        """Function.forward 中保存反向要用的张量。"""
        self.saved = tensors
        if EXT.on_record is not None:
            EXT.on_record(self, tensors)

    @property
    def saved_tensors(self) -> tuple:
        """前向时保存的张量；已经释放过就报错（第二次反向传播需要 retain_graph=True）。"""
        saved = self.saved
        if saved is None:
            raise RuntimeError(FREED)
        if EXT.on_unpack is not None:
            EXT.on_unpack(self)
        return saved

    def release(self) -> None:
        """释放前向时保存的中间值（反向传播之后，除非 retain_graph=True）。"""
        if self.saved:
            self.saved = None


class _NoRule:
    @staticmethod
    def backward(ctx, grad):
        return ()


class AccumulateGrad(Node):
    """需要梯度的叶子的节点：到达这里的梯度累加进 `variable.grad`。"""
    __slots__ = ("variable",)
    rule = _NoRule

    def __init__(self, variable: Tensor):
        self.variable, self.inputs, self.saved, self.seq = variable, [], (), next_seq()

    @property
    def meta(self) -> tuple:
        return self.variable._data.shape, self.variable._data.dtype


def vertex(t: Tensor) -> Node:
    """张量的梯度流入的节点：它的 grad_fn；叶子则是它的 AccumulateGrad（每个叶子只有一个，
    由用到它的节点保持存活）。"""
    if t.grad_fn is not None:
        return t.grad_fn
    if EXT.leaf_vertex is not None:
        return EXT.leaf_vertex(t)
    return accumulator(t)


def accumulator(t: Tensor) -> AccumulateGrad:
    """叶子 t 的 AccumulateGrad（第一次用到时创建，之后一直是同一个）。"""
    node = t._accumulator() if t._accumulator is not None else None
    if node is None:
        node = AccumulateGrad(t)
        t._accumulator = weakref.ref(node)
    return node


def node_class(name: str, rule) -> type:
    """运算的 Node 子类，名字与 torch 的相同（`MulBackward0`）。"""
    return type(name, (Node,), {"__slots__": (), "rule": rule, "__module__": __name__})


# ---------------------------------------------------------------- 内置运算

class Op:
    """内置运算：`forward(ctx, *arrays, **options)` 在 numpy 数组上计算；`backward(ctx, grad)` 用
    minigrad 的运算写（这样 create_graph 时还能再求导），对每个输入返回一个梯度；`jvp(ctx, *tangents)`
    是切线规则。`saves` 说明 ctx.saved_tensors 保存什么："inputs"（输入）、"output"（输出）、
    "inputs+output"（先输入后输出）或 ""（什么也不存）。"""
    name = "Backward0"
    saves = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.Node = node_class(cls.name, cls)

    @staticmethod
    def forward(ctx, *arrays, **options):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError

    @staticmethod
    def jvp(ctx, *tangents):
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **options):
        return apply(cls, *inputs, **options)


def apply(op, *inputs, **options) -> Tensor:
    """运行 op 的前向计算，得到输出张量 out。梯度模式打开且有输入需要梯度时，记录一个节点
    （out.grad_fn）；有输入带切线时（前向模式），用切线规则算出 out 的切线。"""
    ctx = op.Node()
    arrays = [x._data if isinstance(x, Tensor) else x for x in inputs]
    data = op.forward(ctx, *arrays, **options)
    if type(data) is not np.ndarray:
        data = np.asarray(data)
    if EXT.forward_result is not None:
        data = EXT.forward_result(op, arrays, data)
    out = Tensor(data)
    saves = op.saves
    ctx.saved = inputs if saves == "inputs" else (out,) if saves == "output" else (*inputs, out) if saves else ()
    if record(ctx, inputs, out) and EXT.on_record is not None:
        EXT.on_record(ctx, ctx.saved)
    if STATE.forward_ad and any([isinstance(x, Tensor) and x.tangent is not None for x in inputs]):
        out.tangent = push_tangent(op, ctx, inputs, out)
    return out


def record(ctx: Node, inputs, out: Tensor) -> bool:
    """梯度模式打开且有输入需要梯度时，把节点 ctx 记录为 out 的 grad_fn（out = 运算(inputs)），
    供反向传播使用；返回是否记录了。"""
    needs = [isinstance(x, Tensor) and x.requires_grad for x in inputs]
    if not STATE.enabled or True not in needs:
        return False
    ctx.inputs = [vertex(x) if need else None for x, need in zip(inputs, needs)]
    ctx.meta = out._data.shape, out._data.dtype
    ctx.seq = next_seq()
    out.grad_fn, out.requires_grad = ctx, True
    return True


def push_tangent(rule, ctx, inputs, out) -> Tensor:
    """前向模式：由输入的切线算出输出的切线（没有切线的输入当作 0）。"""
    tangents = [0.0 if not isinstance(x, Tensor) else x.tangent if x.tangent is not None
                else Tensor(np.zeros_like(x._data)) for x in inputs]
    with forward_ad_disabled():                # 切线规则自己的运算不再推送切线
        tangent = rule.jvp(ctx, *tangents)
    got = tangent._data.shape if isinstance(tangent, Tensor) else type(tangent).__name__
    if got != out._data.shape:                            # 与 torch 一样报错（dtype 则照原样保留）
        message = (SIZE_ERROR.format(list(out._data.shape), list(got)) if isinstance(got, tuple)
                   else f"expected Variable or None (got {got}) for grad output 0.")
        raise RuleGradientError(message, ctx, 0, got, out._data.shape, "jvp")
    return tangent


# ---------------------------------------------------------------- 自定义运算（torch.autograd.Function）

class Function:
    """torch.autograd.Function：子类写出 forward(ctx, ...)（在关闭梯度模式时运行）和
    backward(ctx, *grads)（对 forward 的每个参数返回一个梯度，不需要梯度的参数返回 None），
    可选的 jvp(ctx, *tangents) 给出前向模式。用法：`y = Square.apply(x)`。"""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.Node = node_class(cls.__name__ + "Backward", cls)

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = cls.Node()
        ctx.saved = ()
        with set_grad_enabled(False):
            result = cls.forward(ctx, *args, **kwargs)
        if not isinstance(result, Tensor):
            raise TypeError(f"{cls.__name__}.forward must return a Tensor (tuples of outputs are not supported)")
        out = Tensor(result._data)
        record(ctx, args, out)
        if STATE.forward_ad and any(isinstance(x, Tensor) and x.tangent is not None for x in args):
            out.tangent = push_tangent(cls, ctx, args, out)
        return out


# ---------------------------------------------------------------- 运行一个节点的反向规则

def call_backward(node: Node, grad: Tensor) -> list:
    """对节点输出的梯度 grad 运行 node 的反向规则，为 node.inputs 的每一项返回一个梯度：形状与那个
    输入相同（规则的结果被广播过时，引擎用 unbroadcast 求和回去），dtype 也相同；不需要梯度的输入
    得到 None。规则返回的个数或形状不对时抛出 RuleGradientError。"""
    inputs = node.inputs
    if not inputs:
        if TRACE is not None:
            TRACE(node, grad, (), [])
        return []
    if node.retained is not None or node.tensor_hooks:     # 输出做过 retain_grad() 或 register_hook()
        grad = EXT.output_gradient(node, grad)
    grads = node.rule.backward(node, grad)
    if type(grads) is not tuple:
        grads = tuple(grads) if isinstance(grads, list) else (grads,)
    if len(grads) != len(inputs) and (len(grads) < len(inputs) or any([g is not None for g in grads[len(inputs):]])):
        raise RuleGradientError(f"function {node.name()} returned an incorrect number of gradients "
                                f"(expected {len(inputs)}, got {len(grads)})", node, None, len(grads), len(inputs))
    result = []
    for x, g in zip(inputs, grads):
        if x is None or g is None:
            result.append(None)
            continue
        if type(g) is not Tensor and not isinstance(g, Tensor):
            g = Tensor(np.asarray(g, dtype=x.meta[1]))
        shape, dtype = x.meta
        if g._data.shape != shape or g._data.dtype != dtype:
            g = _conform(node, len(result), g, shape, dtype)
        elif type(x) is AccumulateGrad and EXT.leaf_gradient is not None:
            EXT.leaf_gradient(x, g, grad, grads)
        result.append(g)
    if TRACE is not None:
        TRACE(node, grad, grads, result)
    return result


def _conform(node: Node, i: int, g: Tensor, shape: tuple, dtype) -> Tensor:
    """g 求和回输入的形状 shape（只在 g 是输入广播后的形状时），再转成输入的 dtype。"""
    if g._data.shape != shape:
        returned = tuple(g._data.shape)
        try:
            if np.broadcast_shapes(shape, returned) == returned:   # 输入被广播成了 returned：求和回去
                g = unbroadcast(g, shape)
        except ValueError:                     # 两个形状不能广播：规则错了
            pass
        if g._data.shape != shape:
            raise RuleGradientError(f"Function {node.name()} returned an invalid gradient: got shape "
                                    f"{list(g._data.shape)} but expected shape compatible with {list(shape)}",
                                    node, i, returned, tuple(shape))
    if g._data.dtype != dtype:
        g = g.to(dtype)
    return g

