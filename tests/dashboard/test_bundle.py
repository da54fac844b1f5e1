"""The dashboard casp serves (app/static/dashboard/) is what web/'s sources build, byte for
byte, and the sources type-check (which also proves every English string has its Chinese
one: web/src/i18n.ts)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
SERVED = ROOT / "app" / "static" / "dashboard"


def node_tools() -> str:
    node = shutil.which("node")
    why = None if node else "node is not installed (./dev test installs nodejs)"
    if node and not (WEB / "node_modules" / ".bin" / "esbuild").exists():
        why = "web/node_modules is missing: cd web && npm ci (./dev test does it)"
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"{why}; it is needed in CI")
        pytest.skip(why)
    assert node is not None
    return node


def test_served_bundle_is_built_from_the_sources(tmp_path: Path):
    node = node_tools()
    run = subprocess.run([node, "build.mjs", str(tmp_path)], cwd=WEB, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    built = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    served = {p.name: p.read_bytes() for p in SERVED.iterdir()}
    assert sorted(built) == sorted(served)
    stale = [name for name in built if built[name] != served[name]]
    assert not stale, (f"app/static/dashboard/{stale} differ from what web/ builds: "
                       "run `cd web && npm run build` and commit the result")


def test_sources_type_check():
    node_tools()
    tsc = WEB / "node_modules" / ".bin" / "tsc"
    run = subprocess.run([str(tsc), "--noEmit", "-p", "."], cwd=WEB, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr


def test_a_missing_translation_does_not_type_check(tmp_path: Path):
    """The check above can fail: a screen's Chinese table without one English key."""
    node_tools()
    copy = tmp_path / "web"
    shutil.copytree(WEB, copy, ignore=shutil.ignore_patterns("node_modules"))
    (copy / "node_modules").symlink_to(WEB / "node_modules")
    strings = copy / "src" / "screens" / "auth" / "strings.ts"
    text = strings.read_text()
    assert "  forgotTitle: '重置密码',\n" in text
    strings.write_text(text.replace("  forgotTitle: '重置密码',\n", "", 1))
    run = subprocess.run([str(copy / "node_modules" / ".bin" / "tsc"), "--noEmit", "-p", "."],
                         cwd=copy, capture_output=True, text=True, timeout=300)
    assert run.returncode != 0
    assert "forgotTitle" in run.stdout + run.stderr
