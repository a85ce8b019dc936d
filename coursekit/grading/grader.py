"""Grade submissions: unpack, run the student's half of every probe in a child, compare here.

PyTorch computes the reference in this (trusted) process; the child sends back plain arrays only,
which are validated (keys, dtypes, shapes, sizes) before `coursekit.runner.compare_case` compares them.
One child per submission runs the exercises in order; a time-out, crash or refused action ends that
child, the exercise gets the failure, and a fresh child continues with the next exercise.
"""
from __future__ import annotations

import csv
import io
import multiprocessing
import secrets
import signal
import shutil
import sys
import tempfile
import threading
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .. import exercises as registry
from ..answers import AnswerNotFound, answer_source, read_notebook
from ..runner import ERROR, FAILED, NOT_IMPLEMENTED, CaseResult, compare_case
from ..checks.hidden import cases_for
from ..compare import MAX_ELEMENTS
from . import bubblewrap, sandbox
from .child import decode_array, encode_value
from .feedback import render
from .outcome import NOT_RUN, ExerciseOutcome, Graded
from .progress import Progress
from .report import RESERVED as REPORT_FILES, write_reports
from .results import (KEY_FILE, parse_results, results_text, sign, signing_key, to_results, verified,
                      write_atomic)
from .sandbox import Child, ChildDied, Isolation, Limits, ProtocolError
from .submission import Submission, submission_name, unpack

MAX_OUTPUT_KEYS = 64
MAX_CELL_CHARS = 200_000
SCRATCH = ".grading-tmp"          # inside the output folder, removed at the end


# ---------------------------------------------------------------- what to run

def plan(exercise, rng: np.random.Generator) -> list[tuple[int, object, object, bool]]:
    """(check index, check, case, hidden) for every public case and every hidden case drawn now."""
    items = []
    for index, check in enumerate(exercise.checks):
        items += [(index, check, case, False) for case in check.cases()]
        items += [(index, check, case, True) for case in cases_for(check, rng)]
    return items


def describe_args(args: dict) -> str:
    parts = []
    for key, value in args.items():
        if isinstance(value, np.ndarray):
            text = np.array2string(value.reshape(-1)[:6], precision=4, separator=", ")
            text = text[:-1] + ", ...]" if value.size > 6 else text
            parts.append(f"{key}={text}（形状 {tuple(value.shape)}，{value.dtype}）")
        else:
            parts.append(f"{key}={value!r}")
    return "，".join(parts)


def cell_source(submission: Submission, exercise) -> str:
    """The exercise cell's source from the submitted notebook; AnswerNotFound with a Chinese reason."""
    path = submission.root / exercise.where
    if not path.is_file():
        raise AnswerNotFound(f"提交中没有 {exercise.where}")
    source = answer_source(read_notebook(path, exercise.where), exercise.id)
    if not source:
        raise AnswerNotFound(f"{exercise.where} 中没有 grade_id 为 {exercise.id} 的练习单元格")
    if len(source) > MAX_CELL_CHARS:
        raise AnswerNotFound(f"练习 {exercise.id} 的单元格超过 {MAX_CELL_CHARS} 个字符")
    return source


# ---------------------------------------------------------------- reading the child's answers

def decode_outputs(message: dict) -> dict[str, np.ndarray]:
    outputs = message.get("outputs")
    if not isinstance(outputs, dict) or len(outputs) > MAX_OUTPUT_KEYS:
        raise ProtocolError("结果中的 outputs 格式不对")
    plain = {}
    for key, wire in outputs.items():
        if not isinstance(key, str) or len(key) > 200:
            raise ProtocolError("结果中的键不合法")
        try:
            plain[key] = decode_array(wire, MAX_ELEMENTS)
        except (ValueError, TypeError) as error:
            raise ProtocolError(f"输出 {key!r} 不是合法的数值数组：{error}") from None
    return plain


def _text(message: dict, key: str) -> str:
    value = message.get(key)
    return value[:4000] if isinstance(value, str) else ""


def case_result(item, message: dict, torch) -> CaseResult:
    _, check, case, _ = item
    status = message.get("status")
    if status == "not_implemented":
        unfinished = message.get("unfinished")
        unfinished = unfinished[:60] if isinstance(unfinished, str) else None
        return CaseResult(check.name, case.label, NOT_IMPLEMENTED, _text(message, "message"), unfinished)
    if status == "error":
        return CaseResult(check.name, case.label, ERROR, _text(message, "message"))
    if status != "ok":
        raise ProtocolError("结果中的 status 不合法")
    actual = decode_outputs(message)
    try:
        expected = check.reference(torch, case.args)
    except Exception as error:      # noqa: BLE001 - a bug in the reference must not stop grading
        return CaseResult(check.name, case.label, ERROR, f"评分程序计算参考答案时出错：{error!r}")
    return compare_case(check, case, expected, actual)


