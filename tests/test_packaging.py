"""The wheel holds every package of casp (`./dev` installs editable, which would hide a
package missing from pyproject.toml's list), and installing casp prints no warning."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_every_python_package_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"])
    found = {str(p.parent.relative_to(ROOT)).replace("/", ".")
             for top in ("app", "schema", "models") for p in (ROOT / top).rglob("__init__.py")}
    assert found <= listed, f"missing from [tool.setuptools] packages: {sorted(found - listed)}"


# What `pip install -e .` (./dev) and a wheel build print: no warning from the build backend
# (setuptools once warned three times about `project.license` as a table, and about the
# editable install's strategy). Builds in pip's isolated environment, as users get it.

# pip's own notice about an index location this machine's pip configuration names but which
# does not exist: nothing casp's packaging says.
MACHINE_NOTICE = re.compile(r"WARNING: Location '[^']*' is ignored")
WARNING = re.compile(r"warning|deprecat|!!", re.IGNORECASE)


def _pip(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    run = subprocess.run([sys.executable, "-m", "pip", *args], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
    return out


def _warnings(output: str) -> list[str]:
    return [line for line in output.splitlines()
            if WARNING.search(line) and not MACHINE_NOTICE.search(line)]


@pytest.mark.slow
def test_editable_install_prints_no_warning(tmp_path: Path) -> None:
    venv.create(tmp_path / "v", with_pip=False)
    out = _pip("--python", str(tmp_path / "v" / "bin" / "python"), "install", "--no-deps",
               "-e", ".")
    assert "Successfully installed casp" in out
    assert _warnings(out) == []


@pytest.mark.slow
def test_wheel_build_prints_no_warning_and_holds_the_license(tmp_path: Path) -> None:
    out = _pip("wheel", "--no-deps", "-w", str(tmp_path), ".")
    assert _warnings(out) == []
    (wheel,) = tmp_path.glob("casp-*.whl")
    with zipfile.ZipFile(wheel) as z:
        metadata = z.read("casp-0.1.0.dist-info/METADATA").decode()
        names = z.namelist()
    assert "License-Expression: MIT" in metadata
    assert not any(n.startswith(("tests/", "tools/", "bench/")) for n in names)
