"""The Gradescope bundle installs: its requirements resolve on both base images' Pythons, torch is the CPU build.

The PyPI requirements are resolved for real (Python 3.10 and 3.12, manylinux x86_64 wheels only) when
PyPI answers; the torch line is checked by its form, because PyTorch's CPU index is not reachable from
the machines that run these tests (only PyPI is). PyPI lists torch 2.13.0 wheels for cp310 to cp314.
"""
from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import sys
import tomllib
import urllib.request
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from coursekit.grading import gradescope

ROOT = Path(__file__).resolve().parents[2]
PYPI = "https://pypi.org/simple"
# Ubuntu 22.04 has glibc 2.35 and 24.04 has 2.39: every manylinux wheel up to 2.35 runs on both.
PLATFORMS = ["manylinux2014_x86_64", *[f"manylinux_2_{minor}_x86_64" for minor in range(17, 36)]]


def requirement_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def bundle_files(tmp_path: Path) -> dict[str, str]:
    path = gradescope.build_bundle(tmp_path / "autograder.zip")
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()
                if not name.startswith("coursekit/")}


def test_no_requirement_is_pinned_to_one_version(tmp_path):
    files = bundle_files(tmp_path)
    assert files["requirements.txt"] == gradescope.REQUIREMENTS
    for line in requirement_lines(files["requirements.txt"]):
        requirement = Requirement(line)
        assert not any(spec.operator in ("==", "===") for spec in requirement.specifier), line
    names = {Requirement(line).name for line in requirement_lines(files["requirements.txt"])}
    assert {"numpy", "nbformat"} <= names and "torch" not in names


def test_torch_is_the_cpu_build_from_the_cpu_index_only(tmp_path):
    files = bundle_files(tmp_path)
    lines = requirement_lines(files["requirements-torch.txt"])
    options = [line for line in lines if line.startswith("-")]
    assert options == [f"--index-url {gradescope.TORCH_INDEX}"]
    assert gradescope.TORCH_INDEX == "https://download.pytorch.org/whl/cpu"
    [torch] = [Requirement(line) for line in lines if not line.startswith("-")]
    [spec] = list(torch.specifier)
    assert torch.name == "torch" and spec.operator == "==" and Version(spec.version).local == "cpu"
    # PyPI's torch (the CUDA build on Linux) cannot satisfy the pin, whichever index offers it.
    assert not SpecifierSet(str(torch.specifier)).contains(Version(gradescope.TORCH_VERSION))
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert f"torch=={gradescope.TORCH_VERSION}" in pyproject["project"]["dependencies"]


def fake_wheel(folder: Path, version: str) -> None:
    """An empty wheel of torch `version` (enough for pip to resolve it)."""
    info = f"torch-{version}.dist-info"
    with zipfile.ZipFile(folder / f"torch-{version}-py3-none-any.whl", "w") as wheel:
        wheel.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: torch\nVersion: {version}\n")
        wheel.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        wheel.writestr(f"{info}/RECORD", "")


def resolve_torch(tmp_path: Path, versions: list[str]) -> subprocess.CompletedProcess:
    """pip resolves requirements-torch.txt where only wheels of these versions exist (no network)."""
    wheels = tmp_path / "wheels"
    wheels.mkdir(parents=True)
    for version in versions:
        fake_wheel(wheels, version)
    (tmp_path / "requirements-torch.txt").write_text(gradescope.TORCH_REQUIREMENTS, encoding="utf-8")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PIP_")}, "PIP_CONFIG_FILE": os.devnull}
    return subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "--ignore-installed",
                           "--quiet", "--no-index", "--find-links", str(wheels), "--report", "-",
                           "-r", str(tmp_path / "requirements-torch.txt")],
                          env=env, capture_output=True, text=True, timeout=120)


def test_pip_takes_the_cpu_build_and_never_falls_back_to_another_build(tmp_path):
    plain = gradescope.TORCH_VERSION                    # what PyPI has: the CUDA build on Linux
    chosen = resolve_torch(tmp_path, [plain, f"{plain}+cpu", f"{plain}+cu130"])
    assert chosen.returncode == 0, chosen.stderr
    [install] = json.loads(chosen.stdout)["install"]
    assert install["metadata"]["version"] == f"{plain}+cpu"
    refused = resolve_torch(tmp_path / "no-cpu-build", [plain, f"{plain}+cu130"])
    assert refused.returncode != 0 and "torch==" in refused.stderr


