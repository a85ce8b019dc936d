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

COURSEKIT = Path(__file__).resolve().parent.parent
BUNDLED = ("__init__.py", "answers.py", "checking.py", "compare.py", "exercises.py", "markers.py",
           "checks", "grading")

SETUP = """#!/usr/bin/env bash
# Runs once when Gradescope builds the image: the grader needs Python 3.10+, numpy, nbformat and
# PyTorch (CPU), which computes the reference answers in the grader's process only.
set -euo pipefail
apt-get install -y python3 python3-pip
python3 -m pip install --no-cache-dir -r /autograder/source/requirements.txt \\
    --extra-index-url https://download.pytorch.org/whl/cpu
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for every submission: grade /autograder/submission into
# /autograder/results/results.json. AUTOGRADER_ROOT replaces /autograder (tests use a temporary folder).
ROOT="${AUTOGRADER_ROOT:-/autograder}"
cd "$ROOT/source" && exec python3 -m coursekit.grading.gradescope
"""


def requirements() -> str:
    import nbformat
    import numpy
    import torch
    return (f"numpy=={numpy.__version__}\ntorch=={torch.__version__.split('+')[0]}\n"
            f"nbformat=={nbformat.__version__}\n")


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
    """Write the autograder zip: setup.sh, run_autograder, requirements.txt, coursekit/ (grader + checks)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    temp = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as archive:
        _add_script(archive, "setup.sh", SETUP)
        _add_script(archive, "run_autograder", RUN)
        archive.writestr("requirements.txt", requirements())
        for name in BUNDLED:
            _add_tree(archive, COURSEKIT / name, f"coursekit/{name}")
    os.replace(temp, out)
    return out


def run(root: Path | None = None) -> int:
    """Grade $AUTOGRADER_ROOT/submission into $AUTOGRADER_ROOT/results/results.json."""
    from .grader import grade
    from .results import write_results
    root = Path(root or os.environ.get("AUTOGRADER_ROOT", "/autograder"))
    results_dir = root / "results"
    work = results_dir / "coursekit"
    results = grade([root / "submission"], work, jobs=1, force=True, quiet=True)[0][1]
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
