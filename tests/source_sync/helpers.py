"""Sources for the sync tests, written straight into the database (the sources API lives in
its own domain) with the settings each kind's defaults give."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import select

from app.crypto import encrypt
from app.db import transaction
from app.models import Source, User
from tests.ldap_support import LdapOu

AD_MAP = {
    "username": "userPrincipalName",
    "email": "mail",
    "firstname": "givenName",
    "lastname": "sn",
    "display_name": "displayName",
    "distinguished_name": "distinguishedName",
    "department": "department",
    "title": "title",
    "custom_attributes.employee_id": "employeeID",
}
LDAP_MAP = {
    "username": "uid",
    "email": "mail",
    "firstname": "givenName",
    "lastname": "sn",
    "display_name": "displayName",
    "distinguished_name": "entryDN",
    "department": "departmentNumber",
    "title": "title",
    "custom_attributes.employee_id": "employeeNumber",
}


def make_source(ou: LdapOu, **overrides: Any) -> int:
    server = ou.server
    ad = ou.is_ad
    values: dict[str, Any] = {
        "name": f"src-{ou.dn.split(',')[0].split('=')[1]}",
        "kind": server.kind,
        "url": server.uri,
        "tls": "ldaps" if server.uri.startswith("ldaps://") else "starttls",
        "ca_certificate": Path(server.ca_file).read_text(),
        "bind_dn": server.bind_dn,
        "bind_password_enc": encrypt(server.bind_password),
        "base_dns": [ou.dn],
        "user_filter": "(&(objectCategory=person)(objectClass=user))"
        if ad
        else "(objectClass=inetOrgPerson)",
        "group_filter": "(objectClass=group)" if ad else "(objectClass=groupOfNames)",
        "attribute_map": AD_MAP if ad else LDAP_MAP,
        "anchor": "mS-DS-ConsistencyGuid" if ad else "entryUUID",
        "deletion_threshold": 500,
    }
    values.update(overrides)
    with transaction() as session:
        source = Source(**values)
        session.add(source)
        session.flush()
        assert source.id is not None
        return source.id


def source_row(source_id: int) -> Source:
    with transaction() as session:
        source = session.get(Source, source_id)
        assert source is not None
        session.expunge(source)
        return source


def owned(source_id: int) -> dict[str, User]:
    """The live people the source owns, by username."""
    with transaction() as session:
        rows = session.execute(
            select(User).where(User.source_id == source_id, User.deleted_at.is_(None))  # type: ignore[union-attr]
        ).scalars()
        out = {}
        for user in rows:
            session.expunge(user)
            out[user.username] = user
        return out


def user_named(username: str) -> User | None:
    with transaction() as session:
        user = session.execute(select(User).where(User.username == username)).scalars().first()
        if user is not None:
            session.expunge(user)
        return user
