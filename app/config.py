"""Settings, read once from CASP_* environment variables (every one is in the README table)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from limits import parse as parse_limit

if TYPE_CHECKING:
    from app.services.certificates.cas import CA


class ConfigError(ValueError):
    """A setting has a value casp cannot use; the message names the variable."""


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _limit(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name) or default
    try:
        parse_limit(value)
    except ValueError:
        raise ConfigError(f"{name} must be in limits notation like '100/minute'") from None
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw == "":
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = (env.get(name) or default).strip().lower()
    if value not in allowed:
        raise ConfigError(f"{name} must be {' or '.join(allowed)}, got {value!r}")
    return value


def _log_format(env: Mapping[str, str]) -> str:
    return _choice(env, "CASP_LOG_FORMAT", ("auto", "json", "text"), "auto")


def _events(env: Mapping[str, str]) -> str:
    value = (env.get("CASP_EVENTS") or "auto").strip()
    if value in {"auto", "memory", "postgres"} or value.startswith(("redis://", "rediss://")):
        return value
    raise ConfigError("CASP_EVENTS must be auto, memory, postgres or a redis:// URL, "
                      f"got {value!r}")


def _listen(env: Mapping[str, str], name: str) -> tuple[str, int] | None:
    """host:port ([::1]:9100 for IPv6), or None when not set."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return None
    host, _, port = raw.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not host or not re.fullmatch(r"[0-9]{1,5}", port) or not 0 < int(port) < 65536:
        raise ConfigError(f"{name} must be host:port, e.g. 127.0.0.1:9100, got {raw!r}")
    return host, int(port)


def local_url(host: str, port: int) -> str:
    """The address of a casp listening on host:port, as mails write it: a wildcard address
    (0.0.0.0, ::) as loopback, which works at least on this machine."""
    if host in {"", "0.0.0.0", "::"}:  # noqa: S104 (a comparison, not a bind)
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _serving(env: Mapping[str, str]) -> dict[str, Any]:
    host = env.get("CASP_HOST") or Settings.host
    port = _int(env, "CASP_PORT", Settings.port, 0)
    public_url = (env.get("CASP_PUBLIC_URL") or "").rstrip("/")
    return {
        "host": host, "port": port,
        "public_url": public_url or local_url(host, port),
        "public_url_follows": not public_url,
        "forwarded_allow_ips": env.get("CASP_FORWARDED_ALLOW_IPS")
        or Settings.forwarded_allow_ips,
        "metrics_token": env.get("CASP_METRICS_TOKEN") or None,
        "metrics_listen": _listen(env, "CASP_METRICS_LISTEN"),
    }


def _ca_settings(env: Mapping[str, str]) -> dict[str, Any]:
    from app.services.certificates.cas import REGISTRY

    custom = _custom_cas(env)
    directories, eab = {}, {}
    for name in [*REGISTRY, *(ca.name for ca in custom)]:
        if name in REGISTRY and (url := env.get(f"CASP_CA_{name.upper()}_DIRECTORY")):
            directories[name] = url
        prefix = f"CASP_EAB_{name.upper()}"
        kid, key = env.get(f"{prefix}_KID"), env.get(f"{prefix}_HMAC_KEY")
        if bool(kid) != bool(key):
            raise ConfigError(f"CASP_EAB_{name.upper()}_KID and _HMAC_KEY go together")
        if kid and key:
            eab[name] = (kid, key)
    return {"ca_directories": directories, "platform_eab": eab, "custom_cas": custom,
            "fallback_after_seconds": _int(env, "CASP_FALLBACK_AFTER_SECONDS",
                                           Settings.fallback_after_seconds)}


# A custom CA's name: what ca_provider takes and records store (20 characters at most),
# and the <NAME> of its CASP_CA_<NAME>_* settings.
_CA_NAME = re.compile(r"[a-z][a-z0-9_]{0,19}", re.ASCII)
_CAA_NAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+",
                       re.ASCII)


