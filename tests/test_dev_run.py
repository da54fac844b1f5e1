"""The newcomer's path: the README's first command, `./dev run`, on its embedded defaults
(SQLite, mail to data/outbox, the worker inside), then the URL it prints opened in a browser,
to a certificate issued by the local test CA that `./dev run` starts beside casp (Debian's
Pebble as the custom CA "local"), with no other setting and no other terminal."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.support import require_binary
from tests.support.net import free_port

pytestmark = pytest.mark.slow  # ./dev run, Pebble, casp as processes; Chromium

ROOT = Path(__file__).resolve().parent.parent
UP = re.compile(r"casp is up: open (http://\S+/) in a browser")


@dataclass
class DevRun:
    proc: subprocess.Popen[str]
    data: Path
    lines: list[str] = field(default_factory=list)

    def output(self) -> str:
        return "".join(self.lines)

    def messages(self) -> list[str]:
        """The log's messages (JSON lines: the output is not a terminal) and other lines."""
        found = []
        for line in list(self.lines):
            try:
                found.append(str(json.loads(line)["message"]))
            except (ValueError, KeyError, TypeError):
                found.append(line.strip())
        return found

    def wait_for(self, pattern: re.Pattern[str], timeout: float = 180) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages():
                if found := pattern.search(message):
                    return found
            if self.proc.poll() is not None:
                pytest.fail(f"./dev run stopped ({self.proc.returncode}):\n{self.output()}")
            time.sleep(0.1)
        pytest.fail(f"./dev run did not print {pattern.pattern!r}:\n{self.output()}")


@pytest.fixture
def dev_run(tmp_path: Path) -> Iterator[DevRun]:
    require_binary("pebble", "pebble")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASP_")}
    env |= {"CASP_DATA_DIR": str(tmp_path / "data"),
            "CASP_DEV_PEBBLE_PORTS": ",".join(str(free_port()) for _ in range(4))}
    proc = subprocess.Popen([str(ROOT / "dev"), "run", "--port", str(port)], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    run = DevRun(proc, tmp_path / "data")

    def drain() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            run.lines.append(line)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        yield run
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C in its terminal
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        reader.join(timeout=5)
    # Ctrl-C stopped the local CA too: no Pebble of this data directory is left.
    time.sleep(0.5)
    left = subprocess.run(["pgrep", "-f", str(tmp_path / "data" / "pebble")],
                          capture_output=True, text=True).stdout
    assert not left.strip(), left


def test_dev_run_serves_the_dashboard_with_a_local_ca(dev_run: DevRun):
    url = dev_run.wait_for(UP)[1]
    page = httpx.get(url, headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200 and '<html lang="zh-CN">' in page.text
    cas = httpx.post(url + "graphql", json={
        "query": "{ caProviders { caName title custom available } }"}).json()
    local = [ca for ca in cas["data"]["caProviders"] if ca["custom"]]
    assert local == [{"caName": "local", "custom": True, "available": True,
                      "title": "Local test CA (Pebble): for trying casp out, trusted by no "
                               "browser"}]
    assert len(cas["data"]["caProviders"]) == 7  # the six real ones are still offered
    assert (dev_run.data / "casp.sqlite3").exists() or any(dev_run.data.glob("*.sqlite*"))
