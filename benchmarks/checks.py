"""How long the students' checks take: the first check in a fresh process (a new kernel), each check in a
warm one, a failing check with its diagnosis, and `python -m coursekit check` for all exercises.

    python benchmarks/checks.py [--engine PATH] [--repeats N]

Targets (issue 10 §7): warm < 1 s per check, the first check in a kernel < 5 s, the CLI < 15 s. Each row
shows wall-clock and CPU time side by side: on a shared machine the wall time grows with the load, the
CPU time much less, so the CPU column is what an idle machine would roughly take.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FIRST = ("2.1-numdiff", "2.1-backward-order", "2.1-backward-accumulate", "2.1-jacobian")
TARGETS = {"first": 5.0, "warm": 1.0, "cli": 15.0}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def in_subprocess(args: list[str], root: Path) -> tuple[float, float]:
    """(wall, cpu) seconds of a fresh Python process run with MINIGRAD_ROOT=root."""
    env = {**os.environ, "MINIGRAD_ROOT": str(root)}
    cpu, started = _children_cpu(), time.perf_counter()
    subprocess.run([sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started, _children_cpu() - cpu


def first_check(exercise_id: str, root: Path) -> tuple[float, float]:
    code = f"from coursekit import check\ntry:\n    check({exercise_id!r})\nexcept Exception:\n    pass\n"
    return in_subprocess(["-c", code], root)


def warm(exercise_id: str, root: Path, repeats: int) -> tuple[float, float]:
    from coursekit.verdicts import run
    walls, cpus = [], []
    for _ in range(repeats):
        cpu, started = time.process_time(), time.perf_counter()
        run(exercise_id, root=root)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def broken_engine(root: Path) -> Path:
    """A copy of the engine whose Mul.backward swaps its factors (a failing check, diagnosed)."""
    folder = Path(tempfile.mkdtemp(prefix="checks-bench-"))
    shutil.copytree(root / "minigrad", folder / "minigrad", ignore=shutil.ignore_patterns("__pycache__"))
    binary = folder / "minigrad" / "ops" / "binary.py"
    binary.write_text(binary.read_text(encoding="utf-8").replace("return grad * b, grad * a",
                                                                  "return grad * a, grad * b", 1), encoding="utf-8")
    return folder


def row(name: str, wall: float, cpu: float, target: float | None) -> None:
    verdict = "" if target is None else ("met" if wall < target else ("met in CPU time" if cpu < target else "MISSED"))
    shown = "" if target is None else f"< {target:g} s"
    print(f"| {name} | {wall:.2f} s | {cpu:.2f} s | {shown} | {verdict} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", type=Path, default=ROOT / "solutions", help="folder holding minigrad/")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    engine = args.engine.resolve()
    from coursekit import exercises
    ids = [e.id for e in exercises.all_exercises() if not e.answer]
    print(f"engine: {engine / 'minigrad'}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    print("| what | wall | CPU | target | |\n|---|---|---|---|---|")
    for exercise_id in FIRST:
        row(f"first check in a fresh process: {exercise_id} (imports torch)", *first_check(exercise_id, engine),
            TARGETS["first"])
    import torch  # noqa: F401 - a warm kernel has it
    for exercise_id in ids:
        warm(exercise_id, engine, 1)              # PyTorch's lazy imports happen once per kernel
    for exercise_id in ids:
        row(f"warm: {exercise_id}", *warm(exercise_id, engine, args.repeats), TARGETS["warm"])
    broken = broken_engine(engine)
    try:
        row("warm, failing: 2.1-vjp with a wrong Mul.backward (first wrong node)", *warm("2.1-vjp", broken, args.repeats),
            TARGETS["warm"])
        row("warm, failing: 2.1-jacobian, blamed on 2.1-vjp (prerequisites run)",
            *warm("2.1-jacobian", broken, args.repeats), TARGETS["warm"])
    finally:
        shutil.rmtree(broken, ignore_errors=True)
    row("`python -m coursekit check`, all exercises pass", *in_subprocess(["-m", "coursekit", "check"], engine),
        TARGETS["cli"])
    if (ROOT / "minigrad" / "__init__.py").is_file():
        row("`python -m coursekit check`, the student stubs", *in_subprocess(["-m", "coursekit", "check"], ROOT),
            TARGETS["cli"])


if __name__ == "__main__":
    main()
