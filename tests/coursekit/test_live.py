"""The live kernel (coursekit.live): a saved edit of the engine reaches the objects that already exist.

In-process, on a small package named `minigrad` in a tmp folder (the real engine is imported by other
tests; this one is swapped in and out of sys.modules). A real kernel does the same in the validator's
in-order step (coursekit/validate.py), where every chapter runs its cells after edits, without a restart.
"""
from __future__ import annotations

import sys
import textwrap

import pytest

from coursekit.live import LiveEngine

pytest.importorskip("IPython.extensions.deduperreload.deduperreload")

FILES = {
    "__init__.py": "from .ops import Mul, stack\nfrom . import func\n",
    "ops.py": '''
        class Op:
            __slots__ = ()


        class Mul(Op):
            name = "MulBackward0"

            @staticmethod
            def backward(ctx, grad):
                raise NotImplementedError("练习 2.1-vjp 尚未完成")


        def stack(items):
            return list(items)
        ''',
    "func.py": '''
        from .ops import stack


        def jacrev(rows):
            return stack(rows)
        ''',
}


@pytest.fixture
def engine(tmp_path, monkeypatch):
    """A fresh `minigrad` package in tmp_path, imported; the test's edits go through `write`."""
    package = tmp_path / "minigrad"
    package.mkdir()
    for name, text in FILES.items():
        (package / name).write_text(textwrap.dedent(text), encoding="utf-8")
    saved = {name: module for name, module in sys.modules.items() if name.split(".")[0] == "minigrad"}
    for name in saved:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.syspath_prepend(str(tmp_path))
    import minigrad
    yield minigrad, package
    for name in [n for n in sys.modules if n.split(".")[0] == "minigrad"]:
        del sys.modules[name]
    sys.modules.update(saved)


def _live():
    from IPython.extensions.deduperreload.deduperreload import DeduperReloader
    said = []
    live = LiveEngine(DeduperReloader(), say=lambda text, file=None: said.append(text))
    live.remember()
    return live, said


def _edit(path, old, new, bump=[0]):
    import os
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    bump[0] += 1                  # a later mtime, however coarse the file system's clock
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + bump[0]))


def test_an_edited_staticmethod_runs_in_the_class_that_already_exists(engine):
    minigrad, package = engine
    live, said = _live()
    mul = minigrad.Mul                              # held before the edit, like a graph node's rule
    with pytest.raises(NotImplementedError):
        mul.backward(None, 2)
    _edit(package / "ops.py", 'raise NotImplementedError("练习 2.1-vjp 尚未完成")', "return grad * 3")
    assert live.refresh() == ["minigrad.ops"]
    assert mul.backward(None, 2) == 6 and minigrad.Mul is mul
    assert said == []


def test_a_function_imported_by_name_elsewhere_runs_the_new_code(engine):
    minigrad, package = engine
    live, _ = _live()
    _edit(package / "ops.py", "return list(items)", "return tuple(items)")
    live.refresh()
    assert minigrad.func.jacrev([1, 2]) == (1, 2)      # func.py did `from .ops import stack`


def test_a_new_submodule_is_watched_once_imported(engine):
    minigrad, package = engine
    live, _ = _live()
    (package / "helpers.py").write_text("def double(x):\n    return 2 * x\n", encoding="utf-8")
    _edit(package / "func.py", "from .ops import stack\n", "from .ops import stack\nfrom .helpers import double\n")
    live.refresh()
    live.remember()                                   # after the cell: helpers is known from now on
    assert minigrad.func.double(2) == 4
    _edit(package / "helpers.py", "return 2 * x", "return 3 * x")
    live.refresh()
    assert minigrad.func.double(2) == 6


def test_a_syntax_error_is_reported_with_its_line_and_the_old_code_keeps_running(engine):
    minigrad, package = engine
    live, said = _live()
    _edit(package / "func.py", "return stack(rows)", "return stack(rows))")
    assert live.refresh() == []
    assert said and "minigrad/func.py 第 6 行有语法错误" in said[0]
    assert minigrad.func.jacrev([1]) == [1]
    _edit(package / "func.py", "return stack(rows))", "return stack(rows) * 2")
    assert live.refresh() == ["minigrad.func"]
    assert minigrad.func.jacrev([1]) == [1, 1]


@pytest.mark.parametrize("old, new", [('class Mul(Op):', 'class Mul(Op, dict):'),
                                       ('__slots__ = ()', '__slots__ = ("extra",)'),
                                       ('class Op:', 'import os\nHERE = os.getcwd()\n\n\nclass Op:')])
def test_an_edit_that_needs_a_restart_says_so_and_changes_nothing(engine, old, new):
    minigrad, package = engine
    live, said = _live()
    _edit(package / "ops.py", old, new)
    assert live.refresh() == []
    assert len(said) == 1 and "minigrad/ops.py" in said[0] and "重启内核" in said[0]
    assert minigrad.Mul.__bases__ == (minigrad.ops.Op,) and minigrad.ops.Op.__slots__ == ()


def test_a_function_that_moved_down_keeps_pointing_at_its_own_lines(engine):
    """An edit above a function shifts it down: the patcher keeps its code (unchanged), and a traceback
    through it must name its new line, not what now sits at the old one."""
    import traceback
    minigrad, package = engine
    live, _ = _live()
    _edit(package / "ops.py", 'raise NotImplementedError("练习 2.1-vjp 尚未完成")',
          "scale = 3\n        # 乘以 3\n        # （三行新代码）\n        return grad * scale")
    live.refresh()
    with pytest.raises(TypeError) as caught:
        minigrad.func.jacrev(5)                          # list(5): raised inside ops.stack
    frame = traceback.extract_tb(caught.value.__traceback__)[-1]
    lines = (package / "ops.py").read_text(encoding="utf-8").splitlines()
    assert frame.name == "stack" and lines[frame.lineno - 1].strip() == "return list(items)", (frame.lineno, lines)
