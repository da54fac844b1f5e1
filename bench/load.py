"""Load benchmark: `casp serve` under 200 concurrent keep-alive connections on loopback for two
minutes, with a mix of REST list and detail, GraphQL list, a write, and unauthenticated
requests from a few users with data. Every answer is checked; the only refusals allowed are
the intended 429s of one user whose login budget is low. The server's RSS is sampled every
5 s, and the run says whether it kept growing.

    .venv/bin/python bench/load.py [--seconds 120] [--connections 200] [--postgres]
    .venv/bin/python bench/load.py --short      # 20 s, the check the test suite used to run

Writes bench/results/load.json and prints requests, errors by status, the 429s, the RSS series
and the growth verdict. The load generator is a small asyncio HTTP/1.1 client (below), so
each answer is accounted for by kind of request. `--short` runs the same load for 20 s with
the RSS sampled every second and a looser memory bound (the second half's peak within 25 % of
the first half's; no slope over so few samples), writes no results file unless `--out` says
where, and exits 1 when a check fails, as the run by hand does.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from app.config import Settings  # noqa: E402
from bench import common  # noqa: E402

CASP = str(Path(sys.executable).parent / "casp")
PASSWORD = "Load-passw0rd"  # noqa: S105 (the seeded users' password)
LIMITED_BUDGET = "10/minute"  # CASP_AUTH_RATE_LIMIT: the limited user's login attempts
LIMITED_CONNECTIONS = 5  # of the connections, those that only log the limited user in
SAMPLE_SECONDS = 5.0
GROWTH_RATIO = 1.10  # the second half's RSS peak may exceed the first half's by this much
SLOPE_LIMIT = 2.0  # MiB per minute: the most the RSS may climb over the second half
SHORT_SECONDS = 20.0  # --short: the run's length,
SHORT_SAMPLE_SECONDS = 1.0  # its RSS sampling,
SHORT_GROWTH_RATIO = 1.25  # and its bound on the second half's RSS peak (no slope limit)
CLOSE_WITHIN = 10.0  # seconds the server has to close its side of the connections afterwards
REQUEST_TIMEOUT = 30.0  # an answer later than this is a hang, counted as an error
LIMITED_INTERVAL = 0.25  # seconds between the limited user's logins, per connection
READYZ_INTERVAL = 1.0  # the readiness probe, as an orchestrator would send it
CERTS = "/api/v1/certificates.php"
GRAPHQL_LIST = ("{ certificates(page: 1, perPage: 20) { total certificates { id domains "
                "status expiresAt serial issuer } } }")
GRAPHQL_PUBLIC = "{ caProviders { name } }"


# -- data -------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class User:
    email: str
    token: str
    certificate_ids: tuple[int, ...]


@dataclasses.dataclass(frozen=True)
class Seeded:
    users: tuple[User, ...]  # the users the mix reads as
    limited_email: str  # the user whose logins run into LIMITED_BUDGET
    certificates: int
    notifications: int


def _pems() -> tuple[str, str, str]:
    """A real EC leaf signed by a small CA of its own, with its key: shared by every row."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "casp load E1")])
    ca_key, ca = common.small_ca(ca_name, now)
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "www.load.test")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=89))
            .add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("www.load.test"), x509.DNSName("load.test")]), critical=False)
            .sign(ca_key, hashes.SHA384()))
    pem = serialization.Encoding.PEM
    return (leaf.public_bytes(pem).decode(), ca.public_bytes(pem).decode(),
            key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()).decode())


def server_settings(data_dir: Path, database_url: str = "") -> Settings:
    """What the seeding writes with: the server reads the same data directory (its secret
    key) and database, and hashes with the same cheap argon2 parameters (casp_env)."""
    return Settings(data_dir=data_dir, database_url=database_url, argon2_time_cost=1,
                    argon2_memory_kib=1024, argon2_parallelism=1)


