"""Domain names as users type them, to the form CAs and DNS use: lower case, IDN as punycode,
no trailing dot, valid hostname syntax; never an IP address, a public suffix or an IDN
homograph (homographs.py beside it)."""

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


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value.strip("[]"))
        return True
    except ValueError:
        return False


def normalize(value: str, field: str = "domain", wildcard: bool = False) -> str:
    """The canonical form of one name, or a VALIDATION_ERROR saying what is wrong."""
    at_most(value, MAX_TYPED, field)
    raw = value.strip().rstrip(".")
    if not raw:
        raise ValidationFailed(f"{field} must not be empty", field=field)
    if _is_ip(raw):
        raise ValidationFailed(f"{field} {shown(raw)} is an IP address; certificates here are for "
                               "domain names", field=field)
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
    """Whether `name` (maybe a wildcard) is `domain` or under it."""
    bare = name[2:] if name.startswith("*.") else name
    return bare == domain or bare.endswith("." + domain)


def of_host(host: str | None) -> str | None:
    """The name an HTTP Host header asks for (port dropped, normalised), or None for an IP
    address or anything that is not a name."""
    value = (host or "").strip()
    if value.startswith("[") or value.count(":") > 1:
        return None  # an IPv6 literal
    try:
        return normalize(value.partition(":")[0], field="host")
    except ValidationFailed:
        return None
