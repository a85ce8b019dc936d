"""Hostile submissions against the bubblewrap sandbox: one per attack class of issue 11.

Most attacks first get rid of the audit hook (the second layer), so that what is tested is the OS
boundary: `UNHOOKED` starts a fresh interpreter through `_posixsubprocess` (no audit event), which runs
the attack with no hook at all and reports by its exit code (0: the attack worked). All attacks and
two honest classmates are graded in ONE batch with --jobs 2. Each test proves: no unearned point, no
classmate harmed, no process left behind, nothing written outside the output folder.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coursekit.grading import bubblewrap, grader
from coursekit.grading.results import read_results
from coursekit.grading.sandbox import Isolation, Limits
from test_grading import FAST, ROOT, leftover_processes, run_cli, small_engine

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed (.ci/run installs it)")

# in the command line of every process an attack here tries to leave behind; not test_grading's MARK, whose
# attacks may run at the same moment in another xdist worker
MARK = "27182845"
SECRET = "grader-secret-27182818"
FIND_SECRET = "('grader-secret-' + str(27182818))"    # (the attack's own command line must not hold it)
COURSEKIT = ROOT / "coursekit"
LIMITS = Limits(exercise_seconds=8, submission_seconds=40, startup_seconds=20)

UNHOOKED = f'''
import _posixsubprocess, os, sys, time
def unhooked(code, wait=True):
    """Run `code` in a fresh interpreter: no audit hook there, and this spawn raised no audit event."""
    r, w = os.pipe()
    pid = _posixsubprocess.fork_exec([sys.executable, "-S", "-c", code, "{MARK}"], [os.fsencode(sys.executable)],
                                     True, (w,), None, None, -1, -1, -1, -1, -1, -1, r, w, True, False, -1,
                                     None, None, None, -1, None, False)
    os.close(w)
    os.close(r)
    if not wait:
        return None
    for _ in range(400):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.02)
    return "still running"
'''


def unhooked(code: str, wait: bool = True) -> str:
    """Attack code (inside central_difference): run `code` unhooked and raise with its exit code."""
    return UNHOOKED + f"result = unhooked({code!r}, {wait})\nraise RuntimeError(f'ATTACK RESULT {{result}}')"


ATTACKS = {   # name: attack code; every one must end with "ATTACK RESULT <nonzero>" or earn nothing else
    # the grader's environment and memory: scan every visible process
    "read-grader": unhooked(f"""
import os, sys
found = False
for pid in os.listdir('/proc'):
    for what in ('environ', 'cmdline', 'maps'):
        try:
            found |= {FIND_SECRET}.encode() in open(f'/proc/{{pid}}/{{what}}', 'rb').read()
        except OSError:
            pass
sys.exit(0 if found or {FIND_SECRET} in str(os.environ) else 3)
"""),
    # kill the grader and everybody else it can see
    "kill-grader": unhooked("""
import os, signal, sys
for pid in os.listdir('/proc'):
    if pid.isdigit() and int(pid) != os.getpid():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass
try:
    os.kill(-1, signal.SIGKILL)
except OSError:
    pass
sys.exit(3)
"""),
    # append code to the grader's own coursekit package
    "write-coursekit": unhooked(f"""
import sys
done = 0
for path in ({str(COURSEKIT / "__init__.py")!r}, {str(COURSEKIT / "grading" / "grader.py")!r}):
    try:
        open(path, 'a').write('\\n# {MARK}\\n')
        done += 1
    except OSError:
        pass
sys.exit(0 if done else 3)
"""),
    # a daemon in a new session that rewrites the results after the grader is done
    "rewrite-results": unhooked("""
import os, sys, time
if os.fork():
    sys.exit(3)
os.setsid()
if os.fork():
    os._exit(0)
time.sleep(4)
for root, dirs, files in os.walk('/'):
    if 'results.json' in files:
        open(os.path.join(root, 'results.json'), 'w').write('{"score": 100}')
time.sleep(60)
""", wait=True),
    # the instructor's solutions, found through the editable install
    "read-solutions": unhooked(f"""
import sys
try:
    source = open({str(ROOT / "solutions" / "minigrad" / "numdiff.py")!r}).read()
except OSError:
    sys.exit(3)
sys.exit(0)
"""),
    # a classmate's submission, in the grader's scratch folder, during the same batch
    "copy-classmate": unhooked("""
import os, sys
for root, dirs, files in os.walk('/'):
    if ('numdiff.py' in files and not root.startswith('/work')) or '.grading-key' in files:
        sys.exit(0)
sys.exit(3)
"""),
    # processes left running in new sessions (double fork, setsid)
    "leave-processes": unhooked(f"""
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(300)        # {MARK}
    os._exit(0)
