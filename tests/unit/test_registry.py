"""The six CAs: names, directories (with overrides), SSL.com's ECC directory, EAB flags."""

from __future__ import annotations

import pytest

from app.errors import ValidationFailed
from app.services.certificates.cas import CHALLENGE_TYPES, KEY_TYPES, REGISTRY, get_ca

SIX = ("letsencrypt", "zerossl", "litessl", "buypass", "google", "sslcom")


def test_six_cas():
    assert tuple(REGISTRY) == SIX
    for name, ca in REGISTRY.items():
        assert ca.name == name and ca.title
        assert ca.directory.startswith("https://")
        assert ca.caa and all("." in issuer for issuer in ca.caa)


def test_key_and_challenge_types():
    assert KEY_TYPES == ("ec-256", "ec-384", "rsa-2048", "rsa-3072", "rsa-4096")
    assert CHALLENGE_TYPES == ("dns-01", "http-01", "dns-persist-01")


def test_only_the_cas_that_offer_it_list_dns_persist_01():
    offering = [name for name, ca in REGISTRY.items() if "dns-persist-01" in ca.challenge_types]
    assert offering == ["letsencrypt"]
    assert REGISTRY["zerossl"].challenge_types == ("dns-01", "http-01")


@pytest.mark.parametrize("name", SIX)
def test_get_ca(name: str):
    assert get_ca(name) is REGISTRY[name]


@pytest.mark.parametrize(("raw", "name"), [("LetsEncrypt", "letsencrypt"),
                                           (" zerossl ", "zerossl"), ("SSLCOM", "sslcom")])
def test_get_ca_is_lenient_about_case_and_spaces(raw: str, name: str):
    assert get_ca(raw).name == name


@pytest.mark.parametrize("raw", [None, ""])
def test_get_ca_required(raw: str | None):
    with pytest.raises(ValidationFailed) as err:
        get_ca(raw)
    assert err.value.field == "ca_provider"
    assert "required" in err.value.message
    assert all(name in err.value.message for name in SIX)


@pytest.mark.parametrize("raw", ["digicert", "lets-encrypt", "letsencrypt2"])
def test_get_ca_unknown_lists_the_valid_ones(raw: str):
    with pytest.raises(ValidationFailed) as err:
        get_ca(raw, field="ca")
    assert err.value.field == "ca"
    assert err.value.message == f"ca must be one of: {', '.join(SIX)}"


@pytest.mark.parametrize("name", ["letsencrypt", "zerossl", "litessl", "google"])
@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_directory_is_the_cas_own(name: str, key_type: str):
    ca = REGISTRY[name]
    assert ca.directory_for(key_type, {}) == ca.directory


@pytest.mark.parametrize("name", SIX)
def test_an_override_wins(name: str):
    url = "https://acme.internal.test/directory"
    for key_type in KEY_TYPES:
        assert REGISTRY[name].directory_for(key_type, {name: url}) == url


def test_overrides_of_other_cas_and_empty_ones_are_ignored():
    ca = REGISTRY["letsencrypt"]
    overrides = {"zerossl": "https://other.test/dir", "letsencrypt": ""}
    assert ca.directory_for("ec-256", overrides) == ca.directory


@pytest.mark.parametrize(("key_type", "directory"), [
    ("ec-256", "https://acme.ssl.com/sslcom-dv-ecc"),
    ("ec-384", "https://acme.ssl.com/sslcom-dv-ecc"),
    ("rsa-2048", "https://acme.ssl.com/sslcom-dv-rsa"),
    ("rsa-3072", "https://acme.ssl.com/sslcom-dv-rsa"),
    ("rsa-4096", "https://acme.ssl.com/sslcom-dv-rsa"),
])
def test_sslcom_directory_by_key_type(key_type: str, directory: str):
    assert REGISTRY["sslcom"].directory_for(key_type, {}) == directory


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_buypass_is_discontinued(key_type: str):
    buypass = REGISTRY["buypass"]
    with pytest.raises(ValidationFailed) as err:
        buypass.directory_for(key_type, {"letsencrypt": "https://x.test/dir"})
    assert err.value.field == "ca_provider"
    assert "October 2025" in err.value.message
    assert "CASP_CA_BUYPASS_DIRECTORY" in err.value.message


def test_buypass_works_with_an_overridden_directory():
    url = "https://buypass.mirror.test/acme/directory"
    assert REGISTRY["buypass"].directory_for("ec-256", {"buypass": url}) == url


def test_only_buypass_is_discontinued():
    assert [n for n, ca in REGISTRY.items() if ca.discontinued] == ["buypass"]


def test_eab_flags():
    needs = {name for name, ca in REGISTRY.items() if ca.eab_required}
    assert needs == {"zerossl", "litessl", "google", "sslcom"}


def test_staging_ari_and_caa():
    assert REGISTRY["letsencrypt"].staging == (
        "https://acme-staging-v02.api.letsencrypt.org/directory")
    assert {n for n, ca in REGISTRY.items() if ca.ari} == {"letsencrypt", "google"}
    assert "letsencrypt.org" in REGISTRY["letsencrypt"].caa
    assert "pki.goog" in REGISTRY["google"].caa
    assert REGISTRY["sslcom"].directory_ecc and not REGISTRY["letsencrypt"].directory_ecc
