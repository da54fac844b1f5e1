"""Production mode: two API processes and two worker processes on PostgreSQL and Redis
against real Pebble. 50 certificate requests spread over both APIs give 50 issued
certificates, each from exactly one ACME order, although one worker is SIGKILLed midway;
the rate limit is one budget across both APIs; /metrics on either API shows the issuance
the workers did; a worker asked to stop (SIGTERM) exits cleanly."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.acme import unique
from tests.support.dns import BindServer
from tests.support.net import free_port
from tests.support.pebble import PebbleFactory, PebbleServer
from tests.support.pg import databases, fetch
from tests.support.rest import PASSWORD, bearer

pytestmark = pytest.mark.slow  # real Pebble and BIND servers

CASP = str(Path(sys.executable).parent / "casp")
CERTS, USERS = 50, 5


@pytest.fixture
def pg_url() -> Iterator[str]:
    made = databases()
    url = made.clone()
    try:
        yield url
    finally:
        made.release(url)


class Proc:
    def __init__(self, command: str, env: dict[str, str], log: Path):
        self.command, self.env, self.log = command, env, log
        with log.open("ab") as out:
            self.proc = subprocess.Popen([CASP, command], env=env, stdout=out,
                                         stderr=subprocess.STDOUT)

    def signal(self, sig: int) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def lines(self) -> list[dict[str, Any]]:
        out = []
        for line in self.log.read_text().splitlines():
            if line.startswith("{"):
                out.append(json.loads(line))
        return out


def base_env(tmp: Path, pebble: PebbleServer, bind: BindServer, pg_url: str,
             redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASP_")}
    return env | {
        "CASP_DATA_DIR": str(tmp / "data"), "CASP_SECRET_KEY": uuid.uuid4().hex * 2,
        "CASP_DATABASE_URL": pg_url, "CASP_RATE_LIMIT_STORAGE": redis_url,
        "CASP_EVENTS": redis_url, "CASP_LOG_FORMAT": "json",
        "CASP_ARGON2_MEMORY_KIB": "1024", "CASP_ARGON2_TIME_COST": "1",
        "CASP_CA_LETSENCRYPT_DIRECTORY": pebble.directory_url,
        "CASP_ACME_CA_BUNDLE": pebble.ca_bundle, "CASP_DNS_RESOLVER": bind.address,
        "CASP_ALLOW_PRIVATE_TARGETS": "true", "CASP_JOB_LEASE_SECONDS": "8",
        "CASP_AUTH_RATE_LIMIT": "1000/minute", "CASP_AUTH_IP_RATE_LIMIT": "1000/minute",
    }


@asynccontextmanager
async def cluster(env: dict[str, str], api_ports: list[int],
                  tmp: Path) -> AsyncIterator[tuple[list[httpx.AsyncClient], list[Proc]]]:
    procs: list[Proc] = []
    try:
        apis = [Proc("serve", env | {"CASP_PORT": str(p), "CASP_EMBEDDED_WORKER": "false"},
                     tmp / f"api{i}.log") for i, p in enumerate(api_ports)]
        procs += apis
        workers = [Proc("worker", env, tmp / f"worker{i}.log") for i in range(2)]
        procs += workers
        # Idle connections are dropped before uvicorn's 5 s keep-alive ends, so a request
        # never goes out on a connection the server is closing.
        keep = httpx.Limits(keepalive_expiry=2)
        clients = [httpx.AsyncClient(base_url=f"http://127.0.0.1:{p}", timeout=30, limits=keep)
                   for p in api_ports]
        try:
            for client, proc in zip(clients, apis, strict=True):
                await _until_up(client, proc)
            yield clients, workers
        finally:
            for client in clients:
                await client.aclose()
    finally:
        for proc in procs:
            await asyncio.to_thread(proc.stop)


async def _until_up(client: httpx.AsyncClient, proc: Proc) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if (await client.get("/readyz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError(f"casp did not start: {proc.log.read_text()[-2000:]}")


async def user_with_domains(client: httpx.AsyncClient, count: int) -> tuple[str, list[str]]:
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    r = await client.post("/api/v1/auth.php?action=register",
                          json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    token = (await client.post("/api/v1/auth.php?action=login", json={
        "email": email, "password": PASSWORD})).json()["data"]["token"]
    names = [unique("m") for _ in range(count)]
    for name in names:
        r = await client.post("/api/v1/domains.php", headers=bearer(token),
                              json={"domain": name, "verification_method": "http-01"})
        assert r.status_code == 200, r.text
    return token, names


async def until(done: Callable[[int], bool], probe: Callable[[], Awaitable[int]],
                within: float, step: float) -> None:
    """Poll `probe` until `done` says so or the time is up (the caller asserts after)."""
    deadline = time.monotonic() + within
    for _ in range(int(within / step) + 1):
        if done(await probe()) or time.monotonic() > deadline:
            return
        await asyncio.sleep(step)


def metric(text: str, name: str, **labels: str) -> float | None:
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and s.labels == labels:
                return s.value
    return None


async def test_two_apis_two_workers_one_killed(tmp_path: Path, pebble_factory: PebbleFactory,
                                               bind_server: BindServer, pg_url: str,
                                               redis_url: str):
    ports = [free_port(), free_port()]
    # Validation takes up to 2 s here, so the kill lands while orders are open.
    ca = pebble_factory(http_port=ports[0], extra_env={
        "PEBBLE_VA_NOSLEEP": "0", "PEBBLE_VA_SLEEPTIME": "2"})
    env = base_env(tmp_path, ca, bind_server, pg_url, redis_url)
    async with cluster(env, ports, tmp_path) as (apis, workers):
        owners = [await user_with_domains(apis[i % 2], CERTS // USERS) for i in range(USERS)]
        wanted = [(token, name) for token, names in owners for name in names]

        async def request(i: int, token: str, name: str) -> int:
            r = await apis[i % 2].post("/api/v1/certificates.php", headers=bearer(token), json={
                "ca_provider": "letsencrypt", "domains": [name], "challenge_type": "http-01"})
            assert r.status_code == 201, r.text
            return int(r.json()["data"]["id"])
        ids = await asyncio.gather(*(request(i, t, n) for i, (t, n) in enumerate(wanted)))

        async def issued() -> int:
            rows = await fetch(pg_url, "SELECT count(*) FROM certificates WHERE status = $1",
                               "issued")
            return int(rows[0][0])

        await until(lambda n: n >= 5, issued, within=60, step=0.05)
        before_kill = await issued()
        assert before_kill < CERTS, "everything was issued before the kill: no test of it"
        assert workers[0].signal(signal.SIGKILL) == -signal.SIGKILL

        await until(lambda n: n >= CERTS, issued, within=120, step=0.2)
        rows = await fetch(pg_url, "SELECT id, status, order_url, last_error FROM certificates")
        assert sorted(r["id"] for r in rows) == sorted(ids)
        assert all(r["status"] == "issued" for r in rows), [
            (r["id"], r["status"], r["last_error"]) for r in rows if r["status"] != "issued"]
        assert len({r["order_url"] for r in rows}) == CERTS

        # One ACME order per certificate, over both workers' logs (the killed one's too):
        # an order the dead worker left open was finished, not placed again. The one
        # exception no client can avoid: the CA made an order in the last instant before
        # the kill and the worker died before its URL was saved (it logs the order first);
        # the next worker cannot know of it and places a second. Those few are told apart
        # by the killed worker's order being the last thing it logged for them and not
        # the one in the database.
        killed_orders = [line for line in workers[0].lines()
                         if str(line.get("message", "")).startswith("ACME order placed")]
        placed = Counter(line["certificate_id"] for w in workers for line in w.lines()
                         if str(line.get("message", "")).startswith("ACME order placed"))
        assert set(placed) == set(ids), placed
        saved = {r["id"]: r["order_url"] for r in rows}
        twice = {cert for cert, n in placed.items() if n > 1}
        assert all(n <= 2 for n in placed.values()), placed
        lost = {line["certificate_id"] for line in killed_orders
                if line["certificate_id"] in twice and saved[line["certificate_id"]] !=
                line["order_url"]}
        assert lost == twice, (twice, lost)  # every second order replaced an unsaved one
        # How many were in that instant depends on the machine's load (a burst of orders
        # waiting for their save): 0-3 on a quiet machine, 9 once on a loaded one. What must
        # hold is that the saves happened at all: most of the killed worker's orders were
        # kept and finished by the other worker.
        assert len(twice) <= len(killed_orders) / 2, (
            f"{len(twice)} of the killed worker's {len(killed_orders)} orders lost at the "
            f"kill: {sorted(twice)}")
        async def unfinished() -> int:  # a job is marked done just after its certificate
            rows = await fetch(pg_url, "SELECT count(*) FROM jobs WHERE kind = 'issue' "
                               "AND status <> 'done'")
            return int(rows[0][0])
        await until(lambda n: n == 0, unfinished, within=15, step=0.1)
        jobs = await fetch(pg_url, "SELECT payload, status FROM jobs WHERE kind = 'issue'")
        assert sorted(json.loads(j["payload"])["certificate_id"] for j in jobs) == sorted(ids)
        assert {j["status"] for j in jobs} == {"done"}

        # /metrics on either API shows what the workers did.
        for api in apis:
            text = (await api.get("/metrics")).text
            assert metric(text, "casp_issuance_outcomes_total", ca="letsencrypt",
                          outcome="issued", error_kind="") == CERTS
            assert metric(text, "casp_certificates", status="issued",
                          ca="letsencrypt") == CERTS

        # The surviving worker stops cleanly on SIGTERM.
        assert await asyncio.to_thread(workers[1].signal, signal.SIGTERM) == 0


async def test_the_rate_limit_is_one_budget_across_apis(tmp_path: Path, pebble: PebbleServer,
                                                        bind_server: BindServer, pg_url: str,
                                                        redis_url: str):
    ports = [free_port(), free_port()]
    env = base_env(tmp_path, pebble, bind_server, pg_url, redis_url)
    async with cluster(env, ports, tmp_path) as (apis, _):
        token, _ = await user_with_domains(apis[0], 0)
        remaining = []
        for i in range(100):
            r = await apis[i % 2].get("/api/v1/certificates.php", headers=bearer(token))
            assert r.status_code == 200, (i, r.text)
            remaining.append(int(r.headers["X-RateLimit-Remaining"]))
        assert remaining == list(range(99, -1, -1))  # one count, whichever API answered
        for api in apis:
            r = await api.get("/api/v1/certificates.php", headers=bearer(token))
            assert r.status_code == 429 and r.json()["error"]["code"] == "RATE_LIMIT_EXCEEDED"
            assert int(r.headers["Retry-After"]) >= 1
