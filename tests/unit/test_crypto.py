from __future__ import annotations

from pathlib import Path

import pytest

from app.crypto import SecretBox, load_or_create_secret, token_hash


def test_round_trip_and_wrong_key():
    box = SecretBox("k" * 40)
    sealed = box.encrypt("casp_secret")
    assert "casp_secret" not in sealed
    assert box.decrypt(sealed) == b"casp_secret"
    with pytest.raises(ValueError, match="CASP_SECRET_KEY"):
        SecretBox("x" * 40).decrypt(sealed)


def test_configured_key_must_be_long(tmp_path: Path):
    with pytest.raises(ValueError, match="at least 32"):
        load_or_create_secret(tmp_path, "short")
    assert load_or_create_secret(tmp_path, "s" * 32) == "s" * 32
    assert not (tmp_path / "secret.key").exists()


def test_generated_key_is_stable(tmp_path: Path):
    first = load_or_create_secret(tmp_path / "d", None)
    assert len(first) >= 48 and load_or_create_secret(tmp_path / "d", None) == first


def test_token_hash_is_sha256_hex():
    assert len(token_hash("a")) == 64 and token_hash("a") != token_hash("b")
