"""RFC 9773 pieces: the certificate id, the moment picked in a window, Retry-After bounds,
and `replaces` on the wire (a small fake ACME server records the signed newOrder)."""

from __future__ import annotations

import base64
import json
import random
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from acme.client import _renewal_info_path_component
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.acme.ari import DEFAULT_RETRY, MAX_RETRY, MIN_RETRY, RenewalInfo, cert_id, clamp_retry
from app.acme.client import AcmeSession
from app.acme.interface import Account, IssueRequest
from app.acme.issuer import AcmeIssuer
from app.acme.keys import generate_key, make_csr, new_account_key

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def make_cert(serial: int, aki: bytes | None) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "a.example")])
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
               .public_key(key.public_key()).serial_number(serial)
               .not_valid_before(NOW).not_valid_after(NOW + timedelta(days=90)))
    if aki is not None:
        builder = builder.add_extension(x509.AuthorityKeyIdentifier(aki, None, None),
                                        critical=False)
    from cryptography.hazmat.primitives import serialization
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode()


def test_cert_id_matches_the_rfc_example():
    aki = bytes.fromhex("69885B6B87464041E1B37B847BA0AE2CDE01C8D4")
    assert cert_id(make_cert(0x87654321, aki)) == "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE"


@pytest.mark.parametrize("serial", [1, 0x7F, 0x80, 0xFF, 0x100, 2**63, 2**159 - 1])
def test_cert_id_matches_certbots_for_any_serial(serial: int):
    pem = make_cert(serial, bytes(range(20)))
    expected = _renewal_info_path_component(x509.load_pem_x509_certificate(pem.encode()))
    assert cert_id(pem) == expected


def test_no_authority_key_identifier_means_no_ari():
    assert cert_id(make_cert(5, None)) is None


def test_pick_is_inside_the_window_and_spread():
    info = RenewalInfo(NOW + timedelta(days=1), NOW + timedelta(days=2), DEFAULT_RETRY)
    rng = random.Random(7)
    picks = [info.pick(NOW, rng) for _ in range(200)]
    assert all(info.start <= p <= info.end for p in picks)
    assert max(picks) - min(picks) > timedelta(hours=20)  # spread, not one second


def test_pick_in_a_window_already_open_or_past():
    open_now = RenewalInfo(NOW - timedelta(days=1), NOW + timedelta(hours=1), DEFAULT_RETRY)
    assert all(NOW <= open_now.pick(NOW) <= open_now.end for _ in range(50))
    past = RenewalInfo(NOW - timedelta(days=2), NOW - timedelta(days=1), DEFAULT_RETRY)
    assert past.pick(NOW) == NOW  # RFC 9773 4.2: renew at once


def test_a_window_mostly_past_mostly_renews_at_once():
    """RFC 9773 4.2 picks over the whole window: opened 99 days ago and closing tomorrow, 99
    picks in 100 are past, which means now; only the rest fall within the next day."""
    info = RenewalInfo(NOW - timedelta(days=99), NOW + timedelta(days=1), DEFAULT_RETRY)
    rng = random.Random(11)
    picks = [info.pick(NOW, rng) for _ in range(1000)]
    assert sum(p == NOW for p in picks) >= 970
    assert all(NOW <= p <= info.end for p in picks)


def test_contains():
    info = RenewalInfo(NOW, NOW + timedelta(days=1), DEFAULT_RETRY)
    assert info.contains(NOW + timedelta(hours=3))
    assert not info.contains(NOW - timedelta(seconds=1)) and not info.contains(None)


@pytest.mark.parametrize(("seconds", "expected"), [
    (None, DEFAULT_RETRY), (0, MIN_RETRY), (5, MIN_RETRY), (3600, timedelta(hours=1)),
    (10**9, MAX_RETRY)])
def test_retry_after_is_clamped(seconds: float | None, expected: timedelta):
    assert clamp_retry(seconds) == expected


