"""Issuance benchmark: casp against a real Pebble (PEBBLE_VA_NOSLEEP=1), beside certbot and lego
issuing the same kind of certificate (http-01, EC P-256, one name) from a Pebble of the same run.

    .venv/bin/python bench/issuance.py [--latency-n 20] [--throughput-n 100] [--tool-runs 5]
    .venv/bin/python bench/issuance.py --postgres postgres://postgres@127.0.0.1:5432/test \
        --workers 2     # casp serve and two casp worker processes on a PostgreSQL database

Writes bench/results/issuance.json (or issuance_postgres_<N>workers.json and the like) and
prints each figure beside its target.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench import common  # noqa: E402
from bench.probes import Probes, Span, breakdown, p90, per_call  # noqa: E402
from tests.support.acme import CASP, add_domain, casp_settings, user_token  # noqa: E402
from tests.support.dns import BindServer  # noqa: E402
from tests.support.live import live_casp  # noqa: E402
from tests.support.net import free_port  # noqa: E402
from tests.support.pebble import PebbleServer  # noqa: E402
from tests.support.rest import bearer  # noqa: E402

TARGET_MEDIAN_S = 0.3
TARGET_RATE = 25.0
TARGET_CPU_S = 0.045  # issue 15: CPU per certificate in the casp process(es), 100 at once
CONTEXT = {"certbot": 2.5, "lego": 5.5}  # seconds per certificate seen on the dev machine
POLL_S = 0.01
CERTS = "/api/v1/certificates.php"
PG_DATABASE = "casp_bench_issuance"  # made on the --postgres server for a run, dropped after


def median_p90(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"median_s": round(statistics.median(ordered), 4), "p90_s": round(p90(ordered), 4),
            "min_s": round(ordered[0], 4), "max_s": round(ordered[-1], 4), "n": len(ordered)}


def cpu_seconds(servers: dict[str, object]) -> dict[str, float]:
    """CPU time used so far by the casp processes and by the servers. In-process (no
    --workers) casp shares this process with the bench's client: `casp+bench`. With
    --workers: `casp` is `casp serve` and every `casp worker` summed, each also apart, and
    `bench` this process (the client)."""
    used: dict[str, float] = {}
    casp = 0.0
    for name, server in servers.items():
        proc = getattr(server, "_proc", None) or getattr(server, "proc", None)
        if proc is not None:
            used[name] = common.process_cpu_s(proc.pid)
            if name.startswith("casp "):
                casp += used[name]
    if any(name.startswith("casp ") for name in servers):
        return {"casp": casp, **used, "bench": time.process_time()}
    return {"casp+bench": time.process_time(), **used}


def casp_cpu(cpu: dict[str, float]) -> float:
    """The figure held to TARGET_CPU_S: the casp processes (with the bench client in-process)."""
    return cpu["casp"] if "casp" in cpu else cpu["casp+bench"]


def system_busy() -> tuple[int, int]:
    """Busy and total jiffies of the whole machine (/proc/stat), for its utilisation."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def cpu_per_cert(before: dict[str, float], after: dict[str, float],
                 certs: int) -> dict[str, float]:
    return {name: round((after[name] - before[name]) / certs, 4) for name in before}


# -- casp -------------------------------------------------------------------------------------

async def post_cert(client: httpx.AsyncClient, token: str, name: str) -> int:
    body = {"ca_provider": "letsencrypt", "domains": [name], "challenge_type": "http-01",
            "key_type": "ec-256"}
    r = await client.post(CERTS, headers=bearer(token), json=body)
    if r.status_code != 201:
        raise RuntimeError(f"request refused: {r.status_code} {r.text}")
    return int(r.json()["data"]["id"])


async def until_issued(client: httpx.AsyncClient, token: str, cert_id: int,
                       within: float = 60.0) -> float:
    """Poll the detail every POLL_S; answers the perf_counter() time it showed `issued`."""
    deadline = time.perf_counter() + within
    while time.perf_counter() < deadline:
        r = await client.get(CERTS, params={"id": cert_id}, headers=bearer(token))
        data = r.json()["data"]
        if data["status"] == "issued":
            return time.perf_counter()
        if data["status"] != "pending":
            raise RuntimeError(f"certificate {cert_id} {data['status']}: {data['last_error']}")
        await asyncio.sleep(POLL_S)
    raise RuntimeError(f"certificate {cert_id} not issued within {within} s")


async def count(client: httpx.AsyncClient, token: str, status: str, search: str) -> int:
    r = await client.get(CERTS, params={"status": status, "search": search, "per_page": 1},
                         headers=bearer(token))
    return int(r.json()["data"]["total"])


