"""Grade submissions: unpack each one, run its exercises in a child, write its signed results, then the
class's summaries (grades.csv, gradebook.csv, the report).

One child per submission runs the exercises in order (child_protocol.py); a time-out, crash or refused action
ends that child, the exercise gets the failure, and a fresh child continues with the next exercise.
What belongs to the submission (a notebook that cannot be read, a missing minigrad/) costs only the
exercises it touches; "rerun to retry" is said only when the grader itself failed.
"""
from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .. import exercises as registry
from ..answers import AnswerNotFound
from . import bubblewrap, sandbox
from .feedback import render
from .notebooks import Notebooks
from .outcome import ExerciseOutcome, Graded
from .outfolder import earlier_results, previous, settle, snapshot, still_valid
from .plan import chosen_exercises, plan
from .pool import Signals, run_all
from .progress import Progress
from .report import RESERVED as REPORT_FILES, write_reports
from .results import KEY_FILE, results_text, sign, signing_key, to_results, write_atomic
from .child_protocol import ChildProtocol, load_torch
from .sandbox import Isolation, Limits
from .submission import Submission, submission_name, unpack
from .tables import grades_csv, score_table

SCRATCH = ".grading-tmp"          # inside the output folder, removed at the end
GRADES = "grades.csv"
RESERVED = {GRADES, *REPORT_FILES, SCRATCH, KEY_FILE}   # never a submission's name


# ---------------------------------------------------------------- one submission

def grade_submission(submission: Submission, scratch: Path, site: Path, limits: Limits,
                     exercise_ids: list[str] | None = None) -> Graded:
    load_torch()
    start = time.monotonic()
    deadline = start + limits.submission_seconds
    rng = np.random.default_rng(secrets.randbits(64))
    protocol, notebooks = ChildProtocol(submission, scratch, site, limits), Notebooks(submission)
    outcomes = []
    try:
        for exercise in chosen_exercises(exercise_ids):
            if sandbox.STOP.is_set():
                raise KeyboardInterrupt
            items = plan(exercise, rng)
            outcome = ExerciseOutcome(exercise)
            if not submission.has_engine:
                outcome.problem = "提交中没有 minigrad/：无法运行检查"
            elif time.monotonic() >= deadline:
                outcome.problem = f"超出整份提交的总时限（{limits.submission_seconds:g} 秒），未运行"
            else:
                try:
                    source = notebooks.answer(exercise) if exercise.answer else None
                    outcome = protocol.run(exercise, items, source, deadline)
                except AnswerNotFound as error:
                    outcome.problem = str(error)
            outcomes.append(outcome)
    finally:
        protocol.stop()
    return Graded(submission.name, submission.hash, outcomes, list(submission.notes), time.monotonic() - start,
                  submission.unreadable)


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to grade one submission (picklable: it crosses to worker processes)."""
    path: Path
    name: str
    out: Path
    scratch: Path
    site: Path
    limits: Limits
    key: bytes
    force: bool = False
    exercise_ids: tuple[str, ...] | None = None
    previous: dict | None = None          # its results.json, read and verified before any child started


def grade_one(job: Job) -> tuple[dict, bool, dict[str, str]]:
    """Grade one submission into out/name/; returns (results, skipped as already graded, files written).
    Written only here, by the trusted process, after the submission's last child is gone."""
    work = Path(tempfile.mkdtemp(prefix="sub-", dir=job.scratch))
    work.chmod(0o711)                               # a child running as nobody must reach its run folder
    try:
        submission = unpack(job.path, work / "submission", job.name)
        if not job.force and still_valid(job.previous, submission.hash, job.exercise_ids):
            return job.previous, True, {}
        ids = list(job.exercise_ids) if job.exercise_ids is not None else None
        graded = grade_submission(submission, work, job.site, job.limits, ids)   # KeyboardInterrupt if stopped
        feedback = render(graded)
        results = sign(to_results(graded), feedback, job.key)
        files = {"feedback.md": feedback, "results.json": results_text(results)}
        for name, text in files.items():         # results.json last: its presence means "done"
            write_atomic(job.out / job.name / name, text)
        return results, False, files
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _guarded(job: Job):
    """grade_one, with an unexpected error returned (not raised) so that the other submissions go on."""
    try:
        return grade_one(job)
    except Exception as error:      # noqa: BLE001 - Ctrl-C (KeyboardInterrupt) still stops everything
        return error


# ---------------------------------------------------------------- many submissions

class Interrupted(Exception):
    """SIGINT or SIGTERM stopped the batch; finished results are kept and grades.csv lists them."""

    def __init__(self, graded: int, total: int, signum: int):
        super().__init__(f"interrupted: {graded} of {total} graded; run the same command to continue")
        self.signum = signum


def printable_name(path: Path) -> str:
    """The submission's name as text any file, terminal or spreadsheet takes: bytes that are not UTF-8
    written as \\xNN, control characters (a newline, an escape sequence) as "?"."""
    name = os.fsencode(submission_name(path)).decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else "?" for c in name).strip()


def unique_names(paths: list[Path]) -> list[str]:
    names, seen = [], {n.lower() for n in RESERVED}
    for path in paths:
        base = printable_name(path) or "submission"
        base = "_" + base if base.startswith(".") else base
        name, n = base, 2
        while name.lower() in seen:
            name, n = f"{base}-{n}", n + 1
        seen.add(name.lower())
        names.append(name)
    return names


