"""The class report and the gradebook of a batch, on a small fake class built with the grader's own writers.

Each submission's results.json comes from results.to_results; the report reads each exercise's first
failure from the data there (test `extra_data`), never from the feedback's Chinese text.
"""
from __future__ import annotations

import base64
import csv
import io
import re
import shutil
from pathlib import Path

import pytest

from coursekit import exercises
from coursekit.runner import ERROR, FAILED, NOT_IMPLEMENTED, PASSED, CaseResult
from coursekit.grading import report
from coursekit.grading.outcome import CASE, PROBLEM, UNFINISHED, ExerciseOutcome, FirstFailure, Graded, GradedCase
from coursekit.grading.results import to_results

ROOT = Path(__file__).resolve().parents[2]
IDS = ["2.1-numdiff", "2.1-jvp", "2.1-ex-f-eval"]          # 10 + 10 + 5 points
JVP_CASE = "add，形状 (3,) float32"
JVP_CHECK = exercises.get("2.1-jvp").checks[0].name
HIDDEN_TWIN = f"隐藏用例 1（输入形状同「{JVP_CASE}」，数值在评分时重新抽取）"
NO_ENGINE = "提交中没有 minigrad/：无法运行检查"


def outcome(exercise_id: str, *cases: tuple[str, str, bool], problem: str = "", message: str = "") -> ExerciseOutcome:
    """An exercise's outcome from (case label, status, hidden) triples (HIDDEN_TWIN was redrawn from JVP_CASE)."""
    exercise = exercises.get(exercise_id)
    check = exercise.checks[0].name
    graded = [GradedCase(CaseResult(check, label, status, "" if status == PASSED else message or "最大误差 0.5（容差 1e-06）",
                                    exercise_id if status == NOT_IMPLEMENTED else None),
                         hidden, "x=[1., 2., 3.]", JVP_CASE if label == HIDDEN_TWIN else "")
              for label, status, hidden in cases]
    return ExerciseOutcome(exercise, graded, problem)


def passed(exercise_id: str) -> ExerciseOutcome:
    return outcome(exercise_id, ("public", PASSED, False), ("twin", PASSED, True))


def submission(name: str, *outcomes: ExerciseOutcome) -> tuple[str, dict]:
    return name, to_results(Graded(name, f"hash-{name}", list(outcomes)))


def wrong_jvp(first: str, hidden: bool) -> ExerciseOutcome:
    return outcome("2.1-jvp", ("add，形状 (3,) float64", PASSED, False), (first, FAILED, hidden),
                   ("mul，形状 (3,) float32", FAILED, False), message="切线的值不对：最大误差 0.5")


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """alice 25, bob and carol 15 (same first jvp failure), dave 15 (jvp fails on hidden inputs only),
    erin 10 (jvp unfinished, f-eval timed out), fay (no minigrad/) and gus (grader error) not graded."""
    rows = [
        submission("alice", passed("2.1-numdiff"), passed("2.1-jvp"), passed("2.1-ex-f-eval")),
        submission("bob", passed("2.1-numdiff"), wrong_jvp(JVP_CASE, False), passed("2.1-ex-f-eval")),
        submission("carol", passed("2.1-numdiff"), wrong_jvp(JVP_CASE, False), passed("2.1-ex-f-eval")),
        submission("dave", passed("2.1-numdiff"), wrong_jvp(HIDDEN_TWIN, True), passed("2.1-ex-f-eval")),
        submission("erin", passed("2.1-numdiff"), outcome("2.1-jvp", ("add", NOT_IMPLEMENTED, False)),
                   outcome("2.1-ex-f-eval", ("x = 0.5", ERROR, False), problem="超出时限：练习 2.1-ex-f-eval 的检查没有在 5 秒内完成")),
        submission("fay", *[outcome(i, ("x", FAILED, False), problem=NO_ENGINE) for i in IDS]),
    ]
    out = tmp_path_factory.mktemp("class")
    report.write_reports(out, rows, {"gus": "OSError: disk full"}, IDS)
    return out, rows


def table_rows(markdown: str, section: str) -> list[list[str]]:
    part = markdown.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    return [[c.strip() for c in line.strip("|").split(" | ")] for line in part.splitlines()
            if line.startswith("| ") and not line.startswith("|---")][1:]