async def seed(settings: Settings, users: int = 5, certificates: int = 30,
               notifications: int = 10) -> Seeded:
    """Migrate, then `users` users (each with an API token, two domains, `certificates`
    issued certificates and `notifications` notifications) and the limited user, through
    casp's models; the Tortoise connections are closed again before returning."""
    from app import db
    from app.crypto import SecretBox, load_or_create_secret, new_token, token_hash
    from app.passwords import Passwords
    from app.services.accounts.users import TOKEN_PREFIX
    from models.certificate import Certificate
    from models.domain import Domain
    from models.notification import Notification
    from models.user import User as UserRow

    await db.migrate(settings)
    box = SecretBox(load_or_create_secret(settings.data_dir, settings.secret_key))
    leaf, chain, key = _pems()
    key_encrypted = box.encrypt(key)
    password_hash = await Passwords(settings).hash(PASSWORD)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    day = dt.timedelta(days=1)
    made: list[User] = []
    await db.connect(settings)
    try:
        for n in range(users + 1):
            token = new_token(TOKEN_PREFIX)
            email = f"load{n}@example.com" if n < users else "limited@example.com"
            row = await UserRow.create(
                email=email, name=f"Load {n}", email_verified=True, password_hash=password_hash,
                token_hash=token_hash(token), token_encrypted=box.encrypt(token),
                created_at=now - 30 * day, updated_at=now - 30 * day)
            if n == users:
                break  # the limited user only logs in
            zones = [f"u{n}a.load.test", f"u{n}b.load.test"]
            await Domain.bulk_create([Domain(
                user=row, name=zone, verification_method="http-01", status="verified",
                delegation_label=f"l{n}x{i}{os.urandom(6).hex()}", created_at=now - 29 * day,
                verified_at=now - 29 * day) for i, zone in enumerate(zones)])
            rows = []
            for c in range(certificates):
                names = [f"c{c}.{zones[c % 2]}"]
                issued = now - (c % 60) * day
                rows.append(Certificate(
                    user=row, domains=names, search_text=f" {names[0]} ",
                    ca_provider="letsencrypt", challenge_type="http-01", key_type="ec-256",
                    status="issued", stage="done", key_encrypted=key_encrypted,
                    directory_url="https://acme.invalid/directory",
                    order_url=f"https://acme.invalid/order/{n}/{c}", certificate_pem=leaf,
                    chain_pem=chain, serial=os.urandom(16).hex(),
                    fingerprint_sha256=":".join(f"{b:02X}" for b in os.urandom(32)),
                    issuer="CN=casp load E1", issued_at=issued, expires_at=issued + 90 * day,
                    renew_at=issued + 60 * day, created_at=issued - day, updated_at=issued))
            await Certificate.bulk_create(rows, batch_size=200)
            await Notification.bulk_create([Notification(
                user=row, type="certificate_issued", title=f"Certificate issued: c{i}",
                message="The certificate was issued.", read=i % 2 == 0,
                created_at=now - i * day) for i in range(notifications)])
            ids = await Certificate.filter(user=row).values_list("id", flat=True)
            made.append(User(email, token, tuple(int(i) for i in ids)))
    finally:
        await db.disconnect()
    return Seeded(users=tuple(made), limited_email="limited@example.com",
                  certificates=users * certificates, notifications=users * notifications)


# -- the server -------------------------------------------------------------------------------

