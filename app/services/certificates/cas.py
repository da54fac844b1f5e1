"""The CA catalogue: the six CAs casp knows (directories, EAB needs, CAA identities,
staging) and the operator's own ACME CAs (CASP_CUSTOM_CAS), side by side."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from app.errors import ValidationFailed
from app.wording import Input, Value, listed

KEY_TYPES = ("ec-256", "ec-384", "rsa-2048", "rsa-3072", "rsa-4096")
CHALLENGE_TYPES = ("dns-01", "http-01", "dns-persist-01")
WILDCARD_CHALLENGES = ("dns-01", "dns-persist-01")  # the ones that can validate a wildcard
EAB_MODES = ("required", "optional", "none")  # a custom CA's CASP_CA_<NAME>_EAB
EabMode = Literal["required", "optional", "none"]
CUSTOM = "custom"  # GraphQL's CaProvider for a custom CA (whose name is in caName): reserved


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
    custom: bool = False  # declared by the operator (CASP_CUSTOM_CAS), not one of the six
    eab_accepted: bool = True  # False: EAB credentials are never sent (CASP_CA_<NAME>_EAB=none)
    # Offers dns-persist-01 (draft-ietf-acme-dns-persist). No directory field announces it,
    # so the catalogue says so; an order whose authorization lacks it still fails, naming
    # the types the CA offered.
    dns_persist: bool = False

    @classmethod
    def declared(cls, name: str, *, title: str, directory: str, eab: EabMode,
                 caa: tuple[str, ...]) -> CA:
        """A CA of the operator's: its directory is its own, never a replacement."""
        return cls(name, title, directory, eab_required=eab == "required", caa=caa,
                   custom=True, eab_accepted=eab != "none")

    @property
    def eab_mode(self) -> EabMode:
        if self.eab_required:
            return "required"
        return "optional" if self.eab_accepted else "none"

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


def catalogue() -> dict[str, CA]:
    """The six, then the operator's custom CAs, in the order CASP_CUSTOM_CAS names them."""
    from app.runtime import current  # the settings of the running app

    try:
        custom = current().settings.custom_cas
    except RuntimeError:  # no app running (a unit test, the OpenAPI build): the six
        return dict(REGISTRY)
    return REGISTRY | {ca.name: ca for ca in custom}


def names() -> str:
    """Every CA name, for a message: the six as vocabulary values, the custom ones as typed
    (no enum spells them)."""
    custom = [name for name in catalogue() if name not in REGISTRY]
    return ", ".join([listed(REGISTRY), *custom])


def get_ca(name: str | None, field: str = "ca_provider") -> CA:
    if not name:
        raise ValidationFailed(f"{Input(field)} is required; one of: {names()}", field=field)
    ca = catalogue().get(name.strip().lower())
    if ca is None:
        raise ValidationFailed(f"{Input(field)} must be one of: {names()}", field=field)
    return ca


def pick(ca_provider: str | None, ca_name: str | None) -> CA:
    """GraphQL's pair of arguments: the CaProvider enum for the six, or caName for any CA
    (the only way to name a custom one; the enum's CUSTOM then stands for it)."""
    if ca_name is None or not ca_name.strip():
        if ca_provider == CUSTOM:
            raise ValidationFailed(f"{Input('ca_name')} is required with {Input('ca_provider')} "
                                   f"{Value(CUSTOM)}", field="ca_name")
        return get_ca(ca_provider)
    ca = get_ca(ca_name, field="ca_name")
    if ca_provider not in (None, CUSTOM, ca.name):
        raise ValidationFailed(f"{Input('ca_provider')} and {Input('ca_name')} name different "
                               "CAs: give one", field="ca_name")
    return ca


def caa_identities(ca: CA, advertised: list[str] | None) -> tuple[str, ...]:
    """The CAA issuer names that permit `ca`: its directory's meta.caaIdentities when it
    advertises them, else those configured (custom CAs) or known (the six)."""
    return tuple(i.lower() for i in advertised) if advertised else ca.caa