def test_first_failure_is_data_in_results_json():
    results = to_results(Graded("x", "h", [wrong_jvp(HIDDEN_TWIN, True)]))
    extra = results["tests"][0]["extra_data"]
    assert extra["exercise"] == "2.1-jvp"
    first = FirstFailure.from_json(extra["first_failure"])
    assert first == FirstFailure(CASE, "切线的值不对：最大误差 0.5", JVP_CHECK, JVP_CASE, hidden=True)
    assert report.failure_key(first) == f"{JVP_CHECK} · {JVP_CASE} (hidden inputs)"
    unfinished = to_results(Graded("x", "h", [outcome("2.1-jvp", ("add", NOT_IMPLEMENTED, False))]))
    assert unfinished["tests"][0]["extra_data"]["first_failure"]["kind"] == UNFINISHED
    stopped = to_results(Graded("x", "h", [outcome("2.1-jvp", ("add", FAILED, False), problem=NO_ENGINE)]))
    assert stopped["tests"][0]["extra_data"]["first_failure"] == FirstFailure(PROBLEM, NO_ENGINE).to_json()
    assert to_results(Graded("x", "h", [passed("2.1-jvp")]))["tests"][0]["extra_data"]["first_failure"] is None


def test_the_feedback_tells_hidden_cases_by_their_flag_not_their_label():
    """A hidden case is told as one by GradedCase.hidden, whatever its label says (and a public one too)."""
    from coursekit.grading.feedback import exercise_section
    said = exercise_section(outcome("2.1-jvp", ("隐藏 in a public label", FAILED, False), ("plain label", FAILED, True)))
    assert "- 公开用例「" in said and f"{JVP_CHECK} · 隐藏 in a public label」未通过" in said
    assert f"- 隐藏用例「{JVP_CHECK} · plain label」未通过" in said
    assert "通过 0/2 个用例（其中隐藏用例 1 个）" in said
    only_hidden = exercise_section(outcome("2.1-jvp", ("public", PASSED, False), ("plain label", FAILED, True)))
    assert "只有隐藏用例未通过" in only_hidden


def test_the_report_never_reads_the_feedback_text(batch, tmp_path):
    out, rows = batch
    silent = [(name, {**results, "output": "", "tests": [{**t, "output": ""} for t in results["tests"]]})
              for name, results in rows]
    report.write_reports(tmp_path, silent, {"gus": "OSError: disk full"}, IDS)
    assert ((tmp_path / "report.md").read_text(encoding="utf-8").split("## Score")[1] ==
            (out / "report.md").read_text(encoding="utf-8").split("## Score")[1])


def test_histogram_counts_the_graded_scores(batch):
    out, _ = batch
    assert report.score_bins(25)[:2] == [(0, 2), (2, 4)] and report.score_bins(25)[-1] == (24, 25)
    assert report.score_bins(130)[-2:] == [(110, 120), (120, 130)] and len(report.score_bins(130)) == 13
    counts = {low: n for (low, _), n in report.histogram([25, 15, 15, 15, 10], 25) if n}
    assert counts == {24: 1, 14: 3, 10: 1}
    rows = dict(map(tuple, table_rows((out / "report.md").read_text(encoding="utf-8"), "Score distribution")))
    assert rows["14–15"] == "3" and rows["24–25"] == "1" and rows["10–11"] == "1" and rows["0–1"] == "0"
    assert sum(map(int, rows.values())) == 5               # fay and gus are not in the histogram


def test_pass_rates_per_exercise(batch):
    out, _ = batch
    rows = {r[0]: r for r in table_rows((out / "report.md").read_text(encoding="utf-8"), "Pass rate by exercise")}
    assert rows["2.1-numdiff"][3:] == ["5/5", "100%"]
    assert rows["2.1-jvp"][1] == exercises.get("2.1-jvp").title and rows["2.1-jvp"][3:] == ["1/5", "20%"]
    assert rows["2.1-ex-f-eval"][3:] == ["4/5", "80%"]