def casp_env(data_dir: Path, port: int, database_url: str = "",
             extra: dict[str, str] | None = None) -> dict[str, str]:
    """This environment without its CASP_* settings, plus the load's: every budget out of
    reach but the login budget (per email) of the limited user."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASP_")}
    env |= {
        "CASP_DATA_DIR": str(data_dir), "CASP_PORT": str(port),
        "CASP_RATE_LIMIT": "100000000/minute", "CASP_AUTH_IP_RATE_LIMIT": "100000000/minute",
        "CASP_AUTH_RATE_LIMIT": LIMITED_BUDGET,
        # The seeded hashes are made with these: argon2 at 64 MiB a login would make the RSS
        # series show password hashing rather than request handling.
        "CASP_ARGON2_TIME_COST": "1", "CASP_ARGON2_MEMORY_KIB": "1024",
        "CASP_ARGON2_PARALLELISM": "1",
        "CASP_LOG_FORMAT": "text", "CASP_LOG_LEVEL": "WARNING",  # no access log line each
    }
    if database_url:
        env["CASP_DATABASE_URL"] = database_url
    return env | (extra or {})


class CaspServer:
    """`casp serve` as a process of its own, its output in `log`."""

    def __init__(self, env: dict[str, str], port: int, log: Path):
        self.env, self.port, self.log = env, port, log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, within: float = 60.0) -> CaspServer:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([CASP, "serve"], env=self.env,  # noqa: S603
                                         stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + within
        with httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=5) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"casp exited {self.proc.returncode}:\n{self.tail()}")
                with contextlib.suppress(httpx.TransportError):
                    if client.get("/readyz").status_code == 200:
                        return self
                time.sleep(0.1)
        raise RuntimeError(f"casp did not get ready within {within:g} s:\n{self.tail()}")

    def sample(self) -> dict[str, float]:
        """RSS (MiB), CPU seconds so far, open file descriptors and threads."""
        return {"rss_mib": round(common.status_kib(self.pid, "VmRSS") / 1024, 1),
                "cpu_s": round(common.process_cpu_s(self.pid), 2),
                "fds": len(os.listdir(f"/proc/{self.pid}/fd")),
                "threads": common.status_kib(self.pid, "Threads")}

    def open_client_connections(self) -> int:
        """The accepted connections the server holds open on its port (not counting its
        own pooled connections to the database or Redis), from /proc/net/tcp."""
        inodes = set()
        for fd in Path(f"/proc/{self.pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        count = 0
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with contextlib.suppress(OSError):
                for line in Path(table).read_text().splitlines()[1:]:
                    cols = line.split()
                    local_port = int(cols[1].rsplit(":", 1)[1], 16)
                    if local_port == self.port and cols[3] != "0A" and cols[9] in inodes:
                        count += 1  # 0A: the listening socket
        return count

    def tail(self, limit: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-limit:] if self.log.exists() else ""

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        common.terminate(self.proc)
        return self.proc.returncode


class RssSampler:
    """Samples the server every `every` seconds in the running loop: (t, rss_mib, ...)."""

    def __init__(self, server: CaspServer, every: float = SAMPLE_SECONDS):
        self.server, self.every = server, every
        self.samples: list[dict[str, float]] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        t0 = time.monotonic()
        while True:
            self.samples.append({"t": round(time.monotonic() - t0, 1), **self.server.sample()})
            await asyncio.sleep(self.every)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> list[dict[str, float]]:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.samples.append({"t": self.samples[-1]["t"] + self.every if self.samples else 0,
                             **self.server.sample()})
        return self.samples


def _slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y over x."""
    if len(points) < 2:
        return 0.0
    mx = statistics.fmean(x for x, _ in points)
    my = statistics.fmean(y for _, y in points)
    var = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / var if var else 0.0


def growth(samples: list[dict[str, float]], ratio: float = GROWTH_RATIO,
           slope_limit: float | None = SLOPE_LIMIT) -> dict[str, Any]:
    """Did the RSS keep growing? The second half's peak against the first half's (within
    `ratio`), and the least-squares slope over the second half (at most `slope_limit` MiB
    per minute, unless None): it kept growing when either is exceeded."""
    end = samples[-1]["t"]
    first = [s["rss_mib"] for s in samples if s["t"] <= end / 2]
    second = [s for s in samples if s["t"] > end / 2]
    slope = _slope([(s["t"] / 60, s["rss_mib"]) for s in second]) if second else 0.0
    first_max = max(first)
    second_max = max(s["rss_mib"] for s in second) if second else first_max
    return {"first_half_max_mib": first_max, "second_half_max_mib": second_max,
            "second_over_first": round(second_max / first_max, 3),
            "second_half_slope_mib_per_min": round(slope, 2),
            "ratio_limit": ratio, "slope_limit_mib_per_min": slope_limit,
            "kept_growing": second_max > first_max * ratio
            or (slope_limit is not None and slope > slope_limit)}


# -- the load ---------------------------------------------------------------------------------

Check = Callable[[int, dict[bytes, bytes], bytes], bool]


def rest_ok(status: int, headers: dict[bytes, bytes], body: bytes) -> bool:
    return status == 200 and body.startswith(b'{"success":true')


def graphql_ok(status: int, headers: dict[bytes, bytes], body: bytes) -> bool:
    return status == 200 and body.startswith(b'{"data":{') and b'"errors":' not in body