def _custom_cas(env: Mapping[str, str]) -> tuple[CA, ...]:
    """CASP_CUSTOM_CAS=corp,lab and, for each, CASP_CA_<NAME>_DIRECTORY (required), _NAME,
    _EAB (required | optional | none) and _CAA (issuer domain names, comma-separated)."""
    from app.services.certificates.cas import CUSTOM, REGISTRY

    raw = (env.get("CASP_CUSTOM_CAS") or "").split(",")
    found: list[CA] = []
    for name in (n.strip().lower() for n in raw if n.strip()):
        if not _CA_NAME.fullmatch(name):
            raise ConfigError(f"CASP_CUSTOM_CAS: {name!r} is not a CA name: a letter, then "
                              "up to 19 letters, digits or '_'")
        if name in REGISTRY or name == CUSTOM or name in {ca.name for ca in found}:
            raise ConfigError(f"CASP_CUSTOM_CAS: {name!r} is taken (by one of "
                              f"{', '.join(REGISTRY)}, or named twice; {CUSTOM!r} is "
                              "reserved)")
        found.append(_custom_ca(env, name))
    return tuple(found)


def _custom_ca(env: Mapping[str, str], name: str) -> CA:
    from app.services.certificates.cas import CA, EAB_MODES, EabMode

    prefix = f"CASP_CA_{name.upper()}"
    directory = (env.get(f"{prefix}_DIRECTORY") or "").strip()
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", directory):
        raise ConfigError(f"{prefix}_DIRECTORY must be the http(s) URL of the CA's ACME "
                          f"directory (CASP_CUSTOM_CAS names {name!r}), got {directory!r}")
    eab = _choice(env, f"{prefix}_EAB", EAB_MODES, "optional")
    caa = tuple(c.strip().lower() for c in (env.get(f"{prefix}_CAA") or "").split(",")
                if c.strip())
    if bad := [c for c in caa if not _CAA_NAME.fullmatch(c)]:
        raise ConfigError(f"{prefix}_CAA must list domain names, got {bad[0]!r}")
    title = (env.get(f"{prefix}_NAME") or "").strip() or name
    if len(title) > 100:
        raise ConfigError(f"{prefix}_NAME must be at most 100 characters")
    return CA.declared(name, title=title, directory=directory,
                       eab=cast("EabMode", eab), caa=caa)


def _connections(env: Mapping[str, str]) -> dict[str, Any]:
    """What one client may hold of a `casp serve` process."""
    return {
        "max_body_bytes": _int(env, "CASP_MAX_BODY_BYTES", Settings.max_body_bytes, 1024),
        "body_timeout_seconds": _int(env, "CASP_BODY_TIMEOUT_SECONDS",
                                     Settings.body_timeout_seconds, 1),
        "max_connections": _int(env, "CASP_MAX_CONNECTIONS", Settings.max_connections, 1),
    }


