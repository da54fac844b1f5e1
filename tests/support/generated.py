"""A Python client generated from the served OpenAPI document by openapi-python-client, as a
user of casp would make one (with tests/clients/openapi-python-client.yml), imported."""

from __future__ import annotations

import importlib
import os
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

CONFIG = Path(__file__).resolve().parents[1] / "clients" / "openapi-python-client.yml"
TOOL = Path(sys.executable).parent / "openapi-python-client"


def generate(document: Path, package: Path) -> str:
    """Run the generator (its ruff hooks too); its output, which must hold no warning."""
    env = os.environ | {"PATH": f"{TOOL.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    run = subprocess.run(
        [str(TOOL), "generate", "--path", str(document), "--output-path", str(package),
         "--meta", "none", "--config", str(CONFIG)],
        capture_output=True, text=True, env=env, timeout=300, check=False)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "warning" not in output.lower(), output
    return output


@contextmanager
def imported(package: Path) -> Iterator[ModuleType]:
    """The generated package, importable while the block runs."""
    sys.path.insert(0, str(package.parent))
    try:
        yield importlib.import_module(package.name)
    finally:
        sys.path.remove(str(package.parent))
        for name in [m for m in sys.modules if m.split(".")[0] == package.name]:
            del sys.modules[name]


def module(client: ModuleType, name: str) -> ModuleType:
    """A module of the generated package: "api.certificates.renew_certificate", "models"."""
    return importlib.import_module(f"{client.__name__}.{name}")


def every_module(package: ModuleType) -> list[str]:
    """Import every module of the generated package (a generator bug can write code that
    fails at import); their names."""
    names = [m.name for m in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")]
    for name in names:
        importlib.import_module(name)
    return names