def health_ok(status: int, headers: dict[bytes, bytes], body: bytes) -> bool:
    return status == 200 and body == b'{"status":"ok"}'


def intended_429(status: int, headers: dict[bytes, bytes], body: bytes) -> bool:
    return (status == 429 and b'"code":"RATE_LIMIT_EXCEEDED"' in body
            and headers.get(b"retry-after", b"").isdigit())


@dataclasses.dataclass
class Kind:
    """One kind of request: its prepared requests (one picked at random each time), what a
    good answer is, and whether an intended 429 is a good answer too."""

    name: str
    requests: list[bytes]
    check: Check
    weight: int = 1
    may_429: bool = False
    interval: float = 0.0  # a connection sending only this kind waits so long between


def _request(method: str, path: str, host: str, token: str | None = None,
             body: Any = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Accept: application/json"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    payload = b""
    if body is not None:
        payload = json.dumps(body).encode()
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


def mix(seeded: Seeded, host: str) -> tuple[list[Kind], Kind]:
    """The mix the connections draw from, and the limited user's kind (its own connections)."""
    users = seeded.users
    kinds = [
        Kind("rest_list", [_request("GET", f"{CERTS}?per_page=20", host, u.token)
                           for u in users], rest_ok, 25),
        Kind("rest_detail", [_request("GET", f"{CERTS}?id={i}", host, u.token)
                             for u in users for i in u.certificate_ids], rest_ok, 25),
        Kind("rest_domains", [_request("GET", "/api/v1/domains.php", host, u.token)
                              for u in users], rest_ok, 8),
        Kind("rest_notifications", [_request("GET", "/api/v1/notifications.php", host,
                                             u.token) for u in users], rest_ok, 7),
        Kind("graphql_list", [_request("POST", "/graphql", host, u.token,
                                       {"query": GRAPHQL_LIST}) for u in users],
             graphql_ok, 15),
        Kind("rest_mark_read", [_request("POST", "/api/v1/notifications.php?action=mark-read",
                                         host, u.token, {"id": "all"}) for u in users],
             rest_ok, 5),
        Kind("anon_healthz", [_request("GET", "/healthz", host)], health_ok, 5),
        Kind("anon_graphql", [_request("POST", "/graphql", host, None,
                                       {"query": GRAPHQL_PUBLIC})], graphql_ok, 5),
    ]
    # A client over its budget that keeps trying, at a steady pace: 429s by the thousand
    # without it taking the server from the others.
    limited = Kind("limited_login", [_request(
        "POST", "/api/v1/auth.php?action=login", host, None,
        {"email": seeded.limited_email, "password": PASSWORD})], rest_ok, may_429=True,
        interval=LIMITED_INTERVAL)
    return kinds, limited


class Closed(Exception):
    """The server closed the connection before a whole answer."""


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, dict[bytes, bytes], bytes]:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        raise Closed("closed before the status line") from exc
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
    try:
        if b"content-length" in headers:
            body = await reader.readexactly(int(headers[b"content-length"]))
        elif headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            parts = []
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                parts.append(await reader.readexactly(size))
                await reader.readexactly(2)
            await reader.readuntil(b"\r\n")
            body = b"".join(parts)
        else:
            body = await reader.read()
            headers[b"connection"] = b"close"
    except asyncio.IncompleteReadError as exc:
        raise Closed("closed in the middle of a body") from exc
    return status, headers, body


