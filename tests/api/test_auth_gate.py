"""Token first, body second: an unknown, revoked or expired token is a 401 and a token without
the route's scope a 403 before the body is parsed; a good token still gets its 422."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlmodel import col, select

from app.errors import PROBLEM_JSON
from tests.support import ApiClient, make_token, user_body

SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
MALFORMED = b'{"username": "ann", '
# Routes that read a JSON body, each with the scope it needs.
REST = [
    ("POST", "/api/v1/users", "write"),
    ("POST", "/api/v1/users/1/roles", "write"),
    ("PATCH", "/api/v1/apps/1", "write"),  # `admin` too for some fields, known from the body
    ("PUT", "/api/v1/mappings/sort", "write"),
    ("POST", "/api/v1/provisioning/tasks/approve", "approve"),
    ("POST", "/api/v1/tokens", "admin"),
]
SATISFIES = {"write": {"write", "admin"}, "approve": {"approve", "admin"}, "admin": {"admin"}}
SCIM = [("POST", "/scim/v2/Users"), ("PATCH", "/scim/v2/Groups/1"), ("PUT", "/scim/v2/Users/1")]


@pytest.fixture
def anon(env: dict[str, str]) -> Iterator[ApiClient]:
    with ApiClient(None) as api:
        yield api


def _send(api: ApiClient, method: str, path: str, token: str) -> tuple[int, dict[str, object]]:
    resp = api.request(
        method,
        path,
        content=MALFORMED,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    if path.startswith("/scim/v2"):
        assert resp.headers["content-type"].startswith("application/scim+json"), resp.text
    else:
        assert resp.headers["content-type"].startswith(PROBLEM_JSON), resp.text
    return resp.status_code, resp.json()


def _assert_unauthorized(api: ApiClient, token: str) -> None:
    for method, path, _ in REST:
        status, body = _send(api, method, path, token)
        assert (status, body["status"]) == (401, 401), f"{method} {path}: {body}"
    for method, path in SCIM:
        status, body = _send(api, method, path, token)
        assert status == 401, f"{method} {path}: {body}"
        assert body["schemas"] == [SCIM_ERROR] and body["status"] == "401"


def test_unknown_token_is_401_before_the_body(anon: ApiClient) -> None:
    _assert_unauthorized(anon, "pvn_no-such-token")


def test_revoked_token_is_401_before_the_body(anon: ApiClient) -> None:
    with ApiClient.admin() as admin:
        created = admin.ok("POST", "/tokens", json={"name": "gone", "scopes": ["admin", "scim"]})
        admin.ok("DELETE", f"/tokens/{created['id']}", expect=204)
    _assert_unauthorized(anon, created["token"])


def test_expired_token_is_401_before_the_body(anon: ApiClient) -> None:
    from app.db import transaction
    from app.models import Scope, utcnow
    from app.tokens.service import create_token

    with transaction() as session:
        _, raw = create_token(
            session, "old", [Scope.admin, Scope.scim], expires_at=utcnow() - timedelta(seconds=1)
        )
    _assert_unauthorized(anon, raw)


@pytest.mark.parametrize("scope", ["read", "scim", "approve", "write"])
def test_token_without_the_scope_is_403_before_the_body(anon: ApiClient, scope: str) -> None:
    token = make_token(scope)
    refused = [(m, p) for m, p, needed in REST if scope not in SATISFIES[needed]]
    assert refused
    for method, path in refused:
        status, body = _send(anon, method, path, token)
        assert (status, body["status"]) == (403, 403), f"{scope} {method} {path}: {body}"


def test_scim_without_the_scim_scope_is_403_before_the_body(anon: ApiClient) -> None:
    token = make_token("admin")  # admin implies scim: a plain read token does not
    for method, path in SCIM:
        status, body = _send(anon, method, path, make_token("read"))
        assert status == 403, f"{method} {path}: {body}"
        assert body["schemas"] == [SCIM_ERROR]
        status, _ = _send(anon, method, path, token)
        assert status == 400  # SCIM's invalidSyntax: past the gate, the body is parsed


def test_valid_token_with_the_scope_still_gets_422_for_the_body(anon: ApiClient) -> None:
    token = make_token("admin")
    for method, path, _ in REST:
        status, body = _send(anon, method, path, token)
        assert (status, body["status"]) == (422, 422), f"{method} {path}: {body}"


def test_the_token_is_looked_up_once_per_request(anon: ApiClient) -> None:
    from app.db import get_engine

    token = make_token("read")
    lookups: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if "FROM api_token" in statement:
            lookups.append(statement)

    event.listen(get_engine(), "before_cursor_execute", count)
    try:
        resp = anon.get("/api/v1/users", headers={"Authorization": f"Bearer {token}"})
    finally:
        event.remove(get_engine(), "before_cursor_execute", count)
    assert resp.status_code == 200, resp.text
    assert len(lookups) == 1, lookups


def test_no_free_connection_for_the_lookup_is_a_503_not_a_500(
    anon: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from app.api import auth_gate

    def busy(_raw: str) -> None:
        raise PoolTimeout("QueuePool limit reached")

    monkeypatch.setattr(auth_gate, "_lookup", busy)
    auth = {"Authorization": "Bearer pvn_any"}
    resp = anon.post("/api/v1/users", content=MALFORMED, headers=auth)
    assert (resp.status_code, resp.headers["retry-after"]) == (503, "1"), resp.text
    assert resp.headers["content-type"].startswith(PROBLEM_JSON)
    resp = anon.post("/scim/v2/Users", content=MALFORMED, headers=auth)
    assert (resp.status_code, resp.json()["schemas"]) == (503, [SCIM_ERROR]), resp.text


@pytest.fixture
def database_gone(anon: ApiClient, monkeypatch: pytest.MonkeyPatch) -> Iterator[ApiClient]:
    """The server up, then its database unreachable (as during a restart): every new
    connection is refused by the driver, a real `OperationalError`."""
    from app import db, settings
    from tests.ops.conftest import free_port
    from tests.support import reset_caches

    monkeypatch.setenv("DATABASE_URL", f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/x")
    settings.get_settings.cache_clear()
    db.get_engine().dispose()
    db.get_engine.cache_clear()
    try:
        yield anon
    finally:
        monkeypatch.undo()
        reset_caches()


def test_a_database_gone_is_a_503_at_the_token_look_up_and_in_routes(
    database_gone: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by an attack: a Postgres restart turned requests in flight into 500s (the driver's
    `AdminShutdown`, "the database system is starting up", "connection refused")."""
    from app.api import auth_gate
    from app.security import Principal, Scope

    auth = {"Authorization": "Bearer pvn_any"}
    for method, path in [("GET", "/api/v1/users"), ("POST", "/api/v1/users")]:
        resp = database_gone.request(method, path, json={}, headers=auth)
        assert (resp.status_code, resp.headers["retry-after"]) == (503, "1"), resp.text
        assert resp.headers["content-type"].startswith(PROBLEM_JSON)
    resp = database_gone.get("/scim/v2/Users", headers=auth)
    assert (resp.status_code, resp.json()["schemas"]) == (503, [SCIM_ERROR]), resp.text

    # Past the gate (the token known), the route's own session meets the same.
    admin = Principal(1, "admin", frozenset({Scope.admin}))
    monkeypatch.setattr(auth_gate, "_lookup", lambda _raw: admin)
    for method, path, body in [
        ("GET", "/api/v1/users", None),
        ("POST", "/api/v1/roles", {"name": "R"}),
        ("GET", "/scim/v2/Users", None),
    ]:
        resp = database_gone.request(method, path, json=body, headers=auth)
        assert resp.status_code == 503, resp.text
        assert resp.headers["retry-after"] == "1"


