"""Pure-Python wheels for the site: coursekit itself, and `comm` (which Pyodide's lock lacks).

Pyodide installs a package at kernel start from a wheel listed in `pyodide-lock.json` (with its sha256);
`lock_entry` is that listing. Wheels are written in memory from {path in the wheel: bytes}, with the
dist-info files (METADATA, WHEEL, RECORD) a wheel needs.
"""
from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import io
import zipfile
from pathlib import Path

TAG = "py3-none-any"


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def wheel_bytes(name: str, version: str, files: dict[str, bytes]) -> bytes:
    """A wheel holding `files` (paths relative to site-packages)."""
    info = f"{name.replace('-', '_')}-{version}.dist-info"
    files = {**files,
             f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
             f"{info}/WHEEL": f"Wheel-Version: 1.0\nGenerator: coursekit\nRoot-Is-Purelib: true\nTag: {TAG}\n".encode()}
    record = "".join(f"{path},{_record_hash(data)},{len(data)}\n" for path, data in sorted(files.items()))
    files[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path, data in sorted(files.items()):
            stamped = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))    # the same bytes every build
            stamped.compress_type = zipfile.ZIP_DEFLATED
            bundle.writestr(stamped, data)
    return out.getvalue()


def wheel_name(name: str, version: str) -> str:
    return f"{name.replace('-', '_')}-{version}-{TAG}.whl"


def installed_wheel(distribution: str) -> tuple[str, bytes]:
    """A wheel of an installed pure-Python distribution (its package files and data, no scripts, no
    bytecode): (file name, bytes)."""
    dist = importlib.metadata.distribution(distribution)
    files = {}
    for path in dist.files or ():
        if path.suffix != ".pyc" and ".dist-info" not in str(path) and not str(path).startswith(".."):
            files[path.as_posix()] = Path(dist.locate_file(path)).read_bytes()
    version = dist.version
    return wheel_name(distribution, version), wheel_bytes(distribution, version, files)


def lock_entry(name: str, version: str, file_name: str, data: bytes, imports, depends) -> dict:
    """The entry of `pyodide-lock.json` that lets Pyodide install the wheel at start (by its name)."""
    return {"name": name, "version": version, "file_name": file_name, "install_dir": "site",
            "sha256": hashlib.sha256(data).hexdigest(), "package_type": "package", "imports": list(imports),
            "depends": list(depends), "unvendored_tests": False, "shared_library": False}
