"""API benchmark: throughput and p50/p99 latency of casp's REST and GraphQL reads under 50
concurrent connections (wrk), beside a bare Starlette JSON endpoint served the same way in
the same run (the framework's ceiling), and the server's memory.

    .venv/bin/python bench/api.py [--duration 10] [--warmup 3] [--connections 50]
    .venv/bin/python bench/api.py --summary     # every bench/results/*.json beside its target

A fresh data directory (casp's migrations, one user with an API token, 1,000 issued
certificates, their history and domains) is served by `casp serve` in one process; the bare
app by bench/bare.py, the same way. Each endpoint gets a warm-up run of wrk, then a measured
one. Writes bench/results/api.json and prints each figure beside its target.
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
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench import common  # noqa: E402

TARGET_REST_OF_BARE = 0.25  # REST list at least 25 % of the bare endpoint's req/s
TARGET_GQL_OF_REST = 0.50  # GraphQL list at least 50 % of the REST list's req/s
TARGET_DETAIL_OF_BARE = 0.25  # issue 15: the detail too
TARGET_401_OF_BARE = 0.50  # issue 15: the 401 path at least half of bare
TARGET_P99_MS = 50.0
TARGET_RSS_MB = 150.0
NOISY_OTHER_CPU = 0.25  # other processes' CPU during a run, in cores, above which it is noisy
CERTIFICATES = 1000
DETAIL_ID = 100  # created about 330 days ago: three renewals, so three earlier versions
PER_PAGE = 20
PG_DATABASE = "casp_bench_api"  # made on the --postgres server for a run, dropped after
CERTS = "/api/v1/certificates.php"
GRAPHQL_LIST = ("{ certificates(page:1, perPage:20) { certificates { id domains status "
                "expiresAt serial } total } }")
PACKAGES = ("starlette", "uvicorn", "uvloop", "httptools", "tortoise-orm", "pypika-tortoise",
            "aiosqlite", "strawberry-graphql", "graphql-core", "limits")
RESULTS = ROOT / "bench/results"


# -- data -------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Fixture:
    token: str
    detail_id: int  # a certificate with three earlier versions (its history)
    certificates: int
    versions: int
    domains: int
    seconds: float


def pems() -> dict[str, str]:
    """A real leaf (EC P-256, two names) signed by a real small CA, its CSR and key: made once
    and shared by every row (their sizes are what matters to the API)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "casp bench"),
                         x509.NameAttribute(NameOID.COMMON_NAME, "casp bench E1")])
    ca_key, ca = common.small_ca(ca_name, now)
    names = [x509.DNSName("www.example.com"), x509.DNSName("example.com")]
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "www.example.com")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=89))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA384()))
    csr = (x509.CertificateSigningRequestBuilder().subject_name(x509.Name([]))
           .add_extension(x509.SubjectAlternativeName(names), critical=False).sign(
               key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    return {"leaf": leaf.public_bytes(pem).decode(), "chain": ca.public_bytes(pem).decode(),
            "csr": csr.public_bytes(pem).decode(),
            "key": key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()).decode()}


async def _prepare(data_dir: Path, seed: int, database_url: str | None = None) -> Fixture:
    """Migrate, then one user, five domains, 1,000 issued certificates and their earlier
    versions, through casp's models (bulk_create: field conversion as casp writes them)."""
    from app import db
    from app.config import Settings
    from app.crypto import SecretBox, load_or_create_secret, new_token, token_hash
    from app.passwords import Passwords
    from app.services.accounts.users import TOKEN_PREFIX
    from app.services.certificates.cas import REGISTRY
    from models.certificate import Certificate, CertificateVersion
    from models.domain import Domain
    from models.user import User

    started = time.perf_counter()
    settings = Settings(data_dir=data_dir, **({"database_url": database_url}
                                              if database_url else {}))
    await db.migrate(settings)
    box = SecretBox(load_or_create_secret(data_dir, None))  # the server reads the same key
    rng = random.Random(seed)  # noqa: S311 (synthetic data)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    day = dt.timedelta(days=1)
    files = pems()
    key_encrypted = box.encrypt(files["key"])
    token = new_token(TOKEN_PREFIX)
    await db.connect(settings)
    try:
        user = await User.create(
            id=1, email="bench@example.com", name="Bench", email_verified=True,
            password_hash=await Passwords(settings).hash("Bench-passw0rd"),
            token_hash=token_hash(token), token_encrypted=box.encrypt(token),
            created_at=now - 400 * day, updated_at=now - 400 * day)
        zones = ("example.com", "example.net", "example.org", "shop.example", "app.example")
        await Domain.bulk_create([Domain(
            id=i + 1, user=user, name=name, verification_method="http-01" if i % 2 else "dns-01",
            status="verified", delegation_label=f"{rng.getrandbits(64):016x}",
            last_check={"ok": True, "checked_at": (now - day).isoformat()},
            verified_at=now - 399 * day, created_at=now - 399 * day)
            for i, name in enumerate(zones)])
        cas = ("letsencrypt",) * 5 + ("google", "google", "zerossl", "zerossl", "sslcom")
        issuers = {"letsencrypt": "CN=E6,O=Let's Encrypt,C=US",
                   "google": "CN=WE1,O=Google Trust Services,C=US",
                   "zerossl": "CN=ZeroSSL ECC Domain Secure Site CA,O=ZeroSSL,C=AT",
                   "sslcom": "CN=SSL.com TLS Issuing ECC CA R2,O=SSL Corporation,C=US"}
        certs, versions = [], []
        for cid in range(1, CERTIFICATES + 1):
            zone = zones[cid % len(zones)]
            names = [f"app{cid}.{zone}"] + ([f"www.app{cid}.{zone}"] if cid % 3 == 0 else [])
            ca = cas[cid % len(cas)]
            key_type = "rsa-2048" if cid % 7 == 0 else "ec-256"
            # Created over the last year, oldest first (so the newest has the highest id);
            # issued within the last 60 days (renewals), a minute after creation at the latest.
            created = now - 365 * day + (cid * 365 * day) / (CERTIFICATES + 1)
            issued = max(created + dt.timedelta(seconds=rng.uniform(20, 60)),
                         now - rng.uniform(0, 60) * day)
            expires = issued + 90 * day
            ari = REGISTRY[ca].ari
            certs.append(Certificate(
                id=cid, user=user, domains=names, search_text=" " + " ".join(names) + " ",
                ca_provider=ca, challenge_type="dns-01" if cid % 4 == 0 else "http-01",
                key_type=key_type, auto_renew=cid % 20 != 0, status="issued", stage="done",
                key_encrypted=key_encrypted, csr_pem=files["csr"],
                directory_url=REGISTRY[ca].directory_for(key_type, {}),
                order_url=f"{REGISTRY[ca].directory.rsplit('/', 1)[0]}/order/1/{cid}",
                certificate_pem=files["leaf"], chain_pem=files["chain"],
                serial=f"{rng.getrandbits(144):036x}",
                fingerprint_sha256=":".join(f"{b:02X}" for b in rng.randbytes(32)),
                issuer=issuers[ca], issued_at=issued, expires_at=expires,
                renew_at=issued + 60 * day, renewal_failures=0,
                ari_window_start=expires - 32 * day if ari else None,
                ari_window_end=expires - 30 * day if ari else None,
                ari_check_at=now + rng.uniform(0, 1) * day if ari else None,
                created_at=created, updated_at=issued))
            # Earlier versions a renewal replaced: every third certificate one, DETAIL_ID three.
            earlier = 3 if cid == DETAIL_ID else (1 if cid % 3 == 0 else 0)
            for n in range(earlier, 0, -1):
                was = issued - n * 60 * day
                if was > created:
                    versions.append(CertificateVersion(
                        certificate_id=cid, serial=f"{rng.getrandbits(144):036x}",
                        certificate_pem=files["leaf"], chain_pem=files["chain"],
                        issued_at=was, expires_at=was + 90 * day,
                        replaced_at=was + 60 * day))
        await Certificate.bulk_create(certs, batch_size=250)
        await CertificateVersion.bulk_create(versions, batch_size=250)
        if sum(v.certificate_id == DETAIL_ID for v in versions) != 3:  # type: ignore[attr-defined]
            raise RuntimeError("the detail certificate lacks its three earlier versions")
    finally:
        await db.disconnect()
    return Fixture(token=token, detail_id=DETAIL_ID, certificates=len(certs),
                   versions=len(versions), domains=len(zones),
                   seconds=round(time.perf_counter() - started, 2))


def prepare(data_dir: Path, seed: int, database_url: str | None = None) -> Fixture:
    return asyncio.run(_prepare(data_dir, seed, database_url))


# -- servers ----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            with contextlib.suppress(OSError):
                todo += [int(c) for c in (task / "children").read_text().split()]
    return found


class Server:
    """A server process on a loopback port, its output in a log file, pinned to `cpus`."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str], port: int,
                 log: Path, cpus: set[int] | None):
        self.name, self.cmd, self.env, self.port, self.log = name, cmd, env, port, log
        self.cpus = cpus
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, within: float = 60.0) -> None:
        cpus = self.cpus

        def pin() -> None:
            if cpus:
                os.sched_setaffinity(0, cpus)

        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(self.cmd, env=self.env, stdout=out,  # noqa: S603
                                         stderr=subprocess.STDOUT, cwd=ROOT,
                                         preexec_fn=pin if cpus else None)
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited {self.proc.returncode}:\n{self.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer within {within:g} s:\n{self.tail()}")

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def rss_mb(self) -> dict[str, float]:
        """VmRSS now and VmHWM (peak) of the process and any children, in MB (2**20)."""
        pids = descendants(self.pid)
        return {"rss_mb": round(sum(common.status_kib(p, "VmRSS") for p in pids) / 1024, 1),
                "peak_mb": round(sum(common.status_kib(p, "VmHWM") for p in pids) / 1024, 1),
                "processes": len(pids), "threads": sum(
                    len(list(Path(f"/proc/{p}/task").glob("*"))) for p in pids)}

    def cpu_s(self) -> float:
        return sum(common.process_cpu_s(p) for p in descendants(self.pid))

    def implementation(self) -> dict[str, bool]:
        """Whether uvloop and httptools are loaded in the running server (their .so files in
        its memory map): uvicorn's "auto" picks them when installed."""
        maps = Path(f"/proc/{self.pid}/maps").read_text()
        return {"uvloop": "/uvloop/loop." in maps, "httptools": "/httptools/parser/" in maps}

    def stop(self) -> None:
        if self.proc is not None:
            common.terminate(self.proc)


def casp_env(data_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """This environment without its CASP_* settings, plus the bench's and `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASP_")}
    return env | {
        "CASP_DATA_DIR": str(data_dir),
        "CASP_RATE_LIMIT": "100000000/minute",  # the bench's 50 connections share one token
        "CASP_EMBEDDED_WORKER": "false",  # nothing to issue; the API process alone
        "CASP_LOG_LEVEL": "WARNING",  # so no access log line (INFO) is written
        "CASP_LOG_FORMAT": "text",
        # The bench never hashes a password; kept cheap like the tests' in case it did.
        "CASP_ARGON2_TIME_COST": "1", "CASP_ARGON2_MEMORY_KIB": "1024",
        "CASP_ARGON2_PARALLELISM": "1",
    } | (extra or {})


# -- wrk --------------------------------------------------------------------------------------

# Printed by wrk at the end of a run: what summary and latency hold (microseconds).
DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%.0f,"duration_us":%.0f,"bytes":%.0f,' ..
    '"connect":%.0f,"read":%.0f,"write":%.0f,"status":%.0f,"timeout":%.0f,' ..
    '"p50_us":%.0f,"p75_us":%.0f,"p90_us":%.0f,"p99_us":%.0f,"p999_us":%.0f,' ..
    '"min_us":%.0f,"max_us":%.0f,"mean_us":%.1f,"stdev_us":%.1f}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(75),
    latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.min, latency.max, latency.mean, latency.stdev))
end
"""


@dataclasses.dataclass(frozen=True)
class Endpoint:
    key: str
    title: str
    server: str  # "casp" or "bare"
    path: str
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    body: str | None = None
    expect_status: int = 200

    def script(self) -> str:
        """wrk's static request (no per-request Lua, so wrk stays cheap) and the done hook."""
        lines = [f'wrk.method = "{self.method}"']
        for name, value in self.headers:
            lines.append(f'wrk.headers["{name}"] = "{value}"')
        if self.body is not None:
            if "]==]" in self.body:
                raise ValueError("body cannot go in a Lua long string")
            lines.append(f"wrk.body = [==[{self.body}]==]")
        return "\n".join(lines) + "\n" + DONE


def endpoints(fx: Fixture) -> list[Endpoint]:
    auth = (("Authorization", f"Bearer {fx.token}"),)
    return [
        Endpoint("bare", "bare Starlette JSON", "bare", "/"),
        Endpoint("rest_list", f"REST list ({PER_PAGE} a page)", "casp",
                 f"{CERTS}?page=1&per_page={PER_PAGE}", headers=auth),
        Endpoint("rest_detail", "REST detail (?id=)", "casp", f"{CERTS}?id={fx.detail_id}",
                 headers=auth),
        Endpoint("graphql_list", f"GraphQL list ({PER_PAGE})", "casp", "/graphql", "POST",
                 (*auth, ("Content-Type", "application/json")),
                 json.dumps({"query": GRAPHQL_LIST})),
        Endpoint("unauthenticated", "401 without a token", "casp", CERTS, expect_status=401),
    ]


def check(ep: Endpoint, base: str, fx: Fixture) -> None:
    """One request before the load: the answer is the one the bench means to measure."""
    r = httpx.request(ep.method, base + ep.path, headers=dict(ep.headers),
                      content=ep.body, timeout=30)
    if r.status_code != ep.expect_status:
        raise RuntimeError(f"{ep.key}: {r.status_code}, expected {ep.expect_status}: "
                           f"{r.text[:500]}")
    body = r.json()
    if ep.key == "rest_list":
        data = body["data"]
        ok = len(data["certificates"]) == PER_PAGE and data["total"] == fx.certificates
    elif ep.key == "rest_detail":
        ok = body["data"]["id"] == fx.detail_id and len(body["data"]["history"]) == 3
    elif ep.key == "graphql_list":
        data = (body.get("data") or {}).get("certificates") or {}
        ok = not body.get("errors") and len(data.get("certificates", [])) == PER_PAGE \
            and data.get("total") == fx.certificates
    elif ep.key == "unauthenticated":
        ok = body["error"]["code"] == "UNAUTHORIZED"
    else:
        ok = True
    if not ok:
        raise RuntimeError(f"{ep.key}: unexpected answer: {r.text[:500]}")


def wrk(url: str, script: Path, seconds: float, args: argparse.Namespace,
        cpus: set[int] | None) -> dict[str, Any]:
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds:g}s",
           "--timeout", "5s", "--latency", "-s", str(script), url]

    def pin() -> None:
        if cpus:
            os.sched_setaffinity(0, cpus)

    done = subprocess.run(cmd, capture_output=True, text=True, check=False,  # noqa: S603
                          timeout=seconds + 60, preexec_fn=pin if cpus else None)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout}\n{done.stderr}")
    raw = json.loads(line.split(" ", 1)[1])
    secs = raw["duration_us"] / 1e6
    return {"requests": int(raw["requests"]), "seconds": round(secs, 3),
            "req_per_s": round(raw["requests"] / secs, 1),
            "p50_ms": round(raw["p50_us"] / 1000, 2), "p75_ms": round(raw["p75_us"] / 1000, 2),
            "p90_ms": round(raw["p90_us"] / 1000, 2), "p99_ms": round(raw["p99_us"] / 1000, 2),
            "p999_ms": round(raw["p999_us"] / 1000, 2), "max_ms": round(raw["max_us"] / 1000, 2),
            "mean_ms": round(raw["mean_us"] / 1000, 2),
            "errors": {k: int(raw[k]) for k in ("connect", "read", "write", "timeout")},
            "non_2xx_3xx": int(raw["status"]), "mb_per_s": round(raw["bytes"] / secs / 2**20, 2),
            "wrk_output": [x for x in done.stdout.splitlines() if not x.startswith("WRKJSON")]}


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk: the only child waited for
    return usage.ru_utime + usage.ru_stime


