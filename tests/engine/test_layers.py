"""The engine's two layers: the lesson modules at the top of minigrad/ are short, read as Chinese, and
never import torch_compat at module level; torch_compat tells students on its first line that the
exercises never need it."""
from __future__ import annotations

import ast
import re

from helpers import ROOT

ENGINE = ROOT / "solutions" / "minigrad"
LESSON = sorted(p for p in ENGINE.glob("*.py") if p.name not in ("__init__.py", "viz.py"))
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def test_lesson_modules_are_short():
    assert [p.name for p in LESSON] == ["autograd.py", "broadcast.py", "func.py", "grad_mode.py", "graph.py",
                                        "numdiff.py", "ops.py", "tensor.py"]
    assert {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in LESSON if
            len(p.read_text(encoding="utf-8").splitlines()) > 300} == {}


def test_lesson_modules_do_not_import_the_fidelity_layer_at_module_level():
    for path in LESSON:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.ImportFrom):
                assert "torch_compat" not in (node.module or "") and \
                    all("torch_compat" not in a.name for a in node.names), (path.name, ast.unparse(node))


def test_lesson_modules_open_in_chinese_and_torch_compat_says_to_skip_it():
    for path in LESSON:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        assert CJK.search(doc.splitlines()[0]), path.name
    first = (ENGINE / "torch_compat" / "__init__.py").read_text(encoding="utf-8").split("\n\n")[0:2]
    assert CJK.search(first[0]) and "做练习时不需要打开" in "\n".join(first)
