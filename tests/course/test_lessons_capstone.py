"""The lesson code behind notebooks 05-11: the digits MLP of the capstone (minigrad and torch train in
lockstep), and the figures' data of 2.1.1-2.1.4 and the exercises, each computed by the engine and
compared with torch or with the closed-form derivative."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from coursekit.lessons import backprop, capstone, summary
from coursekit.lessons import exercises as lesson_exercises


# ---------------------------------------------------------------- capstone: data, weights, batches

@pytest.fixture(scope="module")
def digits():
    return capstone.load_digits()


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """The MLP is tiny: torch's thread pool only adds overhead (a lot of it on a busy machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_digits_split_is_disjoint_complete_and_reproducible(digits):
    assert digits.x_train.dtype == np.float32 and digits.y_train.dtype == np.int64
    assert digits.x_train.shape[1] == 64 and len(digits.y_train) + len(digits.y_test) == 1797
    assert 0.0 <= digits.x_train.min() and digits.x_train.max() <= 1.0
    again = capstone.load_digits()
    np.testing.assert_array_equal(again.x_test, digits.x_test)
    train_rows = {row.tobytes() for row in digits.x_train}
    assert sum(row.tobytes() in train_rows for row in digits.x_test) < 0.05 * len(digits.x_test)  # few duplicate images


def test_initial_weights_follow_linear_init_bounds():
    weights = capstone.initial_weights((64, 32, 10), seed=3)
    assert [w.shape for w in weights] == [(32, 64), (32,), (10, 32), (10,)]
    assert all(w.dtype == np.float32 for w in weights)
    assert np.abs(weights[0]).max() <= 1 / 8 and np.abs(weights[2]).max() <= 1 / np.sqrt(32)
    assert not np.array_equal(weights[0], capstone.initial_weights((64, 32, 10), seed=4)[0])


def test_batches_use_every_example_once_per_epoch():
    batches = capstone.batches(n=10, batch_size=3, steps=6, seed=0)
    assert len(batches) == 6 and all(len(b) == 3 for b in batches)
    first_epoch = np.concatenate(batches[:3])
    assert len(set(first_epoch.tolist())) == 9          # 3 full batches of a permutation of 10
    assert not np.array_equal(np.concatenate(batches[3:]), first_epoch)


def _numpy_mlp(weights, x):
    w1, b1, w2, b2 = weights
    return np.maximum(x @ w1.T + b1, 0) @ w2.T + b2


