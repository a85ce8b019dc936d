"""The student engine, built from a solution source file by a chain of small named steps.

    check_regions           every solution region has a registered id and sits in a function body
    remove_hidden_tests     hidden-test regions removed
    stub_solution_regions   every solution region -> the stub
    check_still_python      the result still parses (a stub must never break `import minigrad`)
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from ..markers import MarkerError, check_python_regions, remove_hidden, stub_solutions


@dataclass
class SourceContext:
    shown_as: str          # e.g. solutions/minigrad/ops.py
    where: str             # e.g. minigrad/ops.py
    titles: dict[str, str]
    only: set[str] | None = None     # stub only these exercises (the validator's per-exercise stubs)


def remove_hidden_tests(text: str, ctx: SourceContext) -> str:
    return remove_hidden(text, ctx.shown_as)


def check_regions(text: str, ctx: SourceContext) -> str:
    for region in check_python_regions(text, ctx.shown_as):
        if region.id not in ctx.titles:
            raise MarkerError(ctx.shown_as, region.begin, f"exercise id {region.id!r} is not in the registry "
                                                          f"(coursekit/exercises.py): fix the id or register it")
    return text


def stub_solution_regions(text: str, ctx: SourceContext) -> str:
    return stub_solutions(text, ctx.shown_as, ctx.titles, ctx.where, only=ctx.only)


def check_still_python(text: str, ctx: SourceContext) -> str:
    try:
        ast.parse(text, filename=ctx.where)
    except SyntaxError as error:
        raise MarkerError(ctx.shown_as, error.lineno or 0, f"the stubbed file is not valid Python ({error.msg}): "
                                                           f"a region must hold whole statements of one function body")
    return text


SOURCE_STEPS = (check_regions, remove_hidden_tests, stub_solution_regions, check_still_python)


def student_source(text: str, ctx: SourceContext, steps=SOURCE_STEPS) -> str:
    for step in steps:
        text = step(text, ctx)
    return text
