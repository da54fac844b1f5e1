"""app.outbound: which addresses count as public, and a request pinned to the address that
was checked still presents the URL's name (Host, TLS SNI, certificate check) to a real TLS
server on loopback whose certificate names only that name."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app import outbound
from tests.support.certs import cert_pem, key_pem, make_ca, make_leaf
from tests.support.http import QuietHandler, serving

NAME = "hooks.casp.test"  # resolves nowhere: only the pinned address can reach the server


@pytest.mark.parametrize(("address", "public"), [
    ("93.184.215.14", True), ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),
    ("127.0.0.1", False), ("::1", False), ("10.0.0.1", False), ("172.16.5.4", False),
    ("192.168.1.1", False), ("169.254.169.254", False), ("100.64.0.1", False),
    ("0.0.0.0", False), ("::ffff:127.0.0.1", False), ("fe80::1%eth0", False),  # noqa: S104
    ("fc00::1", False), ("224.0.0.1", False), ("240.0.0.1", False),
])
def test_public_addresses(address: str, public: bool):
    assert outbound.is_public(address) is public


# IPv6 that carries an IPv4 address (and deprecated site-local): refused whatever it holds,
# public or private; the log names the range and any non-public IPv4 inside.
@pytest.mark.parametrize(("address", "logged"), [
    ("64:ff9b::a00:1", "NAT64 address (64:ff9b::/96) holding non-public 10.0.0.1"),
    ("64:ff9b::808:808", "NAT64 address (64:ff9b::/96), a range"),
    ("64:ff9b:1:a00:0:100::", "local-use NAT64 address (64:ff9b:1::/48) holding non-public "
                              "10.0.0.1"),  # RFC 6052 /48 form
    ("64:ff9b:1::7f00:1", "local-use NAT64 address (64:ff9b:1::/48) holding non-public "
                          "0.0.0.0, 127.0.0.1"),  # /96 form
    ("2002:c0a8:101::1", "6to4 address (2002::/16) holding non-public 192.168.1.1"),
    ("2002:808:808::1", "6to4 address (2002::/16), a range"),
    ("::10.0.0.1", "IPv4-compatible address (::/96) holding non-public 10.0.0.1"),
    ("::8.8.8.8", "IPv4-compatible address (::/96), a range"),
    ("::ffff:127.0.0.1", "IPv4-mapped address (::ffff:0:0/96) holding non-public 127.0.0.1"),
    ("::ffff:8.8.8.8", "IPv4-mapped address (::ffff:0:0/96), a range"),
    ("::ffff:0:a9fe:a9fe", "IPv4-translated address (::ffff:0:0:0/96) holding non-public "
                           "169.254.169.254"),
    # Teredo: server 65.54.227.120, client 10.0.0.1 obfuscated (bits inverted) in the last 32
    ("2001:0:4136:e378:8000:63bf:f5ff:fffe", "Teredo address (2001::/32) holding non-public "
                                             "10.0.0.1"),
    ("2001:0:4136:e378:8000:63bf:f7f7:f7f7", "Teredo address (2001::/32), a range"),
    ("fec0::1", "site-local (deprecated) address (fec0::/10), a range"),
])
def test_ipv6_that_carries_ipv4_is_refused(address: str, logged: str):
    assert outbound.is_public(address) is False
    assert logged in str(outbound.not_public(address))
    with pytest.raises(outbound.PrivateAddress) as refused:
        outbound.refuse_private("hooks.example.com", [address], allow_private=False)
    assert str(refused.value) == "hooks.example.com does not point at a public address"
    assert refused.value.address == address


@pytest.mark.parametrize("address", ["8.8.8.8", "2606:4700:4700::1111", "2a00:1450:4001::1"])
def test_native_public_addresses_pass(address: str):
    assert outbound.not_public(address) is None
    outbound.refuse_private("hooks.example.com", [address], allow_private=False)


async def test_refuses_any_private_address_unless_allowed():
    with pytest.raises(outbound.PrivateAddress) as refused:
        outbound.refuse_private("x", ["93.184.215.14", "127.0.0.1"], allow_private=False)
    assert str(refused.value) == "x does not point at a public address"  # no address shown
    assert (refused.value.address, refused.value.reason) == (
        "127.0.0.1", "a private, loopback, link-local, reserved or multicast address")
    outbound.refuse_private("x", ["127.0.0.1", "64:ff9b::a00:1"], allow_private=True)
    with pytest.raises(outbound.Unresolvable):
        await outbound.resolve("no-such-host.invalid", 443)
    assert await outbound.resolve("127.0.0.1", 80) == ["127.0.0.1"]


class TlsServer:
    """What an HTTPS server with a certificate for NAME only saw: SNI names, Host headers."""

    def __init__(self, tmp: Path) -> None:
        ca_key, ca_cert = make_ca()
        leaf_key, leaf = make_leaf(ca_key, ca_cert, dns_names=(NAME,), ips=())
        (tmp / "leaf.pem").write_bytes(cert_pem(leaf))
        (tmp / "key.pem").write_bytes(key_pem(leaf_key))
        self.client_context = ssl.create_default_context(cadata=cert_pem(ca_cert).decode())
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(tmp / "leaf.pem", tmp / "key.pem")
        self.sni: list[str | None] = []
        self.hosts: list[str | None] = []
        self.context.sni_callback = lambda sock, name, ctx: self.sni.append(name)
        self.port = 0

    def handler(self) -> type[QuietHandler]:
        seen = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                seen.hosts.append(self.headers["Host"])
                self.send_response(204)
                self.end_headers()
        return Handler


@pytest.fixture
def tls(tmp_path: Path) -> Iterator[TlsServer]:
    found = TlsServer(tmp_path)
    with serving(found.handler(), tls=found.context) as server:
        found.port = int(server.server_address[1])
        yield found


async def test_pinned_https_presents_the_name(tls: TlsServer):
    response = await outbound.fetch("GET", scheme="https", host=NAME, address="127.0.0.1",
                                    port=tls.port, target="/x", verify=tls.client_context)
    assert response.status_code == 204
    assert tls.sni == [NAME] and tls.hosts == [f"{NAME}:{tls.port}"]


async def test_pinned_https_checks_the_certificate_against_the_name(tls: TlsServer):
    with pytest.raises(httpx.ConnectError, match="certificate"):
        await outbound.fetch("GET", scheme="https", host="other.casp.test",
                             address="127.0.0.1", port=tls.port, target="/",
                             verify=tls.client_context)
