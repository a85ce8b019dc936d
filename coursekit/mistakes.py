"""The catalogue of students' mistakes (tests/mistakes/) and the validator step that proves the checks
catch every one of them.

An entry is one realistic wrong solution of one exercise: a small edit of one solution region (an exact
old substring of a `### BEGIN SOLUTION <id>` region, in any file of solutions/minigrad or in the
exercise's notebook cell, and its replacement), or a whole wrong answer cell. With it go the hint the
student should read (a substring expected in the verdict) and a line saying what the mistake is.

The step applies each entry to a copy of the solutions, runs that exercise's self-check in-process on a
fresh import of the copied engine (coursekit.engine.fresh_engine), and counts the entries

    caught      the exercise does not pass, and its verdict does not call it unfinished;
    attributed  caught, and the verdict names the entry's exercise (练习 <id>) and its file (its `where`);
    hinted      caught, and the entry's hint appears in the verdict (coursekit.verdicts.verdict).
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from multiprocessing import get_context
from pathlib import Path

from . import answers, exercises, verdicts
from .engine import fresh_engine
from .markers import solution_regions

CATALOGUE = "tests/mistakes"
UNFINISHED = ("还没有完成", "尚未完成", "⏳")


CANNOT_APPLY = "cannot apply the entry: "


class CatalogueError(ValueError):
    """An entry that cannot be applied: its old text is not in exactly one region of its exercise."""


@dataclass(frozen=True)
class Mistake:
    about: str                 # what the student did wrong (English, for maintainers)
    old: str = ""              # exact text inside one solution region of the exercise ...
    new: str = ""              # ... and what the student wrote instead
    hint: str = ""             # Chinese: a substring the verdict must contain
    cell: str | None = None    # notebook exercises: a whole wrong answer cell instead of an edit
    everywhere: bool = False   # the same slip in every region of the exercise that holds `old`
    exercise: str = ""         # filled in from the catalogue file's EXERCISE
    file: str = ""             # filled in: the catalogue file that holds the entry


@dataclass(frozen=True)
class Outcome:
    mistake: Mistake
    caught: bool
    attributed: bool
    hinted: bool
    verdict: str


# ---------------------------------------------------------------- reading the catalogue

def load_catalogue(root: Path) -> list[Mistake]:
    """Every entry of tests/mistakes/*.py (each file: EXERCISE = id, MISTAKES = [Mistake(...), ...])."""
    entries = []
    for path in sorted((Path(root) / CATALOGUE).glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"mistakes_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        entries += [replace(m, exercise=module.EXERCISE, file=f"{CATALOGUE}/{path.name}") for m in module.MISTAKES]
    return entries


# ---------------------------------------------------------------- applying an entry

def _edit_regions(text: str, path: str, mistake: Mistake) -> tuple[str, int]:
    """`text` with mistake.old replaced inside the exercise's regions, and how many places matched."""
    lines = text.splitlines(keepends=True)
    found = 0
    for region in reversed(solution_regions(text, path)):
        if region.id not in (mistake.exercise, None):
            continue
        body = "".join(lines[region.begin:region.end - 1])
        found += body.count(mistake.old)
        if mistake.old in body:
            lines[region.begin:region.end - 1] = [body.replace(mistake.old, mistake.new)]
    return "".join(lines), found


def _unique_edit(texts: dict, mistake: Mistake) -> dict:
    """{name: edited text} of the one text whose region of the exercise holds mistake.old once (of every
    text holding it, for an entry marked `everywhere`)."""
    hits = []
    for name, text in texts.items():
        edited, found = _edit_regions(text, name, mistake)
        hits += [(name, edited)] * found
    if mistake.everywhere and hits:
        return dict(hits)
    if not hits:
        raise CatalogueError(f"its `old` text is no longer in the solution regions of {mistake.exercise} (the "
                             f"solution changed?): update the entry in {mistake.file or CATALOGUE} to the solution's "
                             f"current text: {mistake.old!r}")
    if len(hits) != 1:
        raise CatalogueError(f"its `old` text occurs {len(hits)} times in the solution regions of "
                             f"{mistake.exercise}, not once: make it longer in {mistake.file or CATALOGUE} "
                             f"(or mark the entry everywhere=True): {mistake.old!r}")
    return dict(hits)


def answer_cell(solutions: Path, exercise) -> str:
    """The solution cell of a notebook exercise."""
    source = answers.answer_source(answers.read_notebook(solutions / exercise.where), exercise.id)
    if not source:
        raise CatalogueError(f"{exercise.where} has no answer cell for {exercise.id}")
    return source


def wrong_engine(solutions: Path, mistake: Mistake, folder: Path) -> Path:
    """A copy of solutions/minigrad in `folder` with the mistake applied; returns the engine root."""
    engine = Path(folder) / "minigrad"
    shutil.copytree(solutions / "minigrad", engine, ignore=shutil.ignore_patterns("__pycache__"))
    texts = {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8") for p in engine.rglob("*.py")}
    for name, edited in _unique_edit(texts, mistake).items():
        (Path(folder) / name).write_text(edited, encoding="utf-8")
    return Path(folder)


def wrong_cell(solutions: Path, mistake: Mistake, exercise) -> str:
    if mistake.cell is not None:
        return mistake.cell
    return _unique_edit({exercise.where: answer_cell(solutions, exercise)}, mistake)[exercise.where]


def defined_answer(source: str, exercise, root: Path):
    """The function the answer cell defines, run as the grader runs it, on the engine in `root`."""
    with fresh_engine(root) as minigrad:
        return answers.define_answer(exercise, source, minigrad)


# ---------------------------------------------------------------- judging an entry

def outcome_of(mistake: Mistake, report, text: str) -> Outcome:
    caught = not report.passed and not any(word in text for word in UNFINISHED)
    attributed = (caught and report.exercise.id == mistake.exercise and f"练习 {mistake.exercise}" in text
                  and report.exercise.where in text)       # and the file (or ops/ folder) of its code
    hinted = caught and bool(mistake.hint) and mistake.hint in text
    return Outcome(mistake, caught, attributed, hinted, text)


def try_mistake(solutions: Path, mistake: Mistake) -> Outcome:
    """Apply one entry to a copy of the solutions and run its exercise's self-check in this process."""
    exercise = exercises.get(mistake.exercise)
    if exercise.answer:
        answer = defined_answer(wrong_cell(solutions, mistake, exercise), exercise, solutions)
        report = verdicts.run(exercise.id, answer, root=solutions)
        return outcome_of(mistake, report, verdicts.verdict(report))
    with tempfile.TemporaryDirectory(prefix="coursekit-mistake-") as folder:
        root = wrong_engine(solutions, mistake, Path(folder))
        report = verdicts.run(exercise.id, root=root)
        return outcome_of(mistake, report, verdicts.verdict(report))


def _worker_init() -> None:
    import warnings

    import torch
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")          # wrong solutions divide by zero, take logs of negatives...


def _try_or_say(solutions: Path, mistake: Mistake) -> Outcome:
    try:
        return try_mistake(solutions, mistake)
    except CatalogueError as error:
        return Outcome(mistake, False, False, False, f"{CANNOT_APPLY}{error}")


def _try_batch(solutions: str, batch: list[Mistake]) -> list[Outcome]:
    return [_try_or_say(Path(solutions), m) for m in batch]


def in_workers(run_batch, solutions: Path, items: list, workers: int | None = None) -> list:
    """run_batch(str(solutions), batch) for `items` split over `workers` spawned processes (each imports
    torch once and runs its share in-process); the results in the order of `items`."""
    workers = max(1, min(workers or os.cpu_count() or 1, len(items)))
    batches = [items[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=_worker_init) as pool:
        results = list(pool.map(run_batch, [str(solutions)] * workers, batches))
    by_item = {id(m): o for batch, outcomes in zip(batches, results) for m, o in zip(batch, outcomes)}
    return [by_item[id(m)] for m in items]


def try_all(solutions: Path, mistakes: list[Mistake], workers: int | None = None) -> list[Outcome]:
    """Every entry, in `workers` processes."""
    return in_workers(_try_batch, solutions, mistakes, workers)


def summary(outcomes: list[Outcome]) -> str:
    n = len(outcomes)
    count = {k: sum(getattr(o, k) for o in outcomes) for k in ("caught", "attributed", "hinted")}
    return (f"mistakes-caught: {n} entries, caught {count['caught']}/{n}, attributed {count['attributed']}/{n}, "
            f"hinted {count['hinted']}/{n} ({100 * count['hinted'] / max(n, 1):.0f}%)")


def catalogue_problems(root: Path, solutions: Path, echo=print, workers: int | None = None) -> list[tuple[str, str]]:
    """The validator step: (file, what to do) for every entry not caught or not attributed."""
    mistakes = load_catalogue(root)
    if not mistakes:
        return [(CATALOGUE, "no catalogue entries found: add tests/mistakes/<exercise>.py files")]
    outcomes = try_all(solutions, mistakes, workers)
    echo(summary(outcomes))
    problems = []
    for o in outcomes:
        where, first = f"{o.mistake.file or CATALOGUE} ({o.mistake.exercise}: {o.mistake.about})", \
            o.verdict.strip().splitlines()[0]
        if first.startswith(CANNOT_APPLY):
            problems.append((where, first))
        elif not o.caught:
            problems.append((where, f"not caught, the verdict says: {first[:200]} -- make the checks test what "
                                    f"this mistake breaks (or fix the entry)"))
        elif not o.attributed:
            problems.append((where, f"caught but the verdict does not name 练习 {o.mistake.exercise} and its file: {first[:200]}"))
    return problems
