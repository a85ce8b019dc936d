"""Build the student version (`chapters/`, `minigrad/`) from `solutions/`, as files in memory.

A build is a dict {relative path: bytes}, in sorted order: easy to write, to compare with what is
committed, and identical from one build to the next (no timestamps, nbformat's own JSON layout).
"""
from __future__ import annotations

from pathlib import Path

from .course import Course, files_under, notebook_bytes, read_notebook, read_text
from .notebook_steps import NotebookContext, student_notebook
from .source_steps import SourceContext, student_source

STUDENT_DIRS = ("chapters", "minigrad")


def build_minigrad(course: Course, only: set[str] | None = None) -> dict[str, bytes]:
    """The student engine; with `only`, stub just those exercises (the validator's stub test)."""
    source = course.require("solutions/minigrad")
    files = {}
    for path in files_under(source):
        target = "minigrad/" + path.relative_to(source).as_posix()
        if path.suffix == ".py":
            ctx = SourceContext(course.relative(path), target, course.titles, only)
            files[target] = student_source(read_text(path, ctx.shown_as), ctx).encode("utf-8")
        else:
            files[target] = path.read_bytes()
    return files


def build_chapters(course: Course) -> dict[str, bytes]:
    """The student notebooks (and any other file in solutions/chapters, copied)."""
    source = course.require("solutions/chapters")
    files = {}
    for path in files_under(source):
        target = "chapters/" + path.relative_to(source).as_posix()
        if path.suffix == ".ipynb":
            ctx = NotebookContext(course.relative(path), target, course.titles)
            files[target] = notebook_bytes(student_notebook(read_notebook(path, ctx.shown_as), ctx))
        else:
            files[target] = path.read_bytes()
    return files


def build_student_files(course: Course) -> dict[str, bytes]:
    files = {**build_chapters(course), **build_minigrad(course)}
    return dict(sorted(files.items()))


def write_files(files: dict[str, bytes], out: Path) -> None:
    for relative, data in files.items():
        target = Path(out) / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def differences(files: dict[str, bytes], root: Path, folders=STUDENT_DIRS) -> dict[str, str]:
    """{path: 'missing' | 'differs' | 'not in the build'} between a build and the files under `root`."""
    found = {p.relative_to(root).as_posix(): p for folder in folders if (root / folder).is_dir()
             for p in files_under(root / folder)}
    result = {}
    for relative, data in files.items():
        if relative not in found:
            result[relative] = "missing"
        elif found[relative].read_bytes() != data:
            result[relative] = "differs"
    for relative in found.keys() - files.keys():
        result[relative] = "not in the build"
    return dict(sorted(result.items()))


def refresh_in_place(course: Course, files: dict[str, bytes]) -> dict[str, str]:
    """Make `chapters/` and `minigrad/` equal the build: write what changed, delete what is gone."""
    changes = differences(files, course.root)
    for relative, what in changes.items():
        target = course.root / relative
        if what == "not in the build":
            target.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(files[relative])
    for folder in STUDENT_DIRS:      # drop folders left empty by deletions
        for directory in sorted((course.root / folder).rglob("*"), reverse=True):
            if directory.is_dir() and not any(directory.iterdir()):
                directory.rmdir()
    return changes

