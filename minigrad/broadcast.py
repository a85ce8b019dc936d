"""广播与它的梯度。一个运算把形状为 (3, 1) 的输入广播成 (2, 3, 4) 时，传到输出的梯度形状是 (2, 3, 4)；
输入的梯度就是把它求和回 (3, 1)。引擎（graph.call_backward）在规则给出的梯度形状与输入不同时
调用 unbroadcast，所以各运算的反向规则都不用考虑广播。

阅读地图
  练习 2.1.2-unbroadcast   unbroadcast
  可以用的工具
    grad.ndim、grad.shape            维数与形状
    grad.sum(dim=(0, 1))             沿几个维度求和（去掉这些维度）
    grad.sum(dim=..., keepdim=True)  求和但保留为长度 1
"""
from __future__ import annotations


def unbroadcast(grad, shape: tuple):
    """把 grad（一个 Tensor）求和回形状 shape：广播在前面补出的维度整维求和去掉；shape 中长度为 1、
    grad 中却更长的维度求和并保留为 1。请用 Tensor 的运算（如 sum）来写，这样在 create_graph 下也能求导。"""
    # 练习 2.1.2-unbroadcast：广播的梯度：求和回输入的形状。在这里写你的代码。
    raise NotImplementedError("练习 2.1.2-unbroadcast 尚未完成：广播的梯度：求和回输入的形状（minigrad/broadcast.py）")