def test_requests_side_by_side_are_each_answered_by_their_own_token(anon: ApiClient) -> None:
    """Concurrent POSTs with a mix of tokens (their scopes, unknown, expired): each gets the
    answer its own token earns, whatever the others sent."""
    from app.db import transaction
    from app.models import ApiToken, utcnow

    writer, reader = make_token("write", name="w"), make_token("read", name="r")
    expired = make_token("read", name="old")
    with transaction() as session:
        old = session.exec(select(ApiToken).where(col(ApiToken.name) == "old")).one()
        old.expires_at = utcnow() - timedelta(seconds=1)
        session.add(old)
    cases = [(writer, 201), (reader, 403), ("pvn_unknown", 401), (expired, 401)] * 5

    def post(i: int) -> int:
        auth = {"Authorization": f"Bearer {cases[i][0]}"}
        status: int = anon.post("/api/v1/users", json=user_body(i), headers=auth).status_code
        return status

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(post, range(len(cases))))
    assert statuses == [status for _, status in cases]


def _token_row(name: str) -> int:
    from app.db import transaction
    from app.models import ApiToken

    with transaction() as session:
        row = session.exec(select(ApiToken).where(col(ApiToken.name) == name)).one()
        assert row.id is not None
        return row.id


def _set_token(token_id: int, **values: object) -> None:
    from app.db import transaction
    from app.models import ApiToken

    with transaction() as session:
        row = session.get(ApiToken, token_id)
        assert row is not None
        for key, value in values.items():
            setattr(row, key, value)
        session.add(row)


