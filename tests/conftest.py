"""Choose the engine under test: `pytest --minigrad=solutions|student|PATH` (default: solutions)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def pytest_addoption(parser):
    parser.addoption("--minigrad", default=os.environ.get("MINIGRAD_ENGINE", "solutions"),
                     help="engine under test: 'solutions', 'student' (./minigrad) or a folder holding minigrad/")


def resolve_engine(choice: str) -> Path:
    named = {"solutions": ROOT / "solutions", "student": ROOT}
    root = named.get(choice, Path(choice)).resolve()
    if not (root / "minigrad" / "__init__.py").is_file():
        if choice == "solutions" and (ROOT / "minigrad").is_dir():
            return ROOT  # a student release has no solutions/: test the student's engine
        raise pytest.UsageError(f"--minigrad={choice}: {root} has no minigrad/__init__.py")
    return root


def pytest_configure(config):
    from coursekit.engine import ENV_VAR, activate
    root = resolve_engine(config.getoption("--minigrad"))
    activate(root)
    os.environ[ENV_VAR] = str(root)  # notebook kernels started by nbval follow the same choice
    try:
        import minigrad  # noqa: F401
    except Exception as error:       # a syntax error in minigrad/: one Chinese verdict, not a traceback per test
        from coursekit.verdicts import import_verdict
        pytest.exit(import_verdict(error), returncode=pytest.ExitCode.USAGE_ERROR)


@pytest.fixture(scope="session")
def mg():
    """The engine under test, imported from the folder --minigrad chose."""
    import minigrad
    return minigrad


# The longest module, first: with `-n 2 --dist loadscope` one worker drives the browser edition in Chromium
# while the other runs the rest, instead of the browser test running alone at the end.
FIRST = ("tests/course/test_lite.py",)


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: not item.nodeid.startswith(FIRST))
