"""Sending webhook deliveries: the background function a wake-up names (`deliver_webhook`).

Each attempt claims its row (so two workers never send the same attempt), signs the body per
Standard Webhooks with the `standardwebhooks` library (`webhook-id`, `webhook-timestamp`,
`webhook-signature`: HMAC-SHA256 over `id.timestamp.body`), POSTs it, and records the answer.
A 2xx is success; anything else (another status, a timeout, a refused connection) is retried
after `service.backoff_s`, until the delivery's attempts run out.

The URL's host is resolved before each attempt and refused if any address it gives is
private, loopback or link-local (unless WEBHOOK_ALLOW_PRIVATE_URLS is set). Redirects are not
followed: a redirect could lead anywhere, past that check. A name that resolves differently
between the check and httpx's own lookup (DNS rebinding) is the remaining gap; running the
service behind an egress proxy closes it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from standardwebhooks import Webhook

from app.db import transaction
from app.models import WebhookDelivery
from app.settings import Settings, get_settings
from app.webhooks import repository as repo
from app.webhooks import service
from app.webhooks.service import Answer

log = logging.getLogger("app.webhooks")

BODY_KEPT = 1000
USER_AGENT = "m365-provisioner-webhooks"


def _settings(ctx: dict[str, Any]) -> Settings:
    settings = ctx.get("settings")
    return settings if isinstance(settings, Settings) else get_settings()


def _claim(delivery_id: int, lease_s: int) -> tuple[WebhookDelivery, str, str] | None:
    """The claimed delivery, its endpoint's URL and secret (None: not ours to send now)."""
    with transaction() as session:
        delivery = repo.claim(session, delivery_id, lease_s)
        if delivery is None:
            return None
        endpoint = repo.get(session, delivery.endpoint_id)
        if endpoint is None:
            return None
        session.expunge(delivery)
        return delivery, endpoint.url, service.secret_of(endpoint)


def signed_request(delivery: WebhookDelivery, secret: str) -> tuple[bytes, dict[str, str]]:
    """The body and the Standard Webhooks headers of one attempt."""
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False)
    now = datetime.now(UTC)
    signature = Webhook(secret).sign(delivery.msg_id, now, body)
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": delivery.msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
    return body.encode(), headers


async def _refused_host(url: str, settings: Settings) -> str | None:
    """Why this URL may not be called now, or None."""
    if settings.webhook_allow_private_urls:
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        return f"cannot resolve {host}: {exc}"
    addresses = {str(info[4][0]) for info in infos}
    bad = sorted(a for a in addresses if service.refused_address(a, settings))
    if bad:
        return (
            f"refused: {host} resolves to {', '.join(bad)}, a private, loopback or link-local "
            "address (WEBHOOK_ALLOW_PRIVATE_URLS allows it)"
        )
    return None


async def send(url: str, body: bytes, headers: dict[str, str], settings: Settings) -> Answer:
    refused = await _refused_host(url, settings)
    if refused is not None:
        # Resolution may fail for a while; an address we may not call stays refused.
        return Answer(None, None, 0, refused, retry=refused.startswith("cannot resolve"))
    started = time.perf_counter()
    try:
        async with httpx.AsyncClient(
            timeout=settings.webhook_timeout_s, follow_redirects=False, trust_env=False
        ) as http:
            response = await http.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        elapsed = round((time.perf_counter() - started) * 1000)
        return Answer(None, None, elapsed, f"{type(exc).__name__}: {exc}"[:BODY_KEPT])
    elapsed = round((time.perf_counter() - started) * 1000)
    text = response.text[:BODY_KEPT] if response.content else None
    error = None if response.is_success else f"HTTP {response.status_code}"
    return Answer(response.status_code, text, elapsed, error)


async def deliver_webhook(ctx: dict[str, Any], delivery_id: int) -> str:
    """One attempt of one delivery; schedules the next attempt when it fails."""
    settings = _settings(ctx)
    claimed = await asyncio.to_thread(_claim, delivery_id, settings.task_lease_s)
    if claimed is None:
        return "not-claimed"
    delivery, url, secret = claimed
    body, headers = signed_request(delivery, secret)
    answer = await send(url, body, headers, settings)

    def _record() -> None:
        with transaction() as session:
            row = repo.get_delivery(session, delivery_id)
            if row is not None:  # its endpoint was deleted meanwhile
                service.record_attempt(session, row, answer, settings)

    await asyncio.to_thread(_record)
    outcome = "delivered" if answer.succeeded else "failed"
    # The URL and status only: never the secret, the signature or the body.
    log.info(
        "webhooks.attempt",
        extra={
            "delivery_id": delivery_id,
            "event_type": delivery.event_type,
            "attempt": delivery.attempts,
            "status_code": answer.status_code,
            "outcome": outcome,
        },
    )
    return outcome
