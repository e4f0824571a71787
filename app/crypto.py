"""Encryption of secrets at rest (client secrets, certificates, token caches) with Fernet.

The key comes from SECRET_KEY, or is generated once into the data directory for the embedded
default. Values are stored as Fernet tokens; nothing here ever logs a plaintext.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken

from app.settings import Settings, get_settings


class SecretDecryptError(RuntimeError):
    pass


def _load_key(settings: Settings) -> bytes:
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    path = settings.data_dir / "secret.key"
    if path.exists():
        return path.read_bytes().strip()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    # Create with 0600 from the start so the key is never world-readable, even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key


@lru_cache
def _fernet() -> Fernet:
    return Fernet(_load_key(get_settings()))


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretDecryptError(
            "A stored secret could not be decrypted: SECRET_KEY differs from the one it was "
            "encrypted with."
        ) from exc


def derived_id(label: str, settings: Settings | None = None) -> str:
    """An identifier derived from the key (HMAC-SHA256 of `label`): equal wherever the same key
    is in use, different anywhere else, and telling nothing about the key itself."""
    key = _load_key(settings or get_settings())
    return hmac.new(key, label.encode(), hashlib.sha256).hexdigest()[:32]
