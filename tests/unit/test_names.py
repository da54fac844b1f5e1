"""Domain names as typed to the form CAs and DNS use; what a user's domain covers."""

from __future__ import annotations

import pytest

from app.errors import ValidationFailed
from app.services.domains.names import covers, normalize, of_host


@pytest.mark.parametrize(("raw", "expected"), [
    ("example.com", "example.com"),
    ("EXAMPLE.COM", "example.com"),
    ("Www.Example.Com", "www.example.com"),
    ("example.com.", "example.com"),
    ("  example.com  ", "example.com"),
    ("Bücher.example.com", "xn--bcher-kva.example.com"),
    ("xn--bcher-kva.example.com", "xn--bcher-kva.example.com"),
    ("例子.公司.cn", "xn--fsqu00a.xn--55qx5d.cn"),
    ("example.co.uk", "example.co.uk"),
    ("a-b.example.com", "a-b.example.com"),
    ("1.example.com", "1.example.com"),
    ("a" * 63 + ".com", "a" * 63 + ".com"),
])
def test_normalize(raw: str, expected: str):
    assert normalize(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("*.example.com", "*.example.com"),
    ("*.EXAMPLE.com.", "*.example.com"),
    ("*.Bücher.example.com", "*.xn--bcher-kva.example.com"),
])
def test_wildcards_where_allowed(raw: str, expected: str):
    assert normalize(raw, wildcard=True) == expected


def _refused(raw: str, field: str = "domain", wildcard: bool = False) -> str:
    with pytest.raises(ValidationFailed) as err:
        normalize(raw, field=field, wildcard=wildcard)
    assert err.value.field == field
    assert err.value.details == {"fields": {field: err.value.message}}
    return err.value.message


@pytest.mark.parametrize(("raw", "expected"), [
    ("8.8.8.8", "8.8.8.8"),
    (" 1.1.1.1 ", "1.1.1.1"),
    ("2001:4860:4860::8888", "2001:4860:4860::8888"),
    ("[2001:4860:4860::8888]", "2001:4860:4860::8888"),
    ("2001:4860:4860:0000:0000:0000:0000:8888", "2001:4860:4860::8888"),
    ("2606:4700:4700::1111", "2606:4700:4700::1111"),
    ("2606:4700:4700:0:0:0:0:1111", "2606:4700:4700::1111"),
    ("2606:4700:4700::ABCD", "2606:4700:4700::abcd"),
])
def test_public_ip_addresses_are_kept_compressed(raw: str, expected: str):
    assert normalize(raw) == expected


@pytest.mark.parametrize("raw", ["192.0.2.1", "10.0.0.1", "127.0.0.1", "169.254.1.1",
                                 "100.64.0.1", "240.0.0.1", "::1", "[::1]", "fe80::1",
                                 "fc00::1", "2001:db8::1"])
def test_ip_addresses_that_are_not_public_are_refused_by_default(raw: str):
    assert "private, loopback, link-local or reserved address" in _refused(raw)


@pytest.mark.parametrize(("raw", "expected"), [
    ("127.0.0.1", "127.0.0.1"), ("[::1]", "::1"), ("0:0:0:0:0:0:0:1", "::1"),
    ("10.0.0.1", "10.0.0.1"), ("fe80::1", "fe80::1"),
])
def test_the_operator_may_allow_addresses_that_are_not_public(raw: str, expected: str):
    assert normalize(raw, private_ips=True) == expected


@pytest.mark.parametrize("raw", ["1.2.3", "::g", "1.2.3.4.", "10.0.0.256", "1.2.3.4.5",
                                 "[8.8.8.8]", "[::1", "::1]", ":::1", "fe80::1%eth0",
                                 "127.1", "01.2.3.4"])
def test_invalid_ip_addresses_are_refused(raw: str):
    assert "is not a valid IPv4 or IPv6 address" in _refused(raw)


@pytest.mark.parametrize("raw", ["0.0.0.0", "::", "224.0.0.1", "ff02::1"])  # noqa: S104
def test_addresses_no_ca_validates_are_refused_even_when_private_ones_are_allowed(raw: str):
    with pytest.raises(ValidationFailed, match="not an address a CA can validate"):
        normalize(raw, private_ips=True)


def test_an_ipv4_mapped_address_is_refused_for_its_ipv4_form():
    assert "write the IPv4 address 8.8.8.8" in _refused("::ffff:8.8.8.8")


@pytest.mark.parametrize("raw", ["*.8.8.8.8", "*.[::1]", "*.::1"])
def test_a_wildcard_cannot_cover_an_ip_address(raw: str):
    assert "a wildcard cannot cover an IP address" in _refused(raw, wildcard=True)


