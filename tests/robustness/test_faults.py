"""Faults (issue 7, point 2), each against real servers on loopback:

- the ACME server unreachable for 30 s in the middle of an issuance (a TCP relay between
  casp and Pebble is switched off: Pebble keeps its orders): the certificate is issued from
  the same order once it is back;
- PostgreSQL restarted under load (a server of the test's own, under `casp serve`): every
  answer meanwhile is a success or a clean SERVER_ERROR envelope, /readyz says 503, and casp
  recovers by itself.

The load (200 concurrent connections: no errors but the intended 429s of the one user over
its budget, the RSS flat, every connection given back) is bench/load.py's: `--short` for 20 s.

The SMTP server down is tests/test_deliveries.py::
test_smtp_down_leaves_issuance_alone_and_the_mail_comes_later."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from bench import load
from models.certificate import Certificate
from models.job import Job
from tests.support import require_binary
from tests.support.acme import add_domain, casp_settings, request_cert, unique, user_token
from tests.support.acme import wait_for as wait_for_certificate
from tests.support.dns import BindServer
from tests.support.live import live_casp
from tests.support.net import free_port, tcp_up
from tests.support.pebble import PebbleServer
from tests.support.pgserver import PgServer, find_bin_dir
from tests.support.rest import PASSWORD, bearer
from tests.support.tcpproxy import TcpProxy

pytestmark = pytest.mark.slow  # Pebble, BIND, a PostgreSQL server of its own, a 30-s outage

CASP = str(Path(sys.executable).parent / "casp")
CAS = ("letsencrypt", "zerossl", "litessl", "buypass", "google", "sslcom")
OUTAGE_S = 30.0  # what the issue asks: real seconds
RECOVERY_BOUND_S = 30.0  # casp's backoff after a 30 s outage is 8 s (worker.backoff(3))


@pytest.fixture(scope="module")
def bind() -> Iterator[BindServer]:
    with BindServer(named=require_binary("named", "bind9")) as server:
        yield server


# -- the ACME server down mid-issuance --------------------------------------------------------

@pytest.fixture
async def slow_pebble(bind: BindServer) -> AsyncIterator[tuple[PebbleServer, int]]:
    """A Pebble whose validation sleeps 0-3 s (so an order stays open a moment), dialling
    casp's port for http-01: (Pebble, that port)."""
    binary = require_binary("pebble", "pebble")
    port = free_port()
    ca = PebbleServer(bind.address, http_port=port, pebble=binary,
                      extra_env={"PEBBLE_VA_NOSLEEP": "0", "PEBBLE_VA_SLEEPTIME": "4"})
    await asyncio.to_thread(ca.start)
    try:
        yield ca, port
    finally:
        await asyncio.to_thread(ca.cleanup)


async def detail(client: httpx.AsyncClient, token: str, cert_id: int) -> dict[str, Any]:
    r = await client.get("/api/v1/certificates.php", params={"id": cert_id},
                         headers=bearer(token))
    assert r.status_code == 200, r.text
    return dict(r.json()["data"])


