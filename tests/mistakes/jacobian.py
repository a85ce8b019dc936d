"""Mistakes in jacfwd and jacrev (minigrad/func.py)."""
from coursekit.mistakes import Mistake

EXERCISE = "2.1-jacobian"
MISTAKES = [
    Mistake("jacfwd: transposed Jacobian (columns stacked as rows)",
            "stack(columns, dim=-1)", "stack(columns, dim=0)", hint="按列拼接"),
    Mistake("jacrev: transposed Jacobian (rows stacked as columns)",
            "stack(rows, dim=0)", "stack(rows, dim=-1)", hint="按行拼接"),
    Mistake("jacfwd: every argument gets the unit tangent, not only argnums",
            "_basis(a, j) if i == argnum else _zeros(a)", "_basis(a, j)", hint="其余参数的切线为 0"),
    Mistake("jacrev: always the first argument's cotangent", "vjp_fn(_basis(out, i))[argnum]", "vjp_fn(_basis(out, i))[0]",
            hint="取第 argnums 个参数的结果"),
    Mistake("jacrev: one vjp per input element instead of per output element",
            "for i in range(out.numel())]", "for i in range(x.numel())]", hint="对输出的每个方向 eᵢ 做一次 vjp"),
    Mistake("jacfwd: shape x.shape + out.shape", "stack(columns, dim=-1).reshape(*out.shape, *x.shape)",
            "stack(columns, dim=-1).reshape(*x.shape, *out.shape)", hint="out.shape + x.shape"),
]