@pytest.mark.parametrize("engine", ["minigrad", "torch"])
def test_mlp_starts_from_the_given_weights(engine, mg, digits):
    lib = mg if engine == "minigrad" else torch
    weights = capstone.initial_weights()
    model = capstone.make_mlp(lib, weights)
    with lib.no_grad():
        out = model(lib.tensor(digits.x_test[:5])).numpy()
    np.testing.assert_allclose(out, _numpy_mlp(weights, digits.x_test[:5]), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- capstone: the two engines in lockstep

def test_minigrad_and_torch_losses_coincide_step_by_step(mg, digits):
    weights = capstone.initial_weights(seed=1)
    _, mg_losses = capstone.train(mg, digits, weights, steps=60, seed=2)
    _, torch_losses = capstone.train(torch, digits, weights, steps=60, seed=2)
    assert mg_losses.shape == (60,)
    assert np.abs(mg_losses - torch_losses).max() < 1e-4
    assert mg_losses[-10:].mean() < mg_losses[:10].mean() - 0.5   # it really trains


def test_minigrad_mlp_learns_digits(mg, digits):
    model, losses = capstone.train(mg, digits, capstone.initial_weights(), steps=300)
    assert capstone.accuracy(mg, model, digits.x_test, digits.y_test) > 0.9
    assert losses[-20:].mean() < 0.5


# ---------------------------------------------------------------- 2.1.3 and 2.1.4 figures' data

@pytest.mark.parametrize("engine", ["minigrad", "torch"])
def test_detach_gradients_are_x_squared_and_three_x_squared(engine, mg):
    lib = mg if engine == "minigrad" else torch
    xs = np.linspace(-2, 2, 9).astype(np.float32)
    through_y, through_u = backprop.detach_gradients(lib, xs).values()
    np.testing.assert_allclose(through_y, 3 * xs ** 2, rtol=1e-6)
    np.testing.assert_allclose(through_u, xs ** 2, rtol=1e-6)


def _text_f(a):
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c


def test_control_flow_slopes_are_powers_of_two_times_one_or_hundred(mg):
    a_values = np.array([0.3, 1.7, -0.3, -4.2, 900.0])
    values, slopes = backprop.slopes(mg, _text_f, a_values)
    n = np.maximum(np.ceil(np.log2(1000 / np.abs(a_values))), 1)   # doublings until |b| >= 1000
    expected = np.where(a_values > 0, 2 ** n, 100 * 2 ** n)
    np.testing.assert_array_equal(slopes, expected)
    np.testing.assert_allclose(values, expected * a_values, rtol=1e-6)


# ---------------------------------------------------------------- exercises: f(x), graph sizes

@pytest.mark.parametrize("x", [0.5, 2.0, -1.5])
def test_f_trace_forward_and_reverse_give_the_chain_rule_derivative(mg, x):
    values = lesson_exercises.f_values(mg, x)
    derivative = 2 * np.sin(x) / x + np.log(x * x) * np.cos(x) - 1 / x ** 2
    assert values["v6"][0] == pytest.approx(np.log(x * x) * np.sin(x) + 1 / x, rel=1e-12)
    assert values["v6"][1] == pytest.approx(derivative, rel=1e-10)      # forward: dv6/dx
    assert values["v0"][2] == pytest.approx(derivative, rel=1e-10)      # reverse: df/dv0
    torch_values = lesson_exercises.f_values(torch, x)
    for name in lesson_exercises.F_NAMES:
        np.testing.assert_allclose(values[name], torch_values[name], rtol=1e-10)


def test_derivative_graph_is_larger_than_the_forward_graph():
    costs = lesson_exercises.derivative_costs(torch, depth=5, size=10, repeat=1)
    assert costs["nodes of dy/dx"] > 2 * costs["nodes of y"]
    x = np.linspace(-1, 1, 10)
    assert costs["d2y"].shape == (10,) and np.isfinite(costs["d2y"].numpy()).all()
    assert costs["nodes of y"] == lesson_exercises.graph_nodes(lesson_exercises._chain(torch, torch.tensor(x, requires_grad=True), 5))


def test_minigrad_graph_sizes_match_torch(mg):
    mine = lesson_exercises.derivative_costs(mg, depth=5, size=10, repeat=1)
    ref = lesson_exercises.derivative_costs(torch, depth=5, size=10, repeat=1)
    assert mine["nodes of y"] == ref["nodes of y"]
    np.testing.assert_allclose(mine["d2y"].numpy(), ref["d2y"].numpy(), rtol=1e-10)


# ---------------------------------------------------------------- 09: the table of exercises

def test_built_table_lists_every_registered_exercise():
    from coursekit.exercises import all_exercises
    table = summary.built_table()
    assert [row[1] for row in table.rows] == [e.id for e in all_exercises()]
    assert str(sum(e.points for e in all_exercises())) in table.caption


# ---------------------------------------------------------------- figures draw what their captions say

@pytest.fixture
def figure():
    """The figure a lesson function drew (matplotlib's Agg backend: plt.show() leaves it open)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.close("all")
    yield lambda: plt.gcf()
    plt.close("all")


def test_loss_figure_shows_both_curves_and_the_bound(figure):
    a = np.linspace(2.3, 0.1, 50)
    capstone.plot_losses({"minigrad": a, "torch": a + np.where(np.arange(50) % 2, 1e-7, 0.0)})
    left, right = figure().axes
    assert [line.get_label() for line in left.get_lines()] == ["minigrad", "torch"]
    gap_points, bound = right.get_lines()
    assert len(gap_points.get_xdata()) == 25                     # steps with an exact 0 gap are left out
    assert bound.get_ydata()[0] == 1e-4 and "25 of 50" in right.get_title()


def test_control_flow_figure_plots_the_slopes_found_by_backward(figure, mg):
    backprop.plot_control_flow(mg, _text_f)
    left, right = figure().axes
    magnitudes, k_pos = right.get_lines()[0].get_data()
    np.testing.assert_array_equal(k_pos, backprop.slopes(torch, _text_f, magnitudes)[1])


# ---------------------------------------------------------------- notebook 10: check() on a cell's function

def test_self_check_passes_a_notebook_answer_built_on_the_already_imported_engine(mg):
    """What notebook 10 does: the answer cell imports minigrad, then check() runs on a fresh engine copy."""
    from coursekit.verdicts import run

    def sin_derivative(x):
        t = mg.tensor(x, requires_grad=True)
        mg.sin(t).sum().backward()
        return t.grad.numpy()

    report = run("2.1-ex-sin-derivative", sin_derivative, root=Path(mg.__file__).resolve().parent.parent)
    assert report.passed, report.first_problem
