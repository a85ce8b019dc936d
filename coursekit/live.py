"""The live kernel: after a student saves a file of `minigrad/`, the next cell runs the new code.

`%load_ext coursekit` calls `watch(shell)`. Before every cell, each loaded `minigrad` module whose file
changed is patched in place by IPython's autoreload, with its `deduperreload` algorithm (IPython >= 9.1):
the functions and methods that changed get the new code object, new functions are added, and nothing else
is re-created. So every object made before the edit runs the new code at once: tensors, graph nodes, an
`Op.backward` staticmethod, a name imported elsewhere (`from .ops import stack` in func.py). New
submodules are watched from the moment they are imported.

Autoreload's fallback, re-executing the whole module (`superreload`), is not used: it replaces the classes
and cannot move existing tensors to the new `Tensor` (its `__slots__` layout differs), which leaves the
kernel half old, half new. An edit the patcher cannot apply (a class's base or `__slots__`, a class
attribute, other statements at module level) leaves the module as it was and says, in Chinese, to restart
the kernel; a file that does not parse is reported with its line. `check(...)` is unaffected either way:
it always imports the files afresh (coursekit.engine.fresh_engine).
"""
from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

from .engine import PACKAGE

NEEDS_RESTART = ("⚠️ {file} 的这次修改无法在运行中的内核里生效（改动了类的结构或模块顶层的语句，"
                 "见 00_index「哪些修改需要重启内核」）。请重启内核（Kernel → Restart Kernel），再从头运行"
                 "这个笔记本。在那之前，其他单元格用的还是旧代码；check(...) 不受影响，它总是导入最新的文件。")
SYNTAX_ERROR = ("⚠️ {file} 第 {line} 行有语法错误（{message}），这次修改没有生效，其他单元格用的还是旧代码。"
                "改正后保存，下一个运行的单元格就会用上新代码。")
OLD_IPYTHON = ("⚠️ 这个 IPython 太旧（{version}），修改 minigrad/ 之后要重启内核才能生效；"
               "升级到 IPython 9.1 以上（需要 Python 3.11+：pip install -U ipython）即可不用重启。")


def _engine_modules() -> dict:
    return {name: module for name, module in list(sys.modules.items())
            if (name == PACKAGE or name.startswith(PACKAGE + ".")) and getattr(module, "__file__", None)}


def _mtime(path: str) -> float | None:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


def _shown(path: str) -> str:
    """minigrad/ops.py, as a student names the file."""
    parts = Path(path).parts
    return "/".join(parts[len(parts) - 1 - parts[::-1].index(PACKAGE):]) if PACKAGE in parts else path


def _class_shapes(source: str) -> dict:
    """Each class's bases and __slots__: what a class keeps for life (the patcher would ignore changes)."""
    shapes = {}
    for node in ast.walk(ast.parse(source)) if source else ():
        if isinstance(node, ast.ClassDef):
            slots = [ast.dump(s.value) for s in node.body if isinstance(s, ast.Assign)
                     and any(isinstance(t, ast.Name) and t.id == "__slots__" for t in s.targets)]
            shapes[node.name] = ([ast.dump(b) for b in node.bases + node.keywords], slots)
    return shapes


def _def_lines(source: str) -> dict[str, int]:
    """{qualname: first line} of every function and method (its first decorator's line, as Python counts)."""
    lines = {}

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([child.lineno] + [d.lineno for d in child.decorator_list])
                lines[f"{prefix}{child.name}"] = first
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
    visit(ast.parse(source), "")
    return lines


def _shifted(code, delta: int):
    """`code` (and the code objects inside it: lambdas, comprehensions, inner functions) `delta` lines down."""
    consts = tuple(_shifted(c, delta) if hasattr(c, "co_firstlineno") else c for c in code.co_consts)
    return code.replace(co_firstlineno=code.co_firstlineno + delta, co_consts=consts)


def _functions(module):
    """Every function object defined in the module: module-level ones and the methods of its classes."""
    for value in vars(module).values():
        members = vars(value).values() if isinstance(value, type) and value.__module__ == module.__name__ else [value]
        for member in members:
            for function in (getattr(member, "__func__", member), getattr(member, "fget", None)):
                if hasattr(function, "__code__") and getattr(function, "__module__", None) == module.__name__:
                    yield function


def renumber(module, source: str) -> None:
    """After a patch, the functions whose code did not change (so the patcher kept them) but moved up or
    down in the file get their new line numbers: a traceback then points at the line the student sees,
    not at whatever now sits where the function used to be (a docstring, a blank line)."""
    lines = _def_lines(source)
    for function in set(_functions(module)):
        code = function.__code__
        first = lines.get(code.co_qualname)
        if code.co_filename == module.__file__ and first is not None and first != code.co_firstlineno:
            function.__code__ = _shifted(code, first - code.co_firstlineno)


class LiveEngine:
    """Keeps the kernel's minigrad in step with its files (see the module docstring)."""

    def __init__(self, patcher, say=print):
        self.patcher = patcher          # IPython's DeduperReloader
        self.seen: dict[tuple[str, str], float] = {}     # (module name, file) -> mtime of the code it runs
        self.say = say

    def remember(self, *_) -> None:
        """After a cell: note the modules imported by it, with the source they were made from."""
        for name, module in _engine_modules().items():
            key = (name, module.__file__)
            if key not in self.seen:
                self.seen[key] = _mtime(module.__file__) or 0.0
                self.patcher.source_by_modname[name] = Path(module.__file__).read_text(encoding="utf-8")

    def refresh(self, *_) -> list[str]:
        """Before a cell: patch every changed module in place; return the names updated."""
        updated = []
        for name, module in _engine_modules().items():
            key = (name, module.__file__)
            mtime = _mtime(module.__file__)
            if key not in self.seen or mtime is None or mtime <= self.seen[key]:
                continue
            self.seen[key] = mtime
            if self._update(name, module):
                updated.append(name)
        return updated

    def _update(self, name: str, module) -> bool:
        path = module.__file__
        source = Path(path).read_text(encoding="utf-8")
        try:
            ast.parse(source, path)
        except SyntaxError as error:
            self.say(SYNTAX_ERROR.format(file=_shown(path), line=error.lineno, message=error.msg), file=sys.stderr)
            return False
        before = self.patcher.source_by_modname.get(name)
        if _class_shapes(before or "") == _class_shapes(source) and self.patcher.maybe_reload_module(module):
            renumber(module, source)
            return True
        self.patcher.source_by_modname[name] = before      # the next save is compared with what still runs
        self.say(NEEDS_RESTART.format(file=_shown(path)), file=sys.stderr)
        return False


def watch(shell) -> LiveEngine | None:
    """Keep `shell`'s minigrad live (once per shell); None, with a note, when IPython is too old."""
    existing = getattr(shell, "_coursekit_live", None)
    if existing is not None:
        return existing
    import importlib.util
    import IPython
    # deduperreload came with IPython 9.1; the browser edition ships it beside Pyodide's IPython 8, so ask
    # for the module, not the version
    if importlib.util.find_spec("IPython.extensions.deduperreload") is None:
        print(OLD_IPYTHON.format(version=IPython.__version__), file=sys.stderr)
        return None
    from IPython.extensions.deduperreload.deduperreload import DeduperReloader
    live = LiveEngine(DeduperReloader())
    live.remember()
    shell.events.register("pre_run_cell", live.refresh)
    shell.events.register("post_run_cell", live.remember)
    shell._coursekit_live = live
    return live
