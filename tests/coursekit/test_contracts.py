"""The contract table (coursekit/checks/contracts.py): every argument of every function a student writes
has an item, and every item names a public case that exists."""
from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

from coursekit import exercises
from coursekit.answers import define_answer
from coursekit.checks.contracts import CONTRACTS, items_for
from coursekit.engine import fresh_engine
from coursekit.mutants import answer_cells

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"


def _signatures(exercise) -> dict[str, list[str]]:
    """{function: its parameter names}, read with inspect from the solution engine (or answer cell)."""
    with fresh_engine(SOLUTIONS) as minigrad:
        if exercise.answer:
            function = define_answer(exercise, answer_cells(SOLUTIONS)[exercise.id], minigrad)
            return {exercise.answer: list(inspect.signature(function).parameters)}
        found = {}
        for entry in exercise.functions:
            path, qualname = entry.split(":")
            obj = importlib.import_module(path.removesuffix(".py").replace("/", "."))
            for part in qualname.split("."):
                obj = getattr(obj, part)
            found[qualname] = list(inspect.signature(obj).parameters)
        return found


@pytest.mark.parametrize("exercise", exercises.all_exercises(), ids=lambda e: e.id)
def test_every_argument_has_a_case(exercise):
    items = items_for(exercise.id)
    signatures = _signatures(exercise)
    missing = [f"{function}({name})" for function, names in signatures.items() for name in names
               if not any(i.function == function and i.item == name for i in items)]
    assert not missing, f"{exercise.id}: no contract item for {', '.join(missing)} in coursekit/checks/contracts.py"
    strangers = {i.function for i in items} - set(signatures)
    assert not strangers, f"{exercise.id}: contract items for functions the exercise does not have: {strangers}"


@pytest.mark.parametrize("item", CONTRACTS, ids=lambda i: f"{i.exercise}:{i.function}:{i.item[:30]}")
def test_every_item_names_an_existing_case(item):
    checks = {c.key: c for c in exercises.get(item.exercise).checks}
    assert item.check in checks, f"{item}: no check with key {item.check!r} in {item.exercise}"
    labels = [case.label for case in checks[item.check].cases()]
    assert item.case in labels, f"{item}: no case {item.case!r} in check {item.check!r}: {labels}"


def test_a_missing_argument_is_reported(monkeypatch):
    """The coverage test can fail: drop the item for `h` and it names central_difference(h)."""
    import coursekit.checks.contracts as contracts
    monkeypatch.setattr(contracts, "CONTRACTS", tuple(i for i in CONTRACTS if i.item != "h"))
    monkeypatch.setitem(globals(), "items_for", contracts.items_for)
    with pytest.raises(AssertionError, match=r"central_difference\(h\)"):
        test_every_argument_has_a_case(exercises.get("2.1-numdiff"))
