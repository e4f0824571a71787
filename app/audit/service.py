"""The audit trail: every change to apps (their credentials and policy included), approvals,
mappings, rules, roles, users, groups, tokens and webhooks, with who made it, when, and the
values of the fields it changed before and after.

Why a table of its own (`audit_entry`) and not the `event` table: events are the engine's
notes about provisioning (a user linked, an ImmutableID written back, deletes held by the
threshold), written by workers with no person behind them and read beside the tasks in the
provisioning log. Audit entries answer another question, "who changed this, and from what",
so each one names its actor, its object (type, id, name) and the before/after of the fields
that changed, and is filtered and exported by those. One table per question keeps each
narrow, indexed for its own filters, and lets the two be kept for different lengths of time.

Every entry is written with `record`, in the transaction of the change itself: a change that
rolls back leaves no entry, and one that commits always has its entry. There is no switch to
turn auditing off, so changes of approval policy, thresholds and credentials are always
recorded.

Who acts belongs to the transaction: the edge that opens it names the actor with `act_as`
(the request dependency that checks the token, the CLI, SCIM through the same dependency),
and `record` reads it from the session. A context variable would not do here: FastAPI runs
synchronous dependencies in worker threads, whose context changes never reach the endpoint.
A process may name a default (`act_as_process`: the CLI names the OS user, `cli:<user>`);
work with no actor named (background jobs) is recorded as `system`.

Secrets never enter an entry: a client secret shows as a short fingerprint of its encrypted
form (it changes whenever the secret is replaced, and says nothing about the secret), a
certificate as its public thumbprint, a webhook's signing secret as a fingerprint and its URL
as scheme, host and a fingerprint (`_url_record`), token secrets and token caches not at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session

from app import crypto
from app.audit import repository as repo
from app.models import (
    ApiToken,
    App,
    AuditEntry,
    Group,
    MappingRow,
    Role,
    RuleRow,
    ScimGroup,
    Source,
    Task,
    TenantAccount,
    User,
    WebhookEndpoint,
    utcnow,
)
from app.observability.context import current_request_id

_ACTOR_KEY = "audit.actor"


@dataclass(frozen=True)
class Actor:
    """Who acts: `type` is token, scim, cli or system; `id` is the token's id."""

    type: str
    name: str
    id: int | None = None


SYSTEM = Actor("system", "system")
CLI = Actor("cli", "cli")


_process_actor = SYSTEM


def act_as(session: Session, actor: Actor) -> None:
    """Name who acts for the rest of this session's transactions."""
    session.info[_ACTOR_KEY] = actor


def act_as_process(actor: Actor) -> Actor:
    """Name who acts in every session of this process that names no one itself (the CLI);
    returns who did before, for a caller that gives the process back (a command's end)."""
    global _process_actor
    previous, _process_actor = _process_actor, actor
    return previous


def actor_of(session: Session) -> Actor:
    actor = session.info.get(_ACTOR_KEY)
    return actor if isinstance(actor, Actor) else _process_actor


# --- what an object looks like in the record ------------------------------------------------


def _secret_fingerprint(encrypted: str | None) -> str | None:
    if not encrypted:
        return None
    return "set:" + hashlib.sha256(encrypted.encode()).hexdigest()[:12]


def _app(app: App) -> dict[str, Any]:
    return {
        "name": app.name,
        "tenant": app.tenant,
        "domain": app.domain,
        "cloud": app.cloud,
        "client_id": app.client_id,
        "client_secret": _secret_fingerprint(app.client_secret_enc),
        "certificate_thumbprint": app.certificate_thumbprint,
        "certificate_expires_at": app.certificate_expires_at,
        "consented_tenant_id": app.consented_tenant_id,
        "provisioning_enabled": app.provisioning_enabled,
        "approval_required": app.approval_required,
        "on_user_deleted": app.on_user_deleted,
        "on_user_suspended": app.on_user_suspended,
        "on_app_removed": app.on_app_removed,
        "deletion_threshold": app.deletion_threshold,
        "drift_policy": app.drift_policy,
        "match_order": app.match_order,
        "immutable_id_attribute": app.immutable_id_attribute,
        "parameters": app.parameters,
        "sync_interval_s": app.sync_interval_s,
        "full_sync_interval_s": app.full_sync_interval_s,
    }


