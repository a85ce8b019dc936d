"""The code blocks of text/2.1_autodiff.md run under torch and under minigrad with identical output.

The blocks are read from the text itself, run in order in one namespace (as in one notebook), and
what each block displays is captured as Jupyter would: its printed output plus the repr of its last
expression (unless that is None).
"""
from __future__ import annotations

import ast
import contextlib
import io
import re
from pathlib import Path

TEXT = Path(__file__).resolve().parents[2] / "text" / "2.1_autodiff.md"
FIRST, LAST = "### 2.1.1", "### 2.1.5"       # the sections whose blocks are code
SEED = 0                                       # the 2.1.4 block draws a random `a`: seed both libraries


def text_blocks() -> list[tuple[str, str | None]]:
    """(code, the text's 结果 block or None) for each code block of sections 2.1.1-2.1.4, in order."""
    lines = TEXT.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(FIRST))
    stop = next(i for i, line in enumerate(lines) if line.startswith(LAST))
    blocks, current, previous_text = [], [], ""
    for line in lines[start:stop] + ["END"]:
        if line.startswith("    ") or (current and not line.strip()):
            current.append(line)
            continue
        if current and any(part.strip() for part in current):
            is_result = previous_text.strip().startswith("结果")
            blocks.append((is_result, _dedent(current)))
        current = []
        if line.strip():
            previous_text = line
    pairs = []
    for is_result, body in blocks:
        if is_result:                  # attach to the latest code block (2.1.4 has prose between)
            pairs[-1] = (pairs[-1][0], body)
        else:
            pairs.append((body, None))
    return pairs


def _dedent(lines: list[str]) -> str:
    return "\n".join(line[4:] if line.startswith("    ") else line.strip() for line in lines).strip("\n")


def display(code: str, namespace: dict) -> str:
    """Run `code`; return its stdout plus the repr of the last expression, as a notebook shows it."""
    tree = ast.parse(code)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(tree, "<text block>", "exec"), namespace)
        if last is not None:
            value = eval(compile(ast.Expression(last.value), "<text block>", "eval"), namespace)
            if value is not None:
                print(repr(value))
    return out.getvalue().strip()


def run_text(lib_name: str) -> list[str]:
    """Every block's display, with `import torch` meaning `lib_name`."""
    namespace: dict = {}
    shown = []
    for code, _ in text_blocks():
        if "randn" in code:
            exec(f"import {lib_name} as _seeded; _seeded.manual_seed({SEED})", namespace)
        shown.append(display(re.sub(r"^import torch$", f"import {lib_name} as torch", code, flags=re.M),
                             namespace))
    return shown


def test_the_text_has_the_expected_code_blocks():
    blocks = text_blocks()
    assert len(blocks) == 8          # 2.1.1: 4, 2.1.2: 1, 2.1.3: 2, 2.1.4: 1
    assert blocks[0][0].startswith("import torch") and "def f(a):" in blocks[-1][0]
    assert all(result is not None for _, result in blocks)


def test_torch_reproduces_the_texts_results():
    """Sanity check of the block reader: torch itself prints the text's 结果 blocks."""
    for (code, result), shown in zip(text_blocks(), run_text("torch")):
        assert shown == result.strip(), code


def test_minigrad_prints_what_torch_prints_for_every_block(mg):
    expected = run_text("torch")
    actual = run_text(mg.__name__)
    for (code, _), a, e in zip(text_blocks(), actual, expected):
        assert a == e, f"block:\n{code}"
