"""The code that runs inside a grading child (stdlib only until `sys.path` is set; numpy after).

Started as `python -I -S child.py CONFIG` by coursekit.grading.sandbox in a fresh working copy that holds
the student's `minigrad/` and a stripped `coursekit/` (checks without hidden cases, no grader, no
solutions). Before any student code runs it limits its own resources, installs an audit hook that
refuses torch, new processes, signals, ctypes and file access outside the working copy and numpy, then
imports the student's engine.

Line protocol (one JSON object per line):
    parent -> stdin:      {"exercise": id, "source": cell source or null, "cases": [{"check": i, "args": {...}}]}
    child  -> result fd:  {"type": "ready", "error": null | message}
                          {"type": "case", "index": k, "status": "ok" | "not_implemented" | "error",
                           "outputs": {key: array}, "message": text, "node": engine function or ""}
                          {"type": "done"}
Arrays travel as {"dtype": "<f4", "shape": [...], "data": base64 of the raw bytes}; the parent decodes
them with `decode_outputs`, which validates everything and never unpickles.
"""
from __future__ import annotations

import base64
import json
import os
import sys

ARRAY_KINDS = "biuf"               # bool, int, unsigned, float: nothing else crosses
MAX_STRING = 4000                  # characters of a message the parent keeps
FORBIDDEN_MODULES = ("torch", "functorch", "torchgen", "torchvision", "torchaudio", "jax", "tensorflow",
                     "autograd", "sympy", "scipy", "coursekit.grading", "coursekit.checks.hidden")
BLOCKED_EVENTS = {
    "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
    "pty.spawn", "os.kill", "os.killpg", "signal.pthread_kill", "resource.setrlimit", "resource.prlimit",
    "ctypes.dlopen", "ctypes.dlsym", "ctypes.dlsym/handle", "ctypes.call_function", "ctypes.cdata",
    "gc.get_objects", "gc.get_referrers", "gc.get_referents", "socket.connect", "socket.bind",
    "socket.sendto", "sys.setprofile", "sys.settrace", "os.setuid", "os.chroot", "os.putenv",
}
PATH_EVENTS = {"os.rename", "os.remove", "os.rmdir", "os.mkdir", "os.symlink", "os.link", "os.truncate",
               "os.chmod", "os.chown", "os.utime", "os.chdir", "shutil.copyfile", "shutil.copytree",
               "shutil.rmtree", "shutil.move", "shutil.copymode", "shutil.copystat", "shutil.chown"}


# ---------------------------------------------------------------- arrays on the wire (both sides)

def encode_array(array) -> dict:
    import numpy as np
    array = np.asarray(array)           # (not ascontiguousarray: it turns 0-d arrays into 1-d ones)
    return {"dtype": array.dtype.str, "shape": list(array.shape),
            "data": base64.b64encode(array.tobytes(order="C")).decode("ascii")}


def encode_value(value):
    """Case arguments: arrays and numpy scalars become wire arrays, plain data stays as it is."""
    import numpy as np
    if isinstance(value, np.generic):
        return {"__scalar__": encode_array(np.asarray(value))}
    if isinstance(value, np.ndarray):
        return {"__array__": encode_array(value)}
    if isinstance(value, dict):
        return {str(k): encode_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode_value(v) for v in value]
    return value


def decode_array(wire, max_elements: int):
    """A wire array as a numpy array, or ValueError if anything about it is not plain numeric data."""
    import numpy as np
    if not isinstance(wire, dict) or set(wire) != {"dtype", "shape", "data"}:
        raise ValueError("not an array record")
    dtype = np.dtype(str(wire["dtype"]))
    if dtype.kind not in ARRAY_KINDS or dtype.itemsize > 8 or dtype.hasobject:
        raise ValueError(f"dtype {dtype} is not allowed")
    shape = wire["shape"]
    if not isinstance(shape, list) or len(shape) > 8 or not all(type(n) is int and 0 <= n for n in shape):
        raise ValueError("bad shape")
    count = 1
    for n in shape:
        count *= n
    if count > max_elements:
        raise ValueError(f"{count} elements is more than the allowed {max_elements}")
    data = base64.b64decode(str(wire["data"]), validate=True)
    if len(data) != count * dtype.itemsize:
        raise ValueError("data size does not match shape and dtype")
    return np.frombuffer(data, dtype=dtype).reshape(shape).copy()


