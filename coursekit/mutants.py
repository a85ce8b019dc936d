"""Mutants of the exercise code, and whether each exercise's own check catches them.

A mutant is the solutions with one change inside one exercise's code: a solution region of
solutions/minigrad, or the function an answer cell of a notebook exercise defines. Two kinds:

    pass_mutants       each region's body replaced by `pass` (and each answer function's body): the
                       validator step `regions-needed` proves no exercise can be passed with no code;
    operator_mutants   cosmic-ray's mutation operators (operators, comparisons, constants, booleans,
                       loops, exceptions) applied at every position inside the regions, plus a statement
                       deleted (replaced by `pass`): dev/mutation.py, and a fixed sample in the tests.

cosmic-ray's own runner mutates whole modules and runs a test command in a new process per mutant
(importing torch each time, about 3 s); its operators are used here as a library instead, aimed at the
positions inside the regions, and each mutant runs in-process in a worker that imported torch once.

A mutant is caught when its exercise's self-check (the public cases a student runs) does not pass and
the verdict names the exercise (练习 <id>).
"""
from __future__ import annotations

import ast
import hashlib
import shutil
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

from .markers import solution_regions

TIMEOUT = 5.0            # seconds for a mutant's check: a mutated loop may never end


@dataclass(frozen=True)
class Mutant:
    exercise: str
    file: str            # relative to solutions/: minigrad/numdiff.py, or the notebook of an answer cell
    line: int            # 1-based, in the file (an answer cell: in the cell)
    operator: str        # "pass" (a whole body), "statement" or cosmic-ray's operator name
    before: str          # the line as written ...
    after: str           # ... and as mutated (first changed line)
    source: str          # the whole mutated file, or the mutated answer cell

    @property
    def key(self) -> str:
        """Stable across unrelated edits: the exercise, file, operator and the changed line's text."""
        digest = hashlib.sha1(f"{self.before.strip()}\n{self.after.strip()}".encode()).hexdigest()[:10]
        return f"{self.exercise}|{self.file}|{self.operator}|{digest}"


@dataclass(frozen=True)
class Outcome:
    mutant: Mutant
    passed: bool          # the exercise's check passed: the mutant survived
    attributed: bool      # the verdict names 练习 <exercise>
    verdict: str


# ---------------------------------------------------------------- where the exercise code is

