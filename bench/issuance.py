"""Issuance benchmark: casp against a real Pebble (PEBBLE_VA_NOSLEEP=1), beside certbot and lego
issuing the same kind of certificate (http-01, EC P-256, one name) from a Pebble of the same run.

    .venv/bin/python bench/issuance.py [--latency-n 20] [--throughput-n 100] [--tool-runs 5]

Writes bench/results/issuance.json and prints each figure beside its target.
"""

from __future__ import annotations

import argparse
import asyncio
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
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench import common  # noqa: E402
from bench.probes import Probes, Span, breakdown, p90, per_call  # noqa: E402
from tests.support.acme import add_domain, casp_settings, user_token  # noqa: E402
from tests.support.dns import BindServer  # noqa: E402
from tests.support.live import live_casp  # noqa: E402
from tests.support.net import free_port  # noqa: E402
from tests.support.pebble import PebbleServer  # noqa: E402
from tests.support.rest import bearer  # noqa: E402

TARGET_MEDIAN_S = 0.3
TARGET_RATE = 25.0
CONTEXT = {"certbot": 2.5, "lego": 5.5}  # seconds per certificate seen on the dev machine
POLL_S = 0.01
CERTS = "/api/v1/certificates.php"


def median_p90(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"median_s": round(statistics.median(ordered), 4), "p90_s": round(p90(ordered), 4),
            "min_s": round(ordered[0], 4), "max_s": round(ordered[-1], 4), "n": len(ordered)}


def cpu_seconds(servers: dict[str, object]) -> dict[str, float]:
    """CPU time used so far by this process (casp and the bench client) and by the servers."""
    used = {"casp+bench": time.process_time()}
    for name, server in servers.items():
        proc = getattr(server, "_proc", None)
        if proc is not None:
            used[name] = common.process_cpu_s(proc.pid)
    return used


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
    while time.perf_counter() < t0 + within and done + failed < n:
        await asyncio.sleep(0.05)
        done = await count(client, token, "issued", f".tput.{zone}")
        failed = await count(client, token, "failed", f".tput.{zone}")
    elapsed = time.perf_counter() - t0
    cpu = cpu_per_cert(cpu0, cpu_seconds(servers), n)
    busy1 = system_busy()
    server_side = await server_latencies(list(ids))
    return {"certificates": n, "issued": done, "failed": failed, "complete": done == n,
            "seconds": round(elapsed, 3), "post_all_s": round(posted, 3),
            "per_second": round(done / elapsed, 2),
            "per_cert_server_side": median_p90(server_side) if server_side else {},
            "machine_cpu_busy": round((busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]), 3),
            "cpu_s_per_cert": cpu, "steps": per_call(probes.spans, n)}


async def bench_casp(tmp: Path, pebble: PebbleServer, bind: BindServer, port: int,
                     args: argparse.Namespace, probes: Probes) -> dict[str, Any]:
    settings = casp_settings(tmp / "data", pebble, bind, port, rate_limit="100000/minute",
                             worker_concurrency=args.concurrency, quota_orders_per_hour=0,
                             quota_pending_certificates=0)  # one user asks for them all
    servers: dict[str, object] = {"pebble": pebble, "named": bind}
    zone = f"{uuid.uuid4().hex[:10]}.example.test"
    async with live_casp(settings, port) as client:
        token = await user_token(client)
        await add_domain(client, token, zone, "http-01")
        t0 = time.perf_counter()  # the user's first certificate also registers the account
        first = await until_issued(client, token, await post_cert(client, token, f"b0.{zone}"))
        return {"first_certificate_s": round(first - t0, 4),
                "worker_concurrency": args.concurrency,
                "latency": await latency(client, token, zone, args.latency_n, probes, servers),
                "throughput": await throughput(client, token, zone, args.throughput_n,
                                               args.throughput_timeout, probes, servers)}


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

def machine() -> dict[str, Any]:
    versions = {}
    for pkg in ("pebble", "bind9", "certbot", "lego"):
        out = subprocess.run(["/usr/bin/dpkg-query", "-W", "-f=${Version}", pkg],  # noqa: S603
                             capture_output=True, text=True, check=False)
        versions[pkg] = out.stdout.strip() or None
    return {"nproc": os.cpu_count(), "cpu": common.cpu_model(), "ram_gib": common.ram_gib(),
            "python": platform.python_version(), "packages": versions,
            "database": os.environ.get("CASP_TEST_DATABASE_URL", "").split(":")[0] or "sqlite"}


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
            ("casp CPU per cert, at once", f"{tput['cpu_s_per_cert']['casp+bench']:.3f} s",
             "-", f"(machine {tput['machine_cpu_busy']:.0%} busy)")]
    for tool in ("certbot", "lego"):
        fig = result[tool]
        value = f"{fig['median_s']:.3f} s" if "median_s" in fig else "error"
        rows.append((f"{tool} median", value, f"(~{CONTEXT[tool]:g} s seen)", ""))
    rows.append(("bare acme lib, stock polling", "-", "(1-2 s seen)", ""))
    lines = [f"{a:<30} {b:>10}  {c:<16} {d}" for a, b, c, d in rows]
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency-n", type=int, default=20)
    parser.add_argument("--throughput-n", type=int, default=100)
    parser.add_argument("--throughput-timeout", type=float, default=180.0)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--tool-runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/issuance.json")
    args = parser.parse_args()
    if min(args.latency_n, args.throughput_n, args.concurrency, args.tool_runs) < 1:
        parser.error("counts must be at least 1")

    result: dict[str, Any] = {"date": datetime.now(UTC).isoformat(timespec="seconds"),
                              "machine": machine()}
    probes = Probes()
    with tempfile.TemporaryDirectory(prefix="casp-bench-") as tmp_dir, BindServer() as bind:
        tmp = Path(tmp_dir)
        port = free_port()
        with PebbleServer(bind.address, http_port=port) as pebble:
            probes.install()
            try:
                result["casp"] = asyncio.run(bench_casp(tmp, pebble, bind, port, args, probes))
            finally:
                probes.remove()
        # certbot and lego bind the http-01 port themselves: their own Pebble, casp stopped.
        with PebbleServer(bind.address) as pebble:
            result["certbot"] = bench_tool("certbot", certbot_cmd, pebble, tmp, args.tool_runs)
            result["lego"] = bench_tool("lego", lego_cmd, pebble, tmp, args.tool_runs)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(table(result))
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
