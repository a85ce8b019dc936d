"""What the instructor reads after a batch: the class report (report.html, report.md) and gradebook.csv.

The report shows the score histogram, each exercise's pass rate, each exercise's most frequent
first-failing case (read from the `output` of results.json's tests, written by feedback.py), and the
submissions that could not be graded, with why. gradebook.csv is what an LMS imports: one row per
student, one column per exercise, the total (grades.csv stays the grader's own record, with hashes).
Maintainers' English; the exercise titles and the students' failure messages are the course's Chinese.
"""
from __future__ import annotations

import base64
import csv
import html
import io
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .. import exercises as registry
from .results import write_atomic

FIGURES = ("report-scores.png", "report-pass-rates.png")          # beside report.md, which links them
RESERVED = ("report.html", "report.md", "gradebook.csv", *FIGURES)  # no submission may take these names

_CASE = re.compile(r"^- (公开用例|隐藏用例)「(?P<case>.*)」未通过：$")
_HIDDEN = re.compile(r"隐藏用例 \d+（输入形状同「(?P<like>.*)」，数值在评分时重新抽取）")
UNFINISHED = "- 未完成"
MAX_TEXT = 160


# ---------------------------------------------------------------- reading results.json

CASE, PROBLEM, UNFINISHED_KIND = "case", "problem", "unfinished"


@dataclass(frozen=True)
class FirstFailure:
    kind: str              # CASE (a case gave a wrong answer), PROBLEM (time-out, crash...), UNFINISHED_KIND
    key: str               # what is counted: "check · case", or the problem that stopped the exercise
    detail: str = ""       # the first line of a case's message (an example)

    @property
    def unfinished(self) -> bool:
        return self.kind == UNFINISHED_KIND


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "…"


def first_failure(output: str) -> FirstFailure | None:
    """The first thing that failed in one exercise's feedback (feedback.exercise_section), or None."""
    lines = output.splitlines()
    for number, line in enumerate(lines):
        if not line.startswith("- "):
            continue
        if line.startswith(UNFINISHED):
            return FirstFailure(UNFINISHED_KIND, "not finished", _short(line[2:]))
        match = _CASE.match(line)
        if not match:                              # a problem that stopped the whole exercise
            return FirstFailure(PROBLEM, _short(line[2:]))
        case = match["case"]
        hidden = _HIDDEN.search(case)
        if hidden:                                 # hidden inputs are redrawn: count them by their public twin
            case = case[:hidden.start()] + f"「{hidden['like']}」 (hidden inputs)"
        detail = next((rest.strip() for rest in lines[number + 1:]
                       if rest.strip() and not rest.strip().startswith("- 输入")), "")
        return FirstFailure(CASE, _short(case), _short(detail))
    return None


def _exercise_id(test: dict) -> str:
    return str(test.get("name", "")).split(" ", 1)[0]


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
    firsts = [first_failure(t.get("output", "")) if t.get("status") != "passed" else None
              for t in results.get("tests", [])]
    if len(firsts) < 2 or any(f is None or f.kind != PROBLEM for f in firsts):
        return None
    keys = {f.key for f in firsts}
    return keys.pop() if len(keys) == 1 else None


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
    stats = []
    for exercise in batch.exercises:
        tests = [next((t for t in r.get("tests", []) if _exercise_id(t) == exercise.id), None)
                 for _, r in batch.graded]
        tests = [t for t in tests if t is not None]
        passed = sum(t.get("status") == "passed" for t in tests)
        firsts = [first_failure(t.get("output", "")) for t in tests if t.get("status") != "passed"]
        attempts = [f for f in firsts if f is not None and not f.unfinished]
        counts = Counter(f.key for f in attempts)
        top = None
        if counts:
            key, count = counts.most_common(1)[0]
            top = (next(f for f in attempts if f.key == key), count)
        stats.append(ExerciseStats(exercise, passed, len(tests), sum(f is not None and f.unfinished for f in firsts),
                                   top, len(attempts)))
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
                 f"{s.top[0].key} ({s.top[1]} of {s.attempted_failures})" if s.top else "— (none finished)",
                 s.top[0].detail if s.top else ""] for s in stats if s.passed < s.graded]
    return [
        Section("Summary", summary),
        Section("Score distribution", figure=FIGURES[0], table=(["score", "submissions"], bins)),
        Section("Pass rate by exercise", figure=FIGURES[1],
                table=(["exercise", "title", "points", "passed", "pass rate"], rates)),
        Section("Misconceptions: the most frequent first-failing case",
                ["Per exercise, among the submissions that attempted it and failed, the first thing that failed "
                 "most often (hidden cases are counted with the public case whose shapes they share)."],
                table=(["exercise", "title", "failed", "not finished", "most frequent first failure (count of attempts)",
                        "example message"], mistakes)),
        Section("Submissions that could not be graded",
                [] if batch.ungraded else ["None: every submission was graded."],
                table=(["submission", "why"], [[n, why] for n, why in batch.ungraded]) if batch.ungraded else None),
    ]


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


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


STYLE = """body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;
vertical-align:top}th{background:#f3f3f3}img{max-width:100%}code{background:#f3f3f3}"""


def _inline_code(text: str) -> str:
    return re.sub(r"`([^`]*)`", r"<code>\1</code>", text)


def to_html(title: str, parts: list[Section], pngs: dict[str, bytes]) -> str:
    e = html.escape
    body = [f"<h1>{e(title)}</h1>"]
    for part in parts:
        body.append(f"<h2>{e(part.title)}</h2>")
        body += [f"<p>{_inline_code(e(t))}</p>" for t in part.text]
        if part.figure:
            data = base64.b64encode(pngs[part.figure]).decode("ascii")
            body.append(f'<img alt="{e(part.title)}" src="data:image/png;base64,{data}">')
        if part.table:
            head, rows = part.table
            body.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr>")
            body += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows]
            body.append("</table>")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>'
            f"<style>{STYLE}</style></head>\n<body>\n" + "\n".join(body) + "\n</body></html>\n")


# ---------------------------------------------------------------- gradebook.csv

def gradebook_csv(rows: list[tuple[str, dict]], failed: dict[str, str], ids: list[str]) -> str:
    """One row per student (the submission's name), one column per exercise (points), the total.
    A submission the grader failed on has empty cells, so an LMS import leaves its grades alone."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", *ids, "total"])
    for name, results in rows:
        scores = results.get("extra_data", {}).get("exercises", {})
        writer.writerow([name, *[scores.get(i, 0) for i in ids], results.get("score", 0)])
    for name in failed:
        writer.writerow([name, *[""] * len(ids), ""])
    return buffer.getvalue()


# ---------------------------------------------------------------- the one call after a batch

def write_reports(out: Path, rows: list[tuple[str, dict]], failed: dict[str, str], ids: list[str]) -> None:
    """Write gradebook.csv, report.md (+ its report-*.png) and report.html into `out`.

    rows: (submission, results.json) of every graded submission, as for grades.csv; failed: the
    submissions the grader itself failed on, with the error; ids: the exercises graded."""
    out = Path(out)
    # with a byte-order mark: Excel reads UTF-8 (Chinese names) only with one; LMS imports accept it
    write_atomic(out / "gradebook.csv", "\ufeff" + gradebook_csv(rows, failed, ids))
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