def decode_value(value):
    """The child's inverse of `encode_value` (the parent is trusted)."""
    if isinstance(value, dict):
        if set(value) == {"__array__"}:
            return decode_array(value["__array__"], 10 ** 9)
        if set(value) == {"__scalar__"}:
            return decode_array(value["__scalar__"], 1)[()]
        return {k: decode_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode_value(v) for v in value]
    return value


# ---------------------------------------------------------------- confinement (child only)

def drop_privileges(config: dict) -> None:
    """In the bubblewrap sandbox of a root grader: become the namespace's unprivileged user (an unused
    host uid), which also drops the two capabilities bwrap left for this switch."""
    uid = config.get("uid")
    if uid is not None:
        os.setgid(int(uid))
        os.setuid(int(uid))
        if os.getuid() != int(uid) or os.geteuid() != int(uid):
            raise SystemExit("could not drop privileges")


def limit_resources(config: dict) -> None:
    """Soft and hard limits alike, so that student code cannot raise them again."""
    import resource        # POSIX only: the parent imports this module too (decode_array), on any system
    memory = int(config["memory_bytes"])
    limits = [("RLIMIT_AS", memory), ("RLIMIT_CPU", int(config["cpu_seconds"])),
              ("RLIMIT_FSIZE", int(config["file_bytes"])), ("RLIMIT_CORE", 0), ("RLIMIT_NOFILE", 256)]
    if config.get("processes"):        # only in the sandbox: Linux counts them per user namespace (>= 5.14)
        limits.append(("RLIMIT_NPROC", int(config["processes"])))
    for name, value in limits:
        try:
            resource.setrlimit(getattr(resource, name), (value, value))
        except (ValueError, OSError):     # e.g. macOS does not enforce RLIMIT_AS; the time limits still hold
            pass


def _inside(path, roots: tuple[str, ...]) -> bool:
    real = os.path.realpath(os.fsdecode(path))
    return any(real == root or real.startswith(root + os.sep) for root in roots)


def install_audit_hook(workdir: str, readable: tuple[str, ...], stdlib: tuple[str, ...], refused: list,
                       scratch: tuple[str, ...] = ()) -> None:
    """Refuse what a probe never needs. Audit hooks cannot be removed from Python code.

    Writes are allowed in the working copy and `scratch`; reads there, in `readable` (numpy's folders,
    this script) and in the standard library `stdlib`, except the site-packages folder it holds.
    """
    writable = tuple(os.path.realpath(p) for p in (workdir, *scratch))
    allowed = writable + tuple(os.path.realpath(p) for p in readable) + ("/dev/null", "/dev/urandom")
    stdlib = tuple(os.path.realpath(p) for p in stdlib)
    forbidden, blocked, path_events = FORBIDDEN_MODULES, frozenset(BLOCKED_EVENTS), frozenset(PATH_EVENTS)

    def may_read(path) -> bool:
        if _inside(path, allowed):
            return True
        real = os.path.realpath(os.fsdecode(path))
        if "site-packages" in real.split(os.sep) or "dist-packages" in real.split(os.sep):
            return False
        return _inside(real, stdlib)

    def refuse(what: str):
        refused.append(what)
        raise PermissionError(f"评分环境禁止此操作：{what}")

    def hook(event: str, args: tuple) -> None:
        if event == "import":
            name = str(args[0])
            if any(name == m or name.startswith(m + ".") for m in forbidden):
                refuse(f"import {name}")
        elif event in blocked:            # bound above: rebinding the module's sets changes nothing
            refuse(event)
        elif event == "open":
            path, mode, flags = args
            if isinstance(path, int) or path is None:
                return
            writing = (mode is not None and any(c in str(mode) for c in "wax+")) or (
                isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND))
            if not (_inside(path, writable) if writing else may_read(path)):
                refuse(f"open {os.fsdecode(path)!r}")
        elif event in path_events:
            for arg in args:
                if isinstance(arg, (str, bytes, os.PathLike)) and not _inside(arg, writable):
                    refuse(f"{event} {os.fsdecode(arg)!r}")

    sys.addaudithook(hook)


# ---------------------------------------------------------------- running probes (child only)

class Channel:
    """The child's end of the result pipe: one JSON line per message."""

    def __init__(self, fd: int):
        self.fd = fd

    def send(self, message: dict) -> None:
        data = (json.dumps(message, ensure_ascii=True) + "\n").encode("ascii")
        while data:
            data = data[os.write(self.fd, data):]


