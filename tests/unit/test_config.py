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


def test_environment_overrides():
    s = Settings.from_env({"CASP_DATA_DIR": "/srv/casp", "CASP_RATE_LIMIT": "5/second",
                           "CASP_DATABASE_URL": "postgres://u@h/db",
                           "CASP_PUBLIC_URL": "https://casp.example/"})
    assert s.db_url == "postgres://u@h/db" and s.rate_limit == "5/second"
    assert s.public_url == "https://casp.example" and s.outbox_dir == Path("/srv/casp/outbox")


@pytest.mark.parametrize(("env", "name"), [
    ({"CASP_RATE_LIMIT": "lots"}, "CASP_RATE_LIMIT"),
    ({"CASP_MAX_BODY_BYTES": "big"}, "CASP_MAX_BODY_BYTES"),
    ({"CASP_MAX_BODY_BYTES": "10"}, "CASP_MAX_BODY_BYTES"),
    ({"CASP_ARGON2_TIME_COST": "0"}, "CASP_ARGON2_TIME_COST"),
])
def test_bad_values_name_the_variable(env: dict[str, str], name: str):
    with pytest.raises(ConfigError, match=name):
        Settings.from_env(env)


def test_quotas_default_and_zero_turns_one_off():
    s = Settings.from_env({})
    assert (s.quota_domains, s.quota_pending_certificates, s.quota_orders_per_hour) == (
        100, 20, 50)
    off = Settings.from_env({"CASP_QUOTA_DOMAINS": "0", "CASP_QUOTA_ORDERS_PER_HOUR": "0"})
    assert (off.quota_domains, off.quota_orders_per_hour) == (0, 0)
    with pytest.raises(ConfigError, match="CASP_QUOTA_PENDING_CERTIFICATES"):
        Settings.from_env({"CASP_QUOTA_PENDING_CERTIFICATES": "-1"})
