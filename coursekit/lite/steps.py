"""The time limit of a check in the browser: a trace function that counts the engine's lines.

Pyodide runs the kernel in one Web Worker thread: no SIGALRM, no watchdog thread, and JupyterLite's
interrupt button needs a cross-origin isolated site, which GitHub Pages and most static servers are not.
So the check traces the engine's own frames (files under a `minigrad/` folder): every `EVERY` lines it
looks at the clock, and once the budget is spent it raises `coursekit.runner.CheckTimedOut` from the
line that is running, with the frames on the stack, as the signal-based limit does. The verdict is then
the same "did not return, probably an endless loop" paragraph, naming the student's function.
"""
from __future__ import annotations

import sys
import time
from contextlib import contextmanager

from ..runner import CheckTimedOut, _stack
from ..engine import PACKAGE

EVERY = 2000            # lines between two looks at the clock


def _in_engine(code) -> bool:
    return f"/{PACKAGE}/" in code.co_filename.replace("\\", "/")


class StepBudget:
    """The seconds the engine's side of one exercise's cases may still take, checked every EVERY lines."""

    def __init__(self, seconds: float | None):
        self.total = self.seconds = seconds
        self.deadline = None
        self.lines = 0

    def _line(self, frame, event, arg):
        if event == "line":
            self.lines += 1
            if self.lines % EVERY == 0 and time.perf_counter() > self.deadline:
                sys.settrace(None)
                raise CheckTimedOut(self.total, _stack(frame))
        return self._line

    def _call(self, frame, event, arg):
        return self._line if _in_engine(frame.f_code) else None

    @contextmanager
    def spend(self):
        """Run the block with the budget left; CheckTimedOut when it runs out (no limit: seconds is None)."""
        if not self.seconds:
            yield
            return
        started = time.perf_counter()
        self.deadline = started + max(self.seconds, 1e-3)
        previous = sys.gettrace()
        sys.settrace(self._call)
        try:
            yield
        finally:
            sys.settrace(previous)
            self.seconds -= time.perf_counter() - started