def _issuance(env: Mapping[str, str]) -> dict[str, Any]:
    zone = (env.get("CASP_DNS_ZONE") or "").strip().rstrip(".").lower() or None
    return {
        **_ca_settings(env),
        "acme_ca_bundle": env.get("CASP_ACME_CA_BUNDLE") or None,
        "zerossl_eab_url": env.get("CASP_ZEROSSL_EAB_URL") or Settings.zerossl_eab_url,
        "dns_zone": zone,
        "dns_update_server": env.get("CASP_DNS_UPDATE_SERVER") or None,
        "dns_tsig_key": env.get("CASP_DNS_TSIG_KEY") or None,
        "dns_resolver": env.get("CASP_DNS_RESOLVER") or None,
        "dns_timeout_seconds": _int(env, "CASP_DNS_TIMEOUT_SECONDS", 3, 1),
        "dns_provider_timeout_seconds": _int(env, "CASP_DNS_PROVIDER_TIMEOUT_SECONDS", 30, 1),
        "dns_propagation_seconds": _int(env, "CASP_DNS_PROPAGATION_SECONDS", 120, 1),
        "manual_dns_hours": _int(env, "CASP_MANUAL_DNS_HOURS", 72, 1),
        "http01_port": _int(env, "CASP_HTTP01_PORT", 80, 1),
        "issuance_deadline_seconds": _int(env, "CASP_ISSUANCE_DEADLINE_SECONDS", 600, 10),
        "embedded_worker": _bool(env, "CASP_EMBEDDED_WORKER", True),
        "worker_concurrency": _int(env, "CASP_WORKER_CONCURRENCY", 50, 1),
        "job_lease_seconds": _int(env, "CASP_JOB_LEASE_SECONDS", 30, 1),
        "worker_poll_seconds": _int(env, "CASP_WORKER_POLL_SECONDS", 1, 1),
        "renew_wait_seconds": _int(env, "CASP_RENEW_WAIT_SECONDS", 60, 0),
        "min_renewal_interval_seconds": _int(env, "CASP_MIN_RENEWAL_INTERVAL_SECONDS", 3600,
                                             0),
        "allow_private_targets": _bool(env, "CASP_ALLOW_PRIVATE_TARGETS", False),
        "allow_private_ip_identifiers": _bool(env, "CASP_ALLOW_PRIVATE_IP_IDENTIFIERS", False),
        "sweep_seconds": _int(env, "CASP_SWEEP_SECONDS", 60, 1),
        "webhook_allow_private": _bool(env, "CASP_WEBHOOK_ALLOW_PRIVATE", False),
        "dns_providers_allow_private": _bool(env, "CASP_DNS_PROVIDERS_ALLOW_PRIVATE", False),
        **_quotas(env),
    }