@pytest.mark.parametrize(("host", "name"), [
    ("127.0.0.1:5002", "127.0.0.1"), ("127.0.0.1", "127.0.0.1"), ("[::1]:5002", "::1"),
    ("[::1]", "::1"), ("[0:0::1]:80", "::1"), ("Example.COM:80", "example.com"),
])
def test_a_host_header_names_its_name_or_address(host: str, name: str):
    assert of_host(host) == name


@pytest.mark.parametrize("host", ["::1", "[::1", "1.2.3:80", "", None, "[fe80::1%eth0]:80"])
def test_a_host_header_that_names_nothing(host: str | None):
    assert of_host(host) is None


@pytest.mark.parametrize("raw", ["com", "co.uk", "CO.UK.", "github.io", "公司.cn",
                                 "*.com", "*.co.uk"])
def test_public_suffixes_are_refused(raw: str):
    assert "public suffix" in _refused(raw, wildcard=True)


@pytest.mark.parametrize("raw", ["a..b.com", "-a.com", "a-.com", "a" * 64 + ".com",
                                 "a_b.com", "exa mple.com", "a.b.c.123",
                                 "１２７.０.０.１", ".".join(["a" * 63] * 4) + ".com",
                                 "*.*.example.com", "a.*.example.com", "*", "*example.com"])
def test_invalid_syntax_is_refused(raw: str):
    _refused(raw, wildcard=True)


@pytest.mark.parametrize("raw", ["", "   ", ".", ".."])
def test_empty_is_refused(raw: str):
    assert "must not be empty" in _refused(raw)


def test_wildcard_only_where_allowed():
    assert "wildcard is not allowed" in _refused("*.example.com")


def test_the_field_is_named_in_the_error():
    assert _refused("192.0.2.1", field="domains").startswith("domains ")


@pytest.mark.parametrize(("domain", "name"), [
    ("example.com", "example.com"),
    ("example.com", "www.example.com"),
    ("example.com", "a.b.example.com"),
    ("example.com", "*.example.com"),
    ("example.com", "*.www.example.com"),
    ("www.example.com", "*.www.example.com"),
    ("8.8.8.8", "8.8.8.8"),
    ("::1", "::1"),
])
def test_covers(domain: str, name: str):
    assert covers(domain, name)


@pytest.mark.parametrize(("domain", "name"), [
    ("example.com", "myexample.com"),
    ("example.com", "example.com.evil.net"),
    ("example.com", "example.org"),
    ("www.example.com", "example.com"),
    ("www.example.com", "*.example.com"),
    ("a.example.com", "b.example.com"),
    ("8.8.8", "18.8.8.8"),  # an address covers only itself: no "names under" it
    ("1.2.3.4", "5.1.2.3.4"),
    ("::1", "1::1"),
])
def test_does_not_cover(domain: str, name: str):
    assert not covers(domain, name)


@pytest.mark.parametrize("name", [
    "аpple.com", "xn--pple-43d.com", "gοοgle.com", "аррӏе.com", "www.сосо.net",
    "раураӏ.com", "ԁоmаіn.com", "tеst.example.org", "*.exаmple.com",
])
def test_homographs_are_refused(name: str):
    with pytest.raises(ValidationFailed, match="homograph"):
        normalize(name, wildcard=True)


@pytest.mark.parametrize(("name", "stored"), [
    ("а.рф", "xn--80a.xn--p1ai"),  # Cyrillic look-alikes under a Cyrillic top-level label
    ("москва.com", "xn--80adxhks.com"),  # Cyrillic that does not read as Latin
    ("日本語ドメイン.jp", "xn--eckwd4c7c5976acvb2w6i.jp"),  # Han + Katakana (Japanese)
    ("abc日本.jp", "xn--abc-v08fl0d.jp"),  # Latin with Han: allowed for CJK
    ("한국abc.kr", "xn--abc-lt8lk11n.kr"),  # Latin with Hangul: Korean
    ("παράδειγμα.gr", "xn--hxajbheg2az3al.gr"), ("münchen-2.de", "xn--mnchen-2-65a.de"),
])
def test_one_script_or_a_languages_mix_is_kept(name: str, stored: str):
    assert normalize(name) == stored


def test_an_error_repeats_at_most_64_characters_of_the_name():
    typed = "a" * 70 + ".com"
    with pytest.raises(ValidationFailed) as caught:
        normalize(typed)
    assert caught.value.message == (f"domain {'a' * 64!r}... (74 characters) is not a valid "
                                    "domain name: Label too long")


def test_a_name_longer_than_300_characters_is_refused_before_any_work():
    with pytest.raises(ValidationFailed) as caught:
        normalize("a." * 150 + "b", field="domains")
    assert caught.value.message == "domains must be at most 300 characters"
    assert caught.value.field == "domains"
