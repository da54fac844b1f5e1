"""Prove the Pebble and BIND fixtures issue real certificates, using only the acme library.

casp's own ACME code is tested elsewhere; these tests pin down the test bed it will rely on:
http-01 against a local web server, dns-01 through a CNAME delegation written by TSIG-signed
RFC 2136 updates (wildcard included), and External Account Binding.
"""

from __future__ import annotations

import datetime
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

import josepy as jose
import pytest
from acme import challenges, client, crypto_util, messages
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.support.certs import verify_chain
from tests.support.dns import BindServer
from tests.support.net import free_port
from tests.support.pebble import PebbleFactory, PebbleServer

pytestmark = pytest.mark.slow  # real Pebble and BIND servers

USER_AGENT = "casp-tests/pebble-smoke"


@contextmanager
def acme_client(pebble: PebbleServer) -> Iterator[tuple[client.ClientV2, jose.JWKEC]]:
    """A ClientV2 with a fresh P-256 account key; its HTTP session is closed on exit."""
    key = jose.JWKEC(key=ec.generate_private_key(ec.SECP256R1()))
    # An EC key needs alg=ES256: the RS256 default fails with a bare AssertionError.
    # verify_ssl is typed bool but goes to requests' `verify`, which takes a CA bundle path.
    ca_bundle: Any = pebble.ca_bundle
    net = client.ClientNetwork(key, alg=jose.ES256, verify_ssl=ca_bundle, user_agent=USER_AGENT)
    try:
        directory = client.ClientV2.get_directory(pebble.directory_url, net)
        yield client.ClientV2(directory, net), key
    finally:
        net.session.close()


def register(acme: client.ClientV2) -> messages.RegistrationResource:
    return acme.new_account(messages.NewRegistration.from_data(terms_of_service_agreed=True))


def new_order(acme: client.ClientV2, domains: list[str]) -> messages.OrderResource:
    key = ec.generate_private_key(ec.SECP256R1())
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return acme.new_order(crypto_util.make_csr(key_pem, domains))


def challenges_of(order: messages.OrderResource,
                  kind: type[challenges.Challenge]) -> list[tuple[messages.Identifier,
                                                                   messages.ChallengeBody]]:
    found = []
    for authz in order.authorizations:
        assert authz.body.status == messages.STATUS_PENDING, "authz reused: expected fresh"
        challb = next(c for c in authz.body.challenges if isinstance(c.chall, kind))
        found.append((authz.body.identifier, challb))
    return found


def finalize(acme: client.ClientV2, order: messages.OrderResource,
             pebble: PebbleServer) -> str:
    deadline = datetime.datetime.now() + datetime.timedelta(seconds=60)
    try:
        done = acme.poll_and_finalize(order, deadline)
    except Exception as exc:
        raise AssertionError(f"{exc!r}\nPebble output:\n{pebble.output()}") from exc
    assert done.fullchain_pem
    return done.fullchain_pem


class _ChallengeHandler(http.server.BaseHTTPRequestHandler):
    answers: ClassVar[dict[str, bytes]] = {}

    def do_GET(self) -> None:
        body = self.answers.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(body or b"not found")

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output clean; Pebble's log records the validation anyway."""


@contextmanager
def challenge_server(port: int) -> Iterator[dict[str, bytes]]:
    """Serve http-01 responses on 127.0.0.1:port; fill the yielded path -> body dict."""
    responses: dict[str, bytes] = {}
    handler = type("Handler", (_ChallengeHandler,), {"answers": responses})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="http-01", daemon=True)
    thread.start()
    try:
        yield responses
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_http01_issues_a_certificate_chaining_to_the_pebble_root(
        pebble_factory: PebbleFactory) -> None:
    port = free_port()
    pebble = pebble_factory(http_port=port)
    with challenge_server(port) as responses, acme_client(pebble) as (acme, key):
        register(acme)
        order = new_order(acme, ["a.example.test"])
        for _identifier, challb in challenges_of(order, challenges.HTTP01):
            response, validation = challb.response_and_validation(key)
            responses[challb.chall.path] = validation.encode()
            acme.answer_challenge(challb, response)
        fullchain = finalize(acme, order, pebble)
    verify_chain(fullchain, pebble.roots_pem(), ["a.example.test"])


@pytest.fixture
def delegated_b(bind_server: BindServer) -> Iterator[str]:
    """`_acme-challenge.b.example.test` delegated by CNAME; yields the TXT target name."""
    target = f"xyz.{bind_server.delegation_zone}"
    bind_server.add_record("_acme-challenge.b.example.test", "CNAME", target)
    try:
        yield target
    finally:
        bind_server.delete_record(target, "TXT")
        bind_server.delete_record("_acme-challenge.b.example.test", "CNAME")


def test_dns01_wildcard_through_cname_delegation(bind_server: BindServer, pebble: PebbleServer,
                                                 delegated_b: str) -> None:
    domains = ["b.example.test", "*.b.example.test"]
    with acme_client(pebble) as (acme, key):
        register(acme)
        order = new_order(acme, domains)
        pending = challenges_of(order, challenges.DNS01)
        assert len(pending) == 2  # the base name and the wildcard are separate authzs
        answers = []
        for identifier, challb in pending:
            assert challb.chall.validation_domain_name(identifier.value) == (
                "_acme-challenge.b.example.test")
            response, validation = challb.response_and_validation(key)
            bind_server.add_record(delegated_b, "TXT", validation)
            answers.append((challb, response, validation))
        # What Pebble will see: the CNAME chased by BIND to both TXT values.
        seen = bind_server.query("_acme-challenge.b.example.test", "TXT")
        assert sorted(seen) == sorted(v for _, _, v in answers)
        for challb, response, _ in answers:
            acme.answer_challenge(challb, response)
        fullchain = finalize(acme, order, pebble)
    verify_chain(fullchain, pebble.roots_pem(), domains)


def test_eab_is_required_and_accepted(pebble_factory: PebbleFactory) -> None:
    pebble = pebble_factory(eab_required=True)
    with acme_client(pebble) as (acme, key):
        assert acme.directory.meta.external_account_required
        with pytest.raises(messages.Error) as refused:
            register(acme)
        assert refused.value.typ == "urn:ietf:params:acme:error:externalAccountRequired"
        wrong = messages.ExternalAccountBinding.from_data(
            account_public_key=key.public_key(), kid=pebble.eab_kid,
            hmac_key=jose.b64encode(b"w" * 48).decode(), directory=acme.directory)
        with pytest.raises(messages.Error):
            acme.new_account(messages.NewRegistration.from_data(
                terms_of_service_agreed=True, external_account_binding=wrong))
        eab = messages.ExternalAccountBinding.from_data(
            account_public_key=key.public_key(), kid=pebble.eab_kid,
            hmac_key=pebble.eab_hmac_key, directory=acme.directory)
        regr = acme.new_account(messages.NewRegistration.from_data(
            terms_of_service_agreed=True, external_account_binding=eab))
        assert regr.body.status == "valid" and regr.uri
