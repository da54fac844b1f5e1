"""Requests to hosts that users name (http-01 probes, webhooks): public addresses only unless
a setting allows private ones, and the connection goes to the very address that was checked,
so a name that resolves differently a moment later (DNS rebinding) cannot slip past."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Iterable

import httpx


class OutboundError(Exception):
    """A host casp must not, or cannot, reach."""


class PrivateAddress(OutboundError):
    """The host resolves to a loopback, private, link-local or reserved address."""


class Unresolvable(OutboundError):
    """The host has no address."""


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone (fe80::1%eth0)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
    return ip.is_global and not ip.is_multicast


def refuse_private(name: str, addresses: Iterable[str], allow_private: bool) -> None:
    """Raise PrivateAddress when any address is not public (unless allowed)."""
    if allow_private:
        return
    for address in addresses:
        if not is_public(address):
            raise PrivateAddress(f"{name} resolves to {address}, not a public address")


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
    shown_host = host if port == default else f"{host}:{port}"
    url = f"{scheme}://{literal}:{port}{target}"
    # trust_env=False: a proxy would connect to the name again, not to the address checked.
    async with httpx.AsyncClient(timeout=seconds, follow_redirects=False, verify=verify,
                                 trust_env=False) as client:
        return await client.request(method, url, content=content,
                                    headers={**(headers or {}), "Host": shown_host},
                                    extensions={"sni_hostname": host})
