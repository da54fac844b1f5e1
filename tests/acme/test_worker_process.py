"""casp as processes: killed (SIGKILL) in the middle of issuance it resumes after a restart
(the request is not lost and the same ACME order is finished, not a second one);
`casp worker` as a process of its own issues what `casp serve` accepted, and starts on a
new request at once (woken through the event bus), not at its next poll."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import pg
from tests.support.acme import CASP, Casp, casp_env, signed_up
from tests.support.dns import BindServer
from tests.support.net import free_port
from tests.support.pebble import PebbleFactory, PebbleServer
from tests.support.rest import bearer

pytestmark = pytest.mark.slow  # real Pebble and BIND servers


@pytest.fixture
def slow_ca(pebble_factory: PebbleFactory) -> PebbleServer:
    # Pebble's validation sleeps 0-3 s here, so a kill lands while the order is open.
    return pebble_factory(extra_env={"PEBBLE_VA_NOSLEEP": "0", "PEBBLE_VA_SLEEPTIME": "4"})


@pytest.fixture
def casp(tmp_path: Path, slow_ca: PebbleServer, bind_server: BindServer) -> Iterator[Casp]:
    port = free_port()
    server = Casp(casp_env(tmp_path / "data", slow_ca, bind_server, port), port,
                  tmp_path / "casp.log")
    try:
        yield server
    finally:
        server.stop()


def query(casp: Casp, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Rows from the database of a casp process (written with PostgreSQL's $1 parameters)."""
    if url := casp.env.get("CASP_DATABASE_URL"):
        return [tuple(r) for r in asyncio.run(pg.fetch(url, sql, *args))]
    db = sqlite3.connect(Path(casp.env["CASP_DATA_DIR"]) / "casp.sqlite3")
    try:
        return list(db.execute(re.sub(r"\$[0-9]+", "?", sql), args))
    finally:
        db.close()


def detail(client: httpx.Client, token: str, cert_id: int) -> dict:
    r = client.get("/api/v1/certificates.php", params={"id": cert_id}, headers=bearer(token))
    return r.json()["data"]


def test_killed_mid_issuance_resumes_the_same_order(casp: Casp, bind_server: BindServer):
    client = casp.start()
    token, name = signed_up(client, bind_server, "k@example.com")
    killed = None
    for _ in range(4):  # Pebble may validate at once; then try another certificate
        cert = client.post("/api/v1/certificates.php", headers=bearer(token), json={
            "ca_provider": "letsencrypt", "domains": [name]}).json()["data"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            seen = detail(client, token, cert["id"])
            if seen["stage"] == "authorizing" or seen["status"] != "pending":
                break
            time.sleep(0.01)
        if seen["status"] == "pending" and seen["stage"] == "authorizing":
            killed = cert["id"]
            casp.kill()
            break
    assert killed is not None, "never caught an issuance in flight"
    client.close()

    [(order_before,)] = query(casp, "select order_url from certificates where id=$1", killed)
    assert order_before

    client = casp.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        seen = detail(client, token, killed)
        if seen["status"] != "pending":
            break
        time.sleep(0.1)
    client.close()
    assert seen["status"] == "issued", seen["last_error"]
    [(order_after,)] = query(casp, "select order_url from certificates where id=$1", killed)
    payloads = [json.loads(p) for (p,) in query(casp, "select payload from jobs")]
    jobs = sum(1 for p in payloads if p == {"certificate_id": killed})
    assert order_after == order_before, "a second ACME order was made"
    assert jobs == 1


def test_a_separate_worker_process_issues(tmp_path: Path, pebble: PebbleServer,
                                          bind_server: BindServer):
    port = free_port()
    env = casp_env(tmp_path / "data", pebble, bind_server, port)
    api = Casp(env | {"CASP_EMBEDDED_WORKER": "false"}, port, tmp_path / "api.log")
    worker = Casp(env, port, tmp_path / "worker.log", command="worker")
    try:
        client = api.start()
        token, name = signed_up(client, bind_server, "w@example.com")
        cert = client.post("/api/v1/certificates.php", headers=bearer(token), json={
            "ca_provider": "letsencrypt", "domains": [name]}).json()["data"]
        assert detail(client, token, cert["id"])["stage"] == "queued"  # the API only queues
        with worker.log.open("ab") as out:
            worker.proc = subprocess.Popen([CASP, "worker"], env=env, stdout=out,
                                           stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            seen = detail(client, token, cert["id"])
            if seen["status"] != "pending":
                break
            time.sleep(0.1)
        assert seen["status"] == "issued", seen["last_error"]
        worker.proc.send_signal(signal.SIGTERM)
        assert worker.proc.wait(timeout=20) == 0
        client.close()
    finally:
        worker.stop()
        api.stop()


@pytest.mark.parametrize("bus", ["postgres", "redis"])
def test_a_worker_process_starts_on_a_new_request_at_once(
        tmp_path: Path, pebble: PebbleServer, bind_server: BindServer, pg_database: str,
        bus: str, request: pytest.FixtureRequest):
    port = free_port()
    events = "postgres" if bus == "postgres" else request.getfixturevalue("redis_url")
    env = casp_env(tmp_path / "data", pebble, bind_server, port) | {
        "CASP_DATABASE_URL": pg_database, "CASP_EVENTS": events,
        "CASP_WORKER_POLL_SECONDS": "60",  # an idle worker looks by itself once a minute
        "CASP_RATE_LIMIT": "100000/minute"}  # the test polls every 20 ms
    api = Casp(env | {"CASP_EMBEDDED_WORKER": "false"}, port, tmp_path / "api.log")
    worker = Casp(env, port, tmp_path / "worker.log", command="worker")
    try:
        client = api.start()
        token, name = signed_up(client, bind_server, "n@example.com")
        certs = "/api/v1/certificates.php"
        body = {"ca_provider": "letsencrypt", "domains": [name]}
        first = client.post(certs, headers=bearer(token), json=body).json()["data"]
        with worker.log.open("ab") as out:
            worker.proc = subprocess.Popen([CASP, "worker"], env=env, stdout=out,
                                           stderr=subprocess.STDOUT)
        # Its first look, at start, finds this one (and it listens before that look).
        assert wait_until_done(client, token, first["id"], 60)["status"] == "issued"

        asked = time.monotonic()
        second = client.post(certs, headers=bearer(token), json=body).json()["data"]
        seen = detail(client, token, second["id"])
        while seen["stage"] == "queued" and time.monotonic() - asked < 10:
            time.sleep(0.02)
            seen = detail(client, token, second["id"])
        started = time.monotonic() - asked
        assert started < 0.5, f"the worker took {started:.2f} s to start on the request"
        done = wait_until_done(client, token, second["id"], 20)
        assert done["status"] == "issued", done["last_error"]
        assert time.monotonic() - asked < 20  # far from the minute the poll would take
        client.close()
    finally:
        worker.stop()
        api.stop()


def wait_until_done(client: httpx.Client, token: str, cert_id: int,
                    within: float) -> dict[str, Any]:
    deadline = time.monotonic() + within
    seen = detail(client, token, cert_id)
    while seen["status"] == "pending" and time.monotonic() < deadline:
        time.sleep(0.05)
        seen = detail(client, token, cert_id)
    return seen
