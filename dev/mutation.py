"""Mutation testing of the exercise code: every cosmic-ray mutation (and statement deletion) inside the
solution regions of solutions/minigrad and the answer functions of the notebook exercises, each run
against its own exercise's self-check (coursekit/mutants.py says how).

    python dev/mutation.py [EXERCISE_ID ...] [--workers 2] [--arithmetic-only] [--out report.md]

A mutant that passes its check (a survivor) is then run differentially: the public cases and 20 draws of
the hidden ones (random programs, shapes, dtypes) against PyTorch. The reviewed list
tests/mutants/equivalent.toml names the equivalent ones (agreeing everywhere) with a reason each.
Prints, per exercise: mutants, caught, equivalent, survivors (goal 0), and every survivor's change.
Exit code 1 when a survivor is not on the reviewed list, or a listed mutant is caught or disagrees.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EQUIVALENTS = ROOT / "tests" / "mutants" / "equivalent.toml"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ids", nargs="*", help="exercise ids (default: every exercise)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--arithmetic-only", action="store_true",
                        help="replace a binary operator only by + - * / ** (not by bitwise or shift operators)")
    parser.add_argument("--out", type=Path, help="also write the report (Markdown) here")
    args = parser.parse_args()

    from coursekit import mutants as M
    solutions = ROOT / "solutions"
    started = time.perf_counter()
    found = M.keyed(M.operator_mutants(solutions, full=not args.arithmetic_only))
    chosen = {k: m for k, m in found.items() if not args.ids or m.exercise in args.ids}
    print(f"{len(chosen)} mutants; running each exercise's check ({args.workers} workers)...", flush=True)
    keys = list(chosen)
    outcomes = dict(zip(keys, M.run_all(solutions, [chosen[k] for k in keys], args.workers)))
    survivors = [k for k in keys if not M.caught(outcomes[k])]
    print(f"{len(survivors)} pass their check; differential run on them...", flush=True)
    disagreements = dict(zip(survivors, M.differential_all(solutions, [chosen[k] for k in survivors], args.workers)))
    equivalents = M.load_equivalents(EQUIVALENTS)
    lines, failed = report(chosen, outcomes, disagreements, equivalents)
    lines.append(f"\n{len(chosen)} mutants in {time.perf_counter() - started:.0f} s")
    print("\n".join(lines))
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 1 if failed else 0


def report(chosen, outcomes, disagreements, equivalents) -> tuple[list[str], bool]:
    from coursekit import mutants as M
    rows = defaultdict(lambda: [0, 0, 0, 0])
    notes, failed = [], False
    for key, mutant in chosen.items():
        row = rows[mutant.exercise]
        row[0] += 1
        change = f"{mutant.file}:{mutant.line} [{mutant.operator}] `{mutant.before.strip()}` -> `{mutant.after.strip()}`"
        if M.caught(outcomes[key]):
            row[1] += 1
            if key in equivalents:
                failed = True
                notes.append(f"- listed as equivalent but caught, remove it: {key} {change}")
        elif key in equivalents and not disagreements.get(key):
            row[2] += 1
            notes.append(f"- equivalent: {change}: {equivalents[key]}")
        else:
            row[3] += 1
            failed = True
            why = (f"caught only by the hidden cases ({disagreements[key]})" if disagreements.get(key)
                   else "agrees with PyTorch on 20 hidden draws: equivalent? review it and list it")
            if not outcomes[key].attributed and not outcomes[key].passed:
                why = f"fails, but the verdict does not name 练习 {mutant.exercise}"
            notes.append(f"- SURVIVOR {key}\n  {change}\n  {why}")
    lines = ["| exercise | mutants | caught | equivalent | survivors |", "|---|---:|---:|---:|---:|"]
    for exercise, (n, caught, equivalent, survived) in sorted(rows.items()):
        lines.append(f"| {exercise} | {n} | {caught} | {equivalent} | {survived} |")
    totals = [sum(r[i] for r in rows.values()) for i in range(4)]
    lines.append(f"| total | {totals[0]} | {totals[1]} | {totals[2]} | {totals[3]} |")
    return lines + [""] + notes, failed


if __name__ == "__main__":
    sys.exit(main())
