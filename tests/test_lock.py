"""The lock file is the truth about what is installed: it matches pyproject.toml, and the test
environment holds exactly its versions (scripts/bootstrap.sh installs them, hashes checked)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
UV = ROOT / ".tools" / "bin" / "uv"
pytestmark = pytest.mark.skipif(not UV.exists(), reason="uv is installed by scripts/bootstrap.sh")


def _uv(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    return subprocess.run([str(UV), *args], cwd=ROOT, capture_output=True, text=True, env=env,
                          timeout=120)


def test_the_lock_matches_pyproject():
    result = _uv("lock", "--check", "--offline", "--python", sys.executable)
    assert result.returncode == 0, result.stderr  # re-lock with scripts/upgrade-deps.sh


def test_the_environment_holds_exactly_the_locked_versions():
    exported = _uv("export", "--frozen", "--format", "requirements.txt", "--no-hashes",
                   "--extra", "dev", "--no-emit-project", "--no-header", "--no-annotate")
    assert exported.returncode == 0, exported.stderr
    locked = {}
    for line in exported.stdout.splitlines():
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate():
            locked[canonicalize_name(requirement.name)] = str(requirement.specifier)
    frozen = _uv("pip", "freeze", "--python", sys.executable, "--exclude-editable")
    assert frozen.returncode == 0, frozen.stderr
    installed = {canonicalize_name(name): f"=={version}" for name, version in
                 (line.split("==") for line in frozen.stdout.splitlines())}
    assert installed == locked