def test_misconception_is_the_most_frequent_first_failing_case(batch):
    out, _ = batch
    rows = {r[0]: r for r in table_rows((out / "report.md").read_text(encoding="utf-8"), "Misconceptions")}
    assert "2.1-numdiff" not in rows                        # nobody failed it
    jvp = rows["2.1-jvp"]
    assert jvp[2:4] == ["4", "1"]                           # 4 failed, 1 of them (erin) did not finish
    assert jvp[4] == f"{JVP_CHECK} · {JVP_CASE} (2 of 3)"
    assert jvp[5] == "切线的值不对：最大误差 0.5"
    assert rows["2.1-ex-f-eval"][4].startswith("超出时限：练习 2.1-ex-f-eval")


def test_ungradable_submissions_are_listed_with_why(batch):
    out, _ = batch
    rows = table_rows((out / "report.md").read_text(encoding="utf-8"), "Submissions that could not be graded")
    assert rows == [["fay", NO_ENGINE], ["gus", "grader error: OSError: disk full (rerun to retry)"]]
    summary = (out / "report.md").read_text(encoding="utf-8").split("## Score", 1)[0]
    assert "7 submissions" in summary and "5 graded, 2 could not be graded" in summary
    assert "mean 16.0, median 15, lowest 10, highest 25" in summary


def test_gradebook_has_one_row_per_student_one_column_per_exercise_and_the_total(batch):
    out, rows = batch
    assert (out / "gradebook.csv").read_bytes().startswith("\ufeffstudent,".encode("utf-8"))    # for Excel
    table = list(csv.reader(io.StringIO((out / "gradebook.csv").read_text(encoding="utf-8-sig"))))
    assert table[0] == ["student", *IDS, "total"]
    book = {row[0]: row[1:] for row in table[1:]}
    assert list(book) == ["alice", "bob", "carol", "dave", "erin", "fay", "gus"]
    assert book["alice"] == ["10", "10", "5", "25"] and book["bob"] == ["10", "0", "5", "15"]
    assert book["fay"] == ["0", "0", "0", "0"] and book["gus"] == ["", "", "", ""]
    for name, results in rows:
        assert int(book[name][-1]) == results["score"] == sum(map(int, book[name][:-1]))


def test_figures_are_embedded_in_html_and_beside_the_markdown(batch):
    out, _ = batch
    page = (out / "report.html").read_text(encoding="utf-8")
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 2 and all(base64.b64decode(i).startswith(b"\x89PNG\r\n") for i in images)
    assert "<th>exercise</th>" in page and "fay" in page and exercises.get("2.1-jvp").title in page
    markdown = (out / "report.md").read_text(encoding="utf-8")
    links = re.findall(r"!\[[^]]*\]\(([^)]+)\)", markdown)
    assert links == list(report.FIGURES) == ["report-scores.png", "report-pass-rates.png"]
    assert all((out / link).read_bytes().startswith(b"\x89PNG") for link in links)


def test_a_graded_batch_writes_the_report_from_real_results(tmp_path):
    """grader.grade's one call: the report and gradebook of three real submissions (one run, two exercises)."""
    from coursekit.grading import grader
    from coursekit.grading.sandbox import Limits
    subs = tmp_path / "subs"
    shutil.copytree(ROOT / "solutions" / "minigrad", subs / "done" / "minigrad")
    shutil.copytree(ROOT / "solutions" / "minigrad", subs / "broken" / "minigrad")
    (subs / "broken" / "minigrad" / "__init__.py").write_text("raise ImportError('坏了')\n", encoding="utf-8")
    (subs / "empty").mkdir()
    ids = ["2.1-numdiff", "2.1-jvp"]
    grader.grade(sorted(subs.iterdir()), tmp_path / "out", limits=Limits(exercise_seconds=20), quiet=True,
                 exercise_ids=ids)
    markdown = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    ungraded = dict(map(tuple, table_rows(markdown, "Submissions that could not be graded")))
    assert list(ungraded) == ["broken", "empty"]
    assert "坏了" in ungraded["broken"] and ungraded["empty"] == NO_ENGINE
    rates = {r[0]: r[3:] for r in table_rows(markdown, "Pass rate by exercise")}
    assert rates == {"2.1-numdiff": ["1/1", "100%"], "2.1-jvp": ["1/1", "100%"]}
    book = (tmp_path / "out" / "gradebook.csv").read_text(encoding="utf-8-sig").splitlines()
    assert book == ["student,2.1-numdiff,2.1-jvp,total", "broken,0,0,0", "done,10,10,20", "empty,0,0,0"]
