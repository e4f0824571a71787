"""Driver errors other than integrity and data errors: a lost connection is a 503 with
Retry-After whatever class the driver gives it, a fault of ours stays a 500 (a caller must not
be told to retry a bug). Both APIs and the token look-up in front of them."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.api import auth_gate
from app.db import transaction
from app.directory import repository as repo
from app.errors import PROBLEM_JSON
from app.scim import repository as scim_repo
from tests.both_databases import sqlite_client  # noqa: F401  (fixture)
from tests.support import ApiClient, user_body

SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def _close_under_the_driver(session: Session) -> None:
    """The connection goes away under the session, as when the database file or server is
    lost mid-request. SQLite then raises `ProgrammingError: Cannot operate on a closed
    database` (psycopg2 raises `InterfaceError: connection already closed`), not an
    `OperationalError`; SQLAlchemy's dialect recognises it as a disconnect."""
    session.connection().connection.dbapi_connection.close()  # type: ignore[union-attr]


def test_a_connection_lost_under_a_route_is_a_503_whatever_the_drivers_class(
    sqlite_client: ApiClient,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = sqlite_client.ok("POST", "/users", json=user_body(1))
    original = repo.get_user

    def lost(session: Session, user_id: int, **kw: Any) -> Any:
        _close_under_the_driver(session)
        return original(session, user_id, **kw)

    monkeypatch.setattr(repo, "get_user", lost)
    monkeypatch.setattr(scim_repo, "get_user", lost)
    answer = sqlite_client.get(f"/api/v1/users/{user['id']}")
    assert (answer.status_code, answer.headers.get("retry-after")) == (503, "1"), answer.text
    assert answer.headers["content-type"].startswith(PROBLEM_JSON)
    answer = sqlite_client.get(f"/scim/v2/Users/{user['id']}")
    assert (answer.status_code, answer.json()["schemas"]) == (503, [SCIM_ERROR]), answer.text
    assert answer.headers["retry-after"] == "1"

    # The lost connection was discarded, not handed to the next request.
    monkeypatch.undo()
    assert sqlite_client.ok("GET", f"/users/{user['id']}")["username"] == "user1"


def test_a_connection_lost_at_the_token_look_up_is_a_503(
    sqlite_client: ApiClient,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def lookup(raw: str) -> Any:
        with transaction() as session:
            _close_under_the_driver(session)
            session.execute(text("SELECT 1"))
        raise AssertionError("the closed connection answered")

    monkeypatch.setattr(auth_gate, "_lookup", lookup)
    answer = sqlite_client.get("/api/v1/users")
    assert (answer.status_code, answer.headers.get("retry-after")) == (503, "1"), answer.text
    answer = sqlite_client.get("/scim/v2/Users")
    assert (answer.status_code, answer.json()["schemas"]) == (503, [SCIM_ERROR]), answer.text


def test_a_driver_error_of_ours_stays_a_500_and_is_not_called_unavailable(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A statement the database refuses as wrong (`ProgrammingError`, here an unknown table)
    is a bug: retrying it cannot help, so it is no 503."""
    user = client.ok("POST", "/users", json=user_body(1))

    def broken(session: Session, user_id: int, **kw: Any) -> Any:
        session.execute(text("SELECT * FROM no_such_table"))
        raise AssertionError("the statement ran")

    monkeypatch.setattr(repo, "get_user", broken)
    monkeypatch.setattr(scim_repo, "get_user", broken)
    for path in (f"/api/v1/users/{user['id']}", f"/scim/v2/Users/{user['id']}"):
        answer = client.get(path)
        assert answer.status_code == 500, answer.text
        assert "retry-after" not in answer.headers
