"""The newcomer's path: the README's first command, `./dev run`, on its embedded defaults
(SQLite, mail to data/outbox, the worker inside), then the URL it prints opened in a browser,
to a certificate issued by the local test CA that `./dev run` starts beside casp (Debian's
Pebble as the custom CA "local"), with no other setting and no other terminal."""

from __future__ import annotations

import asyncio
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
from cryptography import x509

from tests.support import require_binary
from tests.support.browser import browser_page, screenshot
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
        if proc.stdout is not None:
            proc.stdout.close()
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


LINK = re.compile(r"(http://\S+/#/verify-email\?token=\S+)")


async def test_newcomer_gets_a_certificate_from_the_printed_url(dev_run: DevRun):
    """Only what the terminal and the page say: the printed URL, the mail's link printed in
    the terminal, then the dashboard to an issued certificate from the local CA."""
    from playwright.async_api import expect

    url = dev_run.wait_for(UP)[1]
    origin = url.rstrip("/")
    async with browser_page(origin) as (page, watch):
        await page.goto(url)
        await page.get_by_role("link", name="Create account").click()
        await page.get_by_label("Email").fill("newcomer@example.com")
        await page.get_by_label("Password").fill("Sup3r-secret")
        await page.get_by_role("button", name="Create account").click()
        await page.get_by_role("heading", name="Get started").wait_for()

        link = dev_run.wait_for(LINK, timeout=30)[1]  # the mail's link, in the terminal
        await page.goto(link)
        await page.get_by_text("is confirmed").wait_for()
        await page.get_by_role("link", name="Continue to casp").click()

        await page.get_by_role("link", name="Add a domain").first.click()
        await page.get_by_role("textbox", name="Domain name").fill("www.example.test")
        await page.get_by_label("Verification method").select_option("HTTP_01")
        await page.get_by_role("button", name="Add domain").click()
        await page.get_by_role("link", name="www.example.test").wait_for()

        await page.get_by_role("navigation").get_by_role("link", name="Certificates").click()
        await page.get_by_role("link", name="Request a certificate").first.click()
        ca = page.get_by_label("Certificate authority")
        await expect(ca).to_have_value("local")  # the local test CA, preselected
        await page.get_by_role("textbox", name="Names").fill("www.example.test")
        await page.get_by_label("Challenge type").select_option("HTTP_01")
        await page.get_by_role("button", name="Request the certificate").click()
        await page.get_by_test_id("cert-status").get_by_text("Issued").wait_for(
            timeout=90_000)
        await page.get_by_text("Local test CA (Pebble)").first.wait_for()
        # The README's picture (docs/images/dashboard.png is this one).
        await screenshot(page, "en-dev-run-issued", full_page=False)
        async with page.expect_download() as got:
            await page.get_by_role("button", name="Full chain (PEM)").click()
        path = await (await got.value).path()
        pem = await asyncio.to_thread(Path(path).read_bytes)
    chain = x509.load_pem_x509_certificates(pem)
    root = x509.load_pem_x509_certificate((dev_run.data / "pebble" / "root.pem").read_bytes())
    chain[-1].verify_directly_issued_by(root)  # issued by this run's local CA
    assert watch.blocked == [] and watch.offsite_sockets() == [] and watch.problems == []
