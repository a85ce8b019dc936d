"""Every failure is a one-paragraph Chinese verdict that names the exercise and the code at fault.

Each test breaks a copy of the solutions' engine the way a student would and reads the verdict."""
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from coursekit.compare import to_plain
from coursekit.verdicts import NotPassed, check, check_command, run, verdict
from helpers import broken_engine

ROOT = Path(__file__).resolve().parents[2]


engine = broken_engine


def one_paragraph(text: str) -> bool:
    return "\n\n" not in text.strip() and "Traceback" not in text and len(text.splitlines()) <= 8


SWAPPED_MUL = ("ops.py", "return grad * b, grad * a", "return grad * a, grad * b")


def test_a_syntax_error_gives_one_verdict_in_check_the_cli_and_pytest(tmp_path, monkeypatch, capsys):
    root = engine(tmp_path, [("autograd.py", "    while stack:\n", "    while stack\n")])
    monkeypatch.setenv("MINIGRAD_ROOT", str(root))
    with pytest.raises(NotPassed) as raised:
        check("2.1-backward-order")
    text = str(raised.value)
    line = (root / "minigrad/autograd.py").read_text(encoding="utf-8").splitlines().index("    while stack") + 1
    assert f"minigrad/autograd.py 第 {line} 行有语法错误" in text and "expected ':'" in text and one_paragraph(text)

    assert check_command(["2.1-numdiff", "2.1-vjp"]) == 1
    printed = capsys.readouterr().out
    assert printed.count("无法导入 minigrad") == 1 and "Traceback" not in printed

    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/course/test_exercises.py",
                             f"--minigrad={root}"], cwd=ROOT, capture_output=True, text=True)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and output.count("无法导入 minigrad") == 1 and "Traceback" not in output
    assert len(output.strip().splitlines()) <= 3


def test_an_endless_loop_is_stopped_and_the_verdict_names_the_function(tmp_path):
    root = engine(tmp_path, [("autograd.py", "        if node in seen:\n            continue\n",
                              "        stack.append((node, False))\n")])
    report = run("2.1-backward-order", root=root, timeout=0.5)
    text = verdict(report)
    assert text.startswith("⏱") and "超过 0.5 秒" in text and "topological_order" in text
    assert "minigrad/autograd.py 第" in text and "死循环" in text and one_paragraph(text)
    root = engine(tmp_path / "calls", [("autograd.py", "        sink(node, g)\n",       # loops over rules that return
                                        "        while True:\n            call_backward(node, g)\n")])
    text = verdict(run("2.1-backward-accumulate", root=root, timeout=0.5))
    assert "（backprop）一直没有返回" in text, text          # the loop, not the rule it was in when stopped


def test_a_slow_correct_solution_under_a_tight_limit_gets_a_timeout_verdict_naming_the_limit_set(tmp_path):
    """`seen` as a list: correct, but slow. The interrupt may land on an instruction without a line number;
    the verdict must still be a verdict (it once crashed comparing None), with the limit the student set."""
    root = engine(tmp_path, [("autograd.py", "order, seen = [], set()", "order, seen = [], []"),
                             ("autograd.py", "seen.add(node)", "seen.append(node)")])
    for limit in (0.5, 0.2, 0.1, 0.05, 0.02, 0.01):
        text = verdict(run("2.1-backward-order", root=root, timeout=limit))
        assert "not supported" not in text and (text.startswith("✅") or text.startswith("⏱")), text
        if text.startswith("⏱"):
            assert f"超过 {limit:g} 秒没有结束" in text and "--timeout 60" in text, text


def test_without_sigalrm_a_watchdog_thread_stops_the_endless_loop_the_same_way(tmp_path, monkeypatch):
    """Windows has no SIGALRM: there a thread samples the stack and interrupts the main thread."""
    import signal
    monkeypatch.delattr(signal, "setitimer")
    root = engine(tmp_path, [("autograd.py", "        if node in seen:\n            continue\n",
                              "        stack.append((node, False))\n")])
    text = verdict(run("2.1-backward-order", root=root, timeout=0.5))
    assert text.startswith("⏱") and "（topological_order）一直没有返回" in text and one_paragraph(text), text
    from coursekit.runner import time_limit
    with time_limit(5):                        # a check that returns in time is not interrupted later
        pass
    __import__("time").sleep(0.2)
    with pytest.raises(KeyboardInterrupt):     # and a student's own Ctrl-C stays a Ctrl-C
        with time_limit(5):
            __import__("_thread").interrupt_main()
            __import__("time").sleep(1)


