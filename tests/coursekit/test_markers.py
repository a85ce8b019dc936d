"""Markers: regions are found, checked, stubbed and removed exactly as the release promises."""
import ast

import pytest

from coursekit.markers import (MarkerError, check_python_regions, find_regions, remove_hidden, stub_lines,
                               stub_solutions)

TITLES = {"2.1-vjp": "反向模式：基本运算的伴随规则"}
SOURCE = '''class Mul:
    @staticmethod
    def backward(ctx, grad):
        """d(ab) = b da + a db."""
        ### BEGIN SOLUTION 2.1-vjp
        a, b = ctx.saved_tensors
        return grad * b, grad * a
        ### END SOLUTION
'''


def test_region_is_found_with_id_lines_and_indent():
    [region] = find_regions(SOURCE, "ops.py")
    assert (region.kind, region.id, region.begin, region.end, region.indent) == ("solution", "2.1-vjp", 5, 8, " " * 8)


def test_stub_replaces_the_region_at_its_indentation_and_still_parses():
    stubbed = stub_solutions(SOURCE, "ops.py", TITLES, "minigrad/ops.py")
    assert stubbed.endswith(
        '        # 练习 2.1-vjp：反向模式：基本运算的伴随规则。在这里写你的代码。\n'
        '        raise NotImplementedError("练习 2.1-vjp 尚未完成：反向模式：基本运算的伴随规则（minigrad/ops.py）")\n')
    assert "saved_tensors" not in stubbed
    ast.parse(stubbed)


def test_stub_only_touches_the_chosen_exercises():
    assert stub_solutions(SOURCE, "ops.py", TITLES, "minigrad/ops.py", only={"2.1-other"}) == SOURCE


def test_stub_lines_name_the_exercise_in_the_error_message():
    comment, raise_line = stub_lines("2.1-jvp", "前向模式", "minigrad/ops.py", "    ")
    assert comment == "    # 练习 2.1-jvp：前向模式。在这里写你的代码。"
    assert raise_line == '    raise NotImplementedError("练习 2.1-jvp 尚未完成：前向模式（minigrad/ops.py）")'


def test_remove_hidden_drops_the_region_and_its_markers():
    text = "a = 1\n### BEGIN HIDDEN TESTS\nsecret = 2\n### END HIDDEN TESTS\nb = 3\n"
    assert remove_hidden(text, "checks.py") == "a = 1\nb = 3\n"
    assert remove_hidden("x = 1\n", "checks.py") == "x = 1\n"


def test_notebook_region_without_id_takes_the_cell_grade_id():
    cell = "def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION"
    assert "练习 2.1-vjp 尚未完成" in stub_solutions(cell, "nb cell 3", TITLES, "chapters/x.ipynb", default_id="2.1-vjp")


@pytest.mark.parametrize("text, line, message", [
    ("def f():\n    ### END SOLUTION\n", 2, "END marker without a BEGIN"),
    ("def f():\n    ### BEGIN SOLUTION 2.1-vjp\n    x = 1\n", 2, "BEGIN marker without an END"),
    ("def f():\n    ### BEGIN SOLUTION 2.1-vjp\n    ### BEGIN SOLUTION 2.1-vjp\n", 3, "nested"),
    ("def f():\n    ### BEGIN SOLUTION 2.1-vjp\n    ### END HIDDEN TESTS\n", 3, "closes a hidden region"),
    ("def f():\n    ## BEGIN SOLUTION 2.1-vjp\n", 2, "malformed marker"),
    ("def f():\n    ### BEGIN SOLUTION 2.1-vjp\n  ### END SOLUTION\n", 3, "indented differently"),
])
def test_unbalanced_or_malformed_markers_name_the_line(text, line, message):
    with pytest.raises(MarkerError, match=message) as raised:
        find_regions(text, "minigrad/ops.py")
    assert raised.value.line == line and str(raised.value).startswith(f"minigrad/ops.py:{line}: ")


@pytest.mark.parametrize("text, message", [
    ("### BEGIN SOLUTION 2.1-vjp\nx = 1\n### END SOLUTION\n", "module or class level"),
    ("class A:\n    ### BEGIN SOLUTION 2.1-vjp\n    x = 1\n    ### END SOLUTION\n", "module or class level"),
    ("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n", "needs the exercise id"),
    ("def f():\n    pass\n    ### BEGIN SOLUTION 2.1-vjp\n    # nothing\n    ### END SOLUTION\n", "empty solution region"),
    ("def f(:\n", "not valid Python"),
])
def test_python_regions_must_sit_in_a_function_body_with_an_id(text, message):
    with pytest.raises(MarkerError, match=message):
        check_python_regions(text, "minigrad/ops.py")


def test_region_in_a_method_body_is_accepted():
    assert [r.id for r in check_python_regions(SOURCE, "minigrad/ops.py")] == ["2.1-vjp"]


def test_unknown_id_is_refused_when_stubbing():
    with pytest.raises(MarkerError, match="'2.1-vjp' is not in the registry") as raised:
        stub_solutions(SOURCE, "minigrad/ops.py", {}, "minigrad/ops.py")
    assert raised.value.line == 5
