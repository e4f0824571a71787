"""The embedded default (SQLite) keeps the promises Postgres keeps: concurrent merges lose no
update (a `FOR UPDATE` read takes SQLite's write lock first, `app.db._sqlite_row_lock`), a
date-time with an offset means the same instant (SQLite drops offsets, so the API turns every
value into UTC first), and ids SQLite cannot hold are "not found", never a 500."""

from __future__ import annotations

import base64
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from app.db import transaction
from app.directory import service
from app.directory.schemas import UserCreate, UserUpdate
from tests.support import ApiClient


def test_parallel_custom_attribute_merges_keep_every_key(on_sqlite: Path) -> None:
    with transaction() as session:
        user = service.create_user(
            session, UserCreate(username="ann", email="ann@example.com", firstname="Ann")
        )
        uid = user.id
    assert uid is not None
    start = threading.Barrier(12)
    errors: list[BaseException] = []

    def add(n: int) -> None:
        start.wait()
        try:
            with transaction() as session:
                service.update_user(session, uid, UserUpdate(custom_attributes={f"k{n}": f"v{n}"}))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with transaction() as session:
        kept = service.get_user(session, uid).custom_attributes or {}
    assert sorted(kept) == sorted(f"k{n}" for n in range(12))


def test_an_expiry_with_an_offset_is_the_instant_it_names(on_sqlite: Path) -> None:
    """An hour from now, written at -05:00 or +05:00, is an hour from now: stored as written,
    SQLite would read the first as four hours ago (a token refused at once) and the second as
    six hours from now (a token outliving its expiry)."""
    admin = ApiClient.admin()
    plus5, minus5 = timezone(timedelta(hours=5)), timezone(-timedelta(hours=5))
    in_an_hour = datetime.now(UTC) + timedelta(hours=1)
    for n, tz in enumerate((minus5, plus5)):
        body = {
            "name": f"t{n}",
            "scopes": ["read"],
            "expires_at": in_an_hour.astimezone(tz).isoformat(),
        }
        created = admin.ok("POST", "/tokens", json=body)
        assert ApiClient(created["token"]).get("/api/v1/users").status_code == 200
        stored = datetime.fromisoformat(created["expires_at"])
        assert stored.tzinfo is not None  # the answer names its offset (UtcDateTime)
        assert abs((stored - in_an_hour).total_seconds()) < 1
    past = {"name": "p", "scopes": ["read"], "expires_at": "2020-01-01T00:00:00+05:00"}
    admin.problem("POST", "/tokens", 422, json=past)
    # The same instant written three ways selects the same audit entries.
    cut = datetime.now(UTC) - timedelta(minutes=5)
    counts = {
        len(admin.ok("GET", "/audit", params={"since": cut.astimezone(tz).isoformat()})["items"])
        for tz in (UTC, plus5, minus5)
    }
    assert counts == {3}  # the admin token and the two above


def test_ids_sqlite_cannot_hold_are_not_found(on_sqlite: Path) -> None:
    admin = ApiClient.admin()
    scim = ApiClient(admin.ok("POST", "/tokens", json={"name": "idp", "scopes": ["scim"]})["token"])
    huge = "99999999999999999999"
    assert scim.get(f"/scim/v2/Users/{huge}").status_code == 404
    assert scim.delete(f"/scim/v2/Users/{huge}").status_code == 404
    found = scim.get("/scim/v2/Users", params={"filter": f'id eq "{huge}"'})
    assert found.status_code == 200 and found.json()["totalResults"] == 0
    group = scim.post("/scim/v2/Groups", json={"displayName": "g", "members": [{"value": huge}]})
    assert group.status_code == 400
    chain = " or ".join(['userName eq "a"'] * 1000)
    too_many = scim.get("/scim/v2/Users", params={"filter": chain})
    assert too_many.status_code == 400 and too_many.json()["scimType"] == "invalidFilter"
    nested = base64.urlsafe_b64encode(b"[" * 3000).decode().rstrip("=")
    assert admin.get("/api/v1/users", params={"cursor": nested}).status_code == 400