# ---------------------------------------------------------------- one submission

class Runner:
    """The child of one submission: started on demand, replaced after a failure."""

    def __init__(self, submission: Submission, scratch: Path, site: Path, limits: Limits):
        self.submission, self.scratch, self.site, self.limits = submission, scratch, site, limits
        self.child: Child | None = None
        self.fatal = ""                  # a problem that no fresh child can fix (import fails, ...)

    def start(self, deadline: float) -> Child | None:
        if self.child is not None or self.fatal:
            return self.child
        child = Child(self.submission.root, self.scratch, self.limits, self.site)
        try:
            ready = child.receive(min(deadline, time.monotonic() + self.limits.startup_seconds))
            if ready.get("type") != "ready":
                raise ProtocolError("子进程启动时发回了意外的消息")
            if ready.get("error"):
                self.fatal = _text(ready, "error")
        except TimeoutError:
            self.fatal = f"启动或 import minigrad 超过 {self.limits.startup_seconds:g} 秒时限"
        except ChildDied:
            self.fatal = f"启动或 import minigrad 时{child.exit_description()}"
        except ProtocolError as error:
            self.fatal = str(error)
        if not self.fatal and child.loaded_torch():
            self.fatal = "import minigrad 时加载了 PyTorch：学生代码不得使用 torch 计算答案"
        if self.fatal:
            output = child.output()
            if output:
                self.fatal += f"\n\n子进程输出（节选）：\n```\n{output}\n```"
            child.kill()
            return None
        self.child = child
        return child

    def stop(self) -> None:
        if self.child is not None:
            self.child.kill()
            self.child = None

    def run(self, exercise, items, source: str | None, deadline: float) -> ExerciseOutcome:
        outcome = ExerciseOutcome(exercise)
        child = self.start(deadline)
        if child is None:
            outcome.problem = self.fatal
            return outcome
        request = {"exercise": exercise.id, "source": source,
                   "cases": [{"check": index, "args": encode_value(case.args)} for index, _, case, _ in items]}
        end = min(deadline, time.monotonic() + self.limits.exercise_seconds)
        try:
            child.send(request, end)
            for position, item in enumerate(items):
                message = child.receive(end)
                if position == 0 and message.get("type") == "cell_failed":     # the exercise cell itself failed
                    outcome.problem = str(message.get("message", ""))[:2000]
                    break
                if message.get("type") != "case" or message.get("index") != position:
                    raise ProtocolError("子进程发回的结果顺序不对或类型不对")
                self._record(outcome, item, case_result(item, message, TORCH[0]))
            done = child.receive(end)
            if done.get("type") != "done":
                raise ProtocolError("子进程没有正确结束本练习")
            refused = done.get("refused")
            if isinstance(refused, list) and refused:
                shown = "；".join(dict.fromkeys(str(r)[:120] for r in refused[:20]))
                outcome.notes.append(f"评分环境拒绝了学生代码的这些操作：{shown}")
        except TimeoutError:
            outcome.problem = ("超出整份提交的总时限" if time.monotonic() >= deadline else
                               f"超出时限：练习 {exercise.id} 的检查没有在 {self.limits.exercise_seconds:g} 秒内完成")
            self.stop()
        except ChildDied:
            outcome.problem = f"运行检查时{child.exit_description()}"
            self._attach_output(outcome, child)
            self.stop()
        except ProtocolError as error:
            outcome.problem = f"子进程发回的结果无效：{error}"
            self.stop()
        if self.child is not None and self.child.loaded_torch():
            outcome.problem = "检测到学生代码加载了 PyTorch：不得用 torch 计算答案，本题不得分"
            self.stop()
        for item in items[len(outcome.results):]:
            self._record(outcome, item, CaseResult(item[1].name, item[2].label, FAILED, NOT_RUN))
        return outcome

    @staticmethod
    def _record(outcome: ExerciseOutcome, item, result: CaseResult) -> None:
        outcome.results.append(result)
        outcome.hidden.append(item[3])
        outcome.inputs.append(describe_args(item[2].args))

    @staticmethod
    def _attach_output(outcome: ExerciseOutcome, child: Child) -> None:
        output = child.output()
        if output:
            outcome.problem += f"\n\n子进程输出（节选）：\n```\n{output}\n```"


