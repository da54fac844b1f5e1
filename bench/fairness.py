"""Fair work (issue 13): one user's manual dns-01 requests stuck on a DNS that never answers,
beside another user's http-01 certificates from a real Pebble (PEBBLE_VA_NOSLEEP=1).

    .venv/bin/python bench/fairness.py [--stuck 400] [--runs 10] [--concurrency 50]  # ~30 s

casp runs in this process (uvicorn on a loopback port, embedded worker) with its resolver
pointed at a UDP socket that reads and never answers. It times the second user's http-01
certificates (POST to `issued` seen) on the idle casp, then queues the first user's stuck
requests and times them again once those hold their share of the worker. Prints both and
writes bench/results/fairness.json. Set CASP_TEST_DATABASE_URL to bench on PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench import common  # noqa: E402
from bench.probes import p90  # noqa: E402
from tests.support import pg  # noqa: E402
from tests.support.acme import add_domain, casp_settings, request_cert, user_token  # noqa: E402
from tests.support.dns import BindServer, SilentDns  # noqa: E402
from tests.support.live import live_casp  # noqa: E402
from tests.support.net import free_port  # noqa: E402
from tests.support.pebble import PebbleServer  # noqa: E402
from tests.support.rest import bearer  # noqa: E402

TARGET_FACTOR = 2.0  # beside the stuck backlog, at most this many times the idle figure
CERTS = "/api/v1/certificates.php"


async def issued_in(client: httpx.AsyncClient, token: str, zone: str,
                    within: float = 120.0) -> float:
    """Seconds from requesting an http-01 certificate to seeing it issued (polled 50/s)."""
    started = time.perf_counter()
    cert = await request_cert(client, token, domains=[f"{uuid.uuid4().hex[:8]}.{zone}"],
                              challenge_type="http-01")
    while time.perf_counter() - started < within:
        r = await client.get(CERTS, params={"id": cert["id"]}, headers=bearer(token))
        data = r.json()["data"]
        if data["status"] == "issued":
            return time.perf_counter() - started
        if data["status"] != "pending":
            raise RuntimeError(f"certificate {cert['id']} {data['status']}: "
                               f"{data['last_error']}")
        await asyncio.sleep(0.02)
    raise RuntimeError(f"certificate {cert['id']} not issued within {within} s")


async def timed(client: httpx.AsyncClient, token: str, zone: str, runs: int) -> dict[str, Any]:
    """`runs` issuances one after the other, and the CPU this process spent on them."""
    cpu0, seen = time.process_time(), []
    for _ in range(runs):
        seen.append(await issued_in(client, token, zone))
    ordered = sorted(seen)
    return {"median_s": round(statistics.median(ordered), 4), "p90_s": round(p90(ordered), 4),
            "min_s": round(ordered[0], 4), "max_s": round(ordered[-1], 4), "n": runs,
            "cpu_s_per_cert": round((time.process_time() - cpu0) / runs, 4)}


async def queue_stuck(client: httpx.AsyncClient, count: int) -> float:
    """A user with `count` manual dns-01 requests (their TXT look-ups never answered);
    the seconds it took to request them."""
    token = await user_token(client)
    zone = f"stuck{uuid.uuid4().hex[:8]}.example.test"
    await add_domain(client, token, zone, "dns-01")
    started = time.perf_counter()
    for i in range(count):
        await request_cert(client, token, domains=[f"n{i}.{zone}"], challenge_type="dns-01")
    return time.perf_counter() - started


async def running_jobs() -> dict[str, int]:
    """Running jobs by user id ("all" on a casp whose jobs have no owner yet)."""
    from models.job import Job

    if "user_id" not in Job._meta.fields_map:
        return {"all": await Job.filter(status="running").count()}
    running = await Job.filter(status="running").values_list("user_id", flat=True)
    return {str(user): running.count(user) for user in set(running)}


def known(**settings: Any) -> dict[str, Any]:
    """The settings this casp has: the bench also runs on a tree from before the quotas
    (`git archive` of an older commit, this file copied in, on PYTHONPATH): the figure
    before the change."""
    from app.config import Settings

    return {k: v for k, v in settings.items() if k in {f.name for f in fields(Settings)}}


async def scenario(tmp: Path, pebble: PebbleServer, bind: BindServer, silent: SilentDns,
                   port: int, args: argparse.Namespace) -> dict[str, Any]:
    settings = casp_settings(
        tmp / "data", pebble, bind, port, dns_resolver=silent.address, dns_zone=None,
        dns_update_server=None, dns_tsig_key=None, worker_concurrency=args.concurrency,
        **known(quota_pending_certificates=0, quota_orders_per_hour=0))  # the backlog at all
    async with live_casp(settings, port) as client:
        token = await user_token(client)
        zone = f"fair{uuid.uuid4().hex[:8]}.example.test"
        await add_domain(client, token, zone, "http-01")
        for _ in range(args.warmup):  # the first also registers the ACME account
            await issued_in(client, token, zone)
        idle = await timed(client, token, zone, args.runs)
        requested_s = await queue_stuck(client, args.stuck)
        await asyncio.sleep(args.settle)
        held = await running_jobs()
        queries, started = silent.queries, time.perf_counter()
        busy = await timed(client, token, zone, args.runs)
        dns_rate = (silent.queries - queries) / (time.perf_counter() - started)
    return {"idle": idle, "beside_stuck": busy, "stuck_requests": args.stuck,
            "stuck_requested_s": round(requested_s, 2), "running_by_user": held,
            "unanswered_dns_queries_per_s": round(dns_rate, 1),
            "worker_concurrency": args.concurrency,
            "dns_timeout_s": getattr(settings, "dns_timeout_seconds", 5),  # 5: before
            "factor": round(busy["median_s"] / idle["median_s"], 2)}


def report(result: dict[str, Any]) -> str:
    idle, busy = result["idle"], result["beside_stuck"]
    met = "yes" if result["factor"] <= TARGET_FACTOR else "NO"
    return "\n".join([
        f"http-01 issuance, idle casp:          median {idle['median_s']:.3f} s  "
        f"p90 {idle['p90_s']:.3f} s  (n={idle['n']})",
        f"beside {result['stuck_requests']} stuck dns-01 requests: median "
        f"{busy['median_s']:.3f} s  p90 {busy['p90_s']:.3f} s",
        f"factor {result['factor']:.2f}x (target <= {TARGET_FACTOR:g}x): {met}",
        f"running jobs by user when timed: {result['running_by_user']} of "
        f"{result['worker_concurrency']} slots; DNS timeout {result['dns_timeout_s']} s"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stuck", type=int, default=400)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=3, help="issuances before timing")
    parser.add_argument("--settle", type=float, default=5.0,
                        help="seconds between queueing the backlog and timing")
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/fairness.json")
    args = parser.parse_args()
    result: dict[str, Any] = {"date": datetime.now(UTC).isoformat(timespec="seconds"),
                              "database": os.environ.get("CASP_TEST_DATABASE_URL", "").split(":")[0]
                              or "sqlite",
                              "machine": {"cpu": common.cpu_model(), "nproc": os.cpu_count(),
                                          "load_average": Path("/proc/loadavg").read_text(
                                          ).split()[:3]}}
    try:
        with tempfile.TemporaryDirectory(prefix="casp-fair-") as tmp, BindServer() as bind, \
                SilentDns() as silent:
            port = free_port()
            with PebbleServer(bind.address, http_port=port) as pebble:
                result |= asyncio.run(scenario(Path(tmp), pebble, bind, silent, port, args))
    finally:
        pg.close_all()  # on PostgreSQL, the databases made here
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(report(result))
    print(f"\nwritten to {args.out}")
    return 0 if result["factor"] <= TARGET_FACTOR else 1


if __name__ == "__main__":
    sys.exit(main())
