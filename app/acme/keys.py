"""Keys, CSRs and certificate facts, with `cryptography`."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime

import josepy as jose
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey  # the key types casp makes
_CURVES = {"ec-256": ec.SECP256R1, "ec-384": ec.SECP384R1}
_RSA_BITS = {"rsa-2048": 2048, "rsa-3072": 3072, "rsa-4096": 4096}
CN_MAX = 64  # ub-common-name (RFC 5280): a longer CN cannot be built


def generate_key(key_type: str) -> PrivateKey:
    if key_type in _CURVES:
        return ec.generate_private_key(_CURVES[key_type]())
    return rsa.generate_private_key(public_exponent=65537, key_size=_RSA_BITS[key_type])


def key_to_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def key_from_pem(pem: bytes) -> PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey)
    return key


def make_csr(key: PrivateKey, domains: list[str]) -> bytes:
    """A CSR naming every domain in the SAN: a DNS name, or an iPAddress for an IP address
    (RFC 8738). The subject's CN is the first DNS name that fits X.509's 64 characters (never
    an address: the acme library would order a CN as a DNS name); when none does, the
    subject is empty and the SAN alone names them (as certbot's CSRs do)."""
    sans = [_san(d) for d in domains]
    fits = next((d for d, san in zip(domains, sans, strict=True)
                 if isinstance(san, x509.DNSName) and len(d) <= CN_MAX), None)
    subject = [x509.NameAttribute(NameOID.COMMON_NAME, fits)] if fits else []
    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(subject))
    builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def _san(name: str) -> x509.DNSName | x509.IPAddress:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def new_account_key() -> jose.JWK:
    """EC P-256 account keys: small and fast (signed as ES256, see client.py)."""
    return jose.JWKEC(key=ec.generate_private_key(ec.SECP256R1()))


def account_key_to_json(key: jose.JWK) -> str:
    return key.json_dumps()


def account_key_from_json(data: str | bytes) -> jose.JWK:
    return jose.JWK.json_loads(data)


def jws_alg(key: jose.JWK) -> jose.JWASignature:
    """The acme library signs RS256 unless told: EC keys need the matching ES algorithm."""
    if isinstance(key, jose.JWKEC):
        size = key.key.curve.key_size
        return {256: jose.ES256, 384: jose.ES384, 521: jose.ES512}[size]
    return jose.RS256


@dataclass(frozen=True)
class CertFacts:
    serial: str
    fingerprint_sha256: str
    issuer: str
    not_before: datetime
    not_after: datetime
    domains: list[str]


def split_chain(fullchain_pem: str) -> tuple[str, str]:
    """(leaf PEM, the rest of the chain PEM) from a PEM bundle, leaf first."""
    certs = x509.load_pem_x509_certificates(fullchain_pem.encode())
    pems = [c.public_bytes(serialization.Encoding.PEM).decode() for c in certs]
    return pems[0], "".join(pems[1:])


def facts(cert_pem: str) -> CertFacts:
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    digest = cert.fingerprint(hashes.SHA256()).hex().upper()
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        names = san.value.get_values_for_type(x509.DNSName) + [
            ip.compressed for ip in san.value.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        names = []
    return CertFacts(
        serial=format(cert.serial_number, "x"),
        fingerprint_sha256=":".join(digest[i:i + 2] for i in range(0, len(digest), 2)),
        issuer=cert.issuer.rfc4514_string(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        domains=names,
    )
