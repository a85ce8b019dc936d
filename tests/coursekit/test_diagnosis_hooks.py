"""Diagnosis and blame read the engine through its typed extension points (`graph.TRACE`,
`graph.RuleGradientError`), never through the names of local variables: a copy of the engine whose
call_backward and backprop use other local names gets the same verdicts."""
import ast
import io
import re
import tokenize

from coursekit.verdicts import run, verdict
from helpers import broken_engine

RENAMES = {
    "graph.py": ("call_backward", {"node": "vx", "grads": "returned", "g": "gg", "grad": "upstream",
                                   "inputs": "sources", "result": "out", "x": "src", "shape": "want"}),
    "autograd.py": ("backprop", {"grads": "pending", "node": "current", "g": "incoming", "child": "source",
                                 "g_child": "part"}),
}


def in_braces(field: str, names: dict) -> str:
    """An f-string's `{...}` with the names changed (not attributes)."""
    for old, new in names.items():
        field = re.sub(rf"(?<![.\w]){old}\b", new, field)
    return field


def renamed(source: str, function: str, names: dict) -> str:
    """`source` with the local names of `function` (its parameters included) changed: NAME tokens only,
    not attributes (`g._data.shape` keeps `.shape`) and not keyword arguments (`dtype=`)."""
    lines = source.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith(f"def {function}("))
    end = next((i for i in range(start + 1, len(lines)) if lines[i][:1] not in ("", " ", "\n", "\t")), len(lines))
    body = "".join(lines[start:end])
    tokens = list(tokenize.generate_tokens(io.StringIO(body).readline))
    edits, depth = [], 0
    for k, tok in enumerate(tokens):
        if tok.type == tokenize.OP and tok.string in "([{":
            depth += 1
        elif tok.type == tokenize.OP and tok.string in ")]}":
            depth -= 1
        if tok.type == tokenize.STRING and tok.string[:1] in "fF" and tok.start[0] == tok.end[0]:
            edits.append((tok, re.sub(r"\{[^{}]*\}", lambda m: in_braces(m.group(0), names), tok.string)))
            continue
        if tok.type != tokenize.NAME or tok.string not in names or (k and tokens[k - 1].string in (".", "def")):
            continue
        following = tokens[k + 1].string if k + 1 < len(tokens) else ""
        if depth and following == "=" and tokens[k - 1].string in ("(", ","):
            continue                                       # a keyword argument
        edits.append((tok, names[tok.string]))
    body_lines = body.splitlines(keepends=True)
    for tok, text in reversed(edits):
        row, col = tok.start[0] - 1, tok.start[1]
        line = body_lines[row]
        body_lines[row] = line[:col] + text + line[col + len(tok.string):]
    return "".join(lines[:start]) + "".join(body_lines) + "".join(lines[end:])


def rename_locals(file: str, text: str) -> str:
    if file not in RENAMES:
        return text
    function, names = RENAMES[file]
    text = renamed(text, function, names)
    tree = next(n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.FunctionDef) and n.name == function)
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {a.arg for a in tree.args.args}
    assert not used & set(names), (file, function, used & set(names))
    return text


def engine(folder, edits=()):
    """The solutions' engine with other local names in call_backward and backprop, and `edits` applied."""
    return broken_engine(folder, edits, rewrite=rename_locals)


def test_the_renamed_engine_still_passes_its_checks(tmp_path):
    root = engine(tmp_path)
    assert "def backprop(roots: list, root_grads: list, retain_graph: bool, sink)" in \
        (root / "minigrad/autograd.py").read_text(encoding="utf-8")
    assert "upstream" in (root / "minigrad/graph.py").read_text(encoding="utf-8")
    assert run("2.1-vjp", root=root).passed


def test_the_first_wrong_node_is_named_with_renamed_engine_locals(tmp_path):
    root = engine(tmp_path, [("ops.py", "return grad * b, grad * a", "return grad * a, grad * b")])
    text = verdict(run("2.1-vjp", root=root))
    assert "第一个出错的节点" in text and "MulBackward0（Mul.backward，第 1 个运算）" in text, text


def test_a_wrong_traversal_is_named_with_renamed_engine_locals(tmp_path):
    root = engine(tmp_path, [("autograd.py", "pending[source] = pending[source] + part if source in pending else part",
                              "pending[source] = part")])
    text = verdict(run("2.1-backward-accumulate", root=root))
    assert "每个运算的反向规则都与 PyTorch 一致" in text and "反向遍历" in text, text


def test_a_rule_of_the_wrong_shape_is_named_with_renamed_engine_locals(tmp_path):
    root = engine(tmp_path, [("ops.py", "return grad.expand(ctx.shape)", "return grad")])
    text = verdict(run("2.1.1-dot-sum", root=root))
    assert "Sum.backward" in text and "返回的梯度形状为 ()" in text, text
