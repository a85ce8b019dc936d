"""`python -m coursekit lite OUT [--solved] [--pyodide DIR|ARCHIVE]`: the course as a static JupyterLite site.

The site is JupyterLab in the browser with a Pyodide (Python in WebAssembly) kernel, and needs no
server of its own: any static file server can host it. What it holds:

- the drive (the browser's file panel, mounted at /drive in the kernel): `chapters/`, `minigrad/`,
  `text/`, the README and pyproject.toml of the student repository (coursekit.release builds them), or
  with `--solved` the complete engine and notebooks (an instructor's preview);
- `static/pyodide/`: Pyodide's runtime and the packages the course needs, copied from a local
  distribution (coursekit.lite.pyodide_dist), so nothing is loaded from a CDN; plus two wheels installed
  at kernel start: `coursekit` (the student tooling, the browser check and PyTorch's recorded answers)
  and IPython's `deduperreload` (for the live engine; Pyodide's IPython 8 lacks it);
- `pypi/`: `comm`, which the kernel needs and Pyodide's lock lacks.
"""
from __future__ import annotations

import functools
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from .. import __version__
from ..manifest import LITE_RUNTIME as RUNTIME
from ..release import _check_out
from ..release.course import Course, CourseInputError, files_under, notebook_bytes
from ..release.repository import build_repository
from . import pyodide_dist, wheel
from .recording import RECORDING, VERSION_FILE, checks_digest, course_version, record

LITE = Path(__file__).resolve().parent
DRIVE = ("chapters/", "minigrad/", "text/", "README.md", "pyproject.toml")
KERNEL = "@jupyterlite/pyodide-kernel-extension:kernel"
LITE_NOTE = ("> **浏览器版**：这里没有 PyTorch，用 `torch` 的单元格不能运行（它们下面保留着安装版运行的结果）；"
             "练习、`check(...)` 和 minigrad 都能用，check 与建站时记录的 PyTorch 结果比较，评分时还会检查隐藏用例。"
             "改完 `minigrad/` 里的文件保存后，下一个运行的单元格就会用上新代码。")


def _solved(course: Course, files: dict[str, bytes]) -> dict[str, bytes]:
    """The instructor's preview: the complete engine and notebooks instead of the student's."""
    files = {k: v for k, v in files.items() if not k.startswith(("minigrad/", "chapters/"))}
    for folder in ("minigrad", "chapters"):
        source = course.require(f"solutions/{folder}")
        files.update({f"{folder}/{p.relative_to(source).as_posix()}": p.read_bytes() for p in files_under(source)})
    return files


def _uses_torch(notebook) -> bool:
    return any(c.cell_type == "code" and ("import torch" in c.source or "torch." in c.source)
               for c in notebook.cells)


def _with_note(data: bytes) -> bytes:
    """A chapter that uses PyTorch gets a note under its title: which cells the browser cannot run."""
    notebook = nbformat.reads(data.decode("utf-8"), as_version=4)
    if not _uses_torch(notebook):
        return data
    notebook.cells.insert(1, nbformat.v4.new_markdown_cell(LITE_NOTE, id="coursekit-lite-note"))
    return notebook_bytes(notebook)


def drive_files(files: dict[str, bytes]) -> dict[str, bytes]:
    chosen = {k: v for k, v in files.items() if k.startswith(DRIVE)}
    return {k: _with_note(v) if k.endswith(".ipynb") else v for k, v in chosen.items()}


@functools.lru_cache(maxsize=2)
def _recording(root: Path, shipped: str) -> bytes:
    """record(), once per process for the same course (a student site and a preview built together)."""
    return record(root, shipped)


def coursekit_wheel(course: Course, files: dict[str, bytes], echo=print) -> tuple[str, bytes]:
    """coursekit as the students get it, plus the browser's runtime and PyTorch's recorded answers."""
    package = {k: v for k, v in files.items() if k.startswith("coursekit/") and not k.endswith(".pyc")}
    package.update({f"coursekit/lite/{name}": (LITE / name).read_bytes() for name in RUNTIME})
    shipped = checks_digest(lambda name: package[f"coursekit/{name}"])
    echo("lite: recording PyTorch's answers to every public case")
    package[f"coursekit/lite/{RECORDING}"] = _recording(course.root, shipped)
    package[f"coursekit/lite/{VERSION_FILE}"] = course_version(course.root).encode()
    return wheel.wheel_name("coursekit", __version__), wheel.wheel_bytes("coursekit", __version__, package)


