"""Request ids from the HTTP edge into jobs, and secrets kept out of every log line."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import pytest
import structlog

from app.background.catalogue import JOB_HANDLERS
from app.jobs.service import JobContext
from app.observability.context import bound_request_id, current_request_id
from app.observability.redact import REDACTED, redact_secrets
from app.settings import Settings
from tests.support import ApiClient

TOKEN = "pvn_" + "A1b2C3d4" * 5
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"


def test_the_callers_request_id_is_echoed_and_a_missing_one_is_made(client: ApiClient) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "caller-id-123"})
    assert given.headers["X-Request-ID"] == "caller-id-123"

    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 36 and made != client.get("/healthz").headers["X-Request-ID"]


def test_an_unsafe_request_id_is_replaced_not_echoed(client: ApiClient) -> None:
    resp = client.get("/healthz", headers={"X-Request-ID": "evil\tline" + "x" * 300})
    assert resp.status_code == 200
    assert "evil" not in resp.headers["X-Request-ID"]


def test_error_responses_carry_the_request_id(client: ApiClient) -> None:
    resp = client.get("/api/v1/users/424242", headers={"X-Request-ID": "rid-404"})
    assert resp.status_code == 404
    assert resp.headers["X-Request-ID"] == "rid-404"


def test_a_job_carries_the_request_id_into_the_runner(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}

    async def probe(ctx: JobContext) -> dict[str, Any]:
        seen["request_id"] = current_request_id()
        seen["context"] = structlog.contextvars.get_contextvars()
        return {}

    monkeypatch.setitem(JOB_HANDLERS, "mappings.reapply", probe)  # type: ignore[arg-type]
    resp = client.post("/api/v1/mappings/reapply", headers={"X-Request-ID": "rid-job-1"})
    assert resp.status_code == 202
    job = client.wait_job(resp.json()["id"])

    assert job["status"] == "succeeded"
    assert job["params"]["correlation_id"] == "rid-job-1"
    assert seen["request_id"] == "rid-job-1"
    assert seen["context"]["job_id"] == job["id"]
    assert seen["context"]["job_kind"] == "mappings.reapply"


def test_start_job_outside_a_request_gets_no_made_up_correlation(env: dict[str, str]) -> None:
    from app.db import transaction
    from app.jobs.service import start_job
    from app.queue import set_dispatcher

    class Null:
        def enqueue_many(self, *_: Any, **__: Any) -> None: ...

        def close(self) -> None: ...

    set_dispatcher(Null())
    # This thread is shared with every earlier test in the process; start from a clean slate
    # so the assertion is about start_job, not about what an earlier test left bound.
    structlog.contextvars.clear_contextvars()
    with transaction() as session:
        plain = start_job(session, "x.test")
        explicit = start_job(session, "x.test", correlation_id="given")
        with bound_request_id("bound"):
            implied = start_job(session, "x.test", params={"a": 1})
    # With no request around (a schedule), the job still gets an id of its own for its tasks.
    assert plain.params["correlation_id"] not in ("given", "bound")
    assert str(uuid.UUID(plain.params["correlation_id"])) == plain.params["correlation_id"]
    assert explicit.params["correlation_id"] == "given"
    assert implied.params == {"a": 1, "correlation_id": "bound"}


# --- redaction ------------------------------------------------------------------------------


def redact(**event: Any) -> dict[str, Any]:
    return dict(redact_secrets(None, "info", event))


def test_sensitive_keys_are_redacted_at_any_depth() -> None:
    out = redact(
        event="graph.token_acquired",
        client_secret="s3cr3t",
        Authorization="Bearer abc",
        headers={"authorization": "x", "accept": "application/json"},
        payload=[{"password": "p", "name": "n"}],
        graph_access_token="t",
        token_id=42,
    )
    assert out["client_secret"] == out["Authorization"] == REDACTED
    assert out["graph_access_token"] == REDACTED
    assert out["headers"] == {"authorization": REDACTED, "accept": "application/json"}
    assert out["payload"] == [{"password": REDACTED, "name": "n"}]
    assert out["token_id"] == 42  # ids of tokens are not secrets


def test_token_shaped_values_are_masked_wherever_they_appear() -> None:
    out = redact(
        event=f"calling with Authorization: Bearer {JWT} and {TOKEN}",
        error=f"401 for token {TOKEN}",
        detail=f"assertion {JWT}",
    )
    text = json.dumps(out)
    assert TOKEN not in text and JWT not in text and "c2lnbmF0dXJl" not in text
    assert "Bearer [REDACTED]" in out["event"]
    assert out["error"] == "401 for token pvn_[REDACTED]"


def test_rendered_log_lines_are_json_with_the_request_id_and_no_secrets(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from app.logging import configure_logging

    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging(Settings(log_format="json", log_level="INFO"))
    try:
        with bound_request_id("rid-log-1"):
            structlog.get_logger("test").info("api.token_used", token=TOKEN, user="ann")
            logging.getLogger("app.test").warning("stdlib line with Bearer %s", TOKEN)
            try:
                raise RuntimeError(f"failed with {TOKEN}")
            except RuntimeError:
                logging.getLogger("app.test").exception("boom")
    finally:
        structlog.reset_defaults()
        root.handlers[:], _ = saved
        root.setLevel(saved[1])

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 3
    assert all(line["request_id"] == "rid-log-1" for line in lines)
    assert lines[0]["event"] == "api.token_used" and lines[0]["token"] == REDACTED
    assert lines[0]["user"] == "ann"
    assert "Bearer [REDACTED]" in lines[1]["event"]
    assert "RuntimeError" in lines[2]["exception"]
    assert TOKEN not in json.dumps(lines)


def test_an_unexpected_error_is_a_problem_carrying_the_request_id(env: dict[str, str]) -> None:
    from fastapi.testclient import TestClient

    from app.main import create_app

    app = create_app()

    def boom() -> None:
        raise RuntimeError("kaput")

    app.add_api_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        resp = client.get("/boom", headers={"X-Request-ID": "rid-500"})
    assert resp.status_code == 500
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["title"] == "Internal server error" and "kaput" not in resp.text
    assert resp.headers["X-Request-ID"] == "rid-500"


def test_a_job_failing_on_the_database_shows_no_sql_or_values(env: dict[str, str]) -> None:
    """A failed job's error is readable by any `read` token: a database error's text (the
    statement and its parameters, people's emails among them) stays in the server's log."""
    import asyncio

    from sqlalchemy.exc import IntegrityError

    from app import queue
    from app.db import transaction
    from app.jobs.runner import execute_job
    from app.jobs.service import start_job
    from app.models import Job

    async def boom(_ctx: object) -> dict[str, object]:
        raise IntegrityError(
            "UPDATE directory_user SET email=%(email)s", {"email": "ann@secret.example"}, None
        )

    async def fine_but_ours(_ctx: object) -> dict[str, object]:
        raise RuntimeError("the source answered nobody")

    class Held:  # keeps the wake-ups: this test runs the jobs itself
        def enqueue_many(self, wakes: object) -> None:
            pass

        def close(self) -> None:
            pass

    previous = queue.set_dispatcher(Held())  # type: ignore[arg-type]
    try:
        with transaction() as session:
            db_job = start_job(session, "x.db").id
            own_job = start_job(session, "x.own").id
    finally:
        queue.set_dispatcher(previous)
    assert db_job is not None and own_job is not None
    handlers = {"x.db": boom, "x.own": fine_but_ours}
    assert asyncio.run(execute_job(db_job, {}, 60, handlers)) == "failed"
    assert asyncio.run(execute_job(own_job, {}, 60, handlers)) == "failed"
    with transaction() as session:
        db_error = session.get(Job, db_job).error or ""  # type: ignore[union-attr]
        own_error = session.get(Job, own_job).error or ""  # type: ignore[union-attr]
    assert db_error.startswith("IntegrityError") and "secret" not in db_error
    assert "UPDATE" not in db_error
    assert own_error == "RuntimeError: the source answered nobody"
