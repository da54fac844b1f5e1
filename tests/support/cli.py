"""The `casp` command as the tests run it: where it is, and the environment of a process of
a test (tests/support/app.py: process_env) with a data directory and cheap argon2."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.app import process_env
from tests.support.net import free_port

CASP = shutil.which("casp", path=str(Path(sys.executable).parent)) or "casp"


def env_for(data_dir: Path, empty_database: bool = False, **extra: str) -> dict[str, str]:
    return process_env(empty_database, CASP_DATA_DIR=str(data_dir),
                       CASP_ARGON2_MEMORY_KIB="1024", CASP_ARGON2_TIME_COST="1", **extra)


@contextmanager
def serving(data_dir: Path, **extra: str) -> Iterator[str]:
    """`casp serve` as a process on a free loopback port, with these settings; its base URL
    once /healthz answers. Stopped (SIGTERM) at the end."""
    port = free_port()
    proc = subprocess.Popen([CASP, "serve", "--port", str(port)], env=env_for(data_dir, **extra),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if proc.poll() is not None:
                    raise RuntimeError(f"casp serve exited: {proc.communicate()[0]}") from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.communicate(timeout=15)  # reads and closes the pipe
