"""The first wrong node: where a backward pass starts to differ from PyTorch's.

The failing probe runs once more on each side, with every backward call caught on its way in: the graph
is walked from the roots and every node keeps the gradient it receives (torch: a hook on each node;
minigrad: the engine's tracing hook `graph.TRACE`, called by call_backward with the node and its
incoming gradient) and what it saved (minigrad: the node's `saved` as the hook saw it, put back after
the pass so that its rule can run again). Nodes are paired in creation order (torch's sequence numbers,
minigrad's `seq`) when both graphs hold the same ops in the same order. Then each minigrad node's rule
runs on PyTorch's incoming gradient and is compared with what PyTorch's node gave its inputs: the
first node, from the inputs, whose rule differs is the wrong one. If every rule agrees but some node receives another gradient, the traversal
(or unbroadcast, where the rule's result was broadcast) is at fault.
"""
from __future__ import annotations

import sys
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from . import exercises
from .runner import FAILED, NOT_IMPLEMENTED, TIMEOUT, CheckTimedOut, default_timeout, exercise_cases, run_exercise, time_limit
from .compare import tolerance_for
from .tracebacks import exercise_at

TRAVERSAL = "2.1-backward-accumulate"


@dataclass
class Pass:
    """One backward call: the nodes it reached, in creation order, and what each received/gave."""
    nodes: list = field(default_factory=list)        # (name, shape, node) sorted by creation order
    incoming: dict = field(default_factory=dict)     # node -> the gradient it received (numpy)
    outgoing: dict = field(default_factory=dict)     # torch only: node -> gradients it gave its inputs
    create_graph: bool = False
    retains: bool = True         # minigrad: a gradient that reaches a node is the traversal's (`backward`)
    kept: dict = field(default_factory=dict)         # minigrad: node -> what it saved, as the trace saw it
    roots: set = field(default_factory=set)          # the nodes backward starts from


@dataclass
class Finding:
    culprit: str | None          # the exercise at fault
    text: str                    # Chinese, one or two lines
    function: str = ""           # the function at fault, when one is ("Mul.backward")


def _numpy(value):
    if value is None:
        return None
    if type(value).__module__.startswith("torch"):
        return value.detach().numpy().copy()
    return np.array(value.__array__() if hasattr(value, "__array__") else value)


def _as_list(tensors) -> list:
    return list(tensors) if isinstance(tensors, (list, tuple)) else [tensors]


def _walk(roots, inputs_of) -> list:
    seen, stack, order = set(), list(roots), []
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        order.append(node)
        stack.extend(inputs_of(node))
    return order


# ---------------------------------------------------------------- catching the backward calls

@contextmanager
def _patched(module, names, wrap):
    saved = {name: getattr(module, name) for name in names}
    for name, original in saved.items():
        setattr(module, name, wrap(original))
    try:
        yield
    finally:
        for name, original in saved.items():
            setattr(module, name, original)


def _torch_pass(roots) -> Pass:
    record = Pass()
    nodes = _walk([t.grad_fn for t in roots], lambda n: [c for c, _ in n.next_functions])
    for node in sorted(nodes, key=lambda n: n._sequence_nr()):
        if "AccumulateGrad" in node.name():
            continue
        record.nodes.append((node.name(), None, node))

        def hook(grad_inputs, grad_outputs, node=node):
            record.incoming[node] = _numpy(grad_outputs[0])
            record.outgoing[node] = [_numpy(g) for g in grad_inputs]
        node.register_hook(hook)
    return record


