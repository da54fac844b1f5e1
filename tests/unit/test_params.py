"""Input coercion: lenient about how a value is sent, strict about what it is."""

from __future__ import annotations

from typing import Any

import pytest

from app.errors import ValidationFailed
from app.rest.params import Param, _add, _form, coerce

ID = Param("id", "integer", required=True, minimum=1)
DOMAINS = Param("domains", "array", max_length=3)
FLAG = Param("auto_renew", "boolean")
NAME = Param("name", max_length=5, enum=None)


@pytest.mark.parametrize(("raw", "expected"), [(7, 7), ("7", 7), (" 12 ", 12)])
def test_ids_as_numbers_or_strings(raw: Any, expected: int):
    assert coerce(ID, raw) == expected


@pytest.mark.parametrize("raw", ["7a", "", 1.5, True, [7], {"a": 1}, "0", 0, "9" * 20])
def test_bad_ids(raw: Any):
    with pytest.raises(ValidationFailed) as err:
        coerce(ID, raw)
    assert err.value.field == "id"


def test_missing_required():
    with pytest.raises(ValidationFailed, match="id is required"):
        coerce(ID, None)


@pytest.mark.parametrize(("raw", "expected"), [
    (["a.com", "b.com"], ["a.com", "b.com"]),
    ("a.com", ["a.com"]),
    ('["a.com", "b.com"]', ["a.com", "b.com"]),
])
def test_arrays(raw: Any, expected: list[str]):
    assert coerce(DOMAINS, raw) == expected


@pytest.mark.parametrize("raw", [[1, 2], ["a"] * 4, "[broken", [["nested"]]])
def test_bad_arrays(raw: Any):
    with pytest.raises(ValidationFailed):
        coerce(DOMAINS, raw)


def test_php_and_repeated_form_arrays():
    assert _form("domains[]=a.com&domains[]=b.com")["domains"] == ["a.com", "b.com"]
    assert _form("domains=a.com&domains=b.com")["domains"] == ["a.com", "b.com"]
    assert _form("domains[]=only.com")["domains"] == ["only.com"]
    raw: dict[str, Any] = {}
    _add(raw, "x", "1")
    assert raw == {"x": "1"}


@pytest.mark.parametrize(("raw", "expected"), [
    (True, True), ("true", True), ("1", True), ("on", True), ("false", False), ("0", False),
])
def test_booleans(raw: Any, expected: bool):
    assert coerce(FLAG, raw) is expected


def test_bad_boolean_and_long_string():
    with pytest.raises(ValidationFailed, match="true or false"):
        coerce(FLAG, "maybe")
    with pytest.raises(ValidationFailed, match="at most 5 characters"):
        coerce(NAME, "toolong")
    with pytest.raises(ValidationFailed, match="must be a string"):
        coerce(NAME, ["a", "b"])


def test_enum():
    spec = Param("challenge_type", enum=("dns-01", "http-01"))
    assert coerce(spec, "http-01") == "http-01"
    with pytest.raises(ValidationFailed, match="dns-01, http-01"):
        coerce(spec, "tls-alpn-01")