async def server_latencies(ids: list[int]) -> list[float]:
    """created_at (request stored) to updated_at (the save that marked it issued)."""
    from models.certificate import Certificate

    rows = await Certificate.filter(id__in=ids, status="issued").values(
        "created_at", "updated_at")
    return [(r["updated_at"] - r["created_at"]).total_seconds() for r in rows]


def timeline(windows: list[tuple[float, list[Span]]], seen: list[float]) -> list[str]:
    """Every step of the median issuance: offset from the POST, duration, step."""
    posted, spans = windows[seen.index(statistics.median_low(seen))]
    return [f"+{s.start - posted:.4f} {s.end - s.start:.4f} {s.label}"
            for s in sorted(spans, key=lambda s: s.start)]


async def latency(client: httpx.AsyncClient, token: str, zone: str, n: int,
                  probes: Probes, servers: dict[str, object]) -> dict[str, Any]:
    """`n` certificates one after the other, each timed from its POST to `issued` seen."""
    seen, windows, ids = [], [], []
    cpu0 = cpu_seconds(servers)
    for i in range(1, n + 1):
        probes.clear()
        t0 = time.perf_counter()
        ids.append(await post_cert(client, token, f"b{i}.{zone}"))
        t1 = await until_issued(client, token, ids[-1])
        seen.append(t1 - t0)
        windows.append((t0, probes.window(t0, t1)))
    return {"client_observed": median_p90(seen),
            "server_side": median_p90(await server_latencies(ids)),
            "cpu_s_per_cert": cpu_per_cert(cpu0, cpu_seconds(servers), n),
            "breakdown": breakdown(windows), "timeline": timeline(windows, seen)}


async def throughput(client: httpx.AsyncClient, token: str, zone: str, n: int, within: float,
                     probes: Probes, servers: dict[str, object]) -> dict[str, Any]:
    """`n` certificates requested at once; timed until the list shows them all finished."""
    probes.clear()
    cpu0, busy0 = cpu_seconds(servers), system_busy()
    t0 = time.perf_counter()
    ids = await asyncio.gather(*(post_cert(client, token, f"t{i}.tput.{zone}")
                                 for i in range(n)))
    posted = time.perf_counter() - t0
    done = failed = 0
    first = None
    while time.perf_counter() < t0 + within and done + failed < n:
        await asyncio.sleep(0.05)
        done = await count(client, token, "issued", f".tput.{zone}")
        failed = await count(client, token, "failed", f".tput.{zone}")
        if done and first is None:
            first = time.perf_counter() - t0
    elapsed = time.perf_counter() - t0
    cpu = cpu_per_cert(cpu0, cpu_seconds(servers), n)
    busy1 = system_busy()
    server_side = await server_latencies(list(ids))
    return {"certificates": n, "issued": done, "failed": failed, "complete": done == n,
            "seconds": round(elapsed, 3), "post_all_s": round(posted, 3),
            "first_issued_s": round(first, 3) if first is not None else None,
            "per_second": round(done / elapsed, 2),
            "per_cert_server_side": median_p90(server_side) if server_side else {},
            "machine_cpu_busy": round((busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]), 3),
            "cpu_s_per_cert": cpu, "casp_cpu_s_per_cert": casp_cpu(cpu),
            "steps": per_call(probes.spans, n)}


async def bench_casp(tmp: Path, pebble: PebbleServer, bind: BindServer, port: int,
                     args: argparse.Namespace, probes: Probes) -> dict[str, Any]:
    settings = casp_settings(tmp / "data", pebble, bind, port, rate_limit="100000/minute",
                             worker_concurrency=args.concurrency, quota_orders_per_hour=0,
                             quota_pending_certificates=0,  # one user asks for them all
                             **({"database_url": args.database_url} if args.database_url
                                else {}))
    servers: dict[str, object] = {"pebble": pebble, "named": bind}
    if args.workers:
        casp = casp_processes(settings, tmp, args.workers, servers)
    else:
        casp = live_casp(settings, port)
    memory: dict[str, Any] = {}
    async with casp as client:
        figures = await issue(client, args, probes, servers)
        memory = rss_mb(servers)
    return figures | {"memory_mb": memory}


