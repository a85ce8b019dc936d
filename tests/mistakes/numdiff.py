"""Mistakes in central_difference (minigrad/numdiff.py)."""
from coursekit.mistakes import Mistake

EXERCISE = "2.1-numdiff"

IN_PLACE = ("""    x = np.array(x, dtype=np.float64)              # 副本：不改动调用者的 x
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
""", """    x = np.asarray(x, dtype=np.float64)              # 没有复制：float64 的 x 就是调用者的数组
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
""")
MISTAKES = [
    Mistake("h where 2h belongs", "(f_plus - f_minus) / (2 * h)", "(f_plus - f_minus) / h", hint="分母是 2h"),
    Mistake("sign error: f(x-h) - f(x+h)", "(f_plus - f_minus)", "(f_minus - f_plus)", hint="(f(x+h·eᵢ) − f(x−h·eᵢ)) / 2h"),
    Mistake("forward difference: f(x+h) - f(x), still over 2h", "x[i] = old - h\n", "x[i] = old\n", hint="(f(x+h·eᵢ) − f(x−h·eᵢ)) / 2h"),
    # two slips: the prod case with h = 1e-3 sees the unrestored x[i] first; once fixed, the next check sees x
    Mistake("mutated input: works on the caller's x and never puts x[i] back", IN_PLACE[0], IN_PLACE[1],
            hint="放回原值"),
    Mistake("the copy's x[i] never put back: later elements are differenced at a shifted point",
            "        f_minus = f(x)\n        x[i] = old\n", "        f_minus = f(x)\n", hint="放回原值"),
    Mistake("float32 kept: the copy keeps x's dtype", "x = np.array(x, dtype=np.float64)", "x = np.array(x)",
            hint="float64"),
    Mistake("one-dimensional only: the gradient sized len(x), looped over range(len(x))",
            "    grad = np.zeros_like(x)\n    for i in np.ndindex(x.shape):",
            "    grad = np.zeros(len(x))\n    for i in range(len(x)):", hint="结果的形状要与 x 相同"),
    Mistake("only the first axis: range(x.shape[0]) instead of every index",
            "for i in np.ndindex(x.shape):", "for i in range(x.shape[0]):", hint="np.ndindex"),
    Mistake("parameter ignored: its own step instead of h",
            "x = np.array(x, dtype=np.float64)              # 副本", "h = 1e-6\n    x = np.array(x, dtype=np.float64)  # 副本",
            hint="用调用者传入的步长 h"),
]
