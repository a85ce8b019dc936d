"""The check machinery itself: probes are well-formed, comparisons catch differences, verdicts read well."""
import numpy as np
import pytest
import torch

from coursekit import exercises
from coursekit.runner import NOT_IMPLEMENTED, exercise_cases, run_exercise
from coursekit.checks import hidden
from coursekit.compare import compare, to_plain
from coursekit.verdicts import verdict

TORCH_HAS_NO_TWIN = {"2.1-numdiff", "2.1-backward-order"}   # minigrad.numdiff, topological_order: no torch twin
NO_TWIN_CHECKS = {
    "gradcheck.tolerances",              # calls minigrad.numdiff.jacobians_match (its ref is the formula)
    "backward-gradient.gradient-kinds",  # minigrad takes a list or array as gradient; torch refuses (its ref converts)
}


@pytest.mark.parametrize("exercise", [e for e in exercises.all_exercises()
                                      if not e.answer and e.id not in TORCH_HAS_NO_TWIN], ids=lambda e: e.id)
def test_probe_run_with_torch_on_both_sides_agrees(exercise):
    rng = np.random.default_rng(0)
    cases = [*exercise_cases(exercise), *((c, k) for c in exercise.checks for k in hidden.cases_for(c, rng))]
    cases = [(c, k) for c, k in cases if c.key not in NO_TWIN_CHECKS]
    report = run_exercise(exercise, torch, torch, cases=cases)
    assert report.passed, verdict(report)


def test_every_check_has_a_stable_key_and_its_hidden_cases_are_chosen():
    """Hidden-case generators are found by Check.key: a check without a key, a key twice, a check that is
    neither given a generator nor listed as redrawn, or a generator for a key no check has, all fail here."""
    keys = [check.key for e in exercises.all_exercises() for check in e.checks]
    assert all(keys) and len(keys) == len(set(keys)), "every check needs its own key"
    assert not hidden.GENERATORS.keys() & hidden.REDRAWN
    assert set(keys) - hidden.GENERATORS.keys() - hidden.REDRAWN == set(), "give these a generator in hidden.py"
    assert (hidden.GENERATORS.keys() | hidden.REDRAWN) - set(keys) == set(), "no check has these keys"


def test_every_exercise_has_checks_cases_and_points():
    for exercise in exercises.all_exercises():
        assert exercise.points > 0 and exercise.checks, exercise.id
        assert all(check.cases() for check in exercise.checks), exercise.id


def test_compare_reports_shape_dtype_and_value_differences():
    a = {"x": np.ones(3, np.float32)}
    assert compare(a, {"x": np.ones(3, np.float32)}) is None
    assert "形状" in compare(a, {"x": np.ones(4, np.float32)})
    assert "数据类型" in compare(a, {"x": np.ones(3, np.float64)})
    assert "最大误差" in compare(a, {"x": np.array([1, 1, 1.01], np.float32)})
    assert "缺少" in compare(a, {})


def test_compare_says_where_a_result_is_nan_instead_of_a_meaningless_max_error():
    import warnings
    a = {"g": np.array([1.0, 2.0, 3.0])}
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # no "All-NaN slice" RuntimeWarning in the student's notebook
        said = compare(a, {"g": np.full(3, np.nan)})
        assert "3 个元素是 nan，PyTorch 的不是" in said and "最大误差" not in said
        said = compare({"g": np.array([np.nan, 1.0])}, {"g": np.array([0.0, 1.5])})
        assert "1 个元素 PyTorch 是 nan，你的不是；最大误差 0.5" in said
        assert "最大误差 inf" in compare({"g": np.array([np.inf])}, {"g": np.array([-np.inf])})


def test_to_plain_refuses_objects_that_are_not_numbers():
    class ClaimsEqualToAnything:
        def __eq__(self, other):
            return True
    with pytest.raises(TypeError):
        to_plain({"x": ClaimsEqualToAnything()})


class _Unfinished:
    """A fake engine whose every attribute is a stub of exercise 2.1-backward-order."""
    def __getattr__(self, name):
        raise NotImplementedError("练习 2.1-backward-order 尚未完成：反向模式：计算图的拓扑排序（minigrad/autograd.py）")


def test_verdict_names_the_unfinished_exercise_a_check_depends_on():
    report = run_exercise(exercises.get("2.1-vjp"), _Unfinished(), torch)
    assert report.first_problem.status == NOT_IMPLEMENTED
    text = verdict(report)
    assert "2.1-backward-order" in text and "minigrad/autograd.py" in text


def test_unknown_exercise_id_is_a_clear_error():
    with pytest.raises(KeyError, match="known ids"):
        exercises.get("2.1-nope")
    assert exercises.get("练习 2.1-vjp").id == "2.1-vjp"          # as the README writes it: check("练习编号")
    from coursekit import check
    from coursekit.verdicts import NotPassed
    with pytest.raises(NotPassed, match="没有编号为 '2.1-vpj' 的练习。练习编号有：2.1-numdiff、"):
        check("2.1-vpj")


def test_check_raises_the_verdict_when_the_exercise_does_not_pass():
    from coursekit import check
    from coursekit.verdicts import NotPassed
    with pytest.raises(NotPassed, match="⚠️.*no-such-exercise"):
        check("no-such-exercise")


def test_in_a_notebook_a_check_that_does_not_pass_fails_the_cell_and_shows_only_the_verdict():
    import nbformat
    from nbclient import NotebookClient
    cells = ["%load_ext coursekit\nfrom coursekit import check", 'check("no-such-exercise")']
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(notebook, allow_errors=True, kernel_name="python3").execute()
    (error,) = notebook.cells[1].outputs
    assert error.output_type == "error" and error.ename == "未通过"      # the cell failed: nbval sees it; a title in Chinese
    assert len(error.traceback) == 1 and "no-such-exercise" in error.traceback[0]   # the verdict, no stack
