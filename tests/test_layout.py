"""The tests' layout: shared helpers live in tests/support/, conftest files hold fixtures that
pytest finds, and no module under tests/ (nor bench/, which uses tests/support/) imports a
conftest or a test module."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKED = ("tests", "bench")


def _forbidden(module: str) -> bool:
    """A conftest or test module of the suite's (tests.*), not any module named test_*."""
    parts = module.split(".")
    return (parts[0] == "tests" and len(parts) > 1
            and (parts[-1] == "conftest" or parts[-1].startswith("test_")))


def _package_of(path: Path) -> list[str]:
    return list(path.relative_to(ROOT).with_suffix("").parts[:-1])


def forbidden_imports(source: str, path: Path) -> list[str]:
    """`line: module` for each import in `source` (the file at `path`) of a conftest or a
    test_* module, written absolutely, relatively, or as `from package import test_x`."""
    found = []
    for node in ast.walk(ast.parse(source, str(path))):
        if isinstance(node, ast.Import):
            found += [f"{node.lineno}: {a.name}" for a in node.names if _forbidden(a.name)]
        elif isinstance(node, ast.ImportFrom):
            base = node.module.split(".") if node.module else []
            if node.level:
                package = _package_of(path)
                base = package[:len(package) - node.level + 1] + base
            module = ".".join(base)
            if module and _forbidden(module):
                found.append(f"{node.lineno}: {module}")
                continue
            found += [f"{node.lineno}: {module}.{a.name}" for a in node.names
                      if _forbidden(f"{module}.{a.name}")]
    return found


def test_no_module_imports_a_conftest_or_a_test_module():
    files = sorted(p for folder in CHECKED for p in (ROOT / folder).rglob("*.py"))
    assert len(files) > 50
    found = {str(p.relative_to(ROOT)): bad for p in files
             if (bad := forbidden_imports(p.read_text(), p))}
    assert found == {}, ("move what is shared to tests/support/ (fixtures to the nearest "
                         f"common conftest.py): {found}")


def test_the_check_sees_every_way_of_importing():
    here = ROOT / "tests" / "rest" / "test_x.py"
    forms = ["from tests.conftest import running", "import tests.graphql.test_parity",
             "from tests.rest.test_openapi import spec", "from tests.robustness import test_faults",
             "from .conftest import quiet", "from . import test_auth",
             "from ..test_storage import raw_database", "def f():\n    from tests import conftest"]
    for source in forms:
        assert forbidden_imports(source, here), source
    fine = ["from tests.support.app import running", "from tests.support import rest",
            "import pytest", "from . import helpers", "from app.services import test_mode"]
    for source in fine:
        assert not forbidden_imports(source, here), source
