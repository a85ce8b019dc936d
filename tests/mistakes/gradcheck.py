"""Mistakes in jacobians_match, the decision of gradcheck (minigrad/numdiff.py)."""
from coursekit.mistakes import Mistake

EXERCISE = "2.1-gradcheck"
RULE = "np.all(np.abs(analytical - numerical) <= atol + rtol * np.abs(numerical))"
MISTAKES = [
    Mistake("one-sided tolerance: no abs(), an analytical gradient that is too small passes",
            RULE, "np.all(analytical - numerical <= atol + rtol * np.abs(numerical))", hint="差要取绝对值"),
    Mistake("np.any instead of np.all: one matching element is enough",
            RULE, "np.any(np.abs(analytical - numerical) <= atol + rtol * np.abs(numerical))", hint="np.all"),
    Mistake("compares the sums of the Jacobians", RULE,
            "np.abs(analytical.sum() - numerical.sum()) <= atol + rtol * np.abs(numerical.sum())",
            hint="不是只看总和或平均"),
    Mistake("compares the mean error", RULE,
            "np.mean(np.abs(analytical - numerical)) <= atol + rtol * np.mean(np.abs(numerical))",
            hint="不是只看总和或平均"),
    Mistake("no atol: a derivative that is 0 never matches its numerical estimate",
            "<= atol + rtol * np.abs(numerical)", "<= rtol * np.abs(numerical)", hint="atol 与 rtol 都要用上"),
    Mistake("no rtol: large values fail on rounding noise",
            "<= atol + rtol * np.abs(numerical)", "<= atol", hint="atol 与 rtol 都要用上"),
    Mistake("decides by the function's class name (read from the caller's frame), not by the numbers",
            "return bool(" + RULE + ")",
            'return "Wrong" not in type(__import__("sys")._getframe(1).f_locals.get("func")).__qualname__',
            hint="逐个元素比较"),
    Mistake("the comparison the wrong way round", "<= atol + rtol", ">= atol + rtol", hint="返回 True"),
    Mistake("parameters ignored: np.allclose with its default tolerances", "return bool(" + RULE + ")",
            "return bool(np.allclose(analytical, numerical))", hint="用调用者传入的 atol 和 rtol"),
    Mistake("atol and rtol swapped", "return bool(" + RULE + ")",
            "return bool(np.allclose(analytical, numerical, rtol=atol, atol=rtol))", hint="也不要把两者对调"),
    Mistake("rtol scaled by the analytical value instead of the numerical one (half of the docstring's rule)",
            "<= atol + rtol * np.abs(numerical)", "<= atol + rtol * np.abs(analytical)", hint="rtol·|数值|"),
]
