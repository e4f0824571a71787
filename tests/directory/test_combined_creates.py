"""Concurrent `POST /users` requests are written together (`app.combine`), one transaction per
batch: each request is still answered, refused and recorded on its own, as if the requests had
run one after the other. On both databases."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlmodel import col, select

from app import db, queue, security
from app.audit import service as audit
from app.db import get_engine, transaction
from app.directory import router, service
from app.directory.schemas import UserCreate
from app.models import AuditEntry, Task, User
from tests.apps.helpers import app_body
from tests.support import ApiClient, make_token, sales_mapping, user_body


class Batches(list[int]):
    """The sizes of the batches written, and the moment the first began writing."""

    def __init__(self) -> None:
        super().__init__()
        self.first_writing = threading.Event()
        self.queued: int | None = None
        """How many requests the first batch waits to see queued behind it (one actor's
        requests all queue; None: another actor's lead batches of their own, so it waits a
        fixed half second instead)."""


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> Batches:
    """The first batch waits a moment before it writes, so the requests sent meanwhile queue
    behind it and go together in the next."""
    sizes = Batches()
    lock = threading.Lock()
    original = service.create_requested_users

    def held(session: Any, requests: Any, **kwargs: Any) -> Any:
        with lock:
            sizes.append(len(requests))
            first = len(sizes) == 1
        if first:
            sizes.first_writing.set()
            if sizes.queued is None:
                time.sleep(0.5)
            else:
                # Until every other request has queued, however slowly a loaded machine
                # schedules their threads: a late one would make a third batch.
                deadline = time.monotonic() + 10
                while router._creates.waiting(audit.actor_of(session)) < sizes.queued:
                    assert time.monotonic() < deadline, "the other requests never queued"
                    time.sleep(0.005)
        return original(session, requests, **kwargs)

    monkeypatch.setattr(service, "create_requested_users", held)
    return sizes


def _parallel(n: int, call: Callable[[int], Any], led: threading.Event) -> list[Any]:
    """Runs `call(0)` .. `call(n - 1)` side by side. Request 0 leads: the others are sent only
    once `led` is set (the first batch is writing), so request 0 alone makes the first batch
    and the rest queue behind it, however the threads are scheduled on a loaded machine."""

    def staggered(i: int) -> Any:
        if i:
            assert led.wait(10), "the first request never began writing"
        return call(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(staggered, range(n)))


def _created_entries() -> dict[str, AuditEntry]:
    with transaction() as session:
        rows = session.execute(
            select(AuditEntry).where(col(AuditEntry.action) == "user.created")
        ).scalars()
        return {str(e.object_name): e for e in rows}


def test_each_request_gets_its_own_user_audit_entry_and_task_cause(
    api: ApiClient, batches: Batches
) -> None:
    app = api.ok("POST", "/apps", json=app_body(provisioning_enabled=True))
    role = api.ok("POST", "/roles", json={"name": "M365", "app_ids": [app["id"]]})

    def post(i: int) -> Any:
        body = user_body(i, role_ids=[role["id"]], department=f"Dept {i}")
        answer = api.post("/api/v1/users", json=body, headers={"X-Request-ID": f"req-{i}"})
        return answer.status_code, answer.json(), answer.headers.get("x-request-id")

    batches.queued = 9
    answers = _parallel(10, post, batches.first_writing)
    assert max(batches) > 1, f"the requests were never written together: {batches}"
    assert sum(batches) == 10
    for i, (status, body, request_id) in enumerate(answers):
        assert status == 201 and request_id == f"req-{i}"
        assert body["username"] == f"user{i}" and body["department"] == f"Dept {i}"
        assert body == api.ok("GET", f"/users/{body['id']}")

    entries = _created_entries()
    with transaction() as session:
        tasks = session.execute(select(Task, User).join(User, col(Task.user_id) == User.id)).all()
    assert {name: e.request_id for name, e in entries.items()} == {
        f"user{i}": f"req-{i}" for i in range(10)
    }
    assert {str(e.object_id) for e in entries.values()} == {str(b["id"]) for _, b, _ in answers}
    assert sorted((u.username, t.correlation_id) for t, u in tasks) == sorted(
        (f"user{i}", f"req-{i}") for i in range(10)
    )


@pytest.mark.parametrize("field", ["username", "email"])
def test_requests_racing_for_one_name_give_one_user_and_plain_409s(
    api: ApiClient, batches: Batches, field: str
) -> None:
    def post(i: int) -> Any:
        body = user_body(i)
        body[field] = "same" if field == "username" else "same@example.com"
        answer = api.post("/api/v1/users", json=body)
        return answer.status_code, answer.json()

    batches.queued = 7
    answers = _parallel(8, post, batches.first_writing)
    assert max(batches) > 1
    assert sorted(status for status, _ in answers) == [201] + [409] * 7
    for status, body in answers:
        if status == 409:
            # Each request was one user: no talk of items of a batch it never sent.
            assert body["detail"].startswith(f"Another user already has the {field}")
            assert "Item" not in body["detail"]
    with transaction() as session:
        users = session.execute(select(User)).scalars().all()
    assert len(users) == 1
    assert [e.object_name for e in _created_entries().values()] == [users[0].username]


def test_a_refused_request_changes_nothing_and_spoils_no_other(
    api: ApiClient, batches: Batches
) -> None:
    group = api.ok("POST", "/groups", json={"name": "Sales"})["id"]

    def post(i: int) -> Any:
        body = user_body(i, group_id=group)
        if i == 3:
            body["role_ids"] = [424242]
        if i == 5:
            body["group_id"] = 434343
        answer = api.post("/api/v1/users", json=body)
        return answer.status_code, answer.json()

    batches.queued = 7
    answers = _parallel(8, post, batches.first_writing)
    assert max(batches) > 1
    assert [status for status, _ in answers] == [201, 201, 201, 422, 201, 422, 201, 201]
    assert answers[3][1]["errors"][0]["field"] == "role_ids"
    assert answers[5][1]["errors"][0]["field"] == "group_id"
    with transaction() as session:
        names = set(session.execute(select(User.username)).scalars())
    assert names == {f"user{i}" for i in (0, 1, 2, 4, 6, 7)}
    assert set(_created_entries()) == names


def test_each_token_is_recorded_as_the_actor_of_its_own_users(
    api: ApiClient, batches: Batches
) -> None:
    others = ApiClient(make_token("admin", name="hr-feed"))

    def post(i: int) -> int:
        client = api if i % 2 == 0 else others
        return int(client.post("/api/v1/users", json=user_body(i)).status_code)

    with others:
        assert _parallel(8, post, batches.first_writing) == [201] * 8
    actors = {name: e.actor_name for name, e in _created_entries().items()}
    assert {name for name, actor in actors.items() if actor == "hr-feed"} == {
        f"user{i}" for i in (1, 3, 5, 7)
    }
    assert len({actors[f"user{i}"] for i in (0, 2, 4, 6)} - {"hr-feed"}) == 1


def test_a_batch_that_finds_no_free_connection_is_shed_after_one_wait(
    client: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every connection taken while requests queue behind a batch: the next batch waits out
    the pool timeout once and each of its requests is shed with a 503, rather than each
    being run again alone and waiting out the timeout again, one after the other."""
    engine = get_engine()
    monkeypatch.setattr(engine.pool, "_timeout", 1.0)  # DB_POOL_TIMEOUT_S, for this engine
    held: list[Any] = []
    first_writing, taken = threading.Event(), threading.Event()
    original = service.create_requested_users

    def first_holds(session: Any, requests: Any, **kwargs: Any) -> Any:
        if not first_writing.is_set():
            session.execute(text("SELECT 1"))  # this batch holds its connection
            first_writing.set()
            assert taken.wait(10)
        return original(session, requests, **kwargs)

    original_recheck = router.recheck

    def recheck_once_taken(session: Any, *args: Any) -> Any:
        if first_writing.is_set():
            # The next batch asks for a connection (its first query is this recheck) only
            # once the taker has the first batch's too. Asking earlier, it could take that
            # connection the moment it was given back, ahead of the taker already waiting for
            # it (the pool lets a new caller in before a woken waiter), and find one free.
            deadline = time.monotonic() + 10
            while len(held) < 30 and time.monotonic() < deadline:
                time.sleep(0.01)
        return original_recheck(session, *args)

    monkeypatch.setattr(service, "create_requested_users", first_holds)
    monkeypatch.setattr(router, "recheck", recheck_once_taken)

    def take_the_pool() -> None:
        first_writing.wait(10)
        time.sleep(0.3)  # the other requests are queued behind the first batch by now
        held.extend(engine.connect() for _ in range(29))  # all but the first batch's
        taken.set()
        held.append(engine.connect())  # and that one, the moment it is given back

    taker = threading.Thread(target=take_the_pool)
    taker.start()

    def post(i: int) -> tuple[int, float]:
        started = time.monotonic()
        answer = client.post("/api/v1/users", json=user_body(i))
        return answer.status_code, time.monotonic() - started

    try:
        answers = _parallel(8, post, first_writing)
    finally:
        taker.join()
        for connection in held:
            connection.close()
    assert len(held) == 30
    assert answers[0][0] == 201
    assert {status for status, _ in answers[1:]} == {503}
    # One wait of the pool timeout (1 s) after the first batch, not one per request (7 s).
    assert max(t for _, t in answers[1:]) < answers[0][1] + 3, answers
    with transaction() as session:
        assert list(session.execute(select(User.username)).scalars()) == ["user0"]


