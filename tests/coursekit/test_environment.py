"""pyproject.toml and environment.yml install the same things; torch stays pinned."""
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _pyproject_requirements() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return set(project["dependencies"]) | set(project["optional-dependencies"]["dev"])


def _environment_pip_requirements() -> set[str]:
    lines = (ROOT / "environment.yml").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "- pip:")
    entries = [re.sub(r"^\s*-\s*", "", line) for line in lines[start + 1:] if line.strip().startswith("- ")]
    return {entry for entry in entries if entry != "-e ."}


def test_environment_yml_installs_what_pyproject_declares():
    assert _environment_pip_requirements() == _pyproject_requirements()


def test_torch_is_pinned_to_the_cpu_build_on_disk():
    assert "torch==2.13.0" in _pyproject_requirements()
