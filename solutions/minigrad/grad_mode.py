"""Grad mode: whether ops record the graph. `no_grad`, `enable_grad`, `set_grad_enabled` work as
context managers and as decorators, like torch's."""
from __future__ import annotations

import functools


class _State:
    __slots__ = ("enabled", "forward_ad")

    def __init__(self):
        self.enabled = True        # record ops for reverse mode
        self.forward_ad = True     # propagate tangents (forward mode); off while a jvp rule runs


STATE = _State()


def is_grad_enabled() -> bool:
    return STATE.enabled


def _set_enabled(mode: bool) -> None:
    STATE.enabled = bool(mode)


class _GradModeContext:
    """Base of the grad-mode switches: a context manager that also decorates functions."""

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
        return cls()(orig_func)                # used as `@no_grad` without parentheses


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
    """Turns recording back on (e.g. inside no_grad)."""

    def __enter__(self):
        self.prev = STATE.enabled
        _set_enabled(True)

    def __exit__(self, *exc_info):
        _set_enabled(self.prev)
        return False


class set_grad_enabled(_GradModeContext):
    """`set_grad_enabled(mode)`: sets the mode now (as a function) or for a `with` block."""

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
        _set_enabled(self.prev)             # used as a decorator: do not change the mode now
        return super().__call__(func)


class forward_ad_disabled:
    """While a jvp rule runs, its own ops must not propagate tangents."""

    def __enter__(self):
        self.prev = STATE.forward_ad
        STATE.forward_ad = False

    def __exit__(self, *exc_info):
        STATE.forward_ad = self.prev
        return False