def test_setup_installs_into_a_venv_and_refuses_a_cuda_torch(tmp_path):
    files = bundle_files(tmp_path)
    setup, run = files["setup.sh"], files["run_autograder"]
    for script in (setup, run):
        assert subprocess.run(["bash", "-n"], input=script, text=True).returncode == 0
    venv_python = f"{gradescope.VENV}/bin/python"
    assert "python3-venv" in setup and f"python3 -m venv {gradescope.VENV}" in setup
    pip_lines = [line for line in setup.splitlines() if " pip " in line and not line.startswith("#")]
    assert len(pip_lines) == 3 and all(line.startswith(f"{venv_python} -m pip ") for line in pip_lines)
    [torch_line] = [line for line in pip_lines if "requirements-torch.txt" in line]
    assert "--no-deps" in torch_line and "index-url" not in setup     # the index is in the file only
    assert "torch.version.cuda is None" in setup
    assert re.search(r'exec "\$ROOT/venv/bin/python3" -m coursekit\.grading\.gradescope', run)


def test_requirements_name_every_dependency_of_torch():
    """torch is installed with --no-deps, so requirements.txt must carry its dependencies."""
    if Version(importlib.metadata.version("torch")).base_version != gradescope.TORCH_VERSION:
        pytest.skip("the installed torch is not the bundle's version")
    needed = {Requirement(r) for r in importlib.metadata.requires("torch") or []}
    needed = {str(r) for r in needed if not r.marker}
    listed = {str(Requirement(line)) for line in requirement_lines(gradescope.REQUIREMENTS)}
    assert needed <= listed, needed - listed


def pypi_reachable() -> bool:
    try:
        with urllib.request.urlopen(f"{PYPI}/numpy/", timeout=15):
            return True
    except OSError:
        return False


def test_requirements_resolve_for_python_310_and_312(tmp_path):
    """pip resolves requirements.txt against PyPI for each base image's Python, binary wheels only."""
    if not pypi_reachable():
        pytest.skip(f"{PYPI} is not reachable: cannot resolve the bundle's requirements")
    (tmp_path / "requirements.txt").write_text(gradescope.REQUIREMENTS, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") or k == "PIP_CERT"}
    env["PIP_CONFIG_FILE"] = os.devnull       # this machine's local indexes and constraints do not count
    runs = {}
    for version in ("3.10", "3.12"):
        command = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
                   "--index-url", PYPI, "--only-binary=:all:", "--implementation", "cp",
                   "--python-version", version, *[f"--platform={p}" for p in PLATFORMS],
                   "--target", str(tmp_path / f"never-{version}"), "--report", str(tmp_path / f"{version}.json"),
                   "-r", str(tmp_path / "requirements.txt")]
        runs[version] = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                         text=True)
    for version, process in runs.items():
        output, _ = process.communicate(timeout=300)
        assert process.returncode == 0, f"Python {version}:\n{output}"
        installed = json.loads((tmp_path / f"{version}.json").read_text())["install"]
        wheels = {item["metadata"]["name"].lower(): item["download_info"]["url"].rsplit("/", 1)[-1]
                  for item in installed}
        tag = "cp" + version.replace(".", "")
        assert {"numpy", "nbformat", "sympy", "jinja2"} <= set(wheels)
        assert f"-{tag}-" in wheels["numpy"] and wheels["numpy"].endswith(".whl")
        assert all(w.endswith(".whl") for w in wheels.values()), wheels


def test_the_bundle_never_runs_unconfined(monkeypatch):
    from coursekit.grading.gradescope import _isolation
    monkeypatch.delenv("COURSEKIT_ISOLATION", raising=False)
    assert _isolation() == "container"
    monkeypatch.setenv("COURSEKIT_ISOLATION", "trusted")
    with pytest.raises(SystemExit, match="use 'container' or 'bwrap'"):
        _isolation()