def called_by_probe(probe_file: str) -> bool:
    """Whether the backward call being caught comes from the probe itself (through `Tensor.backward` at
    most), not from a tool under test (gradcheck, jacrev...) whose passes have no twin on the other side."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename != probe_file:
        if frame.f_code.co_name not in ("backward", "grad"):
            return False
        frame = frame.f_back
    return frame is not None


@contextmanager
def _passes(module, make_pass, probe_file: str):
    passes: list[Pass] = []
    depth = [0]          # a call made inside a caught one (a `grad` written with `backward`) is part of it

    def wrap(original):
        def caught(tensors, *args, **kwargs):
            if depth[0] == 0 and called_by_probe(probe_file):
                passes.append(make_pass(_as_list(tensors)))
                passes[-1].create_graph = bool(kwargs.get("create_graph"))
                passes[-1].retains = original.__name__ in ("backward", "run_backward")
            depth[0] += 1
            try:
                return original(tensors, *args, **kwargs)
            finally:
                depth[0] -= 1
        return caught
    names = [name for name in ("backward", "run_backward", "grad") if hasattr(module, name)]
    with _patched(module, names, wrap):
        yield passes


def _minigrad_pass(lib, roots) -> Pass:
    record = Pass(roots={t.grad_fn for t in roots})
    nodes = _walk([t.grad_fn for t in roots], lambda n: list(n.inputs))
    for node in sorted(nodes, key=lambda n: n.seq):
        if type(node).__name__ != "AccumulateGrad":
            record.nodes.append((node.name(), tuple(node.meta[0]), node))
    return record


@contextmanager
def _traced(graph, passes: list):
    """While the probe runs: each node call_backward runs adds its incoming gradient to the latest pass
    (summed, if a traversal runs a node twice) and keeps what the node saved (its rule runs again later)."""
    def trace(node, grad, returned, grads):
        record = passes[-1] if passes else None
        if record is None or not any(node is n for _, _, n in record.nodes):
            return
        seen = record.incoming.get(node)
        record.incoming[node] = _numpy(grad) if seen is None else seen + _numpy(grad)
        record.kept.setdefault(node, node.saved)
    previous, graph.TRACE = graph.TRACE, trace
    try:
        yield
    finally:
        graph.TRACE = previous
        for record in passes:
            for node, saved in record.kept.items():
                node.saved = saved


# ---------------------------------------------------------------- comparing node by node

def _error(actual, expected) -> float | None:
    """The largest difference, None when they agree, inf when one is missing or the shapes differ."""
    if actual is None or expected is None:
        return None if actual is None and expected is None else float("inf")
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    if actual.shape != expected.shape:
        return float("inf")
    rtol, atol = tolerance_for(np.float32)        # the looser row for both dtypes: only a clear difference
    if np.allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True):   # names a node
        return None
    return float(np.nanmax(np.abs(actual - expected)))


def _reduce_to(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """The reference unbroadcast (numpy): sum the leading dims, then the dims that were 1."""
    grad = np.asarray(grad)
    if grad.shape == shape:
        return grad
    grad = grad.sum(axis=tuple(range(grad.ndim - len(shape)))) if grad.ndim > len(shape) else grad
    ones = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=ones, keepdims=True) if ones else grad


def _rule_exercise(node, method: str = "backward") -> tuple[str, str | None]:
    """'Mul.backward' and the exercise that function belongs to."""
    function = getattr(node.rule, method, None)
    code = getattr(function, "__code__", None)
    name = f"{node.rule.__name__}.{method}"
    if code is None:
        return name, None
    owner = exercise_at(code.co_filename, code.co_firstlineno + 1)
    return name, owner.exercise if owner else None


def _local(lib, node, incoming: np.ndarray, raw: bool):
    """What the minigrad node gives its inputs for PyTorch's incoming gradient: the rule alone, summed
    to the inputs' shapes by numpy (raw), or through the engine (its unbroadcast included)."""
    grad = lib.tensor(incoming)
    with lib.set_grad_enabled(False):
        if raw:
            result = node.rule.backward(node, grad)
            result = result if isinstance(result, (tuple, list)) else (result,)
            return [None if g is None or x is None else _reduce_to(_numpy(g), tuple(x.meta[0]))
                    for x, g in zip(node.inputs, result)]
        return [_numpy(g) for g in lib.graph.call_backward(node, grad)]


def _structure(nodes: list, inputs_of) -> list:
    """Each node's name and where its inputs come from (another node's place in the list, a leaf, or
    nothing): two graphs whose nodes carry the same names in another arrangement do not match."""
    place = {node: i for i, (_, _, node) in enumerate(nodes)}

    def source(node):
        if node is None:
            return None
        return place.get(node, "leaf" if "AccumulateGrad" in _name(node) else "?")
    return [(name, tuple(source(n) for n in inputs_of(node))) for name, _, node in nodes]


