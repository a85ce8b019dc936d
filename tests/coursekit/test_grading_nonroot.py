"""The grader as instructors run it: `python -m coursekit grade` as an ordinary user, where bubblewrap
makes the user namespace itself (`bwrap --unshare-user --disable-userns`) and the child keeps the
grader's uid. The other grading tests run as root, which takes another path (bubblewrap.py).

Run as root (these machines, CI), the module makes an unprivileged user (USER, reused), a home folder
for it with a copy of the course tooling (the instructor's checkout: coursekit/ and solutions/minigrad,
which attacks look for) and a venv of the system's Python (/usr/bin/python3.X: root's own Python may sit
where other users cannot read it), then runs the CLI as that user with setpriv on two honest
submissions and the attacks of tests/coursekit/hostile_attacks.py, in one batch with --jobs 2. The venv finds
this environment's packages (read-only to the user) instead of installing its own: installing torch
takes over a minute here.
"""
from __future__ import annotations

import fcntl
import hashlib
import inspect
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy
import pytest

from coursekit.grading import bubblewrap
from coursekit.grading.results import KEY_FILE, parse_results, verified
from hostile_attacks import SECRET, attacks, keep_secret_in_keyrings
from test_grading import ROOT, leftover_processes, small_engine

USER = "coursekit-grader"
MARK = "16180339"          # in the command line of every process an attack here starts (not another module's)
SYSTEM_PYTHON = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")
LOCK = Path(tempfile.gettempdir(), "coursekit-nonroot-test.lock")    # one session at a time uses USER
HONEST = ("alice", "bob")
LOGIN = (inspect.getsource(keep_secret_in_keyrings) + "import os, sys\n"     # `python -c LOGIN COMMAND...`
         "keep_secret_in_keyrings(os.environ['GRADER_SECRET'], user_keyring=True)\nos.execv(sys.argv[1], sys.argv[1:])\n")
OPTIONS = ("--jobs", "2", "--exercise", "2.1-numdiff", "--exercise-timeout", "8", "--submission-timeout", "40")


