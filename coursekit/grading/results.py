"""results.json in Gradescope's schema (score, execution_time, output, extra_data, tests[]).

See https://gradescope-autograders.readthedocs.io/en/latest/specs/ : each test has name, score,
max_score, status ("passed"/"failed"), output and visibility. `extra_data` (stored by Gradescope, not
shown) carries the submission hash that lets a rerun skip what is already graded, each test's `extra_data`
its exercise id and first failure (outcome.FirstFailure), and `digest`: an
HMAC-SHA256 of the results and of feedback.md under the output folder's key (KEY_FILE, mode 0600, never
mounted in a sandbox). A rerun keeps only results whose digest verifies; anything else is regraded.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import tempfile
from pathlib import Path

from .feedback import exercise_section, summary_section
from .outcome import ExerciseOutcome, Graded

FORMAT = 3        # bump when results.json changes meaning: older results are then regraded
KEY_FILE = ".grading-key"


def test_entry(outcome: ExerciseOutcome) -> dict:
    """One exercise as a Gradescope test; its `extra_data` holds the exercise id and the first failure as data
    (what the class report counts), its `output` the same feedback as feedback.md."""
    first = outcome.first_failure
    return {"name": f"{outcome.exercise.id} {outcome.exercise.title}", "score": outcome.score,
            "max_score": outcome.exercise.points, "status": "passed" if outcome.passed else "failed",
            "output": exercise_section(outcome), "output_format": "md", "visibility": "visible",
            "extra_data": {"exercise": outcome.exercise.id, "first_failure": first.to_json() if first else None}}


def to_results(graded: Graded) -> dict:
    tests = [test_entry(o) for o in graded.outcomes]
    return {"score": graded.score, "execution_time": round(graded.seconds, 1),
            "output": summary_section(graded), "output_format": "md", "visibility": "visible",
            "stdout_visibility": "hidden", "tests": tests,
            "extra_data": {"submission": graded.name, "submission_hash": graded.hash, "format": FORMAT,
                           "max_score": graded.max_score, "unreadable": graded.unreadable,
                           "exercises": {o.exercise.id: o.score for o in graded.outcomes}}}


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` so that a reader sees the old file or the new one, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def results_text(results: dict) -> str:
    return json.dumps(results, ensure_ascii=False, indent=2) + "\n"


def write_results(path: Path, results: dict) -> None:
    write_atomic(path, results_text(results))


def parse_results(text: str | bytes | None) -> dict | None:
    """A results.json written by this grader, or None if missing, unreadable or of another format."""
    try:
        data = json.loads(text) if text is not None else None
    except (ValueError, RecursionError):
        return None
    extra = data.get("extra_data") if isinstance(data, dict) else None
    if not isinstance(extra, dict) or extra.get("format") != FORMAT or not isinstance(data.get("tests"), list):
        return None
    return data


def read_results(path: Path) -> dict | None:
    try:
        return parse_results(Path(path).read_bytes())
    except OSError:
        return None


# ---------------------------------------------------------------- digests

def signing_key(out: Path) -> bytes:
    """The output folder's HMAC key, made (mode 0600) on first use."""
    path = Path(out) / KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        key = path.read_bytes()
        if path.is_symlink() or len(key) != 32:
            raise ValueError(f"{path} is not a key written by the grader: remove it (every result is then "
                             "regraded)") from None
        return key
    key = secrets.token_bytes(32)
    with os.fdopen(fd, "wb") as stream:
        stream.write(key)
    return key


def _digest(results: dict, feedback: bytes, key: bytes) -> str:
    unsigned = {**results, "extra_data": {k: v for k, v in results["extra_data"].items() if k != "digest"}}
    message = json.dumps(unsigned, sort_keys=True, ensure_ascii=True).encode() + hashlib.sha256(feedback).digest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def sign(results: dict, feedback: str, key: bytes) -> dict:
    results["extra_data"]["digest"] = _digest(results, feedback.encode("utf-8"), key)
    return results


def verified(results: dict | None, feedback: bytes | None, key: bytes) -> dict | None:
    """`results` if its digest matches it and `feedback`, else None."""
    if not results or feedback is None:
        return None
    claimed = results["extra_data"].get("digest")
    ok = isinstance(claimed, str) and hmac.compare_digest(claimed, _digest(results, feedback, key))
    return results if ok else None
