"""pytest plugin of the student repository (its pyproject enables it with `-p coursekit.pytest_verdicts
--tb=no -rN`): one verdict per failing exercise and one line per notebook with failing cells, in Chinese,
instead of pages of tracebacks. `pytest --tb=short` still shows the details.

Exercise tests fail with `pytest.fail(verdict, pytrace=False)`, so their report text is the verdict. For a
notebook cell (nbval), the cause is read from the cell's error: a stub's `练习 <id> 尚未完成`, a check cell's
verdict, or else the error's last line.
"""
from __future__ import annotations

import re
from collections import defaultdict

import pytest

ANSI = re.compile(r"\x1b\[[0-9;]*m")
STUB = re.compile(r"练习 (\S+?) 尚未完成")                    # a stub's NotImplementedError message
VERDICT = re.compile(r"^[⏳❌⚠️]+\s*练习 (\S+?)（", re.MULTILINE)   # a check cell's verdict
KEY = "coursekit-cell"


def cell_cause(error) -> str:
    """Why an nbval cell failed, in one short line (an exercise id when an unfinished exercise is why)."""
    text = ANSI.sub("", str(getattr(error, "inner_traceback", "") or ""))
    found = STUB.search(text) or VERDICT.search(text)
    if found:
        return f"练习 {found.group(1)}"
    if str(error).startswith("Cell outputs differ"):
        return "输出与笔记本中保存的不同"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:160] if lines else str(error).splitlines()[0][:160]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and call.excinfo is not None and hasattr(call.excinfo.value, "cell_num"):
        report.user_properties.append((KEY, (call.excinfo.value.cell_num, cell_cause(call.excinfo.value))))


def notebook_lines(reports) -> list[str]:
    """One line per notebook: its failing cells, grouped by cause."""
    causes = defaultdict(lambda: defaultdict(list))
    for report in reports:
        number, cause = dict(report.user_properties)[KEY]
        causes[report.nodeid.split("::")[0]][cause].append(number)
    lines = []
    for notebook, by_cause in causes.items():
        unfinished = [c[3:] for c in by_cause if c.startswith("练习 ")]
        parts = []
        if unfinished:
            cells = sorted(n for c, ns in by_cause.items() if c.startswith("练习 ") for n in ns)
            parts.append(f"代码单元格 {_numbers(cells)} 用到了未完成或未通过的练习 {'、'.join(unfinished)}")
        parts += [f"代码单元格 {_numbers(ns)}：{c}" for c, ns in by_cause.items() if not c.startswith("练习 ")]
        lines.append(f"{notebook}：" + "；".join(parts))
    return lines


def _grouped(reports) -> dict[str, list[str]]:
    """Report texts, each once, with the tests that gave it (e.g. one import error in every test)."""
    groups: dict[str, list[str]] = {}
    for report in reports:
        groups.setdefault(report.longreprtext.strip(), []).append(report.nodeid)
    return groups


def _numbers(numbers: list[int]) -> str:
    return "、".join(str(n) for n in sorted(numbers))


def _encodable_writer(terminalreporter):
    """write_line, with what the terminal's encoding cannot show (✅ ⏳ in GBK, Chinese Windows) replaced by '?':
    pytest itself would print the whole line as \\u escapes."""
    encoding = getattr(getattr(terminalreporter, "_tw", None), "_file", None)
    encoding = getattr(encoding, "encoding", None) or "utf-8"

    def write(text: str) -> None:
        terminalreporter.write_line(text.encode(encoding, "replace").decode(encoding, "replace"))
    return write


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    failed = terminalreporter.stats.get("failed", []) + terminalreporter.stats.get("error", [])
    if not failed or config.option.tbstyle != "no":
        return
    cells = [r for r in failed if KEY in dict(r.user_properties)]
    others = [r for r in failed if KEY not in dict(r.user_properties)]
    write = _encodable_writer(terminalreporter)
    if others:
        terminalreporter.write_sep("=", "练习（每道一条结论；同样的结论也可以用 python -m coursekit check 查看）")
        for text, nodeids in _grouped(others).items():
            if text.startswith(("⏳", "❌", "✅", "⚠️")):
                write(text)
            else:                       # not a verdict: an error in the test itself, shown once
                where = nodeids[0] if len(nodeids) == 1 else f"{nodeids[0]} 等 {len(nodeids)} 个测试出现同样的错误："
                write(f"{where}\n{text}")
    if cells:
        terminalreporter.write_sep("=", "笔记本（nbval 重新运行了每个笔记本；代码单元格只数代码格，从 0 开始编号）")
        for line in notebook_lines(cells):
            write(line)
    write("完整的错误信息：pytest --tb=short（可以加上文件名，只看一个笔记本或一道练习）")