TORCH: list = [None]


def load_torch():
    """Import PyTorch once, single-threaded, and pay its lazy imports (torch.func pulls in ~800 modules)
    now rather than inside the first submission's time limits."""
    if TORCH[0] is None:
        import torch
        torch.set_num_threads(1)
        x = torch.ones(2, dtype=torch.float64)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")      # deprecation notices from torch's own lazy imports
            torch.func.jacrev(torch.sin)(x), torch.func.jacfwd(torch.sin)(x)
        TORCH[0] = torch
    return TORCH[0]


def chosen_exercises(ids: list[str] | None = None) -> tuple:
    """The exercises to grade: all of the registry, or those named (in registry order)."""
    every = registry.all_exercises()
    if ids is None:
        return every
    wanted = {registry.get(i).id for i in ids}
    return tuple(e for e in every if e.id in wanted)


def grade_submission(submission: Submission, scratch: Path, site: Path, limits: Limits,
                     exercise_ids: list[str] | None = None) -> Graded:
    load_torch()
    start = time.monotonic()
    deadline = start + limits.submission_seconds
    rng = np.random.default_rng(secrets.randbits(64))
    runner = Runner(submission, scratch, site, limits)
    outcomes = []
    try:
        for exercise in chosen_exercises(exercise_ids):
            if sandbox.STOP.is_set():
                raise KeyboardInterrupt
            items = plan(exercise, rng)
            outcome = ExerciseOutcome(exercise)
            if not submission.has_engine:
                outcome.problem = "提交中没有 minigrad/：无法运行检查"
            elif time.monotonic() >= deadline:
                outcome.problem = f"超出整份提交的总时限（{limits.submission_seconds:g} 秒），未运行"
            else:
                try:
                    source = cell_source(submission, exercise) if exercise.answer else None
                    outcome = runner.run(exercise, items, source, deadline)
                except AnswerNotFound as error:
                    outcome.problem = str(error)
            outcomes.append(outcome)
    finally:
        runner.stop()
    return Graded(submission.name, submission.hash, outcomes, list(submission.notes), time.monotonic() - start,
                  submission.unreadable)


# ---------------------------------------------------------------- many submissions

GRADES = "grades.csv"
RESERVED = {GRADES, *REPORT_FILES, SCRATCH, KEY_FILE}   # never a submission's name


class Interrupted(Exception):
    """SIGINT or SIGTERM stopped the batch; finished results are kept and grades.csv lists them."""

    def __init__(self, graded: int, total: int, signum: int):
        super().__init__(f"interrupted: {graded} of {total} graded; run the same command to continue")
        self.signum = signum


def unique_names(paths: list[Path]) -> list[str]:
    names, seen = [], {n.lower() for n in RESERVED}
    for path in paths:
        base = submission_name(path).strip() or "submission"
        base = "_" + base if base.startswith(".") else base
        name, n = base, 2
        while name.lower() in seen:
            name, n = f"{base}-{n}", n + 1
        seen.add(name.lower())
        names.append(name)
    return names


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to grade one submission (picklable: it crosses to worker processes)."""
    path: Path
    name: str
    out: Path
    scratch: Path
    site: Path
    limits: Limits
    key: bytes
    force: bool = False
    exercise_ids: tuple[str, ...] | None = None
    previous: dict | None = None          # its results.json, read and verified before any child started


def grade_one(job: Job) -> tuple[dict, bool, dict[str, str]]:
    """Grade one submission into out/name/; returns (results, skipped as already graded, files written).
    Written only here, by the trusted process, after the submission's last child is gone."""
    work = Path(tempfile.mkdtemp(prefix="sub-", dir=job.scratch))
    work.chmod(0o711)                               # a child running as nobody must reach its run folder
    try:
        submission = unpack(job.path, work / "submission", job.name)
        if not job.force and _still_valid(job.previous, submission.hash, job.exercise_ids):
            return job.previous, True, {}
        ids = list(job.exercise_ids) if job.exercise_ids is not None else None
        graded = grade_submission(submission, work, job.site, job.limits, ids)   # KeyboardInterrupt if stopped
        feedback = render(graded)
        results = sign(to_results(graded), feedback, job.key)
        files = {"feedback.md": feedback, "results.json": results_text(results)}
        for name, text in files.items():         # results.json last: its presence means "done"
            write_atomic(job.out / job.name / name, text)
        return results, False, files
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _still_valid(previous: dict | None, submission_hash: str, ids) -> bool:
    """Whether earlier (verified) results are for this very content and the same exercises."""
    if not previous:
        return False
    extra = previous["extra_data"]
    graded = extra.get("exercises")
    return (extra.get("submission_hash") == submission_hash and isinstance(graded, dict)
            and ids is not None and sorted(graded) == sorted(ids))


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


