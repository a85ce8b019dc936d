"""Where each file of the course goes: the student repository, the grading child, the instructor only.

Data only. The release (release/repository.py), the grader's sandbox (grading/sandbox.py) and the validator's
no-leaks step (validate.py) read it; tests/coursekit/test_manifest.py checks that every coursekit module is
placed, and that what a list ships imports only what the same list ships.
"""

# coursekit modules the grading child imports to run the checks and name the student's line, relative to
# coursekit/ (the sandbox writes the child's own __init__.py: no check(), no notebook extension)
CHILD_MODULES = (
    "checks/__init__.py", "checks/base.py", "checks/inputs.py", "checks/engine_checks.py",
    "checks/notebook_checks.py", "exercises.py", "compare.py", "tracebacks.py", "blame.py", "runner.py",
    "answers.py",
)

# coursekit modules of the student repository (a trailing "/" keeps a whole folder): the checks, as the
# child has them, and the front ends students use (check() in a notebook, the CLI, pytest, submit)
STUDENT_MODULES = CHILD_MODULES + (
    "__init__.py", "__main__.py", "engine.py", "live.py", "diagnosis.py", "verdicts.py", "cli.py",
    "pytest_verdicts.py", "submit.py", "lessons/",
)

# the browser edition's own modules, relative to coursekit/lite/: its package is STUDENT_MODULES and these
# (coursekit/__init__.py imports them only in the browser, sys.platform == "emscripten")
LITE_RUNTIME = ("__init__.py", "browser.py", "kernel.py", "recording.py", "sources.py", "steps.py")

# the student's tests, {path in the student repository: path in the course}: the student's tests/ is flat
STUDENT_TESTS = {
    "tests/conftest.py": "tests/conftest.py",
    "tests/test_exercises.py": "tests/course/test_exercises.py",
    "tests/nbval_sanitize.cfg": "tests/nbval_sanitize.cfg",
}

# copied into the student repository as they are
STUDENT_EXTRAS = ("text/", "environment.yml", ".gitignore")

# never in the student repository, relative to the course root (the validator's no-leaks step fails on any)
INSTRUCTOR_ONLY = (
    "solutions/", "coursekit/grading/", "coursekit/release/", "coursekit/templates/", "coursekit/validate.py",
    "coursekit/validate_plugin.py", "coursekit/answerkey.py", "coursekit/mirror.py", "coursekit/markers.py", "coursekit/mistakes.py",
    "coursekit/notebook_runs.py", "coursekit/manifest.py", "coursekit/checks/hidden.py",
    "coursekit/checks/contracts.py", "coursekit/mutants.py", "coursekit/lite/site.py",
    "coursekit/lite/pyodide_dist.py", "coursekit/lite/wheel.py", "tests/engine/",
    "tests/coursekit/", "tests/course/", "tests/mistakes/",
)