def engine_texts(solutions: Path) -> dict[str, str]:
    """{minigrad/...py: text} of every engine file holding a solution region."""
    found = {}
    for path in sorted((Path(solutions) / "minigrad").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(solutions).as_posix()
        if solution_regions(text, name):
            found[name] = text
    return found


def _spans(text: str, name: str) -> list[tuple[str, int, int]]:
    """(exercise, first body line, last body line) of each solution region, 1-based."""
    return [(r.id, r.begin + 1, r.end - 1) for r in solution_regions(text, name)]


def answer_cells(solutions: Path) -> dict[str, str]:
    """{exercise id: the solution answer cell} of every notebook exercise."""
    from . import exercises
    from .mistakes import answer_cell
    return {e.id: answer_cell(Path(solutions), e) for e in exercises.all_exercises() if e.answer}


def _answer_span(source: str, name: str) -> tuple[int, int]:
    """First and last line of the body of function `name` in an answer cell (its docstring left out)."""
    from .answers import runnable
    for node in ast.walk(ast.parse(runnable(source))):
        if isinstance(node, ast.FunctionDef) and node.name == name:
            body = node.body[1:] if ast.get_docstring(node) and len(node.body) > 1 else node.body
            return body[0].lineno, node.end_lineno
    raise ValueError(f"the answer cell does not define {name}()")


def _with_pass(text: str, first: int, last: int) -> str:
    return _splice(text, first, last, "pass\n")


def _exercise_spans(solutions: Path):
    """(exercise, file, text, first, last) for every region and every answer function."""
    from . import exercises
    for name, text in engine_texts(solutions).items():
        for exercise, first, last in _spans(text, name):
            yield exercise, name, text, first, last
    for exercise_id, source in answer_cells(solutions).items():
        exercise = exercises.get(exercise_id)
        yield exercise_id, exercise.where, source, *_answer_span(source, exercise.answer)


def pass_mutants(solutions: Path) -> list[Mutant]:
    """Each region (each answer function's body) replaced by `pass`, one at a time."""
    mutants = []
    for exercise, name, text, first, last in _exercise_spans(solutions):
        before = text.splitlines()[first - 1]
        mutants.append(Mutant(exercise, name, first, "pass", before, "pass", _with_pass(text, first, last)))
    return mutants


# ---------------------------------------------------------------- cosmic-ray's operators, inside the spans

SKIPPED_OPERATORS = ("core/VariableReplacer", "core/VariableInserter",   # need arguments, random targets
                     "core/RemoveDecorator")                             # no decorators inside regions
SHIFT_AND_BITS = ("RShift", "LShift", "BitOr", "BitAnd", "BitXor", "FloorDiv", "Mod")


def operator_names(full: bool = True) -> list[str]:
    """cosmic-ray's core operators; without `full`, a binary operator is replaced only by an arithmetic one
    (+ - * / **: on tensors the bitwise and shift replacements all fail the same way, with a TypeError)."""
    import cosmic_ray.plugins
    names = [n for n in cosmic_ray.plugins.operator_names() if n.startswith("core/") and n not in SKIPPED_OPERATORS]
    if not full:
        names = [n for n in names if not (n.startswith("core/ReplaceBinaryOperator_")
                                          and any(f"_{s}" in n for s in SHIFT_AND_BITS))]
    return names


def _positions(code: str, operator) -> int:
    """How many positions the operator can mutate in `code` (cosmic-ray's MutationVisitor counts them in
    this order)."""
    from cosmic_ray.ast import ast_nodes, get_ast
    return sum(len(list(operator.mutation_positions(node))) for node in ast_nodes(get_ast(code)))


def _splice(text: str, first: int, last: int, body: str) -> str:
    """`text` with lines first..last (1-based) replaced by `body`, indented as the first of them."""
    lines = text.splitlines(keepends=True)
    indent = _indent(lines[first - 1])
    new = [f"{indent}{line}" if line.strip() else line for line in body.splitlines(keepends=True)]
    return "".join(lines[:first - 1] + new + lines[last:])


def _indent(line: str) -> str:
    return line[:len(line) - len(line.lstrip())]


def _changed_line(code: str, mutated: str) -> tuple[int, str, str]:
    """(1-based line in the snippet, the line before, after) of the first difference."""
    old, new = code.splitlines(), mutated.splitlines()
    for number, (a, b) in enumerate(zip(old, new), start=1):
        if a != b:
            return number, a, b
    number = min(len(old), len(new)) or 1
    return number, old[number - 1] if number <= len(old) else "", "(removed)"


def _statement_deletions(code: str) -> list[str]:
    """`code` with one simple statement replaced by `pass`, for each statement (loops and ifs kept)."""
    lines = code.splitlines(keepends=True)
    found = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.stmt) and not isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.If, ast.For,
                                                                ast.While, ast.With, ast.Try, ast.Pass)):
            indent = lines[node.lineno - 1][:node.col_offset]
            found.append("".join(lines[:node.lineno - 1] + [f"{indent}pass\n"] + lines[node.end_lineno:]))
    return found


def _snippet_mutations(code: str, full: bool):
    """(operator, mutated code) for every cosmic-ray mutation and statement deletion of `code`."""
    import cosmic_ray.plugins
    from cosmic_ray.mutating import mutate_code
    for op_name in operator_names(full):
        operator = cosmic_ray.plugins.get_operator(op_name)()
        for occurrence in range(_positions(code, operator)):
            mutated = mutate_code(code, operator, occurrence)
            if mutated is not None and mutated != code:
                yield op_name, mutated
    for mutated in _statement_deletions(code):
        yield "statement", mutated


def operator_mutants(solutions: Path, full: bool = True) -> list[Mutant]:
    """Every cosmic-ray mutation (and every statement deletion) inside an exercise's code. Each span is
    mutated on its own (dedented: parso parses a few lines instead of the whole file), then put back."""
    from .answers import runnable
    mutants = []
    for exercise, name, text, first, last in _exercise_spans(solutions):
        code = textwrap.dedent("".join(runnable(text).splitlines(keepends=True)[first - 1:last]))
        for op_name, mutated in _snippet_mutations(code, full):
            number, before, after = _changed_line(code, mutated)
            mutants.append(Mutant(exercise, name, first + number - 1, op_name, before, after,
                                  _splice(text, first, last, mutated)))
    return mutants


# ---------------------------------------------------------------- running a mutant

