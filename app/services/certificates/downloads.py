"""Downloads of an issued certificate: PEM, full chain, key, PKCS#12, or all in a zip."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    NoEncryption,
    pkcs12,
)

from app.acme.keys import key_from_pem
from app.errors import ValidationFailed
from app.runtime import current
from app.services.certificates.records import get_certificate
from app.services.inputs import at_most
from app.wording import Value, listed
from models.certificate import Certificate
from models.user import User

FORMATS = ("pem", "fullchain", "key", "pfx", "zip")
PEM = "application/x-pem-file"
PKCS12 = "application/x-pkcs12"
ZIP = "application/zip"
MEDIA_TYPES = (PEM, PKCS12, ZIP)
MAX_PFX_PASSWORD = 200


@dataclass(frozen=True)
class Download:
    content: bytes
    filename: str
    media_type: str


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
MAX_BASE = 200  # characters: the file name stays under the usual 255


def _base(cert: Certificate) -> str:
    """The file name's stem, from the first name: names are normalised on input, yet what
    goes into a header is made safe here whatever is stored (CR/LF, quotes, non-ASCII)."""
    name = str(cert.domains[0]) if cert.domains else "certificate"
    return _UNSAFE.sub("_", name.replace("*", "_wildcard"))[:MAX_BASE]


def _key_pem(cert: Certificate) -> bytes:
    return current().box.decrypt(str(cert.key_encrypted))


def _pfx(cert: Certificate, password: str | None) -> bytes:
    key = key_from_pem(_key_pem(cert))
    leaf = x509.load_pem_x509_certificate(str(cert.certificate_pem).encode())
    chain = x509.load_pem_x509_certificates(cert.chain_pem.encode()) if cert.chain_pem else []
    encryption = BestAvailableEncryption(password.encode()) if password else NoEncryption()
    return pkcs12.serialize_key_and_certificates(_base(cert).encode(), key, leaf, chain,
                                                encryption)


def _zip(cert: Certificate) -> bytes:
    buffer = io.BytesIO()
    leaf, chain = str(cert.certificate_pem), cert.chain_pem or ""
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("cert.pem", leaf)
        archive.writestr("chain.pem", chain)
        archive.writestr("fullchain.pem", leaf + chain)
        archive.writestr("privkey.pem", _key_pem(cert))
    return buffer.getvalue()


async def download(*, user: User, id: int, format: str | None,
                   password: str | None = None) -> Download:
    at_most(password, MAX_PFX_PASSWORD, "password")
    cert = await get_certificate(user=user, id=id)
    fmt = (format or "pem").lower()
    if fmt not in FORMATS:
        raise ValidationFailed(f"format must be one of: {listed(FORMATS)}", field="format")
    if not cert.certificate_pem or not cert.key_encrypted:
        raise ValidationFailed(f"certificate {id} is {Value(cert.status)}: nothing to download yet",
                               field="id")
    base = _base(cert)
    if fmt == "pem":
        return Download(cert.certificate_pem.encode(), f"{base}.pem", PEM)
    if fmt == "fullchain":
        full = cert.certificate_pem + (cert.chain_pem or "")
        return Download(full.encode(), f"{base}.fullchain.pem", PEM)
    if fmt == "key":
        return Download(_key_pem(cert), f"{base}.key.pem", PEM)
    if fmt == "pfx":
        return Download(_pfx(cert, password), f"{base}.pfx", PKCS12)
    return Download(_zip(cert), f"{base}.zip", ZIP)
