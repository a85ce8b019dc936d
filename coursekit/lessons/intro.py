"""Shared pieces of the chapter's introduction notebooks (00-04): a small table that shows itself in
Jupyter (HTML) and in a terminal (text), and the course's table of contents built from the registry."""
from __future__ import annotations

import html
import unicodedata
from dataclasses import dataclass, field

from .. import exercises

# The notebooks of the chapter, in order: (file stem, Chinese title, the part of the text it covers).
NOTEBOOKS = (
    ("00_index", "目录与使用说明", "Chapter2 Preliminaries"),
    ("01_four_ways", "让计算机求导的四种方式", "2.1 引言"),
    ("02_graph_and_forward_mode", "计算图与前向模式", "2.1 引言"),
    ("03_reverse_mode", "反向模式与内存开销", "2.1 引言"),
    ("04_matrix_order", "矩阵乘法的顺序：前向还是反向", "2.1 引言"),
    ("05_simple_example", "一个简单的例子", "2.1.1"),
    ("06_nonscalar_backward", "非标量变量的反向传播", "2.1.2"),
    ("07_detach", "分离计算", "2.1.3"),
    ("08_control_flow", "Python控制流的梯度计算", "2.1.4"),
    ("09_summary", "小结与参考文献", "2.1.5、2.1.6"),
    ("10_exercises", "练习", "练习"),
    ("11_capstone_mlp", "综合项目：用 minigrad 训练手写数字 MLP", "综合项目"),
    ("12_glossary", "术语表", "—"),
)


@dataclass
class Table:
    """Rows of strings with a header; `caption` is shown above the table."""
    header: list[str]
    rows: list[list[str]]
    caption: str = ""
    align: list[str] = field(default_factory=list)   # "l" or "r" per column; default: left

    def _align(self, i: int) -> str:
        return self.align[i] if i < len(self.align) else "l"

    def __str__(self) -> str:
        cells = [self.header, *self.rows]
        widths = [max(_width(row[i]) for row in cells) for i in range(len(self.header))]

        def line(row):
            return "  ".join(_pad(c, w, self._align(i)) for i, (c, w) in enumerate(zip(row, widths))).rstrip()
        body = [line(self.header), "  ".join("-" * w for w in widths), *map(line, self.rows)]
        return "\n".join(([self.caption] if self.caption else []) + body)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        def row(cells, tag):
            return "<tr>" + "".join(
                f'<{tag} style="text-align:{"right" if self._align(i) == "r" else "left"}">{html.escape(c)}</{tag}>'
                for i, c in enumerate(cells)) + "</tr>"
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        return (f"<table>{caption}<thead>{row(self.header, 'th')}</thead>"
                f"<tbody>{''.join(row(r, 'td') for r in self.rows)}</tbody></table>")


def _width(text: str) -> int:
    """Display width in a terminal: CJK characters take two columns, combining accents (v̇, v̄) none."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
               for ch in text)


def _pad(text: str, width: int, align: str) -> str:
    space = " " * (width - _width(text))
    return space + text if align == "r" else text + space


def contents_markdown() -> str:
    """The table of contents as Markdown: every notebook (linked) with the exercises the registry places in it."""
    by_notebook: dict[str, list[str]] = {}
    for exercise in exercises.all_exercises():
        entry = f"`{exercise.id}` {exercise.title}（{exercise.points} 分）"
        by_notebook.setdefault(exercise.section, []).append(entry)
    lines = ["| 笔记本 | 对应课文 | 练习 |", "|---|---|---|"]
    for stem, title, part in NOTEBOOKS:
        listed = "<br>".join(by_notebook.get(stem, [])) or "—"
        lines.append(f"| [{stem[:2]} {title}]({stem}.ipynb) | {part} | {listed} |")
    return "\n".join(lines)


def unplaced_exercises() -> list[str]:
    """Exercise ids whose notebook is not in NOTEBOOKS (should be empty)."""
    stems = {stem for stem, _, _ in NOTEBOOKS}
    return [e.id for e in exercises.all_exercises() if e.section not in stems]