def _source(source: Source) -> dict[str, Any]:
    # The bind password as a fingerprint of its encrypted form (it changes when the password
    # does); the CA certificate by its fingerprint (the PEM is long and says no more).
    ca = None
    if source.ca_certificate:
        ca = "sha256:" + hashlib.sha256(source.ca_certificate.encode()).hexdigest()[:16]
    return {
        "name": source.name,
        "kind": source.kind,
        "enabled": source.enabled,
        "url": source.url,
        "tls": source.tls,
        "ca_certificate": ca,
        "bind_dn": source.bind_dn,
        "bind_password": _secret_fingerprint(source.bind_password_enc),
        "base_dns": source.base_dns,
        "user_filter": source.user_filter,
        "group_filter": source.group_filter,
        "attribute_map": source.attribute_map,
        "anchor": source.anchor,
        "immutable_id_attribute": source.immutable_id_attribute,
        "sync_interval_s": source.sync_interval_s,
        "full_sync_interval_s": source.full_sync_interval_s,
        "deletion_threshold": source.deletion_threshold,
    }


def _url_record(url: str) -> str:
    """A webhook URL as the trail shows it: where data goes (scheme, host, port) and a
    fingerprint of the whole URL. The path and query stay out: many receivers (chat incoming
    webhooks) put their credential there, and the trail is readable with `read` while
    webhooks are `admin`'s. The fingerprint changes with any part of the URL. It is keyed
    (HMAC with the service's key, `crypto.derived_id`): a plain hash of a short, guessable path
    could be confirmed offline by anyone who reads the trail."""
    parts = urlsplit(url)
    digest = crypto.derived_id("webhook-url:" + url)[:16]
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]} (hmac:{digest})"


def _webhook(row: WebhookEndpoint) -> dict[str, Any]:
    # The signing secret as a fingerprint of its encrypted form, like a client secret.
    return {
        "app_id": row.app_id,
        "url": _url_record(row.url),
        "description": row.description,
        "event_types": row.event_types,
        "enabled": row.enabled,
        "secret": _secret_fingerprint(row.secret_enc),
    }


_FIELDS: dict[type, tuple[str, tuple[str, ...]]] = {
    # type -> (object type, recorded columns); `App` has its own function (secrets).
    User: (
        "user",
        (
            "username",
            "email",
            "firstname",
            "lastname",
            "display_name",
            "distinguished_name",
            "member_of",
            "department",
            "title",
            "company",
            "phone",
            "country",
            "status",
            "custom_attributes",
            "group_id",
            "external_id",
        ),
    ),
    Group: ("group", ("name", "description")),
    Role: ("role", ("name", "description")),
    MappingRow: ("mapping", ("name", "enabled", "match", "position", "conditions", "actions")),
    RuleRow: (
        "rule",
        ("app_id", "name", "enabled", "match", "position", "conditions", "actions"),
    ),
    ApiToken: ("token", ("name", "prefix", "scopes", "expires_at", "revoked_at")),
    Task: ("task", ("app_id", "user_id", "action", "status", "approved_by", "denied_by")),
    ScimGroup: ("scim_group", ("display_name", "external_id")),
    TenantAccount: (
        "tenant_account",
        ("app_id", "object_id", "user_principal_name", "user_id", "match_method", "disposition"),
    ),
}


def object_type(row: Any) -> str:
    if isinstance(row, Source):
        return "source"
    if isinstance(row, WebhookEndpoint):
        return "webhook"
    return "app" if isinstance(row, App) else _FIELDS[type(row)][0]


def _name(row: Any) -> str | None:
    if isinstance(row, User):
        return row.username
    if isinstance(row, ApiToken | Group | Role | MappingRow | RuleRow | App | Source):
        return row.name
    if isinstance(row, ScimGroup):
        return row.display_name
    if isinstance(row, TenantAccount):
        return row.user_principal_name or row.object_id
    if isinstance(row, WebhookEndpoint):
        return _url_record(row.url).split(" ", 1)[0]
    if isinstance(row, Task):
        whom = f"user {row.user_id}" if row.user_id is not None else "a tenant account"
        return f"{row.action} of {whom} in app {row.app_id}"
    return None


_SCALARS = frozenset({str, int, float, bool})  # exact types: a StrEnum is a str subclass


def _plain(value: Any) -> Any:
    """A JSON-ready copy of a column value."""
    if value is None or type(value) in _SCALARS:
        return value  # the common case, first: a batch of new users records a million
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


