"""Webhook endpoints through the API: secrets stay write-only, only http(s) URLs to addresses
the service may call, a test event signed per Standard Webhooks, retries after a failing
answer and a delivery given up after its last attempt, each answer listed."""

from __future__ import annotations

import asyncio
import base64
import secrets

import pytest
from sqlmodel import select
from standardwebhooks import Webhook

from app import crypto
from app.db import transaction
from app.models import WebhookEndpoint
from app.settings import Settings, get_settings
from app.webhooks import jobs, service
from tests.support import ApiClient
from tests.webhooks.conftest import MAX_ATTEMPTS, Receiver, add_endpoint, settled, wait_deliveries


def _secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def test_the_secret_is_returned_on_create_only_and_stored_encrypted(client: ApiClient) -> None:
    created = add_endpoint(client, "https://hooks.example.com/in", description="ops channel")
    secret = created["secret"]
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32

    given = _secret()
    other = add_endpoint(client, "https://hooks.example.com/other", secret=given)
    assert other["secret"] == given

    for path in ("/webhooks", f"/webhooks/{created['id']}", f"/webhooks/{other['id']}"):
        resp = client.get("/api/v1" + path)
        assert resp.status_code == 200
        assert "secret" not in resp.text and secret not in resp.text and given not in resp.text
    patched = client.ok("PATCH", f"/webhooks/{other['id']}", json={"secret": _secret()})
    assert "secret" not in patched

    with transaction() as session:
        rows = {r.id: r for r in session.execute(select(WebhookEndpoint)).scalars()}
    stored = rows[created["id"]].secret_enc
    assert secret not in stored and crypto.decrypt(stored) == secret


def test_a_malformed_secret_is_refused_without_being_echoed(client: ApiClient) -> None:
    for bad in ("whsec_" + base64.b64encode(b"short").decode(), "not-a-whsec-secret-at-all"):
        body = client.problem(
            "POST", "/webhooks", 422, json={"url": "https://a.example/", "secret": bad}
        )
        assert body["errors"][0]["field"] == "secret" and bad not in str(body)
    assert client.ok("GET", "/webhooks")["items"] == []


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://files.example.com/hook", "url_scheme"),
        ("file:///etc/passwd", "url_scheme"),
        ("https://user:pass@hooks.example.com/", "url_credentials"),
        ("http://127.0.0.1:9/hook", "url_private"),
        ("http://169.254.169.254/latest/meta-data", "url_private"),
        ("http://[::1]/hook", "url_private"),
        ("http://10.1.2.3/hook", "url_private"),
        ("http://localhost:8080/hook", "url_private"),
    ],
)
def test_urls_the_service_may_not_call_are_refused(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch, url: str, code: str
) -> None:
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE_URLS", "false")
    get_settings.cache_clear()
    body = client.problem("POST", "/webhooks", 422, json={"url": url})
    assert body["errors"][0] == {"field": "url", "message": body["detail"], "code": code}
    assert client.ok("GET", "/webhooks")["items"] == []


def test_a_name_resolving_to_a_private_address_is_refused_at_send() -> None:
    """Names are checked when sent (what they point at can change): `localhost` resolves to
    loopback, so nothing is sent and the attempt says why."""
    settings = Settings(webhook_allow_private_urls=False)
    answer = asyncio.run(jobs.send("http://localhost:9/hook", b"{}", {}, settings))
    assert answer.status_code is None and not answer.retry
    assert answer.error is not None and "refused" in answer.error


def test_webhooks_are_for_admins_and_name_an_existing_app(client: ApiClient) -> None:
    writer = client.with_scopes("write", "approve")
    writer.problem("POST", "/webhooks", 403, json={"url": "https://a.example/"})
    writer.problem("GET", "/webhooks", 403)
    client.problem("POST", "/webhooks", 404, json={"url": "https://a.example/", "app_id": 999})
    client.problem("GET", "/webhooks/999/deliveries", 404)
    client.problem("POST", "/webhooks/999/test", 404)
    body = client.problem(
        "POST", "/webhooks", 422, json={"url": "https://a.example/", "event_types": ["nope"]}
    )
    assert body["errors"][0]["field"].startswith("event_types")