def grades_csv(rows: list[tuple[str, dict]], ids: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["submission", "score", "max_score", *ids, "submission_hash"])
    for name, results in rows:
        extra = results.get("extra_data", {})
        scores = extra.get("exercises", {})
        writer.writerow([name, results.get("score"), extra.get("max_score"), *[scores.get(i, 0) for i in ids],
                         extra.get("submission_hash", "")])
    return buffer.getvalue()


def earlier_results(out: Path, names: list[str], ids: list[str], key: bytes) -> list[tuple[str, dict]]:
    """Results already in `out` of submissions that this command did not name (an earlier batch graded into
    the same folder), when their digest verifies and they cover the same exercises: the summaries list them
    too, so a late submission graded on its own does not drop the class from grades.csv and the report."""
    rows, skip = [], {n.lower() for n in (*names, *RESERVED)}
    for folder in sorted(out.iterdir(), key=lambda p: p.name):
        if folder.name.lower() in skip or not folder.is_dir() or folder.is_symlink():
            continue
        results = _previous(snapshot(out, [folder.name]), out, folder.name, key)
        if results is not None and list(results["extra_data"].get("exercises", {})) == ids:
            rows.append((folder.name, results))
    return rows


def write_summaries(out: Path, rows: list[tuple[str, dict]], ids: list[str], failed: dict[str, str],
                    report: bool = True) -> None:
    """What the instructor reads at the end of a batch, finished or interrupted: grades.csv and the class
    report (report.html, report.md, gradebook.csv: coursekit/grading/report.py) for the submissions graded
    so far, in input order."""
    write_atomic(out / GRADES, grades_csv(rows, ids))
    if report:
        write_reports(out, rows, failed, ids)