def snapshot(row: Any, **extra: Any) -> dict[str, Any]:
    """What the record shows of `row` (never a secret), plus `extra` values (e.g. the role
    ids of a user, the app ids of a role) that live outside the row."""
    if isinstance(row, Source):
        values = _source(row)
    elif isinstance(row, WebhookEndpoint):
        values = _webhook(row)
    else:
        values = (
            _app(row)
            if isinstance(row, App)
            else {f: getattr(row, f) for f in _FIELDS[type(row)][1]}
        )
    return {k: _plain(v) for k, v in {**values, **extra}.items()}


# --- recording ------------------------------------------------------------------------------


def record(
    session: Session,
    action: str,
    row: Any,
    before: dict[str, Any] | None = None,
    *,
    extra: dict[str, Any] | None = None,
    fields: Iterable[str] | None = None,
) -> None:
    """Record one change of `row` by the session's actor, in the session's transaction.

    `action` is `<type>.<verb>`. For `.created` the entry holds the new values; for `.deleted`
    (call it before the row goes) the last ones; otherwise `before` is the `snapshot` taken
    before the change and only the fields that differ are kept (restricted to `fields` when
    given): a change that changed nothing records nothing. `extra` adds values that live
    outside the row, as `snapshot` does.
    """
    now = snapshot(row, **(extra or {}))
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    if action.endswith(".created"):
        old, new = None, now
    elif action.endswith(".deleted"):
        old, new = now, None
    else:
        old_all = before or {}
        keys = [k for k in now if old_all.get(k) != now[k] and (fields is None or k in fields)]
        if not keys:
            return
        old, new = {k: old_all.get(k) for k in keys}, {k: now[k] for k in keys}
    actor = actor_of(session)
    repo.add(
        session,
        AuditEntry(
            actor_type=actor.type,
            actor_id=actor.id,
            actor_name=actor.name,
            object_type=object_type(row),
            object_id=None if getattr(row, "id", None) is None else str(row.id),
            object_name=_name(row),
            action=action,
            before=old,
            after=new,
            request_id=current_request_id(),
        ),
    )


def record_values(
    session: Session,
    action: str,
    row: Any,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Record a change whose values are not columns of `row` (e.g. a task's decision)."""
    actor = actor_of(session)
    repo.add(
        session,
        AuditEntry(
            actor_type=actor.type,
            actor_id=actor.id,
            actor_name=actor.name,
            object_type=object_type(row),
            object_id=None if getattr(row, "id", None) is None else str(row.id),
            object_name=_name(row),
            action=action,
            before=_plain(before) if before is not None else None,
            after=_plain(after) if after is not None else None,
            request_id=current_request_id(),
        ),
    )


def record_created_users(
    session: Session,
    created: Sequence[tuple[int, Mapping[str, Any], Mapping[str, Any]]],
    request_ids: Sequence[str | None] | None = None,
) -> None:
    """`record(session, "user.created", user, extra=...)` for many new users at once, from
    the values they were inserted with: (user id, inserted row values, extra values).
    `request_ids`, one per entry, for users created by separate requests written together
    (each entry names its own request); the current request's id otherwise.

    The same entries as one `record` each, written in one executemany without building a
    `User` or an `AuditEntry` object per person: for a batch of 1,000 (the bulk endpoint, a
    directory source's first sync) those objects cost more than the rows themselves. A column
    the row leaves out is recorded as None, its value in the table."""
    if not created:
        return
    actor = actor_of(session)
    if request_ids is None:
        request_ids = [current_request_id()] * len(created)
    fields = _FIELDS[User][1]
    now = utcnow()
    repo.add_many(
        session,
        [
            {
                "created_at": now,
                "actor_type": actor.type,
                "actor_id": actor.id,
                "actor_name": actor.name,
                "object_type": "user",
                "object_id": str(user_id),
                "object_name": values.get("username"),
                "action": "user.created",
                "before": None,
                "after": {
                    k: _plain(v) for k, v in {**{f: values.get(f) for f in fields}, **extra}.items()
                },
                "request_id": request_id,
            }
            for (user_id, values, extra), request_id in zip(created, request_ids, strict=True)
        ],
    )


# --- reading --------------------------------------------------------------------------------

CSV_COLUMNS = (
    "id",
    "created_at",
    "actor_type",
    "actor_id",
    "actor_name",
    "object_type",
    "object_id",
    "object_name",
    "action",
    "before",
    "after",
    "request_id",
)