async def issue(client: httpx.AsyncClient, args: argparse.Namespace, probes: Probes,
                servers: dict[str, object]) -> dict[str, Any]:
    zone = f"{uuid.uuid4().hex[:10]}.example.test"
    token = await user_token(client)
    await add_domain(client, token, zone, "http-01")
    t0 = time.perf_counter()  # the user's first certificate also registers the account
    first = await until_issued(client, token, await post_cert(client, token, f"b0.{zone}"))
    return {"first_certificate_s": round(first - t0, 4),
            "worker_concurrency": args.concurrency,
            "processes": (f"casp serve (embedded worker off) + {args.workers} casp worker"
                          if args.workers else "casp in the bench process (embedded worker)"),
            "latency": await latency(client, token, zone, args.latency_n, probes, servers),
            "throughput": await throughput(client, token, zone, args.throughput_n,
                                           args.throughput_timeout, probes, servers)}


def rss_mb(servers: dict[str, object]) -> dict[str, Any]:
    """Peak resident memory (VmHWM, MB) of each casp process so far; in-process, the bench's."""
    casp = {name: s for name, s in servers.items() if name.startswith("casp ")}
    if not casp:
        return {"casp+bench_peak": round(common.status_kib(os.getpid(), "VmHWM") / 1024, 1)}
    return {f"{name}_peak": round(common.status_kib(s.proc.pid, "VmHWM") / 1024, 1)  # type: ignore[attr-defined]
            for name, s in casp.items()}


class CaspProcess:
    """`casp serve` or `casp worker` as a process of its own, its output in a log file."""

    def __init__(self, command: str, env: dict[str, str], log: Path):
        self.command, self.env, self.log = command, env, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([CASP, self.command], env=self.env,  # noqa: S603
                                         stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)

    def check(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"casp {self.command} exited {self.proc.returncode}:\n"
                               f"{self.log.read_text(errors='replace')[-3000:]}")

    def stop(self) -> None:
        if self.proc is not None:
            common.terminate(self.proc)


