"""The output folder between runs: results already there (trusted only when their digest verifies), and
putting back any result file that changed while children ran."""
from __future__ import annotations

import shutil
from pathlib import Path

from .results import parse_results, verified, write_atomic

RESULT_FILES = ("feedback.md", "results.json")


def snapshot(out: Path, names: list[str]) -> dict[Path, bytes | None]:
    """The result files of these submissions as they are now (None: absent)."""
    files = {}
    for name in names:
        for file in RESULT_FILES:
            path = out / name / file
            files[path] = path.read_bytes() if path.is_file() and not path.is_symlink() else None
    return files


def settle(expected: dict[Path, bytes | None]) -> None:
    """Make every result file exactly what this process wrote or found before grading started (a second
    line of defence: no child can reach the output folder, and a rerun checks every digest)."""
    for path, data in expected.items():
        current = path.read_bytes() if path.is_file() and not path.is_symlink() else None
        if current == data and not path.is_symlink():
            continue
        if path.parent.is_symlink():
            path.parent.unlink()
        if path.is_symlink():
            path.unlink()
        elif path.is_dir():
            shutil.rmtree(path)
        if data is None:
            path.unlink(missing_ok=True)
        else:
            write_atomic(path, data.decode("utf-8"))


def previous(files: dict[Path, bytes | None], out: Path, name: str, key: bytes) -> dict | None:
    """The results of `name` in a snapshot, if their digest verifies."""
    return verified(parse_results(files[out / name / "results.json"]), files[out / name / "feedback.md"], key)


def still_valid(results: dict | None, submission_hash: str, ids) -> bool:
    """Whether earlier (verified) results are for this very content and the same exercises."""
    if not results:
        return False
    extra = results["extra_data"]
    graded = extra.get("exercises")
    return (extra.get("submission_hash") == submission_hash and isinstance(graded, dict)
            and ids is not None and sorted(graded) == sorted(ids))


def earlier_results(out: Path, skip: set[str], ids: list[str], key: bytes) -> list[tuple[str, dict]]:
    """Results already in `out` of submissions not named in `skip` (an earlier batch graded into the same
    folder), when their digest verifies and they cover the same exercises: the summaries list them too, so
    a late submission graded on its own does not drop the class from grades.csv and the report."""
    rows, skip = [], {n.lower() for n in skip}
    for folder in sorted(out.iterdir(), key=lambda p: p.name):
        if folder.name.lower() in skip or not folder.is_dir() or folder.is_symlink():
            continue
        results = previous(snapshot(out, [folder.name]), out, folder.name, key)
        if results is not None and list(results["extra_data"].get("exercises", {})) == ids:
            rows.append((folder.name, results))
    return rows
