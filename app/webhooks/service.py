"""Webhook endpoints and the events they are told about.

Events are recorded where they happen, in the caller's transaction: one `webhook_delivery`
row per subscribed endpoint (the outbox) and a wake-up sent after the commit, so an event is
announced only if what caused it was kept, and a lost wake-up is found by the sweeper. An
event with no subscriber writes nothing.

`approvals.waiting` is a summary: the tasks one transaction puts in `pending_approval` for an
app (a reapply over thousands of users, say) make one event with their count, not one event
per task. The other types are one event per occurrence.

Secrets (`whsec_...`) are encrypted at rest with the project's key (`app.crypto`), returned
only by the create call, and never logged. Rules only: HTTP sending is in `jobs`.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session

from app import crypto, queue
from app.apps import repository as apps_repo
from app.audit import service as audit
from app.errors import NotFound, field_error
from app.models import (
    App,
    DeliveryStatus,
    Task,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEventType,
    utcnow,
)
from app.settings import Settings, get_settings
from app.webhooks import repository as repo
from app.webhooks.schemas import WebhookCreate, WebhookUpdate

DELIVER_FUNCTION = "deliver_webhook"
SECRET_PREFIX = "whsec_"
TEST_EVENT = "webhook.test"
MAX_SUMMARY_TASKS = 100
"""How many tasks an `approvals.waiting` event lists (its `count` keeps counting)."""

_SUBSCRIBERS = "webhooks.subscribers"
_OPEN = "webhooks.open_summaries"


# --- secrets and URLs -----------------------------------------------------------------------


def new_secret() -> str:
    """A signing secret as Standard Webhooks writes it: `whsec_` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def check_secret(secret: str) -> str:
    """An admin's secret: `whsec_` and base64 of 24 to 64 bytes (the spec's bounds)."""
    raw = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not secret.startswith(SECRET_PREFIX) or not 24 <= len(key) <= 64:
        # The message never quotes the value: it is a secret even when malformed.
        raise field_error(
            "secret",
            "A webhook secret is `whsec_` followed by the base64 of 24 to 64 random bytes.",
            "secret_format",
        )
    return secret