""", wait=False),
    # a fork bomb (processes are limited per host uid, and this sandbox has a uid of its own)
    "fork-bomb": unhooked("""
import os, sys, time
started = 0
for _ in range(300):
    try:
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
        started += 1
    except OSError:
        break
sys.exit(0 if started >= 100 else 3)
"""),
    # privileges back: root again, or a new user namespace with all capabilities in it
    "regain-privileges": unhooked("""
import ctypes, os, sys
gained = []
try:
    os.setuid(0)
    gained.append('setuid')
except OSError:
    pass
libc = ctypes.CDLL(None, use_errno=True)
for flag in (0x10000000, 0x00020000):          # CLONE_NEWUSER, CLONE_NEWNS
    if libc.unshare(flag) == 0:
        gained.append(hex(flag))
sys.exit(0 if gained else 3)
"""),
    # fill the scratch disk (the only writable place), then try elsewhere
    "fill-disk": unhooked("""
import os, sys
wrote = 0
for folder in ('/tmp', '/work', '/', '/grader', '/dev', '/dev/shm', '/dev/mqueue', '/root', '/site', '/proc/self'):
    try:
        with open(os.path.join(folder, 'filler'), 'wb') as f:
            while True:
                f.write(b'x' * (1 << 20))
                wrote += 1
    except OSError:
        pass
sys.exit(0 if wrote > 100 else 3)
"""),
    # path checks of the audit hook fooled by a str whose methods lie (no second process at all)
    "lying-str": f"""
class Lie(str):
    def partition(self, sep):
        return ('tmp', '', '')
    def __getitem__(self, index):
        return Lie(str.__getitem__(self, index))
for path in ({str(ROOT / "solutions" / "minigrad" / "numdiff.py")!r}, {str(COURSEKIT / "grading" / "grader.py")!r}):
    try:
        open(Lie(path), 'a').write('# {MARK}')
        raise RuntimeError('ATTACK RESULT 0 (wrote ' + path + ')')
    except OSError as error:
        last = error
raise RuntimeError(f'ATTACK RESULT 3 ({{last}})')
""",
    # numpy raw memory without ctypes: a strided view at any address, written to (the child corrupts itself)
    "numpy-memory": """
from numpy.lib.stride_tricks import as_strided
base = np.zeros(1, dtype=np.uint8)
start = base.__array_interface__['data'][0]
secret = bytearray(b'raw-memory-ok')
view = as_strided(base, shape=(2, 13), strides=(id(secret) - start, 1))
found = bytes(view[1]).find(b'raw') >= 0
anywhere = as_strided(base, shape=(2,), strides=(2 ** 46,))
anywhere[1] = 1          # a write anywhere: this child dies, nobody else
raise RuntimeError(f'ATTACK RESULT 3 {found}')
""",
    # descriptors inherited from the grader or from bwrap (a namespace fd would be a way back out)
    "inherited-fds": """
import os
def target(fd):
    try:
        return os.readlink(f'/proc/self/fd/{fd}')
    except OSError:
        return ''
leaked = [target(fd) for fd in range(3, 1024) if target(fd).startswith(('user:', 'mnt:', 'pid:', 'net:', '/'))]
raise RuntimeError(f'ATTACK RESULT {0 if leaked else 3} {leaked}')
""",
    # signals to classmates: they are not visible in this PID namespace
    "kill-classmates": unhooked("""
import os, signal, sys
killed = 0
for pid in range(2, 40000):
    if pid not in (os.getpid(), os.getppid()):
        try:
            os.kill(pid, signal.SIGKILL)
            killed += 1
        except OSError:
            pass
