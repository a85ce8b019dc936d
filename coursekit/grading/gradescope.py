"""The Gradescope autograder bundle, and what runs inside it.

Gradescope's layout (https://gradescope-autograders.readthedocs.io/en/latest/specs/): the bundle is a
zip with `setup.sh` and `run_autograder` at its root, extracted to /autograder/source; the student's
files are in /autograder/submission; the grader writes /autograder/results/results.json. `run()` grades
the submission with the same grader as `python -m coursekit grade`; the root is $AUTOGRADER_ROOT
(default /autograder), so tests can simulate the layout in a temporary folder.
"""
from __future__ import annotations

import os
import shutil
import stat
import sys
import zipfile
from pathlib import Path

from .grader import grade
from .results import write_results
from .sandbox import Isolation, Limits

COURSEKIT = Path(__file__).resolve().parent.parent
BUNDLED = ("__init__.py", "answers.py", "runner.py", "compare.py", "exercises.py", "markers.py",
           "blame.py", "tracebacks.py", "checks", "grading")

TORCH_VERSION = "2.13.0"          # the course's pin (pyproject.toml); its CPU build is installed below
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
VENV = "/autograder/venv"

# The grader's dependencies from PyPI, as ranges that have wheels for both Gradescope base images
# (Ubuntu 22.04: Python 3.10, Ubuntu 24.04: Python 3.12; tests/coursekit/test_gradescope.py resolves them for both).
# Never the instructor's exact versions: those may have no wheel for the image's Python.
# The last lines are torch's own dependencies (torch itself comes with --no-deps, below).
REQUIREMENTS = """\
numpy>=1.26,<3
nbformat>=5.9,<6
tqdm>=4.66
filelock
typing-extensions>=4.10.0
setuptools>=77.0.3
sympy>=1.13.3
networkx>=2.5.1
jinja2
fsspec>=0.8.5
"""

# PyTorch from its CPU index only, pinned to the +cpu build and without dependencies: PyPI has no "+cpu"
# release, so nothing can substitute the multi-GB CUDA build (which would also pull nvidia-* packages).
TORCH_REQUIREMENTS = f"""\
--index-url {TORCH_INDEX}
torch=={TORCH_VERSION}+cpu
"""

SETUP = f"""#!/usr/bin/env bash
# Runs once when Gradescope builds the image (Ubuntu 22.04 with Python 3.10, or 24.04 with 3.12).
# Everything goes into a venv: 24.04's system Python refuses pip installs (PEP 668). PyTorch computes
# the reference answers in the grader's process only; student code never sees it.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv
python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' || {{ echo "the grader needs Python 3.10 or newer" >&2; exit 1; }}
python3 -m venv {VENV}
{VENV}/bin/python -m pip install --no-cache-dir -r /autograder/source/requirements.txt
{VENV}/bin/python -m pip install --no-cache-dir --no-deps -r /autograder/source/requirements-torch.txt
{VENV}/bin/python -m pip check
{VENV}/bin/python -c 'import torch; assert torch.version.cuda is None, torch.__version__; print("torch", torch.__version__)'
# Student code runs as an unprivileged user: it needs the interpreter and numpy, nothing writable.
chmod -R a+rX {VENV}
chmod a+x /autograder
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for every submission, in a fresh container (the isolation between students):
# grade /autograder/submission into /autograder/results/results.json with the venv of setup.sh.
# AUTOGRADER_ROOT replaces /autograder (tests use a temporary folder).
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
cd "$ROOT/source" && exec "$ROOT/venv/bin/python3" -m coursekit.grading.gradescope
"""


def _add_tree(archive: zipfile.ZipFile, source: Path, name: str) -> None:
    if source.is_dir():
        for path in sorted(source.rglob("*.py")):
            if "__pycache__" not in path.parts:
                archive.write(path, f"{name}/{path.relative_to(source).as_posix()}")
    else:
        archive.write(source, name)


def _add_script(archive: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFREG | 0o755) << 16
    archive.writestr(info, text)


def build_bundle(out: Path) -> Path:
    """Write the autograder zip: setup.sh, run_autograder, requirements*.txt, coursekit/ (grader + checks)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    temp = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as archive:
        _add_script(archive, "setup.sh", SETUP)
        _add_script(archive, "run_autograder", RUN)
        archive.writestr("requirements.txt", REQUIREMENTS)
        archive.writestr("requirements-torch.txt", TORCH_REQUIREMENTS)
        for name in BUNDLED:
            _add_tree(archive, COURSEKIT / name, f"coursekit/{name}")
    os.replace(temp, out)
    return out


def _isolation() -> str:
    """On Gradescope one container per submission is the isolation and the child runs as an unprivileged
    user (CONTAINER). COURSEKIT_ISOLATION=bwrap adds the bubblewrap sandbox where the image has it; the
    unconfined mode is never available here."""
    chosen = os.environ.get("COURSEKIT_ISOLATION", Isolation.CONTAINER)
    if chosen not in (Isolation.CONTAINER, Isolation.BWRAP):
        raise SystemExit(f"COURSEKIT_ISOLATION={chosen!r}: use {Isolation.CONTAINER!r} or {Isolation.BWRAP!r}")
    return chosen


def run(root: Path | None = None) -> int:
    """Grade $AUTOGRADER_ROOT/submission into $AUTOGRADER_ROOT/results/results.json."""
    root = Path(root or os.environ.get("AUTOGRADER_ROOT", "/autograder"))
    results_dir = root / "results"
    work = results_dir / "coursekit"
    results = grade([root / "submission"], work, jobs=1, force=True, quiet=True, report=False,
                    limits=Limits(isolation=_isolation()))[0][1]
    if "error" in results:          # a grader bug: say so to the student instead of a silent failure
        write_results(results_dir / "results.json", {
            "score": 0, "output": f"评分程序内部错误，请联系教师（{results['error']}）", "tests": []})
        print(results["error"], file=sys.stderr)
        return 1
    write_results(results_dir / "results.json", results)
    shutil.copyfile(work / "submission" / "feedback.md", results_dir / "feedback.md")
    print(f"score {results['score']}/{results['extra_data']['max_score']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(run())
