"""How much engine code the exercises send a student to read.

    python dev/reading_load.py [--root DIR]

For each engine exercise of the registry (`Exercise.where`, `Exercise.functions`): the files and the
functions named there, their lines, and the share of comment and docstring lines that are Chinese
(a line counts as Chinese when it holds a CJK character or CJK punctuation; a line with neither and
fewer than two English words, such as a formula `c = a + b`, is language-neutral and not counted; the
region markers `### BEGIN SOLUTION` are not text). `--root .` measures the student release. DIR is the folder holding minigrad/
(default: solutions/ of this repository), so the same script measures another checkout."""
from __future__ import annotations

import argparse
import ast
import io
import re
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from coursekit import exercises  # noqa: E402

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
WORD = re.compile(r"[A-Za-z]{3,}")
MARKER = re.compile(r"### (BEGIN|END) (SOLUTION|HIDDEN TESTS)")     # region markers: not read as text


def text_lines(source: str, node: ast.AST | None = None) -> list[str]:
    """Comment and docstring lines of `source`, or only of the function `node` within it."""
    lo, hi = (node.lineno, node.end_lineno) if node is not None else (1, 10 ** 9)
    lines = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT and lo <= token.start[0] <= hi and not MARKER.match(token.string):
            lines.append(token.string)
    tree = node if node is not None else ast.parse(source)
    for item in ast.walk(tree):
        if isinstance(item, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(item, clean=False)
            if doc:
                lines += [line for line in doc.splitlines() if line.strip()]
    return lines


def share(lines: list[str]) -> str:
    chinese = sum(bool(CJK.search(line)) for line in lines)
    english = sum(not CJK.search(line) and len(WORD.findall(line)) >= 2 for line in lines)
    if not chinese + english:
        return "-"
    return f"{100 * chinese // (chinese + english)}%"


def find(tree: ast.AST, qualname: str) -> ast.AST | None:
    node = tree
    for part in qualname.split("."):
        node = next((n for n in getattr(node, "body", []) if isinstance(n, (ast.ClassDef, ast.FunctionDef))
                     and n.name == part), None)
        if node is None:
            return None
    return node


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT / "solutions", help="the folder holding minigrad/")
    args = parser.parse_args(argv)
    rows, total_files = [], {}
    for ex in exercises.all_exercises():
        if not ex.functions:
            continue
        files = sorted({f.split(":")[0] for f in ex.functions} | ({ex.where} if ex.where.endswith(".py") else set()))
        for name in files:
            path = args.root / name
            if not path.is_file():
                rows.append((ex.id, name, "(missing)", "", "", ""))
                continue
            source = path.read_text(encoding="utf-8")
            tree = ast.parse(source)
            funcs = [f.split(":")[1] for f in ex.functions if f.split(":")[0] == name]
            nodes = [find(tree, q) for q in funcs]
            fn_lines = sum(n.end_lineno - n.lineno + 1 for n in nodes if n is not None)
            fn_text = [line for n in nodes if n is not None for line in text_lines(source, n)]
            n_lines = len(source.splitlines())
            total_files[name] = n_lines
            rows.append((ex.id, name, n_lines, share(text_lines(source)), f"{len(funcs)} / {fn_lines}",
                         share(fn_text)))
    header = ("exercise", "file", "lines", "zh (file)", "functions / lines", "zh (functions)")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())
    print(f"\n{len(total_files)} distinct files, {sum(total_files.values())} lines in all; "
          f"largest {max(total_files.values())} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
