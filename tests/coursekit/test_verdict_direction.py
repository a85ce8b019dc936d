"""Verdicts point the right way: each wrong solution below fails its own exercise, with the hint of the
check that fails and the line at fault (catalogue entries of tests/mistakes/, run in-process)."""
from __future__ import annotations

import re
import warnings

from coursekit.mistakes import load_catalogue, try_mistake
from helpers import ROOT

ENTRIES = {m.about: m for m in load_catalogue(ROOT)}


def _verdict(about: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outcome = try_mistake(ROOT / "solutions", ENTRIES[about])
    assert outcome.caught and outcome.attributed, outcome.verdict
    return outcome.verdict


def test_create_graph_ignored_gets_the_create_graph_hint_not_the_order_hint():
    text = _verdict("parameter ignored: create_graph (the rules always record a graph)")
    assert "create_graph=False 时" in text and "按 inputs 的顺序返回梯度" not in text, text


def test_a_grad_written_with_backward_is_blamed_on_its_own_exercise_not_on_the_rules():
    text = _verdict("gradients collected through .grad, as backward() does (fills the inputs' .grad too)")
    assert "练习 2.1-ex-higher-order" in text and "问题出在练习 2.1-vjp" not in text, text


def test_a_missing_keepdim_in_unbroadcast_is_located_at_the_sum_not_at_the_def():
    text = _verdict("size-1 dims summed without keepdim")
    line = int(re.search(r"broadcast\.py 第 (\d+) 行", text).group(1))
    source = (ROOT / "solutions" / "minigrad" / "broadcast.py").read_text(encoding="utf-8").splitlines()
    assert "grad.sum(dim=ones" in source[line - 1], (line, source[line - 1])
