"""The domain checks' DNS (app.services.domains.checks.lookup) with no network, for tests."""

from __future__ import annotations


class FakeLookup:
    """DNS as the domain checks see it: no address, a CAA set naming Let's Encrypt, and no
    TXT or CNAME records but those given (name -> values, name -> target)."""

    def __init__(self, txt: dict[str, set[str]] | None = None,
                 cnames: dict[str, str] | None = None) -> None:
        self.txt_records = txt or {}
        self.cnames = cnames or {}

    async def addresses(self, name: str) -> list[str]:
        return []

    async def cname(self, name: str) -> str | None:
        return self.cnames.get(name)

    async def txt(self, name: str) -> set[str]:
        return set(self.txt_records.get(name, set()))

    async def caa(self, name: str) -> tuple[str, list[tuple[str, str]]] | None:
        return "example.com", [("issue", "letsencrypt.org")]
