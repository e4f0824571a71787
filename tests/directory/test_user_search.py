"""`GET /users?q=` (substring of username, email, first, last or display name) through every
write path, on Postgres, where the searched text lives in `directory_user_search` kept by
triggers (migration 0021), and on SQLite, where it is read from the user rows.

What could go wrong with a separate search table, each tested here: a write path that skips it
(single, bulk, PATCH, delete), a stale entry after a rename, a match across two fields of the
joined text, wildcards taken as wildcards, and (the reason it exists) a reapply rewriting it.
"""

from __future__ import annotations

from sqlalchemy import text

from app.db import get_engine
from tests.support import ApiClient, user_body


def found(api: ApiClient, q: str, limit: int = 2) -> list[str]:
    """Every user `q=` finds, following `next`; fails on a page repeated or out of order."""
    names: list[str] = []
    last = 0
    page = api.ok("GET", "/users", params={"q": q, "limit": limit})
    while True:
        ids = [u["id"] for u in page["items"]]
        assert ids == sorted(ids) and all(i > last for i in ids), (last, ids)
        last = ids[-1] if ids else last
        names += [u["username"] for u in page["items"]]
        if not page["next"]:
            return sorted(names)
        page = api.get(page["next"]).json()


def test_every_write_path_is_searchable_and_renames_follow(api: ApiClient) -> None:
    api.ok(
        "POST",
        "/users",
        json=user_body(
            1, username="ola.nordmann", email="ola@fjord.no", firstname="Ola", lastname="Nordmann"
        ),
    )
    result = api.ok(
        "POST",
        "/users/bulk",
        json={
            "users": [
                user_body(
                    2, username="kari", email="kari@fjord.no", firstname="Kari", lastname="Vik"
                ),
                user_body(3, username="per", email="per@dal.se", firstname="Per", lastname="Ås"),
            ]
        },
    )
    per_id = next(item["id"] for item in result["items"] if item["index"] == 1)
    # Each field, in any case, as a substring.
    assert found(api, "NORDM") == ["ola.nordmann"]  # lastname and username
    assert found(api, "fjord") == ["kari", "ola.nordmann"]  # email
    assert found(api, "kar") == ["kari"]
    assert found(api, "ås") == ["per"]  # lastname, non-ASCII (display name as well)
    # A rename through PATCH: the new name is found, the old one no longer.
    api.ok("PATCH", f"/users/{per_id}", json={"lastname": "Berg", "display_name": "Per Berg"})
    assert found(api, "berg") == ["per"]
    assert found(api, "ås") == []
    api.ok("PATCH", f"/users/{per_id}", json={"email": "per@berg.example"})
    assert found(api, "dal.se") == []
    assert found(api, "per@berg") == ["per"]
    # A deleted user is no longer listed, whatever matches.
    api.ok("DELETE", f"/users/{per_id}", expect=204)
    assert found(api, "berg") == []


def test_names_are_found_as_stored_whatever_their_letters_fold_to(api: ApiClient) -> None:
    """Python's lower() folds a final Σ to ς and İ to i plus a combining dot; the database's
    lower() may not. Pattern and text are folded by the same lower(), so the name as it is
    stored (or typed in capitals) is always found."""
    api.ok(
        "POST",
        "/users",
        json=user_body(1, username="odos", firstname="ΟΔΟΣ", lastname="Σοφία"),
    )
    api.ok(
        "POST",
        "/users",
        json=user_body(2, username="ilker", firstname="İlker", lastname="IŞIK"),
    )
    assert found(api, "ΟΔΟΣ") == ["odos"]
    assert found(api, "Σοφία") == ["odos"]
    assert found(api, "σοφία") == ["odos"]
    assert found(api, "İlker") == ["ilker"]
    assert found(api, "İ") == ["ilker"]
    assert found(api, "IŞIK") == ["ilker"]
    # A capital Σ inside a pattern is not a word's end (Python would fold it to ς).
    api.ok("POST", "/users", json=user_body(3, username="dys", lastname="ΔΥΣΚΟΛΟΣ"))
    assert found(api, "ΔΥΣ") == ["dys"]
    assert found(api, "δυσκ") == ["dys"]


def test_compatibility_forms_are_found_as_the_letters_they_stand_for(api: ApiClient) -> None:
    """The query is NFKC-normalized; the searched names are too, so half-width katakana and
    full-width Latin letters match their plain forms, either way round."""
    api.ok(
        "POST", "/users", json=user_body(1, username="yamada", lastname="\uff94\uff8f\uff80\uff9e")
    )
    api.ok(
        "POST",
        "/users",
        json=user_body(2, username="tanaka", lastname="\uff34\uff41\uff4e\uff41\uff4b\uff41"),
    )
    assert found(api, "\u30e4\u30de\u30c0") == ["yamada"]  # full-width katakana
    assert found(api, "\uff94\uff8f") == ["yamada"]  # as stored, half-width
    assert found(api, "tanaka") == ["tanaka"]
    assert found(api, "\uff34\uff41\uff4e") == ["tanaka"]