def _statements_during(call: object) -> list[str]:
    from app.db import get_engine

    seen: list[str] = []

    def spot(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if "FROM api_token" in statement:
            seen.append(statement)

    event.listen(get_engine(), "before_cursor_execute", spot)
    try:
        call()  # type: ignore[operator]
    finally:
        event.remove(get_engine(), "before_cursor_execute", spot)
    return seen


def test_post_users_on_a_recent_token_skips_the_look_up_and_its_batch_rechecks(
    anon: ApiClient,
) -> None:
    """`POST /users` is let in on a token looked up moments ago (no look-up of its own), and
    its batch reads the token again, by id, in the transaction that writes."""
    auth = {"Authorization": f"Bearer {make_token('write', name='w')}"}
    first = _statements_during(lambda: anon.post("/api/v1/users", json=user_body(1), headers=auth))
    second = _statements_during(lambda: anon.post("/api/v1/users", json=user_body(2), headers=auth))
    assert ["token_hash" in s for s in first] == [True, False]
    assert ["token_hash" in s for s in second] == [False]  # the batch's recheck, by id
    # Every other route looks the token up on every request.
    for _ in range(2):
        reads = _statements_during(lambda: anon.get("/api/v1/users", headers=auth))
        assert ["token_hash" in s for s in reads] == [True]


@pytest.mark.parametrize("change", ["revoked", "expired", "scope"])
def test_a_token_changed_after_its_last_request_creates_nothing(
    anon: ApiClient, change: str
) -> None:
    """The gate remembers the token, but the batch reads it again where it writes: revoked
    or expired since is a 401, a write scope gone is a 403, and nothing is written."""
    from app.db import transaction
    from app.models import AuditEntry, User, utcnow

    auth = {"Authorization": f"Bearer {make_token('write', name='w')}"}
    assert anon.post("/api/v1/users", json=user_body(1), headers=auth).status_code == 201
    token_id = _token_row("w")
    if change == "revoked":
        _set_token(token_id, revoked_at=utcnow())
    elif change == "expired":
        _set_token(token_id, expires_at=utcnow() - timedelta(seconds=1))
    else:
        _set_token(token_id, scopes=["read"])

    resp = anon.post("/api/v1/users", json=user_body(2), headers=auth)
    assert resp.status_code == (403 if change == "scope" else 401), resp.text
    assert resp.headers["content-type"].startswith(PROBLEM_JSON)
    with transaction() as session:
        names = set(session.exec(select(User.username)))
        entries = session.exec(
            select(AuditEntry).where(col(AuditEntry.action) == "user.created")
        ).all()
    assert names == {"user1"} and len(entries) == 1


def test_a_remembered_token_past_its_expiry_is_looked_up_again(
    anon: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gate keeps a token's expiry with it: once past, the token is looked up again and
    refused before the body, not let in for the rest of the window."""
    from app import security
    from app.models import utcnow
    from app.tokens import service as tokens

    auth = {"Authorization": f"Bearer {make_token('write', name='w')}"}
    _set_token(_token_row("w"), expires_at=utcnow() + timedelta(hours=1))
    assert anon.post("/api/v1/users", json=user_body(1), headers=auth).status_code == 201
    later = utcnow() + timedelta(hours=2)
    monkeypatch.setattr(security, "utcnow", lambda: later)
    monkeypatch.setattr(tokens, "utcnow", lambda: later)
    resp = anon.post("/api/v1/users", content=MALFORMED, headers=auth)
    assert resp.status_code == 401, resp.text


def test_a_token_without_the_route_scope_is_never_remembered(anon: ApiClient) -> None:
    """A read-only token is told 403 on `POST /users`; revoked, it is told 401 at once."""
    from app.models import utcnow

    auth = {"Authorization": f"Bearer {make_token('read', name='r')}"}
    assert anon.post("/api/v1/users", json=user_body(1), headers=auth).status_code == 403
    _set_token(_token_row("r"), revoked_at=utcnow())
    resp = anon.post("/api/v1/users", content=MALFORMED, headers=auth)
    assert resp.status_code == 401, resp.text
