"""The OS boundary around a grading child: a bubblewrap (`bwrap`) command line.

The child gets new user, PID, mount, network, IPC and UTS namespaces, its own session, and dies with
its parent. It sees a read-only minimal filesystem:

    <python prefix>/bin/pythonX.Y, libpython, the standard library   (site-packages hidden by an empty tmpfs)
    /lib*, /usr/lib/<multiarch>                                       the system's shared libraries
    /site/numpy, /site/numpy.libs                                     numpy only
    /work                                                             the working copy (student minigrad/ + stripped coursekit/)
    /grader/child.py                                                  the child's own script
    /tmp                                                              the only writable place: a tmpfs of limited size
    /proc (its own PID namespace), /dev (null, zero, random, ...)     read-only, as the root folder (bwrap's tmpfs)

No home folder, no torch, no instructor checkout, no other submission, no output folder, and no kernel
keyring (`seccomp_program`).

Who the child is. When the grader runs as root, a user namespace is made here with two mappings:
0 -> 0 (so that bwrap, as root of the namespace, can mount the interpreter even from /root) and
CHILD_UID -> an unprivileged host uid unique to this grading process; nested user namespaces are
disabled in it. child.py switches to CHILD_UID before it reads the submission, so student code runs
as an unprivileged host user, without capabilities and without `setuid` binaries (no_new_privs).
Otherwise (an instructor's own account: tests/coursekit/test_grading_nonroot.py) bwrap makes the user namespace
itself (`--unshare-user --disable-userns`) and the child keeps the grader's uid, without capabilities.
Either way the process limit (RLIMIT_NPROC, set by child.py) holds for the sandbox alone: Linux counts
processes per user namespace (since 5.14). Where the grader's user may not make user namespaces
(Ubuntu's AppArmor restriction, sysctls), `check` refuses with what to do (`userns_advice`).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import errno
import functools
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

CHILD_UID = 1000                      # inside the namespace
HOST_UID_BASE = 1_500_000_000         # + this process's pid: a host uid no account and no other grader uses
SITE, WORK, SCRIPT, TMP = "/site", "/work", "/grader/child.py", "/tmp"
INSTALL = ("`apt install bubblewrap` (Debian/Ubuntu), or grade on Gradescope (`python -m coursekit gradescope`), "
           "where every submission gets its own container")

USERNS_HELPER = """
import ctypes, sys
if ctypes.CDLL(None, use_errno=True).unshare(0x10000000):
    sys.exit(1)
print("unshared", flush=True)
sys.stdin.readline()                    # the parent has written uid_map and gid_map
try:                                    # no user namespace can be made inside this one
    with open("/proc/sys/user/max_user_namespaces", "w") as f:
        f.write("0")
except OSError:
    sys.exit(2)
