"""`python -m coursekit <verb>` (or the `coursekit` console script).

Students: `check [ID ...]`, `submit`. Instructors and maintainers: `release [OUT] [--html]`, `solutions OUT`,
`validate`, `grade`, `gradescope`. Verbs whose code is not shipped (the student repository has no
release, validator or grader) are simply not offered.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _available(module: str) -> bool:
    """Whether this copy of coursekit ships `module` (looked up beside this file, not through an
    editable install, which would find the maintainers' copy)."""
    here = Path(__file__).resolve().parent
    name = module.split(".", 1)[1]
    return (here / f"{name}.py").is_file() or (here / name / "__init__.py").is_file()


def _course_root() -> Path:
    """The maintainers' repository: the folder above coursekit/ when it has solutions/, else the cwd."""
    package_parent = Path(__file__).resolve().parent.parent
    if (package_parent / "solutions").is_dir():
        return package_parent
    return Path.cwd()


def _check(args) -> int:
    from .verdicts import check_command
    return check_command(args.ids, args.timeout)


def _submit(args) -> int:
    from .submit import submit
    return submit(out=args.out)


def _release(args) -> int:
    from .release import release
    return release(args.root, Path(args.out) if args.out else None, html=args.html, force=args.force)


def _solutions(args) -> int:
    from .answerkey import build_answer_key
    return build_answer_key(args.root, Path(args.out))


def _lite(args) -> int:
    from .lite.site import build_site
    return build_site(args.root, Path(args.out), solved=args.solved, pyodide=args.pyodide, force=args.force)


def _validate(args) -> int:
    from .validate_plugin import validate
    return validate(args.root, only=args.step, skip_slow=args.skip_slow)


def _step_names(argv) -> str:
    """The validator's steps, listed only when `validate` is the verb: importing the validator (nbformat,
    jsonschema) takes seconds, which `check` must not pay."""
    if "validate" not in (sys.argv[1:] if argv is None else argv):
        return "see `coursekit validate --help`"
    from .validate import STEPS
    return ", ".join(s.name for s in STEPS)


def _add_instructor_verbs(verbs, argv=None) -> None:
    root = argparse.ArgumentParser(add_help=False)
    root.add_argument("--root", type=Path, default=None,
                      help="the course repository (default: the one this coursekit belongs to)")
    if _available("coursekit.release"):
        p = verbs.add_parser("release", parents=[root], help="build the student version from solutions/",
                             description="Without OUT: refresh chapters/ and minigrad/ in place. With OUT: write a "
                                         "standalone student repository there.")
        p.add_argument("out", nargs="?", help="folder for a standalone student repository")
        p.add_argument("--html", action="store_true", help="also render the student notebooks as HTML pages")
        p.add_argument("--force", action="store_true", help="replace OUT if it is not empty")
        p.set_defaults(handler=_release)
    if _available("coursekit.answerkey"):
        p = verbs.add_parser("solutions", parents=[root], help="the answer key: executed solution notebooks + HTML")
        p.add_argument("out", help="folder for the answer key")
        p.set_defaults(handler=_solutions)
    if (Path(__file__).resolve().parent / "lite" / "site.py").is_file():
        p = verbs.add_parser("lite", parents=[root], help="the course as a static JupyterLite site (runs in a browser)",
                             description="Write the student edition as a static JupyterLite site to OUT: Python runs "
                                         "in the browser (Pyodide), check() compares with PyTorch values recorded now.")
        p.add_argument("out", help="folder for the site")
        p.add_argument("--solved", action="store_true", help="the instructor's preview: complete engine and notebooks")
        p.add_argument("--pyodide", type=Path, default=None, metavar="DIR|ARCHIVE",
                       help="a Pyodide 0.27.7 distribution (default: $COURSEKIT_PYODIDE or "
                            "~/.cache/autodiff-course/pyodide-0.27.7)")
        p.add_argument("--force", action="store_true", help="replace OUT if it is not empty")
        p.set_defaults(handler=_lite)
    if _available("coursekit.validate"):
        p = verbs.add_parser("validate", parents=[root], help="prove the course consistent (exit 0 only if it is)",
                             description="Run the validator's steps as pytest tests (coursekit/validate_plugin.py). "
                                         "Exit code 0: all fine; 1: problems found (each with what to do); 2: bad "
                                         "input (a malformed notebook, a missing file, an unknown step).")
        p.add_argument("--step", action="append", metavar="NAME",
                       help="run only this step (repeatable): " + _step_names(argv))
        p.add_argument("--skip-slow", "--fast", action="store_true", help="skip the slow steps")
        p.set_defaults(handler=_validate)


def _input_errors() -> tuple:
    errors = []
    if _available("coursekit.markers"):
        from .markers import MarkerError
        errors.append(MarkerError)
    if _available("coursekit.release"):
        from .release.course import CourseInputError
        errors.append(CourseInputError)
    return tuple(errors)


def _failures() -> tuple:
    if _available("coursekit.answerkey"):
        from .answerkey import NotebookFailed
        return (NotebookFailed,)
    return ()


def parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(prog="coursekit", description="Tooling of the automatic-differentiation course.")
    verbs = main_parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    p = verbs.add_parser("check", help="check your exercises against PyTorch (a table, then what to fix)")
    p.add_argument("ids", nargs="*", metavar="ID", help="exercise ids (default: all)")
    p.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                   help="stop a check that runs longer (default 10, or $COURSEKIT_TIMEOUT)")
    p.set_defaults(handler=_check)
    p = verbs.add_parser("submit", help="check your work, then write submission.zip to hand in",
                         description="Run the self-check, check that every notebook is valid and every exercise "
                                     "cell runs on its own (as the grader runs it), then write submission.zip with "
                                     "exactly the files the grader reads (minigrad/**/*.py, chapters/**/*.ipynb).")
    p.add_argument("--out", type=Path, default=None, metavar="ZIP",
                   help="where to write the zip (default: submission.zip in the course folder)")
    p.set_defaults(handler=_submit)
    _add_instructor_verbs(verbs, argv)
    if _available("coursekit.grading"):      # the student repository has no grader
        from .grading.cli import add_parsers
        add_parsers(verbs)
    return main_parser


def _printable_anywhere() -> None:
    """Verdicts hold emoji (✅ ⏳) that a console or file in a legacy code page (GBK on Chinese Windows) cannot
    encode: print what it can and replace the rest, rather than crash."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")
        except (AttributeError, ValueError):      # not a text stream of io's (e.g. replaced by a test)
            pass


def main(argv: list[str] | None = None) -> int:
    _printable_anywhere()
    args = parser(argv).parse_args(argv)
    if getattr(args, "root", "absent") is None:
        args.root = _course_root()
    try:
        return int(args.handler(args) or 0)
    except _input_errors() as error:         # bad input: one clear line, no traceback
        print(f"error: {error}", file=sys.stderr)
        return 2
    except _failures() as error:             # a solution notebook failed to execute
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
