"""What a student meets on the way through the course, as far as a test can judge it: notebook 10 (the book's
exercises) gives every exercise a cell the student answers in, keeps the worked answers in the solutions and
credits each exercise to its edition; 00 links the glossary; the README says every file an exercise edits."""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from coursekit.markers import ANSWER_CODE_PROMPT, ANSWER_PROMPT

ROOT = Path(__file__).resolve().parents[2]
NAME = "10_exercises.ipynb"
HEADING = re.compile(r"^#### 练习 (\d)(?![.\d])", re.M)


def _sections(notebook) -> dict[int, list]:
    """Exercise number -> the cells from its heading up to the next numbered exercise's heading."""
    sections, current = {}, None
    for cell in notebook.cells:
        found = HEADING.search(cell.source) if cell.cell_type == "markdown" else None
        if found:
            current = sections.setdefault(int(found[1]), [])
        if current is not None:
            current.append(cell)
    return sections


def _is_student_cell(cell) -> bool:
    if cell.cell_type == "markdown":
        return cell.source == ANSWER_PROMPT
    return cell.source == ANSWER_CODE_PROMPT or "NotImplementedError(\"练习" in cell.source


@pytest.fixture(scope="module")
def student():
    return nbformat.read(ROOT / "chapters" / NAME, as_version=4)


def test_every_exercise_of_the_book_has_a_cell_the_student_answers_in(student):
    sections = _sections(student)
    assert sorted(sections) == list(range(1, 10)), sorted(sections)
    missing = [n for n, cells in sections.items() if not any(_is_student_cell(c) for c in cells)]
    assert missing == [], f"exercises without a student cell in chapters/{NAME}: {missing}"


def test_the_worked_answers_are_only_in_the_solutions(student):
    solution = nbformat.read(ROOT / "solutions/chapters" / NAME, as_version=4)
    worked = [c for c in solution.cells if c.get("metadata", {}).get("nbgrader", {}).get("solution")]
    assert len(worked) >= 9 and all("参考答案" in c.source for c in worked if c.cell_type == "markdown")
    shown = "\n".join(c.source for c in student.cells)
    assert "参考答案" not in shown
    free_code = [c for c in student.cells if c.cell_type == "code" and c.source == ANSWER_CODE_PROMPT]
    assert free_code and all(not c.outputs and c.execution_count is None for c in free_code)


def test_exercises_are_credited_to_the_edition_they_come_from():
    intro = nbformat.read(ROOT / "solutions/chapters" / NAME, as_version=4).cells[0].source
    assert "1–5 出自《动手学深度学习》中文版 2.5 节" in intro
    assert "6–9 出自它的英文版 *Dive into Deep Learning*" in intro


def test_the_index_links_the_glossary_and_the_glossary_says_where_each_term_first_appears():
    index = "\n".join(c.source for c in nbformat.read(ROOT / "solutions/chapters/00_index.ipynb", as_version=4).cells)
    assert "[术语表](12_glossary.ipynb)" in index
    glossary = "\n".join(c.source for c in nbformat.read(ROOT / "solutions/chapters/12_glossary.ipynb", as_version=4).cells)
    for term in ("jvp", "vjp", "伴随", "切线", "`sink(node, g)`", "`AccumulateGrad`", "节点（`Node`）", "拓扑序", "雅可比矩阵"):
        assert term in glossary, term
    stems = re.findall(r"\]\((\d\d_\w+)\.ipynb\)", glossary)
    assert stems and all((ROOT / "solutions/chapters" / f"{stem}.ipynb").is_file() for stem in stems)


def test_the_student_readme_lists_every_file_an_exercise_edits():
    from coursekit.release.course import Course
    from coursekit.release.repository import exercise_table
    row = next(line for line in exercise_table(Course(ROOT)).splitlines() if "`2.1.3-detach`" in line)
    assert "`minigrad/grad_mode.py`" in row and "`minigrad/tensor.py`" in row
