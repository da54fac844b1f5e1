"""Throwaway X.509 material: a test CA and a TLS leaf for services listening on loopback."""

from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from cryptography.x509.verification import PolicyBuilder, Store


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_ca(common_name: str = "casp test CA", path_length: int = 0,
            issuer: tuple[ec.EllipticCurvePrivateKey, x509.Certificate] | None = None,
            ) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A CA with the extensions strict verifiers (OpenSSL 3, webpki) insist on: self-signed,
    or signed by `issuer` (its key and certificate), an intermediate."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    signer_key, issuer_name, issuer_ski = key, _name(common_name), ski
    if issuer is not None:
        signer_key, issuer_name = issuer[0], issuer[1].subject
        issuer_ski = issuer[1].extensions.get_extension_for_class(
            x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
            issuer_ski), critical=False)
        .sign(signer_key, hashes.SHA256())
    )
    return key, cert


def make_leaf(ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate,
              dns_names: tuple[str, ...] = ("localhost",),
              ips: tuple[str, ...] = ("127.0.0.1",)) -> tuple[ec.EllipticCurvePrivateKey,
                                                               x509.Certificate]:
    """A TLS server certificate for loopback names, signed by `ca_cert`."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    sans: list[x509.GeneralName] = [x509.DNSName(n) for n in dns_names]
    sans += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(dns_names[0] if dns_names else ips[0]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=False, crl_sign=False,
                                     content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def write_tls_files(directory: Path) -> tuple[Path, Path, Path]:
    """Write ca.pem, cert.pem and key.pem for a loopback listener; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, ca_cert = make_ca()
    leaf_key, leaf_cert = make_leaf(ca_key, ca_cert)
    ca_path, cert_path, key_path = (directory / "ca.pem", directory / "cert.pem",
                                    directory / "key.pem")
    ca_path.write_bytes(cert_pem(ca_cert))
    cert_path.write_bytes(cert_pem(leaf_cert))
    key_path.write_bytes(key_pem(leaf_key))
    key_path.chmod(0o600)
    return ca_path, cert_path, key_path


def load_pem_chain(pem: bytes | str) -> list[x509.Certificate]:
    """All certificates in a PEM bundle, in order (leaf first for an ACME fullchain)."""
    data = pem.encode() if isinstance(pem, str) else pem
    return x509.load_pem_x509_certificates(data)


def verify_chain(fullchain_pem: str, root_pem: str, names: list[str]) -> None:
    """The leaf must chain to this run's Pebble root through the bundled intermediates."""
    leaf, *intermediates = x509.load_pem_x509_certificates(fullchain_pem.encode())
    root = x509.load_pem_x509_certificate(root_pem.encode())
    assert intermediates, "fullchain carries no intermediate"
    sans = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    for name in names:
        assert name in sans.get_values_for_type(x509.DNSName)
        host = name.replace("*", "check", 1)
        verifier = PolicyBuilder().store(Store([root])).build_server_verifier(x509.DNSName(host))
        chain = verifier.verify(leaf, intermediates)
        assert chain[0] == leaf and chain[-1] == root
