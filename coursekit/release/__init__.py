"""`python -m coursekit release [OUT] [--html]`: the student version, built from `solutions/`.

Without OUT, `chapters/` and `minigrad/` of the maintainers' repository are refreshed in place; with
OUT, a standalone student repository is written there. `solutions/` is only ever read.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from .build import STUDENT_DIRS, build_student_files, differences, refresh_in_place, write_files
from .course import Course, CourseInputError
from .repository import build_repository

__all__ = ["Course", "CourseInputError", "STUDENT_DIRS", "build_student_files", "build_repository",
           "differences", "release"]


COURSE_FOLDERS = ("solutions", "chapters", "minigrad", "coursekit", "tests", "text")


def _check_out(course: Course, out: Path, force: bool) -> Path:
    """OUT must be a new (or empty, or --force'd) folder, not one of the course's own."""
    out = Path(out).resolve()
    if out == course.root or any(out == course.root / name or course.root / name in out.parents
                                 for name in COURSE_FOLDERS):
        raise CourseInputError(f"{out}: choose an OUT folder outside the course's own folders")
    if out.exists() and not out.is_dir():
        raise CourseInputError(f"{out}: a file, not a folder; choose a folder for the release")
    if out.exists() and any(out.iterdir()):
        if not force:
            raise CourseInputError(f"{out}: not empty; choose a new folder or pass --force to replace it")
        shutil.rmtree(out)
    return out


def write_html(files: dict[str, bytes], out: Path) -> list[Path]:
    from .html import write_site
    notebooks = [(Path(name).stem, nbformat.reads(data.decode("utf-8"), as_version=4))
                 for name, data in files.items() if name.startswith("chapters/") and name.endswith(".ipynb")]
    return write_site(notebooks, out / "html", "自动微分（学生版）")


def refresh(course: Course, html: bool = False, echo=print) -> int:
    """Rewrite `chapters/` and `minigrad/` of the maintainers' repository from solutions/."""
    files = build_student_files(course)
    changes = refresh_in_place(course, files)
    for relative, what in changes.items():
        echo(f"  {'removed' if what == 'not in the build' else 'wrote'} {relative}")
    echo(f"release: {'/'.join(STUDENT_DIRS)} refreshed from solutions/ ({len(changes)} file(s) changed, "
         f"{len(files)} in the build)")
    if html:
        pages = write_html(files, course.root / "_build")
        echo(f"release: {len(pages)} HTML page(s) in {course.root / '_build' / 'html'}")
    return 0


def standalone(course: Course, out: Path, html: bool = False, force: bool = False, echo=print) -> int:
    """Write the standalone student repository to `out`."""
    out = _check_out(course, out, force)
    files = build_repository(course)
    write_files(files, out)
    echo(f"release: student repository with {len(files)} file(s) written to {out}")
    if html:
        pages = write_html(files, out)
        echo(f"release: {len(pages)} HTML page(s) in {out / 'html'}")
    return 0


def release(root: Path | Course, out: Path | None = None, html: bool = False, force: bool = False,
            echo=print) -> int:
    """`python -m coursekit release [OUT]`: refresh in place, or write a student repository to OUT."""
    course = root if isinstance(root, Course) else Course(root)
    if out is None:
        return refresh(course, html, echo)
    return standalone(course, Path(out), html, force, echo)
