"""Mistakes in the tangent rules (Op.jvp in minigrad/ops.py)."""
from coursekit.mistakes import Mistake

EXERCISE = "2.1-jvp"
MISTAKES = [
    Mistake("add: only the first tangent", "return da + db", "return da", hint="两个切线都要加上"),
    Mistake("add: the two tangents returned as a tuple, not added", "return da + db", "return da, db",
            hint="练习函数返回的结果形状不对"),
    Mistake("sub: sign error, da + db", "return da - db", "return da + db", hint="db 前是负号"),
    Mistake("mul: swapped factors, da·a + b·db", "return da * b + a * db", "return da * a + b * db",
            hint="d(a·b) = da·b + a·db"),
    Mistake("mul: one term of the product rule missing", "return da * b + a * db", "return da * b",
            hint="两项都要有"),
    Mistake("log: forgets the tangent, returns 1/a", "return da / a", "return 1 / a", hint="要乘上切线 da"),
    Mistake("log: multiplies instead of dividing", "return da / a", "return da * a", hint="d(ln a) = da / a"),
    Mistake("sin: sin a instead of cos a", "return a.cos() * da", "return a.sin() * da", hint="是 cos a，不是 sin a"),
    Mistake("sin: sign error, -cos a", "return a.cos() * da", "return -a.cos() * da", hint="d(sin a) = cos a · da"),
    Mistake("sin: forgets the tangent", "return a.cos() * da", "return a.cos()", hint="要乘上切线 da"),
]
