"""Input rules that hostile clients probe: ASCII-only numbers, bodies that are UTF-8 whatever
their encoding, bounded form fields, and download file names safe in a header."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from app.errors import ValidationFailed
from app.rest.params import (
    MAX_ITEMS,
    MAX_PARTS,
    NOT_UTF8,
    Param,
    _form,
    _multipart,
    coerce,
)
from app.services.certificates.downloads import _base
from app.services.inputs import check_password

ID = Param("id", "integer", required=True, minimum=1)
FLAG = Param("auto_renew", "boolean")
MULTIPART = "multipart/form-data; boundary=B"


@pytest.mark.parametrize("raw", ["١٢", "１２", "۱۲", "\u200912", "12\u3000", "1_2", "12\n\n3"])
def test_integers_are_ascii_digits(raw: str):
    with pytest.raises(ValidationFailed) as err:
        coerce(ID, raw)
    assert err.value.field == "id"


@pytest.mark.parametrize("raw", [" 12", "12\n", "\t12 "])
def test_ascii_spaces_around_an_integer_are_fine(raw: str):
    assert coerce(ID, raw) == 12


def test_a_boolean_is_not_padded_with_unicode_spaces():
    assert coerce(FLAG, " true\n") is True
    with pytest.raises(ValidationFailed) as err:
        coerce(FLAG, "\u3000true")
    assert err.value.field == "auto_renew"


def test_a_password_digit_is_an_ascii_digit():
    with pytest.raises(ValidationFailed, match="a digit"):
        check_password("Abcdefgh١٢")
    assert check_password("Abcdefgh12") == "Abcdefgh12"


def test_an_array_is_declared_shorter_than_the_form_limit():
    with pytest.raises(ValueError, match="shorter than"):
        Param("domains", "array", max_length=MAX_ITEMS)


# Form bodies

def test_a_form_reads_as_parse_qsl_did():
    assert _form("a=1+2&b=%C3%BC&c&&d=") == {"a": "1 2", "b": "ü", "c": "", "d": ""}
    assert _form("x[]=1&x=2&x[]=3") == {"x": ["1", "2", "3"]}


@pytest.mark.parametrize("text", ["domain=%ff", "%ff=1", "domain=%ed%a0%80"])
def test_percent_encoded_bytes_that_are_not_utf8(text: str):
    with pytest.raises(ValidationFailed, match="percent-encoded value is not valid UTF-8"):
        _form(text)


def test_a_name_repeated_past_the_limit_is_named():
    assert len(_form("&".join(["d=x"] * MAX_ITEMS))["d"]) == MAX_ITEMS
    with pytest.raises(ValidationFailed) as err:
        _form("&".join(["d[]=x"] * (MAX_ITEMS + 1)))
    assert err.value.field == "d"


def test_too_many_fields_refuse_the_form_as_a_whole():
    _form("&".join(f"f{i}=x" for i in range(MAX_PARTS)))
    with pytest.raises(ValidationFailed, match=f"more than {MAX_PARTS} fields") as err:
        _form("&".join(f"f{i}=x" for i in range(MAX_PARTS + 1)))
    assert err.value.field is None


# Multipart bodies

def multipart(*parts: tuple[bytes, bytes], end: bytes = b"--B--\r\n") -> bytes:
    return b"".join(b"--B\r\nContent-Disposition: form-data; " + head + b"\r\n\r\n" + value
                    + b"\r\n" for head, value in parts) + end


def test_multipart_fields_and_files():
    body = multipart((b'name="a"', "ü".encode()), (b'name="d[]"', b"x"),
                     (b'name="d[]"', b"y"), (b'name="f"; filename="f.bin"', b"\xff\x00"))
    assert _multipart(MULTIPART, body) == {"a": "ü", "d": ["x", "y"]}


@pytest.mark.parametrize("part", [(b'name="a"', b"\xff"), (b'name="\xff"', b"x"),
                                  (b'name="a"', b"\xed\xa0\x80")])
def test_a_multipart_field_that_is_not_utf8(part: tuple[bytes, bytes]):
    with pytest.raises(ValidationFailed, match=NOT_UTF8):
        _multipart(MULTIPART + "; charset=latin-1", multipart(part))


@pytest.mark.parametrize(("content_type", "body", "message"), [
    ("multipart/form-data", multipart((b'name="a"', b"x")), "no boundary"),
    (MULTIPART, multipart((b'name="a"', b"x"), end=b""), "no closing boundary"),
    (MULTIPART, multipart((b'filename="a"', b"x")), "no name"),
    (MULTIPART, b"--B\r\ngarbage", "cannot be read"),
])
def test_a_broken_multipart_body(content_type: str, body: bytes, message: str):
    with pytest.raises(ValidationFailed, match=message):
        _multipart(content_type, body)


def test_multipart_limits():
    many = multipart(*[(b'name="d"', b"x")] * (MAX_ITEMS + 1))
    with pytest.raises(ValidationFailed) as err:
        _multipart(MULTIPART, many)
    assert err.value.field == "d"
    files = multipart(*[(b'name="f"; filename="f"', b"x")] * (MAX_PARTS + 1))
    with pytest.raises(ValidationFailed, match=f"more than {MAX_PARTS} fields"):
        _multipart(MULTIPART, files)


# Download file names

@pytest.mark.parametrize(("domains", "base"), [
    (["example.com", "www.example.com"], "example.com"),
    (["*.example.com"], "_wildcard.example.com"),
    (["xn--bcher-kva.de"], "xn--bcher-kva.de"),
    (["a.com\r\nSet-Cookie: x=y"], "a.com__Set-Cookie__x_y"),
    (['a";b'], "a__b"),
    (["bücher.de"], "b_cher.de"),
    (["a" * 300], "a" * 200),
    ([], "certificate"),
])
def test_a_download_name_is_safe_in_a_header(domains: list[str], base: str):
    cert: Any = SimpleNamespace(domains=domains)
    assert _base(cert) == base
