"""What the instructor reads after a batch: the class report (report.html, report.md) and gradebook.csv.

The report shows the score histogram, each exercise's pass rate, each exercise's most frequent first
failure (read as data from results.json: each test's `extra_data.first_failure`, see outcome.FirstFailure),
and the submissions that could not be graded, with why. report.html is rendered by Jinja2 from
coursekit/templates/report.html.j2 (autoescaped: a submission's name or message is never markup), with
the figures embedded; report.md links them beside it. gradebook.csv: tables.py.
Maintainers' English; the exercise titles and the students' failure messages are the course's Chinese.
"""
from __future__ import annotations

import base64
import io
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from .. import exercises as registry
from .outcome import CASE, PROBLEM, UNFINISHED, FirstFailure
from .results import write_atomic
from .tables import ScoreRow, gradebook_csv, score_table

FIGURES = ("report-scores.png", "report-pass-rates.png")          # beside report.md, which links them
RESERVED = ("report.html", "report.md", "gradebook.csv", *FIGURES)  # no submission may take these names
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
MAX_TEXT = 160


# ---------------------------------------------------------------- reading results.json

def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "…"


def failure_key(first: FirstFailure) -> str:
    """What is counted: "check · case" (hidden cases by the public case they were redrawn from), or the
    problem that stopped the exercise, or "not finished"."""
    if first.kind == CASE:
        return _short(f"{first.check} · {first.case}" + (" (hidden inputs)" if first.hidden else ""))
    return "not finished" if first.kind == UNFINISHED else _short(first.error)


def first_failures(results: dict) -> dict[str, FirstFailure | None]:
    """Exercise id -> its first failure (None: passed), for every test of a results.json."""
    found = {}
    for test in results.get("tests", []):
        extra = test.get("extra_data") or {}
        if isinstance(extra, dict) and isinstance(extra.get("exercise"), str):
            found[extra["exercise"]] = FirstFailure.from_json(extra.get("first_failure"))
    return found


@dataclass
class ClassResults:
    """A batch as the report sees it."""
    exercises: list                                # coursekit.exercises.Exercise, in registry order
    graded: list[tuple[str, dict]] = field(default_factory=list)      # (submission, results.json)
    ungraded: list[tuple[str, str]] = field(default_factory=list)     # (submission, why)

    @property
    def max_score(self) -> int:
        return sum(e.points for e in self.exercises)


def whole_submission_problem(results: dict) -> str | None:
    """Why nothing of this submission could run (no minigrad/, import fails...), or None.

    That is: no exercise passed and every exercise stopped on the same problem, not on a case. With one
    exercise graded, its own problem (a time-out...) cannot be told from the submission's, so None."""
    firsts = list(first_failures(results).values())
    if len(firsts) < 2 or any(f is None or f.kind != PROBLEM for f in firsts):
        return None
    problems = {f.error for f in firsts}
    return _short(problems.pop()) if len(problems) == 1 else None


def collect(rows: list[tuple[str, dict]], failed: dict[str, str], ids: list[str]) -> ClassResults:
    """Sort a batch into graded submissions and those that could not be graded (with why)."""
    batch = ClassResults([registry.get(i) for i in ids])
    for name, results in rows:
        problem = results.get("extra_data", {}).get("unreadable") or whole_submission_problem(results)
        if problem:
            batch.ungraded.append((name, problem))
        else:
            batch.graded.append((name, results))
    batch.ungraded += [(name, f"grader error: {why} (rerun to retry)") for name, why in failed.items()]
    return batch


# ---------------------------------------------------------------- the numbers

def score_bins(max_score: int) -> list[tuple[int, int]]:
    """At most 13 bins of a round width (1, 2, 5, 10, 20, 50...) covering 0..max_score; the last bin
    includes max_score."""
    width = next(w for w in (m * 10 ** k for k in range(9) for m in (1, 2, 5)) if math.ceil(max_score / w) <= 13)
    return [(low, min(low + width, max_score)) for low in range(0, max_score, width)] or [(0, 0)]