def write_summaries(out: Path, rows: list[tuple[str, dict]], ids: list[str], failed: dict[str, str],
                    report: bool = True) -> None:
    """What the instructor reads at the end of a batch, finished or interrupted: grades.csv and the class
    report (report.html, report.md, gradebook.csv: report.py) for the submissions graded so far, in input
    order. Both CSVs come from one score table."""
    table = score_table(rows, failed)
    write_atomic(out / GRADES, grades_csv(table, ids))
    if report:
        write_reports(out, rows, failed, ids, table)


def confinement(limits: Limits, scratch: Path, site: Path) -> Limits:
    """Check that children can be confined as `limits.isolation` asks; bubblewrap.Unavailable if not.
    Untrusted code never runs as root outside the sandbox."""
    if limits.isolation == Isolation.BWRAP:
        bubblewrap.check()
    elif limits.isolation == Isolation.CONTAINER and bubblewrap.as_root() and limits.user is None:
        user = sandbox.unprivileged_user(scratch, site)
        if user is None:
            raise bubblewrap.Unavailable("the grader runs as root and no unprivileged user can run the Python "
                                         "interpreter here: install Python outside /root (e.g. the system's)")
        limits = replace(limits, user=user)
    elif limits.isolation == Isolation.TRUSTED:
        warnings.warn("--trusted-code: children run WITHOUT the sandbox, as this user"
                      f"{' (root)' if bubblewrap.as_root() else ''}; use it only for code you trust", stacklevel=3)
    return limits


def grade(paths: list[Path], out: Path, jobs: int = 1, force: bool = False, limits: Limits | None = None,
          quiet: bool = False, exercise_ids: list[str] | None = None,
          report: bool = True) -> list[tuple[str, dict, bool]]:
    """Grade every submission in `paths` into `out`; returns (name, results, skipped) in input order.
    Raises Interrupted after SIGINT/SIGTERM (finished results kept, grades.csv written for them) and
    bubblewrap.Unavailable when children cannot be confined as `limits.isolation` asks."""
    limits = limits or Limits()
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    scratch = out / SCRATCH
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    ids = [e.id for e in chosen_exercises(exercise_ids)]
    paths = [Path(p).resolve() for p in paths]
    names = unique_names(paths)
    done: dict[str, tuple[dict, bool]] = {}
    failed: dict[str, str] = {}
    earlier: list[tuple[str, dict]] = []
    with Signals() as signals:
        try:
            site = sandbox.link_numpy(scratch / "site")
            limits = confinement(limits, scratch, site)
            key = signing_key(out)
            expected = snapshot(out, names)           # read before any child runs
            earlier = earlier_results(out, {*names, *RESERVED}, ids, key)
            work = [Job(p, n, out, scratch, site, limits, key, force, tuple(ids), previous(expected, out, n, key))
                    for p, n in zip(paths, names)]
            bar = None if quiet else Progress(len(work), sum(registry.get(i).points for i in ids))

            def finished(job: Job, result) -> None:
                if isinstance(result, BaseException):   # a grader bug: report it, keep grading the others
                    failed[job.name] = f"{type(result).__name__}: {result}"
                else:
                    done[job.name] = result[:2]
                    expected.update({out / job.name / file: text.encode("utf-8") for file, text in result[2].items()})
                if bar:
                    bar.update(job.name, None if job.name in failed else done[job.name][0].get("score"))

            try:
                load_torch()                          # before the pool forks: no worker imports it again
                run_all(work, _guarded, jobs, finished, quiet)
            finally:
                if bar:
                    bar.close()
                settle(expected)
        except KeyboardInterrupt:
            sandbox.STOP.set()
            write_summaries(out, [(n, done[n][0]) for n in names if n in done] + earlier, ids, failed, report)
            raise Interrupted(len(done), len(names), signals.received) from None
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    write_summaries(out, [(n, done[n][0]) for n in names if n in done] + earlier, ids, failed, report)
    if earlier and not quiet:
        print(f"{GRADES} and the report also list {len(earlier)} submission(s) graded into {out} earlier "
              f"(same exercises, digests verified)")
    return [(n, *done[n]) if n in done else (n, {"error": failed[n]}, False) for n in names]


def summary(graded: list[tuple[str, dict, bool]], out: Path) -> str:
    """The console's table at the end of a batch."""
    width = max([len(n) for n, _, _ in graded] + [10])
    lines = [f"{'submission':<{width}}  score", "-" * (width + 12)]
    for name, results, skipped in graded:
        if "error" in results:                 # only a fault of the grader lands here
            lines.append(f"{name:<{width}}  NOT GRADED: grader error: {results['error']} (rerun to retry)")
            continue
        extra = results.get("extra_data", {})
        note = "  (unchanged, kept)" if skipped else ""
        if extra.get("unreadable"):            # a corrupt upload: say why here, not only in its feedback
            note += f"  ({extra['unreadable']})"
        lines.append(f"{name:<{width}}  {results.get('score'):>3}/{extra.get('max_score')}{note}")
    lines.append(f"results: {out}/<submission>/results.json, feedback.md; grades: {out}/grades.csv")
    lines.append(f"class report: {out}/report.html (report.md); for the LMS: {out}/gradebook.csv")
    return "\n".join(lines)
