"""What the bench scripts share: the machine they ran on, CPU time from /proc, a server's stop."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec


def cpu_model() -> str:
    """The CPU's model name (/proc/cpuinfo), or what the platform says."""
    return next((line.split(":", 1)[1].strip() for line in
                 Path("/proc/cpuinfo").read_text().splitlines()
                 if line.startswith("model name")), platform.processor())


def ram_gib() -> float:
    """The machine's memory (MemTotal), in GiB to one decimal."""
    mem_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))
    return round(mem_kib / 2**20, 1)


def machine_busy_s() -> float:
    """CPU seconds the whole machine has been busy (every core; /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def process_cpu_s(pid: int) -> float:
    """CPU seconds (user and system) of a process so far; OSError when there is none."""
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


def status_kib(pid: int, field: str) -> int:
    """A field of /proc/PID/status (VmRSS, VmHWM: KiB; Threads: a count), 0 when absent."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def terminate(proc: subprocess.Popen[Any]) -> None:
    """Stop a server still running: SIGTERM (uvicorn shuts down on it, casp's lifespan runs),
    SIGKILL when it has not exited within 30 s."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def small_ca(name: x509.Name, now: dt.datetime) -> tuple[ec.EllipticCurvePrivateKey,
                                                          x509.Certificate]:
    """A CA of the bench's own (EC P-384, valid from a day before `now` for ten years) to sign
    the certificates its rows store: its key and certificate."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP384R1())
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(key, hashes.SHA384()))
    return key, cert


async def fresh_database(admin_url: str, name: str, drop_only: bool = False) -> str:
    """A new empty PostgreSQL database beside `admin_url`'s (dropped first if there): its URL.
    `drop_only` drops it and makes none (the end of a run)."""
    import asyncpg

    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    parts = urlsplit(admin_url)
    return urlunsplit(("postgres", parts.netloc, f"/{name}", "", ""))
