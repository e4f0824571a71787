"""Every date-time the API answers carries its offset, on both databases, and the answer to
a write shows the row as a later read does. SQLite keeps no offset: rows read back from it
showed `03:59:31.066552` where the answer that wrote them had said `03:59:31.066552Z`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from sqlalchemy import text

from tests.apps.helpers import app_body
from tests.both_databases import api, sqlite_client
from tests.support import ApiClient, user_body

__all__ = ["api", "sqlite_client"]  # both-database fixtures

DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
WITH_OFFSET = re.compile(r"(Z|[+-]\d{2}:\d{2})$")


def _date_times(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _date_times(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _date_times(item, f"{path}[{i}]")
    elif isinstance(value, str) and DATE_TIME.match(value):
        yield path, value


def test_writes_and_reads_show_the_same_instants_with_their_offset(
    api: ApiClient,
) -> None:
    answers: list[Any] = []
    group = api.ok("POST", "/groups", json={"name": "Sales"})
    app = api.ok("POST", "/apps", json=app_body(provisioning_enabled=True))
    role = api.ok("POST", "/roles", json={"name": "Staff", "app_ids": [app["id"]]})
    user = api.ok("POST", "/users", json=user_body(1, group_id=group["id"], role_ids=[role["id"]]))
    changed = api.ok("PATCH", f"/users/{user['id']}", json={"department": "Finance"})
    written = {
        f"/groups/{group['id']}": group,
        f"/roles/{role['id']}": role,
        f"/users/{user['id']}": changed,
    }
    for url, body in written.items():
        read = api.ok("GET", url)
        assert {k: v for k, v in read.items() if k.endswith("_at")} == {
            k: v for k, v in body.items() if k.endswith("_at")
        }, url
        answers.append(read)
    answers += [body for body in written.values()]
    for url in ("/users", "/groups", "/roles", f"/apps/{app['id']}", "/audit", "/tokens"):
        answers.append(api.ok("GET", url))
    answers.append(api.ok("GET", f"/users/{user['id']}/apps"))
    seen = [pair for answer in answers for pair in _date_times(answer)]
    assert len(seen) > 10
    assert [pair for pair in seen if not WITH_OFFSET.search(pair[1])] == []


def test_a_postgres_session_in_another_time_zone_still_reads_utc(
    api: ApiClient, monkeypatch: Any
) -> None:
    """Postgres answers a `timestamptz` in the session's `TimeZone` (the server's unless
    set). Read back, every instant is UTC all the same: the answer to `POST /users`, built
    from the values it wrote, is what `GET` then shows, to the byte."""
    from app import db

    if db.get_engine().dialect.name != "postgresql":
        return  # SQLite keeps no offset (the test above)
    monkeypatch.setenv("PGTZ", "Europe/Berlin")  # libpq sets it on every new connection
    db.get_engine().dispose()
    try:
        _writes_read_back_in_utc(api)
    finally:
        monkeypatch.delenv("PGTZ")
        db.get_engine().dispose()  # no connection in Berlin's time is left to the next test


def _writes_read_back_in_utc(api: ApiClient) -> None:
    from app import db

    with db.transaction() as session:
        assert session.execute(text("SHOW TimeZone")).scalar_one() == "Europe/Berlin"
    created = api.post("/api/v1/users", json=user_body(1, custom_attributes={"zeta": "1", "a": ""}))
    assert created.status_code == 201, created.text
    read = api.get(f"/api/v1/users/{created.json()['id']}")
    assert created.json()["created_at"].endswith("Z")
    assert read.content == created.content
    group = api.ok("POST", "/groups", json={"name": "Sales"})
    assert api.ok("GET", f"/groups/{group['id']}")["created_at"] == group["created_at"]
