"""A submission, unpacked safely: a folder or a .zip shaped like the student release.

Only what grading needs is kept: `minigrad/**/*.py` and `chapters/*.ipynb`. Symlinks, paths that
escape the folder, absolute paths and oversized files are skipped with a note for the feedback; the
total is capped, so a zip bomb stops at the cap. The hash covers exactly the files kept.
"""
from __future__ import annotations

import hashlib
import os
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

MAX_FILE_BYTES = 2_000_000          # one .py or .ipynb
MAX_TOTAL_BYTES = 20_000_000        # everything kept from one submission
MAX_ENTRIES = 5_000                 # entries looked at in a zip or folder
KEPT = (("minigrad", ".py"), ("chapters", ".ipynb"))
JUNK = ("__MACOSX", ".git", "__pycache__", ".ipynb_checkpoints")


class SubmissionError(Exception):
    """The submission cannot be read at all (the message is Chinese, for the feedback)."""


@dataclass
class Submission:
    name: str
    source: Path
    root: Path                                   # the unpacked copy: minigrad/, chapters/
    hash: str = ""
    notes: list[str] = field(default_factory=list)   # Chinese lines for the feedback
    skipped: dict[str, str] = field(default_factory=dict)   # kept path ("chapters/x.ipynb") left out: why
    unreadable: str = ""                          # why the upload itself could not be read (not a zip...)

    @property
    def has_engine(self) -> bool:
        return (self.root / "minigrad" / "__init__.py").is_file()


def submission_name(path: Path) -> str:
    path = Path(path)
    return path.stem if path.suffix.lower() == ".zip" else path.name


def _kept(parts: tuple[str, ...]) -> bool:
    """Whether a path (relative to the submission's top) is one grading reads."""
    if len(parts) < 2 or any(p in JUNK or p.startswith(".") for p in parts):
        return False
    return any(parts[0] == top and parts[-1].endswith(suffix) for top, suffix in KEPT)


def _top(names: list[tuple[str, ...]]) -> tuple[str, ...]:
    """The prefix under which minigrad/ or chapters/ sits: none, or one wrapping folder."""
    tops = {parts[0] for parts in names if parts}
    if tops & {"minigrad", "chapters"}:
        return ()
    for top in sorted(tops):
        if any(len(p) > 1 and p[0] == top and p[1] in ("minigrad", "chapters") for p in names):
            return (top,)
    return ()


def _safe_parts(name: str) -> tuple[str, ...] | None:
    """A zip member name as path parts, or None if it is absolute or escapes the folder."""
    if "\\" in name or "\0" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    parts = PurePosixPath(name).parts
    if any(p in ("..", "") for p in parts):
        return None
    return tuple(p for p in parts if p != ".")


class _Budget:
    """The bytes a submission may still keep; what it refuses is noted, and remembered by path."""

    def __init__(self, notes: list[str], skipped: dict[str, str]):
        self.left, self.notes, self.skipped = MAX_TOTAL_BYTES, notes, skipped

    def take(self, what: str, size: int, parts: tuple[str, ...]) -> bool:
        if size > MAX_FILE_BYTES:
            return self.refuse(what, parts, f"文件超过 {MAX_FILE_BYTES // 1_000_000} MB 上限")
        if size > self.left:
            return self.refuse(what, parts, f"提交的总大小超过 {MAX_TOTAL_BYTES // 1_000_000} MB 上限")
        self.left -= size
        return True

    def refuse(self, what: str, parts: tuple[str, ...], why: str, verb: str = "已跳过") -> bool:
        self.notes.append(f"{verb} {what}：{why}")
        self.skipped["/".join(parts)] = why
        return False


