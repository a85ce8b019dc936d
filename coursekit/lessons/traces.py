"""Notebooks 02 and 03: the evaluation trace of y = ln(x1) + x1*x2 - sin(x2) (survey, Tables 2 and 3),
computed live by an engine (`lib` is minigrad, or torch for comparison): primals and tangents by forward
mode, adjoints by reverse mode."""
from __future__ import annotations

from .intro import Table

# The trace, one line per intermediate: name, how it is computed (the survey's notation), its tangent
# v̇ = ∂v/∂x1 (forward mode) and its adjoint v̄ = ∂y/∂v gathered from the nodes that use it (reverse mode).
STEPS = (
    ("v-1", "x1", "ẋ1", "v̄2 × v0 + v̄1 / v-1"),
    ("v0", "x2", "ẋ2", "v̄2 × v-1 + v̄3 × cos v0"),
    ("v1", "ln v-1", "v̇-1 / v-1", "v̄4"),
    ("v2", "v-1 × v0", "v̇-1 × v0 + v-1 × v̇0", "v̄4"),
    ("v3", "sin v0", "cos v0 × v̇0", "-v̄5"),
    ("v4", "v1 + v2", "v̇1 + v̇2", "v̄5"),
    ("v5", "v4 - v3", "v̇4 - v̇3", "ȳ = 1"),
)
NAMES = tuple(step[0] for step in STEPS)
POINT = (2.0, 5.0)


def trace(lib, x1, x2) -> dict:
    """Every intermediate of y = ln(x1) + x1*x2 - sin(x2), keyed by the survey's names."""
    v = {"v-1": x1, "v0": x2}
    v["v1"] = lib.log(v["v-1"])
    v["v2"] = v["v-1"] * v["v0"]
    v["v3"] = lib.sin(v["v0"])
    v["v4"] = v["v1"] + v["v2"]
    v["v5"] = v["v4"] - v["v3"]
    return v


def _scalar(lib, value):
    return lib.tensor(float(value), dtype=lib.float64)


def forward_trace(lib, point=POINT, tangent=(1.0, 0.0)) -> dict[str, tuple[float, float]]:
    """{name: (primal, tangent)}: one jvp per intermediate, seeded with (ẋ1, ẋ2) = `tangent`."""
    primals = tuple(_scalar(lib, p) for p in point)
    tangents = tuple(_scalar(lib, t) for t in tangent)
    result = {}
    for name in NAMES:
        value, dot = lib.func.jvp(lambda x1, x2: trace(lib, x1, x2)[name], primals, tangents)
        result[name] = (value.item(), dot.item())
    return result


def reverse_trace(lib, point=POINT) -> dict[str, tuple[float, float]]:
    """{name: (primal, adjoint)}: one forward pass, then y.backward() with retain_grad() on every node."""
    x1, x2 = (lib.tensor(float(p), dtype=lib.float64, requires_grad=True) for p in point)
    v = trace(lib, x1, x2)
    for name in NAMES[2:]:
        v[name].retain_grad()       # keep the adjoints of the intermediates (leaves keep theirs anyway)
    v["v5"].backward()
    return {name: (v[name].item(), v[name].grad.item()) for name in NAMES}


def _number(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".") if value != 0 else "0"


def _dot(name: str) -> str:
    return "v̇" + name[1:]


def _bar(name: str) -> str:
    return "v̄" + name[1:]


def forward_table(lib, point=POINT, tangent=(1.0, 0.0)) -> Table:
    """The survey's Table 2: the primal trace beside the tangent trace, both computed by forward mode."""
    values = forward_trace(lib, point, tangent)
    rows = [[name, expr, _number(values[name][0]), _dot(name), dexpr, _number(values[name][1])]
            for name, expr, dexpr, _ in STEPS]
    rows.append(["y", "v5", _number(values["v5"][0]), "ẏ", "v̇5", _number(values["v5"][1])])
    return Table(["v", "=（原值）", "值", "v̇", "=（切线）", "值"], rows,
                 align=["l", "l", "r", "l", "l", "r"],
                 caption=f"前向模式：{lib.__name__}.func.jvp，(x1, x2) = {point}，"
                         f"(ẋ1, ẋ2) = {tangent}，所以 v̇ = ∂v/∂x1")


def reverse_table(lib, point=POINT) -> Table:
    """The survey's Table 3: the primal trace top-down, beside the adjoint trace bottom-up."""
    values = reverse_trace(lib, point)
    rows = [[name, expr, _number(values[name][0]), _bar(back), rule, _number(values[back][1])]
            for (name, expr, _, _), (back, _, _, rule) in zip(STEPS, reversed(STEPS))]
    rows.append(["y", "v5", _number(values["v5"][0]), "x̄1, x̄2", "v̄-1, v̄0",
                 f"{_number(values['v-1'][1])}, {_number(values['v0'][1])}"])
    return Table(["v", "=（前向计算）", "值", "v̄", "=（反向传播）", "值"], rows,
                 align=["l", "l", "r", "l", "l", "r"],
                 caption=f"反向模式：{lib.__name__}，在 (x1, x2) = {point} 处 y.backward()，v̄ = ∂y/∂v")