def process_env(settings: Any, port: int) -> dict[str, str]:
    """The environment of casp's processes: the settings casp_settings makes, as CASP_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASP_")}
    tsig = settings.dns_tsig_key
    return env | {
        "CASP_DATA_DIR": str(settings.data_dir), "CASP_PORT": str(port),
        "CASP_CA_LETSENCRYPT_DIRECTORY": settings.ca_directories["letsencrypt"],
        "CASP_ACME_CA_BUNDLE": settings.acme_ca_bundle,
        "CASP_DNS_RESOLVER": settings.dns_resolver, "CASP_DNS_ZONE": settings.dns_zone,
        "CASP_DNS_UPDATE_SERVER": settings.dns_update_server, "CASP_DNS_TSIG_KEY": tsig,
        "CASP_DNS_PROPAGATION_SECONDS": str(settings.dns_propagation_seconds),
        "CASP_HTTP01_PORT": str(settings.http01_port),
        "CASP_ISSUANCE_DEADLINE_SECONDS": str(settings.issuance_deadline_seconds),
        "CASP_PUBLIC_URL": settings.public_url,
        "CASP_ALLOW_PRIVATE_TARGETS": "true", "CASP_ALLOW_PRIVATE_IP_IDENTIFIERS": "true",
        "CASP_RATE_LIMIT": settings.rate_limit,
        "CASP_WORKER_CONCURRENCY": str(settings.worker_concurrency),
        "CASP_QUOTA_ORDERS_PER_HOUR": "0", "CASP_QUOTA_PENDING_CERTIFICATES": "0",
        "CASP_ARGON2_TIME_COST": "1", "CASP_ARGON2_MEMORY_KIB": "1024",
        "CASP_ARGON2_PARALLELISM": "1", "CASP_LOG_LEVEL": "WARNING", "CASP_LOG_FORMAT": "text",
        "CASP_EMBEDDED_WORKER": "false",  # `casp serve` only queues; the workers issue
    } | ({"CASP_DATABASE_URL": settings.database_url} if settings.database_url else {})


@contextlib.asynccontextmanager
async def casp_processes(settings: Any, tmp: Path, workers: int,
                         servers: dict[str, object]) -> AsyncIterator[httpx.AsyncClient]:
    """`casp serve` (embedded worker off) on the http-01 port, then `workers` `casp worker`
    processes on the same database; this process connects to it too (server-side times).
    They are added to `servers` (CPU per certificate) and stopped at the end."""
    from app import db

    port = settings.http01_port
    env = process_env(settings, port)
    procs = [CaspProcess("serve", env, tmp / "serve.log")]
    procs += [CaspProcess("worker", env, tmp / f"worker{i}.log") for i in range(1, workers + 1)]
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            procs[0].start()  # it migrates: the workers start once it answers
            deadline = time.monotonic() + 60
            while True:
                procs[0].check()
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get("/healthz")).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError("casp serve did not answer within 60 s")
                await asyncio.sleep(0.1)
            for proc in procs[1:]:
                proc.start()
            await asyncio.sleep(2)  # each worker migrates (nothing to do) and connects
            for proc in procs:
                proc.check()
            servers["casp serve"] = procs[0]
            for i, proc in enumerate(procs[1:], 1):
                servers[f"casp worker {i}"] = proc
            await db.connect(settings)
            try:
                yield client
            finally:
                await db.disconnect()
    finally:
        for proc in reversed(procs):
            proc.stop()


# -- certbot and lego -------------------------------------------------------------------------

def certbot_cmd(binary: str, pebble: PebbleServer, work: Path, name: str) -> list[str]:
    return [binary, "certonly", "--standalone", "--non-interactive", "--agree-tos",
            "--register-unsafely-without-email", "--server", pebble.directory_url,
            "--http-01-port", str(pebble.http_port), "--key-type", "ecdsa",
            "--elliptic-curve", "secp256r1", "-d", name, "--config-dir", str(work / "config"),
            "--work-dir", str(work / "work"), "--logs-dir", str(work / "logs")]


def lego_cmd(binary: str, pebble: PebbleServer, work: Path, name: str) -> list[str]:
    return [binary, "--server", pebble.directory_url, "--accept-tos",
            "--email", "bench@example.com", "--http", "--http.port", f":{pebble.http_port}",
            "--key-type", "ec256", "--domains", name, "--path", str(work), "run"]


def bench_tool(tool: str, make: Callable[[str, PebbleServer, Path, str], list[str]],
               pebble: PebbleServer, tmp: Path, runs: int) -> dict[str, Any]:
    """One account-registering run, then `runs` more with the account kept (as casp's)."""
    binary = shutil.which(tool)
    if binary is None:
        return {"error": f"{tool} not installed (apt-get install {tool})"}
    env = dict(os.environ, REQUESTS_CA_BUNDLE=pebble.ca_bundle,
               LEGO_CA_CERTIFICATES=pebble.ca_bundle)
    work = tmp / tool
    work.mkdir()
    zone = f"{uuid.uuid4().hex[:10]}.example.test"
    times = []
    for n in range(runs + 1):
        cmd = make(binary, pebble, work, f"{tool[0]}{n}.{zone}")
        t0 = time.perf_counter()
        try:
            done = subprocess.run(cmd, env=env, capture_output=True, text=True,  # noqa: S603
                                  timeout=120, check=False)
        except subprocess.TimeoutExpired:
            return {"error": f"{tool} did not finish within 120 s"}
        if done.returncode != 0:
            return {"error": f"{tool} exited {done.returncode}: {done.stderr[-1500:]}"}
        times.append(time.perf_counter() - t0)
    return {"first_s": round(times[0], 4), **median_p90(times[1:])}


# -- report -----------------------------------------------------------------------------------

def machine(args: argparse.Namespace) -> dict[str, Any]:
    versions = {}
    for pkg in ("pebble", "bind9", "certbot", "lego"):
        out = subprocess.run(["/usr/bin/dpkg-query", "-W", "-f=${Version}", pkg],  # noqa: S603
                             capture_output=True, text=True, check=False)
        versions[pkg] = out.stdout.strip() or None
    return {"nproc": os.cpu_count(), "cpu": common.cpu_model(), "ram_gib": common.ram_gib(),
            "python": platform.python_version(), "packages": versions,
            "database": "postgresql" if args.database_url
            or os.environ.get("CASP_TEST_DATABASE_URL") else "sqlite",
            "casp_workers": args.workers}


def table(result: dict[str, Any]) -> str:
    casp = result["casp"]
    lat, tput = casp["latency"]["client_observed"], casp["throughput"]
    rows = [("figure", "value", "target", "met"),
            ("casp latency median", f"{lat['median_s']:.3f} s", f"<= {TARGET_MEDIAN_S} s",
             "yes" if lat["median_s"] <= TARGET_MEDIAN_S else "NO"),
            ("casp latency p90", f"{lat['p90_s']:.3f} s", "-", ""),
            ("casp first cert (+account)", f"{casp['first_certificate_s']:.3f} s", "-", ""),
            ("casp throughput", f"{tput['per_second']:.1f} /s", f">= {TARGET_RATE:g} /s",
             "yes" if tput["complete"] and tput["per_second"] >= TARGET_RATE else "NO"),
            ("casp CPU per cert, at once", f"{casp_cpu(tput['cpu_s_per_cert']):.3f} s",
             f"<= {TARGET_CPU_S:g} s", ("yes" if casp_cpu(tput['cpu_s_per_cert'])
                                        <= TARGET_CPU_S else "NO")
             + f" ({casp['processes']}; machine {tput['machine_cpu_busy']:.0%} busy)")]
    for tool in ("certbot", "lego"):
        fig = result[tool]
        value = f"{fig['median_s']:.3f} s" if "median_s" in fig else "error"
        rows.append((f"{tool} median", value, f"(~{CONTEXT[tool]:g} s seen)", ""))
    rows.append(("bare acme lib, stock polling", "-", "(1-2 s seen)", ""))
    lines = [f"{a:<30} {b:>10}  {c:<16} {d}" for a, b, c, d in rows]
    lines.append("CPU per cert at once: " + ", ".join(
        f"{k} {v:.4f} s" for k, v in tput["cpu_s_per_cert"].items()))
    lines.append(f"load average before/after: {result['load_average']['before']} / "
                 f"{result['load_average']['after']}")
    lines.append("")
    lines.append("casp alone, median by step (offset from POST, time spent, calls):")
    for row in casp["latency"]["breakdown"]:
        lines.append(f"  {row['step']:<32} +{row['starts_at_s']:.3f} s  "
                     f"{row['seconds']:.3f} s  x{row['calls']:g}")
    lines.append(f"casp, {tput['certificates']} at once, by step (median and p90 per call, "
                 "calls per certificate):")
    for row in tput["steps"]:
        lines.append(f"  {row['step']:<32} {row['median_s']:.3f} s  {row['p90_s']:.3f} s  "
                     f"x{row['calls_per_cert']:g}")
    return "\n".join(lines)


def default_out(args: argparse.Namespace) -> Path:
    name = "issuance" + ("_postgres" if args.postgres else "") + (
        f"_{args.workers}workers" if args.workers else "")
    return ROOT / f"bench/results/{name}.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency-n", type=int, default=20)
    parser.add_argument("--throughput-n", type=int, default=100)
    parser.add_argument("--throughput-timeout", type=float, default=180.0)
    parser.add_argument("--concurrency", type=int, default=100,
                        help="worker slots (CASP_WORKER_CONCURRENCY) of each worker (100)")
    parser.add_argument("--workers", type=int, default=0,
                        help="run casp as `casp serve` (embedded worker off) and this many "
                             "`casp worker` processes; 0 (default): casp in the bench process "
                             "with its embedded worker")
    parser.add_argument("--postgres", metavar="URL", default="",
                        help="casp on PostgreSQL: a database on this server (any database URL "
                             f"there) is made for the run ({PG_DATABASE}) and dropped after; "
                             "default SQLite")
    parser.add_argument("--tool-runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=None,
                        help="results file (bench/results/issuance.json; with --postgres or "
                             "--workers issuance_postgres_<N>workers.json and the like)")
    args = parser.parse_args()
    if min(args.latency_n, args.throughput_n, args.concurrency, args.tool_runs) < 1 \
            or args.workers < 0:
        parser.error("counts must be at least 1 (--workers at least 0)")
    args.out = args.out or default_out(args)

    args.database_url = ""
    if args.postgres:
        args.database_url = asyncio.run(common.fresh_database(args.postgres, PG_DATABASE))
    result: dict[str, Any] = {"date": datetime.now(UTC).isoformat(timespec="seconds"),
                              "machine": machine(args),
                              "load_average": {"before": [round(x, 2) for x in os.getloadavg()]}}
    probes = Probes()
    try:
        with tempfile.TemporaryDirectory(prefix="casp-bench-") as tmp_dir, \
                BindServer() as bind:
            tmp = Path(tmp_dir)
            port = free_port()
            with PebbleServer(bind.address, http_port=port) as pebble:
                probes.install()
                try:
                    result["casp"] = asyncio.run(bench_casp(tmp, pebble, bind, port, args,
                                                            probes))
                finally:
                    probes.remove()
            result["load_average"]["after_casp"] = [round(x, 2) for x in os.getloadavg()]
            # certbot and lego bind the http-01 port themselves: their own Pebble, casp stopped.
            with PebbleServer(bind.address) as pebble:
                result["certbot"] = bench_tool("certbot", certbot_cmd, pebble, tmp,
                                               args.tool_runs)
                result["lego"] = bench_tool("lego", lego_cmd, pebble, tmp, args.tool_runs)
    finally:
        if args.postgres:
            asyncio.run(common.fresh_database(args.postgres, PG_DATABASE, drop_only=True))
    result["load_average"]["after"] = [round(x, 2) for x in os.getloadavg()]

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(table(result))
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
