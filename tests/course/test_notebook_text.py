"""The notebooks as files: no control characters in their text (LaTeX like \\frac, \\bar or \\text becomes
one when written in a Python string that is not raw, and MathJax shows "Math input error"), and the
kernelspec JupyterLab expects (else opening a notebook marks it modified)."""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "solutions/chapters").glob("*.ipynb"))
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]|\t(?=[a-z])")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_markdown_has_no_control_characters(path):
    notebook = nbformat.read(path, as_version=4)
    found = [(index, repr(cell.source[max(m.start() - 15, 0):m.end() + 15]))
             for index, cell in enumerate(notebook.cells) if cell.cell_type == "markdown"
             for m in CONTROL.finditer(cell.source)]
    assert found == [], f"{path.name}: control characters in markdown (cell, context): {found}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_kernelspec_is_ipykernels_own(path):
    """JupyterLab rewrites any other display name when the kernel starts, so a student who just opened
    the notebook would be asked to save changes they never made."""
    spec = nbformat.read(path, as_version=4).metadata.kernelspec
    assert dict(spec) == {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