def measure(ep: Endpoint, server: Server, script: Path, args: argparse.Namespace,
            wrk_cpus: set[int] | None) -> dict[str, Any]:
    url = server.url + ep.path
    if args.warmup > 0:
        wrk(url, script, args.warmup, args, wrk_cpus)
    cpu0, wrk0, busy0, own0 = server.cpu_s(), children_cpu_s(), common.machine_busy_s(), \
        time.process_time()
    t0 = time.perf_counter()
    fig = wrk(url, script, args.duration, args, wrk_cpus)
    wall = time.perf_counter() - t0
    server_cpu, wrk_cpu = server.cpu_s() - cpu0, children_cpu_s() - wrk0
    others = common.machine_busy_s() - busy0 - server_cpu - wrk_cpu - (time.process_time() - own0)
    # Shares of one core: the server's, wrk's, and everything else's on the machine (other
    # processes, the kernel's softirq work for loopback): noise when it is high.
    fig["server_cpu_share"] = round(server_cpu / wall, 3)
    # CPU per answer: the cost of a request, barely moved by other processes' load (which
    # takes the server's core away and lowers req/s).
    fig["server_cpu_us_per_req"] = round(server_cpu / max(1, fig["requests"]) * 1e6, 1)
    fig["wrk_cpu_share"] = round(wrk_cpu / wall, 3)
    fig["other_cpu_share"] = round(max(0.0, others) / wall, 3)
    expected_errors = fig["requests"] if ep.expect_status >= 400 else 0
    fig["status_ok"] = fig["non_2xx_3xx"] == expected_errors
    fig["socket_errors"] = sum(fig["errors"].values())
    return fig


