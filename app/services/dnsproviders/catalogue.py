"""Which DNS providers a credential may be for, and each one's fields: lexicon's providers
(each describes its arguments through its argparse `configure_parser`) and casp's own
rfc2136 (TSIG-signed updates to the user's server, with a port, which lexicon's ddns lacks)."""

from __future__ import annotations

import argparse
import functools
from dataclasses import dataclass

from lexicon._private.discovery import find_providers, load_provider_module

RFC2136 = "rfc2136"
# localzone edits zone files on casp's own disk: never a user's to point at.
EXCLUDED = frozenset({"localzone"})
_SECRET_WORDS = ("token", "password", "secret", "key", "auth")


@dataclass(frozen=True, slots=True)
class ProviderField:
    name: str
    description: str
    secret: bool  # a hint for forms: every field is stored encrypted and never shown back


@dataclass(frozen=True, slots=True)
class DnsProvider:
    name: str
    fields: tuple[ProviderField, ...]
    available: bool  # False: a Python package it needs is not installed
    required: tuple[str, ...] = ()  # fields that must be given (lexicon declares none)


def _field(action: argparse.Action) -> ProviderField:
    return ProviderField(action.dest, action.help or "",
                         any(w in action.dest for w in _SECRET_WORDS))


def _lexicon(name: str, available: bool) -> DnsProvider:
    parser = argparse.ArgumentParser(add_help=False)
    load_provider_module(name).Provider.configure_parser(parser)
    return DnsProvider(name, tuple(_field(a) for a in parser._actions), available)


_RFC2136 = DnsProvider(RFC2136, (
    ProviderField("server", "host[:port] of your authoritative server taking RFC 2136 "
                  "updates (port 53 by default)", False),
    ProviderField("tsig_key", "[algorithm:]name:base64secret (nsupdate's -y format; "
                  "hmac-sha256 by default) signing the updates", True),
), True, ("server", "tsig_key"))


@functools.cache
def providers() -> dict[str, DnsProvider]:
    """Every provider by name, read once per process (importing lexicon's ~90 modules
    takes about half a second)."""
    found = {name: _lexicon(name, available)
             for name, available in find_providers().items() if name not in EXCLUDED}
    found[RFC2136] = _RFC2136
    return dict(sorted(found.items()))
