"""Hostile input to REST v1: each answered with a clear 400 VALIDATION_ERROR naming the field
(or the documented code: 401 for a wrong password, 404 for an id that is not there), never a
5xx, with nothing stored and no header split. Every parameter of every action is covered
(catalog.py lists them from the declarations behind the OpenAPI document).

A case that fails today is marked xfail(strict=True) with the finding in its reason: when
the code is fixed the case passes, strict makes that a failure, and the mark goes."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from app.rest.params import MAX_PARTS, Param
from models.certificate import Certificate
from tests.support.rest import PASSWORD, bearer
from tests.support.robustness import catalog
from tests.support.robustness.harness import (
    CERTS,
    DEEP,
    DOMAINS,
    SyncApp,
    Watch,
    assert_clean_headers,
    chunks,
)

_unique = itertools.count()


# Sending

def query_string(params: dict[str, Any]) -> str:
    """`params` percent-encoded as UTF-8, lists as repeated keys; a lone surrogate becomes
    the bytes ED A0 80 (not UTF-8): what a hostile client can put in a URL."""
    parts = []
    for key, value in params.items():
        for item in value if isinstance(value, list) else [value]:
            text = json.dumps(item) if isinstance(item, dict) else str(item)
            encoded = quote(text.encode("utf-8", "surrogatepass"), safe="")
            parts.append(f"{quote(key)}={encoded}")
    return "&".join(parts)


def send(app: SyncApp, call: catalog.Call, values: dict[str, Any],
         token: str | None = None) -> httpx.Response:
    """One call with `values` where the action reads each (JSON body, ensure_ascii so that
    lone surrogates travel as \\ud800 escapes)."""
    query = {"action": call.action} if call.action else {}
    body = {}
    for name, value in values.items():
        param = call.param(name)
        assert param is not None, (call.id, name)
        (query if call.where(param) == "query" else body)[name] = value
    url = call.path + (f"?{query_string(query)}" if query else "")
    headers = bearer(token or app.token) if call.auth else {}
    if call.method in {"GET", "DELETE"}:
        return app.call(call.method, url, headers=headers)
    return app.call(call.method, url, content=json.dumps(body).encode(),
                    headers={**headers, "Content-Type": "application/json"})


def owner_ids(app: SyncApp) -> dict[str, int]:
    assert app.seeded is not None
    return {"certificate": app.seeded.issued_id, "domain": app.seeded.domain_id,
            "notification": app.seeded.note_id, "dns_credential": app.seeded.dns_credential_id,
            "target": app.seeded.target_id}


def base_values(app: SyncApp, call: catalog.Call) -> dict[str, Any]:
    values = catalog.good_values(call, owner_ids(app), "example.com")
    if call.action == "register":  # a fresh address, or "already exists" hides the rest
        values["email"] = f"new{next(_unique)}@example.com"
    if call.action == "login":
        values["email"] = app.seeded.email if app.seeded else ""
    return values


def fields_of(response: httpx.Response) -> set[str]:
    error = response.json().get("error") or {}
    return set((error.get("details") or {}).get("fields") or {})


# Tokens the tests cannot have (verification, reset): any call with one is refused for it.
ALWAYS_REFUSED = {"token"}


def assert_refused_for(response: httpx.Response, call: catalog.Call, name: str) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "VALIDATION_ERROR", response.text
    named = fields_of(response)
    allowed = {name} | {p.name for p in call.params if p.name in ALWAYS_REFUSED}
    assert named and named <= allowed and (name in named or named <= ALWAYS_REFUSED), (
        f"{call.id}: refused for {named}, expected {name}: {response.text}")


# 1. SQL injection, NUL, lone surrogates, CR/LF in every text parameter

CRLF = "\r\nSet-Cookie: casp=owned"
TEXT_ATTACKS = {
    "sql-or": lambda good: "' OR 1=1 --",
    "sql-drop": lambda good: "'; DROP TABLE users; --",
    "sql-quote": lambda good: f"{good}' OR '1'='1",
    "nul": lambda good: f"{good}\x00",
    "surrogate": lambda good: f"{good}\ud800",  # JSON "\ud800": valid JSON, not Unicode
    "crlf": lambda good: f"{good}{CRLF}",
}
MARKERS = {"nul": ("\x00",), "surrogate": ("\ud800",), "crlf": ("Set-Cookie: casp",)}

KNOWN_TEXT: dict[tuple[str, str, str], Any] = {}

def _text_cases() -> Iterator[Any]:
    for call, param in catalog.string_params():
        for kind in TEXT_ATTACKS:
            marks = KNOWN_TEXT.get((call.id, param.name, kind), ())
            yield pytest.param(call, param, kind, marks=marks,
                               id=f"{call.id}-{param.name}-{kind}")


@pytest.mark.parametrize(("call", "param", "kind"), list(_text_cases()))
def test_hostile_text(shared_app: SyncApp, call: catalog.Call, param: Param, kind: str):
    app = shared_app
    values = base_values(app, call)
    good = catalog.good_value(call, param, owner_ids(app), "example.com")
    attack = TEXT_ATTACKS[kind]
    hostile = [attack(good[0])] if isinstance(good, list) else attack(good)
    values[param.name] = hostile
    watch = Watch(app, MARKERS.get(kind, ()))
    r = send(app, call, values)
    assert r.status_code < 500, r.text
    assert_clean_headers(r)
    if r.status_code == 400:
        assert_refused_for(r, call, param.name)
    else:
        assert r.status_code in {200, 201, 202, 401, 404}, r.text
    watch.assert_nothing_lost()
    if kind.startswith("sql") and call.id == "GET-certificates.php" and r.status_code == 200:
        assert r.json()["data"]["total"] == 0, r.text  # data, not SQL: matches nothing


def test_tables_intact_after_every_injection(shared_app: SyncApp):
    """Every SQL injection string in every text parameter, then: the same tables with at
    least the same rows, and the owner still logs in and sees their data."""
    app = shared_app
    before = app.counts()
    for call, param in catalog.string_params():
        for kind in ("sql-or", "sql-drop", "sql-quote"):
            values = base_values(app, call)
            good = catalog.good_value(call, param, owner_ids(app), "example.com")
            attack = TEXT_ATTACKS[kind]
            values[param.name] = [attack(good[0])] if isinstance(good, list) else attack(good)
            assert send(app, call, values).status_code < 500
    after = app.counts()
    assert set(after) == set(before)
    assert all(after[t] >= before[t] for t in before), (before, after)
    assert app.seeded is not None
    r = app.call("POST", "/api/v1/auth.php?action=login",
                 json={"email": app.seeded.email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    r = app.call("GET", CERTS, headers=bearer(app.token))
    assert r.json()["data"]["total"] >= 1


def test_an_injection_string_is_stored_as_plain_text(shared_app: SyncApp):
    name = "'; DROP TABLE users; --"
    email = f"bobby{next(_unique)}@example.com"
    r = shared_app.call("POST", "/api/v1/auth.php?action=register",
                        json={"email": email, "password": PASSWORD, "name": name})
    assert r.status_code == 200, r.text
    token = shared_app.call("POST", "/api/v1/auth.php?action=login", json={
        "email": email, "password": PASSWORD}).json()["data"]["token"]
    account = shared_app.call("GET", "/api/v1/account.php", headers=bearer(token))
    assert account.json()["data"]["name"] == name


# 2. Over-long text, too many items

def _long_cases() -> Iterator[Any]:
    for call, param in catalog.string_params():
        yield pytest.param(call, param, id=f"{call.id}-{param.name}")


@pytest.mark.parametrize(("call", "param"), list(_long_cases()))
@pytest.mark.parametrize("size", ["limit+1", "huge"])
def test_overlong(shared_app: SyncApp, call: catalog.Call, param: Param, size: str):
    app = shared_app
    values = base_values(app, call)
    huge = 20_000 if call.where(param) == "query" else 200_000  # httpx caps URLs at 64 KiB
    if param.type == "array":
        count = param.max_length + 1 if size == "limit+1" else 5_000
        values[param.name] = [f"n{i}.example.com" for i in range(count)]
    else:
        values[param.name] = "a" * (param.max_length + 1 if size == "limit+1" else huge)
    watch = Watch(app)
    r = send(app, call, values)
    assert_refused_for(r, call, param.name)
    assert_clean_headers(r)
    watch.assert_nothing_stored()


# 3. Wrong types

WRONG: dict[str, list[Any]] = {
    "string": [["x"], {"a": "x"}, 5, True],
    "name_or_code": [["x"], {"a": "x"}, True, 1.5],
    "integer": [{"id": 1}, [1], "abc", 1.5, True, "1e3", "0x10", "١٢"],
    "boolean": [[True], {"a": True}, "maybe", 2],
    "array": [{"a": "x"}, 5, [["x"]], [{"a": "x"}], [1], True],
    "object": ["not json", 5, ["x"], True, {"a": 5}, {"a": ["x"]}],
}
WRONG_IN_QUERY: dict[str, list[Any]] = {  # what a query string can carry
    "string": [["a", "b"]], "name_or_code": [["a", "b"]],
    "integer": ["abc", "1.5", "1e3", "0x10", ["1", "2"], "", " ", "1 2", "١٢"],
    "boolean": ["maybe", ["true", "false"]], "array": [], "object": [],
}


def _value_id(value: Any) -> str:
    names = {"١٢": "arabic-indic-digits", "": "empty", " ": "blank", "1 2": "two-numbers"}
    if isinstance(value, str):
        return names.get(value, f"str-{value}")
    return {list: "array", dict: "object", bool: "bool", float: "float", int: "int"}[
        type(value)] + ("-of-arrays" if value == [["x"]] else "-of-objects"
                        if value == [{"a": "x"}] else "-of-ints" if value == [1] else "")


def _type_cases() -> Iterator[Any]:
    for call in catalog.calls():
        for param in call.params:
            table = WRONG_IN_QUERY if call.where(param) == "query" else WRONG
            for value in table[param.type]:
                yield pytest.param(call, param, value,
                                   id=f"{call.id}-{param.name}-{_value_id(value)}")


@pytest.mark.parametrize(("call", "param", "value"), list(_type_cases()))
def test_wrong_type(shared_app: SyncApp, call: catalog.Call, param: Param, value: Any):
    app = shared_app
    values = base_values(app, call)
    values[param.name] = value
    watch = Watch(app)
    r = send(app, call, values)
    assert_refused_for(r, call, param.name)
    assert_clean_headers(r)
    watch.assert_nothing_stored()


# 4. Numbers out of range

PG_INT32: tuple[()] = ()  # fixed: ids over 2**31-1 are not found, on PostgreSQL too


def _range_cases() -> Iterator[Any]:
    for call in catalog.calls():
        for param in call.params:
            if call.action == "mark-read":  # "a notification id, or all": digits or "all"
                for value in (-1, 2**70, 10**20, "1.0", "+1"):
                    yield pytest.param(call, param, value, 400, id=f"{call.id}-id-{value}")
                yield pytest.param(call, param, 0, 404, id=f"{call.id}-id-0")
                for value in (2**31, 2**53 + 1, "999999999999999999"):
                    yield pytest.param(call, param, value, 404, id=f"{call.id}-id-{value}",
                                       marks=PG_INT32)
            elif param.name == "id":
                for value in (0, -1, 2**70, 10**20, 2**53 + 1):
                    yield pytest.param(call, param, value, 400,
                                       id=f"{call.id}-id-{value}")
                for value in (2**31, 2**53 - 1):  # unknown ids: as any other unknown id
                    yield pytest.param(call, param, value, 404, id=f"{call.id}-id-{value}",
                                       marks=PG_INT32)
            elif param.name in {"page", "per_page"}:
                for value in (0, -1, 10**20, 2**70):
                    yield pytest.param(call, param, value, 400,
                                       id=f"{call.id}-{param.name}-{value}")
    certs = next(c for c in catalog.calls() if c.id == "GET-certificates.php")
    yield pytest.param(certs, certs.param("per_page"), 101, 400, id="per_page-101")


@pytest.mark.parametrize(("call", "param", "value", "status"), list(_range_cases()))
def test_number_out_of_range(shared_app: SyncApp, call: catalog.Call, param: Param,
                             value: Any, status: int):
    app = shared_app
    values = base_values(app, call)
    values[param.name] = value
    watch = Watch(app)
    r = send(app, call, values)
    if status == 400:
        assert_refused_for(r, call, param.name)
    else:
        assert r.status_code == status, r.text
        assert r.json()["error"]["code"] == "NOT_FOUND"
    watch.assert_nothing_stored()


def test_a_page_past_the_end_is_empty(shared_app: SyncApp):
    for path in (CERTS, "/api/v1/notifications.php"):
        key = "certificates" if path == CERTS else "notifications"
        r = shared_app.call("GET", path, params={"page": 1000, "per_page": 100},
                            headers=bearer(shared_app.token))
        assert r.status_code == 200, r.text
        data = r.json()["data"]
        assert data["page"] == 1000 and data[key] == [] and data["total"] >= 1
        # far past it: an empty page too, or refused naming page; never a 5xx
        r = shared_app.call("GET", path, params={"page": 2**53, "per_page": 100},
                            headers=bearer(shared_app.token))
        if r.status_code == 200:
            assert r.json()["data"][key] == []
        else:
            assert fields_of(r) == {"page"}, r.text


# 5. Bodies: too large (declared or chunked), too deep, not UTF-8, not what they claim

POSTS = [c for c in catalog.calls() if c.method == "POST"]


@pytest.mark.parametrize("call", POSTS, ids=[c.id for c in POSTS])
@pytest.mark.parametrize("how", ["content-length", "chunked"])
def test_a_body_over_the_limit(shared_app: SyncApp, call: catalog.Call, how: str):
    app = shared_app
    limit = app.settings.max_body_bytes
    body = b'{"domain": "' + b"a" * limit + b'"}'
    content = body if how == "content-length" else chunks(body)
    query = f"?action={call.action}" if call.action else ""
    watch = Watch(app)
    r = app.call("POST", call.path + query, content=content,
                 headers={**bearer(app.token), "Content-Type": "application/json"})
    assert how == "content-length" or "content-length" not in r.request.headers
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "VALIDATION_ERROR"
    assert str(limit) in r.json()["error"]["message"]
    watch.assert_nothing_stored()




@pytest.mark.parametrize(("content_type", "body"), [
    pytest.param("application/json", DEEP, id="json-array"),
    pytest.param("application/json", b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
                 id="json-object"),
    pytest.param("application/json", b'{"domain": ' + DEEP + b"}", id="json-field"),
    pytest.param("application/x-www-form-urlencoded", b"domain=" + DEEP, id="form-field"),
])
def test_deep_json(shared_app: SyncApp, content_type: str, body: bytes):
    watch = Watch(shared_app)
    r = shared_app.call("POST", DOMAINS, content=body,
                        headers={**bearer(shared_app.token), "Content-Type": content_type})
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "VALIDATION_ERROR"
    watch.assert_nothing_stored()


def test_deep_json_inside_a_form_array_field(shared_app: SyncApp):
    watch = Watch(shared_app)
    r = shared_app.call("POST", CERTS, content=b"ca_provider=letsencrypt&domains=" + DEEP,
                        headers={**bearer(shared_app.token),
                                 "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400, r.text
    assert fields_of(r) == {"domains"}, r.text
    watch.assert_nothing_stored()


@pytest.mark.parametrize(("content_type", "body"), [
    pytest.param("application/json", b'{"domain": "\xff\xfe.example.com"}', id="json"),
    pytest.param("application/json", b'{"domain": "\xed\xa0\x80.example.com"}',
                 id="json-utf8-surrogate"),
    pytest.param("application/x-www-form-urlencoded", b"domain=\xff.example.com", id="form"),
    pytest.param("application/x-www-form-urlencoded", b"domain=%ff.example.com",
                 id="form-percent"),
    pytest.param("text/plain", b"domain=\xc3\x28.example.com", id="no-type"),
])
def test_a_body_that_is_not_utf8(shared_app: SyncApp, content_type: str, body: bytes):
    watch = Watch(shared_app)
    r = shared_app.call("POST", DOMAINS, content=body,
                        headers={**bearer(shared_app.token), "Content-Type": content_type})
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "VALIDATION_ERROR"
    watch.assert_nothing_stored()


@pytest.mark.parametrize("content_type", [
    "multipart/form-data; boundary=B",
    "multipart/form-data; boundary=B; charset=latin-1",  # bodies are UTF-8, as JSON and forms
])
@pytest.mark.parametrize("value", [b"\xff\xfe.example.com", b"\xed\xa0\x80.example.com"],
                         ids=["latin-1", "utf8-surrogate"])
def test_a_multipart_field_that_is_not_utf8(shared_app: SyncApp, content_type: str,
                                            value: bytes):
    body = (b"--B\r\nContent-Disposition: form-data; name=\"domain\"\r\n\r\n"
            + value + b"\r\n--B--\r\n")
    watch = Watch(shared_app)
    r = shared_app.call("POST", DOMAINS, content=body, headers={
        **bearer(shared_app.token), "Content-Type": content_type})
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "VALIDATION_ERROR"
    assert r.json()["error"]["message"] == "the request body is not valid UTF-8"
    watch.assert_nothing_stored()


def test_a_multipart_field_in_utf8_is_read(shared_app: SyncApp):
    """The refusal above is about the bytes: a UTF-8 name (an IDN) is read as such."""
    body = ("--B\r\nContent-Disposition: form-data; name=\"domain\"\r\n\r\n"
            "bücher-multipart.de\r\n--B--\r\n").encode()
    r = shared_app.call("POST", DOMAINS, content=body, headers={
        **bearer(shared_app.token), "Content-Type": "multipart/form-data; boundary=B"})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["domain"] == "xn--bcher-multipart-zvb.de"
    r = shared_app.call("DELETE", DOMAINS, params={"id": r.json()["data"]["id"]},
                        headers=bearer(shared_app.token))
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("body", [
    b"--B\r\ngarbage", b"--B\r\nContent-Disposition: form-data; name=\"\xff\"\r\n\r\nx\r\n--B--",
    b"",
    b"--B\r\nContent-Disposition: form-data; name=\"domain\"\r\n\r\nexample.com\r\n",
    b"--B\r\nContent-Type: text/plain\r\n\r\nexample.com\r\n--B--\r\n",
], ids=["truncated", "name-not-utf8", "empty", "no-closing-boundary", "no-name"])
@pytest.mark.parametrize("content_type", ["multipart/form-data; boundary=B",
                                          "multipart/form-data"])
def test_a_broken_multipart_body(shared_app: SyncApp, body: bytes, content_type: str):
    watch = Watch(shared_app)
    r = shared_app.call("POST", DOMAINS, content=body, headers={
        **bearer(shared_app.token), "Content-Type": content_type})
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "VALIDATION_ERROR"
    watch.assert_nothing_stored()


@pytest.mark.parametrize(("url", "status"), [
    (f"{CERTS}?search=%ff%fe", 200),  # data: decoded with U+FFFD, matches nothing
    (f"{CERTS}?search=%ed%a0%80", 200),
    (f"{CERTS}?%ff=1", 200),  # an unknown (undecodable) key: ignored
    (f"{CERTS}?id=%ff", 400),
    (f"{CERTS}?status=%ff", 400),
    (f"{CERTS}?action=%ff", 404),  # an unknown action
    (f"{DOMAINS}?id=1%00", 400),
])
def test_a_query_string_that_is_not_utf8(shared_app: SyncApp, url: str, status: int):
    r = shared_app.call("GET", url, headers=bearer(shared_app.token))
    assert r.status_code == status, r.text
    assert_clean_headers(r)
    if "search" in url:
        assert r.json()["data"]["total"] == 0


# 6. Header injection: nothing a client sends comes back as a header line

@pytest.mark.parametrize("value", [
    "evil.example.com\r\nSet-Cookie: casp=owned", "evil.example.com\nX-Injected: 1",
    "evil.example.com%0d%0aSet-Cookie:casp=owned", "evil.example.com\u2028X: 1",
])
def test_crlf_in_a_domain_is_refused(shared_app: SyncApp, value: str):
    watch = Watch(shared_app, ("Set-Cookie", "X-Injected"))
    r = shared_app.call("POST", DOMAINS, json={"domain": value},
                        headers=bearer(shared_app.token))
    assert_refused_for(r, next(c for c in catalog.calls() if c.id == "POST-domains.php"),
                       "domain")
    assert_clean_headers(r)
    watch.assert_nothing_stored()


@pytest.mark.parametrize("where", ["action", "id", "format", "unknown"])
def test_crlf_in_the_query_is_never_a_header(shared_app: SyncApp, where: str):
    url = f"{CERTS}?action=download&id=1&format=pem"
    url = url.replace(f"{where}=", f"{where}=x%0d%0aSet-Cookie:%20casp=owned%0d%0a")
    if where == "unknown":
        url += "&x=%0d%0aSet-Cookie:%20a=b"
    r = shared_app.call("GET", url, headers=bearer(shared_app.token))
    assert r.status_code < 500
    assert_clean_headers(r)


def test_a_download_names_its_file_after_the_normalised_name(shared_app: SyncApp):
    assert shared_app.seeded is not None
    r = shared_app.call("GET", CERTS, headers=bearer(shared_app.token), params={
        "action": "download", "id": shared_app.seeded.issued_id, "format": "pem"})
    assert r.status_code == 200
    assert r.headers["content-disposition"] == 'attachment; filename="example.com.pem"'
    assert_clean_headers(r)


@pytest.mark.parametrize(("stored", "filename"), [
    ("evil.example.com\r\nSet-Cookie: casp=owned", "evil.example.com__Set-Cookie__casp_owned"),
    ('a"; filename="b.exe', "a___filename__b.exe"),
    ("bücher.de\\..\\x", "b_cher.de_.._x"),
    ("*.example.com", "_wildcard.example.com"),
    ("a" * 300, "a" * 200),
])
def test_a_download_filename_cannot_split_headers(shared_app: SyncApp, stored: str,
                                                  filename: str):
    """Names are normalised on input; whatever is stored, the file name keeps to letters,
    digits, '.', '-' and '_' (hardening: a stored CR/LF would split the header)."""
    app = shared_app
    assert app.seeded is not None
    cert_id = app.seeded.issued_id
    original = app.run(Certificate.get(id=cert_id)).domains
    app.run(Certificate.filter(id=cert_id).update(domains=[stored, *original]))
    try:
        r = app.call("GET", CERTS, headers=bearer(app.token),
                     params={"action": "download", "id": cert_id, "format": "pem"})
        assert r.status_code == 200
        assert_clean_headers(r)
        assert r.headers["content-disposition"] == f'attachment; filename="{filename}.pem"'
    finally:
        app.run(Certificate.filter(id=cert_id).update(domains=original))


# 7. IDN homographs: refused; other IDNs normalised to punycode, never stored raw

@pytest.mark.parametrize(("typed", "why"), [
    ("аpple.com", "'аpple' mixes Cyrillic and Latin"),  # Cyrillic а, the rest Latin
    ("pаypal.com", "'pаypal' mixes Cyrillic and Latin"),
    ("exаmple.com.", "'exаmple' mixes Cyrillic and Latin"),
    ("xn--pple-43d.com", "'аpple' mixes Cyrillic and Latin"),  # the same, typed as punycode
    ("www.gοοgle.com", "'gοοgle' mixes Greek and Latin"),  # Greek omicrons
    ("аррӏе.com", "'аррӏе' is Cyrillic letters that read as Latin"),  # whole-script
    ("www.сосо.com", "'сосо' is Cyrillic letters that read as Latin"),
])
def test_an_idn_homograph_is_refused(shared_app: SyncApp, typed: str, why: str):
    watch = Watch(shared_app)
    for call in ({"domain": typed}, None):
        if call is None:  # a certificate request naming it is refused the same way
            r = shared_app.call("POST", CERTS, headers=bearer(shared_app.token), json={
                "ca_provider": "letsencrypt", "domains": [typed]})
            field = "domains"
        else:
            r = shared_app.call("POST", DOMAINS, json=call, headers=bearer(shared_app.token))
            field = "domain"
        assert r.status_code == 400, r.text
        assert r.json()["error"]["code"] == "VALIDATION_ERROR"
        assert fields_of(r) == {field}
        assert why in r.json()["error"]["message"] and "homograph" in r.json()["error"]["message"]
    watch.assert_nothing_stored()


@pytest.mark.parametrize(("typed", "stored"), [
    ("а.рф", "xn--80a.xn--p1ai"),  # all Cyrillic, Cyrillic top-level label
    ("москва.com", "xn--80adxhks.com"),  # Cyrillic that does not read as Latin
    ("日本語ドメイン.jp", "xn--eckwd4c7c5976acvb2w6i.jp"),  # Han and Katakana: Japanese
    ("παράδειγμα.gr", "xn--hxajbheg2az3al.gr"),
    ("APPLE.com", "apple.com"),
    ("bücher.de", "xn--bcher-kva.de"),
    ("ｆｕｌｌｗｉｄｔｈ.com", "fullwidth.com"),  # UTS 46 maps full-width to ASCII
    ("zero\u200bwidth.com", "zerowidth.com"),  # UTS 46 drops the zero-width space
    ("soft\u00adhyphen.com", "softhyphen.com"),
])
def test_an_idn_is_stored_as_punycode(shared_app: SyncApp, typed: str, stored: str):
    r = shared_app.call("POST", DOMAINS, json={"domain": typed},
                        headers=bearer(shared_app.token))
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["domain"] == stored and data["domain"].isascii()
    shown = shared_app.call("GET", DOMAINS, params={"id": data["id"]},
                            headers=bearer(shared_app.token)).json()["data"]
    assert shown["domain"] == stored
    r = shared_app.call("DELETE", DOMAINS, params={"id": data["id"]},
                        headers=bearer(shared_app.token))
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("typed", [
    "\u202eexample.com",  # right-to-left override
    "exa\u0000mple.com", "exa mple.com", "xn--zzzzzzz-.com", "ex\u0301.com\u0000",
    "\U0001f600.com", "*.example.com", "192.0.2.1", "co.uk", "a" * 64 + ".com",
])
def test_a_name_that_is_not_a_host_name_is_refused(shared_app: SyncApp, typed: str):
    watch = Watch(shared_app)
    r = shared_app.call("POST", DOMAINS, json={"domain": typed},
                        headers=bearer(shared_app.token))
    assert r.status_code == 400, r.text
    assert fields_of(r) == {"domain"}
    watch.assert_nothing_stored()


# 8. A 10,000-name certificate request

NAMES = [f"n{i}.example.com" for i in range(10_000)]
REQUEST_CALL = next(c for c in catalog.calls() if c.id == "POST-certificates.php")
FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize("variant", [
    "json", "json-150", "json-duplicates", "json-in-a-form-field",
    "form-repeated", "form-php", "form-201", "multipart", "multipart-201",
])
def test_a_request_for_10000_names(shared_app: SyncApp, variant: str):
    kwargs: dict[str, Any] = {
        "json": {"json": {"ca_provider": "letsencrypt", "domains": NAMES}},
        "json-150": {"json": {"ca_provider": "letsencrypt", "domains": NAMES[:150]}},
        "json-duplicates": {"json": {"ca_provider": "letsencrypt",
                                     "domains": ["example.com"] * 10_000}},
        "json-in-a-form-field": {"data": {"ca_provider": "letsencrypt",
                                          "domains": json.dumps(NAMES)}},
        "form-repeated": {"data": {"ca_provider": "letsencrypt", "domains": NAMES}},
        "form-php": {"content": ("ca_provider=letsencrypt&" + "&".join(
            f"domains[]={n}" for n in NAMES)).encode(), "headers": {"Content-Type": FORM}},
        "form-201": {"data": {"ca_provider": "letsencrypt", "domains": NAMES[:201]}},
        "multipart": {"data": {"ca_provider": "letsencrypt", "domains": NAMES[:2000]},
                      "files": {"f": ("f.txt", b"x")}},
        "multipart-201": {"data": {"ca_provider": "letsencrypt", "domains": NAMES[:201]},
                          "files": {"f": ("f.txt", b"x")}},
    }[variant]
    headers = {**bearer(shared_app.token), **kwargs.pop("headers", {})}
    watch = Watch(shared_app)
    r = shared_app.call("POST", CERTS, headers=headers, **kwargs)
    watch.assert_nothing_stored()
    assert_refused_for(r, REQUEST_CALL, "domains")


@pytest.mark.parametrize("how", ["form", "multipart"])
def test_a_body_of_too_many_fields_is_refused_as_a_whole(shared_app: SyncApp, how: str):
    """Past MAX_PARTS fields of different names there is no one field to name."""
    fields = {"ca_provider": "letsencrypt", "domains": "example.com",
              **{f"f{i}": "x" for i in range(MAX_PARTS)}}
    kwargs: dict[str, Any] = {"data": fields}
    if how == "multipart":
        kwargs["files"] = {"f": ("f.txt", b"x")}
    watch = Watch(shared_app)
    r = shared_app.call("POST", CERTS, headers=bearer(shared_app.token), **kwargs)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "VALIDATION_ERROR"
    assert f"more than {MAX_PARTS} fields" in r.json()["error"]["message"]
    watch.assert_nothing_stored()


@pytest.mark.parametrize("how", ["form", "multipart"])
def test_repeated_fields_past_the_body_limit(shared_app: SyncApp, how: str):
    """The body size limit still comes first, however the fields are sent."""
    limit = shared_app.settings.max_body_bytes
    names = [f"n{i}.example.com" for i in range(limit // 20)]
    kwargs: dict[str, Any] = {"data": {"ca_provider": "letsencrypt", "domains": names}}
    if how == "multipart":
        kwargs["files"] = {"f": ("f.txt", b"x")}
    watch = Watch(shared_app)
    r = shared_app.call("POST", CERTS, headers=bearer(shared_app.token), **kwargs)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "VALIDATION_ERROR"
    assert str(limit) in r.json()["error"]["message"]
    watch.assert_nothing_stored()
