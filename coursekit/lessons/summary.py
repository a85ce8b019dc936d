"""Notebook 09: what the student built, read from the exercise registry."""
from __future__ import annotations

from .. import exercises
from .intro import Table


def built_table() -> Table:
    """One row per exercise: where it is introduced, what it is, which file holds the student's code."""
    rows = [[e.section, e.id, e.title, "、".join(e.files), str(e.points)] for e in exercises.all_exercises()]
    total = sum(e.points for e in exercises.all_exercises())
    return Table(["笔记本", "练习", "内容", "文件", "分值"], rows, align=["l", "l", "l", "l", "r"],
                 caption=f"共 {len(rows)} 道练习，{total} 分")
