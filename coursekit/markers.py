"""Exercise and hidden-test markers (nbgrader's syntax plus the exercise id), found, checked and replaced.

    ### BEGIN SOLUTION 2.1-vjp        ### BEGIN HIDDEN TESTS
    ...                               ...
    ### END SOLUTION                  ### END HIDDEN TESTS

A solution region becomes the stub (one Chinese comment line + `raise NotImplementedError`), a hidden
region disappears. Anything malformed raises MarkerError naming the file, the line and what to fix.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"
ANSWER_PROMPT = "**你的回答：**（在这里写下你的回答）"
ANSWER_CODE_PROMPT = "# 你的代码：在这里写代码并运行（可以再加单元格）"
FREE_ANSWER = "answer-"     # grade_id prefix of an answer nobody checks: the whole cell is the reference answer

_MARKER = re.compile(r"^(?P<indent>[ \t]*)(?P<marker>### (?:BEGIN|END) (?:SOLUTION|HIDDEN TESTS))(?P<rest>.*)$")


class MarkerError(ValueError):
    """A marker problem, reported as 'file:line: what is wrong; what to do'."""

    def __init__(self, path: str, line: int, message: str):
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


@dataclass(frozen=True)
class Region:
    kind: str                  # "solution" or "hidden"
    id: str | None             # the exercise id (solution regions)
    begin: int                 # 1-based line numbers of the BEGIN and END marker lines
    end: int
    indent: str

    def body(self, lines: list[str]) -> list[str]:
        return lines[self.begin:self.end - 1]


def _parse_marker(line: str):
    match = _MARKER.match(line)
    if not match:
        return None
    marker, rest = match["marker"], match["rest"].strip()
    kind = "solution" if "SOLUTION" in marker else "hidden"
    return kind, marker.split()[1], rest, match["indent"]


def find_regions(text: str, path: str) -> list[Region]:
    """All marker regions of `text`, in order; MarkerError on unbalanced, nested or malformed markers."""
    regions, open_ = [], None
    for number, line in enumerate(text.splitlines(), start=1):
        parsed = _parse_marker(line)
        if parsed is None:
            if re.search(r"#+\s*(BEGIN|END)\s+(SOLUTION|HIDDEN)", line):
                raise MarkerError(path, number, f"malformed marker {line.strip()!r}: write it exactly as "
                                                f"'{BEGIN_SOLUTION} <id>' / '{END_SOLUTION}' / '{BEGIN_HIDDEN}' / '{END_HIDDEN}'")
            continue
        kind, verb, rest, indent = parsed
        if verb == "BEGIN":
            if open_ is not None:
                raise MarkerError(path, number, f"nested marker: the region opened at line {open_[1]} is not closed; "
                                                f"add its END line before this BEGIN")
            if kind == "hidden" and rest:
                raise MarkerError(path, number, f"unexpected text after '{BEGIN_HIDDEN}': {rest!r}")
            open_ = (kind, number, rest or None, indent)
        else:
            if open_ is None:
                raise MarkerError(path, number, "END marker without a BEGIN: add the BEGIN line above or remove this one")
            if open_[0] != kind:
                raise MarkerError(path, number, f"this END closes a {kind} region but the region opened at line "
                                                f"{open_[1]} is a {open_[0]} region")
            if rest:
                raise MarkerError(path, number, f"unexpected text after the END marker: {rest!r}")
            if indent != open_[3]:
                raise MarkerError(path, number, f"END marker indented differently from its BEGIN (line {open_[1]}): "
                                                f"indent both the same")
            regions.append(Region(kind, open_[2], open_[1], number, open_[3]))
            open_ = None
    if open_ is not None:
        raise MarkerError(path, open_[1], "BEGIN marker without an END: close the region")
    return regions


def solution_regions(text: str, path: str) -> list[Region]:
    return [r for r in find_regions(text, path) if r.kind == "solution"]


def stub_lines(exercise_id: str, title: str, where: str, indent: str = "") -> list[str]:
    """What a solution region becomes in the student version."""
    return [f"{indent}# 练习 {exercise_id}：{title}。在这里写你的代码。",
            f'{indent}raise NotImplementedError("练习 {exercise_id} 尚未完成：{title}（{where}）")']


def _ends_with_newline(text: str) -> str:
    return "\n" if text.endswith("\n") else ""


def remove_hidden(text: str, path: str) -> str:
    """`text` without its hidden-test regions (markers included)."""
    lines = text.splitlines()
    for region in reversed([r for r in find_regions(text, path) if r.kind == "hidden"]):
        del lines[region.begin - 1:region.end]
    while lines and not lines[-1].strip():       # no blank lines left dangling at the end
        lines.pop()
    return "\n".join(lines) + _ends_with_newline(text) if lines else ""


def stub_solutions(text: str, path: str, titles: dict[str, str], where: str,
                   only: set[str] | None = None, default_id: str | None = None) -> str:
    """Replace solution regions (all, or those whose id is in `only`) by their stub.

    `titles` maps every known exercise id to its title: an id outside it is an error.
    `default_id` names regions written without an id (notebook cells, whose grade_id says it).
    """
    lines = text.splitlines()
    for region in reversed(solution_regions(text, path)):
        exercise_id = region.id or default_id
        if exercise_id is None:
            raise MarkerError(path, region.begin, f"'{BEGIN_SOLUTION}' needs the exercise id, e.g. "
                                                  f"'{BEGIN_SOLUTION} 2.1-vjp'")
        if exercise_id not in titles:
            raise MarkerError(path, region.begin, f"exercise id {exercise_id!r} is not in the registry "
                                                  f"(coursekit/exercises.py): fix the id or register the exercise")
        if only is None or exercise_id in only:
            lines[region.begin - 1:region.end] = stub_lines(exercise_id, titles[exercise_id], where, region.indent)
    return "\n".join(lines) + _ends_with_newline(text)


def _innermost_scope(tree: ast.AST, line: int):
    """The innermost def or class whose body holds `line`, or None at module level."""
    best = None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.body[0].lineno <= line <= node.end_lineno and (best is None or node.lineno > best.lineno):
                best = node
    return best


def check_python_regions(text: str, path: str) -> list[Region]:
    """Solution regions of a .py file, each checked to sit inside a function body; returns them."""
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as error:
        raise MarkerError(path, error.lineno or 0, f"not valid Python: {error.msg}") from None
    lines = text.splitlines()
    regions = solution_regions(text, path)
    for region in regions:
        if not region.id:
            raise MarkerError(path, region.begin, f"'{BEGIN_SOLUTION}' needs the exercise id, e.g. "
                                                  f"'{BEGIN_SOLUTION} 2.1-vjp'")
        code = [region.begin + 1 + i for i, line in enumerate(region.body(lines))
                if line.strip() and not line.strip().startswith("#")]
        if not code:
            raise MarkerError(path, region.begin, "empty solution region: put the solution code between the markers")
        scope = _innermost_scope(tree, code[0])
        if not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) or not region.indent:
            raise MarkerError(path, region.begin, "solution region at module or class level: move it inside a "
                                                  "function body (a stub must never break `import minigrad`)")
    return regions
