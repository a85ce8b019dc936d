"""The validator's steps as pytest tests: pytest is the validator's only runner.

`pytest -p coursekit.validate_plugin --course-root PATH coursekit/validate.py` collects one test per step of
coursekit/validate.py (STEPS), with node ids `validate::<step>::course`: `-k mirror` picks a step, `-m "not
slow"` leaves out the slow ones, `--course-step NAME` (repeatable) keeps exactly the steps named. A failing
step shows its problems, one `file: fix` each, not a traceback. Each step is a scope of its own for
`pytest-xdist --dist loadscope`, so the slow steps run side by side on different workers.

The maintainers' suite turns this on in pyproject.toml (the real course, in every `pytest`);
`python -m coursekit validate` runs the same tests through `pytest.main` (see coursekit/validate.py).
A step that meets bad input (a malformed notebook, a missing file) ends the session with exit code 2.
"""
from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import pytest

from .markers import MarkerError
from .release.course import Course, CourseInputError
from .validate import STEPS, Step

INPUT_ERROR = "bad input"        # a user property of the report of a step that met bad input


def pytest_addoption(parser):
    group = parser.getgroup("coursekit validate")
    group.addoption("--course-root", default=None, metavar="PATH",
                    help="validate the course in PATH (relative: to the rootdir): one test per step, collected "
                         "from coursekit/validate.py")
    group.addoption("--course-step", action="append", default=[], metavar="NAME",
                    help="run only this validation step (repeatable): " + ", ".join(s.name for s in STEPS))


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: builds a release or executes notebooks")
    unknown = sorted(set(config.getoption("course_step")) - {s.name for s in STEPS})
    if unknown:
        raise pytest.UsageError(f"unknown validation step(s) {', '.join(unknown)}; "
                                f"steps: {', '.join(s.name for s in STEPS)}")


def pytest_collect_file(file_path: Path, parent):
    root = parent.config.getoption("course_root")
    if root and file_path == Path(__file__).with_name("validate.py"):
        # a node id of its own, the same wherever this coursekit and the course are
        return ValidatorFile.from_parent(parent, path=file_path, nodeid="validate",
                                         course_root=parent.config.rootpath / root)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Keep the steps --course-step names; collect the slow steps first: with `--dist loadscope
    --no-loadscope-reorder` (pyproject.toml) they then start at once on the workers, rather than last in line
    (tests/conftest.py still puts its own FIRST before them)."""
    wanted = config.getoption("course_step")
    if wanted:
        dropped = [i for i in items if isinstance(i, StepItem) and i.step.name not in wanted]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = [i for i in items if i not in dropped]
    items.sort(key=lambda item: not (isinstance(item, StepItem) and item.step.slow))


def pytest_report_teststatus(report, config):
    """A step's line says ok, FAIL (problems found) or ERROR (bad input)."""
    if report.when != "call" or not report.nodeid.startswith("validate::"):
        return None
    if (INPUT_ERROR, True) in report.user_properties:
        return "error", "E", "ERROR"
    return report.outcome, "." if report.passed else "F", "ok" if report.passed else "FAIL"


def pytest_sessionfinish(session):
    """Bad input is exit code 2 (pytest's 'interrupted'), not 1 (problems found)."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    reports = reporter.stats.get("error", []) if reporter else []
    if any((INPUT_ERROR, True) in getattr(r, "user_properties", ()) for r in reports):
        session.exitstatus = 2


class ValidatorFile(pytest.File):
    def __init__(self, *, course_root: Path, **kwargs):
        super().__init__(**kwargs)
        self.course_root = course_root

    def collect(self):
        for step in STEPS:
            yield StepScope.from_parent(self, name=step.name, step=step)


class StepScope(pytest.Collector):
    """One step, a node of its own so that xdist's loadscope gives each step its own work unit."""

    def __init__(self, *, step: Step, **kwargs):
        super().__init__(**kwargs)
        self.step = step

    def collect(self):
        item = StepItem.from_parent(self, name="course", step=self.step)
        if self.step.slow:
            item.add_marker(pytest.mark.slow)
        yield item


class StepProblems(Exception):
    """A step found problems (a list of validate.Problem)."""


class StepItem(pytest.Item):
    def __init__(self, *, step: Step, **kwargs):
        super().__init__(**kwargs)
        self.step = step

    def runtest(self):
        try:
            problems = self.step.run(Course(self.parent.parent.course_root))
        except (CourseInputError, MarkerError):
            self.user_properties.append((INPUT_ERROR, True))
            raise
        if problems:
            raise StepProblems(problems)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, StepProblems):
            problems = excinfo.value.args[0]
            return "\n".join([f"{len(problems)} problem(s):"] + [f"{p.file}\n    {p.fix}" for p in problems])
        if isinstance(excinfo.value, (CourseInputError, MarkerError)):
            return f"error: {excinfo.value}"
        return _crash(excinfo.value)          # e.g. the solutions engine does not import: say where, briefly

    def reportinfo(self):
        return self.path, None, f"{self.step.name}: {self.step.about}"


def _crash(error: Exception) -> str:
    frame = traceback.extract_tb(error.__traceback__)[-1]
    where = f"{frame.filename}:{frame.lineno}"
    if isinstance(error, SyntaxError) and error.filename:
        where = f"{error.filename}:{error.lineno}"
    return f"{where}\n    the step crashed: {type(error).__name__}: {error}"


# ---------------------------------------------------------------- the command

def validate(root: Path, only: list[str] | None = None, skip_slow: bool = False) -> int:
    """`python -m coursekit validate`: the steps as pytest tests, one line each, a failing one's problems below.
    Exit code 0 (all fine), 1 (problems found) or 2 (bad input); an unknown step name raises CourseInputError."""
    unknown = sorted(set(only or ()) - {s.name for s in STEPS})
    if unknown:
        raise CourseInputError(f"unknown validation step(s) {', '.join(unknown)}; "
                               f"steps: {', '.join(s.name for s in STEPS)}")
    here = Path(__file__).parent
    args = [str(here / "validate.py"), "--course-root", str(Path(root).resolve()),
            # not the settings or conftest.py of whatever folder this runs in; node ids as shown, no cache
            "-c", os.devnull, "--rootdir", os.getcwd(), "--confcutdir", str(here), "-p", "no:cacheprovider",
            "-v", "--no-header", "-rP"]     # -rP: what a passing step printed (mistakes-caught: its counts)
    args += [f"--course-step={name}" for name in only or ()]
    if skip_slow:
        args += ["-m", "not slow"]
    code = pytest.main(args, plugins=[sys.modules[__name__]])
    return {pytest.ExitCode.OK: 0, pytest.ExitCode.TESTS_FAILED: 1,
            pytest.ExitCode.NO_TESTS_COLLECTED: 0}.get(code, 2)    # no tests: --skip-slow left none to run
