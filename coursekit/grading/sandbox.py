"""The child process that runs a submission's code, and how it is confined (see `Isolation`).

The child is `python -I -S child.py CONFIG` (a copy of child.py; no site-packages, no PYTHON* variables)
with `sys.path` = [working copy, a folder holding only numpy, the standard library]. The working copy
holds the student's `minigrad/` and a stripped `coursekit/` (checks with hidden-case regions removed, no
grader, no solutions). The parent talks to it over stdin and a private result pipe, reads at most
`max_line` bytes per message, and kills the child with everything it started when done.
"""
from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..manifest import CHILD_MODULES
from ..markers import remove_hidden
from . import bubblewrap

CHILD_SCRIPT = Path(__file__).with_name("child.py")
COURSEKIT = Path(__file__).resolve().parent.parent
CHILD_INIT = '''"""coursekit inside a grading child: the checks only (no grader, no solutions, no hidden cases)."""


def check(*args, **kwargs):
    print("（评分时不运行 check）")


def load_ipython_extension(ipython):
    pass
'''
STOP = threading.Event()          # set on Ctrl-C/SIGTERM (a worker process gets a multiprocessing.Event)


class Isolation:
    """How children are confined. BWRAP: the bubblewrap sandbox (bubblewrap.py), the default and the only
    mode for untrusted code on a shared machine. CONTAINER: a throw-away container per submission
    (Gradescope): the child runs as `nobody`, with the limits and the audit hook. TRUSTED: no boundary at
    all (the instructor's own solutions): limits and audit hook only, as the grader's user."""
    BWRAP, CONTAINER, TRUSTED = "bwrap", "container", "trusted"


@dataclass(frozen=True)
class Limits:
    exercise_seconds: float = 30.0       # one exercise's probes, all cases
    submission_seconds: float = 240.0    # everything of one submission
    startup_seconds: float = 30.0        # interpreter + numpy + `import minigrad`
    memory_bytes: int = 384 * 2 ** 20    # RLIMIT_AS: with the parent (~350 MB) within Gradescope's default 768 MB
    file_bytes: int = 16 * 2 ** 20       # RLIMIT_FSIZE: the child's prints and files
    scratch_bytes: int = 64 * 2 ** 20    # the sandbox's writable /tmp (a tmpfs of this size)
    processes: int = 8                   # RLIMIT_NPROC in the sandbox's user namespace (processes + threads)
    max_line: int = 16 * 2 ** 20         # one message from the child
    output_chars: int = 1500             # of the child's printed output, shown in feedback
    user: int | None = None              # CONTAINER: run children as this uid (see `unprivileged_user`)
    isolation: str = Isolation.BWRAP


class ChildDied(Exception):
    pass


class ProtocolError(Exception):
    pass


def link_numpy(folder: Path) -> Path:
    """A folder where only numpy (and its bundled libraries) can be imported from."""
    import numpy       # here, not above: the CLI imports this module at start (grading/cli.py)
    folder.mkdir(parents=True, exist_ok=True)
    source = Path(numpy.__file__).resolve().parent
    for name in ("numpy", "numpy.libs"):
        if (source.parent / name).exists() and not (folder / name).exists():
            (folder / name).symlink_to(source.parent / name, target_is_directory=True)
    return folder


def child_coursekit(dest: Path) -> None:
    """The part of coursekit a child needs, each file with its hidden-test regions removed."""
    (dest / "checks").mkdir(parents=True)
    (dest / "__init__.py").write_text(CHILD_INIT, encoding="utf-8")
    for relative in CHILD_MODULES:
        text = (COURSEKIT / relative).read_text(encoding="utf-8")
        (dest / relative).write_text(remove_hidden(text, relative), encoding="utf-8")


def working_copy(dest: Path, submission_root: Path) -> Path:
    """A fresh working copy: the student's minigrad/ and the stripped coursekit/."""
    dest.mkdir(parents=True)
    if (submission_root / "minigrad").is_dir():
        shutil.copytree(submission_root / "minigrad", dest / "minigrad", symlinks=True)
    child_coursekit(dest / "coursekit")
    (dest / "tmp").mkdir()
    return dest


def child_environment(workdir: Path) -> dict:
    return {**bubblewrap.child_environment(), "HOME": str(workdir), "TMPDIR": str(workdir / "tmp")}


