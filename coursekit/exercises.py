"""The exercise registry: the one place that says what students write, where, for how many points,
and how it is checked. Release, check, grade, validate and the docs all read it."""
from __future__ import annotations

from dataclasses import dataclass

from .checks import engine_checks as E
from .checks import notebook_checks as N
from .checks.base import Check


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str                 # Chinese, shown to students
    points: int
    section: str               # the notebook (stem) where the exercise is introduced
    where: str                 # the file the student edits, relative to the course root
    checks: tuple[Check, ...]
    requires: tuple[str, ...] = ()   # exercises whose code the checks also run
    answer: str | None = None        # notebook exercises: the name the cell defines
    functions: tuple[str, ...] = ()  # engine exercises: "file:qualname" of the functions students write (found
                                     # even when a student deletes the `# 练习` comment; the registry step checks)


def _exercises() -> tuple[Exercise, ...]:
    return (
        Exercise("2.1-numdiff", "数值微分：中心差分", 10, "01_four_ways",
                 "minigrad/numdiff.py", E.NUMDIFF,
                 functions=("minigrad/numdiff.py:central_difference",)),
        Exercise("2.1-jvp", "前向模式：基本运算的切线规则", 10, "02_graph_and_forward_mode",
                 "minigrad/ops.py", E.JVP,
                 functions=("minigrad/ops.py:Add.jvp", "minigrad/ops.py:Sub.jvp",
                            "minigrad/ops.py:Mul.jvp", "minigrad/ops.py:Log.jvp",
                            "minigrad/ops.py:Sin.jvp")),
        Exercise("2.1-backward", "反向模式：拓扑排序与梯度累加", 10, "03_reverse_mode",
                 "minigrad/autograd.py", E.BACKWARD,
                 functions=("minigrad/autograd.py:topological_order", "minigrad/autograd.py:backprop")),
        Exercise("2.1-vjp", "反向模式：基本运算的伴随规则", 10, "03_reverse_mode",
                 "minigrad/ops.py", E.VJP, requires=("2.1-backward",),
                 functions=("minigrad/ops.py:Add.backward", "minigrad/ops.py:Sub.backward",
                            "minigrad/ops.py:Mul.backward", "minigrad/ops.py:Log.backward",
                            "minigrad/ops.py:Sin.backward")),
        Exercise("2.1-gradcheck", "梯度检验：比较解析梯度与数值梯度", 10, "03_reverse_mode",
                 "minigrad/numdiff.py", E.GRADCHECK, requires=("2.1-numdiff", "2.1-backward"),
                 functions=("minigrad/numdiff.py:jacobians_match",)),
        Exercise("2.1-jacobian", "雅可比矩阵：jacfwd 与 jacrev", 10, "04_matrix_order",
                 "minigrad/func.py", E.JACOBIAN, requires=("2.1-jvp", "2.1-backward", "2.1-vjp"),
                 functions=("minigrad/func.py:jacfwd", "minigrad/func.py:jacrev")),
        Exercise("2.1.1-dot-sum", "点积与求和的反向规则", 10, "05_simple_example",
                 "minigrad/ops.py", E.DOT_SUM, requires=("2.1-backward", "2.1-vjp"),
                 functions=("minigrad/ops.py:Dot.backward", "minigrad/ops.py:Sum.backward",
                            "minigrad/ops.py:SumDim.backward")),
        Exercise("2.1.2-backward-gradient", "非标量输出的 backward(gradient)", 10, "06_nonscalar_backward",
                 "minigrad/tensor.py", E.BACKWARD_GRADIENT, requires=("2.1-backward", "2.1-vjp"),
                 functions=("minigrad/tensor.py:Tensor.backward",)),
        Exercise("2.1.2-unbroadcast", "广播的梯度：求和回输入的形状", 10, "06_nonscalar_backward",
                 "minigrad/broadcast.py", E.UNBROADCAST, requires=("2.1-backward", "2.1-vjp"),
                 functions=("minigrad/broadcast.py:unbroadcast",)),
        Exercise("2.1.3-detach", "分离计算：detach 与 no_grad", 10, "07_detach",
                 "minigrad/tensor.py", E.DETACH, requires=("2.1-backward", "2.1-vjp", "2.1.1-dot-sum"),
                 functions=("minigrad/grad_mode.py:no_grad.__enter__",
                            "minigrad/grad_mode.py:no_grad.__exit__", "minigrad/tensor.py:Tensor.detach")),
        Exercise("2.1.4-norm", "范数及其梯度", 10, "08_control_flow",
                 "minigrad/tensor.py", E.NORM, requires=("2.1-backward", "2.1-vjp", "2.1.1-dot-sum"),
                 functions=("minigrad/tensor.py:Tensor.norm",)),
        Exercise("2.1-ex-higher-order", "高阶导数：autograd.grad 与 create_graph", 10, "10_exercises",
                 "minigrad/autograd.py", E.HIGHER_ORDER, requires=("2.1-backward", "2.1-vjp"),
                 functions=("minigrad/autograd.py:collect_gradients",)),
        Exercise("2.1-ex-sin-derivative", "用自动微分画出 sin x 的导数", 5, "10_exercises",
                 "chapters/10_exercises.ipynb", N.SIN_DERIVATIVE, answer="sin_derivative",
                 requires=("2.1-backward", "2.1-vjp", "2.1.1-dot-sum")),
        Exercise("2.1-ex-f-eval", "f(x)=(log x²)·sin x + 1/x 的前向与反向求值", 5, "10_exercises",
                 "chapters/10_exercises.ipynb", N.F_EVAL, answer="f_and_derivatives",
                 requires=("2.1-jvp", "2.1-backward", "2.1-vjp")),
    )


class UnknownExercise(KeyError):
    def __str__(self) -> str:
        return f"unknown exercise id {self.args[0]!r}; known ids: {', '.join(e.id for e in all_exercises())}"


_CACHE: tuple[Exercise, ...] | None = None


def all_exercises() -> tuple[Exercise, ...]:
    global _CACHE
    if _CACHE is None:
        _CACHE = _exercises()
    return _CACHE


def get(exercise_id: str) -> Exercise:
    exercise_id = str(exercise_id).strip().removeprefix("练习").strip()     # check("练习 2.1-vjp") works too
    for exercise in all_exercises():
        if exercise.id == exercise_id:
            return exercise
    raise UnknownExercise(exercise_id)


def requirements(exercise) -> set[str]:
    """Every exercise `exercise` depends on, directly or not (ids the registry does not know end the
    search: a toy course has its own exercises)."""
    found, todo = set(), list(exercise.requires)
    while todo:
        other = todo.pop()
        if other in found:
            continue
        found.add(other)
        try:
            todo.extend(get(other).requires)
        except KeyError:
            pass
    return found
