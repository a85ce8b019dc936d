"""The scores of a batch as one table, written as grades.csv (the grader's record, with hashes) and
gradebook.csv (what an LMS imports: one row per student, one column per exercise, the total).

Every text cell may come from a submission (its name is the student's file or folder name), so every
one is escaped as OWASP says for CSV injection: a cell starting with =, +, -, @, tab or carriage return
gets a leading apostrophe, and Excel or WPS shows it as text instead of running it as a formula.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value):
    """`value` as a spreadsheet shows it and never runs it (numbers are left alone)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


@dataclass
class ScoreRow:
    name: str
    score: int | None                    # None: the grader failed on this submission
    max_score: int | None = None
    exercises: dict[str, int] = field(default_factory=dict)
    hash: str = ""


def score_table(rows: list[tuple[str, dict]], failed: dict[str, str] | None = None) -> list[ScoreRow]:
    """One row per graded submission (from its results.json), then one per submission the grader failed on."""
    table = []
    for name, results in rows:
        extra = results.get("extra_data", {})
        table.append(ScoreRow(name, results.get("score", 0), extra.get("max_score"), extra.get("exercises", {}),
                              extra.get("submission_hash", "")))
    return table + [ScoreRow(name, None) for name in failed or {}]


def _csv(header: list[str], rows: list[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in [header, *rows]:
        writer.writerow([spreadsheet_cell(cell) for cell in row])
    return buffer.getvalue()


def grades_csv(table: list[ScoreRow], ids: list[str]) -> str:
    """The grader's record: graded submissions only, with the maximum and the content hash."""
    return _csv(["submission", "score", "max_score", *ids, "submission_hash"],
                [[r.name, r.score, r.max_score, *[r.exercises.get(i, 0) for i in ids], r.hash]
                 for r in table if r.score is not None])


def gradebook_csv(table: list[ScoreRow], ids: list[str]) -> str:
    """For an LMS: a submission the grader failed on has empty cells, so an import leaves its grades alone.
    With a byte-order mark: Excel reads UTF-8 (Chinese names) only with one; LMS imports accept it."""
    return "\ufeff" + _csv(["student", *ids, "total"],
                           [[r.name, *[r.exercises.get(i, 0) for i in ids], r.score] if r.score is not None
                            else [r.name, *[""] * len(ids), ""] for r in table])