def test_a_failure_once_committed_is_never_answered_as_another_users_name(
    api: ApiClient, batches: Batches, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The users of a batch are written, then a step after the commit fails (a connection
    lost during COMMIT leaves the same doubt): its requests get that error, never a 409
    saying another user holds the name they were created with."""
    failing = threading.Event()
    real_send = queue.send
    second: list[int] = []
    original = service.create_requested_users

    def noted(session: Any, requests: Any, **kwargs: Any) -> Any:
        answers = original(session, requests, **kwargs)
        if len(batches) == 2:  # written, not committed yet
            second.append(threading.get_ident())
        return answers

    def send(wakes: Any) -> None:
        # The second batch's commit, not a request's own (empty) transaction afterwards.
        if threading.get_ident() in second and not failing.is_set():
            failing.set()
            raise RuntimeError("after the commit")
        real_send(wakes)

    monkeypatch.setattr(service, "create_requested_users", noted)
    monkeypatch.setattr(db.queue, "send", send)

    def post(i: int) -> int:
        try:
            return int(api.post("/api/v1/users", json=user_body(i)).status_code)
        except RuntimeError:  # the test client re-raises what the server did not handle
            return 500

    batches.queued = 5
    answers = _parallel(6, post, batches.first_writing)
    assert failing.is_set() and max(batches) > 1
    assert 409 not in answers and answers[0] == 201
    assert len(batches) == 2, f"the failed batch was run again: {batches}"
    with transaction() as session:
        stored = set(session.execute(select(User.username)).scalars())
    assert stored == {f"user{i}" for i in range(6)}


def test_an_earlier_request_counts_as_stored_so_the_username_is_checked_first(
    api: ApiClient,
) -> None:
    """Request 1 collides with request 0's username and with a stored user's email. Had
    request 0 been committed first, request 1 would be refused on its username (checked before
    the email), so that is what it gets written together too; within one bulk request the
    stored email comes first, as there."""
    api.ok("POST", "/users", json=user_body(1, email="stored@example.com"))
    items = [
        (0, UserCreate(**user_body(2, username="dup"))),
        (1, UserCreate(**user_body(3, username="DUP", email="STORED@example.com"))),
    ]
    with transaction() as session:
        separate = service.check_new_users(session, items, separate=True)
        bulk = service.check_new_users(session, items)
    assert list(separate) == list(bulk) == [1]
    assert separate[1].field == "username"
    assert separate[1].error.detail == "Another user already has the username 'DUP'."
    assert bulk[1].field == "email"
    assert bulk[1].error.detail == "Another user already has the email 'STORED@example.com'."


def test_a_batch_is_written_without_a_savepoint(api: ApiClient) -> None:
    """The combined path spends no SAVEPOINT round trips on the race it handles by running
    the batch again (next test)."""
    statements: list[str] = []

    def spot(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(get_engine(), "before_cursor_execute", spot)
    try:
        assert api.post("/api/v1/users", json=user_body(1)).status_code == 201
    finally:
        event.remove(get_engine(), "before_cursor_execute", spot)
    assert any(
        s.lstrip().upper().startswith("INSERT") and "directory_user" in s for s in statements
    )
    assert not [s for s in statements if "SAVEPOINT" in s.upper()]


def test_a_name_taken_between_check_and_insert_refuses_only_its_request(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another request commits a username after the batch's check (simulated: the first
    check sees nothing). The unguarded insert fails, the transaction rolls back, and the
    batch runs again guarded: only the request that collides gets its 409, the others are
    created once each, and nothing of the first attempt is left (users, audit, tasks)."""
    app = api.ok("POST", "/apps", json=app_body(provisioning_enabled=True))
    role = api.ok("POST", "/roles", json={"name": "M365", "app_ids": [app["id"]]})["id"]
    taken = api.ok("POST", "/users", json=user_body(9))
    real = service.check_new_users
    checks: list[int] = []

    def late(session: Any, items: Any, **kwargs: Any) -> Any:
        checks.append(len(items))
        return {} if len(checks) == 1 else real(session, items, **kwargs)

    monkeypatch.setattr(service, "check_new_users", late)
    requests = [
        ("req-a", UserCreate.model_validate(user_body(1, role_ids=[role]))),
        ("req-b", UserCreate.model_validate(user_body(2, username="USER9", role_ids=[role]))),
        ("req-c", UserCreate.model_validate(user_body(3, role_ids=[role]))),
    ]
    with transaction() as session:
        racer = security.principal_for(session, make_token("write", name="racer"))
    answers = router._write_created(security.actor_of(racer), requests)

    assert checks == [3, 3]
    assert [type(a).__name__ for a in answers] == ["UserRead", "Conflict", "UserRead"]
    assert "Another user already has the username" in str(answers[1])
    with transaction() as session:
        names = sorted(session.execute(select(User.username)).scalars())
        created = session.execute(
            select(AuditEntry.object_name, AuditEntry.request_id).where(
                col(AuditEntry.action) == "user.created", col(AuditEntry.actor_name) == "racer"
            )
        ).all()
        causes = sorted(t.correlation_id or "" for t in session.execute(select(Task)).scalars())
    assert names == ["user1", "user3", taken["username"]]
    assert sorted(created) == [("user1", "req-a"), ("user3", "req-c")]
    assert causes == ["req-a", "req-c"]


def test_the_answer_is_what_a_read_shows(api: ApiClient) -> None:
    """A created user is answered from the values its batch inserted, not read back: for
    every kind of value (roles by hand and by mapping, a group set by hand and one by
    mapping, mapped attributes, a suspended status, odd characters, repeated groups), the
    answer is what `GET /users/{id}` reads."""
    by_hand = api.ok("POST", "/roles", json={"name": "By hand"})["id"]
    mapped = api.ok("POST", "/roles", json={"name": "Mapped"})["id"]
    own_group = api.ok("POST", "/groups", json={"name": "Own"})["id"]
    mapped_group = api.ok("POST", "/groups", json={"name": "Mapped group"})["id"]
    sales_mapping(api, mapped, mapped_group, ("region", "EU"), ("site", ""))
    odd = {
        "firstname": 'Zoë "Z" O\'Brien',
        "lastname": "Back\\slash \\u0000 not a NUL",
        "display_name": "Отдел продаж 販売部 😀",
        "distinguished_name": "CN=Zoë,OU=Sales,DC=contoso,DC=com",
        "title": "x" * 200,
        "company": "Contoso",
        "phone": "+1 555 0100",
        "country": "de",
        "custom_attributes": {"zeta": "1", "note": '{"x": 1}', "site": "HQ", "b": "", "a": "1"},
        "member_of": ["Office 365", "office 365", "Ünïcode group"],
    }
    bodies = [
        user_body(1),
        user_body(2, department="Ops", role_ids=[by_hand, by_hand], group_id=own_group),
        user_body(3, role_ids=[mapped, by_hand], group_id=own_group, status="suspended", **odd),
        {"username": "Bare.Name", "email": "Bare.Name@Contoso.com"},
    ]
    for body in bodies:
        answer = api.post("/api/v1/users", json=body)
        assert answer.status_code == 201, answer.text
        created = answer.json()
        # To the byte: key order too (Postgres's jsonb keeps keys by length, not as sent).
        read = api.get(f"/api/v1/users/{created['id']}")
        assert read.content == answer.content, body["username"]
    third = api.ok("GET", "/users/" + str(api.ok("GET", "/users?q=user3")["items"][0]["id"]))
    assert [(r["id"], r["source"]) for r in third["roles"]] == [
        (by_hand, "manual"),
        (mapped, "manual"),
        (mapped, "mapping"),
    ]
    assert third["mapped_group_id"] == mapped_group and third["group_id"] == own_group