def test_the_test_event_is_signed_and_its_answer_listed(
    client: ApiClient, receiver: Receiver
) -> None:
    hook = add_endpoint(client, receiver.url, event_types=["task.failed"])
    queued = client.ok("POST", f"/webhooks/{hook['id']}/test", expect=202)
    assert queued["event_type"] == "webhook.test" and queued["status"] == "pending"

    [got] = receiver.wait_for(1)
    payload = Webhook(hook["secret"]).verify(got.body, got.headers)
    assert payload["type"] == "webhook.test" and payload["data"]["webhook_id"] == hook["id"]
    assert got.headers["webhook-id"] == queued["msg_id"]
    with pytest.raises(Exception, match="signature"):
        Webhook(_secret()).verify(got.body, got.headers)

    [delivery] = wait_deliveries(client, hook["id"], settled)
    assert (delivery["status"], delivery["attempts"]) == ("succeeded", 1)
    [attempt] = delivery["attempt_log"]
    assert attempt["status_code"] == 200 and attempt["response_body"] == '{"ok": true}'
    assert attempt["error"] is None and attempt["duration_ms"] >= 0


def test_a_500_is_retried_with_the_same_message_id(client: ApiClient, receiver: Receiver) -> None:
    hook = add_endpoint(client, receiver.url)
    receiver.script = [500, 503]
    _emit_consent_lost(hook["id"])

    received = receiver.wait_for(3)
    assert len({r.headers["webhook-id"] for r in received}) == 1
    assert all(Webhook(hook["secret"]).verify(r.body, r.headers) for r in received)
    [delivery] = wait_deliveries(client, hook["id"], settled)
    assert (delivery["status"], delivery["attempts"]) == ("succeeded", 3)
    log = delivery["attempt_log"]
    assert [a["status_code"] for a in log] == [500, 503, 200]
    assert [a["attempt"] for a in log] == [1, 2, 3]
    assert log[0]["error"] == "HTTP 500" and len(log[0]["response_body"]) == 1000


def test_a_delivery_is_given_up_after_its_last_attempt(
    client: ApiClient, receiver: Receiver
) -> None:
    hook = add_endpoint(client, receiver.url)
    receiver.script = [500] * 10
    _emit_consent_lost(hook["id"])

    [delivery] = wait_deliveries(client, hook["id"], settled)
    assert (delivery["status"], delivery["attempts"]) == ("failed", MAX_ATTEMPTS)
    assert [a["status_code"] for a in delivery["attempt_log"]] == [500] * MAX_ATTEMPTS
    assert len(receiver.received) == MAX_ATTEMPTS
    failed = client.ok("GET", f"/webhooks/{hook['id']}/deliveries", params={"status": "failed"})
    assert [d["id"] for d in failed["items"]] == [delivery["id"]]


def test_an_unreachable_receiver_is_an_attempt_with_its_error(client: ApiClient) -> None:
    hook = add_endpoint(client, "http://127.0.0.1:9/closed")  # the discard port: nobody listens
    _emit_consent_lost(hook["id"])
    [delivery] = wait_deliveries(client, hook["id"], settled)
    assert (delivery["status"], delivery["attempts"]) == ("failed", MAX_ATTEMPTS)
    assert all(a["status_code"] is None and a["error"] for a in delivery["attempt_log"])


def test_backoff_grows_fourfold_up_to_eight_hours() -> None:
    settings = Settings(webhook_backoff_base_s=5)
    delays = [service.backoff_s(n, settings) for n in range(1, 10)]
    assert delays[:4] == [5, 20, 80, 320] and delays[-1] == 8 * 3600


def _emit_consent_lost(webhook_id: int) -> None:
    """An event with retries (a test event has one attempt), recorded the way services do."""
    from app.models import WebhookEventType

    with transaction() as session:
        service.emit(session, WebhookEventType.app_consent_lost, {"webhook": webhook_id}, None)