def test_no_match_across_fields_and_wildcards_are_literal(api: ApiClient) -> None:
    api.ok(
        "POST",
        "/users",
        json=user_body(1, username="abc", email="abc@x.io", firstname="Def", lastname="Ghi"),
    )
    api.ok(
        "POST",
        "/users",
        json=user_body(2, username="a_b%c", email="odd@x.io", firstname="Odd", lastname="Case"),
    )
    # The end of one field and the start of the next are not one substring.
    assert found(api, "iodef") == []
    assert found(api, "x.iodef") == []
    assert found(api, "defghi") == []
    assert found(api, "def ghi") == ["abc"]  # the display name holds both, with the space
    # `%` and `_` are themselves, not wildcards.
    assert found(api, "a_b%") == ["a_b%c"]
    assert found(api, "a%c") == []
    assert found(api, "_") == ["a_b%c"]


def test_a_search_keeps_every_other_condition_of_the_list(api: ApiClient) -> None:
    """`q=` matching any of its five fields is one condition among the list's others: the
    cursor, the live-users rule, `status=`. Found on SQLite, where `q=` matching a username
    ignored the cursor (a client following `next` looped forever) and the other filters."""
    ids = [
        api.ok(
            "POST",
            "/users",
            json=user_body(
                n,
                username=f"pagedq{n}",
                email=f"x{n}@example.com",
                firstname="F",
                lastname=f"L{n}",
                display_name=f"D{n}",
                status="suspended" if n % 3 == 0 else "active",
            ),
        )["id"]
        for n in range(12)
    ]
    gone = api.ok(
        "POST", "/users", json=user_body(99, email="pagedq-gone@example.com", lastname="Z")
    )["id"]
    api.ok("DELETE", f"/users/{gone}", expect=204)
    # Matched by username (the first field) and by email (the second), paged 5 at a time.
    for q in ("pagedq", "x1"):
        assert sorted(found(api, q, limit=5)) == sorted(
            f"pagedq{n}" for n in range(12) if q == "pagedq" or f"x{n}@".startswith("x1")
        )
    suspended = api.ok("GET", "/users", params={"q": "pagedq", "status": "suspended"})["items"]
    assert sorted(u["id"] for u in suspended) == [ids[n] for n in range(12) if n % 3 == 0]
    assert api.ok("GET", "/users", params={"q": "pagedq-gone"})["items"] == []


def test_search_rows_follow_the_users_and_a_reapply_writes_none(client: ApiClient) -> None:
    """Postgres: one search row per user, kept by the triggers, untouched by a reapply that
    rewrites every user's mapping outcome (why the text lives apart from the user row)."""
    role = client.ok("POST", "/roles", json={"name": "Staff"})
    client.ok("POST", "/users/bulk", json={"users": [user_body(n) for n in range(1, 41)]})
    with get_engine().connect() as conn:
        before = dict(
            conn.execute(text("SELECT user_id, xmin::text FROM directory_user_search")).all()
        )
        user_xmins = dict(conn.execute(text("SELECT id, xmin::text FROM directory_user")).all())
    assert set(before) == set(user_xmins) and len(before) == 40
    client.ok(
        "POST",
        "/mappings",
        json={
            "name": "everyone is staff",
            "conditions": [{"source": "username", "operator": "exists"}],
            "actions": [{"action": "add_role", "value": [str(role["id"])]}],
        },
    )
    job = client.wait_job(client.ok("POST", "/mappings/reapply")["id"])
    assert job["status"] == "succeeded" and job["result"]["changed"] == 40
    assert client.ok("GET", "/users", params={"role_id": role["id"], "limit": 100})["items"]
    with get_engine().connect() as conn:
        after = dict(
            conn.execute(text("SELECT user_id, xmin::text FROM directory_user_search")).all()
        )
        rewritten = dict(conn.execute(text("SELECT id, xmin::text FROM directory_user")).all())
    assert all(rewritten[u] != user_xmins[u] for u in user_xmins)  # the reapply wrote users
    assert after == before  # and no search row
    # A hard delete (purge) takes the search row with it (ON DELETE CASCADE).
    with get_engine().begin() as conn:
        conn.execute(text("DELETE FROM directory_user WHERE username_lower = 'user1'"))
        assert conn.execute(text("SELECT count(*) FROM directory_user_search")).scalar() == 39
