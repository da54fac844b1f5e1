"""The domain checks' DNS (app.services.domains.checks.lookup) with no network, for tests."""

from __future__ import annotations

from collections.abc import Callable


class FakeLookup:
    """DNS as the domain checks see it: by default no address, no CNAME, a CAA set naming
    Let's Encrypt, no TXT record; `txt` gives TXT values by name."""

    def __init__(self, addresses: tuple[str, ...] = (), cname: str | None = None,
                 txt: dict[str, set[str]] | None = None) -> None:
        self._addresses, self._cname, self._txt = list(addresses), cname, txt or {}

    async def addresses(self, name: str) -> list[str]:
        return self._addresses

    async def cname(self, name: str) -> str | None:
        return self._cname

    async def txt(self, name: str) -> set[str]:
        return set(self._txt.get(name, ()))

    async def caa(self, name: str) -> tuple[str, list[tuple[str, str]]] | None:
        return "example.com", [("issue", "letsencrypt.org")]


def answering(*addresses: str, cname: str | None = None) -> Callable[[], FakeLookup]:
    """A stand-in for checks.lookup whose DNS answers these addresses and this CNAME."""
    return lambda: FakeLookup(addresses, cname)
