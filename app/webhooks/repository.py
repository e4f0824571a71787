"""Every query of the webhooks domain. Functions take the caller's session and never commit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select, update
from sqlmodel import Session, col

from app.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, utcnow


def get(session: Session, endpoint_id: int, *, lock: bool = False) -> WebhookEndpoint | None:
    if lock:
        stmt = select(WebhookEndpoint).where(col(WebhookEndpoint.id) == endpoint_id)
        return session.execute(stmt.with_for_update()).scalars().first()
    return session.get(WebhookEndpoint, endpoint_id)


def query(app_id: int | None = None) -> Select[Any]:
    stmt = select(WebhookEndpoint)
    if app_id is not None:
        stmt = stmt.where(col(WebhookEndpoint.app_id) == app_id)
    return stmt


def subscribers(session: Session, app_id: int | None) -> list[WebhookEndpoint]:
    """Enabled endpoints of this app and the global ones (every app's events)."""
    scope: ColumnElement[bool] = col(WebhookEndpoint.app_id).is_(None)
    if app_id is not None:
        scope = or_(scope, col(WebhookEndpoint.app_id) == app_id)
    stmt = select(WebhookEndpoint).where(col(WebhookEndpoint.enabled).is_(True), scope)
    return list(session.execute(stmt.order_by(col(WebhookEndpoint.id))).scalars())


def deliveries_query(endpoint_id: int, status: DeliveryStatus | None = None) -> Select[Any]:
    stmt = select(WebhookDelivery).where(col(WebhookDelivery.endpoint_id) == endpoint_id)
    if status is not None:
        stmt = stmt.where(col(WebhookDelivery.status) == status)
    return stmt


def get_delivery(session: Session, delivery_id: int) -> WebhookDelivery | None:
    return session.get(WebhookDelivery, delivery_id)


def claim(session: Session, delivery_id: int, lease_s: int) -> WebhookDelivery | None:
    """Take a due pending delivery (or one whose sender's lease ran out) with one atomic
    UPDATE, counting the attempt; None when another sender has it or it is not due."""
    now = utcnow()
    stmt = (
        update(WebhookDelivery)
        .where(
            col(WebhookDelivery.id) == delivery_id,
            col(WebhookDelivery.status) == DeliveryStatus.pending,
            or_(
                col(WebhookDelivery.lease_until).is_(None),
                col(WebhookDelivery.lease_until) < now,
            ),
            or_(
                col(WebhookDelivery.next_attempt_at).is_(None),
                col(WebhookDelivery.next_attempt_at) <= now,
            ),
        )
        .values(lease_until=now + timedelta(seconds=lease_s), attempts=WebhookDelivery.attempts + 1)
        .returning(col(WebhookDelivery.id))
    )
    if session.execute(stmt).first() is None:
        return None
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is not None:
        session.refresh(delivery)
    return delivery


def due_deliveries(session: Session, older_than_s: int) -> list[tuple[int, int]]:
    """(id, attempts) of pending deliveries that are due and that nobody holds: their wake-up
    was lost (Redis flushed, a worker killed mid-send)."""
    now = utcnow()
    cutoff = now - timedelta(seconds=older_than_s)
    stmt = select(col(WebhookDelivery.id), col(WebhookDelivery.attempts)).where(
        col(WebhookDelivery.status) == DeliveryStatus.pending,
        or_(col(WebhookDelivery.lease_until).is_(None), col(WebhookDelivery.lease_until) < now),
        or_(
            col(WebhookDelivery.next_attempt_at) <= now,
            col(WebhookDelivery.next_attempt_at).is_(None)
            & (col(WebhookDelivery.created_at) < cutoff),
        ),
    )
    return [(int(i), int(a)) for i, a in session.execute(stmt)]
