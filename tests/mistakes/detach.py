"""Mistakes in detach (minigrad/tensor.py) and no_grad (minigrad/grad_mode.py)."""
from coursekit.mistakes import Mistake

EXERCISE = "2.1.3-detach"
MISTAKES = [
    Mistake("detach copies the storage instead of sharing it", "return Tensor(self.data)", "return Tensor(self.data.clone())",
            hint="共享同一块数据"),
    Mistake("detach returns self", "return Tensor(self.data)", "return self", hint="requires_grad=False"),
    Mistake("detach keeps requires_grad", "return Tensor(self.data)",
            "return Tensor(self.data, requires_grad=self.requires_grad)", hint="requires_grad=False"),
    Mistake("no_grad.__exit__ sets grad mode to True instead of restoring it (nested no_grad broken)",
            "_set_enabled(self.prev)", "_set_enabled(True)", hint="而不是一律设为 True"),
    Mistake("no_grad.__enter__ records the mode after switching it off",
            "self.prev = STATE.enabled\n        _set_enabled(False)", "_set_enabled(False)\n        self.prev = STATE.enabled",
            hint="先记下原来的梯度模式"),
    Mistake("no_grad does not switch grad mode off", "        _set_enabled(False)\n", "        pass\n",
            hint="再关掉它"),
    Mistake("half a contract: shares the numpy array but not the version counter", "return Tensor(self.data)",
            "return Tensor(self._data)", hint="共享存储和版本计数"),
]