def _members(root: int) -> list[int]:
    """Descendants of `root`, and processes whose session or process group is `root` (what a child may
    have left behind, even after leaving its session)."""
    parents, members = {}, set()
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stream:
                fields = stream.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        if int(fields[2]) == root or int(fields[3]) == root:
            members.add(int(entry))
    grown = True
    while grown:
        grown = False
        for pid, parent in parents.items():
            if pid not in members and (parent == root or parent in members):
                members.add(pid)
                grown = True
    members.discard(root)
    return sorted(members)


def loaded_torch(pids: list[int]) -> bool:
    """Whether any of `pids` has PyTorch's libraries mapped (the child imported torch somehow)."""
    for pid in pids:
        try:
            with open(f"/proc/{pid}/maps", "rb") as stream:
                maps = stream.read()
        except OSError:
            continue
        if b"libtorch" in maps or b"/torch/_C" in maps:
            return True
    return False


class Child:
    """One child process running a submission's code; `kill()` always ends it and all it started."""

    def __init__(self, submission_root: Path, scratch: Path, limits: Limits, site: Path):
        if STOP.is_set():
            raise KeyboardInterrupt
        self.limits = limits
        self.run_dir = Path(tempfile.mkdtemp(prefix="run-", dir=scratch))
        self.workdir = working_copy(self.run_dir / "work", submission_root)
        self.log_path = self.run_dir / "output.log"
        script = Path(shutil.copy(CHILD_SCRIPT, self.run_dir / "child.py"))
        read_fd, write_fd = os.pipe()
        config = {"result_fd": write_fd, "memory_bytes": limits.memory_bytes, "file_bytes": limits.file_bytes,
                  "cpu_seconds": int(limits.submission_seconds + limits.startup_seconds) + 5}
        fds = (write_fd,)
        try:
            argv, options = self._command(config, script, site)
            fds += options.pop("pass_fds", ())
            with open(self.log_path, "wb") as log:
                self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT,
                                             start_new_session=True, pass_fds=fds, **options)
        except BaseException:
            os.close(read_fd)
            shutil.rmtree(self.run_dir, ignore_errors=True)
            raise
        finally:
            for fd in fds:                 # the child's now (and bwrap's user namespace and filter)
                os.close(fd)
        self.results, self.buffer = read_fd, bytearray()
        os.set_blocking(self.proc.stdin.fileno(), False)

    def _command(self, config: dict, script: Path, site: Path) -> tuple[list[str], dict]:
        limits = self.limits
        if limits.isolation == Isolation.BWRAP:
            root = bubblewrap.as_root()
            config.update(workdir=bubblewrap.WORK, site=bubblewrap.SITE, tmp=bubblewrap.TMP,
                          uid=bubblewrap.CHILD_UID if root else None, processes=limits.processes)
            inner = [bubblewrap.runtime().interpreter, "-I", "-S", bubblewrap.SCRIPT, json.dumps(config)]
            argv, fds = bubblewrap.command(inner, self.workdir, script, limits.scratch_bytes)
            return argv, {"pass_fds": fds, "cwd": "/", "env": {}}
        config.update(workdir=str(self.workdir), site=str(site), tmp=str(self.workdir / "tmp"))
        options = {"cwd": self.workdir, "env": child_environment(self.workdir)}
        if limits.user is not None:                  # the child may traverse run_dir, and owns its copy
            self.run_dir.chmod(0o711)
            for path in [self.workdir, *self.workdir.rglob("*")]:
                os.chown(path, limits.user, limits.user, follow_symlinks=False)
            options.update(user=limits.user, group=limits.user, extra_groups=[])
        return [sys.executable, "-I", "-S", str(script), json.dumps(config)], options

    # -------------------------------------------------------------- talking

    def send(self, message: dict, deadline: float) -> None:
        data = (json.dumps(message) + "\n").encode()
        fd = self.proc.stdin.fileno()
        while data:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            if not select.select([], [fd], [], min(left, 0.5))[1]:
                continue
            try:
                data = data[os.write(fd, data):]
            except (BrokenPipeError, OSError):
                raise ChildDied from None

    def receive(self, deadline: float) -> dict:
        """The next message; TimeoutError past `deadline`, ChildDied on EOF, ProtocolError on garbage."""
        end = self.buffer.find(b"\n")
        while end < 0:
            if STOP.is_set():
                raise KeyboardInterrupt          # the batch stops: this submission's result is not written
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            if not select.select([self.results], [], [], min(left, 0.5))[0]:
                continue
            chunk = os.read(self.results, 1 << 20)
            if not chunk:
                raise ChildDied
            if b"\n" in chunk:                  # (only the new chunk is searched: the pipe gives 64 KB at a time)
                end = len(self.buffer) + chunk.index(b"\n")
            self.buffer += chunk
            if (end if end >= 0 else len(self.buffer)) > self.limits.max_line:
                raise ProtocolError(f"子进程发回的结果超过 {self.limits.max_line // 2 ** 20} MB 上限")
        line = bytes(self.buffer[:end])
        del self.buffer[:end + 1]
        try:
            message = json.loads(line)
        except (ValueError, RecursionError):       # garbage, or nesting deep enough to exhaust the stack
            raise ProtocolError("子进程发回的结果不是有效的 JSON") from None
        if not isinstance(message, dict):
            raise ProtocolError("子进程发回的结果格式不对")
        return message

    # -------------------------------------------------------------- watching and ending

    def members(self) -> list[int]:
        return _members(self.proc.pid)

    def loaded_torch(self) -> bool:
        return loaded_torch([self.proc.pid, *self.members()])

    def exit_description(self) -> str:
        code = self.proc.poll()
        if code is None:
            try:
                code = self.proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                return "子进程不再响应"
        if code > 128 and self.limits.isolation == Isolation.BWRAP:     # bwrap reports a signal as 128 + n
            code = 128 - code
        if code < 0:
            name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
            hint = {"SIGKILL": "（可能超出了内存上限）", "SIGXCPU": "（超出 CPU 时间上限）",
                    "SIGXFSZ": "（输出或写入的文件超过大小上限）", "SIGSEGV": "（内存访问错误）"}.get(name, "")
            return f"子进程被信号 {name} 终止{hint}"
        return f"子进程提前退出（退出码 {code}）"

    def output(self) -> str:
        """The child's printed output, capped: its beginning and its end."""
        cap = self.limits.output_chars
        try:
            size = self.log_path.stat().st_size
            with open(self.log_path, "rb") as stream:
                head = stream.read(cap)
                stream.seek(max(size - cap, len(head)))
                tail = stream.read(cap)
        except OSError:
            return ""
        text = head.decode("utf-8", "replace")
        if tail:
            text += ("\n……（中间省略）……\n" if size > 2 * cap else "") + tail.decode("utf-8", "replace")
        return text.replace(f"{self.workdir}{os.sep}", "").strip()    # paths as the student knows them

    def kill(self) -> None:
        """End the child, every process in its session, and remove its working copy."""
        for _ in range(5):
            for pid in {self.proc.pid, *self.members()}:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            if not self.members():
                break
            time.sleep(0.05)
        for stream in (self.proc.stdin,):
            try:
                stream.close()
            except OSError:
                pass
        try:
            os.close(self.results)
        except OSError:
            pass
        shutil.rmtree(self.run_dir, ignore_errors=True)


NOBODY = 65534


def unprivileged_user(scratch: Path, site: Path) -> int | None:
    """`nobody` if this process is root and a child can really run as nobody here (interpreter, numpy
    and the scratch folder reachable), else None: children then run as this user, confined by the
    audit hook only. As nobody a child cannot raise its limits, signal the grader or write its files."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    probe = scratch / "probe"
    (probe / "minigrad").mkdir(parents=True)
    (probe / "minigrad" / "__init__.py").write_text("")
    child = None
    try:
        child = Child(probe, scratch, Limits(user=NOBODY, startup_seconds=20, isolation=Isolation.CONTAINER), site)
        ready = child.receive(time.monotonic() + 20)
        return NOBODY if ready.get("type") == "ready" and not ready.get("error") else None
    except (OSError, subprocess.SubprocessError, ChildDied, TimeoutError, ProtocolError):
        return None
    finally:
        if child is not None:
            child.kill()
        shutil.rmtree(probe, ignore_errors=True)