async def test_acme_server_down_30_s_mid_issuance_then_issued_from_the_same_order(
        tmp_path: Path, slow_pebble: tuple[PebbleServer, int], bind: BindServer):
    ca, port = slow_pebble
    async with TcpProxy(ca.host, ca.port) as proxy:
        directory = f"https://127.0.0.1:{proxy.port}/dir"
        # Pebble builds its URLs from the Host header: through the relay, they name it.
        async with httpx.AsyncClient(verify=ca.ssl_context(), timeout=10) as direct:
            urls = (await direct.get(directory)).json()
        assert {urlsplit(urls[k]).netloc for k in (
            "newNonce", "newAccount", "newOrder", "revokeCert", "keyChange")} == {
            f"127.0.0.1:{proxy.port}"}, urls

        settings = casp_settings(tmp_path / "data", ca, bind, port,
                                 ca_directories=dict.fromkeys(CAS, directory),
                                 rate_limit="100000/minute")
        async with live_casp(settings, port) as client:
            token = await user_token(client)
            zone = unique("f")
            await add_domain(client, token, zone, "http-01")
            caught = None
            for n in range(6):  # Pebble may validate at once: then try another certificate
                cert = await request_cert(client, token, domains=[f"a{n}.{zone}"],
                                          challenge_type="http-01")
                seen = await wait_for_certificate(client, token, cert["id"],
                                                  stage="authorizing", within=30)
                if seen["status"] == "pending" and seen["stage"] == "authorizing":
                    await proxy.switch_off()
                    # (finished in the instant before the cut: try another)
                    if (await detail(client, token, cert["id"]))["status"] == "pending":
                        caught = int(cert["id"])
                        break
                    await proxy.switch_on()
            assert caught is not None, "never caught an order open"
            off_at = time.monotonic()
            order_url = (await Certificate.get(id=caught)).order_url
            assert order_url and order_url.startswith(f"https://127.0.0.1:{proxy.port}/")
            assert not tcp_up("127.0.0.1", proxy.port)  # refused, not just slow

            # Down for 30 s: the certificate waits (pending), saying why; it is not failed.
            reasons = set()
            while time.monotonic() - off_at < OUTAGE_S:
                seen = await detail(client, token, caught)
                assert seen["status"] == "pending", seen
                if seen["last_error"]:
                    reasons.add(seen["last_error"]["type"])
                await asyncio.sleep(0.5)
            await proxy.switch_on()
            on_at = time.monotonic()
            done = await wait_for_certificate(client, token, caught, within=RECOVERY_BOUND_S)
            recovered_s = time.monotonic() - on_at

            assert done["status"] == "issued", done["last_error"]
            assert done["last_error"] is None and done["certificate_pem"]
            assert (await Certificate.get(id=caught)).order_url == order_url  # no second order
            jobs = [j for j in await Job.filter(kind="issue")
                    if j.payload == {"certificate_id": caught}]
            # One job, retried while the CA was away (those tries are not counted as
            # attempts: an outage must not use up the job's attempts).
            assert len(jobs) == 1 and "cannot reach the CA" in (jobs[0].last_error or ""), [
                (j.id, j.attempts, j.last_error) for j in jobs]
            assert reasons == {"casp:AcmeUnavailable"}, reasons
            assert proxy.cut >= 1 and proxy.accepted > 0  # open connections were reset too
            print(f"\nACME down {OUTAGE_S:g} s: issued {recovered_s:.1f} s after the CA came "
                  f"back, job attempts {jobs[0].attempts}, connections cut {proxy.cut}")


# -- PostgreSQL restarted under load ----------------------------------------------------------

def require_postgres_binaries() -> Path:
    found = find_bin_dir()
    if found is None:
        require_binary("initdb", "postgresql")  # skips (fails in CI) with the hint
    assert found is not None
    return found


@pytest.fixture
def own_postgres() -> Iterator[PgServer]:
    server = PgServer(require_postgres_binaries())
    with server:
        yield server


@dataclass
class Answer:
    started: float  # monotonic
    ended: float
    what: str
    status: int  # 0: no answer (an exception)
    headers: httpx.Headers | None
    text: str


def clean_failure(answer: Answer) -> str | None:
    """Why this answer is neither a success nor a clean SERVER_ERROR envelope (None: it is)."""
    if answer.status == 0:
        return f"no answer: {answer.text}"
    assert answer.headers is not None
    if "Traceback" in answer.text or "<html" in answer.text.lower():
        return f"a traceback or HTML: {answer.text[:300]}"
    if not answer.headers.get("content-type", "").startswith("application/json"):
        return f"not JSON ({answer.headers.get('content-type')}): {answer.text[:300]}"
    body = json.loads(answer.text)
    if answer.status in (200, 201):
        return None if body.get("success") is True else f"200 without success: {body}"
    if answer.status != 500:
        return f"status {answer.status}: {answer.text[:300]}"
    error = body.get("error", {})
    rid = answer.headers.get("x-request-id")
    if (body.get("success") is not False or error.get("code") != "SERVER_ERROR"
            or "request id" not in error.get("message", "") or not rid
            or error.get("details", {}).get("request_id") != rid or rid not in error["message"]):
        return f"500 but not the SERVER_ERROR envelope with its request id: {answer.text}"
    return None