def histogram(scores: list[int], max_score: int) -> list[tuple[tuple[int, int], int]]:
    bins = score_bins(max_score)
    counts = [0] * len(bins)
    for score in scores:
        index = next((i for i, (low, high) in enumerate(bins) if low <= score < high), len(bins) - 1)
        counts[index] += 1
    return list(zip(bins, counts))


@dataclass
class ExerciseStats:
    exercise: object
    passed: int
    graded: int
    unfinished: int
    top: tuple[FirstFailure, int] | None       # the most frequent first failure among attempts, and its count
    attempted_failures: int

    @property
    def rate(self) -> float:
        return self.passed / self.graded if self.graded else 0.0


def exercise_stats(batch: ClassResults) -> list[ExerciseStats]:
    per_submission = [first_failures(results) for _, results in batch.graded]
    stats = []
    for exercise in batch.exercises:
        graded = [found for found in per_submission if exercise.id in found]
        firsts = [found[exercise.id] for found in graded if found[exercise.id] is not None]
        attempts = [f for f in firsts if f.kind != UNFINISHED]
        counts = Counter(failure_key(f) for f in attempts)
        top = None
        if counts:
            key, count = counts.most_common(1)[0]
            top = (next(f for f in attempts if failure_key(f) == key), count)
        stats.append(ExerciseStats(exercise, len(graded) - len(firsts), len(graded),
                                   sum(f.kind == UNFINISHED for f in firsts), top, len(attempts)))
    return stats


# ---------------------------------------------------------------- figures (labels in ASCII: no CJK font assumed)

def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return buffer.getvalue()


def figures(batch: ClassResults, stats: list[ExerciseStats]) -> dict[str, bytes]:
    from matplotlib.figure import Figure          # no pyplot: no backend or global state touched

    hist = histogram([r.get("score", 0) for _, r in batch.graded], batch.max_score)
    figure = Figure(figsize=(7, 3.2))
    axes = figure.subplots()
    axes.bar([low for (low, _), _ in hist], [c for _, c in hist], width=[high - low or 1 for (low, high), _ in hist],
             align="edge", color="#4c72b0", edgecolor="white")
    axes.set(xlabel=f"score (max {batch.max_score})", ylabel="submissions", xlim=(0, max(batch.max_score, 1)),
             title=f"Scores of {len(batch.graded)} graded submissions")
    axes.yaxis.get_major_locator().set_params(integer=True)
    scores = _png(figure)

    figure = Figure(figsize=(7, 0.8 + 0.32 * len(stats)))
    axes = figure.subplots()
    labels = [s.exercise.id for s in stats][::-1]
    rates = [100 * s.rate for s in stats][::-1]
    axes.barh(labels, rates, color="#55a868")
    for y, rate in enumerate(rates):
        axes.text(min(rate + 1, 88), y, f"{rate:.0f}%", va="center", fontsize=8)
    axes.set(xlabel="pass rate (%)", xlim=(0, 100), title="Pass rate by exercise")
    return dict(zip(FIGURES, (scores, _png(figure))))


# ---------------------------------------------------------------- the document, rendered as Markdown and HTML

@dataclass
class Section:
    title: str
    text: list[str] = field(default_factory=list)
    figure: str | None = None                          # a key of figures()
    table: tuple[list[str], list[list[str]]] | None = None


