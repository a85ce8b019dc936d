"""The figures and tables of notebooks 00-04 (coursekit.lessons) reproduce the survey's reference values."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from coursekit import exercises
from coursekit.lessons import four_ways, intro, jacobian_chain, reverse_memory, traces

ROOT = Path(__file__).resolve().parents[2]

SURVEY_PRIMALS = {"v-1": 2, "v0": 5, "v1": 0.693147, "v2": 10, "v3": -0.958924, "v4": 10.693147, "v5": 11.652071}
SURVEY_TANGENTS = {"v-1": 1, "v0": 0, "v1": 0.5, "v2": 5, "v3": 0, "v4": 5.5, "v5": 5.5}
SURVEY_ADJOINTS = {"v5": 1, "v4": 1, "v3": -1, "v1": 1, "v2": 1, "v0": 1.716338, "v-1": 5.5}


# ---------------------------------------------------------------- 01: four ways

def test_logistic_map_exact_values_match_the_survey():
    f, df = four_ways.exact_value(Fraction(3, 10))
    assert f == Fraction(388416, 390625) and float(f) == pytest.approx(0.99434496, abs=1e-12)
    assert df == Fraction(102272, 78125) and float(df) == pytest.approx(1.3090816, abs=1e-12)


def test_closed_form_is_the_logistic_map():
    xs = np.linspace(0, 1, 17)
    np.testing.assert_allclose(four_ways.manual_f(xs), four_ways.logistic(xs), atol=1e-12)


def test_manual_symbolic_and_automatic_derivatives_agree(mg):
    x, _, d = four_ways.symbolic_derivative()
    expected = 1.3090816
    assert four_ways.manual_derivative(0.3) == pytest.approx(expected, abs=1e-13)
    assert float(d.subs(x, 0.3)) == pytest.approx(expected, abs=1e-13)
    value, derivative = four_ways.automatic_derivative(mg, 0.3)
    assert value == pytest.approx(0.99434496, abs=1e-13)
    assert derivative == pytest.approx(expected, abs=1e-13)


def test_comparison_table_has_four_methods_and_small_errors(mg):
    table = four_ways.comparison(mg)
    names = [row[0] for row in table.rows]
    assert any(n.startswith("手工") for n in names) and any(n.startswith("符号") for n in names)
    assert any(n.startswith("数值") for n in names) and any(n.startswith("自动") for n in names)
    for row in table.rows:
        assert float(row[2]) == pytest.approx(1.3090816, abs=1e-3)
    exact = {row[0]: row[3] for row in table.rows}
    assert exact["自动"] == "< 1e-15" or float(exact["自动"]) < 1e-13


def test_step_error_is_a_v_curve():
    hs = np.logspace(-16, -1, 121)
    errors = four_ways.step_errors(hs)
    best_forward = four_ways.best_step(hs, errors["forward"])
    best_central = four_ways.best_step(hs, errors["central"])
    assert 1e-10 <= best_forward <= 1e-6          # around sqrt(eps)
    assert 1e-7 <= best_central <= 1e-3           # around eps ** (1/3)
    assert errors["central"].min() < errors["forward"].min() / 100
    for curve in errors.values():                 # both ends are worse than the bottom of the V
        assert curve[0] > 1e3 * curve.min() and curve[-1] > 1e3 * curve.min()


def test_symbolic_derivative_swells_faster_than_its_simplified_form():
    sizes = four_ways.expression_sizes(5)
    assert sizes["n"] == [1, 2, 3, 4, 5]
    assert all(a < b for a, b in zip(sizes["diff"][1:], sizes["diff"][2:]))
    assert sizes["diff"][-1] > 4 * sizes["factored"][-1]
    growth = [b / a for a, b in zip(sizes["diff"][2:], sizes["diff"][3:])]
    assert min(growth) > 2.5                      # roughly three times per step


# ---------------------------------------------------------------- 02, 03: the survey's traces

def test_forward_trace_matches_the_survey(mg):
    trace = traces.forward_trace(mg)
    for name in traces.NAMES:
        primal, tangent = trace[name]
        assert primal == pytest.approx(SURVEY_PRIMALS[name], abs=5e-7), name
        assert tangent == pytest.approx(SURVEY_TANGENTS[name], abs=5e-7), name


def test_forward_trace_in_the_other_direction_gives_dy_dx2(mg):
    assert traces.forward_trace(mg, tangent=(0.0, 1.0))["v5"][1] == pytest.approx(2 - np.cos(5.0), abs=1e-12)


def test_reverse_trace_matches_the_survey(mg):
    trace = traces.reverse_trace(mg)
    for name in traces.NAMES:
        primal, adjoint = trace[name]
        assert primal == pytest.approx(SURVEY_PRIMALS[name], abs=5e-7), name
        assert adjoint == pytest.approx(SURVEY_ADJOINTS[name], abs=5e-7), name


def test_traces_agree_with_torch(mg):
    import torch
    for trace in (traces.forward_trace, traces.reverse_trace):
        ours, theirs = trace(mg), trace(torch)
        for name in traces.NAMES:
            np.testing.assert_allclose(ours[name], theirs[name], rtol=1e-12, atol=1e-12)


def test_trace_tables_show_the_reference_values(mg):
    forward = str(traces.forward_table(mg))
    reverse = str(traces.reverse_table(mg))
    for value in ("0.693147", "-0.958924", "10.693147", "11.652071", "5.5"):
        assert value in forward
    for value in ("1.716338", "5.5, 1.716338"):
        assert value in reverse
    assert "<table>" in traces.forward_table(mg)._repr_html_()


def test_reverse_mode_saves_one_tensor_per_sin_until_backward(mg):
    rows = reverse_memory.saved_table(mg, depths=(1, 3, 7), n=10).rows
    assert [row[1:] for row in rows] == [["1", "10", "0", "0"], ["3", "30", "0", "0"], ["7", "70", "0", "0"]]


def test_reverse_mode_memory_grows_with_depth_and_forward_mode_does_not(mg):
    n = 20_000
    unit = 8 * n
    shallow, deep = reverse_memory.peak_memory(mg, 1, n), reverse_memory.peak_memory(mg, 16, n)
    assert (deep["reverse"] - shallow["reverse"]) / unit > 10     # about one saved input per sin
    assert (deep["forward"] - shallow["forward"]) / unit < 3


# ---------------------------------------------------------------- 04: the order of the Jacobian chain

def test_chain_costs_of_the_reference_example():
    assert jacobian_chain.forward_cost([1000, 100, 100, 1]) == 10_100_000
    assert jacobian_chain.reverse_cost([1000, 100, 100, 1]) == 110_000
    assert jacobian_chain.forward_cost([1, 100, 100, 1000]) == 110_000


@pytest.mark.parametrize("sizes", [(1000, 100, 100, 1), (3, 7, 2), (5, 4, 6, 2, 9), (1, 1), (8, 3, 8, 3, 8, 1)])
def test_multiplying_the_chain_costs_what_the_formulas_say(sizes):
    js = jacobian_chain.jacobians(sizes, seed=len(sizes))
    forward, n_forward = jacobian_chain.accumulate(js, "forward")
    reverse, n_reverse = jacobian_chain.accumulate(js, "reverse")
    np.testing.assert_allclose(forward, reverse, rtol=1e-9, atol=1e-9)
    assert forward.shape == (sizes[-1], sizes[0])
    assert n_forward == jacobian_chain.forward_cost(sizes)
    assert n_reverse == jacobian_chain.reverse_cost(sizes)


def test_cost_table_names_the_cheaper_mode():
    rows = {row[0]: row for row in jacobian_chain.cost_table().rows}
    assert rows["[1000, 100, 100, 1]"][3:] == ["10,100,000", "110,000", "反向"]
    assert rows["[1, 100, 100, 1000]"][5] == "前向"


def test_timed_jacobians_of_the_mlp_agree_with_torch(mg):
    import torch
    rows = jacobian_chain.time_jacobians(mg, [(3, 2)], repeat=1)
    assert rows[0]["jacfwd"] > 0 and rows[0]["jacrev"] > 0
    x = np.random.default_rng(1).standard_normal(3)
    ours = mg.func.jacfwd(jacobian_chain.mlp(mg, 3, 2))(mg.tensor(x))
    theirs = torch.func.jacrev(jacobian_chain.mlp(torch, 3, 2))(torch.tensor(x))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------- 00: the table of contents

def test_contents_place_every_exercise_in_a_listed_notebook():
    assert intro.unplaced_exercises() == []
    markdown = intro.contents_markdown()
    for exercise in exercises.all_exercises():
        assert f"`{exercise.id}`" in markdown


def test_contents_link_every_solution_notebook():
    stems = [stem for stem, _, _ in intro.NOTEBOOKS]
    solutions = sorted(path.stem for path in (ROOT / "solutions" / "chapters").glob("*.ipynb"))
    assert stems == sorted(stems) and stems == solutions, "coursekit.lessons.intro.NOTEBOOKS must list every solution notebook"


def test_table_renders_as_text_and_html():
    table = intro.Table(["a", "值"], [["1", "<x>"]], caption="c", align=["r", "l"])
    assert str(table).splitlines()[0] == "c"
    assert "&lt;x&gt;" in table._repr_html_() and "<caption>c</caption>" in table._repr_html_()
