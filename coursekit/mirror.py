"""Do the notebooks mirror the course text? Every heading, paragraph, list item, figure caption and code
block of `text/2.1_autodiff.md`, in order across the notebooks, with each code block's 结果 stored as
that cell's output.

The text is read as its author wrote it: a line starting with '#' is a heading, '- '/'* ' a list item,
'![alt](file)' a figure, a block indented by four spaces is code (or, after a '结果：' line, the output
of the code block before it), any other line is a paragraph line. Paragraph text is compared with all
whitespace removed ("line breaks may differ"), code line by line (trailing spaces ignored).
"""
from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

TEXT = "text/2.1_autodiff.md"
RESULT_LINE = "结果："
_FIGURE = re.compile(r"^!\[(?P<alt>[^\]]*)\]\((?P<file>[^)]*)\)$")
_LIST_ITEM = re.compile(r"^[-*+]\s+(?P<item>.*)$")


@dataclass
class Unit:
    kind: str                 # heading, paragraph, figure, code
    text: str
    line: int                 # 1-based line in the text
    result: str | None = None

    def short(self, width: int = 40) -> str:
        flat = " ".join(self.text.split())
        return flat if len(flat) <= width else flat[:width] + "…"


def _indented(line: str) -> bool:
    return line.startswith("    ") or line.startswith("\t")


def _block(lines: list[str], start: int) -> tuple[str, int]:
    """The indented block starting at `start` (dedented, trailing spaces and edge blank lines dropped)."""
    end = start
    while end < len(lines) and (not lines[end].strip() or _indented(lines[end])):
        end += 1
    block = [line.rstrip() for line in lines[start:end]]
    while block and not block[-1]:
        block.pop()
    return textwrap.dedent("\n".join(block)).strip("\n"), end


def parse_text(text: str) -> list[Unit]:
    """The text's units in order; a code unit carries its 结果 as `result`."""
    lines, units, expect_result, i = text.splitlines(), [], False, 0
    while i < len(lines):
        line, stripped = lines[i], lines[i].strip()
        item = _LIST_ITEM.match(stripped)
        if not stripped:
            i += 1
        elif line.startswith("#"):
            units.append(Unit("heading", line.rstrip(), i + 1))
            i += 1
        elif stripped == RESULT_LINE:
            expect_result = True
            i += 1
        elif item:
            units.append(Unit("paragraph", item["item"], i + 1))
            i += 1
        elif _FIGURE.match(stripped):
            units.append(Unit("figure", _FIGURE.match(stripped)["alt"], i + 1))
            i += 1
        elif _indented(line):
            block, end = _block(lines, i)
            codes = [u for u in units if u.kind == "code"]
            if expect_result and codes:
                codes[-1].result = block
            else:
                units.append(Unit("code", block, i + 1))
            expect_result, i = False, end
        else:
            units.append(Unit("paragraph", stripped, i + 1))
            i += 1
    return units


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def code_lines(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines()).strip("\n")


def cell_output_text(cell) -> str:
    """What the cell displayed as text: its streams and the text/plain of its results, in order."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type in ("execute_result", "display_data") and "text/plain" in output.data:
            parts.append(output.data["text/plain"] + "\n")
    return code_lines("".join(parts))


@dataclass
class Cell:
    notebook: str
    index: int
    cell: object

    @property
    def kind(self) -> str:
        return self.cell.cell_type


def _matches(unit: Unit, cell: Cell, offset: int) -> int | None:
    """The offset just after `unit` in `cell` (searching from `offset`), or None."""
    if unit.kind == "code":
        return 1 if cell.kind == "code" and code_lines(cell.cell.source) == unit.text else None
    if unit.kind == "heading":
        if cell.kind != "markdown":
            return None
        lines = [line.rstrip() for line in cell.cell.source.splitlines()]
        return lines.index(unit.text) + 1 if unit.text in lines[offset:] else None
    if cell.kind != "markdown" and unit.kind != "figure":
        return None
    haystack = squeeze(cell.cell.source if cell.kind == "markdown" else cell.cell.source + cell_output_text(cell.cell))
    found = haystack.find(squeeze(unit.text), offset if cell.kind == "markdown" else 0)
    return None if found < 0 else found + len(squeeze(unit.text))


def _describe(unit: Unit) -> str:
    return {"heading": f"heading {unit.text!r}", "paragraph": f"paragraph {unit.short()!r}",
            "figure": f"figure caption {unit.text!r}", "code": f"code block {unit.short()!r}"}[unit.kind]


def _fix(unit: Unit) -> str:
    return {"heading": "add a markdown cell with exactly this heading line",
            "paragraph": "copy it verbatim into a markdown cell (or, when you fixed the notebook's wording on "
                         "purpose, make the same change in the course text)",
            "figure": "regenerate the figure by code and give it this caption in a markdown cell",
            "code": "add a code cell whose source is exactly this block"}[unit.kind]


def mirror_problems(units: list[Unit], cells: list[Cell], text_name: str = TEXT) -> list[tuple[str, str]]:
    """[(file, what to do)] for every unit missing, out of order, or whose stored output differs."""
    problems, position, offset = [], 0, 0
    for unit in units:
        found = None
        for at in range(position, len(cells)):
            end = _matches(unit, cells[at], offset if at == position else 0)
            if end is not None:
                found = (at, end)
                break
        if found is None:
            elsewhere = any(_matches(unit, cell, 0) is not None for cell in cells[:position])
            state = "out of order (it appears before an earlier part of the text)" if elsewhere else "missing"
            after = f" after {cells[position - 1].notebook} cell {cells[position - 1].index}" if position else ""
            problems.append((f"{text_name}:{unit.line}", f"{_describe(unit)} {state} in the notebooks: "
                                                        f"{_fix(unit)}{after}"))
            continue
        position, offset = found
        cell = cells[position]
        if unit.kind == "code":
            if unit.result is not None and cell_output_text(cell.cell) != code_lines(unit.result):
                problems.append((f"{cell.notebook} cell {cell.index}",
                                 f"stored output {cell_output_text(cell.cell)!r} differs from the text's 结果 "
                                 f"{unit.result!r} ({text_name}:{unit.line}): re-execute the notebook or fix the cell"))
            position, offset = position + 1, 0
    return problems


def notebook_cells(named_notebooks: list[tuple[str, object]]) -> list[Cell]:
    return [Cell(name, index, cell) for name, notebook in named_notebooks for index, cell in enumerate(notebook.cells)]


def check_mirror(text: str, named_notebooks: list[tuple[str, object]], text_name: str = TEXT) -> list[tuple[str, str]]:
    return mirror_problems(parse_text(text), notebook_cells(named_notebooks), text_name)
