"""Hostile submissions' code against the grader's OS sandbox, one per way of cheating or harming (shared by
tests/coursekit/test_grading_hostile.py, as root, and tests/coursekit/test_grading_nonroot.py, as an ordinary user).

Most attacks first get rid of the audit hook (the second layer), so that what is tested is the OS
boundary: `unhooked` starts a fresh interpreter through `_posixsubprocess` (no audit event), which runs
the attack with no hook at all and reports by its exit code (0: the attack worked).
"""
from __future__ import annotations

import textwrap
from pathlib import Path

SECRET = "grader-secret-27182818"                     # in the grader's environment (GRADER_SECRET)
FIND_SECRET = "('grader-secret-' + str(27182818))"    # (the attack's own command line must not hold it)


def keep_secret_in_keyrings(secret: str, user_keyring: bool = False) -> bool:
    """This process (the grader) joins a new session keyring holding `secret`, as a login's keyring may hold
    a Kerberos ticket or a disk key; with `user_keyring`, the user's keyring (@u) holds it too, for 10
    minutes. False where the machine has no kernel keyrings for it."""
    import ctypes
    import platform
    numbers = {"x86_64": (248, 250), "aarch64": (217, 219)}.get(platform.machine())   # add_key, keyctl
    if numbers is None:
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.syscall(numbers[1], 1, None) < 0:                # KEYCTL_JOIN_SESSION_KEYRING, anonymous
        return False
    data = secret.encode()
    for ring in (-3, -4) if user_keyring else (-3,):         # @s, @u
        key = libc.syscall(numbers[0], b"user", b"grading-secret", data, len(data), ring)
        if key < 0 or libc.syscall(numbers[1], 15, key, 600) < 0:    # KEYCTL_SET_TIMEOUT
            return False
    return True


def _unhooked_prelude(mark: str) -> str:
    return f'''
import _posixsubprocess, os, sys, time
def unhooked(code, wait=True):
    """Run `code` in a fresh interpreter: no audit hook there, and this spawn raised no audit event."""
    r, w = os.pipe()
    pid = _posixsubprocess.fork_exec([sys.executable, "-S", "-c", code, "{mark}"], [os.fsencode(sys.executable)],
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


def unhooked(code: str, mark: str, wait: bool = True) -> str:
    """Attack code (inside central_difference): run `code` unhooked and raise with its exit code."""
    code = textwrap.dedent(code)
    return _unhooked_prelude(mark) + f"result = unhooked({code!r}, {wait})\nraise RuntimeError(f'ATTACK RESULT {{result}}')"


def attacks(root: Path, mark: str) -> dict[str, str]:
    """Attack code (run inside central_difference) against the checkout `root` (its coursekit/ and
    solutions/); `mark` is in the command line of every process an attack starts."""
    coursekit = root / "coursekit"
    codes = {   # name: attack code; every one must end with "ATTACK RESULT <nonzero>" or earn nothing else
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
    """, mark),
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
    """, mark),
        # append code to the grader's own coursekit package
        "write-coursekit": unhooked(f"""
    import sys
    done = 0
    for path in ({str(coursekit / "__init__.py")!r}, {str(coursekit / "grading" / "grader.py")!r}):
        try:
            open(path, 'a').write('\\n# {mark}\\n')
            done += 1
        except OSError:
            pass
    sys.exit(0 if done else 3)
    """, mark),
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
    """, mark),
        # the instructor's solutions, found through the editable install
        "read-solutions": unhooked(f"""
    import sys
    try:
        source = open({str(root / "solutions" / "minigrad" / "numdiff.py")!r}).read()
    except OSError:
        sys.exit(3)
    sys.exit(0)
    """, mark),
        # a classmate's submission, in the grader's scratch folder, during the same batch
        "copy-classmate": unhooked("""
    import os, sys
    for root, dirs, files in os.walk('/'):
        if ('numdiff.py' in files and not root.startswith('/work')) or '.grading-key' in files:
            sys.exit(0)
    sys.exit(3)
    """, mark),
        # processes left running in new sessions (double fork, setsid)
        "leave-processes": unhooked(f"""
    import os, time
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(300)        # {mark}
        os._exit(0)
    """, mark, wait=False),
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
    """, mark),
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
    """, mark),
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
    """, mark),
        # memory: bwrap's root folder and /dev are tmpfs too (half the RAM each), outside the scratch's limit
        "fill-memory": unhooked("""
    import os, sys
    wrote = 0
    for folder in ('/', '/dev', '/dev/shm', '/grader', '/site', '/work', '/proc'):
        for n in range(4):                    # 64 MB proves it (more files would take the machine's RAM)
            try:
                with open(os.path.join(folder, f'filler{n}'), 'wb') as f:
                    for _ in range(16):
                        f.write(b'x' * (1 << 20))
                        wrote += 1
            except OSError:
                break
        if wrote >= 64:
            sys.exit(0)
    sys.exit(3)
    """, mark),
        # path checks of the audit hook fooled by a str whose methods lie (no second process at all)
        "lying-str": f"""
    class Lie(str):
        def partition(self, sep):
            return ('tmp', '', '')
        def __getitem__(self, index):
            return Lie(str.__getitem__(self, index))
    for path in ({str(root / "solutions" / "minigrad" / "numdiff.py")!r}, {str(coursekit / "grading" / "grader.py")!r}):
        try:
            open(Lie(path), 'a').write('# {mark}')
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
        # the grader's kernel keyrings (join_session_keyring): every key reachable from this process
        "read-keyrings": unhooked(f"""
    import ctypes, platform, sys
    keyctl = {{"x86_64": 250, "aarch64": 219}}.get(platform.machine())
    libc = ctypes.CDLL(None, use_errno=True)
    def read(key):
        buffer = ctypes.create_string_buffer(1 << 16)
        size = libc.syscall(keyctl, 11, ctypes.c_int(key), buffer, 1 << 16)     # KEYCTL_READ
        return buffer.raw[:min(size, 1 << 16)] if size > 0 else b''
    def listed():
        try:
            return [int(line.split()[0], 16) for line in open('/proc/keys')]
        except OSError:
            return []
    for key in listed():                     # possess every keyring this uid may link (KEYCTL_LINK into @s)
        libc.syscall(keyctl, 8, ctypes.c_int(key), ctypes.c_int(-3))
    found = False
    for ring in ((-1, -2, -3, -4, -5) if keyctl else ()):     # thread, process, session, user, user-session
        keys = read(ring)
        for i in range(0, len(keys) - 3, 4):
            found |= {FIND_SECRET}.encode() in read(int.from_bytes(keys[i:i + 4], sys.byteorder, signed=True))
    for key in listed() if keyctl else ():
        found |= {FIND_SECRET}.encode() in read(key)
    sys.exit(0 if found else 3)
    """, mark),
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
    """, mark),
    }
    return {name: textwrap.dedent(code) for name, code in codes.items()}