class FakeAcme:
    """Directory, nonces and newOrder; records each order payload."""

    def __init__(self, ari: bool, already_replaced: bool = False):
        self.ari, self.already_replaced = ari, already_replaced
        self.orders: list[dict[str, Any]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def directory(self) -> dict[str, Any]:
        doc = {"newNonce": f"{self.base}/nonce", "newAccount": f"{self.base}/account",
               "newOrder": f"{self.base}/order", "revokeCert": f"{self.base}/revoke",
               "keyChange": f"{self.base}/key"}
        if self.ari:
            doc["renewalInfo"] = f"{self.base}/renewal-info"
        return doc

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, status: int, body: dict[str, Any] | None = None,
                      content_type: str = "application/json") -> None:
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                self.send_header("Replay-Nonce", base64.urlsafe_b64encode(
                    random.randbytes(16)).decode().rstrip("="))
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                if status == 201:
                    self.send_header("Location", f"{fake.base}/order/1")
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._send(200, fake.directory())

            def do_HEAD(self) -> None:
                self._send(200)

            def do_POST(self) -> None:
                jws = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.path != "/order":  # POST-as-GET of the order made
                    self._send(200, {"status": "pending", "identifiers": [],
                                     "authorizations": [], "finalize": f"{fake.base}/fin"})
                    return
                payload = json.loads(base64.urlsafe_b64decode(jws["payload"] + "=="))
                fake.orders.append(payload)
                if fake.already_replaced and "replaces" in payload:
                    self._send(409, {"type": "urn:ietf:params:acme:error:alreadyReplaced",
                                     "detail": "already replaced"},
                               "application/problem+json")
                    return
                self._send(201, {"status": "pending", "identifiers": payload["identifiers"],
                                 "authorizations": [], "finalize": f"{fake.base}/fin"})

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def __enter__(self) -> FakeAcme:
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def csr() -> bytes:
    return make_csr(generate_key("ec-256"), ["a.example", "b.example"])


async def order_payloads(ari: bool, csr: bytes, replaces: str | None) -> list[dict[str, Any]]:
    with FakeAcme(ari) as fake:
        session = await AcmeSession(f"{fake.base}/dir", new_account_key(),
                                    f"{fake.base}/acct/1", verify=False).open()
        assert await session.place_order(csr, replaces) == f"{fake.base}/order/1"
        return fake.orders


async def test_replaces_is_sent_where_the_ca_offers_ari(csr: bytes):
    [order] = await order_payloads(True, csr, "abc.def")
    assert order["replaces"] == "abc.def"
    assert [i["value"] for i in order["identifiers"]] == ["a.example", "b.example"]


async def test_no_replaces_without_ari_or_on_a_first_order(csr: bytes):
    [order] = await order_payloads(False, csr, "abc.def")
    assert "replaces" not in order
    [order] = await order_payloads(True, csr, None)
    assert "replaces" not in order


class Hooks:
    def __init__(self) -> None:
        self.orders: list[str] = []

    async def order_created(self, url: str) -> None:
        self.orders.append(url)


async def test_already_replaced_orders_again_without_replaces(csr: bytes):
    with FakeAcme(True, already_replaced=True) as fake:
        issuer = AcmeIssuer(verify=False)
        session = await AcmeSession(f"{fake.base}/dir", new_account_key(),
                                    f"{fake.base}/acct/1", verify=False).open()
        request = IssueRequest(account=Account(f"{fake.base}/dir", "{}", None), csr_pem=csr,
                               challenge_type="http-01", order_url=None,
                               deadline_seconds=5, replaces="abc.def")
        hooks = Hooks()
        await issuer._order(session, request, hooks)  # type: ignore[arg-type]
        assert [("replaces" in o) for o in fake.orders] == [True, False]
        assert hooks.orders == [f"{fake.base}/order/1"]


async def test_the_profile_goes_with_every_order_of_a_renewal(csr: bytes):
    """With `replaces`, and again without it after alreadyReplaced: a renewal keeps the
    certificate's profile (draft-ietf-acme-profiles)."""
    with FakeAcme(True, already_replaced=True) as fake:
        session = await AcmeSession(f"{fake.base}/dir", new_account_key(),
                                    f"{fake.base}/acct/1", verify=False).open()
        request = IssueRequest(account=Account(f"{fake.base}/dir", "{}", None), csr_pem=csr,
                               challenge_type="http-01", order_url=None,
                               deadline_seconds=5, replaces="abc.def", profile="shortlived")
        await AcmeIssuer(verify=False)._order(session, request, Hooks())  # type: ignore[arg-type]
        assert [(o.get("replaces"), o["profile"]) for o in fake.orders] == [
            ("abc.def", "shortlived"), (None, "shortlived")]


def test_an_unreadable_certificate_means_no_ari():
    assert cert_id("not a certificate") is None


def test_the_cas_retry_after_travels_with_its_problem():
    import requests

    from app.acme.client import _Network, translate

    response = requests.Response()
    response.status_code = 429
    response.headers["Content-Type"] = "application/problem+json"
    response.headers["Retry-After"] = "7200"
    response._content = json.dumps({"type": "urn:ietf:params:acme:error:rateLimited",
                                    "detail": "slow down"}).encode()
    with pytest.raises(Exception) as raised:
        _Network._check_response(response, content_type="application/json")
    error = translate(raised.value)
    assert error.retry_after == 7200
    assert error.problem()["type"] == "urn:ietf:params:acme:error:rateLimited"
