"""数值微分：中心差分；以及梯度检验 gradcheck——把 backward 算出的雅可比矩阵与数值方法算出的
比较（与 torch.autograd.gradcheck 的思路相同）。

阅读地图
  练习 2.1-numdiff    central_difference（只用 numpy：x 的副本、np.ndindex 逐个元素）
  练习 2.1-gradcheck  jacobians_match（两个 numpy 数组逐元素比较，返回一个真假值）
  可以参考：gradcheck 怎样用 numerical_jacobian 和 analytical_jacobian 调用你写的两个函数
  可以跳过：_outputs、GradcheckError
"""
from __future__ import annotations

import numpy as np

from . import autograd
from .grad_mode import set_grad_enabled
from .tensor import Tensor


class GradcheckError(RuntimeError):
    """解析的与数值的雅可比矩阵不一致。"""


def central_difference(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """对 x 的每个元素求 ∂f/∂xᵢ ≈ (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h（用 float64 计算）。
    f 接收一个 numpy 数组、返回一个浮点数；结果的形状与 x 相同。不要改动调用者传入的 x。"""
    ### BEGIN SOLUTION 2.1-numdiff
    x = np.array(x, dtype=np.float64)              # 副本：不改动调用者的 x
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)    # 中心差分：误差 O(h²)
    return grad
    ### END SOLUTION


def _outputs(func, inputs) -> np.ndarray:
    """func(*inputs) 展平成一个 float64 数组（几个输出依次连接）。"""
    with set_grad_enabled(False):
        out = func(*inputs)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return np.concatenate([np.asarray(o._data, dtype=np.float64).reshape(-1) for o in outs])


def numerical_jacobian(func, inputs: tuple, which: int, eps: float) -> np.ndarray:
    """用中心差分求 J[i, j] = ∂ 输出_i / ∂ 输入[which]_j，每次一个输出元素。"""
    x0 = inputs[which]._data

    def output(i):
        def f(x):
            args = list(inputs)
            args[which] = Tensor(x.astype(x0.dtype))
            return _outputs(func, args)[i]
        return f

    n_out = _outputs(func, inputs).size
    return np.stack([central_difference(output(i), x0, eps).reshape(-1) for i in range(n_out)]) \
        if n_out else np.zeros((0, x0.size))


def analytical_jacobian(func, inputs: tuple, which: int) -> np.ndarray:
    """J[i, :] = 输出元素 i 的梯度，由引擎的 backward 算出（每行一次反向传播）。"""
    leaves = [Tensor(x._data, requires_grad=x.requires_grad) if isinstance(x, Tensor) else x for x in inputs]
    with set_grad_enabled(True):
        out = func(*leaves)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    rows = []
    for o in outs:
        for i in range(o._data.size):
            seed = np.zeros(o._data.size, dtype=o._data.dtype)
            seed[i] = 1
            leaves[which].grad = None
            if o.requires_grad:
                autograd.backward([o], [Tensor(seed.reshape(o._data.shape))], retain_graph=True)
            g = leaves[which].grad
            rows.append(np.zeros(leaves[which]._data.size) if g is None else g._data.astype(np.float64).reshape(-1))
    return np.stack(rows) if rows else np.zeros((0, leaves[which]._data.size))


def jacobians_match(analytical: np.ndarray, numerical: np.ndarray, atol: float, rtol: float) -> bool:
    """两个雅可比矩阵的每个元素都满足 |解析值 − 数值| ≤ atol + rtol·|数值| 时返回 True，否则 False。
    atol 是绝对容差（absolute tolerance），rtol 是相对容差（relative tolerance）。返回值只要能当作
    一个真假值使用（gradcheck 写的是 `if not jacobians_match(...)`）：True/False 或 np.all 的结果都可以，
    逐元素比较得到的整个布尔数组不行。"""
    ### BEGIN SOLUTION 2.1-gradcheck
    # 逐元素比较，允许 atol + rtol·|数值| 的误差
    return bool(np.all(np.abs(analytical - numerical) <= atol + rtol * np.abs(numerical)))
    ### END SOLUTION


def gradcheck(func, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, **_ignored) -> bool:
    """对每个需要梯度的输入，比较 backward 算出的雅可比矩阵与中心差分的结果（请用 float64 输入）。
    一致时返回 True；否则抛出 GradcheckError（raise_exception=False 时返回 False）。"""
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    for which, x in enumerate(inputs):
        if not (isinstance(x, Tensor) and x.requires_grad):
            continue
        numerical = numerical_jacobian(func, inputs, which, eps)
        analytical = analytical_jacobian(func, inputs, which)
        if not jacobians_match(analytical, numerical, atol, rtol):
            if raise_exception:
                raise GradcheckError(f"Jacobian mismatch for output 0 with respect to input {which},\n"
                                     f"numerical:{numerical}\nanalytical:{analytical}\n")
            return False
    return True