@dataclasses.dataclass
class Tally:
    """Every answer by kind and status; what was not a good answer, with samples."""

    statuses: dict[str, Counter[int]] = dataclasses.field(default_factory=dict)
    errors: Counter[str] = dataclasses.field(default_factory=Counter)
    samples: dict[str, str] = dataclasses.field(default_factory=dict)
    intended_429: int = 0
    latencies: list[float] = dataclasses.field(default_factory=list)
    seconds: float = 0.0
    connects: int = 0
    readyz: Counter[int] = dataclasses.field(default_factory=Counter)  # status: how often
    readyz_slowest: float = 0.0

    def count(self, kind: str, status: int) -> None:
        self.statuses.setdefault(kind, Counter())[status] += 1

    def error(self, kind: str, what: str, sample: str) -> None:
        key = f"{kind} {what}"
        self.errors[key] += 1
        self.samples.setdefault(key, sample[:500])

    @property
    def requests(self) -> int:
        return sum(sum(c.values()) for c in self.statuses.values())

    def errors_by_status(self) -> dict[str, int]:
        found: Counter[str] = Counter()
        for key, n in self.errors.items():
            found[key.split(" ", 1)[1]] += n
        return dict(found)

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies)

        def pct(q: float) -> float:
            return round(lat[min(len(lat) - 1, int(q * len(lat)))] * 1000, 1) if lat else 0.0
        return {"requests": self.requests, "seconds": round(self.seconds, 1),
                "per_second": round(self.requests / self.seconds, 1) if self.seconds else 0,
                "errors": sum(self.errors.values()), "errors_by_status": self.errors_by_status(),
                "error_samples": self.samples, "intended_429": self.intended_429,
                "connections_opened": self.connects,
                "readyz": {str(s): n for s, n in sorted(self.readyz.items())},
                "readyz_slowest_s": round(self.readyz_slowest, 2),
                "latency_ms": {"p50": pct(0.5), "p90": pct(0.9), "p99": pct(0.99),
                               "max": pct(1.0)},
                "by_kind": {k: {str(s): n for s, n in sorted(c.items())}
                            for k, c in sorted(self.statuses.items())}}


async def _connection(host: str, port: int, kinds: list[Kind], until: float, tally: Tally,
                      rng: random.Random, limit: float) -> None:
    """One keep-alive connection sending one request after another until `until`."""
    weights = [k.weight for k in kinds]
    pause = kinds[0].interval if len(kinds) == 1 else 0.0
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    try:
        while time.monotonic() < until:
            kind = rng.choices(kinds, weights)[0] if len(kinds) > 1 else kinds[0]
            raw = rng.choice(kind.requests)
            started = time.monotonic()
            try:
                async with asyncio.timeout(limit):
                    if writer is None:
                        reader, writer = await asyncio.open_connection(host, port)
                        tally.connects += 1
                    assert reader is not None
                    writer.write(raw)
                    status, headers, body = await _read_answer(reader)
            except TimeoutError:
                tally.error(kind.name, "timeout", f"no answer within {limit:g} s")
                status = 0
            except (Closed, OSError) as exc:
                tally.error(kind.name, "disconnected", repr(exc))
                status = 0
            if status == 0:  # start afresh on a new connection
                if writer is not None:
                    writer.close()
                reader = writer = None
                continue
            tally.latencies.append(time.monotonic() - started)
            tally.count(kind.name, status)
            if kind.may_429 and intended_429(status, headers, body):
                tally.intended_429 += 1
            elif not kind.check(status, headers, body):
                tally.error(kind.name, str(status), body.decode(errors="replace"))
            if headers.get(b"connection", b"").lower() == b"close":
                assert writer is not None
                writer.close()
                reader = writer = None
            if pause:
                await asyncio.sleep(pause)
    finally:
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def drive(host: str, port: int, kinds: list[Kind], limited: Kind | None,
                connections: int, seconds: float, limited_connections: int = LIMITED_CONNECTIONS,
                limit: float = REQUEST_TIMEOUT, seed: int = 7) -> Tally:
    """`connections` connections for `seconds`: `limited_connections` of them send only the
    limited kind, the others draw from `kinds` by weight; an answer later than `limit` s
    counts as a timeout."""
    tally = Tally()
    rng = random.Random(seed)  # noqa: S311 (a load mix, not a secret)
    until = time.monotonic() + seconds
    started = time.monotonic()
    tasks = []
    for n in range(connections):
        own = [limited] if limited is not None and n < limited_connections else kinds
        tasks.append(_connection(host, port, own, until, tally,
                                 random.Random(rng.random()), limit))  # noqa: S311
    tasks.append(_readiness(host, port, until, tally, limit))
    await asyncio.gather(*tasks)
    tally.seconds = time.monotonic() - started
    return tally