def mutated_root(solutions: Path, mutant: Mutant, folder: Path) -> Path:
    """The engine root to check the mutant on: a copy of the solutions' engine with the mutated file in
    `folder` (an answer-cell mutant runs on the solutions' own engine)."""
    from . import exercises
    if exercises.get(mutant.exercise).answer:
        return Path(solutions)
    shutil.copytree(Path(solutions) / "minigrad", Path(folder) / "minigrad", ignore=shutil.ignore_patterns("__pycache__"))
    (Path(folder) / mutant.file).write_text(mutant.source, encoding="utf-8")
    return Path(folder)


def run_mutant(solutions: Path, mutant: Mutant, timeout: float = TIMEOUT) -> Outcome:
    """The mutant's exercise checked, in this process, on a fresh import of the mutated engine."""
    from . import exercises, verdicts
    from .engine import EngineImportError
    from .mistakes import defined_answer as define_answer
    exercise = exercises.get(mutant.exercise)
    try:
        with tempfile.TemporaryDirectory(prefix="coursekit-mutant-") as folder:
            root = mutated_root(solutions, mutant, Path(folder))
            answer = define_answer(mutant.source, exercise, root) if exercise.answer else None
            report = verdicts.run(exercise.id, answer, root=root, timeout=timeout)
    except (EngineImportError, SyntaxError, NameError, TypeError) as error:   # the mutant does not even load
        return Outcome(mutant, False, True, f"does not load: {type(error).__name__}: {error}")
    text = verdicts.verdict(report)
    return Outcome(mutant, report.passed, f"练习 {mutant.exercise}" in text, text)


def _run_batch(solutions: str, batch: list[Mutant]) -> list[Outcome]:
    return [run_mutant(Path(solutions), m) for m in batch]


def run_all(solutions: Path, mutants: list[Mutant], workers: int | None = None) -> list[Outcome]:
    from .mistakes import in_workers
    return in_workers(_run_batch, solutions, mutants, workers)


def caught(outcome: Outcome) -> bool:
    return not outcome.passed and outcome.attributed


def keyed(mutants: list[Mutant]) -> dict[str, Mutant]:
    """{key: mutant}; the same change made twice in one file gets #2, #3... in the order found."""
    found: dict[str, Mutant] = {}
    for mutant in mutants:
        key, n = mutant.key, 1
        while key in found:
            n += 1
            key = f"{mutant.key}#{n}"
        found[key] = mutant
    return found


# ---------------------------------------------------------------- equivalent mutants: a differential run

def differential(solutions: Path, mutant: Mutant, seeds: int = 20) -> str:
    """'' when the mutant agrees with PyTorch on the public cases and on `seeds` draws of the hidden ones
    (random programs, shapes, dtypes); else the first disagreement."""
    import numpy as np
    import torch

    from . import exercises
    from .runner import exercise_cases, run_exercise
    from .checks import hidden
    from .engine import fresh_engine
    from .mistakes import defined_answer as define_answer
    exercise = exercises.get(mutant.exercise)
    with tempfile.TemporaryDirectory(prefix="coursekit-mutant-") as folder:
        root = mutated_root(solutions, mutant, Path(folder))
        answer = define_answer(mutant.source, exercise, root) if exercise.answer else None
        with fresh_engine(root) as lib:
            for seed in range(seeds):
                rng = np.random.default_rng(seed)
                cases = [*exercise_cases(exercise), *((c, k) for c in exercise.checks for k in hidden.cases_for(c, rng))]
                report = run_exercise(exercise, lib, torch, answer, timeout=30, cases=cases)
                if not report.passed:
                    problem = report.first_problem
                    return f"seed {seed}: {problem.check} · {problem.case}: {problem.message.splitlines()[:1]}"
    return ""


def _differential_batch(solutions: str, batch: list[Mutant]) -> list[str]:
    return [differential(Path(solutions), m) for m in batch]


def differential_all(solutions: Path, mutants: list[Mutant], workers: int | None = None) -> list[str]:
    from .mistakes import in_workers
    return in_workers(_differential_batch, solutions, mutants, workers)


def load_equivalents(path: Path) -> dict[str, str]:
    """{mutant key: why it is equivalent} from the reviewed list (TOML: [[equivalent]] key, change, reason)."""
    import tomllib
    if not Path(path).exists():
        return {}
    entries = tomllib.loads(Path(path).read_text(encoding="utf-8")).get("equivalent", [])
    return {entry["key"]: entry["reason"] for entry in entries}
