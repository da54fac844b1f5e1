"""The wheel holds every package of casp (`./dev` installs editable, which would hide a
package missing from pyproject.toml's list)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_python_package_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"])
    found = {str(p.parent.relative_to(ROOT)).replace("/", ".")
             for top in ("app", "schema", "models") for p in (ROOT / top).rglob("__init__.py")}
    assert found <= listed, f"missing from [tool.setuptools] packages: {sorted(found - listed)}"
