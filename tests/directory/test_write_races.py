"""Writes that race other writes: what a reviewer attacking the create path found. Each race is
forced, not hoped for: a monkeypatched step waits for the other side at the moment that matters.

- A request refused only as a duplicate of another item that a concurrent commit then made
  collide is created on the next round, not refused for a name nobody holds.
- Two batches whose inserts wait on each other's keys (a deadlock, Postgres) give 201s and
  409s, never a 503.
- A savepoint on SQLite takes the write lock at its start: another connection's commit
  between its first read and its first write made that write fail at once (503).
- Deleting a role while a user is being created with it re-evaluates that user too.
- A live username that looks like a deleted user's freed one never blocks that deletion.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from alembic import command
from app import security
from app.audit import service as audit
from app.db import _alembic_config, get_engine, head_revision, savepoint, transaction
from app.directory import repository as repo
from app.directory import router, service
from app.directory.schemas import BulkMode, UserBulkCreate, UserCreate
from app.errors import ProblemError
from app.models import Assignment, User, utcnow
from tests.apps.helpers import app_body
from tests.support import ApiClient, make_token, user_body

OTHER = audit.Actor("token", "other", None)


def _usernames() -> list[str]:
    with transaction() as session:
        return sorted(session.execute(select(User.username)).scalars())


def test_a_request_refused_as_a_duplicate_of_one_that_now_collides_is_created(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch holds A (`x`, `e@`) and B (`X`, `f@`): B is refused as a duplicate of A. Another
    request commits `e@` between the check and the insert: the next round refuses A for its
    email, and B, a duplicate of nothing stored, goes in. It was refused "another user already
    has the username 'X'" when only the items the last round accepted were checked again."""
    real = repo.taken_user_values
    checks: list[int] = []

    def racing(session: Any, names: Any, mails: Any) -> Any:
        taken = real(session, names, mails)
        checks.append(len(names))
        if len(checks) == 1:
            with transaction() as other:
                audit.act_as(other, OTHER)
                service.create_users(other, [UserCreate(username="else", email="e@example.com")])
        return taken

    monkeypatch.setattr(repo, "taken_user_values", racing)
    a = UserCreate(username="x", email="e@example.com")
    b = UserCreate(username="X", email="f@example.com")
    with transaction() as session:
        audit.act_as(session, audit.Actor("token", "me", None))
        answers = service.create_requested_users(session, [("req-a", a), ("req-b", b)])

    assert isinstance(answers[0], ProblemError) and answers[0].status == 409
    assert "email" in str(answers[0])
    assert not isinstance(answers[1], ProblemError), answers[1]
    assert answers[1].username == "X"
    assert _usernames() == ["X", "else"]
    assert checks == [2, 1, 2]  # ours, the other request's, ours again


# --- deadlocks (Postgres: SQLite has one writer at a time) ---------------------------------


def _stepwise_inserts(monkeypatch: pytest.MonkeyPatch) -> threading.Barrier:
    """Each thread's first user insert writes its first row, waits until the other thread has
    written its own first row, then writes the rest: two batches holding the same two names
    in opposite orders then wait on each other (the database ends it, failing one). Later
    inserts (the loser's next round) run as they are."""
    real = repo.insert_users
    barrier = threading.Barrier(2, timeout=20)
    seen: set[int] = set()

    def stepwise(session: Any, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
        me = threading.get_ident()
        if me in seen or len(rows) < 2:
            return real(session, rows)
        seen.add(me)
        ids = real(session, rows[:1])
        barrier.wait()
        ids.update(real(session, rows[1:]))
        return ids

    monkeypatch.setattr(repo, "insert_users", stepwise)
    return barrier


def _opposite_batches() -> list[list[UserCreate]]:
    return [
        [
            UserCreate(username="first", email="a1@example.com"),
            UserCreate(username="second", email="a2@example.com"),
        ],
        [
            UserCreate(username="second", email="b2@example.com"),
            UserCreate(username="first", email="b1@example.com"),
        ],
    ]


def _both(call: Callable[[int], Any]) -> list[Any]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(call, range(2)))


