"""Verification of certificate credentials: the signed JWT a confidential client sends.

MSAL Python 1.39 signs with PS256 and sends `x5t#S256` when it is given the public
certificate, and falls back to RS256 with a SHA-1 `x5t` when it only has a thumbprint;
both are accepted, as Azure AD does. Checks: the key is one of the app's registered
certificates, the signature, `aud` (the token endpoint), `iss` = `sub` = client id, and
the validity window.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

# Azure AD tolerates some clock skew on assertion timestamps.
CLOCK_SKEW_S = 300


@dataclass
class AssertionRejected(Exception):
    aadsts: int
    description: str


def _b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def thumbprints(cert_pem: str) -> tuple[str, str]:
    """(x5t, x5t#S256) of a PEM certificate, base64url-encoded as they appear in JWT headers."""
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    return _b64url(cert.fingerprint(hashes.SHA1())), _b64url(cert.fingerprint(hashes.SHA256()))


def _find_certificate(header: dict[str, Any], certificates: list[str]) -> x509.Certificate | None:
    # MSAL keeps base64 padding on thumbprints; RFC 7515 says there is none. Accept both.
    x5t = str(header.get("x5t") or "").rstrip("=")
    x5t256 = str(header.get("x5t#S256") or "").rstrip("=")
    for pem in certificates:
        sha1, sha256 = thumbprints(pem)
        if (x5t and x5t == sha1) or (x5t256 and x5t256 == sha256):
            return x509.load_pem_x509_certificate(pem.encode())
    return None


def verify_client_assertion(
    assertion: str, client_id: str, certificates: list[str], audiences: set[str]
) -> None:
    """Raise AssertionRejected with Azure AD's error number unless the assertion is valid."""
    parts = assertion.split(".")
    if len(parts) != 3:
        raise AssertionRejected(50027, "JWT token is invalid or is malformed.")
    try:
        header = json.loads(_b64url_decode(parts[0]))
        claims = json.loads(_b64url_decode(parts[1]))
        signature = _b64url_decode(parts[2])
    except ValueError:
        raise AssertionRejected(50027, "JWT token is invalid or is malformed.") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise AssertionRejected(50027, "JWT token is invalid or is malformed.")

    cert = _find_certificate(header, certificates)
    if cert is None:
        shown = header.get("x5t#S256") or header.get("x5t") or ""
        raise AssertionRejected(
            700027,
            "Client assertion failed signature validation. (Reason - The key was not found., "
            f"Thumbprint of key used by client: '{shown}', Please visit the Azure Portal, Graph "
            f"Explorer or directly use MS Graph to see configured keys for app Id '{client_id}'.)",
        )
    public_key = cert.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise AssertionRejected(700027, "Client assertion failed signature validation.")
    signed = f"{parts[0]}.{parts[1]}".encode()
    algorithm = header.get("alg")
    try:
        if algorithm == "RS256":
            public_key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
        elif algorithm == "PS256":
            pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO)
            public_key.verify(signature, signed, pss, hashes.SHA256())
        else:
            raise AssertionRejected(
                5002738, f"Invalid JWT token. '{algorithm}' is not a supported signature algorithm."
            )
    except InvalidSignature:
        raise AssertionRejected(
            700027,
            "Client assertion failed signature validation. (Reason - The provided "
            "signature value did not match the expected signature value.)",
        ) from None

    if claims.get("iss") != client_id or claims.get("sub") != client_id:
        raise AssertionRejected(
            700021, "Client assertion application identifier doesn't match 'client_id' parameter."
        )
    if claims.get("aud") not in audiences:
        raise AssertionRejected(
            700212,
            f"No matching federated identity record found for presented assertion audience "
            f"'{claims.get('aud')}'.",
        )
    now = time.time()
    exp = claims.get("exp")
    nbf = claims.get("nbf", claims.get("iat", now))
    if (
        not isinstance(exp, int | float)
        or not isinstance(nbf, int | float)
        or exp + CLOCK_SKEW_S < now
        or nbf - CLOCK_SKEW_S > now
    ):
        raise AssertionRejected(700024, "Client assertion is not within its valid time range.")
