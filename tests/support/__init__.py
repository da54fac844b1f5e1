"""What the tests share, imported by them (fixtures stay in conftest.py files, which nobody
imports, and no test module imports another: tests/test_layout.py checks it). The app under
test (app.py), REST and GraphQL as clients speak them (rest.py, graphql.py), real services on
loopback (pebble.py, dns.py, pgserver.py, ...), the issuance steps (acme.py) and the
robustness tests' harness (robustness/). Here: finding a service's binary, or skipping
without it, and the end of its log."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

# Debian puts named in /usr/sbin, which a non-root PATH often lacks.
_EXTRA_BIN_DIRS = ("/usr/sbin", "/sbin", "/usr/local/sbin")


def find_binary(name: str) -> str | None:
    """Locate a service binary on PATH or in the sbin directories (named lives there)."""
    found = shutil.which(name)
    if found:
        return found
    for directory in _EXTRA_BIN_DIRS:
        candidate = Path(directory) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def require_binary(name: str, package: str) -> str:
    """Skip without the Debian package; in CI (CI set) its absence is a failure."""
    path = find_binary(name)
    if path is None:
        why = f"`{name}` not found: apt-get install {package} (./dev test does it)"
        if os.environ.get("CI"):
            pytest.fail(f"{why}; it is needed in CI")
        pytest.skip(why)
    return path


def require_module(name: str, what: str) -> None:
    """Skip without the Python package; in CI (CI set) its absence is a failure."""
    if importlib.util.find_spec(name) is None:
        why = f"`{name}` is not installed: {what} (./dev test installs it)"
        if os.environ.get("CI"):
            pytest.fail(f"{why}; it is needed in CI")
        pytest.skip(why)


def tail(path: Path, limit: int = 4000) -> str:
    """The end of a service's log file, for error messages that explain a failed start."""
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"<no log: {exc}>"
    return text[-limit:]
