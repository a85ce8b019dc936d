"""The exercise cells of a submission's notebooks, read once per notebook by the trusted grader.

A notebook is the student's data: whatever is wrong with it (not JSON, nested too deep for the parser,
over the size limit, cells of the wrong shape) costs only the exercises that live in it, each with a
Chinese line saying why. Nothing here raises anything but AnswerNotFound for a bad notebook.
"""
from __future__ import annotations

from ..answers import AnswerNotFound, answer_source, read_notebook
from .submission import Submission

MAX_CELL_CHARS = 200_000
REOPEN = "请在 JupyterLab 中打开它，确认能打开后保存，再提交"


class Notebooks:
    """The submission's notebooks, each parsed at most once (a 2 MB notebook is not parsed per exercise)."""

    def __init__(self, submission: Submission):
        self.submission = submission
        self.read: dict[str, object] = {}          # where -> the notebook, or the AnswerNotFound it raised

    def notebook(self, where: str):
        if where not in self.read:
            try:
                self.read[where] = self._parse(where)
            except AnswerNotFound as error:
                self.read[where] = error
        found = self.read[where]
        if isinstance(found, AnswerNotFound):
            raise found
        return found

    def _parse(self, where: str):
        skipped = self.submission.skipped.get(where)
        if skipped:
            raise AnswerNotFound(f"{where}：没有读取这个笔记本（{skipped}）")
        path = self.submission.root / where
        if not path.is_file():
            raise AnswerNotFound(f"提交中没有 {where}")
        try:
            return read_notebook(path, where)
        except AnswerNotFound:
            raise
        except Exception as error:      # noqa: BLE001 - any failure to parse the student's file is the file's
            raise AnswerNotFound(f"{where}：无法读取这个笔记本（{type(error).__name__}）。{REOPEN}") from None

    def answer(self, exercise) -> str:
        """The exercise cell's source; AnswerNotFound with a Chinese reason."""
        where = exercise.where
        notebook = self.notebook(where)
        try:
            source = answer_source(notebook, exercise.id)
        except Exception as error:      # noqa: BLE001 - e.g. a cell whose source or metadata has the wrong type
            raise AnswerNotFound(f"{where}：练习 {exercise.id} 的单元格格式不对（{type(error).__name__}）。"
                                 f"{REOPEN}") from None
        if not source:
            raise AnswerNotFound(f"{where} 中没有 grade_id 为 {exercise.id} 的练习单元格")
        if len(source) > MAX_CELL_CHARS:
            raise AnswerNotFound(f"练习 {exercise.id} 的单元格超过 {MAX_CELL_CHARS} 个字符")
        return source
