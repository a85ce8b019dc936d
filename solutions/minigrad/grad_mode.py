"""梯度模式：运算是否记录计算图。no_grad、enable_grad、set_grad_enabled 与 torch 的一样，
既可以写成 `with no_grad():`，也可以当作函数的装饰器。

阅读地图
  练习 2.1.3-detach（这里的部分）  no_grad.__enter__、no_grad.__exit__
  可以用的工具
    STATE.enabled        当前是否记录计算图（graph.apply 读它）
    _set_enabled(mode)   打开或关闭记录
  可以参考：enable_grad（做的事与 no_grad 相反）
  可以跳过：_GradModeContext、_NoArgContext（让它们也能当装饰器）、forward_ad_disabled
"""
from __future__ import annotations

import functools


class _State:
    __slots__ = ("enabled", "forward_ad")

    def __init__(self):
        self.enabled = True        # 记录运算（反向模式需要）
        self.forward_ad = True     # 推送切线（前向模式）；切线规则运行时关闭


STATE = _State()


def is_grad_enabled() -> bool:
    return STATE.enabled


def _set_enabled(mode: bool) -> None:
    STATE.enabled = bool(mode)


class _GradModeContext:
    """梯度模式开关的基类：既是上下文管理器，也能装饰函数。"""

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__(*self._args()):
                return func(*args, **kwargs)
        return wrapper

    def _args(self) -> tuple:
        return ()


class _NoArgContext(_GradModeContext):
    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)                # 不带括号的 `@no_grad`


class no_grad(_NoArgContext):
    """在 `with no_grad():` 中，运算不记录计算图：结果的 requires_grad=False。
    练习 2.1.3-detach：__enter__ 记下原来的模式并关闭梯度记录，__exit__ 恢复原来的模式
    （用 STATE.enabled 读取当前模式，用 _set_enabled(...) 设置）。"""

    def __enter__(self):
        ### BEGIN SOLUTION 2.1.3-detach
        # 记下原来的模式，然后关闭梯度记录
        self.prev = STATE.enabled
        _set_enabled(False)
        ### END SOLUTION

    def __exit__(self, *exc_info):
        ### BEGIN SOLUTION 2.1.3-detach
        # 恢复进入前的模式（出现异常时也会执行）
        _set_enabled(self.prev)
        ### END SOLUTION
        return False


class enable_grad(_NoArgContext):
    """重新打开记录（例如在 no_grad 之中）。"""

    def __enter__(self):
        self.prev = STATE.enabled
        _set_enabled(True)

    def __exit__(self, *exc_info):
        _set_enabled(self.prev)
        return False


class set_grad_enabled(_GradModeContext):
    """`set_grad_enabled(mode)`：当作函数调用时立刻设置，用在 with 中时只在块内有效。"""

    def __init__(self, mode: bool):
        self.mode = bool(mode)
        self.prev = STATE.enabled
        _set_enabled(mode)

    def _args(self) -> tuple:
        return (self.mode,)

    def __enter__(self):
        pass

    def __exit__(self, *exc_info):
        _set_enabled(self.prev)
        return False

    def __call__(self, func):
        _set_enabled(self.prev)             # 当作装饰器：现在不改变模式
        return super().__call__(func)


class forward_ad_disabled:
    """切线规则运行时，它自己的运算不再推送切线。"""

    def __enter__(self):
        self.prev = STATE.forward_ad
        STATE.forward_ad = False

    def __exit__(self, *exc_info):
        STATE.forward_ad = self.prev
        return False
