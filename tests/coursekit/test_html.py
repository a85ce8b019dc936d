"""HTML pages of notebooks (answer key, `release --html`) work offline: no script or stylesheet from the
network, MathJax shipped next to the pages, figures embedded; headless Chromium with no network renders
the math."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest

from coursekit.release.html import write_site

NETWORK = [re.compile(p, re.IGNORECASE) for p in (
    r"<script[^>]*\ssrc\s*=\s*[\"']?(?:https?:)?//", r"<link[^>]*\shref\s*=\s*[\"']?(?:https?:)?//",
    r"@import\s+(?:url\()?[\"']?(?:https?:)?//", r"import\(\s*[\"'](?:https?:)?//", r"<img[^>]*\ssrc\s*=\s*[\"']?(?:https?:)?//")]
PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def _notebook() -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell("plot()", execution_count=1)
    cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})]
    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 雅可比矩阵\n行内公式 $J_1$ 和 $f'(x)$，以及\n\n$$J = J_L \\cdots J_1$$"), cell])


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    write_site([("04_math", _notebook())], out, "测试")
    return out


def test_pages_load_no_script_or_stylesheet_from_the_network_and_ship_mathjax(site):
    page = (site / "04_math.html").read_text(encoding="utf-8")
    for pattern in NETWORK:
        assert not pattern.search(page), pattern.pattern
    scripts = re.findall(r"<script[^>]*\ssrc=\"([^\"]+)\"", page)
    assert scripts == ["mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"]
    assert all((site / urlsplit(s).path).is_file() for s in scripts)
    assert (site / "mathjax/config/TeX-AMS-MML_HTMLorMML-full.js").is_file()
    assert f"data:image/png;base64,{PNG}" in page                      # the figure is in the page


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium (see .ci/run)")
def test_math_renders_in_headless_chromium_without_network(site):
    command = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--proxy-server=127.0.0.1:9", "--virtual-time-budget=5000", "--dump-dom",
               (site / "04_math.html").as_uri()]
    dom = subprocess.run(command, capture_output=True, text=True, timeout=120).stdout
    assert dom.count('class="MathJax_Display"') == 1 and dom.count('class="MathJax"') == 3, dom[-2000:]
    assert "Math Processing Error" not in dom
