"""The `casp` command, run as a user would: migrate, then serve over real HTTP (uvicorn)."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import pg
from tests.support.cli import CASP, env_for, serving
from tests.support.rest import PASSWORD


def tables_in(env: dict[str, str]) -> set[str]:
    if url := env.get("CASP_DATABASE_URL"):
        rows = asyncio.run(pg.fetch(url, "SELECT tablename FROM pg_tables "
                                         "WHERE schemaname = 'public'"))
        return {r[0] for r in rows}
    con = sqlite3.connect(Path(env["CASP_DATA_DIR"]) / "casp.sqlite3")
    try:
        return {r[0] for r in con.execute("select name from sqlite_master where type='table'")}
    finally:
        con.close()


@pytest.mark.slow  # casp processes, about 3 s
def test_migrate_creates_the_schema(tmp_path: Path):
    env = env_for(tmp_path / "d", empty_database=True)
    result = subprocess.run([CASP, "migrate"], env=env, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert {"users", "one_time_tokens"} <= tables_in(env)
    again = subprocess.run([CASP, "migrate"], env=env, capture_output=True,
                           text=True, timeout=60, check=False)
    assert again.returncode == 0, again.stderr


def test_bad_setting_is_reported_without_traceback(tmp_path: Path):
    result = subprocess.run([CASP, "migrate"], env=env_for(tmp_path, CASP_RATE_LIMIT="fast"),
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert "CASP_RATE_LIMIT" in result.stderr and "Traceback" not in result.stderr


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with serving(tmp_path / "d") as base:
        yield base


@pytest.mark.slow  # casp serve as a process, about 2 s
def test_quickstart_over_real_http(server: str):
    """The README quickstart: register, log in, take the token, call an endpoint."""
    with httpx.Client(base_url=server, timeout=10) as http:
        r = http.post("/api/v1/auth.php?action=register",
                      data={"email": "me@example.com", "password": PASSWORD, "name": "Me"})
        assert r.status_code == 200 and r.json()["data"]["user_id"] == 1
        r = http.post("/api/v1/auth.php?action=login",
                      data={"email": "me@example.com", "password": PASSWORD})
        token = r.json()["data"]["token"]
        r = http.get("/api/v1/account.php", headers={"Authorization": f"Bearer {token}"})
        assert r.json()["data"]["email"] == "me@example.com"
        assert r.headers["x-ratelimit-limit"] == "100"
        assert http.get("/api/v1/account.php").json()["error"]["code"] == "UNAUTHORIZED"