print("ready", flush=True)
sys.stdin.readline()
"""


class Unavailable(Exception):
    """bubblewrap cannot confine children here (the message says why and what to do)."""


@dataclass(frozen=True)
class Runtime:
    """What a child needs to run: the interpreter, its libraries, its standard library and numpy."""
    interpreter: str
    files: tuple[str, ...]          # bound read-only at the same path
    folders: tuple[str, ...]        # bound read-only at the same path
    hidden: tuple[str, ...]         # folders inside those, covered by an empty tmpfs (site-packages)
    numpy: tuple[str, ...]          # numpy/ and numpy.libs/, bound under /site


def _libraries(binaries: list[str]) -> set[str]:
    """Shared libraries these binaries load, as `ldd` resolves them (one call)."""
    done = subprocess.run(["ldd", *binaries], capture_output=True, text=True, timeout=60)
    found = set()
    for line in done.stdout.splitlines():
        parts = line.split()
        if "=>" in parts and len(parts) > parts.index("=>") + 1 and parts[parts.index("=>") + 1].startswith("/"):
            found.add(parts[parts.index("=>") + 1])
        elif parts and parts[0].startswith("/") and not parts[0].endswith(":"):
            found.add(parts[0])                # the dynamic loader itself
    return found


@functools.lru_cache(maxsize=1)
def runtime() -> Runtime:
    import numpy       # here, not above: the CLI imports this module at start (grading/cli.py -> sandbox)
    interpreter = os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)
    paths = sysconfig.get_paths(vars={"base": sys.base_prefix, "platbase": sys.base_prefix})
    stdlib = os.path.realpath(paths["stdlib"])
    numpy_dir = Path(numpy.__file__).resolve().parent
    numpy_dirs = tuple(str(p) for p in (numpy_dir, numpy_dir.parent / "numpy.libs") if p.is_dir())
    extensions = [str(p) for p in numpy_dir.glob("_core/*.so")] + [str(p) for p in Path(stdlib, "lib-dynload").glob("*.so")]
    libraries = _libraries([interpreter, *extensions])
    system = sorted({os.path.dirname(p) for p in libraries
                     if not p.startswith((sys.base_prefix, *numpy_dirs))})
    own = sorted(p for p in libraries if p.startswith(sys.base_prefix))      # libpython
    hidden = tuple(str(Path(stdlib, d)) for d in ("site-packages", "dist-packages") if Path(stdlib, d).is_dir())
    return Runtime(interpreter, (interpreter, *own), (stdlib, *system), hidden, numpy_dirs)


def _host_uid() -> int:
    return HOST_UID_BASE + os.getpid()


@functools.lru_cache(maxsize=4)
def _user_namespace(pid: int) -> int:
    """(root only) A user namespace mapping 0 -> 0 and CHILD_UID -> an unused host uid; its fd."""
    helper = subprocess.Popen([runtime().interpreter, "-I", "-S", "-c", USERNS_HELPER], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        if helper.stdout.readline().strip() != "unshared":
            raise Unavailable("this kernel does not allow new user namespaces")
        host = _host_uid()
        for name in ("uid_map", "gid_map"):
            if name == "gid_map":
                Path(f"/proc/{helper.pid}/setgroups").write_text("deny")
            Path(f"/proc/{helper.pid}/{name}").write_text(f"0 0 1\n{CHILD_UID} {host} 1\n")
        helper.stdin.write("\n")
        helper.stdin.flush()
        if helper.stdout.readline().strip() != "ready":
            raise Unavailable("cannot disable nested user namespaces")
        return os.open(f"/proc/{helper.pid}/ns/user", os.O_RDONLY | os.O_CLOEXEC)
    except OSError as error:
        raise Unavailable(f"cannot set up a user namespace: {error}") from None
    finally:
        helper.kill()
        helper.wait()


def as_root() -> bool:
    return os.geteuid() == 0


def command(inner: list[str], work: Path, script: Path, scratch_bytes: int) -> tuple[list[str], tuple[int, ...]]:
    """The bwrap command line running `inner` (paths as the child sees them), and the fds it must inherit:
    the caller's to close once bwrap has started."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise Unavailable(f"bubblewrap (bwrap) is not installed: {INSTALL}")
    rt = runtime()
    namespace = _user_namespace(os.getpid()) if as_root() else None
    filter_fd = _pipe_holding(seccomp_program())
    args, fds = [bwrap, "--seccomp", str(filter_fd)], (filter_fd,)
    if namespace is not None:
        fd = os.dup(namespace)
        args += ["--userns", str(fd), "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]   # child.py drops them
        fds += (fd,)
    else:
        args += ["--unshare-user", "--disable-userns"]
    args += ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--hostname", "grading",
             "--die-with-parent", "--new-session", "--clearenv", "--proc", "/proc", "--dev", "/dev"]
    destinations = rt.files + rt.folders + (f"{SITE}/numpy", WORK, SCRIPT)
    for folder in _ancestors(destinations):                # traversable by the child's unprivileged user
        args += ["--perms", "0755", "--dir", folder]
    for path in rt.files + rt.folders:
        args += ["--ro-bind", path, path]
    for path in rt.hidden:
        args += ["--tmpfs", path]
    for path in rt.numpy:
        args += ["--ro-bind", path, f"{SITE}/{os.path.basename(path)}"]
    args += ["--ro-bind", str(work), WORK, "--ro-bind", str(script), SCRIPT,
             "--perms", "1777", "--size", str(scratch_bytes), "--tmpfs", TMP, "--chdir", TMP,
             "--remount-ro", "/dev", "--remount-ro", "/"]    # tmpfs of half the RAM, the child's own without root
    for key, value in child_environment().items():
        args += ["--setenv", key, value]
    return args + ["--", *inner], fds


# ---------------------------------------------------------------- no kernel keyrings

KEYRING_CALLS = ("keyctl", "add_key", "request_key")
SCMP_ACT_ALLOW, SCMP_ACT_ERRNO = 0x7FFF0000, 0x00050000


@functools.lru_cache(maxsize=1)
def seccomp_program() -> bytes:
    """A seccomp filter, as `bwrap --seccomp` reads it, under which the kernel keyring calls fail with EPERM
    (as in Flatpak and Docker). Keyrings are not namespaced: a child running as the grader's user could
    otherwise link the instructor's user keyring (listed in /proc/keys) and read the keys in it, and any
    child could read the session keyring it inherits. Built with libseccomp (any other architecture's
    system calls kill the child)."""
    name = ctypes.util.find_library("seccomp")
    if name is None:
        raise Unavailable("libseccomp is not installed (`apt install libseccomp2`), which the sandbox needs to "
                          f"keep children away from the kernel keyrings. {INSTALL}")
    lib = ctypes.CDLL(name)
    lib.seccomp_init.restype = ctypes.c_void_p
    context = ctypes.c_void_p(lib.seccomp_init(ctypes.c_uint32(SCMP_ACT_ALLOW)))
    try:
        for call in KEYRING_CALLS:
            number = lib.seccomp_syscall_resolve_name(call.encode())
            if lib.seccomp_rule_add(context, ctypes.c_uint32(SCMP_ACT_ERRNO | errno.EPERM), number, 0) != 0:
                raise Unavailable(f"libseccomp cannot filter the system call {call}")
        with tempfile.TemporaryFile() as program:
            if lib.seccomp_export_bpf(context, program.fileno()) != 0:
                raise Unavailable("libseccomp cannot export its filter")
            program.seek(0)
            return program.read()
    finally:
        lib.seccomp_release(context)