def refused_address(address: str, settings: Settings) -> bool:
    """Whether the service may not call this IP address: private, loopback, link-local
    (cloud metadata lives at 169.254.169.254), multicast, reserved or unspecified ones, unless
    WEBHOOK_ALLOW_PRIVATE_URLS is set."""
    if settings.webhook_allow_private_urls:
        return False
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def check_url(url: str, settings: Settings) -> str:
    """An http(s) URL with a host and no credentials in it. An IP literal or `localhost` on a
    private network is refused here already; names are resolved (and checked) at each send,
    because what a name points at can change."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise field_error("url", "The URL must be http:// or https:// with a host.", "url_scheme")
    if parts.username or parts.password:
        raise field_error(
            "url",
            "Leave credentials out of the URL: receivers check the signature instead.",
            "url_credentials",
        )
    try:
        parts.port  # noqa: B018 - raises for a port out of range
    except ValueError:
        raise field_error("url", "The URL's port is not a valid port.", "url_port") from None
    host = parts.hostname
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    local = host == "localhost" or host.endswith(".localhost")
    if (literal is not None and refused_address(str(literal), settings)) or (
        local and not settings.webhook_allow_private_urls
    ):
        raise field_error(
            "url",
            "The URL points at a private, loopback or link-local address; set "
            "WEBHOOK_ALLOW_PRIVATE_URLS=true to allow receivers on the local network.",
            "url_private",
        )
    return url


# --- endpoints ------------------------------------------------------------------------------


def get_endpoint(session: Session, endpoint_id: int, *, lock: bool = False) -> WebhookEndpoint:
    row = repo.get(session, endpoint_id, lock=lock)
    if row is None:
        raise NotFound(f"Webhook {endpoint_id} does not exist.")
    return row


def _types(values: Sequence[WebhookEventType]) -> list[str]:
    return sorted({str(v) for v in values})


def create_endpoint(session: Session, data: WebhookCreate) -> tuple[WebhookEndpoint, str]:
    """The new endpoint and its secret (given or generated): the only time it is returned."""
    if data.app_id is not None and apps_repo.get(session, data.app_id) is None:
        raise NotFound(f"App {data.app_id} does not exist.")
    secret = (
        check_secret(data.secret.get_secret_value()) if data.secret is not None else new_secret()
    )
    row = WebhookEndpoint(
        app_id=data.app_id,
        url=check_url(data.url, get_settings()),
        description=data.description,
        event_types=_types(data.event_types),
        enabled=data.enabled,
        secret_enc=crypto.encrypt(secret),
    )
    session.add(row)
    session.flush()
    session.info.pop(_SUBSCRIBERS, None)
    # Where the service sends data is a privileged choice: who made, changed or removed an
    # endpoint is in the audit trail (the secret only as a fingerprint).
    audit.record(session, "webhook.created", row)
    return row, secret


def update_endpoint(session: Session, endpoint_id: int, data: WebhookUpdate) -> WebhookEndpoint:
    row = get_endpoint(session, endpoint_id, lock=True)
    before = audit.snapshot(row)
    sent = data.model_fields_set
    if data.url is not None:
        row.url = check_url(data.url, get_settings())
    if data.event_types is not None:
        row.event_types = _types(data.event_types)
    if "description" in sent:
        row.description = data.description
    if data.enabled is not None:
        row.enabled = data.enabled
    if data.secret is not None:
        row.secret_enc = crypto.encrypt(check_secret(data.secret.get_secret_value()))
    row.updated_at = utcnow()
    session.add(row)
    session.info.pop(_SUBSCRIBERS, None)
    audit.record(session, "webhook.updated", row, before)
    return row


def delete_endpoint(session: Session, endpoint_id: int) -> None:
    """The endpoint and its delivery history go; deliveries in flight are dropped."""
    row = get_endpoint(session, endpoint_id)
    audit.record(session, "webhook.deleted", row)
    session.delete(row)
    session.info.pop(_SUBSCRIBERS, None)


def secret_of(endpoint: WebhookEndpoint) -> str:
    return crypto.decrypt(endpoint.secret_enc)


def send_test(session: Session, endpoint_id: int) -> WebhookDelivery:
    """A sample event for this endpoint alone, whatever it subscribes to and even when
    disabled: one attempt, no retries, its answer in the delivery list."""
    endpoint = get_endpoint(session, endpoint_id)
    assert endpoint.id is not None
    data = {
        "webhook_id": endpoint.id,
        "app_id": endpoint.app_id,
        "message": "A test event sent from the API (POST /webhooks/{id}/test).",
    }
    [delivery] = _record(session, TEST_EVENT, endpoint.app_id, data, [endpoint.id], attempts=1)
    session.flush()
    return delivery


# --- events ---------------------------------------------------------------------------------


def _subscribers(session: Session, event_type: str, app_id: int | None) -> list[int]:
    """Ids of the endpoints that want this event (looked up once per transaction and app)."""
    cache: dict[int | None, list[tuple[int, list[str]]]] = session.info.setdefault(_SUBSCRIBERS, {})
    if app_id not in cache:
        cache[app_id] = [
            (e.id, list(e.event_types or []))
            for e in repo.subscribers(session, app_id)
            if e.id is not None
        ]
    return [i for i, types in cache[app_id] if not types or event_type in types]


def _payload(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """The body Standard Webhooks recommends: what happened, when, and its data."""
    stamp = utcnow().isoformat().replace("+00:00", "Z")
    return {"type": event_type, "timestamp": stamp, "data": data}


def _record(
    session: Session,
    event_type: str,
    app_id: int | None,
    data: dict[str, Any],
    endpoint_ids: Sequence[int],
    attempts: int | None = None,
) -> list[WebhookDelivery]:
    msg_id = "msg_" + secrets.token_hex(12)
    payload = _payload(event_type, data)
    rows = [
        WebhookDelivery(
            endpoint_id=endpoint_id,
            msg_id=msg_id,
            event_type=event_type,
            app_id=app_id,
            payload=payload,
            max_attempts=attempts or get_settings().webhook_max_attempts,
            attempt_log=[],
        )
        for endpoint_id in endpoint_ids
    ]
    session.add_all(rows)
    for row in rows:
        queue.wake(session, partial(delivery_wake, row))
    return rows


def emit(
    session: Session, event_type: WebhookEventType, data: dict[str, Any], app_id: int | None
) -> None:
    """Record one event for every endpoint that wants it (nothing when none does)."""
    endpoints = _subscribers(session, event_type, app_id)
    if endpoints:
        _record(session, event_type, app_id, {"app_id": app_id, **data}, endpoints)


def approval_waiting(session: Session, app: App, task: Task) -> None:
    """A task of `app` entered pending_approval. Tasks of one transaction and app share one
    `approvals.waiting` event: its count grows, its list stops at MAX_SUMMARY_TASKS."""
    kind = WebhookEventType.approvals_waiting
    entry = {"user_id": task.user_id, "action": task.action, "reason": task.reason}
    open_rows = session.info.setdefault(_OPEN, {}).get((kind, app.id), [])
    # A savepoint that rolled back took its rows with it: start a new summary then.
    if open_rows and all(r in session for r in open_rows):
        for row in open_rows:
            data = dict(row.payload["data"])
            data["count"] += 1
            if len(data["tasks"]) < MAX_SUMMARY_TASKS:
                data["tasks"] = [*data["tasks"], entry]
            row.payload = {**row.payload, "data": data}
        return
    endpoints = _subscribers(session, kind, app.id)
    if not endpoints:
        return
    data = {
        "app_id": app.id,
        "app_name": app.name,
        "count": 1,
        "tasks": [entry],
        "tasks_url": f"/api/v1/provisioning/tasks?app_id={app.id}&status=pending_approval",
    }
    session.info[_OPEN][(kind, app.id)] = _record(session, kind, app.id, data, endpoints)


def task_failed(session: Session, task: Task) -> None:
    """A task ended failed: retrying would not help, or its attempts ran out."""
    error = {"code": task.error_code, "message": task.error_message}
    data = {
        "task_id": task.id,
        "user_id": task.user_id,
        "action": task.action,
        "reason": task.reason,
        "error": {**error, "request_id": task.error_request_id},
    }
    emit(session, WebhookEventType.task_failed, data, task.app_id)


def app_quarantined(session: Session, app: App, cause: str, message: str) -> None:
    """The app cannot reach its tenant (no consent, credentials missing or refused): its
    tasks wait until an admin acts. `cause` is the problem's or Graph's code."""
    data = {"app_name": app.name, "cause": cause, "message": message}
    emit(session, WebhookEventType.app_quarantined, data, app.id)


def consent_lost(session: Session, app: App, why: str) -> None:
    """The app's recorded admin consent was cleared: nothing reaches its tenant until the
    tenant's admin consents again."""
    data = {"app_name": app.name, "tenant_id": app.consented_tenant_id, "why": why}
    emit(session, WebhookEventType.app_consent_lost, data, app.id)


