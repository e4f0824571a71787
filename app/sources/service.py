"""Directory sources: validation, storage, the per-kind defaults, and the connection test.

Rules only: queries are in `repository`, the LDAP conversation in `app.ldap.client` (through
`probe`). Functions take an open session and never commit; the caller at the edge owns the
transaction. The bind password is encrypted (`app.crypto`) before it touches the row, is
decrypted only on its way to the server, and never enters an API shape, a log line or the
audit trail (which shows a fingerprint of its encrypted form, as for apps' client secrets).

What a change means for syncing: a change of what is read or how (server, base DNs,
filters, attribute map, anchor, ImmutableID attribute) forgets the incremental cursor, so
the next sync is a full one: an incremental sync would not re-read the people whose entries
did not change, nor find those the new scope brings in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr
from sqlmodel import Session

from app import crypto
from app.audit import service as audit
from app.errors import Conflict, InvalidInput, NotFound, field_error
from app.models import (
    Source,
    SourceAnchor,
    SourceKind,
    SourceStatus,
    SourceTls,
    utcnow,
)
from app.sources import probe
from app.sources import repository as repo
from app.sources.defaults import REQUIRED_FIELDS, defaults_for
from app.sources.ldap_syntax import check_bind_name, parse_ca_pem, parse_url
from app.sources.probe import Connection
from app.sources.schemas import (
    CaCertificateRead,
    ConnectionReport,
    SourceCreate,
    SourceDeleted,
    SourceRead,
    SourceTestRequest,
    SourceUpdate,
)

# What changes which entries are read, or what is made of them: the next sync is a full one.
SCOPE_FIELDS = frozenset(
    {
        "url",
        "base_dns",
        "user_filter",
        "group_filter",
        "attribute_map",
        "anchor",
        "immutable_id_attribute",
    }
)
# A plaintext source whose server or credentials change sends them in clear text again: the
# opt-in must be repeated.
_PLAINTEXT_SENSITIVE = frozenset({"url", "tls", "bind_dn", "bind_password"})


# --- reading --------------------------------------------------------------------------------


def get_source(session: Session, source_id: int) -> Source:
    """The source, or 404: how every caller loads one."""
    source = repo.get(session, source_id)
    if source is None:
        raise NotFound(f"Source {source_id} does not exist.")
    return source


def find_source(session: Session, ref: str) -> Source:
    """A source by id or name (the CLI's argument), or 404."""
    source = repo.by_name_or_id(session, ref)
    if source is None:
        raise NotFound(f"No source has the id or name {ref!r}.")
    return source


def list_sources(session: Session) -> list[Source]:
    return repo.list_all(session)


def _ca_read(pem: str | None) -> list[CaCertificateRead] | None:
    if not pem:
        return None
    try:
        _, certs = parse_ca_pem(pem)
    except ValueError:
        # Stored while valid and expired since: still shown, so the admin sees why TLS fails.
        return []
    return [CaCertificateRead(**c.__dict__) for c in certs]


def to_read(source: Source, user_count: int) -> SourceRead:
    assert source.id is not None
    return SourceRead(
        id=source.id,
        name=source.name,
        kind=SourceKind(source.kind),
        enabled=source.enabled,
        url=source.url,
        tls=SourceTls(source.tls),
        ca_certificates=_ca_read(source.ca_certificate),
        bind_dn=source.bind_dn,
        bind_password_set=bool(source.bind_password_enc),
        base_dns=list(source.base_dns or []),
        user_filter=source.user_filter,
        group_filter=source.group_filter,
        attribute_map=dict(source.attribute_map or {}),
        anchor=SourceAnchor(source.anchor),
        immutable_id_attribute=source.immutable_id_attribute,
        sync_interval_s=source.sync_interval_s,
        full_sync_interval_s=source.full_sync_interval_s,
        deletion_threshold=source.deletion_threshold,
        soft_match=source.soft_match,
        status=SourceStatus(source.status),
        status_reason=source.status_reason,
        last_sync=source.last_sync,
        next_sync_at=source.next_sync_at,
        held=source.held,
        user_count=user_count,
        created_at=source.created_at,
        updated_at=source.updated_at,
    )


def reads(session: Session, sources: list[Source]) -> list[SourceRead]:
    counts = repo.user_counts(session, [s.id for s in sources if s.id is not None])
    return [to_read(s, counts.get(s.id, 0)) for s in sources if s.id is not None]


def read(session: Session, source: Source) -> SourceRead:
    return reads(session, [source])[0]


# --- validation -----------------------------------------------------------------------------


def _tls_for(url: str, tls: SourceTls | str | None) -> SourceTls:
    """The TLS mode, checked against the URL's scheme (`ldaps` only with ldaps://)."""
    scheme = parse_url(url).scheme
    if tls is None:
        return SourceTls.ldaps if scheme == "ldaps" else SourceTls.starttls
    tls = SourceTls(tls)
    if scheme == "ldaps" and tls != SourceTls.ldaps:
        raise field_error(
            "tls",
            f"An ldaps:// URL is TLS from the first byte: tls must be ldaps, not {tls.value} "
            "(for StartTLS use an ldap:// URL).",
            "tls_scheme_mismatch",
        )
    if scheme == "ldap" and tls == SourceTls.ldaps:
        raise field_error(
            "tls",
            "tls ldaps needs an ldaps:// URL (port 636); with ldap:// use starttls.",
            "tls_scheme_mismatch",
        )
    return tls


def _check_plaintext(tls: SourceTls, allowed: bool) -> None:
    if tls == SourceTls.plaintext and not allowed:
        raise field_error(
            "allow_plaintext",
            "tls plaintext sends the bind password and every person's data in clear text: "
            "send allow_plaintext: true to confirm, or use starttls or ldaps.",
            "plaintext_not_allowed",
        )


def _check_anchor(kind: SourceKind, anchor: SourceAnchor) -> None:
    # Active Directory has no entryUUID; objectGUID is offered by some other servers too.
    if kind == SourceKind.active_directory and anchor == SourceAnchor.entry_uuid:
        raise field_error(
            "anchor",
            "Active Directory has no entryUUID: use mS-DS-ConsistencyGuid (Azure AD Connect's "
            "default) or objectGUID.",
            "anchor_kind_mismatch",
        )


def _bind_name(kind: SourceKind, bind_dn: str) -> str:
    try:
        return check_bind_name(bind_dn, active_directory=kind == SourceKind.active_directory)
    except ValueError as exc:
        raise field_error("bind_dn", str(exc), "invalid_dn") from None


def _merged_map(base: dict[str, str], patch: dict[str, str | None] | None) -> dict[str, str]:
    """`patch` merged into `base` (JSON merge patch, RFC 7396): null removes a mapping."""
    merged = dict(base)
    for key, value in (patch or {}).items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    inverted = sorted(k for k, v in merged.items() if v.startswith("!") and k != "status")
    if inverted:
        raise field_error(
            f"attribute_map.{inverted[0]}",
            "Only status reads an attribute inverted ('!name', for a locked/disabled flag); "
            "other fields take the attribute's value as it is.",
            "invalid",
        )
    missing = [f for f in REQUIRED_FIELDS if f not in merged]
    if missing:
        raise field_error(
            f"attribute_map.{missing[0]}",
            f"The attribute map must say where {' and '.join(missing)} come from: every person "
            "has a username and an email.",
            "required",
        )
    return merged


def _check_name(session: Session, name: str, exclude: int | None) -> None:
    if repo.name_taken(session, name, exclude):
        raise Conflict(f"A source named {name!r} already exists.")


def _ca_pem(value: str | None) -> str | None:
    return None if value is None else parse_ca_pem(value)[0]


# --- writing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Settings:
    """A source's settings with the kind's defaults applied and every rule checked."""

    kind: SourceKind
    url: str
    tls: SourceTls
    ca_certificate: str | None
    bind_dn: str
    base_dns: list[str]
    user_filter: str
    group_filter: str
    attribute_map: dict[str, str]
    anchor: SourceAnchor


def _resolve(data: SourceCreate) -> _Settings:
    kind = SourceKind(data.kind)
    defaults = defaults_for(kind)
    tls = _tls_for(data.url, data.tls)
    _check_plaintext(tls, data.allow_plaintext)
    anchor = SourceAnchor(data.anchor or defaults.anchor)
    _check_anchor(kind, anchor)
    return _Settings(
        kind=kind,
        url=data.url,
        tls=tls,
        ca_certificate=_ca_pem(data.ca_certificate),
        bind_dn=_bind_name(kind, data.bind_dn),
        base_dns=list(data.base_dns),
        user_filter=data.user_filter or defaults.user_filter,
        group_filter=data.group_filter or defaults.group_filter,
        attribute_map=_merged_map(defaults.attribute_map, data.attribute_map),
        anchor=anchor,
    )


def create_source(session: Session, data: SourceCreate) -> Source:
    settings = _resolve(data)
    _check_name(session, data.name, None)
    source = Source(
        name=data.name,
        kind=settings.kind.value,
        enabled=data.enabled,
        url=settings.url,
        tls=settings.tls.value,
        ca_certificate=settings.ca_certificate,
        bind_dn=settings.bind_dn,
        bind_password_enc=crypto.encrypt(data.bind_password.get_secret_value()),
        base_dns=settings.base_dns,
        user_filter=settings.user_filter,
        group_filter=settings.group_filter,
        attribute_map=settings.attribute_map,
        anchor=settings.anchor.value,
        immutable_id_attribute=data.immutable_id_attribute,
        sync_interval_s=data.sync_interval_s,
        full_sync_interval_s=data.full_sync_interval_s,
        deletion_threshold=data.deletion_threshold,
        soft_match=data.soft_match,
        # Due now: a new (enabled) source runs its first, full, sync at the next schedule tick.
        next_sync_at=utcnow() if data.enabled else None,
    )
    session.add(source)
    session.flush()
    audit.record(session, "source.created", source)
    return source


def update_source(session: Session, source_id: int, data: SourceUpdate) -> Source:
    """Apply a partial update (JSON merge patch for `attribute_map`). `kind` cannot change:
    it decides how changes are found and what the anchor is (create another source)."""
    source = repo.get_for_update(session, source_id)
    if source is None:
        raise NotFound(f"Source {source_id} does not exist.")
    before = audit.snapshot(source)
    kind = SourceKind(source.kind)
    sent = data.model_fields_set
    changes: dict[str, Any] = data.model_dump(
        exclude_unset=True, exclude={"bind_password", "allow_plaintext", "attribute_map"}
    )
    if changes.get("name") is not None:
        _check_name(session, changes["name"], source_id)
    # TLS against the (new) URL: a URL of the other scheme sent alone takes that scheme's
    # default mode, unless the stored one still fits (plaintext with ldap://).
    url = changes.get("url", source.url)
    tls: SourceTls | str | None = changes.get("tls", source.tls)
    if "url" in sent and "tls" not in sent:
        try:
            tls = _tls_for(url, source.tls)
        except InvalidInput:  # the stored mode does not fit the new scheme
            tls = None
    changes["tls"] = _tls_for(url, tls).value
    if changes["tls"] == SourceTls.plaintext:
        touched = {k for k in _PLAINTEXT_SENSITIVE if k in sent and _differs(source, k, data)}
        if touched or source.tls != SourceTls.plaintext:
            _check_plaintext(SourceTls.plaintext, bool(data.allow_plaintext))
    if "bind_dn" in changes:
        changes["bind_dn"] = _bind_name(kind, changes["bind_dn"])
    if "ca_certificate" in sent:
        changes["ca_certificate"] = _ca_pem(changes["ca_certificate"])
    if "anchor" in changes:
        anchor = SourceAnchor(changes["anchor"])
        _check_anchor(kind, anchor)
        changes["anchor"] = anchor.value
        if anchor.value != source.anchor and repo.user_counts(session, [source_id]):
            raise Conflict(
                f"Source {source.name!r} owns people: changing its anchor would give each of "
                "them a new ImmutableID (and a new account in the tenant). Delete the source "
                "to release them, or keep the anchor."
            )
    if "attribute_map" in sent and data.attribute_map is not None:
        changes["attribute_map"] = _merged_map(source.attribute_map or {}, data.attribute_map)
    rescope = any(k in changes and changes[k] != getattr(source, k) for k in SCOPE_FIELDS)
    enabling = changes.get("enabled") is True and not source.enabled
    for key, value in changes.items():
        setattr(source, key, value)
    if data.bind_password is not None:
        source.bind_password_enc = crypto.encrypt(data.bind_password.get_secret_value())
    if rescope:
        source.cursor = None  # the next sync is a full one (see the module's docstring)
        source.next_full_at = utcnow()
        if source.status == SourceStatus.held:
            # The held plan was made for the old scope: releasing it would apply a list
            # nobody reviewed for this one. The next sync plans again (and holds again if
            # the new scope deletes too many).
            source.status = SourceStatus.idle
            source.status_reason = "the hold was cleared: the source's scope changed"
            source.held = None
            source.next_sync_at = utcnow()
    if enabling:
        source.next_sync_at = utcnow()
    source.updated_at = utcnow()
    session.add(source)
    session.flush()
    audit.record(session, "source.updated", source, before)
    return source


def _differs(source: Source, key: str, data: SourceUpdate) -> bool:
    if key == "bind_password":
        return data.bind_password is not None
    return bool(getattr(data, key) != getattr(source, key))


def delete_source(session: Session, source_id: int) -> SourceDeleted:
    """Delete the source; its people are released: they keep every value, lose their owner
    and become API-managed (editable, no longer synced). Its groups go with it."""
    source = repo.get_for_update(session, source_id)  # a sync starting now waits for us
    if source is None:
        raise NotFound(f"Source {source_id} does not exist.")
    assert source.id is not None
    lease = source.lease_until
    if source.status == SourceStatus.running and lease is not None and lease > utcnow():
        # Its next batch would write people owned by a source that no longer exists, and
        # the count of released people would miss them.
        raise Conflict(
            f"A sync of source {source.name!r} is running: delete the source once it ends "
            "(disable it first so the schedule starts no other)."
        )
    released = repo.user_counts(session, [source_id]).get(source_id, 0)
    repo.release_users(session, source_id)
    audit.record(session, "source.deleted", source, extra={"released_users": released})
    result = SourceDeleted(id=source.id, name=source.name, released_users=released)
    session.delete(source)
    session.flush()
    return result


# --- the connection test --------------------------------------------------------------------


def connection_of(source: Source) -> Connection:
    """How to reach a stored source (for the connection test and the sync)."""
    password = crypto.decrypt(source.bind_password_enc) if source.bind_password_enc else ""
    return Connection(
        url=source.url,
        tls=SourceTls(source.tls),
        ca_certificate=source.ca_certificate,
        bind_dn=source.bind_dn,
        password=SecretStr(password),
        base_dns=list(source.base_dns or []),
        user_filter=source.user_filter,
        group_filter=source.group_filter,
    )


def test_saved(session: Session, source_id: int) -> ConnectionReport:
    """Bind and count with a stored source's settings; writes nothing."""
    source = get_source(session, source_id)
    try:
        connection = connection_of(source)
    except crypto.SecretDecryptError as exc:
        return probe.unusable("bind", "secret_unreadable", str(exc))
    return probe.run(connection)


def test_unsaved(data: SourceTestRequest) -> ConnectionReport:
    """Bind and count with settings not saved yet (the kind's defaults applied, every rule
    checked as for a create); writes nothing."""
    settings = _resolve(data)
    return probe.run(
        Connection(
            url=settings.url,
            tls=settings.tls,
            ca_certificate=settings.ca_certificate,
            bind_dn=settings.bind_dn,
            password=data.bind_password,
            base_dns=settings.base_dns,
            user_filter=settings.user_filter,
            group_filter=settings.group_filter,
        )
    )
