"""Builders for the sources tests: request bodies, a CA certificate, the stored row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.db import transaction
from app.models import Source, User


def ad_body(n: int = 1, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": f"corp-ad-{n}",
        "kind": "active_directory",
        "url": "ldaps://dc1.corp.example:636",
        "bind_dn": "CN=svc-sync,OU=Service,DC=corp,DC=example",
        "bind_password": "Sup3r-secret!",
        "base_dns": ["OU=People,DC=corp,DC=example"],
    }
    body.update(overrides)
    return body


def ldap_body(n: int = 1, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": f"openldap-{n}",
        "kind": "ldap",
        "url": "ldap://ldap.corp.example",
        "bind_dn": "cn=sync,dc=corp,dc=example",
        "bind_password": "an0ther-secret",
        "base_dns": ["ou=people,dc=corp,dc=example"],
    }
    body.update(overrides)
    return body


def ca_pem(days: int = 365, cn: str = "Corp Test CA") -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=2))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def source_row(source_id: int) -> Source:
    with transaction() as session:
        row = session.get(Source, source_id)
        assert row is not None
        session.expunge(row)
        return row


def all_sources() -> list[Source]:
    from sqlmodel import select

    with transaction() as session:
        rows = list(session.execute(select(Source)).scalars())
        for r in rows:
            session.expunge(r)
        return rows


def own_user(user_id: int, source_id: int | None, anchor: str | None = "anchor-1") -> None:
    """Mark a user as synced from a source, as the sync engine does."""
    with transaction() as session:
        user = session.get(User, user_id)
        assert user is not None
        user.source_id = source_id
        user.source_anchor = anchor if source_id is not None else None
        session.add(user)


def user_row(user_id: int) -> User:
    with transaction() as session:
        row = session.get(User, user_id)
        assert row is not None
        session.expunge(row)
        return row
