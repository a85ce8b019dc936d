"""The Pyodide distribution a site is built with: where it comes from, what it must hold, and its check.

A distribution is a folder (or a .tar.bz2/.tar.gz/.zip archive of one) with Pyodide's runtime files and
`pyodide-lock.json`, which lists every package file with its sha256. The site copies the runtime and the
packages the course needs (`NEEDED` and what they depend on), each file checked against the lock first.
The official distribution has every package; a smaller folder works when it holds at least those.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import tempfile
import zipfile
from pathlib import Path

VERSION = "0.27.7"                      # what jupyterlite-pyodide-kernel 0.6.1 targets (Python 3.12)
ENV_VAR = "COURSEKIT_PYODIDE"
RUNTIME = ("pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip",
           "pyodide-lock.json")
# what the kernel installs at start (IPython, jedi, ssl, sqlite3 and what they need), numpy for minigrad,
# matplotlib for the figures
NEEDED = ("micropip", "packaging", "ipython", "jedi", "numpy", "matplotlib", "matplotlib-pyodide", "sqlite3", "ssl",
          "pyodide-unix-timezones")
OPTIONAL = ("sympy",)                   # chapter 01's symbolic derivative: copied when the distribution has it


class PyodideError(RuntimeError):
    """The distribution is missing, of another version, or a file differs from its lock."""


def default_place() -> Path:
    """$COURSEKIT_PYODIDE, else ~/.cache/autodiff-course/pyodide-<VERSION>."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    return Path.home() / ".cache" / "autodiff-course" / f"pyodide-{VERSION}"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _unpack(archive: Path, into: Path) -> Path:
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as bundle:
            bundle.extractall(into)
    elif tarfile.is_tarfile(archive):
        with tarfile.open(archive) as bundle:
            bundle.extractall(into, filter="data")
    else:
        raise PyodideError(f"{archive}: not a folder, a zip or a tar archive of a Pyodide distribution")
    found = sorted(into.rglob("pyodide-lock.json"), key=lambda p: len(p.parts))
    if not found:
        raise PyodideError(f"{archive}: no pyodide-lock.json inside; is this a Pyodide distribution?")
    return found[0].parent


def lock(folder: Path) -> dict:
    path = Path(folder) / "pyodide-lock.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise PyodideError(f"{path}: cannot read the lock ({error})") from None
    version = data.get("info", {}).get("version")
    if version != VERSION:
        raise PyodideError(f"{folder}: Pyodide {version}, but the kernel (jupyterlite-pyodide-kernel 0.6.1) "
                           f"needs Pyodide {VERSION}")
    return data


def closure(packages: dict, names) -> list[str]:
    """`names` and every package they depend on, as the lock spells them."""
    found, todo = [], [n for n in names]
    while todo:
        name = todo.pop()
        name = name if name in packages else name.lower().replace("_", "-")     # depends spell it either way
        if name in found:
            continue
        if name not in packages:
            raise PyodideError(f"the lock has no package {name!r}")
        found.append(name)
        todo.extend(packages[name].get("depends", []))
    return sorted(found)


def verified(folder: Path, entry: dict) -> Path:
    """The package file of a lock entry, after checking its sha256."""
    path = Path(folder) / entry["file_name"]
    if not path.is_file():
        raise PyodideError(f"{folder}: {entry['file_name']} is missing (package {entry['name']})")
    if sha256(path) != entry["sha256"]:
        raise PyodideError(f"{path}: sha256 differs from pyodide-lock.json: a damaged or altered file")
    return path


def copy_distribution(source: Path, target: Path, echo=print) -> list[str]:
    """Copy Pyodide's runtime and the course's packages from `source` (folder or archive) into `target`,
    each package checked against the lock, and the lock cut down to them; return the packages copied."""
    source = Path(source).expanduser()
    if not source.exists():
        raise PyodideError(f"{source}: no Pyodide distribution there. Get Pyodide {VERSION} (see the README, "
                           f"'The browser edition') and pass --pyodide DIR|ARCHIVE, or put it in {default_place()}")
    with tempfile.TemporaryDirectory() as scratch:
        folder = source if source.is_dir() else _unpack(source, Path(scratch))
        data = lock(folder)
        packages = data["packages"]
        optional = [n for n in OPTIONAL if n in packages and (folder / packages[n]["file_name"]).is_file()]
        names = closure(packages, [*NEEDED, *optional])
        target.mkdir(parents=True, exist_ok=True)
        for name in RUNTIME:
            if not (folder / name).is_file():
                raise PyodideError(f"{folder}: {name} is missing: not a complete Pyodide distribution")
            shutil.copyfile(folder / name, target / name)
        data["packages"] = {name: packages[name] for name in names}      # the lock lists what the site has
        (target / "pyodide-lock.json").write_text(json.dumps(data), encoding="utf-8")
        for name in names:
            shutil.copyfile(verified(folder, packages[name]), target / packages[name]["file_name"])
        skipped = [n for n in OPTIONAL if n not in optional]
        if skipped:
            echo(f"lite: {', '.join(skipped)} not in {source}: the cells that import it say (in Chinese) that "
                 f"they need the installed edition")
    return names