def deduperreload_wheel() -> tuple[str, bytes]:
    """IPython's deduperreload (the live engine's patcher, IPython >= 9.1), for Pyodide's IPython 8."""
    import IPython
    folder = Path(IPython.__file__).parent / "extensions" / "deduperreload"
    if not folder.is_dir():
        raise CourseInputError("IPython >= 9.1 is needed to build the site (its deduperreload goes into the "
                               "browser's kernel): pip install -U ipython")
    files = {f"IPython/extensions/deduperreload/{p.name}": p.read_bytes() for p in sorted(folder.glob("*.py"))}
    version = IPython.__version__
    return wheel.wheel_name("ipython-deduperreload", version), wheel.wheel_bytes("ipython-deduperreload", version,
                                                                                 files)


def _add_to_lock(pyodide: Path, name: str, file_name: str, data: bytes, imports, depends) -> None:
    (pyodide / file_name).write_bytes(data)
    lock_path = pyodide / "pyodide-lock.json"
    lock = json.loads(lock_path.read_text(encoding="utf-8"))
    lock["packages"][name] = wheel.lock_entry(name, "0", file_name, data, imports, depends)
    lock_path.write_text(json.dumps(lock), encoding="utf-8")


def lite_config() -> dict:
    return {"jupyter-lite-schema-version": 0, "jupyter-config-data": {
        "appName": "自动微分（浏览器版）",
        "litePluginSettings": {KERNEL: {
            "pyodideUrl": "./static/pyodide/pyodide.js",
            "disablePyPIFallback": True,
            "loadPyodideOptions": {"packages": ["numpy", "coursekit", "ipython-deduperreload"]}}}}}


def assemble(course: Course, lite_dir: Path, solved: bool, pyodide: Path, echo=print) -> None:
    """The input folder of `jupyter lite build`."""
    files = build_repository(course)
    files = _solved(course, files) if solved else files
    for relative, data in drive_files(files).items():
        target = lite_dir / "files" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    static = lite_dir / "static" / "pyodide"
    copied = pyodide_dist.copy_distribution(pyodide, static, echo)
    echo(f"lite: Pyodide {pyodide_dist.VERSION} from {pyodide}, {len(copied)} packages checked against its lock")
    name, data = coursekit_wheel(course, files, echo)
    _add_to_lock(static, "coursekit", name, data, ["coursekit"], ["numpy"])
    name, data = deduperreload_wheel()
    _add_to_lock(static, "ipython-deduperreload", name, data, [], ["ipython"])
    (lite_dir / "pypi").mkdir()
    name, data = wheel.installed_wheel("comm")
    (lite_dir / "pypi" / name).write_bytes(data)
    (lite_dir / "jupyter-lite.json").write_text(json.dumps(lite_config(), ensure_ascii=False, indent=1),
                                                encoding="utf-8")


def build_site(root: Path, out: Path, solved: bool = False, pyodide: Path | None = None, force: bool = False,
               echo=print) -> int:
    course = Course(root)
    out = _check_out(course, out, force)
    pyodide = Path(pyodide) if pyodide else pyodide_dist.default_place()
    with tempfile.TemporaryDirectory() as scratch:
        lite_dir = Path(scratch) / "lite"
        lite_dir.mkdir()
        try:
            assemble(course, lite_dir, solved, pyodide, echo)
        except pyodide_dist.PyodideError as error:
            raise CourseInputError(str(error)) from None
        command = [sys.executable, "-m", "jupyterlite_core", "build", "--lite-dir", str(lite_dir),
                   "--output-dir", str(out), "--no-sourcemaps"]
        done = subprocess.run(command, cwd=scratch, capture_output=True, text=True)
        if done.returncode:
            raise CourseInputError(f"jupyter lite build failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    shutil.rmtree(out / ".jupyterlite.doit.db", ignore_errors=True)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 2 ** 20
    edition = "instructor preview (complete engine)" if solved else "student edition"
    echo(f"lite: {edition} written to {out} ({size:.0f} MB); serve it with any static server, e.g. "
         f"python -m http.server -d {out}, and open /lab/index.html")
    return 0
