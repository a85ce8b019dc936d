"""Hostile submissions against the bubblewrap sandbox, one per way a student who wants points would try: read
the grader's memory or the instructor's solutions, kill the grader or classmates, forge or rewrite results,
leave processes behind, fill the scratch disk, escape through modules the audit hook does not see.

The attacks are in tests/coursekit/hostile_attacks.py (most of them get rid of the audit hook first, so that what
is tested is the OS boundary). All attacks and
two honest classmates are graded in ONE batch with --jobs 2. Each test proves: no unearned point, no
classmate harmed, no process left behind, nothing written outside the output folder.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from coursekit.grading import bubblewrap, grader
from coursekit.grading.results import read_results
from coursekit.grading.sandbox import Isolation, Limits
from hostile_attacks import SECRET, attacks, keep_secret_in_keyrings
from test_grading import ROOT, leftover_processes, run_cli, small_engine

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed (.ci/run installs it)")

# in the command line of every process an attack here tries to leave behind; not test_grading's MARK, whose
# attacks may run at the same moment in another xdist worker
MARK = "27182845"
COURSEKIT = ROOT / "coursekit"
LIMITS = Limits(exercise_seconds=8, submission_seconds=40, startup_seconds=20)

ATTACKS = attacks(ROOT, MARK)


def digest(folder: Path) -> str:
    hashes = hashlib.sha256()
    for path in sorted(folder.rglob("*.py")):
        hashes.update(str(path).encode() + path.read_bytes())
    return hashes.hexdigest()


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    out = base / "out"
    subs = [small_engine(base / "subs" / "alice"), small_engine(base / "subs" / "bob"),
            small_engine(base / "subs" / "grades.csv"), small_engine(base / "subs" / ".grading-key")]
    subs += [small_engine(base / "subs" / name, code) for name, code in ATTACKS.items()]
    before = (digest(COURSEKIT), digest(ROOT / "solutions"), sorted(base.rglob("*")))
    os.environ["GRADER_SECRET"] = SECRET
    keep_secret_in_keyrings(SECRET)                # (this worker's session keyring: root's @u is left alone)
    try:
        graded = grader.grade(subs, out, jobs=2, limits=LIMITS, quiet=True, exercise_ids=["2.1-numdiff"])
    finally:
        del os.environ["GRADER_SECRET"]
    time.sleep(5)                        # what a left-behind daemon would need to rewrite results
    return base, out, graded, before


def results_of(out: Path, name: str) -> dict:
    return json.loads((out / name / "results.json").read_text(encoding="utf-8"))


def test_classmates_keep_their_points(batch):
    _, out, graded, _ = batch
    scores = {name: results["score"] for name, results, _ in graded}
    assert scores["alice"] == scores["bob"] == 10, scores
    assert scores["grades.csv-2"] == scores["_.grading-key"] == 10, scores   # reserved names are renamed


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_earns_nothing_and_fails(batch, name):
    _, out, graded, _ = batch
    assert dict((n, r["score"]) for n, r, _ in graded)[name] == 0
    text = (out / name / "feedback.md").read_text(encoding="utf-8")
    assert "ATTACK RESULT 0" not in text, text
    if name not in ("kill-grader", "numpy-memory", "leave-processes"):
        assert "ATTACK RESULT 3" in text, text          # it ran, and it failed
    assert "ATTACK RESULT" in text or "子进程" in text, text


def test_nothing_written_outside_the_output_folder_and_no_process_left(batch):
    base, out, _, (coursekit, solutions, files) = batch
    assert digest(COURSEKIT) == coursekit and digest(ROOT / "solutions") == solutions
    after = sorted(p for p in base.rglob("*") if not p.is_relative_to(out))
    assert after == [p for p in files if not p.is_relative_to(out)]
    assert leftover_processes(MARK) == []
    assert not (out / grader.SCRATCH).exists()


def test_results_are_signed_and_unforged_after_the_batch(batch):
    _, out, graded, _ = batch
    for name, results, _ in graded:
        assert results_of(out, name) == results                 # nobody rewrote them after the batch
        assert len(results["extra_data"]["digest"]) == 64
    rows = (out / "grades.csv").read_text().splitlines()
    assert out.joinpath("grades.csv").is_file() and len(rows) == len(graded) + 1


def test_a_forged_result_is_regraded(tmp_path):
    subs = [small_engine(tmp_path / "carol"), small_engine(tmp_path / "dave", "return np.zeros_like(x)")]
    out = tmp_path / "out"
    options = {"limits": LIMITS, "quiet": True, "exercise_ids": ["2.1-numdiff"]}
    grader.grade(subs, out, **options)
    forged = results_of(out, "dave")
    forged["score"] = forged["extra_data"]["exercises"]["2.1-numdiff"] = 10
    (out / "dave" / "results.json").write_text(json.dumps(forged))
    again = {name: (results["score"], kept) for name, results, kept in grader.grade(subs, out, **options)}
    assert again == {"carol": (10, True), "dave": (0, False)}


def test_grading_refuses_to_run_without_the_sandbox(tmp_path, monkeypatch):
    monkeypatch.setattr(bubblewrap.shutil, "which", lambda name: None)
    with pytest.raises(bubblewrap.Unavailable, match="apt install bubblewrap"):
        grader.grade([small_engine(tmp_path / "eve")], tmp_path / "out", quiet=True, exercise_ids=["2.1-numdiff"])
    assert not (tmp_path / "out" / "eve").exists()
    with pytest.warns(UserWarning, match="WITHOUT the sandbox"):
        graded = grader.grade([small_engine(tmp_path / "own")], tmp_path / "out", quiet=True,
                              limits=Limits(isolation=Isolation.TRUSTED), exercise_ids=["2.1-numdiff"])
    assert graded[0][1]["score"] == 10


@pytest.mark.slow
def test_sigterm_keeps_finished_results_and_resumes_to_the_same_grades(tmp_path):
    subs = [small_engine(tmp_path / "subs" / f"s{i}") for i in range(3)]
    subs.insert(2, small_engine(tmp_path / "subs" / "slow", f"import time\ntime.sleep(0.5)  # {MARK}"))
    args = [*subs, "--exercise", "2.1-numdiff", "--jobs", "2"]
    reference = run_cli("grade", *args, "--out", tmp_path / "reference")
    out = tmp_path / "out"
    proc = run_cli("grade", *args, "--out", out)
    deadline = time.monotonic() + 120
    while not (out / "s0" / "results.json").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, stderr
    graded = [s.name for s in subs if read_results(out / s.name / "results.json")]
    assert f"interrupted: {len(graded)} of 4 graded; run the same command to continue" in stderr
    assert 1 <= len(graded) < 4
    assert len((out / "grades.csv").read_text().splitlines()) == len(graded) + 1
    assert leftover_processes(MARK) == [] and not (out / grader.SCRATCH).exists()
    assert run_cli("grade", *args, "--out", out).wait(timeout=300) == 0
    assert reference.wait(timeout=300) == 0
    assert (out / "grades.csv").read_text() == (tmp_path / "reference" / "grades.csv").read_text()
