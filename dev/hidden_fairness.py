"""Do the complete solutions pass every hidden case, whatever the grading-time draw? A correct submission
must never lose points to an unlucky draw (e.g. a central difference at inputs where round-off beats the
tolerance). Runs each engine exercise's hidden generators on SEEDS draws against solutions/minigrad:

    python dev/hidden_fairness.py [EXERCISE_ID ...] [--seeds 300]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ids", nargs="*", help="exercise ids (default: every engine exercise)")
    parser.add_argument("--seeds", type=int, default=300)
    args = parser.parse_args()
    import torch

    from coursekit import exercises
    from coursekit.runner import run_case
    from coursekit.checks.hidden import cases_for
    from coursekit.engine import fresh_engine
    chosen = [exercises.get(i) for i in args.ids] or [e for e in exercises.all_exercises() if not e.answer]
    failures = 0
    with fresh_engine(ROOT / "solutions") as minigrad:
        for exercise in chosen:
            cases = bad = 0
            for seed in range(args.seeds):
                rng = np.random.default_rng(seed)
                for check in exercise.checks:
                    for case in cases_for(check, rng):
                        cases += 1
                        result = run_case(check, case, minigrad, torch)
                        if not result.ok:
                            bad += 1
                            print(f"  seed {seed}: {check.name} · {case.label}: {result.message.splitlines()[0]}")
            print(f"{exercise.id:<26} {cases:>6} hidden cases, {bad} failed by the solution")
            failures += bad
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