async def _user(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    r = await client.post("/api/v1/auth.php?action=register",
                          json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    r = await client.post("/api/v1/auth.php?action=login",
                          json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return bearer(r.json()["data"]["token"])


async def test_postgresql_restarted_under_load(tmp_path: Path, own_postgres: PgServer):
    port = free_port()
    env = load.casp_env(tmp_path / "data", port, own_postgres.create_database("casp"),
                        {"CASP_AUTH_RATE_LIMIT": "100000/minute",
                         "CASP_QUOTA_DOMAINS": "0"})  # its writes add domains without end
    migrated = await asyncio.to_thread(subprocess.run, [CASP, "migrate"], env=env,
                                       capture_output=True, text=True, timeout=120, check=False)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    casp = load.CaspServer(env, port, tmp_path / "casp.log")
    await asyncio.to_thread(casp.start)
    answers: list[Answer] = []
    readyz: list[tuple[float, int, str]] = []
    stop = asyncio.Event()
    try:
        # Idle connections are dropped before uvicorn's 5 s keep-alive ends, so no request
        # goes out on a connection the server is closing (a client-side race, not casp's).
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=15,
                                     limits=httpx.Limits(keepalive_expiry=2)) as client:
            users = [await _user(client, f"pg{i}@example.com") for i in range(4)]
            for i, me in enumerate(users):
                r = await client.post("/api/v1/domains.php", headers=me,
                                      json={"domain": f"pg{i}.example.com"})
                assert r.status_code == 200, r.text

            async def call(what: str, method: str, url: str, me: dict[str, str],
                           body: Any = None) -> None:
                started = time.monotonic()
                try:
                    r = await client.request(method, url, headers=me, json=body)
                    answers.append(Answer(started, time.monotonic(), what, r.status_code,
                                          r.headers, r.text))
                except httpx.HTTPError as exc:
                    answers.append(Answer(started, time.monotonic(), what, 0, None, repr(exc)))

            async def worker(n: int) -> None:
                me = users[n % len(users)]
                i = 0
                while not stop.is_set():
                    i += 1
                    if i % 5 == 0:  # some writes too
                        await call("POST mark-read", "POST",
                                   "/api/v1/notifications.php?action=mark-read", me, {"id": "all"})
                    elif i % 5 == 1:
                        await call("GET certificates", "GET", "/api/v1/certificates.php", me)
                    elif i % 5 == 2:
                        await call("GET domains", "GET", "/api/v1/domains.php", me)
                    elif i % 5 == 3:
                        await call("GET account", "GET", "/api/v1/account.php", me)
                    else:
                        await call("POST domain", "POST", "/api/v1/domains.php", me,
                                   {"domain": f"w{n}x{i}.pg{n % len(users)}.example.com"})
                    await asyncio.sleep(0.01)

            async def probe() -> None:
                while not stop.is_set():
                    try:
                        r = await client.get("/readyz")
                        readyz.append((time.monotonic(), r.status_code, r.text))
                    except httpx.HTTPError as exc:
                        readyz.append((time.monotonic(), 0, repr(exc)))
                    await asyncio.sleep(0.2)

            tasks = [asyncio.create_task(worker(n)) for n in range(16)]
            tasks.append(asyncio.create_task(probe()))
            try:
                await asyncio.sleep(3)
                down_at = time.monotonic()
                await asyncio.to_thread(own_postgres.stop, "fast")
                await asyncio.sleep(3)
                await asyncio.to_thread(own_postgres.start)
                up_at = time.monotonic()
                await asyncio.sleep(10)
            finally:
                stop.set()
                await asyncio.gather(*tasks)
        alive = casp.proc is not None and casp.proc.poll() is None
    finally:
        code = await asyncio.to_thread(casp.stop)

    assert alive, f"casp died: {casp.tail()}"
    assert code in (0, -signal.SIGTERM), casp.tail()
    bad = [(a.what, why) for a in answers if (why := clean_failure(a))]
    assert not bad, bad[:10]
    before = [a for a in answers if a.ended < down_at]
    assert before and all(a.status in (200, 201) for a in before)
    failed = [a for a in answers if a.status == 500]
    assert failed, "no request failed while PostgreSQL was down: the outage was not seen"
    assert all(a.ended > down_at for a in failed)
    # Recovered without a restart of casp: every request begun a few seconds after
    # PostgreSQL is back succeeds (and there are plenty of them).
    last_failure = max(a.started for a in failed)
    assert last_failure - up_at < 5.0, f"still failing {last_failure - up_at:.1f} s after"
    after = [a for a in answers if a.started > up_at + 5.0]
    assert len(after) >= 16 and all(a.status in (200, 201) for a in after), len(after)
    # /readyz: 200 before, 503 (database unavailable) while down, 200 again after.
    assert all(status == 200 for t, status, _ in readyz if t < down_at)
    down = [(status, text) for t, status, text in readyz if down_at < t < up_at]
    assert any(status == 503 and json.loads(text)["checks"]["database"] == "unavailable"
               for status, text in down), down
    assert all(status in (200, 503) for status, _ in down), down
    assert all(status == 200 for t, status, _ in readyz if t > up_at + 5.0)
    print(f"\nPostgreSQL down {up_at - down_at:.1f} s: {len(answers)} requests, "
          f"{len(failed)} clean 500s, last failure {last_failure - up_at:+.2f} s after it was "
          f"back; /readyz 503 x{sum(s == 503 for _, s, _ in readyz)}")