def _quotas(env: Mapping[str, str]) -> dict[str, int]:
    """Per-user quotas; 0 turns one off."""
    return {
        "quota_domains": _int(env, "CASP_QUOTA_DOMAINS", 100),
        "quota_pending_certificates": _int(env, "CASP_QUOTA_PENDING_CERTIFICATES", 20),
        "quota_orders_per_hour": _int(env, "CASP_QUOTA_ORDERS_PER_HOUR", 50),
    }


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    database_url: str = ""
    secret_key: str | None = None
    public_url: str = "http://127.0.0.1:8000"
    public_url_follows: bool = False  # CASP_PUBLIC_URL unset: follows casp serve's host:port
    rate_limit: str = "100/minute"
    auth_rate_limit: str = "10/minute"
    auth_ip_rate_limit: str = "30/minute"
    rate_limit_storage: str = "memory://"
    smtp_url: str | None = None
    mail_from: str = "casp <casp@localhost>"
    max_body_bytes: int = 1024 * 1024
    body_timeout_seconds: int = 30
    max_connections: int = 1000  # per `casp serve` process; uvicorn answers 503 beyond
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4
    log_level: str = "INFO"
    log_format: str = "auto"  # auto | json | text
    host: str = "127.0.0.1"
    port: int = 8000
    forwarded_allow_ips: str = "127.0.0.1"
    metrics_token: str | None = None  # /metrics wants it as a bearer token when set
    metrics_listen: tuple[str, int] | None = None  # /metrics there only, not on host:port
    events: str = "auto"  # how certificate events reach subscribers in other processes
    ws_per_user: int = 5  # GraphQL WebSockets one user may hold open in one process
    registration: str = "open"  # open | closed (then accounts come from `casp user add`)
    # Issuance
    ca_directories: dict[str, str] = field(default_factory=dict)  # CASP_CA_<NAME>_DIRECTORY
    platform_eab: dict[str, tuple[str, str]] = field(default_factory=dict)  # CASP_EAB_<NAME>_*
    custom_cas: tuple[CA, ...] = ()  # the operator's CAs (cas.CA), CASP_CUSTOM_CAS
    # A CA unreachable this long (after its retries) hands a request to its next fallback CA
    fallback_after_seconds: int = 300
    acme_ca_bundle: str | None = None
    zerossl_eab_url: str = "https://api.zerossl.com/acme/eab-credentials-email"
    dns_zone: str | None = None
    dns_update_server: str | None = None
    dns_tsig_key: str | None = None
    dns_resolver: str | None = None
    dns_timeout_seconds: int = 3  # one look-up at most: a dead DNS holds no worker slot long
    dns_provider_timeout_seconds: int = 30  # one call to a user's DNS provider at most
    dns_propagation_seconds: int = 120
    manual_dns_hours: int = 72
    http01_port: int = 80
    issuance_deadline_seconds: int = 600
    embedded_worker: bool = True
    worker_concurrency: int = 50
    job_lease_seconds: int = 30
    # An idle worker looks for due jobs this often; new jobs wake it at once (event bus).
    worker_poll_seconds: int = 1
    renew_wait_seconds: int = 60
    # No automatic renewal sooner after the last one, whatever a CA's window says (a third
    # of the lifetime at most, so that short-lived certificates still renew in time).
    min_renewal_interval_seconds: int = 3600
    allow_private_targets: bool = False
    # IP address certificates for addresses that are not public (a private CA, the tests):
    # public CAs refuse them, so by default casp refuses them at once.
    allow_private_ip_identifiers: bool = False
    sweep_seconds: int = 60
    webhook_allow_private: bool = False
    dns_providers_allow_private: bool = False  # DNS provider servers on private addresses
    # Per-user quotas (0: none): domains, certificates pending at once, and certificate
    # requests plus renew-nows an hour.
    quota_domains: int = 100
    quota_pending_certificates: int = 20
    quota_orders_per_hour: int = 50

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        data_dir = Path(env.get("CASP_DATA_DIR") or "data")
        return cls(
            data_dir=data_dir,
            database_url=env.get("CASP_DATABASE_URL") or "",
            secret_key=env.get("CASP_SECRET_KEY") or None,
            rate_limit=_limit(env, "CASP_RATE_LIMIT", cls.rate_limit),
            auth_rate_limit=_limit(env, "CASP_AUTH_RATE_LIMIT", cls.auth_rate_limit),
            auth_ip_rate_limit=_limit(env, "CASP_AUTH_IP_RATE_LIMIT", cls.auth_ip_rate_limit),
            rate_limit_storage=env.get("CASP_RATE_LIMIT_STORAGE") or cls.rate_limit_storage,
            ws_per_user=_int(env, "CASP_WS_PER_USER", cls.ws_per_user, 1),
            registration=_choice(env, "CASP_REGISTRATION", ("open", "closed"),
                                 cls.registration),
            smtp_url=env.get("CASP_SMTP_URL") or None,
            mail_from=env.get("CASP_MAIL_FROM") or cls.mail_from,
            argon2_time_cost=_int(env, "CASP_ARGON2_TIME_COST", cls.argon2_time_cost, 1),
            argon2_memory_kib=_int(env, "CASP_ARGON2_MEMORY_KIB", cls.argon2_memory_kib, 8),
            argon2_parallelism=_int(env, "CASP_ARGON2_PARALLELISM", cls.argon2_parallelism, 1),
            log_level=(env.get("CASP_LOG_LEVEL") or cls.log_level).upper(),
            log_format=_log_format(env),
            events=_events(env),
            **_serving(env),
            **_connections(env),
            **_issuance(env),
        )

    def serving_at(self, host: str, port: int) -> Settings:
        """These settings for a casp serving on host:port (`casp serve --host --port`)."""
        public_url = local_url(host, port) if self.public_url_follows else self.public_url
        return replace(self, host=host, port=port, public_url=public_url)

    @property
    def db_url(self) -> str:
        """The Tortoise URL: CASP_DATABASE_URL, or SQLite inside the data directory."""
        if self.database_url:
            return self.database_url
        # WAL with synchronous=NORMAL: no fsync per commit, still safe if casp crashes (a
        # power cut may lose the last transactions, never the database).
        return f"sqlite://{self.sqlite_file.resolve()}?synchronous=NORMAL"

    @property
    def sqlite_file(self) -> Path:
        """The SQLite database in the data directory (when CASP_DATABASE_URL is not set)."""
        return self.data_dir / "casp.sqlite3"

    @property
    def delegation_ready(self) -> bool:
        """dns-01 delegation needs a zone, its update server and a TSIG key."""
        return bool(self.dns_zone and self.dns_update_server and self.dns_tsig_key)

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"
