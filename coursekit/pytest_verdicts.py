"""pytest plugin of the student repository (its pyproject enables it with `-p coursekit.pytest_verdicts
--tb=no -rN`): one verdict per failing exercise and one line per notebook with failing cells, in Chinese,
instead of pages of tracebacks. `pytest --tb=short` still shows the details.

Exercise tests fail with `pytest.fail(verdict, pytrace=False)`, so their report text is the verdict. For a
notebook cell (nbval), the cause is read from the cell's error: a stub's `练习 <id> 尚未完成`, a check cell's
verdict, or else the error's last line.
"""
from __future__ import annotations

import os
import re
from collections import defaultdict

import pytest

ANSI = re.compile(r"\x1b\[[0-9;]*m")
STUB = re.compile(r"练习 (\S+?) 尚未完成")                    # a stub's NotImplementedError message
VERDICT = re.compile(r"^[⏳❌⚠️⏱]+\s*练习 (\S+?)（", re.MULTILINE)   # a check cell's verdict
KEY = "coursekit-cell"


def cell_cause(error) -> str:
    """Why an nbval cell failed, in one short line (an exercise id when an unfinished exercise is why)."""
    text = ANSI.sub("", str(getattr(error, "inner_traceback", "") or ""))
    # the last match: IPython's traceback also shows the code around each frame, stubs not reached included
    found = (STUB.findall(text) or VERDICT.findall(text) or [None])[-1]
    if found:
        return f"练习 {found}"
    if str(error).startswith("Cell outputs differ"):
        return "输出与笔记本中保存的不同"
    if str(error).startswith("Timeout of"):
        return ("运行超时，已被中断（很可能是 minigrad 里的死循环：用 check(\"练习编号\") 或 "
                "python -m coursekit check 可以找到是哪个函数）")
    return _error_line(text) or str(error).splitlines()[0][:160]


ERROR_LINE = re.compile(r"^(?:[A-Za-z_][\w.]*\.)?[A-Z]\w*(?:Error|Exception|Exit|Interrupt|Iteration|Warning)\b:?.*$")


def _error_line(text: str) -> str:
    """The last `SomeError: message` line of a traceback: never the tail of a message that goes on over
    several lines (a numpy array printed in an assertion), which says nothing by itself."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    found = [line for line in lines if ERROR_LINE.match(line) and "Traceback" not in line]
    return found[-1][:160] if found else ""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and call.excinfo is not None and isinstance(getattr(call.excinfo.value, "cell_num", None), int):
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


def _without_repeats(groups: dict[str, list[str]]) -> dict[str, list[str]]:
    """Verdicts whose details (every line after the first) were already shown, as another verdict's details
    or as a whole verdict (a prerequisite's, quoted indented by the exercises that use it), keep only their
    first line and a pointer: a failing 2.1-vjp is told once, not once more by every exercise built on it."""
    def plain(block: str) -> str:
        return "\n".join(line.strip() for line in block.strip().splitlines())
    shown, result = set(), {}
    for text, nodeids in groups.items():
        first, _, details = text.partition("\n")
        if details.strip() and plain(details) in shown:
            text = f"{first}\n  （详情与上面的结论相同）"
        shown.update({plain(details), plain(text)})
        result[text] = nodeids
    return result


def _numbers(numbers: list[int]) -> str:
    """nbval's own numbers (code cells counted from 0), so that `Cell 13` in pytest's output is the same cell."""
    return "、".join(f"Cell {n}" for n in sorted(numbers))


def _properties(report) -> dict:
    return dict(getattr(report, "user_properties", ()))      # a CollectReport has none


def _collection_error(report) -> str:
    """A file pytest could not even read (a notebook that is not valid JSON...), in one line."""
    lines = [line.strip() for line in ANSI.sub("", report.longreprtext).splitlines() if line.strip()]
    last = re.sub(r"^E\s+", "", lines[-1])[:200] if lines else "?"
    hint = "请在 JupyterLab 中打开它，确认能打开后保存" if report.nodeid.endswith(".ipynb") else "请改正后保存"
    return f"{report.nodeid}：无法读取（{last}）。{hint}。"


def pytest_configure(config):
    """Options that name files (nbval's sanitize file) hold paths relative to the course folder: make them
    work from a subfolder too (`cd chapters && pytest`)."""
    path = getattr(config.option, "nbval_sanitize_with", None)
    if path and not os.path.isabs(path) and not os.path.exists(path) and (config.rootpath / path).exists():
        config.option.nbval_sanitize_with = str(config.rootpath / path)


def _encodable_writer(terminalreporter):
    """write_line, with what the terminal's encoding cannot show (✅ ⏳ in GBK, Chinese Windows) replaced by '?':
    pytest itself would print the whole line as \\u escapes."""
    encoding = getattr(getattr(terminalreporter, "_tw", None), "_file", None)
    encoding = getattr(encoding, "encoding", None) or "utf-8"

    def write(text: str) -> None:
        terminalreporter.write_line(text.encode(encoding, "replace").decode(encoding, "replace"))
    return write


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    write = _encodable_writer(terminalreporter)
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        write(f"这里没有测试：请在课程文件夹（{config.rootpath}）中运行 pytest。")
        return
    failed = terminalreporter.stats.get("failed", []) + terminalreporter.stats.get("error", [])
    if not failed or config.option.tbstyle != "no":
        return
    unreadable = [r for r in failed if isinstance(r, pytest.CollectReport)]
    failed = [r for r in failed if not isinstance(r, pytest.CollectReport)]
    cells = [r for r in failed if KEY in _properties(r)]
    others = [r for r in failed if KEY not in _properties(r)]
    for report in unreadable:
        write(_collection_error(report))
    if others:
        terminalreporter.write_sep("=", "练习（每道一条结论；同样的结论也可以用 python -m coursekit check 查看）")
        for text, nodeids in _without_repeats(_grouped(others)).items():
            if text.startswith(("⏳", "❌", "✅", "⚠️", "⏱")):
                write(text)
            else:                       # not a verdict: an error in the test itself, shown once
                where = nodeids[0] if len(nodeids) == 1 else f"{nodeids[0]} 等 {len(nodeids)} 个测试出现同样的错误："
                write(f"{where}\n{text}")
    if cells:
        terminalreporter.write_sep("=", "笔记本（nbval 重新运行了每个笔记本；Cell N：只数代码格、从 0 数起，与 pytest 的编号相同）")
        for line in notebook_lines(cells):
            write(line)
    write("完整的错误信息：pytest --tb=short（可以加上文件名，只看一个笔记本或一道练习）")
