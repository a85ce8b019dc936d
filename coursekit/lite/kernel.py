"""What `%load_ext coursekit` adds in the browser's Pyodide kernel.

There is no PyTorch in the browser (nor sympy, unless the site's Pyodide has it): `import torch` fails with
a Chinese message that says these cells need the installed edition, instead of Python's bare ModuleNotFoundError; coursekit.verdicts's table
judges against the recording (coursekit.lite.browser); and, with no terminal, `%coursekit check` and
`%coursekit submit` run the terminal's commands. The rest of the extension (the
engine found from the kernel's folder, the live engine of coursekit.live) works as installed: the site's
files are the browser's drive, mounted at /drive, and the kernel starts in the notebook's folder there.
"""
from __future__ import annotations

import importlib.abc
import sys

IN_BROWSER = sys.platform == "emscripten"
NO_TORCH = ("浏览器版里没有 PyTorch（它太大，不能在浏览器里运行），所以这一格不能运行，它下面显示的是安装版运行"
            "的结果。要自己运行它，请用安装版（见 README「快速开始」）或云端笔记本。练习和 check(...) 在浏览器里"
            "照常可用：它们和建站时记录下来的 PyTorch 结果比较。")


NO_SYMPY = ("这个浏览器版里没有 sympy（建站用的 Pyodide 里没有它），所以这一格不能运行，它下面显示的是安装版运行的结果。"
            "要自己运行它，请用安装版或云端笔记本。")
NOT_HERE = {"torch": NO_TORCH, "sympy": NO_SYMPY}


class NotInBrowser(importlib.abc.MetaPathFinder):
    """Last on sys.meta_path: a package of NOT_HERE that no other finder found gets its Chinese message."""

    def find_spec(self, name, path=None, target=None):
        message = NOT_HERE.get(name.split(".")[0])
        if message:
            raise ModuleNotFoundError(message, name=name)
        return None


def prepare(ipython=None) -> None:
    """Install the notice for torch and sympy, write no bytecode, point coursekit.verdicts at the recording, add `%coursekit` (once)."""
    from . import browser
    if not any(isinstance(finder, NotInBrowser) for finder in sys.meta_path):
        sys.meta_path.append(NotInBrowser())
    sys.dont_write_bytecode = True     # no __pycache__ folders in the student's file panel (and fewer writes)
    browser.use_recording()            # for good: the table and submit judge as check(...) does
    if ipython is not None:
        ipython.register_magic_function(coursekit_magic, "line", "coursekit")


def coursekit_magic(line: str):
    """`%coursekit check [ID ...]` and `%coursekit submit`: the terminal's commands, in a cell (the browser
    has no terminal)."""
    from . import browser
    words = line.split()
    if words[:1] == ["submit"]:
        browser.submit()
    elif words[:1] == ["check"]:
        browser.check_table(words[1:])
    else:
        print("用法：%coursekit check [练习编号 ...]（全部练习的表格），或 %coursekit submit（写出 submission.zip）")