def deletion_threshold_reached(session: Session, app: App, count: int) -> None:
    """A run would delete or suspend more users than the app's threshold; those tasks wait
    for approval."""
    data = {"app_name": app.name, "threshold": app.deletion_threshold, "count": count}
    emit(session, WebhookEventType.deletion_threshold_reached, data, app.id)


def drift_detected(
    session: Session,
    app: App,
    new: int,
    new_by_kind: dict[str, int],
    open_by_kind: dict[str, int],
    examples: list[dict[str, Any]],
) -> None:
    """A delta cycle found drift it had not seen before: how much of each kind is new and
    open, and the first few items (see app/drift)."""
    data = {
        "app_name": app.name,
        "new": new,
        "new_by_kind": new_by_kind,
        "open_by_kind": open_by_kind,
        "examples": examples,
        "drift_url": f"/api/v1/apps/{app.id}/drift",
    }
    emit(session, WebhookEventType.drift_detected, data, app.id)


# --- deliveries -----------------------------------------------------------------------------


def webhook_wake(delivery_id: int, attempts: int, delay_s: float = 0) -> queue.Wake:
    """The wake-up of the attempt after `attempts`; its job id collapses duplicates of that
    attempt (a sweeper re-wake), never two different attempts."""
    return queue.Wake(
        DELIVER_FUNCTION, (delivery_id,), f"webhook:{delivery_id}:{attempts}", delay_s
    )


def delivery_wake(delivery: WebhookDelivery, delay_s: float = 0) -> queue.Wake:
    assert delivery.id is not None
    return webhook_wake(delivery.id, delivery.attempts, delay_s)


def backoff_s(attempt: int, settings: Settings) -> float:
    """How long to wait after failed attempt `attempt` (1-based): base * 4**(attempt-1), at
    most eight hours."""
    return float(min(settings.webhook_backoff_base_s * 4 ** (attempt - 1), 8 * 3600))


@dataclass(frozen=True)
class Answer:
    """What one attempt got back."""

    status_code: int | None
    body: str | None
    duration_ms: int
    error: str | None
    retry: bool = True  # false: no later attempt can succeed (an address we may not call)

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def record_attempt(
    session: Session, delivery: WebhookDelivery, answer: Answer, settings: Settings
) -> None:
    """Log the attempt; succeed, schedule the next one (woken after commit), or give up."""
    now = utcnow()
    entry = {
        "attempt": delivery.attempts,
        "at": now.isoformat(),
        "status_code": answer.status_code,
        "duration_ms": answer.duration_ms,
        "response_body": answer.body,
        "error": answer.error,
    }
    delivery.attempt_log = [*(delivery.attempt_log or []), entry]
    delivery.lease_until = None
    if answer.succeeded:
        delivery.status, delivery.finished_at = DeliveryStatus.succeeded, now
    elif not answer.retry or delivery.attempts >= delivery.max_attempts:
        delivery.status, delivery.finished_at = DeliveryStatus.failed, now
    else:
        delay = backoff_s(delivery.attempts, settings)
        delivery.next_attempt_at = now + timedelta(seconds=delay)
        queue.wake(session, delivery_wake(delivery, delay))
    session.add(delivery)