def _write(dest: Path, parts: tuple[str, ...], data: bytes) -> None:
    target = dest.joinpath(*parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def _read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes | None:
    """The member's bytes, or None if it inflates beyond `cap` (its header may lie)."""
    with archive.open(info) as stream:
        data = stream.read(cap + 1)
    return None if len(data) > cap else data


def unpack_zip(path: Path, dest: Path, notes: list[str], skipped: dict[str, str]) -> None:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise SubmissionError(f"无法打开压缩包 {path.name}：{error}") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            raise SubmissionError(f"压缩包中的条目超过 {MAX_ENTRIES} 个")
        members = []
        for info in infos:
            parts = _safe_parts(info.filename)
            if parts is None:
                notes.append(f"已拒绝压缩包条目 {info.filename!r}：绝对路径或路径跳出了提交文件夹")
            elif stat.S_ISLNK(info.external_attr >> 16):
                notes.append(f"已拒绝压缩包条目 {info.filename!r}：符号链接")
            elif not info.is_dir() and parts:
                members.append((parts, info))
        top = _top([p for p, _ in members])
        budget = _Budget(notes, skipped)
        for parts, info in members:
            kept = parts[len(top):]
            if parts[:len(top)] != top or not _kept(kept):
                continue
            if not budget.take(info.filename, info.file_size, kept):
                continue
            try:
                data = _read_capped(archive, info, min(MAX_FILE_BYTES, budget.left + info.file_size))
            except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, ValueError) as error:
                budget.refuse(f"压缩包条目 {info.filename!r}", kept, f"无法解压（{type(error).__name__}）")
                continue
            if data is None:
                budget.refuse(f"压缩包条目 {info.filename!r}", kept, "解压后超过大小上限（疑似压缩炸弹）", "已拒绝")
                continue
            _write(dest, kept, data)


def _utf8(name: str) -> bool:
    """Whether a file name read from disk is UTF-8 (Python keeps other bytes as surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(path: Path) -> str:
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def copy_folder(path: Path, dest: Path, notes: list[str], skipped: dict[str, str]) -> None:
    files, seen = [], 0
    for folder, dirs, names in os.walk(path, followlinks=False):
        here = Path(folder)
        for name in list(dirs):
            if (here / name).is_symlink() or not _utf8(name):
                what = "符号链接" if (here / name).is_symlink() else "文件名不是 UTF-8 的文件夹"
                notes.append(f"已跳过{what} {_shown((here / name).relative_to(path))}")
                dirs.remove(name)
        for name in names:
            seen += 1
            if seen > MAX_ENTRIES:
                raise SubmissionError(f"提交文件夹中的文件超过 {MAX_ENTRIES} 个")
            if not _utf8(name):
                notes.append(f"已跳过 {_shown((here / name).relative_to(path))}：文件名不是 UTF-8")
                continue
            files.append((here / name).relative_to(path).parts)
        dirs[:] = [d for d in dirs if d not in JUNK]
    top = _top(files)
    budget = _Budget(notes, skipped)
    for parts in sorted(files):
        kept = parts[len(top):]
        if parts[:len(top)] != top or not _kept(kept):
            continue
        source = path.joinpath(*parts)
        info = os.lstat(source)
        if stat.S_ISLNK(info.st_mode) or not stat.S_ISREG(info.st_mode):
            budget.refuse("/".join(parts), kept, "符号链接或特殊文件")
            continue
        if budget.take("/".join(parts), info.st_size, kept):
            with open(source, "rb") as stream:
                _write(dest, kept, stream.read(MAX_FILE_BYTES + 1)[:MAX_FILE_BYTES])


def content_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(file.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def _single_zip(folder: Path) -> Path | None:
    """Gradescope keeps an uploaded .zip as it is: a folder holding only one zip means that zip."""
    entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
    if len(entries) == 1 and entries[0].suffix.lower() == ".zip" and entries[0].is_file():
        return entries[0]
    return None


def unpack(path: Path, dest: Path, name: str | None = None) -> Submission:
    """Copy what grading needs from the folder or zip at `path` into `dest` (which must be empty)."""
    path = Path(path)
    sub = Submission(name or submission_name(path), path, Path(dest))
    sub.root.mkdir(parents=True, exist_ok=True)
    try:
        if path.is_dir() and not path.is_symlink():
            inner = _single_zip(path) if not any((path / d).is_dir() for d in ("minigrad", "chapters")) else None
            if inner:
                unpack_zip(inner, sub.root, sub.notes, sub.skipped)
            else:
                copy_folder(path, sub.root, sub.notes, sub.skipped)
        elif path.is_file() and path.suffix.lower() == ".zip":
            unpack_zip(path, sub.root, sub.notes, sub.skipped)
        else:
            raise SubmissionError(f"{path.name} 既不是文件夹也不是 .zip 文件")
    except SubmissionError as error:
        sub.notes.append(str(error))
        sub.unreadable = str(error)
    if not sub.has_engine:
        sub.notes.append("提交中找不到 minigrad/__init__.py：引擎练习无法评分（提交应包含 minigrad/ 和 chapters/）")
    sub.hash = content_hash(sub.root)
    return sub
