"""Which minigrad to use: the solutions' engine or a student's, chosen by where the code runs."""
from __future__ import annotations

import importlib
import importlib.abc
import os
import sys
from contextlib import contextmanager
from pathlib import Path

ENV_VAR = "MINIGRAD_ROOT"
PACKAGE = "minigrad"


class EngineNotFound(RuntimeError):
    pass


class EngineImportError(RuntimeError):
    """`import minigrad` failed (a syntax error, a bad import...): the original error is __cause__."""


def is_engine_root(folder: Path) -> bool:
    return (folder / PACKAGE / "__init__.py").is_file()


def engine_root(start: str | os.PathLike | None = None) -> Path:
    """$MINIGRAD_ROOT if set, else the nearest folder at or above `start` holding minigrad/."""
    if os.environ.get(ENV_VAR):
        root = Path(os.environ[ENV_VAR]).resolve()
        if not is_engine_root(root):
            raise EngineNotFound(f"{ENV_VAR}={root} has no {PACKAGE}/__init__.py: point it at the folder "
                                 f"that contains {PACKAGE}/ (the course root, or solutions/)")
        return root
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if is_engine_root(folder):
            return folder
    raise EngineNotFound(f"no {PACKAGE}/ package found in {here} or above: run from inside the course "
                         f"folder, or set {ENV_VAR} to the folder that contains {PACKAGE}/")


def _engine_modules() -> dict:
    return {name: mod for name, mod in sys.modules.items()
            if name == PACKAGE or name.startswith(PACKAGE + ".")}


def activate(root: str | os.PathLike) -> Path:
    """Put `root` first on sys.path so that `import minigrad` finds the engine it holds."""
    root = Path(root).resolve()
    if not is_engine_root(root):
        raise EngineNotFound(f"{root} has no {PACKAGE}/__init__.py")
    loaded = sys.modules.get(PACKAGE)
    if loaded is not None and Path(loaded.__file__).resolve().parent.parent != root:
        for name in _engine_modules():  # another engine was imported before: forget it
            del sys.modules[name]
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != root]
    sys.path.insert(0, str(root))
    return root


@contextmanager
def fresh_engine(root: str | os.PathLike, finder: importlib.abc.MetaPathFinder | None = None):
    """Import a fresh copy of the engine in `root` (edited files included); restore the old one after.
    `finder`, if given, finds the engine's modules while the engine is in use (the browser's, which keeps
    their sources in memory: coursekit.lite.sources); else Python's finders do, their caches cleared."""
    root = Path(root).resolve()
    if not is_engine_root(root):
        raise EngineNotFound(f"{root} has no {PACKAGE}/__init__.py")
    saved_modules, saved_path = _engine_modules(), list(sys.path)
    for name in saved_modules:
        del sys.modules[name]
    sys.path.insert(0, str(root))
    if finder is None:
        importlib.invalidate_caches()
    else:
        sys.meta_path.insert(0, finder)
    try:
        try:
            engine = importlib.import_module(PACKAGE)
        except Exception as error:        # the student's files do not import: say so, do not crash
            raise EngineImportError(f"import {PACKAGE} failed: {type(error).__name__}: {error}") from error
        yield engine
    finally:
        for name in _engine_modules():
            del sys.modules[name]
        sys.modules.update(saved_modules)
        sys.path[:] = saved_path
        if finder is not None:
            sys.meta_path.remove(finder)