def _start_worker(stop) -> None:
    """A worker process: Ctrl-C and SIGTERM reach it through `stop`, so that it kills its child first."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    sandbox.STOP = stop


def _pool(jobs: int):
    """--jobs N > 1: N worker processes (the comparisons in PyTorch need a core each, not threads),
    forked from this one after torch is loaded, so no worker imports it again."""
    context = multiprocessing.get_context("fork")
    stop = context.Event()
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_start_worker,
                               initargs=(stop,)), stop


def _stop_pool(pool: ProcessPoolExecutor, grace: float = 15.0) -> None:
    """Cancel what has not started; give running workers `grace` seconds to kill their children (they
    see the stop event within half a second), then kill the workers (their sandboxes die with them)."""
    processes = list((pool._processes or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + grace
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join(5)


class _Signals:
    """While grading: SIGTERM (like SIGINT) raises KeyboardInterrupt in the main thread; remembers which."""

    def __init__(self):
        self.received, self.previous = signal.SIGINT, None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGTERM, self._raise)
        return self

    def _raise(self, signum, frame):
        self.received = signum
        raise KeyboardInterrupt

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)


def grade(paths: list[Path], out: Path, jobs: int = 1, force: bool = False, limits: Limits | None = None,
          quiet: bool = False, exercise_ids: list[str] | None = None,
          report: bool = True) -> list[tuple[str, dict, bool]]:
    """Grade every submission in `paths` into `out`; returns (name, results, skipped) in input order.
    Raises Interrupted after SIGINT/SIGTERM (finished results kept, grades.csv written for them) and
    bubblewrap.Unavailable when children cannot be confined as `limits.isolation` asks."""
    limits = limits or Limits()
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    scratch = out / SCRATCH
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    ids = [e.id for e in chosen_exercises(exercise_ids)]
    paths = [Path(p).resolve() for p in paths]
    names = unique_names(paths)
    done: dict[str, tuple[dict, bool]] = {}
    failed: dict[str, str] = {}
    earlier: list[tuple[str, dict]] = []
    with _Signals() as signals:
        try:
            site = sandbox.link_numpy(scratch / "site")
            limits = confinement(limits, scratch, site)
            key = signing_key(out)
            expected = snapshot(out, names)           # read before any child runs
            earlier = earlier_results(out, names, ids, key)
            work = [Job(p, n, out, scratch, site, limits, key, force, tuple(ids), _previous(expected, out, n, key))
                    for p, n in zip(paths, names)]
            bar = None if quiet else Progress(len(work), sum(registry.get(i).points for i in ids))

            def finished(name: str, result) -> None:
                if isinstance(result, BaseException):   # a grader bug: report it, keep grading the others
                    failed[name] = f"{type(result).__name__}: {result}"
                else:
                    done[name] = result[:2]
                    expected.update({out / name / file: text.encode("utf-8") for file, text in result[2].items()})
                if bar:
                    bar.update(name, None if name in failed else done[name][0].get("score"))

            try:
                _run(work, jobs, finished, quiet)
            finally:
                if bar:
                    bar.close()
                settle(expected)
        except KeyboardInterrupt:
            sandbox.STOP.set()
            write_summaries(out, [(n, done[n][0]) for n in names if n in done] + earlier, ids, failed, report)
            raise Interrupted(len(done), len(names), signals.received) from None
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    write_summaries(out, [(n, done[n][0]) for n in names if n in done] + earlier, ids, failed, report)
    if earlier and not quiet:
        print(f"{GRADES} and the report also list {len(earlier)} submission(s) graded into {out} earlier "
              f"(same exercises, digests verified)")
    return [(n, *done[n]) if n in done else (n, {"error": failed[n]}, False) for n in names]


def _previous(files: dict[Path, bytes | None], out: Path, name: str, key: bytes) -> dict | None:
    return verified(parse_results(files[out / name / "results.json"]), files[out / name / "feedback.md"], key)


def _run(work: list[Job], jobs: int, finished, quiet: bool = True) -> None:
    """Grade the jobs, here (jobs 1) or in a pool; `finished(name, result)` once as each one ends."""
    sandbox.STOP.clear()
    load_torch()
    if jobs <= 1 or len(work) <= 1:
        for job in work:
            finished(job.name, _guarded(job))
        return
    pool, stop = _pool(min(jobs, len(work)))
    futures = {pool.submit(_guarded, job): job.name for job in work}
    told = set()
    try:
        for future in as_completed(futures):
            told.add(future)
            finished(futures[future], future.result())
    except BaseException:
        if not quiet:
            print("\nstopping: ending the running checks (finished results are kept)...", file=sys.stderr)
        stop.set()                  # workers kill their children and write nothing more
        _stop_pool(pool)
        for future, name in futures.items():      # finished while we were stopping: keep them (once)
            if future not in told and future.done() and not future.cancelled() and future.exception() is None:
                if not isinstance(future.result(), BaseException):
                    finished(name, future.result())
        raise
    pool.shutdown(wait=True)


def confinement(limits: Limits, scratch: Path, site: Path) -> Limits:
    """Check that children can be confined as `limits.isolation` asks; bubblewrap.Unavailable if not.
    Untrusted code never runs as root outside the sandbox."""
    if limits.isolation == Isolation.BWRAP:
        bubblewrap.check()
    elif limits.isolation == Isolation.CONTAINER and bubblewrap.as_root() and limits.user is None:
        user = sandbox.unprivileged_user(scratch, site)
        if user is None:
            raise bubblewrap.Unavailable("the grader runs as root and no unprivileged user can run the Python "
                                         "interpreter here: install Python outside /root (e.g. the system's)")
        limits = replace(limits, user=user)
    elif limits.isolation == Isolation.TRUSTED:
        warnings.warn("--trusted-code: children run WITHOUT the sandbox, as this user"
                      f"{' (root)' if bubblewrap.as_root() else ''}; use it only for code you trust", stacklevel=3)
    return limits


def _guarded(job: Job):
    """grade_one, with an unexpected error returned (not raised) so that the other submissions go on."""
    try:
        return grade_one(job)
    except Exception as error:      # noqa: BLE001 - Ctrl-C (KeyboardInterrupt) still stops everything
        return error


def summary(graded: list[tuple[str, dict, bool]], out: Path) -> str:
    width = max([len(n) for n, _, _ in graded] + [10])
    lines = [f"{'submission':<{width}}  score", "-" * (width + 12)]
    for name, results, skipped in graded:
        if "error" in results:
            lines.append(f"{name:<{width}}  NOT GRADED: {results['error']} (rerun to retry)")
            continue
        extra = results.get("extra_data", {})
        note = "  (unchanged, kept)" if skipped else ""
        if extra.get("unreadable"):            # a corrupt upload: say why here, not only in its feedback
            note += f"  ({extra['unreadable']})"
        lines.append(f"{name:<{width}}  {results.get('score'):>3}/{extra.get('max_score')}{note}")
    lines.append(f"results: {out}/<submission>/results.json, feedback.md; grades: {out}/grades.csv")
    lines.append(f"class report: {out}/report.html (report.md); for the LMS: {out}/gradebook.csv")
    return "\n".join(lines)