async def _readiness(host: str, port: int, until: float, tally: Tally, limit: float) -> None:
    """GET /readyz every READYZ_INTERVAL s on a connection of its own, as a probe would: its
    answers are kept apart (tally.readyz), not counted in the mix."""
    async with httpx.AsyncClient(base_url=f"http://{host}:{port}", timeout=limit) as client:
        while time.monotonic() < until:
            started = time.monotonic()
            try:
                status = (await client.get("/readyz")).status_code
            except httpx.TimeoutException:
                status = 0
            tally.readyz[status] += 1
            tally.readyz_slowest = max(tally.readyz_slowest, time.monotonic() - started)
            await asyncio.sleep(max(0.0, READYZ_INTERVAL - (time.monotonic() - started)))


def verdict(tally: Tally, seconds: float, budget: int = 10, kinds: list[Kind] | None = None,
            connections: int | None = None) -> list[str]:
    """What is wrong with a run: any error, a 429 anywhere but the limited user's logins,
    more logins let through than its budget allows in the windows the run spans, a kind of
    `kinds` never answered, or more connections opened than the run's `connections` (one
    was dropped and opened again)."""
    problems = [f"{n} x {key}: {tally.samples.get(key, '')[:200]}"
                for key, n in tally.errors.most_common()]
    unanswered = [k.name for k in kinds or [] if not sum(tally.statuses.get(k.name, {}).values())]
    if unanswered:
        problems.append(f"never answered: {', '.join(unanswered)}")
    if connections is not None and tally.connects != connections:
        problems.append(f"{tally.connects} connections opened for {connections}: some were "
                        "dropped and opened again")
    limited = tally.statuses.get("limited_login", Counter())
    allowed = budget * (int(seconds // 60) + 2)
    if limited and limited[200] > allowed:
        problems.append(f"the limited user logged in {limited[200]} times (budget {budget} "
                        f"a minute, at most {allowed} in {seconds:g} s)")
    if limited and tally.intended_429 == 0:
        problems.append("the limited user was never refused: no 429 where one was intended")
    return problems


# -- the bench --------------------------------------------------------------------------------

def machine() -> dict[str, Any]:
    return {"nproc": os.cpu_count(), "cpu": common.cpu_model(), "python": platform.python_version(),
            "loadavg_before": round(os.getloadavg()[0], 2)}


def table(result: dict[str, Any]) -> str:
    load, rss = result["load"], result["rss"]
    g = rss["growth"]
    lines = [
        f"{load['requests']} requests in {load['seconds']} s ({load['per_second']}/s) over "
        f"{result['connections']} connections on {result['database']}",
        f"latency p50 {load['latency_ms']['p50']} ms, p99 {load['latency_ms']['p99']} ms, "
        f"max {load['latency_ms']['max']} ms",
        f"errors: {load['errors']} {load['errors_by_status'] or ''}",
        f"intended 429s (the limited user's logins): {load['intended_429']}",
        f"/readyz probed every {READYZ_INTERVAL:g} s meanwhile: {load['readyz']} (slowest "
        f"{load['readyz_slowest_s']} s)",
        "by kind: " + ", ".join(f"{k} {v}" for k, v in load["by_kind"].items()),
        "RSS MiB every {:g} s: {}".format(result["sample_seconds"], " ".join(
            f"{s['rss_mib']:g}" for s in rss["series"])),
        f"RSS first half max {g['first_half_max_mib']} MiB, second half max "
        f"{g['second_half_max_mib']} MiB (x{g['second_over_first']}, limit x{g['ratio_limit']}),"
        f" second-half slope {g['second_half_slope_mib_per_min']} MiB/min (limit "
        f"{g['slope_limit_mib_per_min'] or 'none'}): "
        f"{'KEPT GROWING' if g['kept_growing'] else 'flat'}",
        f"client connections left open by the server afterwards: {result['left_open']}",
        f"fds {rss['series'][0]['fds']} -> {rss['series'][-1]['fds']}, threads "
        f"{rss['series'][0]['threads']} -> {rss['series'][-1]['threads']}",
        "verdict: " + ("PASS" if result["pass"] else "FAIL: " + "; ".join(result["problems"])),
    ]
    return "\n".join(lines)


async def bench(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    from tests.support.net import free_port

    pg = None
    database_url = ""
    if args.postgres:
        from tests.support.pgserver import PgServer

        pg = PgServer().start()
        database_url = pg.create_database("casp_load")
    try:
        settings = server_settings(tmp / "data", database_url)
        seeded = await seed(settings, args.users, args.certificates)
        port = free_port()
        extra = {"CASP_RATE_LIMIT_STORAGE": args.rate_limit_storage} \
            if args.rate_limit_storage else {}
        server = CaspServer(casp_env(tmp / "data", port, database_url, extra), port,
                            tmp / "casp.log").start()
        try:
            kinds, limited = mix(seeded, f"127.0.0.1:{port}")
            sampler = RssSampler(server, args.sample_seconds)
            sampler.start()
            tally = await drive("127.0.0.1", port, kinds, limited, args.connections,
                                args.seconds)
            series = await sampler.stop()
            left_open = await closed_within(server, CLOSE_WITHIN)
        finally:
            code = server.stop()
        problems = verdict(tally, args.seconds, kinds=[*kinds, limited],
                           connections=args.connections)
        g = growth(series, SHORT_GROWTH_RATIO, None) if args.short else growth(series)
        if g["kept_growing"]:
            problems.append("the RSS kept growing")
        if left_open:
            problems.append(f"{left_open} client connections still open {CLOSE_WITHIN:g} s "
                            "after the load")
        # uvicorn shuts down on SIGTERM, then raises it again: -15 is a clean stop.
        if code not in (0, -signal.SIGTERM, None):
            problems.append(f"casp exited {code} on SIGTERM")
        return {"connections": args.connections, "seconds": args.seconds,
                "short": args.short, "database": "postgresql" if database_url else "sqlite",
                "data": dataclasses.asdict(seeded) | {"users": len(seeded.users)},
                "sample_seconds": args.sample_seconds, "load": tally.summary(),
                "rss": {"series": series, "growth": g}, "left_open": left_open,
                "problems": problems,
                "pass": not problems, "casp_log_tail": server.tail(2000)}
    finally:
        if pg is not None:
            pg.cleanup()


async def closed_within(server: CaspServer, within: float) -> int:
    """Wait up to `within` s for the server to close its side of the connections: how many
    it still holds open."""
    left_open = server.open_client_connections()
    for _ in range(int(within / 0.2)):
        if left_open == 0:
            break
        await asyncio.sleep(0.2)
        left_open = server.open_client_connections()
    return left_open


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--short", action="store_true",
                        help=f"a {SHORT_SECONDS:g}-s check (what the test suite ran): RSS "
                        f"every {SHORT_SAMPLE_SECONDS:g} s, second half's peak within "
                        f"x{SHORT_GROWTH_RATIO:g} of the first's, no results file by default")
    parser.add_argument("--seconds", type=float, help="120, or 20 with --short")
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--users", type=int, default=5)
    parser.add_argument("--certificates", type=int, default=30, help="per user")
    parser.add_argument("--sample-seconds", type=float,
                        help=f"{SAMPLE_SECONDS:g}, or {SHORT_SAMPLE_SECONDS:g} with --short")
    parser.add_argument("--postgres", action="store_true",
                        help="on a PostgreSQL server of the bench's own (initdb in a temp dir)")
    parser.add_argument("--rate-limit-storage", metavar="URL",
                        help="casp's CASP_RATE_LIMIT_STORAGE (e.g. a Redis); memory by default")
    parser.add_argument("--out", type=Path,
                        help="bench/results/load.json; with --short none unless given")
    args = parser.parse_args()
    if args.seconds is None:
        args.seconds = SHORT_SECONDS if args.short else 120.0
    if args.sample_seconds is None:
        args.sample_seconds = SHORT_SAMPLE_SECONDS if args.short else SAMPLE_SECONDS
    if args.out is None and not args.short:
        args.out = ROOT / "bench/results/load.json"
    if args.connections <= LIMITED_CONNECTIONS or args.seconds <= 0:
        parser.error(f"--connections must exceed {LIMITED_CONNECTIONS}; --seconds positive")
    result: dict[str, Any] = {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                              "machine": machine()}
    with tempfile.TemporaryDirectory(prefix="casp-load-") as tmp:
        result |= asyncio.run(bench(args, Path(tmp)))
    print(table(result))
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")
        print(f"\nwritten to {args.out}")
    return 0 if result["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
