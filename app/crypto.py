"""Secrets at rest: the server key, authenticated encryption, and token hashes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.files import make_private, private_dir, write_private

KEY_FILE = "secret.key"


def load_or_create_secret(data_dir: Path, configured: str | None) -> str:
    """CASP_SECRET_KEY when set; else a random key made once in the data dir (mode 0600)."""
    if configured:
        if len(configured) < 32:
            raise ValueError("CASP_SECRET_KEY must be at least 32 characters")
        return configured
    path = private_dir(data_dir) / KEY_FILE
    try:
        write_private(path, secrets.token_urlsafe(48).encode(), exclusive=True)
    except FileExistsError:
        make_private(path)  # made by an older casp: maybe 0644
    return path.read_text().strip()


def install_id(secret: str) -> str:
    """A name for one install, the same in all its processes (they share the secret, which
    decrypts the keys) and different from another's, revealing nothing of the secret: what
    it keeps in a shared Redis (pub/sub channel, rate-limit keys) goes under it, since user
    ids repeat across installs (user 1 is in every database)."""
    return _derive(secret, b"casp install id").hex()[:16]


def _derive(secret: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
        secret.encode())


class SecretBox:
    """Fernet (AES-128-CBC + HMAC-SHA256) under a key derived from the server secret; and
    tags (HMAC-SHA256) under another key derived from it."""

    def __init__(self, secret: str, purpose: bytes = b"casp at-rest v1"):
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(secret, purpose)))
        self._tag_key = _derive(secret, b"casp tags v1")

    def tag(self, purpose: str, message: str) -> str:
        """A value only this server can compute for `message` (128 bits, 32 hex digits): the
        same on every instance sharing CASP_SECRET_KEY, another for another purpose."""
        data = purpose.encode() + b"\0" + message.encode()
        return hmac.new(self._tag_key, data, hashlib.sha256).hexdigest()[:32]

    def encrypt(self, plaintext: str | bytes) -> str:
        data = plaintext.encode() if isinstance(plaintext, str) else plaintext
        return self._fernet.encrypt(data).decode()

    def decrypt(self, token: str) -> bytes:
        try:
            return self._fernet.decrypt(token.encode())
        except InvalidToken as exc:
            raise ValueError("cannot decrypt: wrong CASP_SECRET_KEY or corrupted data") from exc


def new_token(prefix: str = "") -> str:
    """A random 256-bit token, URL-safe."""
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """Tokens carry 256 bits of entropy, so a plain SHA-256 is a safe lookup key."""
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
