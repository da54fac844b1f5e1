"""Domain names as users type them, to the form CAs and DNS use: lower case, IDN as punycode,
no trailing dot, valid hostname syntax; never a public suffix or an IDN homograph
(homographs.py beside it). An IP address (RFC 8738) is a name too, in its compressed form
(IPv6 without brackets); one that is not public only where the operator allows it."""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

import idna
from publicsuffixlist import PublicSuffixList

from app.errors import ValidationFailed
from app.services.domains import homographs
from app.services.inputs import at_most, shown

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# A name as typed (Unicode, "*.", a trailing dot, spaces) may be longer than the 253
# characters of its ASCII form, not longer than this.
MAX_TYPED = 300


@lru_cache(maxsize=1)
def _psl() -> PublicSuffixList:
    return PublicSuffixList()


_IPV4_LIKE = re.compile(r"^(?=.*[0-9])[0-9.]+$")


def is_ip(name: str) -> bool:
    """Whether a stored name is an IP address (stored names are canonical: no brackets)."""
    return ":" in name or bool(_IPV4_LIKE.match(name))


def _looks_ip(raw: str) -> bool:
    """Typed as an address: brackets, a colon, or only digits and dots (no host name is)."""
    return raw.startswith("[") or ":" in raw or bool(_IPV4_LIKE.match(raw))


def normalize(value: str, field: str = "domain", wildcard: bool = False,
              private_ips: bool = False) -> str:
    """The canonical form of one name or IP address, or a VALIDATION_ERROR saying what is
    wrong. `private_ips`: accept addresses that are not public (the operator's setting)."""
    at_most(value, MAX_TYPED, field)
    raw = value.strip()
    if raw.startswith("*.") and _looks_ip(raw[2:]):
        raise ValidationFailed(f"{field} {shown(raw)}: a wildcard cannot cover an IP address",
                               field=field)
    if _looks_ip(raw):
        return address(raw, field, private_ips)
    raw = raw.rstrip(".")
    if not raw:
        raise ValidationFailed(f"{field} must not be empty", field=field)
    star = raw.startswith("*.")
    if star and not wildcard:
        raise ValidationFailed(f"{field} {shown(raw)}: a wildcard is not allowed here", field=field)
    name = _ascii(raw[2:] if star else raw, field)
    if _psl().is_public(name):
        raise ValidationFailed(f"{field} {shown(name)} is a public suffix, not a domain one "
                               "can own", field=field)
    if "." not in name:
        raise ValidationFailed(f"{field} {shown(name)} needs at least two labels", field=field)
    return f"*.{name}" if star else name


def address(raw: str, field: str, private_ips: bool) -> str:
    """An IP address in its compressed form (IPv6 given with or without brackets)."""
    bracketed = raw.startswith("[") and raw.endswith("]")
    bare = raw[1:-1] if bracketed else raw
    try:
        ip = ipaddress.ip_address(bare)
    except ValueError:
        ip = None
    # A zone (fe80::1%eth0) names no address a CA can reach; brackets are for IPv6 only.
    if ip is None or "%" in bare or (bracketed and ip.version == 4):
        raise ValidationFailed(f"{field} {shown(raw)} is not a valid IPv4 or IPv6 address",
                               field=field)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        raise ValidationFailed(f"{field} {shown(raw)} is an IPv4-mapped address: write the "
                               f"IPv4 address {ip.ipv4_mapped}", field=field)
    if ip.is_unspecified or ip.is_multicast:
        raise ValidationFailed(f"{field} {shown(raw)} is not an address a CA can validate",
                               field=field)
    if not (ip.is_global or private_ips):
        raise ValidationFailed(f"{field} {shown(raw)} is a private, loopback, link-local or "
                               "reserved address: this casp takes public addresses only",
                               field=field)
    return ip.compressed


def _ascii(name: str, field: str) -> str:
    try:
        text = idna.encode(name, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        raise ValidationFailed(f"{field} {shown(name)} is not a valid domain name: {exc}",
                               field=field) from exc
    labels = text.split(".")
    if len(text) > 253 or not all(_LABEL.match(lb) for lb in labels):
        raise ValidationFailed(f"{field} {shown(name)} is not a valid host name", field=field)
    if labels[-1].isdigit():
        raise ValidationFailed(f"{field} {shown(name)} has a numeric top-level label", field=field)
    spoof = homographs.problem([_unicode(lb) for lb in labels])
    if spoof:
        raise ValidationFailed(f"{field} {shown(name)} is refused: {spoof}", field=field)
    return text


def _unicode(label: str) -> str:
    """A label as it reads (punycode decoded); _ascii has checked that it decodes."""
    return idna.decode(label) if label.startswith("xn--") else label


def covers(domain: str, name: str) -> bool:
    """Whether `name` (maybe a wildcard) is `domain` or under it; an IP address covers only
    itself."""
    bare = name[2:] if name.startswith("*.") else name
    return bare == domain or (not is_ip(domain) and bare.endswith("." + domain))


def in_url(name: str) -> str:
    """A name as a URL's host: an IPv6 address in brackets (RFC 3986)."""
    return f"[{name}]" if ":" in name else name


def of_host(host: str | None) -> str | None:
    """The name or IP address an HTTP Host header asks for (port dropped, normalised), or
    None for anything that is neither."""
    value = (host or "").strip()
    if value.startswith("["):  # an IPv6 literal, maybe with a port: [::1]:80
        if "]" not in value:
            return None
        value = value.partition("]")[0] + "]"
    elif value.count(":") > 1:
        return None  # IPv6 without brackets: no valid Host is written so
    else:
        value = value.partition(":")[0]
    try:
        return normalize(value, field="host", private_ips=True)
    except ValidationFailed:
        return None