def _pipe_holding(data: bytes) -> int:
    """The read end of a pipe holding `data` (the filter: a few hundred bytes, within the pipe's buffer)."""
    read, write = os.pipe()
    try:
        os.write(write, data)
    except BaseException:
        os.close(read)
        raise
    finally:
        os.close(write)
    return read


def _ancestors(paths: tuple[str, ...]) -> list[str]:
    found = set()
    for path in paths:
        found.update(str(parent) for parent in Path(path).parents if str(parent) != "/")
    return sorted(found - set(paths), key=lambda p: (p.count("/"), p))


def child_environment() -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": TMP, "TMPDIR": TMP, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
            "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def check() -> None:
    """Raise Unavailable (with what to do) unless a bubblewrap sandbox can be started here."""
    if shutil.which("bwrap") is None:
        raise Unavailable(f"bubblewrap (bwrap) is not installed: {INSTALL}")
    with tempfile.TemporaryDirectory(prefix="bwrap-probe-") as folder:
        script = Path(folder, "probe.py")
        script.write_text("import os\nprint('ok')\n")
        seccomp_program()                                # Unavailable without libseccomp
        fds = ()
        try:
            args, fds = command([runtime().interpreter, "-I", "-S", SCRIPT], Path(folder), script, 1 << 20)
            done = subprocess.run(args, pass_fds=fds, capture_output=True, text=True, timeout=60)
        except Unavailable as error:                 # (as root) no user namespace could be made
            raise Unavailable(f"{error}. {userns_advice()}") from None
        except (OSError, subprocess.SubprocessError) as error:
            raise Unavailable(f"bubblewrap cannot start a sandbox here ({error}): {INSTALL}") from None
        finally:
            for fd in fds:
                os.close(fd)
    if done.stdout.strip() != "ok":
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise Unavailable(f"bubblewrap cannot start a sandbox here ({reason}). {userns_advice()}")


# ---------------------------------------------------------------- when namespaces are not allowed

SYSCTL = Path("/proc/sys")
APPARMOR_PROFILE = """abi <abi/4.0>,
include <tunables/global>

profile bwrap {bwrap} flags=(unconfined) {{
  userns,
}}"""


def _setting(name: str) -> str | None:
    try:
        return (SYSCTL / name).read_text().strip()
    except OSError:
        return None


def userns_advice() -> str:
    """What to do when bubblewrap cannot make its namespaces, read from the kernel's settings."""
    gradescope = ("Or grade on Gradescope (`python -m coursekit gradescope`), where every submission gets its own "
                  "container")
    if not as_root() and _setting("kernel/apparmor_restrict_unprivileged_userns") == "1":
        profile = APPARMOR_PROFILE.format(bwrap=os.path.realpath(shutil.which("bwrap") or "/usr/bin/bwrap"))
        return ("AppArmor restricts unprivileged user namespaces here (kernel.apparmor_restrict_unprivileged_userns "
                "= 1, the default since Ubuntu 24.04). Allow them for bubblewrap alone: save these lines as "
                f"/etc/apparmor.d/bwrap\n\n{profile}\n\nthen run `sudo systemctl reload apparmor`. Or run `coursekit "
                f"grade` as root (sudo), which needs no unprivileged user namespace. {gradescope}")
    if not as_root() and _setting("kernel/unprivileged_userns_clone") == "0":
        return ("Unprivileged user namespaces are disabled here (kernel.unprivileged_userns_clone = 0): run `sudo "
                "sysctl -w kernel.unprivileged_userns_clone=1` (and put it in /etc/sysctl.d/ to keep it), or run "
                f"`coursekit grade` as root (sudo). {gradescope}")
    if _setting("user/max_user_namespaces") == "0":
        return ("User namespaces are disabled here (user.max_user_namespaces = 0): run `sudo sysctl -w "
                f"user.max_user_namespaces=10000` (and put it in /etc/sysctl.d/ to keep it). {gradescope}")
    return ("User namespaces are not allowed here. Check the sysctls user.max_user_namespaces, "
            "kernel.unprivileged_userns_clone and kernel.apparmor_restrict_unprivileged_userns, the SELinux policy, "
            f"or whether this is a container that forbids nested namespaces (then grade outside it). {gradescope}")