def test_two_request_batches_that_deadlock_get_201s_and_409s_not_503s(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stepwise_inserts(monkeypatch)
    batches = _opposite_batches()
    with transaction() as session:
        actor = security.actor_of(security.principal_for(session, make_token("write")))

    def write(i: int) -> list[Any]:
        return router._write_created(actor, [(f"req-{i}-{n}", u) for n, u in enumerate(batches[i])])

    answers = _both(write)

    kinds = sorted([type(a).__name__ for a in batch] for batch in answers)
    assert kinds == [["Conflict", "Conflict"], ["UserRead", "UserRead"]], answers
    assert _usernames() == ["first", "second"]


@pytest.mark.parametrize("mode", [BulkMode.per_item, BulkMode.all_or_nothing])
def test_two_bulk_requests_that_deadlock_refuse_the_collisions_not_503(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch, mode: BulkMode
) -> None:
    """The loser's savepoint is rolled back and its items checked again: per item, a 409
    each; all or nothing, a 422 naming both (the other request came first)."""
    _stepwise_inserts(monkeypatch)
    batches = _opposite_batches()

    def bulk(i: int) -> Any:
        body = UserBulkCreate(mode=mode, users=[u.model_dump(mode="json") for u in batches[i]])
        try:
            with transaction() as session:
                audit.act_as(session, OTHER)
                return service.bulk_create(session, body)
        except ProblemError as exc:
            return exc

    results = _both(bulk)

    won = [r for r in results if not isinstance(r, ProblemError) and r.created == 2]
    assert len(won) == 1, results
    lost = results[1 - results.index(won[0])]
    if mode == BulkMode.per_item:
        assert not isinstance(lost, ProblemError)
        assert [i.status for i in lost.items] == [409, 409]
    else:
        assert isinstance(lost, ProblemError) and lost.status == 422, lost
        assert {e.field for e in lost.errors or []} == {"users.0.username", "users.1.username"}
    assert _usernames() == ["first", "second"]


def test_a_deadlock_in_the_one_at_a_time_round_refuses_only_that_item(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three rounds collide (a user committed after each check), so the fourth writes one
    item at a time; there another request holds `k2` and waits for our `k1`. The database
    fails one of the two: when it is ours, only `k2` is refused (409), not the whole
    request with a 503."""
    real_check = repo.taken_user_values
    real_insert = repo.insert_users
    main = threading.get_ident()
    rounds: list[str] = []
    ours_has_k1 = threading.Event()
    theirs_has_k2 = threading.Event()

    def create(session: Any, name: str, mail: str) -> None:
        service.create_users(session, [UserCreate(username=name, email=mail)])

    def racing_check(session: Any, names: Any, mails: Any) -> Any:
        taken = real_check(session, names, mails)
        if threading.get_ident() == main and len(rounds) < 3 and not busy:
            rounds.append(f"c{len(rounds) + 1}")
            busy.append(True)
            with transaction() as other:
                audit.act_as(other, OTHER)
                create(other, rounds[-1], f"{rounds[-1]}@other.example")
            busy.clear()
        return taken

    def watched_insert(session: Any, rows: Any) -> Any:
        ids = real_insert(session, rows)
        if threading.get_ident() == main and [r["username"] for r in rows] == ["k1"]:
            ours_has_k1.set()
        return ids

    monkeypatch.setattr(repo, "taken_user_values", racing_check)
    monkeypatch.setattr(repo, "insert_users", watched_insert)
    busy: list[bool] = []
    theirs: list[Any] = []

    def other_request() -> None:
        try:
            with transaction() as session:
                audit.act_as(session, OTHER)
                create(session, "k2", "k2@b.example")
                theirs_has_k2.set()
                assert ours_has_k1.wait(20)
                threading.Event().wait(0.3)  # ours waits on k2 first: the likelier victim
                create(session, "k1", "k1@b.example")
            theirs.append("committed")
        except Exception as exc:  # either side may be the one the database fails
            theirs.append(type(exc).__name__)

    thread = threading.Thread(target=other_request)
    thread.start()
    assert theirs_has_k2.wait(10), theirs
    names = ["c1", "c2", "c3", "k1", "k2"]
    body = UserBulkCreate(
        mode=BulkMode.per_item, users=[{"username": n, "email": f"{n}@a.example"} for n in names]
    )
    try:
        with transaction() as session:
            audit.act_as(session, OTHER)
            result = service.bulk_create(session, body)
    finally:
        thread.join(30)

    statuses = [i.status for i in result.items]
    assert statuses[:3] == [409, 409, 409]
    if theirs == ["committed"]:  # ours was failed: k2 refused, k1 theirs
        assert statuses[3:] == [201, 409] or statuses[3:] == [409, 409], statuses
    else:  # theirs was failed: both of ours went in
        assert statuses[3:] == [201, 201], (statuses, theirs)
    with transaction() as session:
        stored = session.execute(select(User.username, User.email)).all()
    assert sorted(n for n, _ in stored) == sorted({*rounds, "k1", "k2"})
    assert len(stored) == len({n.lower() for n, _ in stored})


# --- SQLite: a savepoint holds the write lock from its start --------------------------------


def test_a_commit_between_a_savepoints_read_and_write_does_not_fail_it(on_sqlite: Path) -> None:
    """The other connection waits for this transaction instead: SQLite refuses a write whose
    transaction read before another connection's commit (`SQLITE_BUSY_SNAPSHOT`) at once,
    whatever the busy timeout, and two bulk creates at the same moment answered 503."""
    insert = text(
        "INSERT INTO directory_group (name, created_at, updated_at) VALUES (:name, :at, :at)"
    )
    errors: list[BaseException] = []
    finished = threading.Event()

    def other() -> None:
        try:
            with transaction() as session:
                session.execute(insert, {"name": "theirs", "at": utcnow()})
        except BaseException as exc:
            errors.append(exc)
        finished.set()

    thread = threading.Thread(target=other)
    with transaction() as session, savepoint(session):
        session.execute(text("SELECT count(*) FROM directory_group")).all()
        thread.start()
        # Without the lock the other commits at once; with it, it waits for ours.
        finished.wait(1)
        session.execute(insert, {"name": "ours", "at": utcnow()})
    thread.join(40)

    assert errors == []
    with transaction() as session:
        names = set(session.execute(text("SELECT name FROM directory_group")).scalars())
    assert names == {"ours", "theirs"}


def test_a_bulk_refusing_every_item_does_not_wait_for_the_write_lock(on_sqlite: Path) -> None:
    """Nothing to insert opens no savepoint: a client sending again a bulk that already went
    in must not wait for another writer (up to the busy timeout, then a 503)."""
    with transaction() as session:
        audit.act_as(session, OTHER)
        service.create_users(session, [UserCreate(username="ann", email="ann@example.com")])
    holding = threading.Event()
    release = threading.Event()

    def writer() -> None:
        with get_engine().connect() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            holding.set()
            release.wait(10)
            conn.exec_driver_sql("ROLLBACK")

    thread = threading.Thread(target=writer)
    thread.start()
    assert holding.wait(5)
    body = UserBulkCreate(
        mode=BulkMode.per_item, users=[{"username": "ann", "email": "ann@example.com"}]
    )
    answered = threading.Event()
    results: list[Any] = []

    def send() -> None:
        with transaction() as session:
            audit.act_as(session, OTHER)
            results.append(service.bulk_create(session, body))
        answered.set()

    sender = threading.Thread(target=send)
    sender.start()
    try:
        assert answered.wait(5), "an all-refused bulk waited for another writer's lock"
    finally:
        release.set()
        thread.join(10)
        sender.join(40)
    assert [i.status for i in results[0].items] == [409]


# --- deleting a role while a user takes it ---------------------------------------------------


def test_deleting_a_role_while_a_user_is_created_with_it_re_evaluates_that_user(
    api: ApiClient,
) -> None:
    """The create has written its user and the role grant, and not committed, when the role is
    deleted. The delete waits for it, then re-evaluates that user with the role's other
    holders: its assignment ends as theirs does, not as if it still held the role."""
    app = api.ok("POST", "/apps", json=app_body(provisioning_enabled=True))
    role = api.ok("POST", "/roles", json={"name": "M365", "app_ids": [app["id"]]})["id"]
    before = api.ok("POST", "/users", json=user_body(1, role_ids=[role]))
    written = threading.Event()

    def create() -> None:
        with transaction() as session:
            audit.act_as(session, OTHER)
            service.create_users(
                session, [UserCreate.model_validate(user_body(2, role_ids=[role]))]
            )
            written.set()
            # Long enough for the delete to have read the role's holders, had it not waited.
            threading.Event().wait(0.5)

    thread = threading.Thread(target=create)
    thread.start()
    assert written.wait(10)
    api.ok("DELETE", f"/roles/{role}", expect=204)
    thread.join(10)

    with transaction() as session:
        rows = {
            a.user_id: (a.active, a.target, a.why)
            for a in session.execute(select(Assignment)).scalars()
        }
        during = session.execute(select(User.id).where(col(User.username) == "user2")).scalar()
    assert during is not None and set(rows) == {before["id"], during}
    assert rows[during] == rows[before["id"]]
    assert rows[during][:2] != (True, "present")


# --- freed names -------------------------------------------------------------------------------


def test_a_live_name_like_a_freed_one_never_blocks_a_delete(api: ApiClient) -> None:
    bob = api.ok("POST", "/users", json=user_body(1, username="bob", email="bob@example.com"))
    api.ok(
        "POST",
        "/users",
        json=user_body(2, username=f"bob#deleted-{bob['id']}", email="b2@example.com"),
    )
    api.ok("DELETE", f"/users/{bob['id']}", expect=204)
    again = api.ok("POST", "/users", json=user_body(3, username="BOB", email="bob@example.com"))
    assert again["username"] == "BOB"
    assert _usernames() == ["BOB", f"bob#deleted-{bob['id']}"]


def test_migration_0024_marks_freed_values_in_upper_case_and_goes_back(api: ApiClient) -> None:
    """Values freed before the mark was upper case are rewritten; a live user's name holding
    the old mark, and the same letters earlier in a freed value, are the person's own. Going
    back, a freed value whose old spelling a live user now holds stays as it is rather than
    collide (the downgrade failed on exactly the data the new mark allows)."""
    ids = [api.ok("POST", "/users", json=user_body(n))["id"] for n in (1, 2, 3, 4)]
    freed, kept, live, twin = ids
    with transaction() as session:
        for uid, name in ((freed, "ann"), (kept, "a#deleted-1"), (twin, "bob")):
            session.execute(
                text(
                    "UPDATE directory_user SET deleted_at = :at, username_lower = :name, "
                    "email_lower = :mail WHERE id = :id"
                ),
                {
                    "at": utcnow(),
                    "name": f"{name}#DELETED-{uid}",
                    "mail": f"{name}@example.com#DELETED-{uid}",
                    "id": uid,
                },
            )
        session.execute(
            text("UPDATE directory_user SET username_lower = :n WHERE id = :id"),
            {"n": f"bob#deleted-{twin}", "id": live},
        )

    def values() -> dict[int, tuple[str, str]]:
        with get_engine().connect() as conn:
            rows = conn.execute(text("SELECT id, username_lower, email_lower FROM directory_user"))
            return {int(r[0]): (r[1], r[2]) for r in rows}

    def migrate(step: Callable[..., None], revision: str) -> None:
        engine = get_engine()
        cfg = _alembic_config(engine)
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            step(cfg, revision)

    new = values()
    migrate(command.downgrade, "0023_task_correlation_length")
    old = values()
    assert old[freed] == (f"ann#deleted-{freed}", f"ann@example.com#deleted-{freed}")
    assert old[kept][0] == f"a#deleted-1#deleted-{kept}"
    assert old[live][0] == f"bob#deleted-{twin}"
    assert old[twin] == (f"bob#DELETED-{twin}", f"bob@example.com#deleted-{twin}")
    migrate(command.upgrade, "head")
    assert values() == new
    with get_engine().connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert version == head_revision()
