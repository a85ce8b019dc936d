"""The standalone student repository: the student version plus what students need to run it.

Only what coursekit/manifest.py names is copied: anything new in the maintainers' repository stays out of the
student repository until it is added there on purpose.
"""
from __future__ import annotations

import json
import tomllib
from pathlib import Path
from string import Template

from ..manifest import STUDENT_EXTRAS, STUDENT_MODULES, STUDENT_TESTS
from ..markers import MarkerError, find_regions, remove_hidden
from ..submit import upload_destination
from .build import build_student_files
from .course import Course, CourseInputError, files_under, read_text

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def _expand(course: Course, names) -> list[tuple[str, Path]]:
    chosen = []
    for name in names:
        if name.endswith("/"):
            folder = course.require(name.rstrip("/"))
            chosen += [(p.relative_to(course.root).as_posix(), p) for p in files_under(folder)]
        else:
            chosen.append((name, course.require(name)))
    return chosen


def _package_file(relative: str, path: Path) -> bytes:
    """A tooling file for students: hidden tests removed, and no solution region allowed."""
    if path.suffix != ".py":
        return path.read_bytes()
    text = read_text(path, relative)
    solutions = [r for r in find_regions(text, relative) if r.kind == "solution"]
    if solutions:
        raise MarkerError(relative, solutions[0].begin, "solution region in tooling code: solution regions belong "
                                                        "in solutions/minigrad or the solution notebooks")
    return remove_hidden(text, relative).encode("utf-8")


def _toml_list(items, indent="    ") -> str:
    return "".join(f'{indent}"{item}",\n' for item in items)


def _settings(course: Course) -> dict:
    try:
        return tomllib.loads(read_text(course.require("pyproject.toml")))
    except tomllib.TOMLDecodeError as error:
        raise CourseInputError(f"pyproject.toml: not valid TOML ({error})") from None


def submit_to(course: Course) -> str:
    """Where students upload their submission: [tool.coursekit] submit-to of the course's pyproject.toml."""
    try:
        return upload_destination(_settings(course).get("tool", {}).get("coursekit", {}))
    except ValueError as error:
        raise CourseInputError(f"pyproject.toml: {error}") from None


def pyproject(course: Course) -> bytes:
    """The student pyproject.toml: same project and dependencies, pytest over tests/ and chapters/."""
    try:
        project = _settings(course)["project"]
    except KeyError as error:
        raise CourseInputError(f"pyproject.toml: cannot read [project] ({error})") from None
    values = {
        "name": project["name"], "version": project["version"], "description": project.get("description", ""),
        "requires_python": project.get("requires-python", ">=3.11"),
        "dependencies": _toml_list(project.get("dependencies", [])),
        "dev_dependencies": _toml_list(project.get("optional-dependencies", {}).get("dev", [])),
        "submit_to_toml": json.dumps(submit_to(course), ensure_ascii=False),     # a JSON string is a TOML string
    }
    return Template((TEMPLATES / "pyproject.toml.tmpl").read_text(encoding="utf-8")).substitute(values).encode("utf-8")


def exercise_table(course: Course) -> str:
    rows = ["| 练习 | 内容 | 分值 | 在哪里写 | 在哪个笔记本检查 |", "|---|---|---|---|---|"]
    for e in course.exercises:
        rows.append(f"| `{e.id}` | {e.title} | {e.points} | `{e.where}` | `chapters/{e.section}.ipynb` |")
    return "\n".join(rows)


def readme(course: Course) -> bytes:
    values = {"exercise_table": exercise_table(course),
              "total_points": sum(e.points for e in course.exercises), "submit_to": submit_to(course)}
    return Template((TEMPLATES / "README.md.tmpl").read_text(encoding="utf-8")).substitute(values).encode("utf-8")


def build_repository(course: Course) -> dict[str, bytes]:
    """Every file of the standalone student repository, {relative path: bytes}, sorted."""
    files = build_student_files(course)
    for relative, path in _expand(course, [f"coursekit/{name}" for name in STUDENT_MODULES]):
        files[relative] = _package_file(relative, path)
    for relative, source in STUDENT_TESTS.items():
        files[relative] = course.require(source).read_bytes()
    for relative, path in _expand(course, STUDENT_EXTRAS):
        files[relative] = path.read_bytes()
    files["pyproject.toml"] = pyproject(course)
    files["README.md"] = readme(course)
    return dict(sorted(files.items()))
