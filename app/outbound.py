"""Requests to hosts that users name (http-01 probes, webhooks): public addresses only unless
a setting allows private ones, and the connection goes to the very address that was checked,
so a name that resolves differently a moment later (DNS rebinding) cannot slip past."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import ssl
from collections.abc import Iterable

import httpx


class OutboundError(Exception):
    """A host casp must not, or cannot, reach."""


class PrivateAddress(OutboundError):
    """The host resolves to an address that is not public. The message never shows the
    address (a user must not map casp's private network through it); `address` and `reason`
    are for the operator's logs."""

    def __init__(self, name: str, address: str, reason: str) -> None:
        super().__init__(f"{name} does not point at a public address")
        self.address, self.reason = address, reason


class Unresolvable(OutboundError):
    """The host has no address."""


# IPv6 ranges that carry an IPv4 address, and the deprecated site-local range: refused
# outright, whatever they hold. Refusing is the simplest and safest rule: a public service has
# a native address, and a gateway (NAT64, a 6to4 relay, Teredo) would forward to the embedded
# IPv4, which may be casp's own network. The embedded IPv4 is still checked as IPv4 and shown
# in the log, and would keep a private one out if a range were ever dropped from this list.
_V4_LAST = {"64:ff9b::/96": "NAT64", "::/96": "IPv4-compatible",
            "::ffff:0:0/96": "IPv4-mapped", "::ffff:0:0:0/96": "IPv4-translated"}
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")
_REFUSED_V6 = tuple((ipaddress.IPv6Network(net), kind) for net, kind in (
    *_V4_LAST.items(), (str(_LOCAL_NAT64), "local-use NAT64"), ("2002::/16", "6to4"),
    ("2001::/32", "Teredo"), ("fec0::/10", "site-local (deprecated)")))


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address of a transition range carries (none for others)."""
    if ip.teredo is not None:
        return list(ip.teredo)  # the server, then the client (de-obfuscated)
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    last = ipaddress.IPv4Address(ip.packed[12:])
    if ip in _LOCAL_NAT64:  # RFC 6052 /48 (bits 48-63 and 72-87), or the /96 form
        return [ipaddress.IPv4Address(ip.packed[6:8] + ip.packed[9:11]), last]
    if any(ip in ipaddress.IPv6Network(net) for net in _V4_LAST):
        return [last]
    return []


def not_public(address: str) -> str | None:
    """Why casp must not connect to `address` (for logs), or None when it is public."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone (fe80::1%eth0)
    if isinstance(ip, ipaddress.IPv6Address) and not (ip.is_loopback or ip.is_unspecified):
        private = [str(v4) for v4 in embedded_ipv4(ip) if not_public(str(v4))]
        for net, kind in _REFUSED_V6:
            if ip in net:
                held = f" holding non-public {', '.join(private)}" if private else ""
                return f"{kind} address ({net}){held}, a range casp refuses"
    if not ip.is_global or ip.is_multicast:
        return "a private, loopback, link-local, reserved or multicast address"
    return None


def is_public(address: str) -> bool:
    return not_public(address) is None


def refuse_private(name: str, addresses: Iterable[str], allow_private: bool) -> None:
    """Raise PrivateAddress when any address is not public (unless allowed)."""
    if allow_private:
        return
    for address in addresses:
        reason = not_public(address)
        if reason:
            raise PrivateAddress(name, address, reason)


async def resolve(host: str, port: int) -> list[str]:
    """The system resolver's addresses for host (an IP literal comes back as it is)."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Unresolvable(f"{host} cannot be resolved: {exc}") from exc
    found = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not found:
        raise Unresolvable(f"{host} has no address")
    return found


async def public_addresses(host: str, port: int, allow_private: bool) -> list[str]:
    addresses = await resolve(host, port)
    refuse_private(host, addresses, allow_private)
    return addresses


async def fetch(method: str, *, scheme: str, host: str, address: str, port: int, target: str,
                headers: dict[str, str] | None = None, content: bytes | None = None,
                seconds: float = 10, verify: ssl.SSLContext | bool = True) -> httpx.Response:
    """One request to `address` that presents `host`: in the Host header, as TLS SNI and for
    the certificate check. Redirects are not followed (they would lead anywhere)."""
    literal = f"[{address}]" if ":" in address else address
    default = 443 if scheme == "https" else 80
    named = f"[{host}]" if ":" in host else host  # an IPv6 address as Host: in brackets
    shown_host = named if port == default else f"{named}:{port}"
    url = f"{scheme}://{literal}:{port}{target}"
    # trust_env=False: a proxy would connect to the name again, not to the address checked.
    async with httpx.AsyncClient(timeout=seconds, follow_redirects=False, verify=verify,
                                 trust_env=False) as client:
        return await client.request(method, url, content=content,
                                    headers={**(headers or {}), "Host": shown_host},
                                    extensions={"sni_hostname": host})


async def tls_certificate(address: str, port: int, server_name: str,
                          seconds: float = 10) -> bytes | None:
    """The DER certificate a TLS server at `address` presents for `server_name` (SNI), read
    without judging it: the deployment check reports what is served, trusted or not."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    _, writer = await asyncio.wait_for(asyncio.open_connection(
        address, port, ssl=context, server_hostname=server_name), seconds)
    try:
        ssl_object = writer.get_extra_info("ssl_object")
        return ssl_object.getpeercert(binary_form=True) if ssl_object else None
    finally:
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):
            await writer.wait_closed()
