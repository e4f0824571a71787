"""An app's credentials at rest: the client secret, the certificate, MSAL's token cache.

Everything is stored Fernet-encrypted (app.crypto); plaintext exists only in memory, on its way
into MSAL. Certificates are checked on the way in (the key must match the certificate, the
certificate must still be valid) because a mismatch would otherwise surface much later as an
opaque AADSTS700027 in the middle of a provisioning run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from app import crypto
from app.apps import repository as repo
from app.db import transaction
from app.errors import field_error
from app.graph import CertificateCredential


@dataclass(frozen=True)
class ParsedCertificate:
    private_key_pem: str  # unencrypted PKCS#8; it is encrypted as a whole before storage
    certificate_pem: str
    thumbprint: str  # SHA-1, upper-case hex: MSAL's `thumbprint` and the Entra portal's view
    expires_at: datetime

    def __repr__(self) -> str:  # never print the key
        return f"ParsedCertificate(thumbprint={self.thumbprint!r})"


def parse_certificate(
    private_key_pem: str, certificate_pem: str, passphrase: str | None = None
) -> ParsedCertificate:
    """Validate a PEM key + certificate pair; raises a 422 problem naming the field."""
    field = "certificate"
    try:
        cert = x509.load_pem_x509_certificate(certificate_pem.encode())
    except ValueError:
        raise field_error(
            f"{field}.certificate_pem", "Not a PEM certificate.", "invalid_certificate"
        ) from None
    try:
        key = serialization.load_pem_private_key(
            private_key_pem.encode(), password=passphrase.encode() if passphrase else None
        )
    except (ValueError, TypeError):
        # TypeError: encrypted key without passphrase, or a passphrase for a plain key.
        raise field_error(
            f"{field}.private_key_pem",
            "Not a PEM private key, or the passphrase does not open it.",
            "invalid_private_key",
        ) from None
    # Entra ID signs client assertions with RSA (RS256/PS256) only.
    if not isinstance(key, rsa.RSAPrivateKey):
        raise field_error(f"{field}.private_key_pem", "Only RSA keys are supported.", "key_type")
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(*spki) != cert.public_key().public_bytes(*spki):
        raise field_error(
            field, "The private key does not belong to the certificate.", "key_mismatch"
        )
    expires_at = cert.not_valid_after_utc
    if expires_at <= datetime.now(UTC):
        raise field_error(
            f"{field}.certificate_pem",
            f"The certificate expired on {expires_at.date().isoformat()}.",
            "certificate_expired",
        )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return ParsedCertificate(
        private_key_pem=key_pem,
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        thumbprint=cert.fingerprint(hashes.SHA1()).hex().upper(),
        expires_at=expires_at,
    )


def encrypt_certificate(cert: ParsedCertificate) -> str:
    payload = {"private_key_pem": cert.private_key_pem, "certificate_pem": cert.certificate_pem}
    return crypto.encrypt(json.dumps(payload))


def certificate_credential(certificate_enc: str, thumbprint: str) -> CertificateCredential:
    payload = json.loads(crypto.decrypt(certificate_enc))
    # Thumbprint only: MSAL then signs RS256 with a SHA-1 `x5t`, which every Entra tenant
    # accepts without the subject-name/issuer setup that sending the chain (x5c) implies.
    return CertificateCredential(private_key_pem=payload["private_key_pem"], thumbprint=thumbprint)


class DbTokenCacheStore:
    """MSAL's serialized cache, encrypted in `App.token_cache_enc`.

    Called from MSAL's worker thread; each call is its own short transaction. Writes touch
    only that column (not `updated_at`), so saving a token never looks like a config change.
    """

    def __init__(self, app_id: int) -> None:
        self.app_id = app_id

    def load(self) -> str | None:
        with transaction() as session:
            blob = repo.token_cache(session, self.app_id)
        if not blob:
            return None
        try:
            return crypto.decrypt(blob)
        except crypto.SecretDecryptError:
            return None  # a cache is only a cache: start empty rather than fail

    def save(self, serialized: str) -> None:
        with transaction() as session:
            # A token fetched while "clear token" ran must not bring the cache back.
            repo.save_token_cache(session, self.app_id, crypto.encrypt(serialized))
