"""The domain checks' DNS (app.services.domains.checks.lookup) with no network, for tests."""

from __future__ import annotations


class FakeLookup:
    """DNS as the domain checks see it: no address, no CNAME, a CAA set naming Let's Encrypt."""

    async def addresses(self, name: str) -> list[str]:
        return []

    async def cname(self, name: str) -> str | None:
        return None

    async def caa(self, name: str) -> tuple[str, list[tuple[str, str]]] | None:
        return "example.com", [("issue", "letsencrypt.org")]
