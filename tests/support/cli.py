"""The `casp` command as the tests run it: where it is, the environment of a process of a
test (tests/support/app.py: process_env) with a data directory and cheap argon2, and
`casp serve` as a process on a free port, with what it logged once it stopped."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.app import process_env
from tests.support.net import free_port

CASP = shutil.which("casp", path=str(Path(sys.executable).parent)) or "casp"


def env_for(data_dir: Path, empty_database: bool = False, **extra: str) -> dict[str, str]:
    return process_env(empty_database, CASP_DATA_DIR=str(data_dir),
                       CASP_ARGON2_MEMORY_KIB="1024", CASP_ARGON2_TIME_COST="1", **extra)


@dataclass
class Served:
    base: str  # http://127.0.0.1:<port>
    output: str = ""  # what casp printed (its log), once it stopped


@contextmanager
def casp_serve(data_dir: Path, *, umask: int = -1, **extra: str) -> Iterator[Served]:
    """`casp serve` on a free port until the block ends (umask: the process's, -1 keeps
    this one's)."""
    port = free_port()
    proc = subprocess.Popen([CASP, "serve", "--port", str(port)], env=env_for(data_dir, **extra),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            umask=umask)
    served = Served(f"http://127.0.0.1:{port}")
    try:
        _wait_until_up(served.base, proc)
        yield served
    finally:
        proc.terminate()
        served.output = proc.communicate(timeout=15)[0]  # reads and closes the pipe


def _wait_until_up(base: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base}/healthz", timeout=1)
            return
        except httpx.TransportError:
            if proc.poll() is not None:
                pytest.fail(f"casp serve exited: {proc.stdout.read()}")  # type: ignore[union-attr]
            time.sleep(0.1)
