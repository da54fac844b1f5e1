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


@pytest.mark.parametrize(("env", "name"), [
    ({"CASP_RATE_LIMIT": "lots"}, "CASP_RATE_LIMIT"),
    ({"CASP_MAX_BODY_BYTES": "big"}, "CASP_MAX_BODY_BYTES"),
    ({"CASP_MAX_BODY_BYTES": "10"}, "CASP_MAX_BODY_BYTES"),
    ({"CASP_ARGON2_TIME_COST": "0"}, "CASP_ARGON2_TIME_COST"),
    ({"CASP_BODY_TIMEOUT_SECONDS": "0"}, "CASP_BODY_TIMEOUT_SECONDS"),
    ({"CASP_BODY_TIMEOUT_SECONDS": "2.5"}, "CASP_BODY_TIMEOUT_SECONDS"),
    ({"CASP_MAX_CONNECTIONS": "0"}, "CASP_MAX_CONNECTIONS"),
    ({"CASP_MAX_CONNECTIONS": "many"}, "CASP_MAX_CONNECTIONS"),
])
def test_bad_values_name_the_variable(env: dict[str, str], name: str):
    with pytest.raises(ConfigError, match=name):
        Settings.from_env(env)