def _name(node) -> str:
    return node.name() if callable(getattr(node, "name", None)) else type(node).__name__


def _pairs(mine: Pass, theirs: Pass) -> list:
    """The nodes side by side, when both graphs have the same ops, in the same order, wired the same way
    (else nothing: a node is only ever compared with its true twin)."""
    if _structure(mine.nodes, lambda n: list(n.inputs)) != \
            _structure(theirs.nodes, lambda n: [c for c, _ in n.next_functions]):
        return []
    return [(m, t) for (_, _, m), (_, _, t) in zip(mine.nodes, theirs.nodes)]


def _shape_text(shape) -> str:
    return str(tuple(shape))


def graph_dropped(lib, mine: Pass) -> Finding | None:
    """Under create_graph, a rule whose result carries no graph (numpy arrays, `.data`) breaks the
    next derivative: run each rule on a gradient that requires grad and look at what comes back."""
    for _, shape, node in mine.nodes:
        grad = lib.tensor(np.ones(shape, dtype=node.meta[1]), requires_grad=True)
        try:
            with lib.set_grad_enabled(True):
                result = node.rule.backward(node, grad)
        except Exception:                                # noqa: BLE001 - not this question
            continue
        result = result if isinstance(result, (tuple, list)) else (result,)
        for x, g in zip(node.inputs, result):
            if x is not None and g is not None and not getattr(g, "requires_grad", False):
                rule, exercise = _rule_exercise(node)
                return Finding(exercise, f"{rule} 返回的梯度（{type(g).__name__}）没有计算图：create_graph=True 时，"
                                         f"二阶导数要对这个梯度再求导，所以反向规则要用 minigrad 的运算写成（不要用 "
                                         f"numpy 数组或 .data）。", rule)
    return None


def _size(error: float | None, missing: bool = False) -> str:
    if missing:
        return "没有收到梯度"
    return "形状不同" if error == float("inf") else f"最大误差 {error:.3g}"


def _try_local(lib, node, incoming, raw: bool):
    try:
        return _local(lib, node, incoming, raw)
    except Exception:                                    # noqa: BLE001 - the rule cannot even run again
        return None


def rule_finding(lib, node, number: int, incoming, expected: list) -> Finding | None:
    """The node's rule, on PyTorch's incoming gradient, against what PyTorch's node gave its inputs."""
    local = _try_local(lib, node, incoming, raw=True)
    if local is None or len(local) != len(expected):
        return None
    errors = [e for e in (_error(a, b) for a, b in zip(local, expected) if b is not None) if e is not None]
    if errors:
        rule, exercise = _rule_exercise(node)
        return Finding(exercise, f"第一个出错的节点（从输入数起）：{node.name()}（{rule}，第 {number} 个运算），"
                                 f"输出形状 {_shape_text(node.meta[0])}：它收到的梯度与 PyTorch 相同，但它算给输入的"
                                 f"梯度不同（{_size(max(errors))}）。", rule)
    engine = _try_local(lib, node, incoming, raw=False)     # the rule is right: and summed to the inputs' shapes?
    if engine is not None and any(_error(a, b) is not None for a, b in zip(engine, expected) if b is not None):
        code = lib.broadcast.unbroadcast.__code__
        owner = exercise_at(code.co_filename, code.co_firstlineno + 1)
        return Finding(owner.exercise if owner else None,
                       f"{node.name()} 的反向规则本身正确，但把它的结果求和回输入形状后与 PyTorch 不同："
                       f"问题在 unbroadcast（minigrad/broadcast.py）。", "unbroadcast")
    return None


