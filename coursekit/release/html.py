"""Static HTML pages of notebooks (nbconvert's HTMLExporter, figures embedded) with an index.html.

The pages work offline: MathJax (from the `jupyter-server-mathjax` package, the copy Jupyter Server itself
serves) is copied into `mathjax/` next to them, and the page template leaves out the CDN scripts nbconvert
would add (require.js, mermaid), which the course does not use.
"""
from __future__ import annotations

import html
import shutil
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "offline.html.j2"
MATHJAX_FOLDER = "mathjax"
MATHJAX_URL = f"{MATHJAX_FOLDER}/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"


def notebook_title(notebook, fallback: str) -> str:
    """The notebook's first markdown heading, else `fallback`."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return fallback


def render(notebook) -> str:
    from nbconvert import HTMLExporter
    exporter = HTMLExporter(embed_images=True, template_name="lab", template_file=str(TEMPLATE),
                            mathjax_url=MATHJAX_URL)
    body, _ = exporter.from_notebook_node(notebook)
    return body


def copy_mathjax(out: Path) -> Path:
    """MathJax 2 (as packaged by jupyter-server-mathjax) in out/mathjax/, replacing an older copy."""
    import jupyter_server_mathjax
    source = Path(jupyter_server_mathjax.__file__).resolve().parent / "static"
    target = Path(out) / MATHJAX_FOLDER
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def index_page(title: str, pages: list[tuple[str, str]]) -> str:
    items = "\n".join(f'    <li><a href="{html.escape(href)}">{html.escape(href[:-5])}</a> {html.escape(name)}</li>'
                      for href, name in pages)
    return (f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'</head>\n<body>\n  <h1>{html.escape(title)}</h1>\n  <ol>\n{items}\n  </ol>\n</body>\n</html>\n')


def write_site(notebooks: list[tuple[str, object]], out: Path, title: str) -> list[Path]:
    """Write `<stem>.html` for each (stem, notebook) and an index.html linking them; returns the pages."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pages, written = [], []
    for stem, notebook in notebooks:
        page = out / f"{stem}.html"
        page.write_text(render(notebook), encoding="utf-8")
        pages.append((page.name, notebook_title(notebook, stem)))
        written.append(page)
    (out / "index.html").write_text(index_page(title, pages), encoding="utf-8")
    copy_mathjax(out)
    return written