# -- report -----------------------------------------------------------------------------------

def machine() -> dict[str, Any]:
    packages = {}
    for name in PACKAGES:
        try:
            packages[name] = version(name)
        except PackageNotFoundError:
            packages[name] = None
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True,  # noqa: S607
                                 check=False).stdout.split(" [", 1)[0].strip()
    os_name = next((line.split("=", 1)[1].strip('"') for line in
                    Path("/etc/os-release").read_text().splitlines()
                    if line.startswith("PRETTY_NAME=")), platform.platform())
    return {"nproc": os.cpu_count(), "cpu": common.cpu_model(), "ram_gib": common.ram_gib(),
            "os": os_name, "kernel": platform.release(), "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "wrk": wrk_version, "packages": packages}


def verdicts(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Every target, with the figure it judges and whether it is met."""
    f = result["endpoints"]
    bare, rest, gql = f["bare"]["req_per_s"], f["rest_list"]["req_per_s"], \
        f["graphql_list"]["req_per_s"]
    out = [{"figure": "REST list req/s / bare", "value": round(rest / bare, 3),
            "target": f">= {TARGET_REST_OF_BARE:.0%}", "met": rest / bare >= TARGET_REST_OF_BARE},
           {"figure": "GraphQL list req/s / REST list", "value": round(gql / rest, 3),
            "target": f">= {TARGET_GQL_OF_REST:.0%}", "met": gql / rest >= TARGET_GQL_OF_REST}]
    for key, target in (("rest_detail", TARGET_DETAIL_OF_BARE),
                        ("unauthenticated", TARGET_401_OF_BARE)):
        share = f[key]["req_per_s"] / bare
        out.append({"figure": f"{result['titles'][key]} req/s / bare",
                    "value": round(share, 3), "target": f">= {target:.0%}",
                    "met": share >= target})
    # The same two by CPU per answer (what each ratio would be on a core of its own).
    rest_cpu, gql_cpu = f["rest_list"]["of_bare_by_cpu"], f["graphql_list"]["of_bare_by_cpu"]
    out += [{"figure": "REST list / bare, by CPU per answer", "value": rest_cpu,
             "target": f">= {TARGET_REST_OF_BARE:.0%}",
             "met": rest_cpu >= TARGET_REST_OF_BARE},
            {"figure": "GraphQL list / REST list, by CPU per answer",
             "value": round(gql_cpu / rest_cpu, 3), "target": f">= {TARGET_GQL_OF_REST:.0%}",
             "met": gql_cpu / rest_cpu >= TARGET_GQL_OF_REST}]
    for key, fig in f.items():
        if key != "bare" and key != "bare_again":
            out.append({"figure": f"{key} p99", "value": fig["p99_ms"],
                        "target": f"< {TARGET_P99_MS:g} ms", "met": fig["p99_ms"] < TARGET_P99_MS})
        if not fig["status_ok"] or fig["socket_errors"]:
            out.append({"figure": f"{key} answers", "value": fig["non_2xx_3xx"],
                        "target": "all as expected, no socket errors", "met": False})
    for when in ("idle", "after"):
        rss = result["memory"][when]["rss_mb"]
        out.append({"figure": f"RSS {when}", "value": rss, "target": f"< {TARGET_RSS_MB:g} MB",
                    "met": rss < TARGET_RSS_MB})
    return out


def table(result: dict[str, Any]) -> str:
    f = result["endpoints"]
    bare = result["bare_req_per_s"]
    rest = f["rest_list"]["req_per_s"]
    p99 = f"p99 < {TARGET_P99_MS:g} ms"
    gql_of_rest = f["graphql_list"]["req_per_s"] / rest
    targets = {"bare": ("(the ceiling)", None),
               "rest_list": (f">= {TARGET_REST_OF_BARE:.0%} of bare; {p99}",
                             rest / bare >= TARGET_REST_OF_BARE),
               "rest_detail": (p99, True),
               "graphql_list": (f">= {TARGET_GQL_OF_REST:.0%} of REST ({gql_of_rest:.0%}); "
                                f"{p99}", gql_of_rest >= TARGET_GQL_OF_REST),
               "unauthenticated": (p99, True), "bare_again": ("(the ceiling, again)", None)}
    row = "{:<22} {:>7} {:>7} {:>7} {:>7} {:>8} {:>7} {:>5}  {:<38} {}"
    head = row.format("endpoint", "req/s", "p50 ms", "p99 ms", "vs bare", "cpu us/r",
                      "by cpu", "other", "target", "met")
    lines = [head, "-" * len(head)]
    for key, fig in f.items():
        target, met = targets[key]
        if key not in ("bare", "bare_again"):
            met = bool(met) and fig["p99_ms"] < TARGET_P99_MS
        if not fig["status_ok"] or fig["socket_errors"]:
            met, target = False, target + " (unexpected answers!)"
        lines.append(row.format(
            result["titles"][key], f"{fig['req_per_s']:.0f}", f"{fig['p50_ms']:.2f}",
            f"{fig['p99_ms']:.2f}", f"{fig['of_bare']:.1%}", f"{fig['server_cpu_us_per_req']:.0f}",
            f"{fig['of_bare_by_cpu']:.1%}", f"{fig['other_cpu_share']:.0%}", target,
            "" if met is None else "yes" if met else "NO"))
    for when, what in (("idle", "after start"), ("after", "after the run")):
        rss = result["memory"][when]["rss_mb"]
        lines.append(row.format(f"RSS {what}", f"{rss:.1f} MB", "", "", "", "", "", "",
                                f"< {TARGET_RSS_MB:g} MB", "yes" if rss < TARGET_RSS_MB else "NO"))
    m, prm = result["machine"], result["params"]
    lines += [
        "",
        f"vs bare: req/s over the bare endpoint's ({f['bare']['req_per_s']:.0f} first, "
        f"{f['bare_again']['req_per_s']:.0f} last; their mean {bare:.0f}). cpu us/r: the "
        "server's CPU time per answer; by cpu: the bare endpoint's CPU per answer over this "
        "one's (the ratio on a core of its own). other: CPU used meanwhile by the rest of "
        "the machine, in cores.",
        f"{prm['connections']} connections, {prm['threads']} wrk threads, "
        f"{prm['duration_s']:g} s after a {prm['warmup_s']:g} s warm-up; "
        f"{result['pinning']}; uvicorn with "
        f"{'uvloop' if result['server']['uvloop'] else 'asyncio'} and "
        f"{'httptools' if result['server']['httptools'] else 'h11'}; "
        f"{m['nproc']} x {m['cpu']}, Python {m['python']}."]
    busy = [k for k, fig in f.items() if fig["other_cpu_share"] > NOISY_OTHER_CPU]
    if busy:
        lines.append(f"note: other processes used over {NOISY_OTHER_CPU:.0%} of a core during "
                     f"{', '.join(busy)} (even the quietest of the tries): req/s and latency "
                     "there are low and noisy; the cpu columns much less so.")
    return "\n".join(lines)


# -- summary of every bench's results ---------------------------------------------------------

def _mark(met: bool | None) -> str:
    return "" if met is None else "yes" if met else "NO"


def _api_rows(r: dict[str, Any]) -> Iterator[tuple[str, str, str, str, bool | None]]:
    name = f"api {r.get('database', 'sqlite')} {r['date'][:10]}"
    f = r["endpoints"]
    for key in ("bare", "rest_list", "rest_detail", "graphql_list", "unauthenticated"):
        fig = f[key]
        yield (name, f"{r['titles'][key]} req/s, p50/p99",
               f"{fig['req_per_s']:.0f}, {fig['p50_ms']:.1f}/{fig['p99_ms']:.1f} ms",
               "" if key == "bare" else f"p99 < {TARGET_P99_MS:g} ms",
               None if key == "bare" else fig["p99_ms"] < TARGET_P99_MS)
    for v in r["verdicts"]:
        if "p99" in v["figure"]:
            continue
        value = v["value"]
        text = f"{value:.1%}" if " / " in v["figure"] else \
            f"{value:g} MB" if "RSS" in v["figure"] else str(value)
        yield name, v["figure"], text, v["target"], v["met"]


def summary_rows() -> Iterator[tuple[str, str, str, str, str]]:
    """(bench and date, figure, value, target, met) from each results file there is."""
    for api in (RESULTS / "api.json", RESULTS / "api_postgres.json"):
        if api.exists():
            yield from _api_rows(json.loads(api.read_text()))
    for issuance in sorted(RESULTS.glob("issuance*.json")):
        yield from _issuance_rows(json.loads(issuance.read_text()), issuance.stem)
    due = RESULTS / "due_selection.json"
    if due.exists():
        r = json.loads(due.read_text())
        target = r.get("target_ms", 100.0)
        for backend, b in r.get("backends", {}).items():
            largest = b["sizes"][-1]
            name = f"due_selection {r['date'][:10]}"
            for q, fig in largest["queries"].items():
                yield (name, f"{backend} {q} at {largest['rows']:,}",
                       f"{fig['median_ms']:.2f} ms", f"< {target:g} ms",
                       fig["median_ms"] < target)
            tick = b.get("verdict", {}).get("tick", {})
            yield (name, f"{backend} tick flat ({b['sizes'][0]['rows']:,} to "
                   f"{largest['rows']:,})", f"{largest['tick']['median_ms']:.2f} ms",
                   "flat", tick.get("flat"))
            # Issue 7 Scale: the list page's p99 at the largest size against the smallest.
            factor, slack = r.get("list_factor", 2.0), r.get("list_slack_ms", 1.0)
            for view, v in b.get("list_verdict", {}).items():
                if not v.get("in_verdict", True):
                    continue
                fig = largest["list_page"]["views"][view]
                yield (name, f"{backend} list {view} p50/p99, {v['rows_largest']:,}",
                       f"{fig['p50_ms']:.2f}/{fig['p99_ms']:.2f} ms",
                       f"p99 <= {factor:g} x {v['p99_ms_smallest']:.2f} + {slack:g} ms "
                       f"(at {v['rows_smallest']:,})", v["within"])
    load = RESULTS / "load.json"
    if load.exists():
        r = json.loads(load.read_text())
        name = f"load {r['date'][:10]}"
        fig, growth = r["load"], r["rss"]["growth"]
        where = f"{r['connections']} conns, {r['seconds']:g} s, {r.get('database', '')}"
        yield (name, f"requests ({where})", f"{fig['requests']:,} ({fig['per_second']:.0f}/s)",
               "", None)
        yield (name, "errors (besides the intended 429s)", str(fig["errors"]), "0",
               fig["errors"] == 0)
        yield (name, "latency p50/p99", f"{fig['latency_ms']['p50'] / 1000:.2f}/"
               f"{fig['latency_ms']['p99'] / 1000:.2f} s", "(queueing)", None)
        yield (name, "RSS peak, second half / first",
               f"{growth['second_half_max_mib']:g} MiB, x{growth['second_over_first']:g}",
               "not growing", not growth["kept_growing"])
        yield name, "verdict", "pass" if r["pass"] else "; ".join(r["problems"]), "pass", \
            bool(r["pass"])
    yield from fairness_rows()
    known = {"api.json", "api_postgres.json", "due_selection.json", "load.json",
             "fairness.json"}
    for other in sorted(RESULTS.glob("*.json")):
        if other.name not in known and not other.name.startswith("issuance"):
            yield other.stem, "(results file not summarised)", "", "", None


def _issuance_rows(r: dict[str, Any], stem: str) -> Iterator[tuple[str, str, str, str, Any]]:
    """bench/issuance.py: issuance.json, or a run on PostgreSQL or with worker processes."""
    try:
        from bench.issuance import TARGET_CPU_S, TARGET_MEDIAN_S, TARGET_RATE
    except ImportError:  # its test-support imports missing: the targets it documents
        TARGET_MEDIAN_S, TARGET_RATE, TARGET_CPU_S = 0.3, 25.0, 0.045
    name = f"{stem.replace('_', ' ')} {r['date'][:10]}"
    lat, tput = r["casp"]["latency"]["client_observed"], r["casp"]["throughput"]
    yield (name, "latency median", f"{lat['median_s']:.3f} s", f"<= {TARGET_MEDIAN_S:g} s",
           lat["median_s"] <= TARGET_MEDIAN_S)
    yield (name, f"throughput ({tput['certificates']} at once)",
           f"{tput['per_second']:.1f} /s", f">= {TARGET_RATE:g} /s",
           tput["complete"] and tput["per_second"] >= TARGET_RATE)
    cpu = tput.get("casp_cpu_s_per_cert", tput["cpu_s_per_cert"].get("casp+bench"))
    if cpu is not None:
        yield (name, "casp CPU per certificate, at once", f"{cpu:.3f} s",
               f"<= {TARGET_CPU_S:g} s", cpu <= TARGET_CPU_S)
    for tool in ("certbot", "lego"):
        fig = r.get(tool, {})
        yield (name, f"{tool} median", f"{fig['median_s']:.3f} s" if "median_s" in fig
               else "error", "(context)", None)


def fairness_rows() -> Iterator[tuple[str, str, str, str, bool | None]]:
    """bench/fairness.py: another user's http-01 issuance beside a stuck dns-01 backlog."""
    fair = RESULTS / "fairness.json"
    if not fair.exists():
        return
    r = json.loads(fair.read_text())
    idle, busy = r["idle"]["median_s"], r["beside_stuck"]["median_s"]
    yield (f"fairness {r['date'][:10]}",
           f"http-01 median beside {r['stuck_requests']} stuck dns-01", f"{busy:.3f} s",
           f"<= 2 x idle ({idle:.3f} s)", r["factor"] <= 2)


def summary() -> int:
    rows = list(summary_rows())
    if not rows:
        print(f"no results in {RESULTS}")
        return 1
    head = f"{'bench':<24} {'figure':<44} {'value':>22}  {'target':<36} met"
    print(head)
    print("-" * len(head))
    missed = 0
    for bench, figure, value, target, met in rows:
        missed += met is False
        print(f"{bench:<24} {figure:<44} {value:>22}  {target:<36} {_mark(met)}")
    print(f"\n{missed} target(s) missed" if missed else "\nevery target met")
    return 0


# -- main -------------------------------------------------------------------------------------

def pinning(args: argparse.Namespace) -> tuple[set[int] | None, set[int] | None, str]:
    """The server on one core and wrk on the others, when there are at least two."""
    cpus = sorted(os.sched_getaffinity(0))
    if args.no_pin or len(cpus) < 2:
        return None, None, "none (server and wrk share every core)"
    server, rest = {cpus[0]}, set(cpus[1:])
    return server, rest, f"servers pinned to CPU {cpus[0]}, wrk to CPU {','.join(map(str, rest))}"


def run(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    loadavg0 = os.getloadavg()[0]
    data_dir = tmp / "data"
    database_url = None
    if args.postgres:
        database_url = asyncio.run(common.fresh_database(args.postgres, PG_DATABASE))
    fx = prepare(data_dir, args.seed, database_url)
    print(f"data: {fx.certificates} certificates, {fx.versions} earlier versions, "
          f"{fx.domains} domains in {fx.seconds:.1f} s", flush=True)
    server_cpus, wrk_cpus, pin_text = pinning(args)
    python = str(Path(sys.executable))
    casp_bin = Path(sys.executable).parent / "casp"
    env = casp_env(data_dir, dict(args.server_env) | (
        {"CASP_DATABASE_URL": database_url} if database_url else {}))
    port = free_port()
    casp_cmd = ([str(casp_bin)] if casp_bin.exists() else [python, "-m", "app.cli"]) + [
        "serve", "--host", "127.0.0.1", "--port", str(port)]
    servers = {"casp": Server("casp", casp_cmd, env, port, tmp / "casp.log", server_cpus)}
    bare_port = free_port()
    servers["bare"] = Server("bare", [python, str(ROOT / "bench/bare.py"), "--port",
                                      str(bare_port)], env, bare_port, tmp / "bare.log",
                             server_cpus)
    try:
        for s in servers.values():
            s.start()
        time.sleep(1.0)
        memory = {"idle": servers["casp"].rss_mb()}
        impl = servers["casp"].implementation()
        bare_impl = servers["bare"].implementation()
        eps = endpoints(fx)
        for ep in eps:
            check(ep, servers[ep.server].url, fx)
        figures: dict[str, Any] = {}
        titles = {ep.key: ep.title for ep in eps} | {"bare_again": "bare again (end)"}
        for ep in [*eps, dataclasses.replace(eps[0], key="bare_again")]:
            script = tmp / f"{ep.key}.lua"
            script.write_text(ep.script())
            fig = measure(ep, servers[ep.server], script, args, wrk_cpus)
            attempts = [fig]
            while fig["other_cpu_share"] > NOISY_OTHER_CPU and len(attempts) <= args.retries:
                print(f"{titles[ep.key]}: other processes used "
                      f"{attempts[-1]['other_cpu_share']:.0%} of a core; measuring again",
                      flush=True)
                attempts.append(measure(ep, servers[ep.server], script, args, wrk_cpus))
                fig = min(attempts, key=lambda a: a["other_cpu_share"])
            fig["attempts"] = len(attempts)
            figures[ep.key] = fig
            print(f"{titles[ep.key]:<24} {fig['req_per_s']:>8.0f} req/s  p50 "
                  f"{fig['p50_ms']:.2f} ms  p99 {fig['p99_ms']:.2f} ms  server cpu "
                  f"{fig['server_cpu_share']:.0%}", flush=True)
        memory["after"] = servers["casp"].rss_mb()
        memory["bare_after"] = servers["bare"].rss_mb()
    except Exception:
        for s in servers.values():
            if s.proc is not None:
                print(f"--- {s.name} log:\n{s.tail()}", file=sys.stderr)
        raise
    finally:
        for s in servers.values():
            s.stop()
        if args.postgres:
            asyncio.run(common.fresh_database(args.postgres, PG_DATABASE, drop_only=True))
    bare = (figures["bare"]["req_per_s"] + figures["bare_again"]["req_per_s"]) / 2
    bare_cpu = (figures["bare"]["server_cpu_us_per_req"]
                + figures["bare_again"]["server_cpu_us_per_req"]) / 2
    for fig in figures.values():
        fig["of_bare"] = round(fig["req_per_s"] / bare, 4)
        fig["of_bare_by_cpu"] = round(bare_cpu / fig["server_cpu_us_per_req"], 4)
    return {"database": "postgresql" if args.postgres else "sqlite",
            "fixture": dataclasses.asdict(fx) | {"token": "(not kept)"},
            "server": impl | {"bare_uvloop": bare_impl["uvloop"],
                              "bare_httptools": bare_impl["httptools"],
                              "command": "casp serve --host 127.0.0.1 --port <free port>",
                              "env": {k: v for k, v in env.items() if k.startswith("CASP_")
                                      and k != "CASP_DATA_DIR"}},
            "pinning": pin_text, "titles": titles, "endpoints": figures,
            "bare_req_per_s": round(bare, 1), "bare_cpu_us_per_req": round(bare_cpu, 1),
            "memory": memory,
            "loadavg": [round(loadavg0, 2), round(os.getloadavg()[0], 2)]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured (10)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before each (3)")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--retries", type=int, default=2,
                        help="measure an endpoint again, up to this many times, when other "
                             f"processes used over {NOISY_OTHER_CPU:.0%}% of a core meanwhile; "
                             "the quietest run is kept (2)")
    parser.add_argument("--no-pin", action="store_true",
                        help="let server and wrk share every core (default: server on the "
                             "first CPU, wrk on the others)")
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                        type=lambda v: tuple(v.split("=", 1)) if "=" in v else None,
                        help="set in both servers' environment (repeatable), e.g. to try "
                             "PYTHONPATH=<dir with an accelerator> or a CASP_* setting")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres", metavar="URL", default="",
                        help="measure on PostgreSQL: a database on this server (any database "
                             f"URL there) is made for the run ({PG_DATABASE}) and dropped "
                             "after; default SQLite")
    parser.add_argument("--out", type=Path, default=None,
                        help="results file (bench/results/api.json, or api_postgres.json)")
    parser.add_argument("--summary", action="store_true",
                        help="only print every bench/results/*.json beside its targets")
    args = parser.parse_args()
    if args.summary:
        return summary()
    if args.out is None:
        args.out = RESULTS / ("api_postgres.json" if args.postgres else "api.json")
    if args.duration < 1 or args.warmup < 0 or not args.connections >= args.threads >= 1 \
            or args.retries < 0:
        parser.error("need --duration >= 1, --warmup >= 0, --retries >= 0 and "
                     "--connections >= --threads >= 1")
    if None in args.server_env:
        parser.error("--server-env wants NAME=VALUE")
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install -y wrk", file=sys.stderr)
        return 2

    started = time.perf_counter()
    result: dict[str, Any] = {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                              "machine": machine(),
                              "params": {"connections": args.connections,
                                         "threads": args.threads, "duration_s": args.duration,
                                         "warmup_s": args.warmup, "seed": args.seed,
                                         "certificates": CERTIFICATES, "per_page": PER_PAGE,
                                         "graphql_query": GRAPHQL_LIST,
                                         "server_env": dict(args.server_env)}}
    with tempfile.TemporaryDirectory(prefix="casp-bench-api-") as tmp:
        result |= run(args, Path(tmp))
    result["verdicts"] = verdicts(result)
    result["elapsed_s"] = round(time.perf_counter() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print()
    print(table(result))
    print(f"\ntook {result['elapsed_s']:.0f} s; written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
