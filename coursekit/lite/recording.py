"""PyTorch's answers to every public case, recorded at build time for the browser, where there is no torch.

One `.npz` file holds, for each exercise's public cases, what the probe gave on PyTorch (the
`expected` arrays `coursekit.runner.compare_case` compares with) and, for probes that call backward, the
gradients each PyTorch node received and gave its inputs (what `coursekit.diagnosis.compare_passes` needs
to name the first wrong node). Its `index` entry (JSON) says which course version it was made from:
`course_version()` hashes the registry, the checks and the solutions, so a recording from another course
is refused instead of judging against the wrong values.
"""
from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np

PACKAGE = Path(__file__).resolve().parent.parent        # coursekit/
RECORDING = "recording.npz"
VERSION_FILE = "version.txt"
# what decides the expected values: the registry and the checks (the solutions are hashed too, when present)
VERSIONED = ("exercises.py", "checks/base.py", "checks/engine_checks.py", "checks/notebook_checks.py",
             "compare.py")


class RecordingError(RuntimeError):
    """The recording is missing, unreadable or from another course version (Chinese message)."""


def checks_digest(read=lambda name: (PACKAGE / name).read_bytes()) -> str:
    """The registry's and the checks' files as shipped (`read(name)`: their bytes): what `check` in the
    browser can recompute from its own copy."""
    digest = hashlib.sha256()
    for name in VERSIONED:
        digest.update(name.encode() + b"\0" + read(name).replace(b"\r\n", b"\n") + b"\0")
    return digest.hexdigest()


def course_version(course_root: Path) -> str:
    """Registry + checks + solutions: the course version a recording and a site are made from."""
    digest = hashlib.sha256(checks_digest(lambda name: (course_root / "coursekit" / name).read_bytes()).encode())
    for path in sorted((course_root / "solutions" / "minigrad").rglob("*.py")):
        digest.update(path.relative_to(course_root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


# ---------------------------------------------------------------- recording (with PyTorch)

def _arrays(store: dict, prefix: str, values: dict) -> dict:
    """Put `values` (name -> array) into `store`, return {name: key in store}."""
    keys = {}
    for name, value in values.items():
        keys[name] = key = f"{prefix}{len(store)}"
        store[key] = np.asarray(value)
    return keys


def _maybe(store: dict, prefix: str, value):
    return None if value is None else _arrays(store, prefix, {"v": value})["v"]


def _torch_passes(check, case, torch, store: dict) -> list[dict]:
    """The backward calls of the probe on PyTorch, node by node (as diagnosis.first_wrong_node catches them)."""
    from ..diagnosis import _passes, _torch_pass
    if check.ref is not None:
        return []
    with _passes(torch.autograd, _torch_pass, check.run.__code__.co_filename) as passes:
        check.reference(torch, case.args)
    return [{"create_graph": p.create_graph,
             "nodes": [{"name": name,
                        "incoming": _maybe(store, "g", p.incoming.get(node)),
                        "outgoing": None if node not in p.outgoing else
                        [_maybe(store, "g", g) for g in p.outgoing[node]]}
                       for name, _, node in p.nodes]} for p in passes]


def record(course_root: Path, shipped_checks: str, exercises=None) -> bytes:
    """Run every public case of every exercise on PyTorch; the .npz file's bytes. `shipped_checks`:
    checks_digest() of the copy of coursekit the site ships."""
    import torch
    from .. import exercises as registry
    from ..runner import exercise_cases
    from ..compare import to_plain
    store, index = {}, {"version": course_version(course_root), "checks": shipped_checks, "cases": {}}
    for exercise in exercises or registry.all_exercises():
        for check, case in exercise_cases(exercise):
            expected = to_plain(check.reference(torch, case.args))
            index["cases"][case_key(exercise.id, check.name, case.label)] = {
                "expected": _arrays(store, "e", expected),
                "passes": _torch_passes(check, case, torch, store)}
    store["index"] = np.frombuffer(json.dumps(index, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
    out = io.BytesIO()
    np.savez_compressed(out, **store)
    return out.getvalue()


def case_key(exercise_id: str, check: str, case: str) -> str:
    return f"{exercise_id}\x1f{check}\x1f{case}"


# ---------------------------------------------------------------- reading (in the browser)

MISSING = ("⚠️ 找不到 PyTorch 的记录（{path}）：浏览器版没有 PyTorch，检查要用建站时记录下来的 PyTorch 结果。"
           "这个网站不完整，请告诉老师重新生成网站（python -m coursekit lite），或者改用安装版。")
OTHER_VERSION = ("⚠️ PyTorch 的记录（{path}）来自另一个版本的课程（记录：{recorded}，这里：{here}），用它检查会得到"
                 "错误的结论，所以没有检查。请告诉老师用同一份课程重新生成网站（python -m coursekit lite）。")
NOT_RECORDED = ("⚠️ 记录里没有练习 {exercise} 的用例「{check} · {case}」：这份记录与课程的检查不一致。"
                "请告诉老师重新生成网站（python -m coursekit lite）。")


class Recording:
    """The recorded PyTorch side: `expected(...)` and `passes(...)` for one public case."""

    def __init__(self, path: Path, version: str | None = None):
        self.path = Path(path)
        try:
            self.arrays = np.load(self.path, allow_pickle=False)
            self.index = json.loads(bytes(self.arrays["index"]).decode("utf-8"))
        except (OSError, KeyError, ValueError) as error:
            raise RecordingError(MISSING.format(path=self.path.name) + f"（{type(error).__name__}）") from None
        recorded = (self.index.get("version"), self.index.get("checks"))
        here = (version or self.index.get("version"), checks_digest())
        if recorded != here:
            raise RecordingError(OTHER_VERSION.format(path=self.path.name, recorded=recorded[0],
                                                      here=here[0] if recorded[0] != here[0] else "检查代码不同"))

    def _case(self, exercise_id: str, check: str, case: str) -> dict:
        try:
            return self.index["cases"][case_key(exercise_id, check, case)]
        except KeyError:
            raise RecordingError(NOT_RECORDED.format(exercise=exercise_id, check=check, case=case)) from None

    def expected(self, exercise_id: str, check: str, case: str) -> dict:
        return {name: self.arrays[key] for name, key in self._case(exercise_id, check, case)["expected"].items()}

    def passes(self, exercise_id: str, check: str, case: str) -> list:
        """The recorded backward calls as coursekit.diagnosis.Pass objects (numbered placeholder nodes)."""
        from ..diagnosis import Pass
        found = []
        for recorded in self._case(exercise_id, check, case)["passes"]:
            one = Pass(create_graph=recorded["create_graph"])
            for number, node in enumerate(recorded["nodes"]):
                one.nodes.append((node["name"], None, number))
                one.incoming[number] = self._array(node["incoming"])
                if node["outgoing"] is not None:
                    one.outgoing[number] = [self._array(k) for k in node["outgoing"]]
            found.append(one)
        return found

    def _array(self, key):
        return None if key is None else self.arrays[key]