def test_a_wrong_mul_backward_names_the_first_wrong_node(tmp_path):
    root = engine(tmp_path, [SWAPPED_MUL])
    text = verdict(run("2.1-vjp", root=root))
    assert "第一个出错的节点" in text and "MulBackward0（Mul.backward，第 1 个运算）" in text and "输出形状 (4,)" in text
    assert re.search(r"最大误差 \d", text) and one_paragraph(text)
    later = verdict(run("2.1-ex-higher-order", root=root))      # a later exercise sends the student back to 2.1-vjp
    assert "问题出在" in later and "2.1-vjp" in later and "Mul.backward" in later


def test_a_traversal_that_overwrites_instead_of_adding_is_blamed_on_the_traversal(tmp_path):
    root = engine(tmp_path, [("autograd.py", "grads[child] = grads[child] + g_child if child in grads else g_child",
                              "grads[child] = g_child")])
    text = verdict(run("2.1-backward-accumulate", root=root))
    assert "每个运算的反向规则都与 PyTorch 一致" in text and "反向遍历" in text


def test_a_sum_rule_that_does_not_expand_is_blamed_not_the_later_unbroadcast(tmp_path):
    root = engine(tmp_path, [("ops.py", "return grad.expand(ctx.shape)", "return grad")],
                  stubs=("2.1.2-unbroadcast",))
    text = verdict(run("2.1.1-dot-sum", root=root))
    assert "Sum.backward" in text and "返回的梯度形状为 ()" in text and "minigrad/ops.py" in text
    assert "2.1.2-unbroadcast" not in text and "broadcast.py" not in text and "_conform" not in text


def test_an_unbroadcast_bug_is_not_blamed_on_the_add_rule(tmp_path):
    root = engine(tmp_path, [("broadcast.py", "    if ones:", "    if False:")])
    text = verdict(run("2.1.2-unbroadcast", root=root))
    assert "unbroadcast 没有把它正确地求和" in text and "minigrad/broadcast.py" in text
    assert "AddBackward0" not in text and "graph.py" not in text


def test_partial_work_names_the_function_still_to_write(tmp_path):
    root = engine(tmp_path, [("ops.py", "return da * b + a * db", "raise NotImplementedError('练习 2.1-jvp 尚未完成')"),
                             ("grad_mode.py", "        self.prev = STATE.enabled\n",
                              "        raise NotImplementedError('练习 2.1.3-detach 尚未完成')\n")])
    assert "minigrad/ops.py 中的 Mul.jvp 还没有完成" in verdict(run("2.1-jvp", root=root))
    assert "minigrad/grad_mode.py 中的 no_grad.__enter__ 还没有完成" in verdict(run("2.1.3-detach", root=root))


def test_rules_on_raw_arrays_are_named_when_the_second_derivative_fails(tmp_path):
    root = engine(tmp_path, [("ops.py", "return grad * b, grad * a", "return grad.data * b.data, grad.data * a.data")])
    text = verdict(run("2.1-ex-higher-order", root=root))
    assert re.search("问题出在(它用到的)?练习 2.1-vjp", text) and re.search(r"Mul.backward 返回的梯度（\w+）没有计算图", text)   # .data: a detached Tensor
    assert "梯度模式开启" not in text          # not the higher-order exercise's own hint


def test_an_output_that_is_none_is_explained_in_chinese():
    with pytest.raises(TypeError, match="输出 `x.grad` 是 None"):
        to_plain({"x.grad": None, "y": np.ones(2)})


