"""Grading throughput: a class of N copies of the complete course graded with --jobs J, once in the
bubblewrap sandbox and once with --trusted-code (no sandbox), side by side.

    python benchmarks/grading_throughput.py              # 30 submissions, --jobs 2 (target: < 120 s each)
    python benchmarks/grading_throughput.py --class-size 6
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_class(folder: Path, size: int) -> list[Path]:
    subs = []
    for i in range(size):
        sub = folder / f"student{i:02d}"
        shutil.copytree(ROOT / "solutions" / "minigrad", sub / "minigrad", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(ROOT / "solutions" / "chapters", sub / "chapters", ignore=shutil.ignore_patterns(".*"))
        subs.append(sub)
    return subs


def timed(subs: list[Path], out: Path, jobs: int, extra: list[str]) -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "coursekit", "grade", *map(str, subs), "--out", str(out),
                    "--jobs", str(jobs), *extra], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--class-size", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="grading-throughput-") as folder:
        subs = make_class(Path(folder) / "subs", args.class_size)
        sandboxed = timed(subs, Path(folder) / "sandboxed", args.jobs, [])
        trusted = timed(subs, Path(folder) / "trusted", args.jobs, ["--trusted-code"])
    print(f"{args.class_size} complete submissions, --jobs {args.jobs}")
    print(f"| mode | seconds | per submission | sandbox/none |\n|---|---|---|---|")
    print(f"| bubblewrap sandbox | {sandboxed:.1f} | {sandboxed / args.class_size:.2f} | {sandboxed / trusted:.2f} |")
    print(f"| --trusted-code (no sandbox) | {trusted:.1f} | {trusted / args.class_size:.2f} | 1.00 |")


if __name__ == "__main__":
    main()
