"""`python -m coursekit solutions OUT`: the answer key, for instructors.

Every solution notebook is executed (nbclient; the kernel starts in the notebook's folder and
MINIGRAD_ROOT points at solutions/), saved with its outputs and figures to OUT/chapters/, and rendered
to a static HTML page in OUT/html/ (figures embedded) with an index.html; MathJax is copied to
OUT/html/mathjax/, so the pages work without a network (coursekit/release/html.py).
"""
from __future__ import annotations

import os
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

from .engine import ENV_VAR
from .release.course import Course, CourseInputError, notebook_bytes, read_notebook


class NotebookFailed(Exception):
    """A solution cell raised: the message names the file, the cell and the error."""


@contextmanager
def environment(name: str, value: str):
    saved = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = saved


def execute(path: Path, engine_root: Path, shown_as: str, timeout: int = 600):
    """The notebook at `path`, executed in its own folder against the engine in `engine_root`."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = read_notebook(path, shown_as)
    failed = []
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.on_cell_error = lambda cell, cell_index, execute_reply: failed.append(cell_index)
    course_root = str(Path(engine_root).parent)      # so the kernel can `%load_ext coursekit` uninstalled
    python_path = os.pathsep.join(filter(None, [course_root, os.environ.get("PYTHONPATH")]))
    with environment(ENV_VAR, str(engine_root)), environment("PYTHONPATH", python_path):
        try:
            client.execute(stderr=subprocess.DEVNULL)   # the kernel's own log lines are noise here
        except CellExecutionError as error:
            where = f"cell {failed[-1]}" if failed else "a cell"
            first_line = f"{error.ename}: {error.evalue}".strip()
            raise NotebookFailed(f"{shown_as}, {where}: {first_line}\n  fix the solution cell (or the engine it uses), then run this "
                                 f"again (the cell's full traceback: jupyter nbconvert --execute {shown_as})") from None
    return notebook


def _say(line: str) -> None:
    print(line, flush=True)


def build_answer_key(root: Path, out: Path, echo=_say) -> int:
    from .release.html import write_site

    course = root if isinstance(root, Course) else Course(root)
    out = Path(out).resolve()
    if out == course.solutions or course.solutions in out.parents:
        raise CourseInputError(f"{out}: the answer key must not be written inside solutions/")
    if out.exists() and not out.is_dir():
        raise CourseInputError(f"{out}: a file, not a folder; choose a folder for the answer key")
    paths = course.notebooks()
    if not paths:
        raise CourseInputError("solutions/chapters: no notebooks found")
    executed = []
    for number, path in enumerate(paths, start=1):
        started = time.perf_counter()
        shown_as = course.relative(path)
        notebook = execute(path, course.solutions, shown_as)
        target = out / "chapters" / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(notebook_bytes(notebook))
        executed.append((path.stem, notebook))
        echo(f"[{number}/{len(paths)}] {shown_as}: executed in {time.perf_counter() - started:.1f} s")
    pages = write_site(executed, out / "html", "自动微分（答案）")
    echo(f"solutions: {len(executed)} executed notebook(s) in {out / 'chapters'}, "
         f"{len(pages)} HTML page(s) and index.html in {out / 'html'}")
    return 0
