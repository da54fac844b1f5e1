from __future__ import annotations

from pathlib import Path

import pytest

from app.config import ConfigError, Settings


def test_defaults_are_embedded():
    s = Settings.from_env({})
    assert s.data_dir == Path("data")
    assert s.db_url.startswith("sqlite://") and "data/casp.sqlite3?" in s.db_url
    assert s.rate_limit == "100/minute" and s.rate_limit_storage == "memory://"
    assert s.smtp_url is None and s.max_body_bytes == 1048576
    assert s.body_timeout_seconds == 30 and s.max_connections == 1000


def test_environment_overrides():
    s = Settings.from_env({"CASP_DATA_DIR": "/srv/casp", "CASP_RATE_LIMIT": "5/second",
                           "CASP_DATABASE_URL": "postgres://u@h/db",
                           "CASP_PUBLIC_URL": "https://casp.example/"})
    assert s.db_url == "postgres://u@h/db" and s.rate_limit == "5/second"
    assert s.public_url == "https://casp.example" and s.outbox_dir == Path("/srv/casp/outbox")
    s = Settings.from_env({"CASP_BODY_TIMEOUT_SECONDS": "5", "CASP_MAX_CONNECTIONS": "200"})
    assert (s.body_timeout_seconds, s.max_connections) == (5, 200)


def test_the_public_url_follows_where_casp_listens_unless_set():
    assert Settings.from_env({}).public_url == "http://127.0.0.1:8000"
    assert Settings.from_env({"CASP_PORT": "8080"}).public_url == "http://127.0.0.1:8080"
    follows = Settings.from_env({})
    assert follows.serving_at("::1", 9000).public_url == "http://[::1]:9000"
    assert follows.serving_at("0.0.0.0", 80).public_url == "http://127.0.0.1:80"  # noqa: S104
    fixed = Settings.from_env({"CASP_PUBLIC_URL": "https://casp.example"})
    assert fixed.serving_at("0.0.0.0", 9000).public_url == "https://casp.example"  # noqa: S104


@pytest.mark.parametrize(("env", "name"), [
    ({"CASP_RATE_LIMIT": "lots"}, "CASP_RATE_LIMIT"),
    ({"CASP_MAX_BODY_BYTES": "big"}, "CASP_MAX_BODY_BYTES"),
    ({"CASP_MAX_BODY_BYTES": "10"}, "CASP_MAX_BODY_BYTES"),
    ({"CASP_ARGON2_TIME_COST": "0"}, "CASP_ARGON2_TIME_COST"),
    ({"CASP_REGISTRATION": "invite-only"}, "CASP_REGISTRATION"),
    ({"CASP_WS_PER_USER": "0"}, "CASP_WS_PER_USER"),
    ({"CASP_LOG_FORMAT": "xml"}, "CASP_LOG_FORMAT"),
    ({"CASP_BODY_TIMEOUT_SECONDS": "0"}, "CASP_BODY_TIMEOUT_SECONDS"),
    ({"CASP_BODY_TIMEOUT_SECONDS": "2.5"}, "CASP_BODY_TIMEOUT_SECONDS"),
    ({"CASP_MAX_CONNECTIONS": "0"}, "CASP_MAX_CONNECTIONS"),
    ({"CASP_MAX_CONNECTIONS": "many"}, "CASP_MAX_CONNECTIONS"),
])
def test_bad_values_name_the_variable(env: dict[str, str], name: str):
    with pytest.raises(ConfigError, match=name):
        Settings.from_env(env)


def test_registration_is_open_unless_closed():
    assert Settings.from_env({}).registration == "open"
    assert Settings.from_env({"CASP_REGISTRATION": " Closed "}).registration == "closed"


def test_metrics_settings():
    assert Settings.from_env({}).metrics_token is None
    assert Settings.from_env({}).metrics_listen is None
    s = Settings.from_env({"CASP_METRICS_TOKEN": "scrape-me", "CASP_METRICS_LISTEN":
                           "127.0.0.1:9100"})
    assert s.metrics_token == "scrape-me" and s.metrics_listen == ("127.0.0.1", 9100)
    assert Settings.from_env({"CASP_METRICS_LISTEN": "[::1]:9100"}).metrics_listen == (
        "::1", 9100)
    assert Settings.from_env({"CASP_METRICS_LISTEN": " casp.internal:1 "}).metrics_listen == (
        "casp.internal", 1)


@pytest.mark.parametrize("value", ["9100", ":9100", "host:", "host:port", "host:0",
                                   "host:65536", "host:-1", "[]:9100", "host:9100x",
                                   "host:\u0669\u0661\u0660\u0660"])  # Arabic-Indic digits
def test_a_bad_metrics_listener_names_the_variable(value: str):
    with pytest.raises(ConfigError, match="CASP_METRICS_LISTEN must be host:port"):
        Settings.from_env({"CASP_METRICS_LISTEN": value})
def test_quotas_default_and_zero_turns_one_off():
    s = Settings.from_env({})
    assert (s.quota_domains, s.quota_pending_certificates, s.quota_orders_per_hour) == (
        100, 20, 50)
    off = Settings.from_env({"CASP_QUOTA_DOMAINS": "0", "CASP_QUOTA_ORDERS_PER_HOUR": "0"})
    assert (off.quota_domains, off.quota_orders_per_hour) == (0, 0)
    with pytest.raises(ConfigError, match="CASP_QUOTA_PENDING_CERTIFICATES"):
        Settings.from_env({"CASP_QUOTA_PENDING_CERTIFICATES": "-1"})
