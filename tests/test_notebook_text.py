"""The notebooks' own text: no control characters, which is what LaTeX like \\frac, \\bar or \\text turns into
when written in a Python string that is not raw (MathJax then shows "Math input error")."""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "solutions/chapters").glob("*.ipynb"))
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]|\t(?=[a-z])")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_markdown_has_no_control_characters(path):
    notebook = nbformat.read(path, as_version=4)
    found = [(index, repr(cell.source[max(m.start() - 15, 0):m.end() + 15]))
             for index, cell in enumerate(notebook.cells) if cell.cell_type == "markdown"
             for m in CONTROL.finditer(cell.source)]
    assert found == [], f"{path.name}: control characters in markdown (cell, context): {found}"
