"""The `grade` and `gradescope` verbs of `python -m coursekit` (registered by coursekit/cli.py)."""
from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

from .bubblewrap import Unavailable
from .sandbox import Isolation, Limits


def _grade(args) -> int:
    # grader, exercises and gradescope import numpy and the checks: here, not above, because every
    # `python -m coursekit` command imports this module to list its verbs
    from .grader import SCRATCH, Interrupted, grade, summary
    limits = Limits(exercise_seconds=args.exercise_timeout, submission_seconds=args.submission_timeout,
                    memory_bytes=args.memory_mb * 2 ** 20,
                    isolation=Isolation.TRUSTED if args.trusted_code else Isolation.BWRAP)
    if args.out.exists() and not args.out.is_dir():
        print(f"error: --out {args.out} is a file; give a folder (made if missing)", file=sys.stderr)
        return 2
    missing = [p for p in args.submissions if not Path(p).exists()]
    if missing:
        print(f"error: no such submission: {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    try:
        from .. import exercises
        for exercise_id in args.exercise or ():
            exercises.get(exercise_id)
    except KeyError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    # torch.func's first use makes a compiler cache folder under TMPDIR: keep it in the (removed) scratch
    os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", str(Path(args.out).resolve() / SCRATCH / "torchinductor"))
    warnings.formatwarning = lambda message, *args, **kwargs: f"warning: {message}\n"
    try:
        graded = grade(args.submissions, args.out, jobs=args.jobs, force=args.force, limits=limits,
                       exercise_ids=args.exercise)
    except Unavailable as error:
        print(f"error: refusing to run student code without a sandbox: {error}. For code you trust (your own "
              "solutions), --trusted-code runs it without one.", file=sys.stderr)
        return 2
    except Interrupted as error:
        print(error, file=sys.stderr)
        return 128 + error.signum
    print(summary(graded, Path(args.out).resolve()))
    return 1 if any("error" in results for _, results, _ in graded) else 0


def _gradescope(args) -> int:
    from .gradescope import build_bundle
    if args.out.is_dir():
        print(f"error: {args.out} is a folder; give the bundle's file name, e.g. {args.out / 'autograder.zip'}",
              file=sys.stderr)
        return 2
    path = build_bundle(Path(args.out))
    print(f"Gradescope autograder bundle: {path} (upload it as the assignment's autograder)")
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value}: must be 1 or more")
    return value


def add_parsers(verbs) -> None:
    defaults = Limits()
    p = verbs.add_parser("grade", help="grade student submissions (folders or .zip files) safely",
                         description="Grade each SUBMISSION (a folder or .zip shaped like the student release: "
                                     "minigrad/, chapters/) into DIR/<name>/results.json (Gradescope's schema) and "
                                     "DIR/<name>/feedback.md, plus DIR/grades.csv. Student code runs only in "
                                     "child processes inside a bubblewrap sandbox (refused when bubblewrap is "
                                     "missing, unless --trusted-code). SIGINT/SIGTERM stop the batch and keep what "
                                     "is finished; run the same command to continue. Submissions already graded with the same content "
                                     "are skipped unless --force.")
    p.add_argument("submissions", nargs="+", type=Path, metavar="SUBMISSION",
                   help="a submission folder or .zip (e.g. submissions/*); named after the folder or zip stem")
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help="output folder")
    p.add_argument("--jobs", type=_positive, default=1, help="submissions graded in parallel (default: 1)")
    p.add_argument("--force", action="store_true", help="regrade submissions that already have results")
    p.add_argument("--exercise", action="append", metavar="ID",
                   help="grade only this exercise (repeatable; default: all)")
    p.add_argument("--exercise-timeout", type=float, default=defaults.exercise_seconds, metavar="SECONDS",
                   help=f"time limit of one exercise's checks (default: {defaults.exercise_seconds:g})")
    p.add_argument("--submission-timeout", type=float, default=defaults.submission_seconds, metavar="SECONDS",
                   help=f"time limit of one whole submission (default: {defaults.submission_seconds:g})")
    p.add_argument("--memory-mb", type=int, default=defaults.memory_bytes // 2 ** 20, metavar="MB",
                   help=f"address-space limit of a child (default: {defaults.memory_bytes // 2 ** 20})")
    p.add_argument("--trusted-code", action="store_true",
                   help="run the code WITHOUT the bubblewrap sandbox (limits and audit hook only): only for code "
                        "you trust, e.g. your own solutions")
    p.set_defaults(handler=_grade)
    p = verbs.add_parser("gradescope", help="build the Gradescope autograder bundle (a .zip)",
                         description="Write OUT.zip with setup.sh, run_autograder and the grader; Gradescope "
                                     "runs the same grader as `grade` on /autograder/submission.")
    p.add_argument("out", type=Path, metavar="OUT.zip")
    p.set_defaults(handler=_gradescope)


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (the bundle's run_autograder does not need coursekit/cli.py)."""
    parser = argparse.ArgumentParser(prog="coursekit.grading")
    add_parsers(parser.add_subparsers(dest="verb", required=True))
    args = parser.parse_args(argv)
    return int(args.handler(args) or 0)
