"""The six CAs casp knows: directories, EAB needs, CAA identities, staging."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.errors import ValidationFailed
from app.wording import Input, listed

KEY_TYPES = ("ec-256", "ec-384", "rsa-2048", "rsa-3072", "rsa-4096")
CHALLENGE_TYPES = ("dns-01", "http-01", "dns-persist-01")
WILDCARD_CHALLENGES = ("dns-01", "dns-persist-01")  # the ones that can validate a wildcard


@dataclass(frozen=True)
class CA:
    name: str
    title: str
    directory: str
    eab_required: bool  # our own flag: SSL.com has advertised meta.externalAccountRequired wrongly
    caa: tuple[str, ...]  # CAA issuer domain names that permit this CA
    staging: str | None = None
    directory_ecc: str | None = None  # SSL.com: a separate directory for EC keys
    discontinued: str | None = None  # why requests fail unless the directory is overridden
    ari: bool = False
    # Offers dns-persist-01 (draft-ietf-acme-dns-persist). No directory field announces it,
    # so the catalogue says so; an order whose authorization lacks it still fails, naming
    # the types the CA offered.
    dns_persist: bool = False

    @property
    def challenge_types(self) -> tuple[str, ...]:
        return tuple(c for c in CHALLENGE_TYPES if c != "dns-persist-01" or self.dns_persist)

    def available(self, overrides: Mapping[str, str]) -> bool:
        """A discontinued CA still issues through its CASP_CA_<NAME>_DIRECTORY override."""
        return bool(overrides.get(self.name)) or not self.discontinued

    def directory_for(self, key_type: str, overrides: Mapping[str, str]) -> str:
        """The directory to use: CASP_CA_<NAME>_DIRECTORY when set, else the CA's own."""
        override = overrides.get(self.name)
        if override:
            return override
        if not self.available(overrides):
            raise ValidationFailed(str(self.discontinued), field="ca_provider")
        if self.directory_ecc and key_type.startswith("ec-"):
            return self.directory_ecc
        return self.directory


REGISTRY: dict[str, CA] = {ca.name: ca for ca in (
    CA("letsencrypt", "Let's Encrypt", "https://acme-v02.api.letsencrypt.org/directory",
       eab_required=False, caa=("letsencrypt.org",),
       staging="https://acme-staging-v02.api.letsencrypt.org/directory", ari=True,
       dns_persist=True),
    CA("zerossl", "ZeroSSL", "https://acme.zerossl.com/v2/DV90", eab_required=True,
       caa=("sectigo.com", "zerossl.com")),
    CA("litessl", "LiteSSL (TrustAsia)", "https://acme.litessl.com/acme/v2/directory",
       eab_required=True, caa=("trustasia.com", "litessl.com")),
    CA("buypass", "Buypass Go SSL", "https://api.buypass.com/acme/directory",
       eab_required=False, caa=("buypass.com", "buypass.no"),
       staging="https://api.test4.buypass.no/acme/directory",
       discontinued="Buypass stopped its free ACME service in October 2025; choose another "
                    "CA, or set CASP_CA_BUYPASS_DIRECTORY to a directory that still works"),
    CA("google", "Google Trust Services", "https://dv.acme-v02.api.pki.goog/directory",
       eab_required=True, caa=("pki.goog",),
       staging="https://dv.acme-v02.test-api.pki.goog/directory", ari=True),
    CA("sslcom", "SSL.com", "https://acme.ssl.com/sslcom-dv-rsa", eab_required=True,
       caa=("ssl.com",), directory_ecc="https://acme.ssl.com/sslcom-dv-ecc"),
)}


def get_ca(name: str | None, field: str = "ca_provider") -> CA:
    if not name:
        raise ValidationFailed(f"{Input(field)} is required; one of: {listed(REGISTRY)}",
                               field=field)
    ca = REGISTRY.get(name.strip().lower())
    if ca is None:
        raise ValidationFailed(f"{Input(field)} must be one of: {listed(REGISTRY)}", field=field)
    return ca