def test_no_reference_imports_torch_dynamo():
    """torch.func.jacrev imports torch._dynamo the first time (3 s idle, 15 s on a loaded machine): the
    checks' PyTorch side must not pay that (speed: benchmarks/checks.py)."""
    code = ("import sys, torch\nfrom coursekit import exercises\nfrom coursekit.runner import exercise_cases\n"
            "for e in exercises.all_exercises():\n    if not e.answer:\n"
            "        for check, case in exercise_cases(e):\n            check.reference(torch, case.args)\n"
            "print('torch._dynamo' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_a_no_grad_that_leaves_recording_off_is_blamed_on_detach_not_on_the_traversal(tmp_path):
    root = engine(tmp_path, [("grad_mode.py", "self.prev = STATE.enabled\n        _set_enabled(False)",
                              "_set_enabled(False)\n        self.prev = STATE.enabled")])
    text = verdict(run("2.1.3-detach", root=root))
    assert text.startswith("❌ 练习 2.1.3-detach") and "2.1-backward-" not in text and "先记下原来的梯度模式" in text


def test_a_wrong_value_names_the_students_code_when_no_line_can(tmp_path):
    root = engine(tmp_path, [("numdiff.py", "/ (2 * h)", "/ h")])
    text = verdict(run("2.1-numdiff", root=root))
    assert "你的代码：minigrad/numdiff.py 中的 central_difference" in text and one_paragraph(text)


def test_a_wrong_value_still_names_the_function_when_the_exercise_comment_was_deleted(tmp_path):
    root = engine(tmp_path, [("numdiff.py", "/ (2 * h)", "/ h"), ("numdiff.py", "### BEGIN SOLUTION 2.1-numdiff", "#")])
    text = verdict(run("2.1-numdiff", root=root))                 # the registry's `functions` know it
    assert "你的代码：minigrad/numdiff.py 中的 central_difference" in text, text


def test_the_cli_prints_in_a_legacy_code_page_without_crashing(tmp_path):
    """Chinese Windows consoles and redirected output may use GBK, which has no ✅ or ⏳."""
    import os
    root = engine(tmp_path, stubs=("2.1-numdiff",))
    env = {**os.environ, "MINIGRAD_ROOT": str(root), "PYTHONIOENCODING": "gbk"}
    done = subprocess.run([sys.executable, "-m", "coursekit", "check", "2.1-numdiff", "2.1-jvp"], cwd=ROOT,
                          env=env, capture_output=True)
    said = done.stdout.decode("gbk")
    assert done.returncode == 1 and "UnicodeEncodeError" not in done.stderr.decode("gbk", "replace"), said
    assert "练习 2.1-numdiff" in said and "合计：" in said


def test_torch_used_inside_minigrad_is_flagged_although_the_check_passes(tmp_path, monkeypatch, capsys):
    """`check` has torch (it is the reference), the grader's sandbox has not: say so before grading does."""
    root = engine(tmp_path, [("numdiff.py", "import numpy as np\n", "import numpy as np\nimport torch\n")])
    monkeypatch.setenv("MINIGRAD_ROOT", str(root))
    check("2.1-numdiff")
    said = capsys.readouterr().out
    line = (root / "minigrad/numdiff.py").read_text(encoding="utf-8").splitlines().index("import torch") + 1
    assert said.startswith("✅") and f"minigrad/numdiff.py 第 {line} 行导入了 torch" in said and "0 分" in said, said
    assert check_command(["2.1-numdiff"], root=root) == 0
    assert "导入了 torch" in capsys.readouterr().out


def test_a_rule_whose_exercise_comment_was_deleted_is_still_the_students(tmp_path):
    """Students delete the `# 练习` line; the registry's `functions` still name Sub.backward as theirs, so
    a NameError there is not blamed on the traversal (2.1-backward-accumulate) that called it."""
    root = engine(tmp_path, [("ops.py", "        ### BEGIN SOLUTION 2.1-vjp\n        # ∂c/∂a = 1，∂c/∂b = −1\n"
                                               "        return grad, -grad\n        ### END SOLUTION\n",
                              "        return grad, -grd\n")])
    text = verdict(run("2.1-vjp", root=root))
    assert "（Sub.backward）" in text and "minigrad/ops.py 第" in text and "2.1-backward-" not in text, text


def _hint(text: str) -> str:
    return next(line for line in text.splitlines() if line.strip().startswith("提示："))


def test_the_numdiff_hint_is_the_one_the_failing_case_points_at(tmp_path):
    """/ h gives twice the answer on the first case: the denominator. An x[i] never put back passes every case
    but the one built for it (prod, linear in each xᵢ, h = 1e-3): the restoring, not the denominator."""
    halved = _hint(verdict(run("2.1-numdiff", root=engine(tmp_path / "h", [("numdiff.py", "/ (2 * h)", "/ h")]))))
    assert "2 倍" in halved and "分母是 2h" in halved and "放回原值" not in halved, halved
    kept = engine(tmp_path / "kept", [("numdiff.py", "        f_minus = f(x)\n        x[i] = old\n", "        f_minus = f(x)\n")])
    restore = _hint(verdict(run("2.1-numdiff", root=kept)))
    assert "放回原值" in restore and "分母" not in restore, restore
    flipped = _hint(verdict(run("2.1-numdiff", root=engine(tmp_path / "sign", [("numdiff.py", "(f_plus - f_minus)",
                                                                                   "(f_minus - f_plus)")]))))
    assert "相反数" in flipped and "分母是 2h" not in flipped, flipped


def test_your_code_names_only_the_function_the_failing_case_runs(tmp_path):
    from coursekit.verdicts import suspects
    root = engine(tmp_path, [("ops.py", "return da * b + a * db", "return da * db"), SWAPPED_MUL])
    forward = verdict(run("2.1-jvp", root=root))                       # the check "切线规则 · mul" runs Mul.jvp
    assert "你的代码：minigrad/ops.py 中的 Mul.jvp\n" in forward and "Add.jvp" not in forward, forward
    backward = verdict(run("2.1-vjp", root=root))                      # the diagnosis found Mul.backward wrong
    assert "你的代码：minigrad/ops.py 中的 Mul.backward\n" in backward and "Sub.backward" not in backward, backward
    composite = run("2.1-jvp", root=engine(tmp_path / "g", [("ops.py", "return da + db", "return da - db")]))
    composite.results = [r for r in composite.results if r.check == "切线规则 · 组合" and not r.ok]
    assert composite.results and suspects(composite) == ()              # a composite runs them all: unknown


def test_a_case_label_does_not_repeat_its_checks_name():
    """The verdict says `check · case`: the case label carries only what the check's name does not."""
    from coursekit import exercises
    from coursekit.checks import hidden
    from coursekit.runner import exercise_cases
    rng = np.random.default_rng(0)
    for exercise in exercises.all_exercises():
        for one_check, case in exercise_cases(exercise):
            draw = hidden.GENERATORS.get(one_check.key)
            for label in [case.label] + ([draw(rng).label] if draw else []):
                last = one_check.name.split(" · ")[-1]          # "mul" in "切线规则 · mul", "create_graph"...
                assert not label.startswith(last) and not label.endswith(last), f"{one_check.name} · {label}"
                assert last not in label or " · " not in one_check.name, f"{one_check.name} · {label}"   # detach · ….detach()


def test_numpys_broadcast_error_in_a_sum_rule_is_said_in_chinese_with_numpys_line_below(tmp_path):
    root = engine(tmp_path, [("ops.py", "        if not ctx.keepdim:\n            grad = grad.reshape(_keep_shape(ctx.shape, "
                                        "ctx.dims))\n", "")])
    lines = verdict(run("2.1.1-dot-sum", root=root)).splitlines()
    said = next(i for i, line in enumerate(lines) if "运行出错：" in line)
    assert "SumDim.backward" in lines[said] and "(2, 3) 不能广播成 (2, 3, 4)" in lines[said], lines
    assert "输入的形状 (2, 3, 4)" in lines[said] and "keepdim=True" in lines[said] and "expand" in lines[said]
    assert "operands could not be broadcast" not in lines[said]
    assert "课程给出的代码" not in lines[said], lines      # the rule is the student's own code
    assert lines[said + 1].strip().startswith("numpy 的原话：ValueError: operands could not be broadcast"), lines


def test_the_exception_a_failed_check_raises_is_named_in_chinese(tmp_path, monkeypatch):
    """nbclient records the class name as the error's `ename`; VS Code and plain tracebacks print it."""
    root = engine(tmp_path, [("numdiff.py", "/ (2 * h)", "/ h")])
    monkeypatch.setenv("MINIGRAD_ROOT", str(root))
    with pytest.raises(NotPassed) as raised:
        check("2.1-numdiff")
    assert type(raised.value).__name__ == "未通过" and str(raised.value).startswith("❌ 练习 2.1-numdiff")


def test_a_later_exercise_reached_through_given_code_is_not_blamed_on_that_code(tmp_path):
    """A sum(dim) rule that broadcasts by multiplying with ones: under create_graph the second pass needs
    unbroadcast (a later exercise), reached through backprop, which is right: the rule is the student's to change."""
    root = engine(tmp_path, [("ops.py", "            grad = grad.reshape(_keep_shape(ctx.shape, ctx.dims))\n"
                                        "        return grad.expand(ctx.shape)",
                              "            grad = grad.reshape(_keep_shape(ctx.shape, ctx.dims))\n"
                              "        return grad * Tensor(np.ones(ctx.shape))")], stubs=("2.1.2-unbroadcast",))
    text = verdict(run("2.1.1-dot-sum", root=root))
    assert "问题出在" not in text and "2.1-backward-accumulate" not in text, text
    assert "练习 2.1.2-unbroadcast（广播的梯度" in text and "你的代码：minigrad/ops.py 中的 Sum.backward、SumDim.backward" in text


def test_a_tangent_rule_returning_a_tuple_is_named_in_chinese_at_its_return(tmp_path):
    """The engine refuses a tangent that is not a Tensor (as torch does), so the verdict names the rule, not
    the given code that met it."""
    root = engine(tmp_path, [("ops.py", "        return da + db\n", "        return da, db\n")])
    text = verdict(run("2.1-jvp", root=root))
    assert "Add.jvp 返回了 tuple 类型的值" in text and "minigrad 张量" in text and "numpy 的原话" not in text, text
    line = next(line for line in text.splitlines() if "出错位置" in line)
    number = int(re.search(r"第 (\d+) 行", line).group(1))
    assert (root / "minigrad" / "ops.py").read_text().splitlines()[number - 1].strip() == "return da, db", line


def test_a_boolean_array_returned_where_a_truth_value_is_wanted_is_said_in_chinese(tmp_path):
    """jacobians_match without np.all: numpy's "truth value ... is ambiguous" is raised in gradcheck (given code)."""
    root = engine(tmp_path, [("numdiff.py", "return bool(np.all(np.abs(analytical - numerical) <= atol + rtol * np.abs(numerical)))",
                              "return np.abs(analytical - numerical) <= atol + rtol * np.abs(numerical)")])
    lines = verdict(run("2.1-gradcheck", root=root)).splitlines()
    said = next(i for i, line in enumerate(lines) if "运行出错：" in line)
    assert "要一个真假值" in lines[said] and "np.all" in lines[said] and "ambiguous" not in lines[said], lines
    assert lines[said + 1].strip().startswith("numpy 的原话：ValueError: The truth value"), lines
    assert any("jacobians_match" in line for line in lines if line.strip().startswith("你的代码")), lines


def test_a_rule_returning_too_few_gradients_points_at_its_return_line(tmp_path):
    root = engine(tmp_path, [("ops.py", "        return grad, grad\n", "        return grad\n")])
    text = verdict(run("2.1-vjp", root=root))
    assert "Add.backward 返回了 1 个梯度" in text, text
    line = next(line for line in text.splitlines() if "出错位置" in line)
    number = int(re.search(r"第 (\d+) 行", line).group(1))
    assert (root / "minigrad" / "ops.py").read_text().splitlines()[number - 1].strip() == "return grad", line


def test_values_in_a_verdict_keep_their_shape_and_a_scalar_is_itself():
    from coursekit.compare import compare_one
    assert compare_one("ok", np.array(True), np.array(False)) == "`ok` 不同：PyTorch 为 True，你的为 False"
    text = compare_one("J", np.eye(2), np.zeros((2, 2)))
    assert "[[1., 0.], [0., 1.]]" in text and "\n    你的：  [[0., 0.], [0., 0.]]" in text, text
    assert "按行展开的前 6 个" in compare_one("J", np.eye(3), np.zeros((3, 3)))


@pytest.mark.parametrize("made, said", [(".numpy()", "ndarray 类型的值"), (".sum()", "形状为 () 的张量")])
def test_a_tangent_rule_returning_no_tensor_or_the_wrong_shape_is_named_at_its_return(tmp_path, made, said):
    root = engine(tmp_path, [("ops.py", "        return da * b + a * db\n", f"        return (da * b + a * db){made}\n")])
    text = verdict(run("2.1-jvp", root=root))
    assert f"Mul.jvp 返回了 {said}" in text and "minigrad 张量" in text, text
    line = next(line for line in text.splitlines() if "出错位置" in line)
    number = int(re.search(r"第 (\d+) 行", line).group(1))
    assert (root / "minigrad" / "ops.py").read_text().splitlines()[number - 1].strip().startswith("return (da * b"), line
