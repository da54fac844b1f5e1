"""The `casp` command, run as a user would: migrate, then serve over real HTTP (uvicorn)."""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import pg
from tests.support.cli import CASP, casp_serve, env_for
from tests.support.net import free_port
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


@pytest.mark.parametrize(("env", "said"), [
    ({"CASP_CUSTOM_CAS": "google"}, "CASP_CUSTOM_CAS: 'google' is taken"),
    ({"CASP_CUSTOM_CAS": "corp"}, "CASP_CA_CORP_DIRECTORY must be"),
])
def test_a_bad_custom_ca_stops_casp_with_its_variable(tmp_path: Path, env: dict[str, str],
                                                      said: str):
    result = subprocess.run([CASP, "migrate"], env=env_for(tmp_path, **env),
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert said in result.stderr and "Traceback" not in result.stderr


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with casp_serve(tmp_path / "d") as served:
        yield served.base


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


def mode(path: Path) -> str:
    return oct(stat.S_IMODE(path.stat().st_mode))


def loosen(data_dir: Path) -> None:
    """What an older casp left: the data dir 0755, its files 0644."""
    subprocess.run([CASP, "migrate"], env=env_for(data_dir, CASP_DATABASE_URL=""), check=True,
                   capture_output=True, timeout=60)
    (data_dir / "outbox").mkdir()
    (data_dir / "outbox" / "old.eml").write_text("Subject: old\n\nreset token\n")
    (data_dir / "secret.key").write_text("k" * 64)
    for path in (data_dir, data_dir / "outbox"):
        path.chmod(0o755)
    for path in (data_dir / "casp.sqlite3", data_dir / "secret.key",
                 data_dir / "outbox" / "old.eml"):
        path.chmod(0o644)


@pytest.mark.slow  # casp serve as a process, about 3 s
@pytest.mark.parametrize("older", [False, True], ids=["new", "left-by-an-older-casp"])
def test_the_data_dir_is_private_whatever_the_umask(tmp_path: Path, older: bool):
    """With umask 0 (files would be 0666): the data dir and outbox 0700, the database, its
    -wal and -shm, the secret key and the mails 0600."""
    data = tmp_path / "d"
    if older:
        loosen(data)
    # the data directory's own files are the point: SQLite on both passes of the suite
    with casp_serve(data, umask=0, CASP_DATABASE_URL="") as served, \
            httpx.Client(base_url=served.base) as http:
        r = http.post("/api/v1/auth.php?action=register",
                      data={"email": "me@example.com", "password": PASSWORD})
        assert r.status_code == 200
        deadline = time.monotonic() + 10
        while not list((data / "outbox").glob("1*.eml")) and time.monotonic() < deadline:
            time.sleep(0.05)
        files = ["casp.sqlite3", "casp.sqlite3-wal", "casp.sqlite3-shm", "secret.key",
                 *(str(p.relative_to(data)) for p in (data / "outbox").glob("*.eml"))]
        assert len(files) == 5 + older
        assert {name: mode(data / name) for name in files} == dict.fromkeys(files, "0o600")
        assert mode(data) == mode(data / "outbox") == "0o700"


@pytest.mark.slow  # casp serve as a process, about 2 s
def test_the_log_of_real_requests_shows_no_token_or_password(tmp_path: Path):
    with casp_serve(tmp_path / "d", CASP_LOG_FORMAT="json") as served, \
            httpx.Client(base_url=served.base, timeout=10) as http:
        r = http.post("/api/v1/auth.php?action=register",
                      data={"email": "me@example.com", "password": PASSWORD})
        verify = r.json()["data"]["verify_token"]
        r = http.get("/api/v1/auth.php", params={"action": "verify-email", "token": verify})
        assert r.json()["data"]["email_verified"] is True
        r = http.post("/api/v1/auth.php?action=login&password=Qu3ry-Password",
                      data={"email": "me@example.com", "password": PASSWORD})
        assert r.status_code == 400
        token = http.post("/api/v1/auth.php?action=login", data={
            "email": "me@example.com", "password": PASSWORD}).json()["data"]["token"]
        r = http.get("/api/v1/certificates.php", headers={"Authorization": f"Bearer {token}"},
                     params={"action": "download", "id": 1, "password": "Pfx-Password"})
        assert r.status_code == 404
    lines = [json.loads(line) for line in served.output.splitlines() if line.startswith("{")]
    access = [line["message"] for line in lines if line["logger"] == "uvicorn.access"]
    assert any("action=verify-email&token=[redacted] " in m for m in access), access
    assert any("action=login&password=[redacted] " in m for m in access), access
    assert any("&password=[redacted] " in m and "download" in m for m in access), access
    for secret in ("Qu3ry-Password", "Pfx-Password", token, PASSWORD):
        assert secret not in served.output
    # the verification link is whole in one line only: the outbox mail's, which the operator
    # follows (README, Security: no mail leaves the machine in outbox mode)
    holding = [line for line in served.output.splitlines() if verify in line]
    assert len(holding) == 1 and '"logger": "app.mail"' in holding[0], holding


@pytest.mark.slow  # casp serve as a process, about 2 s
def test_metrics_on_their_own_listener_behind_a_token(tmp_path: Path):
    port = free_port()
    secret = "scrape-token-of-32-characters-xx"
    with casp_serve(tmp_path / "d", CASP_METRICS_LISTEN=f"127.0.0.1:{port}",
                    CASP_METRICS_TOKEN=secret) as served:
        public = httpx.get(f"{served.base}/metrics", headers={"Authorization": f"Bearer {secret}"})
        assert public.status_code == 404
        metrics = f"http://127.0.0.1:{port}/metrics"
        assert httpx.get(metrics).status_code == 401
        r = httpx.get(metrics, headers={"Authorization": f"Bearer {secret}"})
        assert r.status_code == 200 and "casp_certificates" in r.text
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 404
    assert "Traceback" not in served.output and "Finished server process" in served.output
    assert secret not in served.output


@pytest.mark.slow  # casp processes, about 2 s
def test_a_taken_metrics_port_stops_casp_serve(tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = env_for(tmp_path / "d", CASP_METRICS_LISTEN=f"127.0.0.1:{port}")
        result = subprocess.run([CASP, "serve", "--port", str(free_port())], env=env,
                                timeout=60, capture_output=True, text=True, check=False)
    assert result.returncode == 3  # uvicorn's "could not start"
    assert "address already in use" in result.stderr.lower(), result.stderr
