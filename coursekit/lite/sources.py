"""The engine a browser check imports: new modules every check, from sources read again only when changed.

A check imports minigrad afresh (coursekit.engine.fresh_engine): an edit saved a moment ago counts, and
nothing one check did to the engine's modules is left for the next. In the browser every file operation
on the drive is a request to the page (JupyterLite's DriveFS), and Python's import makes several per
module: importing minigrad's ~50 modules takes about 2 s, most of a check. So the browser keeps each
file's source and compiled code, and reads a file again only when its size or modification time changed
(a save changes both or at least the time, to the millisecond). The modules are still new ones, executed
from that code, for every check.
"""
from __future__ import annotations

import importlib.abc
import importlib.util
import os
from pathlib import Path

from ..engine import PACKAGE, fresh_engine


class _Source:
    """One file of the engine: where it is, its (mtime, size) when read, its bytes, its code once compiled."""

    def __init__(self, path: Path, stamp: tuple[int, int]):
        self.path, self.stamp, self.data, self.code = path, stamp, path.read_bytes(), None
        self.package = path.name == "__init__.py"


class EngineSources(importlib.abc.MetaPathFinder, importlib.abc.InspectLoader):
    """minigrad's `.py` files under one root, as an import finder and loader for the engine's modules."""

    def __init__(self):
        self.root: Path | None = None
        self.files: dict[Path, _Source] = {}
        self.modules: dict[str, _Source] = {}

    def refresh(self, root: Path) -> None:
        """Look at every file's time and size; read the new and changed ones, forget the deleted ones."""
        known = self.files if root == self.root else {}
        self.root, self.files, self.modules = root, {}, {}
        for folder, subfolders, names in os.walk(root / PACKAGE):
            subfolders[:] = [d for d in subfolders if d != "__pycache__"]
            for path in (Path(folder) / n for n in names if n.endswith(".py")):
                info = os.stat(path)
                stamp = (info.st_mtime_ns, info.st_size)
                old = known.get(path)
                self.files[path] = old if old and old.stamp == stamp else _Source(path, stamp)
        for path, source in sorted(self.files.items(), key=lambda item: item[0].name == "__init__.py"):
            parts = path.relative_to(root).with_suffix("").parts     # ops/__init__.py after ops.py: as in
            self.modules[".".join(parts[:-1] if source.package else parts)] = source     # Python, the package wins

    def stamp(self, filename: str) -> tuple[int, int] | None:
        """(mtime_ns, size) of an engine file as this check read it (coursekit.tracebacks asks)."""
        source = self.files.get(Path(filename))
        return source.stamp if source else None

    # ------------------------------------------------------------ the import protocol

    def find_spec(self, fullname, path=None, target=None):
        source = self.modules.get(fullname)
        if source is None:
            return None                                      # not the engine's: Python's own finders look
        folder = [str(source.path.parent)] if source.package else None
        return importlib.util.spec_from_file_location(fullname, source.path, loader=self,
                                                      submodule_search_locations=folder)

    def is_package(self, fullname) -> bool:
        return self.modules[fullname].package

    def get_source(self, fullname) -> str:
        return importlib.util.decode_source(self.modules[fullname].data)

    def get_code(self, fullname):
        """The module's code, compiled once per version of its file (a SyntaxError as `import` raises it)."""
        source = self.modules[fullname]
        if source.code is None:
            source.code = compile(source.data, str(source.path), "exec", dont_inherit=True)
        return source.code

    def exec_module(self, module) -> None:
        exec(self.get_code(module.__name__), module.__dict__)


_SOURCES = EngineSources()


def engine(root: Path):
    """coursekit.engine.fresh_engine(root), its modules made from the sources in memory."""
    root = Path(root).resolve()
    _SOURCES.refresh(root)
    return fresh_engine(root, _SOURCES)


def files(root: Path) -> dict[str, bytes]:
    """{file under minigrad/: its bytes} as the last check read them (read now if it checked another engine)."""
    root = Path(root).resolve()
    if _SOURCES.root != root:
        _SOURCES.refresh(root)
    folder = root / PACKAGE
    return {path.relative_to(folder).as_posix(): source.data for path, source in _SOURCES.files.items()}