def compare_passes(lib, mine: Pass, theirs: Pass) -> Finding | None:
    """The first wrong rule of one backward call; else the first node that receives another gradient."""
    if mine.create_graph:
        dropped = graph_dropped(lib, mine)
        if dropped is not None:
            return dropped
    wrong_in = None
    for number, (m, t) in enumerate(_pairs(mine, theirs), start=1):     # creation order: from the inputs
        incoming = theirs.incoming.get(t)
        if incoming is None:
            continue
        finding = rule_finding(lib, m, number, incoming, theirs.outgoing.get(t, []))
        if finding is not None:
            return finding
        got = mine.incoming.get(m)
        if wrong_in is None and mine.retains and _error(got, incoming) is not None:
            wrong_in = (m, number, got is None, _error(got, incoming))
    if wrong_in is None or wrong_in[0] in mine.roots:   # a wrong seed is not the traversal's doing
        return None
    node, number, missing, error = wrong_in               # same graph, same rules: the traversal differs
    return Finding(TRAVERSAL, f"每个运算的反向规则都与 PyTorch 一致，但节点 {node.name()}（第 {number} 个运算，"
                              f"输出形状 {_shape_text(node.meta[0])}）收到的梯度不同（{_size(error, missing)}）：问题在"
                              f"反向遍历——拓扑顺序、节点是否只处理一次、多条路径的梯度是否相加（minigrad/autograd.py）。")


def first_wrong_node(check, case, lib, torch, answer=None) -> Finding | None:
    """Run the failing probe again on both sides and find where the gradients start to differ."""
    if check.ref is not None or not hasattr(lib, "graph"):
        return None                                      # no twin probe on the torch side
    try:
        with _passes(torch.autograd, _torch_pass, check.run.__code__.co_filename) as theirs:
            check.reference(torch, case.args, answer)
    except Exception:                                    # noqa: BLE001 - then there is nothing to compare
        return None
    return wrong_node_against(theirs, check, case, lib, answer, time_limit(default_timeout()))


def wrong_node_against(theirs: list, check, case, lib, answer, limit) -> Finding | None:
    """minigrad's run of the probe, backward call by backward call, against PyTorch's passes `theirs` (run
    just now, or recorded: the browser edition); `limit` is the context that bounds the student's code."""
    try:
        with _passes(lib.autograd, lambda roots: _minigrad_pass(lib, roots), check.run.__code__.co_filename) as mine, \
                _traced(lib.graph, mine), limit:
            check.attempt(lib, case.args, answer)
    except (Exception, CheckTimedOut):                   # noqa: BLE001 - then there is nothing to compare
        return None
    for m, t in zip(mine, theirs):
        finding = compare_passes(lib, m, t)
        if finding is not None:
            return finding
    return None


# ---------------------------------------------------------------- who is at fault for a whole report

def _check_and_case(exercise, result):
    return next(((c, k) for c, k in exercise_cases(exercise) if c.name == result.check and k.label == result.case),
                (None, None))


def explain(report, lib, torch, answer=None, timeout=None, *, wrong_node=None, rerun=None) -> None:
    """Fill in who is at fault for the report's first problem: the first wrong node of a wrong backward,
    else the first prerequisite whose own checks fail (report.culprit_report). `wrong_node(exercise, check,
    case, answer)` and `rerun(exercise)` ask PyTorch now by default; the browser edition asks its recording."""
    if wrong_node is None:
        def wrong_node(exercise, check, case, answer):
            return first_wrong_node(check, case, lib, torch, answer)
    if rerun is None:
        def rerun(exercise):
            return run_exercise(exercise, lib, torch, timeout=timeout)
    exercise, problem = report.exercise, report.first_problem
    if problem is None or problem.status in (NOT_IMPLEMENTED, TIMEOUT):
        return
    if problem.status == FAILED:
        check, case = _check_and_case(exercise, problem)
        finding = wrong_node(exercise, check, case, answer) if check else None
        if finding is not None:
            problem.diagnosis, problem.culprit, problem.rule = finding.text, finding.culprit, finding.function
    if problem.culprit == exercise.id:
        return
    before = exercises.requirements(exercise)
    suspects = [problem.culprit] if problem.culprit in before else \
        [e.id for e in exercises.all_exercises() if e.id in before and not e.answer]
    for suspect in suspects:
        other = rerun(exercises.get(suspect))
        if not other.passed:
            explain(other, lib, torch, timeout=timeout, wrong_node=wrong_node, rerun=rerun)
            report.culprit_report = other
            return