def _missing() -> str | None:
    """Why this machine cannot run the module, or None."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        return "needs Linux and root (to make the unprivileged user)"
    tools = [t for t in ("useradd", "setpriv", "bwrap") if shutil.which(t) is None]
    if tools:
        return f"missing {', '.join(tools)} (packages passwd, util-linux, bubblewrap)"
    if not SYSTEM_PYTHON.is_file():
        return f"no {SYSTEM_PYTHON} (the system's Python of this environment's version)"
    return None


needs_user = pytest.mark.skipif(_missing() is not None, reason=str(_missing()))


def _user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(USER)
    except KeyError:
        made = subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--shell",
                               "/usr/sbin/nologin", USER], capture_output=True, text=True)
    try:
        return pwd.getpwnam(USER)          # (made now, or by a concurrent session)
    except KeyError:
        raise AssertionError(f"useradd could not make the user {USER}: {made.stderr}") from None


def _as(user: pwd.struct_passwd, args: list, env: dict, cwd: Path, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run(["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--init-groups", "--",
                           *map(str, args)], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def _venv(user: pwd.struct_passwd, home: Path, env: dict) -> Path:
    """A venv of the system's Python, made by the user, that finds this environment's packages: through a
    .pth file where the user can read them (their .pth files are not read: no editable install of the
    maintainers' checkout), else as hard links (removing 50 000 of them takes seconds)."""
    done = _as(user, [SYSTEM_PYTHON, "-m", "venv", "--without-pip", home / "venv"], env, home, 60)
    assert done.returncode == 0, done.stderr
    python = home / "venv" / "bin" / "python"
    target = Path(_as(user, [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], env, home,
                      60).stdout.strip())
    source = Path(numpy.__file__).resolve().parent.parent
    readable = _as(user, ["test", "-r", source / "numpy" / "__init__.py"], env, home, 60).returncode == 0
    if readable:
        (target / "course-packages.pth").write_text(f"{source}\n")
    else:
        entries = [p for p in source.iterdir() if p.suffix != ".pth" and not p.name.startswith("__editable__")]
        if subprocess.run(["cp", "-al", *map(str, entries), str(target)], capture_output=True).returncode != 0:
            subprocess.run(["cp", "-a", *map(str, entries), str(target)], check=True)   # another filesystem
    return python


def tree_digest(folder: Path) -> str:
    hashes = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        hashes.update(str(path).encode() + (path.read_bytes() if path.is_file() else b""))
    return hashes.hexdigest()


def processes_of(uid: int) -> list[str]:
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            status = Path(f"/proc/{entry}/status").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        uids = next(line.split()[1:] for line in status.splitlines() if line.startswith("Uid:"))
        if str(uid) in uids:
            found.append(cmdline)
    return found


def owned_in_shared_folders(uid: int) -> list[Path]:
    return [p for folder in ("/tmp", "/var/tmp", "/dev/shm") if os.path.isdir(folder)
            for p in Path(folder).iterdir() if p.lstat().st_uid == uid]


@pytest.fixture(scope="module")
def instructor():
    """(user, environment, home, course copy, venv python), for as long as the module runs."""
    with open(LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        user = _user()
        probe = _as(user, ["bwrap", "--unshare-user", "--ro-bind", "/", "/", "true"], {}, Path("/"), 60)
        if probe.returncode != 0:
            pytest.skip(f"this machine does not let an ordinary user make namespaces: {probe.stderr.strip()}")
        base = Path(tempfile.mkdtemp(prefix="coursekit-nonroot-"))
        try:
            base.chmod(0o755)
            home = base / "home"
            course = home / "course"
            shutil.copytree(ROOT / "coursekit", course / "coursekit", ignore=shutil.ignore_patterns("__pycache__"))
            shutil.copytree(ROOT / "solutions" / "minigrad", course / "solutions" / "minigrad",
                            ignore=shutil.ignore_patterns("__pycache__"))
            (home / "tmp").mkdir()
            subprocess.run(["chown", "-R", f"{user.pw_uid}:{user.pw_gid}", str(home)], check=True)
            home.chmod(0o700)
            env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "TMPDIR": str(home / "tmp"), "LANG": "C.UTF-8",
                   "PYTHONDONTWRITEBYTECODE": "1"}      # (so that everything the batch writes is in its output)
            python = _venv(user, home, env)
            yield user, env, home, course, python
        finally:
            shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def batch(instructor):
    user, env, home, course, python = instructor
    subs = home.parent / "subs"
    for name in HONEST:
        small_engine(subs / name)
    for name, code in attacks(course, MARK).items():
        small_engine(subs / name, code)
    subprocess.run(["chmod", "-R", "a+rX", str(subs)], check=True)
    before = {"course": tree_digest(course), "subs": tree_digest(subs), "home": sorted(home.rglob("*")),
              "shared": owned_in_shared_folders(user.pw_uid)}
    out = home / "out"
    started = time.monotonic()
    login = [python, "-c", LOGIN, python]          # the grader's keyrings hold the secret too
    done = _as(user, [*login, "-m", "coursekit", "grade", *sorted(subs.iterdir()), "--out", out, *OPTIONS],
               {**env, "GRADER_SECRET": SECRET}, course, 300)
    seconds = time.monotonic() - started
    time.sleep(5)                        # what a left-behind daemon would need to rewrite results
    return done, out, before, seconds


def scores(out: Path) -> dict[str, int]:
    rows = (out / "grades.csv").read_text(encoding="utf-8").splitlines()[1:]
    return {row.split(",")[0]: int(row.split(",")[1]) for row in rows}


@needs_user
def test_the_grader_runs_as_the_user_and_honest_work_earns_full_points(batch, instructor):
    done, out, _, seconds = batch
    assert done.returncode == 0, done.stderr
    got = scores(out)
    assert {name: got[name] for name in HONEST} == {"alice": 10, "bob": 10}, got
    assert len(got) == len(HONEST) + len(attacks(ROOT, MARK))
    assert (out / KEY_FILE).stat().st_uid == instructor[0].pw_uid
    print(f"non-root batch of {len(got)} submissions: {seconds:.1f} s")


@needs_user
@pytest.mark.parametrize("name", sorted(attacks(ROOT, MARK)))
def test_attack_earns_nothing(batch, name):
    _, out, _, _ = batch
    assert scores(out)[name] == 0
    text = (out / name / "feedback.md").read_text(encoding="utf-8")
    assert "ATTACK RESULT 0" not in text, text
    if name not in ("kill-grader", "numpy-memory", "leave-processes"):
        assert "ATTACK RESULT 3" in text, text          # it ran, and it failed


@needs_user
def test_nothing_left_running_and_nothing_written_outside_the_output_folder(batch, instructor):
    user, _, home, course, _ = instructor
    _, out, before, _ = batch
    assert processes_of(user.pw_uid) == [] and leftover_processes(MARK) == []
    assert tree_digest(course) == before["course"] and tree_digest(home.parent / "subs") == before["subs"]
    caches = [home / ".cache" / "matplotlib", home / ".config" / "matplotlib"]   # the report's figures (trusted)
    new = {p for p in home.rglob("*") if not p.is_relative_to(out) and not any(p.is_relative_to(c) for c in caches)}
    assert new - set(before["home"]) == {home / ".cache", home / ".config"} - set(before["home"])
    assert owned_in_shared_folders(user.pw_uid) == before["shared"]
    assert not any((home / "tmp").iterdir())


@needs_user
def test_results_verify_and_a_rerun_keeps_them(batch, instructor):
    user, env, home, course, python = instructor
    _, out, _, _ = batch
    key = (out / KEY_FILE).read_bytes()
    for folder in (p for p in out.iterdir() if p.is_dir()):
        results = parse_results((folder / "results.json").read_bytes())
        assert verified(results, (folder / "feedback.md").read_bytes(), key) is not None, folder.name
    again = _as(user, [python, "-m", "coursekit", "grade", *sorted((home.parent / "subs").iterdir()), "--out", out,
                       *OPTIONS], env, course, 300)
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("unchanged, kept") == len(scores(out)), again.stdout


# ---------------------------------------------------------------- where user namespaces are not allowed

REFUSED = "error: refusing to run student code without a sandbox"


@needs_user
def test_grade_refuses_where_the_user_cannot_make_namespaces(instructor):
    """For real: the grader runs as the user inside a sandbox that forbids nested user namespaces."""
    user, env, home, course, python = instructor
    sub = small_engine(home / "tmp" / "carol")
    subprocess.run(["chown", "-R", f"{user.pw_uid}:{user.pw_gid}", str(sub)], check=True)
    jail = ["bwrap", "--unshare-user", "--disable-userns", "--ro-bind", "/", "/", "--bind", home, home,
            "--dev", "/dev", "--proc", "/proc"]
    try:
        done = _as(user, [*jail, python, "-m", "coursekit", "grade", sub, "--out", home / "tmp" / "out"], env,
                   course, 120)
        assert done.returncode == 2, done.stderr
        assert REFUSED in done.stderr and "User namespaces are not allowed here" in done.stderr, done.stderr
        assert "--trusted-code" in done.stderr and not (home / "tmp" / "out" / "carol").exists()
    finally:
        shutil.rmtree(home / "tmp" / "carol", ignore_errors=True)
        shutil.rmtree(home / "tmp" / "out", ignore_errors=True)


def test_grade_explains_ubuntus_apparmor_restriction(tmp_path, monkeypatch, capsys):
    """Ubuntu 24.04 (kernel.apparmor_restrict_unprivileged_userns = 1), simulated: the kernel setting and
    what bwrap prints there."""
    from coursekit.grading import cli
    (tmp_path / "sys" / "kernel").mkdir(parents=True)
    (tmp_path / "sys" / "kernel" / "apparmor_restrict_unprivileged_userns").write_text("1\n")
    monkeypatch.setattr(bubblewrap, "SYSCTL", tmp_path / "sys")
    monkeypatch.setattr(bubblewrap, "as_root", lambda: False)
    failing = ["sh", "-c", "echo 'bwrap: setting up uid map: Permission denied' >&2; exit 1"]
    monkeypatch.setattr(bubblewrap, "command", lambda *args: (failing, ()))
    assert cli.main(["grade", str(small_engine(tmp_path / "dan")), "--out", str(tmp_path / "out")]) == 2
    message = capsys.readouterr().err
    assert REFUSED in message and "(bwrap: setting up uid map: Permission denied)" in message, message
    for advice in ("kernel.apparmor_restrict_unprivileged_userns = 1", "/etc/apparmor.d/bwrap", "userns,",
                   "flags=(unconfined)", "sudo systemctl reload apparmor", "as root", "--trusted-code"):
        assert advice in message, message
    assert not (tmp_path / "out" / "dan").exists()