def _short(text: str) -> str:
    return text if len(text) <= MAX_STRING else text[:MAX_STRING] + "…"


def _describe(error: BaseException) -> str:
    from coursekit.runner import describe_error
    if isinstance(error, SystemExit):
        return f"学生代码调用了 sys.exit({error.code!r})"
    try:
        return describe_error(error)
    except Exception:
        return f"{type(error).__name__}"


def _node(error: BaseException) -> str:
    """The engine function where the student should look ("Mul.jvp"), or "" (the parent stores it as data)."""
    try:
        from coursekit.blame import locate
        spot = locate(error).spot
        return str(spot.function)[:120] if spot else ""
    except Exception:
        return ""


def _import_failed(error: BaseException) -> str:
    """The students' own verdict for an engine that does not import (file, line, code, what Python says)."""
    try:
        from coursekit.blame import import_verdict
        return import_verdict(error).removeprefix("❌ ")
    except Exception:
        return f"import minigrad 失败：{_describe(error)}"


def run_request(request: dict, minigrad, channel: Channel) -> None:
    """Run the cases of one exercise the parent asked for and send each outcome. A notebook exercise's cell
    runs alone, in a fresh namespace, through the same code and sentences as the students' `check` and
    `coursekit submit` (coursekit.answers.define_or_explain)."""
    from coursekit.answers import define_or_explain
    from coursekit import exercises
    from coursekit.runner import unfinished_exercise
    from coursekit.compare import to_plain
    exercise = exercises.get(request["exercise"])
    answer = None
    if exercise.answer:
        try:
            answer = define_or_explain(exercise, request.get("source") or "", minigrad)
        except BaseException as error:   # noqa: B036 - a cell may even raise SystemExit
            from coursekit.answers import AnswerCellFailed
            explained = str(error) if isinstance(error, AnswerCellFailed) else f"执行练习单元格失败：{_describe(error)}"
            channel.send({"type": "cell_failed", "message": _short(explained)})     # said once, no case runs
            return
    for index, case in enumerate(request["cases"]):
        check = exercise.checks[case["check"]]
        try:
            outputs = to_plain(check.attempt(minigrad, decode_value(case["args"]), answer))
            reply = {"status": "ok", "outputs": {k: encode_array(v) for k, v in outputs.items()}}
        except NotImplementedError as error:
            reply = {"status": "not_implemented", "message": _short(str(error)),
                     "unfinished": unfinished_exercise(error), "node": _node(error)}
        except BaseException as error:   # noqa: B036 - the student's code raised: report and go on
            if isinstance(error, KeyboardInterrupt):
                raise
            reply = {"status": "error", "message": _short(_describe(error)), "node": _node(error)}
        channel.send({"type": "case", "index": index, **reply})


def main() -> None:
    config = json.loads(sys.argv[1])
    fd = int(config["result_fd"])
    os.closerange(3, fd)                           # e.g. bwrap's user namespace fd: nothing else is inherited
    os.closerange(fd + 1, 4096)
    drop_privileges(config)
    limit_resources(config)
    workdir, stdlib = config["workdir"], tuple(p for p in sys.path if p)
    sys.path[:] = [workdir, config["site"], *stdlib]
    sys.dont_write_bytecode = True
    os.chdir(config["tmp"])                     # writable: files a student writes go to the scratch
    channel = Channel(config["result_fd"])
    import numpy                                   # noqa: F401 - imported before the hook
    import coursekit.answers, coursekit.runner, coursekit.compare, coursekit.exercises   # noqa: E401,F401
    import coursekit.blame, coursekit.tracebacks   # noqa: E401,F401 - verdicts locate the student's line
    coursekit.exercises.all_exercises()
    refused: list[str] = []
    numpy_dir = os.path.dirname(numpy.__file__)
    install_audit_hook(workdir, (numpy_dir, numpy_dir + ".libs", __file__), stdlib, refused, (config["tmp"],))
    try:
        import minigrad
        channel.send({"type": "ready", "error": None})
    except BaseException as error:               # noqa: B036 - even SystemExit at import time
        channel.send({"type": "ready", "error": _short(_import_failed(error))})
        return
    for line in sys.stdin:
        run_request(json.loads(line), minigrad, channel)
        channel.send({"type": "done", "refused": refused[-20:]})


if __name__ == "__main__":
    main()