sys.exit(0 if killed else 3)
"""),
}


def digest(folder: Path) -> str:
    hashes = hashlib.sha256()
    for path in sorted(folder.rglob("*.py")):
        hashes.update(str(path).encode() + path.read_bytes())
    return hashes.hexdigest()


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    out = base / "out"
    subs = [small_engine(base / "subs" / "alice"), small_engine(base / "subs" / "bob"),
            small_engine(base / "subs" / "grades.csv"), small_engine(base / "subs" / ".grading-key")]
    subs += [small_engine(base / "subs" / name, code) for name, code in ATTACKS.items()]
    before = (digest(COURSEKIT), digest(ROOT / "solutions"), sorted(base.rglob("*")))
    os.environ["GRADER_SECRET"] = SECRET
    try:
        graded = grader.grade(subs, out, jobs=2, limits=LIMITS, quiet=True, exercise_ids=["2.1-numdiff"])
    finally:
        del os.environ["GRADER_SECRET"]
    time.sleep(5)                        # what a left-behind daemon would need to rewrite results
    return base, out, graded, before


def results_of(out: Path, name: str) -> dict:
    return json.loads((out / name / "results.json").read_text(encoding="utf-8"))


def test_classmates_keep_their_points(batch):
    _, out, graded, _ = batch
    scores = {name: results["score"] for name, results, _ in graded}
    assert scores["alice"] == scores["bob"] == 10, scores
    assert scores["grades.csv-2"] == scores["_.grading-key"] == 10, scores   # reserved names are renamed


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_earns_nothing_and_fails(batch, name):
    _, out, graded, _ = batch
    assert dict((n, r["score"]) for n, r, _ in graded)[name] == 0
    text = (out / name / "feedback.md").read_text(encoding="utf-8")
    assert "ATTACK RESULT 0" not in text, text
    if name not in ("kill-grader", "numpy-memory", "leave-processes"):
        assert "ATTACK RESULT 3" in text, text          # it ran, and it failed
    assert "ATTACK RESULT" in text or "子进程" in text, text


def test_nothing_written_outside_the_output_folder_and_no_process_left(batch):
    base, out, _, (coursekit, solutions, files) = batch
    assert digest(COURSEKIT) == coursekit and digest(ROOT / "solutions") == solutions
    after = sorted(p for p in base.rglob("*") if not p.is_relative_to(out))
    assert after == [p for p in files if not p.is_relative_to(out)]
    assert leftover_processes(MARK) == []
    assert not (out / grader.SCRATCH).exists()


def test_results_are_signed_and_unforged_after_the_batch(batch):
    _, out, graded, _ = batch
    for name, results, _ in graded:
        assert results_of(out, name) == results                 # nobody rewrote them after the batch
        assert len(results["extra_data"]["digest"]) == 64
    rows = (out / "grades.csv").read_text().splitlines()
    assert out.joinpath("grades.csv").is_file() and len(rows) == len(graded) + 1


def test_a_forged_result_is_regraded(tmp_path):
    subs = [small_engine(tmp_path / "carol"), small_engine(tmp_path / "dave", "return np.zeros_like(x)")]
    out = tmp_path / "out"
    options = {"limits": LIMITS, "quiet": True, "exercise_ids": ["2.1-numdiff"]}
    grader.grade(subs, out, **options)
    forged = results_of(out, "dave")
    forged["score"] = forged["extra_data"]["exercises"]["2.1-numdiff"] = 10
    (out / "dave" / "results.json").write_text(json.dumps(forged))
    again = {name: (results["score"], kept) for name, results, kept in grader.grade(subs, out, **options)}
    assert again == {"carol": (10, True), "dave": (0, False)}


def test_grading_refuses_to_run_without_the_sandbox(tmp_path, monkeypatch):
    monkeypatch.setattr(bubblewrap.shutil, "which", lambda name: None)
    with pytest.raises(bubblewrap.Unavailable, match="apt install bubblewrap"):
        grader.grade([small_engine(tmp_path / "eve")], tmp_path / "out", quiet=True, exercise_ids=["2.1-numdiff"])
    assert not (tmp_path / "out" / "eve").exists()
    with pytest.warns(UserWarning, match="WITHOUT the sandbox"):
        graded = grader.grade([small_engine(tmp_path / "own")], tmp_path / "out", quiet=True,
                              limits=Limits(isolation=Isolation.TRUSTED), exercise_ids=["2.1-numdiff"])
    assert graded[0][1]["score"] == 10


@pytest.mark.slow
def test_sigterm_keeps_finished_results_and_resumes_to_the_same_grades(tmp_path):
    subs = [small_engine(tmp_path / "subs" / f"s{i}") for i in range(3)]
    subs.insert(2, small_engine(tmp_path / "subs" / "slow", f"import time\ntime.sleep(0.5)  # {MARK}"))
    args = [*subs, "--exercise", "2.1-numdiff", "--jobs", "2"]
    reference = run_cli("grade", *args, "--out", tmp_path / "reference")
    out = tmp_path / "out"
    proc = run_cli("grade", *args, "--out", out)
    deadline = time.monotonic() + 120
    while not (out / "s0" / "results.json").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, stderr
    graded = [s.name for s in subs if read_results(out / s.name / "results.json")]
    assert f"interrupted: {len(graded)} of 4 graded; run the same command to continue" in stderr
    assert 1 <= len(graded) < 4
    assert len((out / "grades.csv").read_text().splitlines()) == len(graded) + 1
    assert leftover_processes(MARK) == [] and not (out / grader.SCRATCH).exists()
    assert run_cli("grade", *args, "--out", out).wait(timeout=300) == 0
    assert reference.wait(timeout=300) == 0
    assert (out / "grades.csv").read_text() == (tmp_path / "reference" / "grades.csv").read_text()
