"""The course being built: its folders, its registry, and reading its files with clear errors."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .. import exercises as registry

IGNORED_NAMES = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".DS_Store"}


class CourseInputError(Exception):
    """Bad input (malformed notebook, missing file, unknown id): the CLI prints it and exits with 2."""


@dataclass
class Course:
    root: Path
    exercises: tuple = field(default_factory=registry.all_exercises)

    def __post_init__(self):
        self.root = Path(self.root).resolve()

    @property
    def solutions(self) -> Path:
        return self.root / "solutions"

    @property
    def titles(self) -> dict[str, str]:
        return {e.id: e.title for e in self.exercises}

    def get(self, exercise_id: str):
        for exercise in self.exercises:
            if exercise.id == exercise_id:
                return exercise
        raise CourseInputError(f"unknown exercise id {exercise_id!r}; known ids: "
                               f"{', '.join(e.id for e in self.exercises)}")

    def require(self, relative: str) -> Path:
        path = self.root / relative
        if not path.exists():
            raise CourseInputError(f"{relative}: missing (expected under {self.root})")
        return path

    def notebooks(self) -> list[Path]:
        """The solution notebooks, sorted by name."""
        return sorted(self.require("solutions/chapters").glob("*.ipynb"))

    def relative(self, path: Path) -> str:
        try:
            return Path(path).resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


def files_under(folder: Path) -> list[Path]:
    """Every file below `folder`, sorted, without caches and checkpoints."""
    return sorted(p for p in Path(folder).rglob("*")
                  if p.is_file() and not IGNORED_NAMES.intersection(p.relative_to(folder).parts)
                  and p.suffix != ".pyc")


def read_notebook(path: Path, shown_as: str | None = None) -> nbformat.NotebookNode:
    """A valid nbformat-4 notebook, or CourseInputError naming the file and what is wrong."""
    name = shown_as or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
        raw = json.loads(text)
    except FileNotFoundError:
        raise CourseInputError(f"{name}: missing") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CourseInputError(f"{name}: not valid JSON ({error}); restore it from git or re-save it in Jupyter") from None
    if not isinstance(raw, dict) or raw.get("nbformat") != 4:
        version = raw.get("nbformat") if isinstance(raw, dict) else None
        raise CourseInputError(f"{name}: not an nbformat 4 notebook (nbformat={version!r}); "
                               f"re-save it with Jupyter or nbformat 5")
    if raw.get("nbformat_minor", 0) >= 5:
        missing = [i for i, cell in enumerate(raw.get("cells", [])) if not isinstance(cell, dict) or "id" not in cell]
        if missing:      # nbformat would invent random ids: builds would differ
            raise CourseInputError(f"{name}: cell {missing[0]} has no id (nbformat 4.5 needs one per cell); "
                                   f"re-save the notebook with Jupyter or nbformat")
    try:
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except nbformat.ValidationError as error:
        raise CourseInputError(f"{name}: invalid notebook: {error.message}") from None
    return notebook


def notebook_bytes(notebook: nbformat.NotebookNode) -> bytes:
    """The notebook as nbformat writes it (sorted keys, indent 1), ending with one newline."""
    text = nbformat.writes(notebook, version=4)
    return (text if text.endswith("\n") else text + "\n").encode("utf-8")


def read_text(path: Path, shown_as: str | None = None) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CourseInputError(f"{shown_as or path}: missing") from None
    except UnicodeDecodeError:
        raise CourseInputError(f"{shown_as or path}: not UTF-8 text") from None
