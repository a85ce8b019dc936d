"""coursekit/manifest.py places every file: each coursekit module ships to students or stays with the
instructor, and whatever a list ships (the student repository, the grading child) imports only what the
same list ships, so neither needs an `except ImportError` to cope with a missing module."""
from __future__ import annotations

import pytest

from coursekit import manifest

from helpers import ROOT
from test_imports import import_graph


def _module(relative: str) -> str:
    """'checks/base.py' -> 'coursekit.checks.base'; 'lessons/' -> 'coursekit.lessons'."""
    name = relative.removesuffix("/").removesuffix(".py").removesuffix("/__init__").removesuffix("__init__")
    return ".".join(["coursekit", *filter(None, name.split("/"))])


def _shipped(entries) -> set[str]:
    """The modules a list names, a trailing '/' standing for every module of the folder."""
    graph = import_graph()
    names = set()
    for entry in entries:
        name = _module(entry)
        names |= {m for m in graph if m == name or entry.endswith("/") and m.startswith(name + ".")}
    return names


def test_every_coursekit_module_goes_to_students_or_stays_with_the_instructor():
    instructor = _shipped(e.removeprefix("coursekit/") for e in manifest.INSTRUCTOR_ONLY if e.startswith("coursekit/"))
    student = _shipped(manifest.STUDENT_MODULES + tuple(f"lite/{name}" for name in manifest.LITE_RUNTIME))
    assert not student & instructor, f"in both lists: {sorted(student & instructor)}"
    unplaced = set(import_graph()) - student - instructor - {"coursekit"}
    assert not unplaced, f"add these to STUDENT_MODULES or INSTRUCTOR_ONLY in coursekit/manifest.py: {sorted(unplaced)}"
    assert _shipped(manifest.CHILD_MODULES) <= _shipped(manifest.STUDENT_MODULES)


@pytest.mark.parametrize("name, entries, exempt", [
    ("CHILD_MODULES", manifest.CHILD_MODULES, set()),
    # the CLI offers the instructor's verbs only where their modules exist (cli._available); the package's
    # __init__ imports the browser edition's modules only in the browser
    ("STUDENT_MODULES", manifest.STUDENT_MODULES, {"coursekit.cli", "coursekit"}),
    ("the browser edition", manifest.STUDENT_MODULES + tuple(f"lite/{n}" for n in manifest.LITE_RUNTIME), {"coursekit.cli"}),
])
def test_what_a_list_ships_imports_only_what_it_ships(name, entries, exempt):
    graph, shipped = import_graph(), _shipped(entries)
    missing = {f"{module} imports {other}" for module in shipped - exempt for other in graph[module]
               if other not in shipped and other != "coursekit"}
    assert not missing, f"{name} lacks what its modules import: {sorted(missing)}"


def test_the_student_tests_and_extras_exist():
    for source in [*manifest.STUDENT_TESTS.values(), *manifest.STUDENT_EXTRAS]:
        assert (ROOT / source).exists(), source
