"""The mistakes catalogue (tests/mistakes/) and the machinery of the validator step mistakes-caught.

The step itself runs once, on the real course, as the test validate::mistakes-caught (coursekit/validate_plugin.py); here: the
catalogue's shape, that every entry applies, that the step reports what it cannot catch, and that the
hidden cases vary more than the values.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from coursekit import exercises, mistakes
from coursekit.checks import hidden
from coursekit.mistakes import CatalogueError, Mistake

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
CATALOGUE = mistakes.load_catalogue(ROOT)


def test_the_catalogue_has_60_entries_and_3_for_every_exercise():
    per_exercise = Counter(m.exercise for m in CATALOGUE)
    assert len(CATALOGUE) >= 60
    assert {e.id for e in exercises.all_exercises()} == set(per_exercise)
    assert min(per_exercise.values()) >= 3, per_exercise
    assert all(m.hint and m.about for m in CATALOGUE)


@pytest.mark.parametrize("mistake", CATALOGUE, ids=lambda m: f"{m.exercise}: {m.about[:40]}")
def test_every_entry_applies_to_exactly_one_region_and_changes_it(mistake, tmp_path):
    exercise = exercises.get(mistake.exercise)
    if exercise.answer:
        assert mistakes.wrong_cell(SOLUTIONS, mistake, exercise) != mistakes.answer_cell(SOLUTIONS, exercise)
        return
    root = mistakes.wrong_engine(SOLUTIONS, mistake, tmp_path)
    changed = [p for p in (root / "minigrad").rglob("*.py")
               if p.read_text(encoding="utf-8") != (SOLUTIONS / p.relative_to(root)).read_text(encoding="utf-8")]
    assert len(changed) == 1


def test_an_entry_whose_text_is_in_no_region_or_in_several_is_refused(tmp_path):
    nowhere = Mistake("not in the solutions", "this text is nowhere", "x", hint="?", exercise="2.1-vjp")
    twice = Mistake("in two regions of the exercise", "return grad", "return -grad", hint="?", exercise="2.1-vjp")
    outside = Mistake("in a region of another exercise", "return da + db", "return da", hint="?", exercise="2.1-vjp")
    for mistake, says in ((nowhere, "no longer in the solution regions of 2.1-vjp .the solution changed.*"
                                    "update the entry in tests/mistakes/vjp.py"),
                          (twice, r"occurs \d+ times.*make it longer in tests/mistakes/vjp.py"), (outside, "no longer in the solution regions")):
        with pytest.raises(CatalogueError, match=says):
            mistakes.wrong_engine(SOLUTIONS, replace(mistake, file="tests/mistakes/vjp.py"),
                                  tmp_path / mistake.about.replace(" ", "_"))


def test_the_step_reports_a_mistake_the_checks_cannot_catch(tmp_path):
    """A no-op edit changes nothing, so the exercise passes: the step must say so and fail."""
    (tmp_path / mistakes.CATALOGUE).mkdir(parents=True)
    (tmp_path / mistakes.CATALOGUE / "vjp.py").write_text(
        'from coursekit.mistakes import Mistake\n\nEXERCISE = "2.1-numdiff"\nMISTAKES = [\n'
        '    Mistake("no-op edit", "(f_plus - f_minus)", "(f_plus - f_minus)", hint="2h"),\n'
        '    Mistake("h where 2h belongs", "/ (2 * h)", "/ h", hint="分母是 2h"),\n'
        '    Mistake("a hint the verdict does not give", "/ (2 * h)", "/ (3 * h)", hint="no such hint"),\n]\n',
        encoding="utf-8")
    printed = []
    problems = mistakes.catalogue_problems(tmp_path, SOLUTIONS, echo=printed.append, workers=1)
    assert printed == ["mistakes-caught: 3 entries, caught 2/3, attributed 2/3, hinted 1/3 (33%)"]
    assert len(problems) == 1 and "no-op edit" in problems[0][0] and "not caught" in problems[0][1]


def test_a_closed_form_answer_is_caught_although_its_values_are_right():
    closed_form = Mistake("closed form", "    t = torch.tensor(x, requires_grad=True)\n"
                          "    torch.sin(t).sum().backward()\n    return t.grad.numpy()", "    return np.cos(x)",
                          hint="不能直接写出 cos x", exercise="2.1-ex-sin-derivative")
    outcome = mistakes.try_mistake(SOLUTIONS, closed_form)
    assert outcome.caught and outcome.attributed and outcome.hinted, outcome.verdict
    assert "sin 的导数 · 确实用了自动微分" in outcome.verdict


def _structure(case) -> tuple:
    """What a case is about, values aside: every array's shape and dtype, every other argument."""
    return tuple(sorted((k, repr((v.shape, v.dtype.name) if isinstance(v, np.ndarray) and k != "program" else
                              (v.tolist() if isinstance(v, np.ndarray) else v))) for k, v in case.args.items()))


ONE_FUNCTION = {"2.1-ex-f-eval"}   # asks for one function of one float: its hidden x are drawn over both signs


@pytest.mark.parametrize("exercise", [e for e in exercises.all_exercises() if e.id not in ONE_FUNCTION],
                         ids=lambda e: e.id)
def test_hidden_cases_vary_what_matters_not_only_values(exercise):
    for check in exercise.checks:
        if check.key not in hidden.GENERATORS:
            continue
        public = {_structure(c) for c in check.cases()}
        drawn = [_structure(c) for seed in range(3) for c in hidden.cases_for(check, np.random.default_rng(seed))]
        assert any(s not in public for s in drawn), f"{check.name}: hidden cases repeat the public structures"
    assert any(check.key in hidden.GENERATORS for check in exercise.checks), exercise.id


def test_hidden_logistic_inputs_stay_in_the_maps_domain():
    """Outside (0, 1) l4 explodes, and a correct central difference then missed PyTorch's exact gradient
    by more than the tolerance on about 1 grading in 100 (dev/hidden_fairness.py measures this)."""
    rng = np.random.default_rng(0)
    drawn = [hidden._numdiff(rng) for _ in range(400)]
    xs = [c.args["x"] for c in drawn if c.args["fn"] == "logistic_l4"]
    assert xs and all(((0 < x) & (x < 1)).all() for x in xs)