def sections(batch: ClassResults, stats: list[ExerciseStats], out: Path) -> list[Section]:
    scores = sorted(r.get("score", 0) for _, r in batch.graded)
    total = len(batch.graded) + len(batch.ungraded)
    summary = [f"{total} submissions in `{out}`: {len(batch.graded)} graded, "
               f"{len(batch.ungraded)} could not be graded (left out of the figures and rates)."]
    if scores:
        middle = len(scores) // 2
        median = scores[middle] if len(scores) % 2 else (scores[middle - 1] + scores[middle]) / 2
        summary.append(f"Score out of {batch.max_score}: mean {sum(scores) / len(scores):.1f}, median {median:g}, "
                       f"lowest {scores[0]}, highest {scores[-1]}.")
    hist = histogram(scores, batch.max_score)
    bins = [[f"{low}–{high}" if i == len(hist) - 1 else f"{low}–{high - 1}" if high - low > 1 else f"{low}", str(n)]
            for i, ((low, high), n) in enumerate(hist)]
    rates = [[s.exercise.id, s.exercise.title, str(s.exercise.points), f"{s.passed}/{s.graded}",
              f"{100 * s.rate:.0f}%" if s.graded else "—"] for s in stats]
    mistakes = [[s.exercise.id, s.exercise.title, str(s.graded - s.passed), str(s.unfinished),
                 f"{failure_key(s.top[0])} ({s.top[1]} of {s.attempted_failures})" if s.top else "— (none finished)",
                 _short(s.top[0].error) if s.top and s.top[0].kind == CASE else "",
                 s.top[0].node if s.top else ""] for s in stats if s.passed < s.graded]
    return [
        Section("Summary", summary),
        Section("Score distribution", figure=FIGURES[0], table=(["score", "submissions"], bins)),
        Section("Pass rate by exercise", figure=FIGURES[1],
                table=(["exercise", "title", "points", "passed", "pass rate"], rates)),
        Section("Misconceptions: the most frequent first-failing case",
                ["Per exercise, among the submissions that attempted it and failed, the first thing that failed "
                 "most often (hidden cases are counted with the public case whose shapes they share)."],
                table=(["exercise", "title", "failed", "not finished", "most frequent first failure (count of attempts)",
                        "example message", "engine function"], mistakes)),
        Section("Submissions that could not be graded",
                [] if batch.ungraded else ["None: every submission was graded."],
                table=(["submission", "why"], [[n, why] for n, why in batch.ungraded]) if batch.ungraded else None),
    ]


def _md_cell(text: str) -> str:
    """A table cell of report.md: no column breaks, no line breaks, no HTML a Markdown viewer would render."""
    return re.sub(r"([|<>`\\])", r"\\\1", text).replace("\n", " ")


def to_markdown(title: str, parts: list[Section]) -> str:
    lines = [f"# {title}", ""]
    for part in parts:
        lines += [f"## {part.title}", ""] + [f"{t}\n" for t in part.text]
        if part.figure:
            lines += [f"![{part.title}]({part.figure})", ""]
        if part.table:
            head, rows = part.table
            lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows] + [""]
    return "\n".join(lines)


def _inline_code(text: str) -> Markup:
    """Our own sentences mark paths with backticks: escaped first, then `...` becomes <code>...</code>."""
    return Markup(re.sub(r"`([^`]*)`", r"<code>\1</code>", str(escape(text))))


def to_html(title: str, parts: list[Section], pngs: dict[str, bytes]) -> str:
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                                     undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    environment.filters["inline_code"] = _inline_code
    images = {name: base64.b64encode(data).decode("ascii") for name, data in pngs.items()}
    return environment.get_template("report.html.j2").render(title=title, sections=parts, images=images)


# ---------------------------------------------------------------- the one call after a batch

def write_reports(out: Path, rows: list[tuple[str, dict]], failed: dict[str, str], ids: list[str],
                  table: list[ScoreRow] | None = None) -> None:
    """Write gradebook.csv, report.md (+ its report-*.png) and report.html into `out`.

    rows: (submission, results.json) of every graded submission, as for grades.csv; failed: the
    submissions the grader itself failed on, with the error; ids: the exercises graded; table: the
    batch's score table (tables.score_table), when the caller already made it for grades.csv."""
    out = Path(out)
    write_atomic(out / "gradebook.csv", gradebook_csv(table or score_table(rows, failed), ids))
    batch = collect(rows, failed, ids)
    stats = exercise_stats(batch)
    pngs = figures(batch, stats)
    for name, data in pngs.items():
        partial = out / f".{name}.partial"
        partial.write_bytes(data)
        partial.replace(out / name)
    parts = sections(batch, stats, out)
    title = f"Class report: {out.name}"
    write_atomic(out / "report.md", to_markdown(title, parts))
    write_atomic(out / "report.html", to_html(title, parts, pngs))
