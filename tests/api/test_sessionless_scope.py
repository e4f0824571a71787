"""`require_sessionless`: the scope check of a route that runs its own transactions
(`POST /users`), made on the event loop. Behind the auth gate it takes the gate's principal;
mounted without the gate it looks the token up itself, and refuses as `require` does."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.api.deps import SessionlessWriter
from app.errors import ProblemError, problem_response
from tests.support import make_token


def _bare_app() -> FastAPI:
    """One route behind the sessionless check, and no auth gate in front of it."""
    app = FastAPI()

    @app.exception_handler(ProblemError)
    async def _problem(request: object, error: ProblemError) -> object:
        return problem_response(error.to_problem("/probe"), error.headers)

    @app.post("/probe")
    async def probe(principal: SessionlessWriter) -> dict[str, object]:
        return {"token_id": principal.token_id, "name": principal.name}

    return app


@pytest.mark.usefixtures("env")
def test_without_the_gate_the_token_is_looked_up_and_held_to_the_scope() -> None:
    writer = make_token("write", name="feed")
    reader = make_token("read", name="viewer")
    with TestClient(_bare_app()) as client:
        ok = client.post("/probe", headers={"Authorization": f"Bearer {writer}"})
        assert ok.status_code == 200 and ok.json()["name"] == "feed"
        assert (
            client.post("/probe", headers={"Authorization": f"Bearer {reader}"}).status_code == 403
        )
        assert client.post("/probe").status_code == 401
        unknown = client.post("/probe", headers={"Authorization": "Bearer pvn_nope"})
        assert unknown.status_code == 401
        assert unknown.headers["content-type"].startswith("application/problem+json")


@pytest.mark.usefixtures("env")
def test_behind_the_gate_post_users_is_refused_before_the_body_and_names_its_token() -> None:
    """Through the whole app: 401 and 403 come before the body is parsed (a malformed body
    does not turn them into 422), and the created user's audit entry names the token."""
    from sqlmodel import col, select

    from app.db import transaction
    from app.models import AuditEntry
    from tests.support import ApiClient

    reader = make_token("read")
    writer = make_token("write", name="hr-feed")
    with ApiClient(None) as anon:
        assert anon.post("/api/v1/users", content=b"{not json").status_code == 401
        refused = anon.post(
            "/api/v1/users", content=b"{not json", headers={"Authorization": f"Bearer {reader}"}
        )
        assert refused.status_code == 403
        created = anon.post(
            "/api/v1/users",
            json={"username": "ann", "email": "ann@contoso.com"},
            headers={"Authorization": f"Bearer {writer}"},
        )
        assert created.status_code == 201, created.text
    with transaction() as session:
        entry = session.execute(
            select(AuditEntry).where(
                col(AuditEntry.object_type) == "user",
                col(AuditEntry.object_id) == str(created.json()["id"]),
            )
        ).scalar_one()
        assert (entry.actor_type, entry.actor_name) == ("token", "hr-feed")
