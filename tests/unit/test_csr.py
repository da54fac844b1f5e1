"""app.acme.keys.make_csr: every name in the SAN, in order (an IP address as an iPAddress); the
subject's CN is the first DNS name that fits X.509's 64 characters, or the subject is empty
when none does."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from app.acme.keys import CN_MAX, generate_key, make_csr

FITS = f"{'a' * 52}.example.com"  # 64 characters: the longest CN there is
LONG = f"{'b' * 53}.example.com"  # 65
VERY_LONG = f"{'c' * 55}.{'d' * 50}.example.com"  # 118


@pytest.mark.parametrize(("names", "cn"), [
    (["example.com", "www.example.com"], "example.com"),
    ([FITS, "www.example.com"], FITS),
    ([LONG, "www.example.com"], "www.example.com"),
    ([VERY_LONG, LONG, "*.example.com"], "*.example.com"),
    ([LONG], None),
    ([VERY_LONG, LONG], None),
])
@pytest.mark.parametrize("key_type", ["ec-256", "rsa-2048"])
def test_the_cn_is_the_first_name_that_fits(names: list[str], cn: str | None, key_type: str):
    assert len(FITS) == CN_MAX == len(LONG) - 1 and len(VERY_LONG) > 100
    csr = x509.load_pem_x509_csr(make_csr(generate_key(key_type), names))
    assert csr.is_signature_valid
    san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == names
    common = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    assert [a.value for a in common] == ([cn] if cn else [])
    assert len(csr.subject) == (1 if cn else 0)  # nothing else in the subject


@pytest.mark.parametrize(("names", "cn", "dns", "ips"), [
    (["192.0.2.1"], None, [], ["192.0.2.1"]),
    (["2001:db8::1", "192.0.2.1"], None, [], ["2001:db8::1", "192.0.2.1"]),
    (["192.0.2.1", "example.com", "::1"], "example.com", ["example.com"],
     ["192.0.2.1", "::1"]),
])
def test_ip_addresses_are_ipaddress_sans_never_the_cn(names: list[str], cn: str | None,
                                                      dns: list[str], ips: list[str]):
    """RFC 8738: the acme library orders the CN as a DNS name, so an address is never it."""
    csr = x509.load_pem_x509_csr(make_csr(generate_key("ec-256"), names))
    san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == dns
    assert [ip.compressed for ip in san.get_values_for_type(x509.IPAddress)] == ips
    common = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    assert [a.value for a in common] == ([cn] if cn else [])
