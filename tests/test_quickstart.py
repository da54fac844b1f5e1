"""The README Quickstart, run as written: `./dev pebble`'s script (tools/dev_pebble.py, which
`./dev pebble` runs after apt and the venv) starts Debian's Pebble and challtestsrv, a
`casp serve` takes the settings it printed, and the Quickstart's `sh` blocks run in bash, one
after the other, from register to a certificate that `openssl verify` accepts, over curl and
over GraphQL."""

from __future__ import annotations

import re
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support import require_binary
from tests.support.cli import CASP, env_for
from tests.support.net import free_port

pytestmark = pytest.mark.slow  # Pebble, challtestsrv and casp as processes, about 15 s

ROOT = Path(__file__).resolve().parent.parent
README_PORT = "127.0.0.1:8000"


@dataclass
class DevCa:
    settings: dict[str, str]  # what `./dev pebble` printed as export lines
    casp_port: int  # where its Pebble checks http-01
    output: str


def quickstart() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("\n## Quickstart", 1)[1].split("\n## ", 1)[0]


def _read_until_ready(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    lines: list[str] = []
    while line := proc.stdout.readline():
        lines.append(line)
        if "Ctrl-C stops both" in line:
            return "".join(lines)
    raise AssertionError(f"./dev pebble stopped: {''.join(lines)}")


@pytest.fixture
def dev_ca(tmp_path: Path) -> Iterator[DevCa]:
    require_binary("pebble", "pebble")
    port = free_port()
    ports = {f"--{name}": str(free_port()) for name in (
        "port", "management-port", "dns-port", "dns-management-port")}
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tools" / "dev_pebble.py"), "--data-dir", "data",
         "--casp-port", str(port), *(x for pair in ports.items() for x in pair)],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output = _read_until_ready(proc)
        settings = dict(re.findall(r"^export (CASP_\w+)=(\S+)$", output, re.MULTILINE))
        yield DevCa(settings, port, output)
    finally:
        proc.terminate()
        proc.communicate(timeout=15)
    assert proc.returncode == 0  # it stopped Pebble and challtestsrv, and itself, cleanly


@pytest.fixture
def casp(tmp_path: Path, dev_ca: DevCa) -> Iterator[str]:
    """`casp serve` with the printed settings (as `. data/pebble/casp.env && ./dev run`)."""
    env = env_for(tmp_path / "data", **dev_ca.settings)
    log = (tmp_path / "casp.log").open("w")
    proc = subprocess.Popen([CASP, "serve", "--port", str(dev_ca.casp_port)], env=env,
                            cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{dev_ca.casp_port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{base}/healthz", timeout=1)
            break
        except httpx.TransportError:
            assert proc.poll() is None and time.monotonic() < deadline, \
                (tmp_path / "casp.log").read_text()
            time.sleep(0.1)
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def test_dev_pebble_prints_the_settings_and_writes_them(tmp_path: Path, dev_ca: DevCa) -> None:
    assert sorted(dev_ca.settings) == [
        "CASP_ACME_CA_BUNDLE", "CASP_ALLOW_PRIVATE_IP_IDENTIFIERS", "CASP_ALLOW_PRIVATE_TARGETS",
        "CASP_CA_LETSENCRYPT_DIRECTORY", "CASP_DNS_RESOLVER", "CASP_HTTP01_PORT"]
    folder = tmp_path / "data" / "pebble"
    env_file = (folder / "casp.env").read_text()
    assert all(f"export {k}={v}" in env_file for k, v in dev_ca.settings.items())
    assert dev_ca.settings["CASP_HTTP01_PORT"] == str(dev_ca.casp_port)
    assert Path(dev_ca.settings["CASP_ACME_CA_BUNDLE"]) == folder / "minica.pem"
    assert "BEGIN CERTIFICATE" in (folder / "root.pem").read_text()
    directory = httpx.get(dev_ca.settings["CASP_CA_LETSENCRYPT_DIRECTORY"],
                          verify=ssl.create_default_context(cafile=folder / "minica.pem"))
    assert "newOrder" in directory.json()


def test_the_readme_names_the_commands_it_does_not_run() -> None:
    text = quickstart()
    assert "$ ./dev pebble" in text
    assert "$ . data/pebble/casp.env && ./dev run" in text


def test_the_quickstart_issues_a_certificate_openssl_verifies(tmp_path: Path, casp: str) -> None:
    blocks = re.findall(r"```sh\n(.*?)```", quickstart(), re.DOTALL)
    assert len(blocks) == 2  # curl, then GraphQL
    # pasted whole, block after block, at this test's port: the README waits for the mail
    script = "set -euo pipefail\n" + "\n".join(blocks)
    run = subprocess.run(["bash", "-c", script.replace(README_PORT, casp.removeprefix("http://"))],
                         cwd=tmp_path, capture_output=True, text=True, timeout=180)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out + (tmp_path / "casp.log").read_text()[-3000:]
    assert "fullchain.pem: OK" in out and "api-fullchain.pem: OK" in out, out
    assert "ISSUED" in out and "\nissued\n" in out
    key = (tmp_path / "privkey.pem").read_text()
    assert "PRIVATE KEY" in key
