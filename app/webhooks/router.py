"""HTTP routes for webhooks: endpoints (CRUD), a test event, and each endpoint's deliveries
with their answers. Admin only: an endpoint decides where the service sends data, and its
secret is shown once, on create."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Response

from app.api.deps import Admin, SessionDep
from app.api.ids import Id
from app.api.routing import ProblemRoute
from app.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from app.pagination import Page, PageParams, paginate
from app.webhooks import repository, service
from app.webhooks.schemas import (
    DeliveryRead,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
    WebhookUpdate,
)

router = APIRouter(route_class=ProblemRoute, tags=["webhooks"])


def _read(row: WebhookEndpoint) -> WebhookRead:
    return WebhookRead.model_validate(row, from_attributes=True)


def _delivery(row: WebhookDelivery) -> DeliveryRead:
    return DeliveryRead.model_validate(row, from_attributes=True)


@router.get("/webhooks", response_model=Page[WebhookRead], operation_id="webhooks-list")
def list_webhooks(
    session: SessionDep,
    _: Admin,
    page: PageParams = Depends(),
    app_id: Id | None = Query(None, description="Only this app's endpoints"),
) -> Page[WebhookRead]:
    rows, cursor, url = paginate(session, repository.query(app_id), WebhookEndpoint.id, page)
    return Page(items=[_read(r) for r in rows], next_cursor=cursor, next=url)


@router.post(
    "/webhooks", status_code=201, response_model=WebhookCreated, operation_id="webhooks-create"
)
def create(data: WebhookCreate, session: SessionDep, _: Admin) -> WebhookCreated:
    """Add an endpoint. The answer carries its signing secret, the only time it is shown."""
    row, secret = service.create_endpoint(session, data)
    return WebhookCreated(**_read(row).model_dump(), secret=secret)


@router.get("/webhooks/{webhook_id:int}", response_model=WebhookRead, operation_id="webhooks-get")
def read(webhook_id: Id, session: SessionDep, _: Admin) -> WebhookRead:
    return _read(service.get_endpoint(session, webhook_id))


@router.patch(
    "/webhooks/{webhook_id:int}", response_model=WebhookRead, operation_id="webhooks-update"
)
def update(webhook_id: Id, data: WebhookUpdate, session: SessionDep, _: Admin) -> WebhookRead:
    return _read(service.update_endpoint(session, webhook_id, data))


@router.delete("/webhooks/{webhook_id:int}", status_code=204, operation_id="webhooks-delete")
def delete(webhook_id: Id, session: SessionDep, _: Admin) -> Response:
    service.delete_endpoint(session, webhook_id)
    return Response(status_code=204)


@router.post(
    "/webhooks/{webhook_id:int}/test",
    status_code=202,
    response_model=DeliveryRead,
    operation_id="webhooks-test",
)
def send_test(webhook_id: Id, session: SessionDep, _: Admin) -> DeliveryRead:
    """Send a sample `webhook.test` event now (one attempt); its answer shows in the
    endpoint's deliveries."""
    return _delivery(service.send_test(session, webhook_id))


@router.get(
    "/webhooks/{webhook_id:int}/deliveries",
    response_model=Page[DeliveryRead],
    operation_id="webhooks-deliveries-list",
)
def list_deliveries(
    webhook_id: Id,
    session: SessionDep,
    _: Admin,
    page: PageParams = Depends(),
    status: DeliveryStatus | None = None,
) -> Page[DeliveryRead]:
    """Every event sent (or to send) to this endpoint, oldest first, with each attempt's
    status code, the first characters of the answer, its duration and error."""
    service.get_endpoint(session, webhook_id)
    stmt = repository.deliveries_query(webhook_id, status)
    rows, cursor, url = paginate(session, stmt, WebhookDelivery.id, page)
    return Page(items=[_delivery(r) for r in rows], next_cursor=cursor, next=url)
