"""certificates.php without issuance: the request's input rules, the list and its filters,
and what a certificate that is not issued yet refuses (download, revoke)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.clock import ManualClock
from app.config import Settings
from models.certificate import Certificate
from models.job import Job
from tests.support.app import OfflineAcme, quiet_settings, running
from tests.support.rest import assert_error, request, user

URL = "/api/v1/certificates.php"
DOMAINS = "/api/v1/domains.php"
SIX = ("letsencrypt", "zerossl", "litessl", "buypass", "google", "sslcom")
RECORD = {"id", "domains", "ca_provider", "challenge_type", "key_type", "status", "issued_at",
          "expires_at", "serial", "fingerprint_sha256", "issuer", "auto_renew", "last_error",
          "dns_records", "certificate_pem", "chain_pem"}
Headers = dict[str, str]


@pytest.fixture
async def me(quiet: httpx.AsyncClient) -> Headers:
    return await user(quiet, "user@example.com", "example.com", "example.org")


def field_error(response: httpx.Response, field: str, status: int = 400,
                code: str = "VALIDATION_ERROR") -> str:
    error = assert_error(response, status, code)
    assert field in error["details"]["fields"], error
    return str(error["details"]["fields"][field])


async def post(client: httpx.AsyncClient, headers: Headers, **body: Any) -> httpx.Response:
    return await client.post(URL, headers=headers, json=body)


async def count(client: httpx.AsyncClient, headers: Headers) -> int:
    return int((await client.get(URL, headers=headers)).json()["data"]["total"])


# POST: the answer and its defaults

async def test_request_answers_201_with_the_pending_record(quiet: httpx.AsyncClient,
                                                           me: Headers):
    r = await post(quiet, me, ca_provider="letsencrypt", domains=["www.example.com"])
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["success"] is True and body["message"]
    data = body["data"]
    assert RECORD <= set(data)
    assert isinstance(data["id"], int)
    assert data["domains"] == ["www.example.com"]
    assert data["ca_provider"] == "letsencrypt"
    assert data["status"] == "pending"
    assert data["key_type"] == "ec-256"
    assert data["challenge_type"] == "dns-01"
    assert data["auto_renew"] is True
    for empty in ("issued_at", "expires_at", "serial", "fingerprint_sha256", "issuer",
                  "last_error", "certificate_pem", "chain_pem"):
        assert data[empty] is None, empty
    assert not any("key" in k and k != "key_type" for k in data), data
    assert await Job.filter(kind="issue", key=f"issue:{data['id']}", status="queued").exists()


async def test_request_with_every_choice(quiet: httpx.AsyncClient, me: Headers):
    data = await request(quiet, me, "example.com", "www.example.com",
                         ca_provider="zerossl", challenge_type="http-01", key_type="rsa-3072",
                         auto_renew=False)
    assert data["ca_provider"] == "zerossl"
    assert data["challenge_type"] == "http-01"
    assert data["key_type"] == "rsa-3072"
    assert data["auto_renew"] is False
    assert data["domains"] == ["example.com", "www.example.com"]
    shown = (await quiet.get(URL, headers=me, params={"id": data["id"]})).json()["data"]
    assert {k: shown[k] for k in RECORD} == {k: data[k] for k in RECORD}


async def test_a_stored_key_is_never_shown(quiet: httpx.AsyncClient, me: Headers):
    data = await request(quiet, me, "example.com")
    secret = "-----BEGIN PRIVATE KEY-----\nNOT-FOR-CLIENTS\n-----END PRIVATE KEY-----\n"
    await Certificate.filter(id=data["id"]).update(key_encrypted=secret, csr_pem="CSR")
    for r in (await quiet.get(URL, headers=me, params={"id": data["id"]}),
              await quiet.get(URL, headers=me)):
        assert r.status_code == 200
        assert "NOT-FOR-CLIENTS" not in r.text and "PRIVATE KEY" not in r.text


@pytest.mark.parametrize("key_type", ["ec-256", "ec-384", "rsa-2048", "rsa-3072", "rsa-4096"])
async def test_each_key_type(quiet: httpx.AsyncClient, me: Headers, key_type: str):
    assert (await request(quiet, me, "example.com", key_type=key_type))["key_type"] == key_type


# POST: the form body

async def test_form_body_with_php_style_repeated_domains(quiet: httpx.AsyncClient,
                                                         me: Headers):
    content = ("ca_provider=letsencrypt&domains[]=example.com&domains[]=www.example.com"
               "&domains[]=WWW.Example.com.&challenge_type=http-01&auto_renew=0")
    r = await quiet.post(URL, headers=me | {"Content-Type": "application/x-www-form-urlencoded"},
                         content=content)
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    assert data["domains"] == ["example.com", "www.example.com"]
    assert data["challenge_type"] == "http-01"
    assert data["auto_renew"] is False


async def test_form_body_with_a_single_php_style_domain(quiet: httpx.AsyncClient,
                                                        me: Headers):
    r = await quiet.post(URL, headers=me,
                         data={"ca_provider": "letsencrypt", "domains[]": "example.org"})
    assert r.status_code == 201, r.text
    assert r.json()["data"]["domains"] == ["example.org"]


def multipart(fields: list[tuple[str, str]]) -> tuple[dict[str, str], bytes]:
    """A multipart/form-data body of plain fields (no file parts)."""
    boundary = "casp-test-boundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
             f"{value}\r\n" for name, value in fields]
    body = "".join(parts) + f"--{boundary}--\r\n"
    return {"Content-Type": f"multipart/form-data; boundary={boundary}"}, body.encode()


async def test_multipart_body_with_one_domain(quiet: httpx.AsyncClient, me: Headers):
    headers, body = multipart([("ca_provider", "letsencrypt"), ("domains[]", "Example.com"),
                               ("key_type", "rsa-2048")])
    r = await quiet.post(URL, headers=me | headers, content=body)
    assert r.status_code == 201, r.text
    assert r.json()["data"]["domains"] == ["example.com"]
    assert r.json()["data"]["key_type"] == "rsa-2048"


async def test_multipart_body_with_repeated_domains(quiet: httpx.AsyncClient, me: Headers):
    headers, body = multipart([("ca_provider", "letsencrypt"), ("domains[]", "example.com"),
                               ("domains[]", "a.example.com")])
    r = await quiet.post(URL, headers=me | headers, content=body)
    assert r.status_code == 201, r.text
    assert r.json()["data"]["domains"] == ["example.com", "a.example.com"]


# POST: refusals

async def test_unknown_ca_lists_the_valid_ones(quiet: httpx.AsyncClient, me: Headers):
    for ca in ("digicert", "LETSENCRYPT", "lets-encrypt"):
        message = field_error(await post(quiet, me, ca_provider=ca, domains=["example.com"]),
                              "ca_provider")
        assert all(name in message for name in SIX), message
    assert await count(quiet, me) == 0


async def test_the_ca_is_required(quiet: httpx.AsyncClient, me: Headers):
    for body in ({"domains": ["example.com"]}, {"ca_provider": "", "domains": ["example.com"]}):
        message = field_error(await quiet.post(URL, headers=me, json=body), "ca_provider")
        assert "required" in message or all(name in message for name in SIX), message


async def test_buypass_is_refused_unless_its_directory_is_overridden(
        quiet: httpx.AsyncClient, me: Headers):
    message = field_error(await post(quiet, me, ca_provider="buypass", domains=["example.com"]),
                          "ca_provider")
    assert "October 2025" in message
    assert await count(quiet, me) == 0


async def test_buypass_with_an_overridden_directory(settings: Settings, clock: ManualClock):
    url = "https://buypass.mirror.test/acme/directory"
    changed = quiet_settings(settings, ca_directories={"buypass": url})
    async with running(changed, clock, acme=OfflineAcme()) as c:
        headers = await user(c, "user@example.com", "example.com")
        data = await request(c, headers, "example.com", ca_provider="buypass")
        assert data["ca_provider"] == "buypass" and data["status"] == "pending"
        stored = await Certificate.get(id=data["id"])
        assert stored.directory_url == url


async def test_a_ca_that_needs_eab_is_refused_without_it(quiet: httpx.AsyncClient,
                                                         me: Headers):
    for ca in ("google", "litessl", "sslcom"):
        message = field_error(await post(quiet, me, ca_provider=ca, domains=["example.com"]),
                              "ca_provider")
        assert "External Account Binding" in message
    assert await count(quiet, me) == 0


@pytest.mark.parametrize("body", [{}, {"domains": []}, {"domains": ""}, {"domains": None}])
async def test_domains_are_required(quiet: httpx.AsyncClient, me: Headers,
                                    body: dict[str, Any]):
    r = await quiet.post(URL, headers=me, json={"ca_provider": "letsencrypt"} | body)
    field_error(r, "domains")


@pytest.mark.parametrize("domains", [[7], ["example.com", None], [["example.com"]],
                                     {"a": "example.com"}])
async def test_domains_must_be_strings(quiet: httpx.AsyncClient, me: Headers, domains: Any):
    field_error(await post(quiet, me, ca_provider="letsencrypt", domains=domains), "domains")


async def test_at_most_100_distinct_names(quiet: httpx.AsyncClient, me: Headers):
    names = [f"n{i}.example.com" for i in range(101)]
    message = field_error(await post(quiet, me, ca_provider="letsencrypt", domains=names),
                          "domains")
    assert "100" in message
    assert await count(quiet, me) == 0
    data = await request(quiet, me, *names[:100])
    assert len(data["domains"]) == 100


async def test_duplicates_count_once(quiet: httpx.AsyncClient, me: Headers):
    names = [f"n{i}.example.com" for i in range(100)]
    spelled = [n.upper() + "." for n in names]
    data = await request(quiet, me, *names, *spelled)
    assert data["domains"] == names


async def test_over_200_entries_are_refused_before_any_work(quiet: httpx.AsyncClient,
                                                           me: Headers):
    field_error(await post(quiet, me, ca_provider="letsencrypt",
                           domains=["example.com"] * 201), "domains")


async def test_duplicates_are_folded(quiet: httpx.AsyncClient, me: Headers):
    data = await request(quiet, me, "A.example.com", "a.example.com.", "a.example.com",
                         "Bücher.example.com", "xn--bcher-kva.example.com")
    assert data["domains"] == ["a.example.com", "xn--bcher-kva.example.com"]


@pytest.mark.parametrize("name", ["example.net", "notexample.com", "com", "192.0.2.1",
                                  "a..example.com", ""])
async def test_every_name_must_be_valid_and_under_ones_domains(quiet: httpx.AsyncClient,
                                                               me: Headers, name: str):
    r = await post(quiet, me, ca_provider="letsencrypt", domains=["example.com", name])
    field_error(r, "domains")
    assert await count(quiet, me) == 0


async def test_a_name_under_no_domain_is_named(quiet: httpx.AsyncClient, me: Headers):
    r = await post(quiet, me, ca_provider="letsencrypt", domains=["www.example.net"])
    assert "www.example.net" in field_error(r, "domains")


async def test_another_users_domain_is_not_usable(quiet: httpx.AsyncClient, me: Headers):
    other = await user(quiet, "other@example.com", "other.example.net")
    await request(quiet, other, "other.example.net")
    field_error(await post(quiet, me, ca_provider="letsencrypt",
                           domains=["other.example.net"]), "domains")


async def test_a_wildcard_needs_dns01(quiet: httpx.AsyncClient, me: Headers):
    r = await post(quiet, me, ca_provider="letsencrypt", domains=["*.example.com"],
                   challenge_type="http-01")
    assert "dns-01" in field_error(r, "domains")
    assert await count(quiet, me) == 0
    data = await request(quiet, me, "*.Example.com", "example.com", challenge_type="dns-01")
    assert data["domains"] == ["*.example.com", "example.com"]
    assert data["challenge_type"] == "dns-01"
    default = await request(quiet, me, "*.example.org")
    assert default["challenge_type"] == "dns-01"


@pytest.mark.parametrize("value", ["dns", "tls-alpn-01", "DNS-01", 1])
async def test_bad_challenge_type(quiet: httpx.AsyncClient, me: Headers, value: Any):
    r = await post(quiet, me, ca_provider="letsencrypt", domains=["example.com"],
                   challenge_type=value)
    field_error(r, "challenge_type")


@pytest.mark.parametrize("value", ["ec-521", "rsa-1024", "EC-256", "ed25519", 256])
async def test_bad_key_type(quiet: httpx.AsyncClient, me: Headers, value: Any):
    r = await post(quiet, me, ca_provider="letsencrypt", domains=["example.com"],
                   key_type=value)
    field_error(r, "key_type")


async def test_bad_auto_renew(quiet: httpx.AsyncClient, me: Headers):
    r = await post(quiet, me, ca_provider="letsencrypt", domains=["example.com"],
                   auto_renew="maybe")
    field_error(r, "auto_renew")


# GET: the list

async def test_list_newest_first_with_paging(quiet: httpx.AsyncClient, me: Headers,
                                             clock: ManualClock):
    ids = []
    for i in range(5):
        ids.append((await request(quiet, me, f"n{i}.example.com"))["id"])
        clock.advance(minutes=1)
    r = await quiet.get(URL, headers=me)
    assert r.status_code == 200
    data = r.json()["data"]
    assert [c["id"] for c in data["certificates"]] == ids[::-1]
    assert (data["total"], data["page"], data["per_page"], data["pages"]) == (5, 1, 20, 1)
    page2 = (await quiet.get(URL, headers=me, params={"per_page": 2, "page": 2})).json()["data"]
    assert [c["id"] for c in page2["certificates"]] == ids[::-1][2:4]
    assert (page2["total"], page2["page"], page2["per_page"], page2["pages"]) == (5, 2, 2, 3)
    last = (await quiet.get(URL, headers=me, params={"per_page": "2", "page": "3"})).json()
    assert [c["id"] for c in last["data"]["certificates"]] == [ids[0]]
    beyond = (await quiet.get(URL, headers=me, params={"page": 9})).json()["data"]
    assert beyond["certificates"] == [] and beyond["total"] == 5


async def test_list_items(quiet: httpx.AsyncClient, me: Headers):
    made = await request(quiet, me, "example.com")
    item = (await quiet.get(URL, headers=me)).json()["data"]["certificates"][0]
    assert item["id"] == made["id"] and item["domains"] == ["example.com"]
    assert item["status"] == "pending" and item["ca_provider"] == "letsencrypt"
    assert "key_encrypted" not in item


async def test_same_time_still_newest_first(quiet: httpx.AsyncClient, me: Headers):
    ids = [(await request(quiet, me, f"n{i}.example.com"))["id"] for i in range(3)]
    data = (await quiet.get(URL, headers=me)).json()["data"]
    assert [c["id"] for c in data["certificates"]] == ids[::-1]


async def test_default_page_size_is_20(quiet: httpx.AsyncClient, me: Headers):
    for i in range(21):
        if i == 20:  # past the pending quota (20): the first ones have failed meanwhile
            await Certificate.all().update(status="failed")
        await request(quiet, me, f"n{i}.example.com")
    data = (await quiet.get(URL, headers=me)).json()["data"]
    assert len(data["certificates"]) == 20
    assert (data["total"], data["page"], data["per_page"], data["pages"]) == (21, 1, 20, 2)
    big = (await quiet.get(URL, headers=me, params={"per_page": 100})).json()["data"]
    assert len(big["certificates"]) == 21 and big["pages"] == 1


async def test_empty_list(quiet: httpx.AsyncClient, me: Headers):
    data = (await quiet.get(URL, headers=me)).json()["data"]
    assert data == {"certificates": [], "total": 0, "page": 1, "per_page": 20, "pages": 1}


@pytest.mark.parametrize(("params", "field"), [
    ({"per_page": 101}, "per_page"), ({"per_page": 0}, "per_page"),
    ({"per_page": "x"}, "per_page"), ({"page": 0}, "page"), ({"page": "-1"}, "page"),
    ({"status": "done"}, "status"), ({"ca_provider": "digicert"}, "ca_provider")])
async def test_bad_list_parameters(quiet: httpx.AsyncClient, me: Headers,
                                   params: dict[str, Any], field: str):
    field_error(await quiet.get(URL, headers=me, params=params), field)


async def test_filters(quiet: httpx.AsyncClient, me: Headers):
    a = await request(quiet, me, "shop.example.com", "www.shop.example.com")
    b = await request(quiet, me, "example.org", ca_provider="zerossl")
    c = await request(quiet, me, "mail.example.com")
    await Certificate.filter(id=a["id"]).update(status="issued")
    await Certificate.filter(id=b["id"]).update(status="failed")

    async def ids(**params: Any) -> list[int]:
        r = await quiet.get(URL, headers=me, params=params)
        assert r.status_code == 200, r.text
        data = r.json()["data"]
        assert data["total"] == len(data["certificates"])
        return [cert["id"] for cert in data["certificates"]]

    assert await ids(status="issued") == [a["id"]]
    assert await ids(status="failed") == [b["id"]]
    assert await ids(status="pending") == [c["id"]]
    assert await ids(status="revoked") == []
    assert await ids(ca_provider="zerossl") == [b["id"]]
    assert await ids(ca_provider="letsencrypt") == [c["id"], a["id"]]
    assert await ids(search="shop") == [a["id"]]
    assert await ids(search="SHOP.Example") == [a["id"]]
    assert await ids(search="www.shop.example.com") == [a["id"]]
    assert await ids(search="example.com") == [c["id"], a["id"]]
    assert await ids(search="example.net") == []
    assert await ids(domain="mail") == [c["id"]]
    assert await ids(search="example", status="issued", ca_provider="letsencrypt") == [a["id"]]
    assert await ids(search="example", status="issued", ca_provider="zerossl") == []


async def test_search_is_a_plain_substring(quiet: httpx.AsyncClient, me: Headers):
    await request(quiet, me, "www.example.com")
    for pattern in ("www_example", "%", "w%e", "_", "\\"):
        data = (await quiet.get(URL, headers=me, params={"search": pattern})).json()["data"]
        assert data["total"] == 0, pattern


async def test_another_users_certificates_are_never_seen(quiet: httpx.AsyncClient,
                                                         me: Headers):
    other = await user(quiet, "other@example.com", "example.com")
    theirs = await request(quiet, other, "example.com")
    mine = await request(quiet, me, "example.com")
    data = (await quiet.get(URL, headers=me)).json()["data"]
    assert [c["id"] for c in data["certificates"]] == [mine["id"]] and data["total"] == 1
    for params in ({"search": "example.com"}, {"status": "pending"},
                   {"ca_provider": "letsencrypt"}):
        listed = (await quiet.get(URL, headers=me, params=params)).json()["data"]
        assert [c["id"] for c in listed["certificates"]] == [mine["id"]]
    missing = theirs["id"] + 1000
    for ident in (theirs["id"], missing):
        assert_error(await quiet.get(URL, headers=me, params={"id": ident}), 404, "NOT_FOUND")
        assert_error(await quiet.get(URL, headers=me, params={
            "action": "download", "id": ident}), 404, "NOT_FOUND")
        assert_error(await quiet.post(URL, headers=me, params={"action": "revoke"},
                                      json={"id": ident}), 404, "NOT_FOUND")
        assert_error(await quiet.delete(URL, headers=me, params={"id": ident}),
                     404, "NOT_FOUND")
    shown = await quiet.get(URL, headers=other, params={"id": theirs["id"]})
    assert shown.status_code == 200 and shown.json()["data"]["id"] == theirs["id"]


# Download, revoke and delete of a certificate that is not issued

@pytest.mark.parametrize("fmt", [None, "pem", "fullchain", "key", "pfx", "zip"])
async def test_a_pending_certificate_cannot_be_downloaded(quiet: httpx.AsyncClient,
                                                          me: Headers, fmt: str | None):
    cert = await request(quiet, me, "example.com")
    params: dict[str, Any] = {"action": "download", "id": cert["id"]}
    if fmt:
        params["format"] = fmt
    message = field_error(await quiet.get(URL, headers=me, params=params), "id")
    assert "pending" in message


@pytest.mark.parametrize("fmt", ["der", "PEM", "p12", ""])
async def test_download_with_a_bad_format(quiet: httpx.AsyncClient, me: Headers, fmt: str):
    cert = await request(quiet, me, "example.com")
    await Certificate.filter(id=cert["id"]).update(status="issued")
    r = await quiet.get(URL, headers=me,
                        params={"action": "download", "id": cert["id"], "format": fmt})
    message = field_error(r, "format")
    assert all(f in message for f in ("pem", "fullchain", "key", "pfx", "zip")), message


@pytest.mark.parametrize("reason", [None, "unspecified", "keyCompromise", "superseded", "4"])
async def test_a_pending_certificate_cannot_be_revoked(quiet: httpx.AsyncClient,
                                                       me: Headers, reason: str | None):
    cert = await request(quiet, me, "example.com")
    body: dict[str, Any] = {"id": cert["id"]}
    if reason is not None:
        body["reason"] = reason
    r = await quiet.post(URL, headers=me, params={"action": "revoke"}, json=body)
    assert "pending" in field_error(r, "id")
    shown = (await quiet.get(URL, headers=me, params={"id": cert["id"]})).json()["data"]
    assert shown["status"] == "pending"


async def test_a_revoke_reason_code_as_a_json_number(quiet: httpx.AsyncClient, me: Headers):
    cert = await request(quiet, me, "example.com")
    r = await quiet.post(URL, headers=me, params={"action": "revoke"},
                         json={"id": cert["id"], "reason": 1})
    assert "pending" in field_error(r, "id")  # the reason is accepted; the status is not


@pytest.mark.parametrize("reason", ["compromised", "keycompromise", "2", "6", "cACompromise"])
async def test_a_bad_revoke_reason(quiet: httpx.AsyncClient, me: Headers, reason: str):
    cert = await request(quiet, me, "example.com")
    await Certificate.filter(id=cert["id"]).update(status="issued", certificate_pem="PEM")
    r = await quiet.post(URL, headers=me, params={"action": "revoke"},
                         json={"id": cert["id"], "reason": reason})
    message = field_error(r, "reason")
    assert "keyCompromise" in message


@pytest.mark.parametrize("params", [{}, {"id": "abc"}, {"id": "0"}])
async def test_revoke_and_delete_need_a_valid_id(quiet: httpx.AsyncClient, me: Headers,
                                                 params: dict[str, str]):
    await request(quiet, me, "example.com")
    field_error(await quiet.post(URL, headers=me, params={"action": "revoke"}, json=params),
                "id")
    field_error(await quiet.delete(URL, headers=me, params=params), "id")
    field_error(await quiet.get(URL, headers=me, params={"action": "download"} | params), "id")
    assert await count(quiet, me) == 1


async def test_delete(quiet: httpx.AsyncClient, me: Headers):
    cert = await request(quiet, me, "example.com")
    kept = await request(quiet, me, "example.org")
    r = await quiet.delete(URL, headers=me, params={"id": cert["id"]})
    assert r.status_code == 200
    assert r.json() == {"success": True, "message": "Certificate deleted successfully",
                        "data": None}
    assert not await Certificate.exists(id=cert["id"])
    assert_error(await quiet.get(URL, headers=me, params={"id": cert["id"]}), 404, "NOT_FOUND")
    assert_error(await quiet.delete(URL, headers=me, params={"id": cert["id"]}),
                 404, "NOT_FOUND")
    listed = (await quiet.get(URL, headers=me)).json()["data"]
    assert [c["id"] for c in listed["certificates"]] == [kept["id"]]


async def test_a_token_is_needed(quiet: httpx.AsyncClient):
    for method, params, body in (
            ("GET", {}, None), ("GET", {"id": "1"}, None),
            ("POST", {}, {"ca_provider": "letsencrypt", "domains": ["example.com"]}),
            ("DELETE", {"id": "1"}, None), ("GET", {"action": "download", "id": "1"}, None),
            ("POST", {"action": "revoke"}, {"id": 1})):
        r = await quiet.request(method, URL, params=params, json=body)
        assert_error(r, 401, "UNAUTHORIZED")
