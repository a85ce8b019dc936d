"""torch.func 的变换：jvp（前向模式）、vjp（反向模式），以及由它们构成的雅可比矩阵：
jacfwd 用 jvp 一列一列地求，jacrev 用 vjp 一行一行地求。

阅读地图
  练习 2.1-jacobian   jacfwd、jacrev 中的 jacobian_of（args 是全部参数，argnum 是求导的那一个）
  可以用的工具
    jvp(func, args, tangents)   返回 (输出, 输出的切线)；tangents 为每个参数给一个切线
    vjp(func, *args)            返回 (输出, vjp_fn)；vjp_fn(v) 为每个参数返回一个梯度（元组）
    _basis(x, j)                与 x 形状相同的第 j 个单位张量（按展平后的下标）
    _zeros(x)                   与 x 形状相同的全零张量（不求导的参数的切线）
    stack(tensors, dim)         把同形状的张量叠成一个
    t.reshape(-1)、t.numel()    展平、元素个数
  结果的形状是 out.shape + x.shape（先 reshape 成二维再 stack，最后 reshape）
  可以跳过：_per_argnum（argnums 是元组时逐个求）
"""
from __future__ import annotations

import numpy as np

from .autograd import backprop
from .graph import vertex
from .grad_mode import STATE, set_grad_enabled
from .tensor import Tensor


def stack(tensors, dim: int = 0) -> Tensor:
    """把形状相同的张量沿新的维度 dim 叠成一个张量（torch.stack；运算本身在 torch_compat 中）。"""
    from .torch_compat.ops import stack as stack_op
    return stack_op(tensors, dim)


def _tuple(x) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def jvp(func, primals, tangents, *, strict: bool = False, has_aux: bool = False):
    """返回 (func(*primals), J·tangents)：一次前向计算：每个输入带着自己的切线，
    每个运算在算出值的同时用切线规则算出输出的切线（前向模式）。"""
    primals, tangents = _tuple(primals), _tuple(tangents)
    for name, values in (("primals", primals), ("tangents", tangents)):      # as torch.func.jvp says it
        for value in values:
            if not isinstance(value, Tensor):
                raise RuntimeError(f"jvp(f, primals, tangents): Expected {name} to only contain Tensors, "
                                   f"got {type(value)}")
    if len(primals) != len(tangents):
        raise RuntimeError("jvp: Expected primals and tangents to have the same length")
    duals = []
    for p, t in zip(primals, tangents):
        if t.shape != p.shape:
            raise RuntimeError(f"jvp: Expected primal and tangent to have the same shape, got {p.shape} "
                               f"and {t.shape}")
        dual = Tensor(p._data)
        dual.tangent = Tensor(t._data)
        duals.append(dual)
    previous, STATE.forward_ad = STATE.forward_ad, True
    try:
        out = func(*duals)
    finally:
        STATE.forward_ad = previous
    aux = None
    if has_aux:
        out, aux = out
    outs = _tuple(out)
    primal_out = tuple(Tensor(o._data) for o in outs)
    tangent_out = tuple(o.tangent if o.tangent is not None else Tensor(np.zeros_like(o._data)) for o in outs)
    if not isinstance(out, (tuple, list)):
        primal_out, tangent_out = primal_out[0], tangent_out[0]
    return (primal_out, tangent_out, aux) if has_aux else (primal_out, tangent_out)


def vjp(func, *primals, has_aux: bool = False):
    """返回 (func(*primals), vjp_fn)，其中 vjp_fn(v) = vᵀJ，对每个 primal 给出元组中的一项（反向模式）。"""
    leaves = [Tensor(p._data, requires_grad=True) for p in primals]
    nodes = [vertex(x) for x in leaves]         # 在这里保持存活：没有用到的输入得到 0
    with set_grad_enabled(True):
        out = func(*leaves)
    aux = None
    if has_aux:
        out, aux = out

    def vjp_fn(*vectors):
        """vᵀJ：以 v（每个输出一个，与输出同形状）为起点做一次反向传播（计算图保留，可以再次调用）。"""
        outs, vs = _tuple(out), vectors
        if len(vs) == 1 and isinstance(out, (tuple, list)):
            vs = _tuple(vs[0])
        roots = [vertex(o) for o in outs if o.requires_grad]
        seeds = [Tensor(np.asarray(v._data, dtype=o._data.dtype)) for o, v in zip(outs, vs) if o.requires_grad]
        found = {}

        def collect(node, g):
            found[node] = g

        with set_grad_enabled(False):
            backprop(roots, seeds, True, collect)
        return tuple(found.get(node, Tensor(np.zeros_like(x._data))) for x, node in zip(leaves, nodes))

    primal_out = tuple(Tensor(o._data) for o in _tuple(out))
    if not isinstance(out, (tuple, list)):
        primal_out = primal_out[0]
    return (primal_out, vjp_fn, aux) if has_aux else (primal_out, vjp_fn)


def _basis(x: Tensor, j: int) -> Tensor:
    """与 x 形状相同的第 j 个单位张量 eⱼ（按展平后的下标 j）。"""
    e = np.zeros(x._data.size, dtype=x._data.dtype)
    e[j] = 1
    return Tensor(e.reshape(x._data.shape))


def _zeros(x: Tensor) -> Tensor:
    """与 x 形状相同的全零张量。"""
    return Tensor(np.zeros_like(x._data))


def _per_argnum(jacobian_of, argnums):
    """argnums 是整数时给出一个雅可比矩阵，是元组时给出一个元组（torch.func 的约定）。"""
    def jacobian(*args):
        if isinstance(argnums, int):
            return jacobian_of(args, argnums)
        return tuple(jacobian_of(args, k) for k in argnums)
    return jacobian


def jacfwd(func, argnums=0):
    """返回一个函数，它计算 func 对第 argnums 个参数 x 的雅可比矩阵，形状为 out.shape + x.shape。
    练习 2.1-jacobian（前向模式）：对 x 的每个方向 eⱼ 做一次 jvp，得到雅可比矩阵的第 j 列。"""
    def jacobian_of(args, argnum):
        x = args[argnum]
        ### BEGIN SOLUTION 2.1-jacobian
        # 前向模式：每次 jvp 推一个方向 eⱼ，得到雅可比的第 j 列
        columns = []
        for j in range(x.numel()):
            tangents = tuple(_basis(a, j) if i == argnum else _zeros(a) for i, a in enumerate(args))
            out, column = jvp(func, args, tangents)
            columns.append(column.reshape(-1))
        return stack(columns, dim=-1).reshape(*out.shape, *x.shape)
        ### END SOLUTION
    return _per_argnum(jacobian_of, argnums)


def jacrev(func, argnums=0):
    """返回一个函数，它计算 func 对第 argnums 个参数 x 的雅可比矩阵，形状为 out.shape + x.shape。
    练习 2.1-jacobian（反向模式）：对输出的每个方向 eᵢ 调用一次 vjp_fn，得到雅可比矩阵的第 i 行。"""
    def jacobian_of(args, argnum):
        x = args[argnum]
        ### BEGIN SOLUTION 2.1-jacobian
        # 反向模式：每次 vjp 拉回一个输出方向 eᵢ，得到雅可比的第 i 行
        out, vjp_fn = vjp(func, *args)
        rows = [vjp_fn(_basis(out, i))[argnum].reshape(-1) for i in range(out.numel())]
        return stack(rows, dim=0).reshape(*out.shape, *x.shape)
        ### END SOLUTION
    return _per_argnum(jacobian_of, argnums)
