"""A sync's change of a username or email is written as the API stores it (NFKC; an IDNA domain
in Unicode), not as the directory server sent it: a uniqueness check, `GET /users?email=` and
a SCIM filter compare the stored form, and missed a value written raw."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlmodel import select

from app.db import transaction
from app.models import User
from app.source_sync import service as sync
from tests.support import ApiClient, user_body


def test_a_synced_username_and_email_are_stored_as_validated(client: ApiClient) -> None:
    user = client.ok("POST", "/users", json=user_body(1))
    change = sync.Change(
        user_id=user["id"],
        columns={"username": "\uff4a\uff4f\uff53\uff48", "email": "J@xn--bcher-kva.example"},
        custom={},
    )
    snapshot: Any = SimpleNamespace(id=0, name="ldap")  # what a batch of changes reads of it
    with transaction() as session:
        tally = sync._write_changes(session, snapshot, [change], one_by_one=False)
    assert tally.skipped == []
    with transaction() as session:
        row = session.execute(select(User).where(User.id == user["id"])).scalar_one()
    assert (row.username, row.username_lower) == ("josh", "josh")
    assert (row.email, row.email_lower) == ("J@bücher.example", "j@bücher.example")
    found = client.ok("GET", "/users", params={"email": "j@xn--bcher-kva.example"})["items"]
    assert [u["id"] for u in found] == [user["id"]]
