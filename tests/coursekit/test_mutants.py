"""Mutants of the exercise code (coursekit/mutants.py): they change only the exercise code, a fixed sample
of them is caught by its own exercise's check (the full run is `python dev/mutation.py`), the reviewed
list of equivalent mutants is current, and the validator step regions-needed can fail."""
from __future__ import annotations

import difflib
import random
import sys

import pytest

from coursekit import mutants as M
from coursekit.markers import solution_regions
from coursekit.release import Course
from helpers import ROOT

pytest.importorskip("cosmic_ray", reason="pip install -e '.[mutation]'")   # .ci/run installs it

SOLUTIONS = ROOT / "solutions"
EQUIVALENTS = ROOT / "tests" / "mutants" / "equivalent.toml"
SAMPLE_PER_EXERCISE = 1


@pytest.fixture(scope="module")
def operator_mutants() -> dict[str, M.Mutant]:
    return M.keyed(M.operator_mutants(SOLUTIONS))


def _changed_lines(before: str, after: str) -> set[int]:
    """1-based lines of `before` that the edit replaces or deletes."""
    changed = set()
    for tag, i1, i2, _, _ in difflib.SequenceMatcher(None, before.splitlines(), after.splitlines()).get_opcodes():
        if tag != "equal":
            changed.update(range(i1 + 1, max(i2, i1 + 1) + 1))
    return changed


def _original(mutant: M.Mutant) -> str:
    if mutant.file.endswith(".ipynb"):
        return M.answer_cells(SOLUTIONS)[mutant.exercise]
    return (SOLUTIONS / mutant.file).read_text(encoding="utf-8")


def _spans(mutant: M.Mutant) -> list[tuple[int, int]]:
    text = _original(mutant)
    if mutant.file.endswith(".ipynb"):
        from coursekit import exercises
        return [M._answer_span(text, exercises.get(mutant.exercise).answer)]
    return [(r.begin + 1, r.end - 1) for r in solution_regions(text, mutant.file) if r.id == mutant.exercise]


def test_every_region_and_answer_function_gets_a_pass_mutant():
    from coursekit import exercises
    regions = sum(len(solution_regions(text, name)) for name, text in M.engine_texts(SOLUTIONS).items())
    answers = sum(1 for e in exercises.all_exercises() if e.answer)
    found = M.pass_mutants(SOLUTIONS)
    assert len(found) == regions + answers
    for mutant in found:
        changed = _changed_lines(_original(mutant), mutant.source)
        assert changed and any(first <= min(changed) and max(changed) <= last for first, last in _spans(mutant)), mutant


def test_operator_mutants_change_only_exercise_code(operator_mutants):
    assert len(operator_mutants) > 300                  # operators, comparisons, constants, statements...
    for mutant in operator_mutants.values():
        changed = _changed_lines(_original(mutant), mutant.source)
        assert changed, mutant.key
        assert any(first <= min(changed) and max(changed) <= last for first, last in _spans(mutant)), \
            f"{mutant.key} changes lines {sorted(changed)} outside the regions of {mutant.exercise} in {mutant.file}"


def test_the_equivalent_list_is_current_and_reasoned(operator_mutants):
    listed = M.load_equivalents(EQUIVALENTS)
    assert listed, "tests/mutants/equivalent.toml is empty or missing"
    for key, reason in listed.items():
        assert key in operator_mutants, f"{key}: no such mutant any more (the solution changed?): remove it"
        assert len(reason) > 30, f"{key}: say why no input tells it apart"


@pytest.mark.slow
def test_a_fixed_sample_of_mutants_fails_its_own_exercise(operator_mutants):
    """One mutant per exercise, drawn with a fixed seed among the non-equivalent ones: each must fail its
    own exercise's check, with a verdict naming it. The full run: python dev/mutation.py."""
    listed = M.load_equivalents(EQUIVALENTS)
    by_exercise: dict[str, list[str]] = {}
    for key, mutant in operator_mutants.items():
        if key not in listed:
            by_exercise.setdefault(mutant.exercise, []).append(key)
    rng = random.Random(0)
    sample = [operator_mutants[k] for keys in sorted(by_exercise.items()) for k in rng.sample(keys[1], SAMPLE_PER_EXERCISE)]
    survivors = [f"{o.mutant.key}: {o.mutant.file}:{o.mutant.line} `{o.mutant.before.strip()}` -> "
                 f"`{o.mutant.after.strip()}`: {o.verdict.splitlines()[0] if o.verdict else ''}"
                 for o in M.run_all(SOLUTIONS, sample, workers=2) if not M.caught(o)]
    assert not survivors, "\n".join(survivors)


def test_the_report_fails_on_a_survivor_and_on_a_stale_equivalent():
    sys.path.insert(0, str(ROOT / "dev"))
    try:
        from mutation import report
    finally:
        sys.path.remove(str(ROOT / "dev"))
    mutant = M.Mutant("2.1-numdiff", "minigrad/numdiff.py", 20, "core/NumberReplacer", "h", "h + 1", "")
    survived = M.Outcome(mutant, passed=True, attributed=True, verdict="✅")
    caught = M.Outcome(mutant, passed=False, attributed=True, verdict="❌ 练习 2.1-numdiff")
    lines, failed = report({"k": mutant}, {"k": survived}, {"k": ""}, {})
    assert failed and any("SURVIVOR" in line for line in lines)
    lines, failed = report({"k": mutant}, {"k": caught}, {}, {"k": "because"})
    assert failed and any("listed as equivalent but caught" in line for line in lines)
    lines, failed = report({"k": mutant}, {"k": survived}, {"k": ""}, {"k": "because"})
    assert not failed and any("equivalent" in line for line in lines)


@pytest.mark.slow
def test_regions_needed_reports_a_region_the_given_code_does_without(monkeypatch):
    """A 'pass mutant' that changes nothing behaves like a region whose work the given code does: the step
    names it (and a real `pass` in 2.1-numdiff's region is caught)."""
    from coursekit import validate
    real = [m for m in M.pass_mutants(SOLUTIONS) if m.exercise == "2.1-numdiff"]
    unchanged = M.Mutant("2.1-numdiff", real[0].file, real[0].line, "pass", "", "", _original(real[0]))
    monkeypatch.setattr(M, "pass_mutants", lambda solutions: real + [unchanged])
    problems = validate.regions_needed(Course(ROOT))
    assert len(problems) == 1 and "2.1-numdiff passes with its code replaced by `pass`" in problems[0].fix, problems
