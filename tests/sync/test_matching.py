"""Import and match: 1,000 existing tenant users matched to directory users by ImmutableID,
userPrincipalName and mail, with conflicts and orphans; in a few queries, not one per user."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlmodel import col, select

from app.db import get_engine, transaction
from app.models import App, Assignment, TenantAccount, User
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from app.sync.matching import match_accounts
from tests.sync.conftest import T, accounts, cycle

DIRECTORY_DOMAIN = "example.org"


def _directory_user(n: str, email: str, **custom: str) -> User:
    return User(
        username=n,
        username_lower=n.lower(),
        email=email,
        email_lower=email.lower(),
        firstname="Pat",
        lastname=n,
        custom_attributes=custom,
    )


def _seed(sandbox: SandboxServer) -> dict[str, Any]:
    """1,000 tenant users and the directory users they should (or should not) match."""
    tenant = sandbox.state.tenant(T)
    expected: dict[str, Any] = {"immutable_id": {}, "user_principal_name": {}, "mail": {}}
    expected.update(conflict=set(), orphan=set())
    directory: list[User] = []
    tenant_users: list[dict[str, Any]] = []
    # 300 by ImmutableID: UPN and mail say nothing.
    for i in range(300):
        directory.append(
            _directory_user(f"imm{i}", f"imm{i}@{DIRECTORY_DOMAIN}", immutable_id=f"IMM+{i}/=")
        )
        tenant_users.append(
            {
                "upn": f"x-imm{i}@{seed.DOMAIN_DEFAULT}",
                "onPremisesImmutableId": f"IMM+{i}/=",
                "key": ("immutable_id", f"imm{i}"),
            }
        )
    # 300 by the UPN our default parameter computes ({email local}@{app domain}).
    for i in range(300):
        directory.append(_directory_user(f"upn{i}", f"upn{i}@{DIRECTORY_DOMAIN}"))
        tenant_users.append(
            {"upn": f"upn{i}@{seed.DOMAIN_DEFAULT}", "key": ("user_principal_name", f"upn{i}")}
        )
    # 250 by mail.
    for i in range(250):
        directory.append(_directory_user(f"mail{i}", f"mail{i}@{DIRECTORY_DOMAIN}"))
        tenant_users.append(
            {
                "upn": f"m-{i}@{seed.DOMAIN_DEFAULT}",
                "mail": f"MAIL{i}@{DIRECTORY_DOMAIN}",
                "key": ("mail", f"mail{i}"),
            }
        )
    # 20 directory users each matched by the mail of two tenant accounts: 40 conflicts.
    for i in range(20):
        directory.append(_directory_user(f"dup{i}", f"dup{i}@{DIRECTORY_DOMAIN}"))
        for side in ("a", "b"):
            tenant_users.append(
                {
                    "upn": f"dup{i}{side}@{seed.DOMAIN_DEFAULT}",
                    "mail": f"dup{i}@{DIRECTORY_DOMAIN}",
                    "key": ("conflict", None),
                }
            )
    # 10 tenant accounts whose ImmutableID two directory users hold: 10 conflicts.
    for i in range(10):
        for side in ("a", "b"):
            directory.append(
                _directory_user(
                    f"twin{i}{side}", f"twin{i}{side}@{DIRECTORY_DOMAIN}", immutable_id=f"TWIN{i}"
                )
            )
        tenant_users.append(
            {
                "upn": f"t-{i}@{seed.DOMAIN_DEFAULT}",
                "onPremisesImmutableId": f"TWIN{i}",
                "key": ("conflict", None),
            }
        )
    # Orphans: belong to nobody here.
    while len(tenant_users) < 1000:
        i = len(tenant_users)
        tenant_users.append(
            {
                "upn": f"orphan{i}@{seed.DOMAIN_DEFAULT}",
                "mail": f"orphan{i}@else.example",
                "key": ("orphan", None),
            }
        )
    with transaction() as session:
        session.add_all(directory)
        session.flush()
        user_ids = {u.username: u.id for u in directory}
    with sandbox.state.lock:
        for spec in tenant_users:
            props = {k: v for k, v in spec.items() if k not in ("upn", "key")}
            user = seed.add_user(tenant, spec["upn"], spec["upn"].split("@")[0], **props)
            kind, username = spec["key"]
            if kind in ("conflict", "orphan"):
                expected[kind].add(user.id)
            else:
                expected[kind][user.id] = user_ids[username]
    expected["user_ids"] = user_ids
    return expected


def test_import_and_match_of_1000_tenant_users(app: dict[str, Any], sandbox: SandboxServer) -> None:
    expected = _seed(sandbox)
    # One user already has an assignment to the app, with no tenant object id yet.
    upn_user = expected["user_ids"]["upn7"]
    with transaction() as session:
        session.add(Assignment(app_id=app["id"], user_id=upn_user))

    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(get_engine(), "before_cursor_execute", count)
    try:
        done = cycle(app["id"], reason="import")
    finally:
        event.remove(get_engine(), "before_cursor_execute", count)
    assert done.cycle is not None and done.cycle["ok"], done.cycle

    snapshot = accounts(app["id"])
    for method in ("immutable_id", "user_principal_name", "mail"):
        for object_id, user_id in expected[method].items():
            account = snapshot[object_id]
            assert (account.user_id, account.match_method) == (user_id, method), object_id
    for object_id in expected["conflict"]:
        account = snapshot[object_id]
        assert account.user_id is None and account.disposition == "conflict"
        assert account.conflict_reason
    for object_id in expected["orphan"]:
        assert snapshot[object_id].user_id is None and snapshot[object_id].disposition is None
    assert done.cycle["matched_by"] == {
        "immutable_id": 300,
        "user_principal_name": 300,
        "mail": 250,
    }
    assert done.cycle["conflicts"] == 50
    # The seed tenant's own users belong to nobody here either: orphans.
    unmatched = [a for a in snapshot.values() if a.user_id is None and a.disposition is None]
    assert len(unmatched) == len(expected["orphan"]) + len(seed_users(sandbox, expected))

    # The assignment now holds the tenant user: the executor reads it by id and PATCHes.
    upn7 = next(o for o, u in expected["user_principal_name"].items() if u == upn_user)
    with transaction() as session:
        assignment = session.exec(
            select(Assignment).where(col(Assignment.user_id) == upn_user)
        ).one()
        assert assignment.tenant_object_id == upn7
    assert done.cycle["assignments_linked"] == 1

    # A few statements for the whole import, not one (or more) per account.
    from collections import Counter

    assert len(statements) < 150, Counter(s[:90] for s in statements).most_common(6)


def seed_users(sandbox: SandboxServer, expected: dict[str, Any]) -> set[str]:
    ours = set(expected["conflict"]) | set(expected["orphan"])
    for method in ("immutable_id", "user_principal_name", "mail"):
        ours |= set(expected[method])
    return {u.id for u in sandbox.state.tenant(T).live_users()} - ours


def test_match_order_is_the_apps_and_a_linked_user_takes_no_second_account(
    app: dict[str, Any], sandbox: SandboxServer
) -> None:
    """A tenant account whose mail names one user and whose ImmutableID names another goes to
    the key that comes first in the app's order; a user already linked makes a later
    account that matches them a conflict, not a second link."""
    tenant = sandbox.state.tenant(T)
    with transaction() as session:
        by_imm = _directory_user("alice", f"alice@{DIRECTORY_DOMAIN}", immutable_id="A1")
        by_mail = _directory_user("bob", f"bob@{DIRECTORY_DOMAIN}")
        session.add_all([by_imm, by_mail])
        session.flush()
        alice, bob = by_imm.id, by_mail.id
    with sandbox.state.lock:
        both = seed.add_user(
            tenant,
            f"z1@{seed.DOMAIN_DEFAULT}",
            "z1",
            onPremisesImmutableId="A1",
            mail=f"bob@{DIRECTORY_DOMAIN}",
        )
    with transaction() as session:
        row = session.get(App, app["id"])
        assert row is not None
        row.match_order = ["mail", "immutable_id"]
    cycle(app["id"])
    assert (accounts(app["id"])[both.id].user_id, accounts(app["id"])[both.id].match_method) == (
        bob,
        "mail",
    )

    # A second account with Bob's mail: Bob is taken, so it is a conflict.
    with sandbox.state.lock:
        second = seed.add_user(
            tenant, f"z2@{seed.DOMAIN_DEFAULT}", "z2", mail=f"bob@{DIRECTORY_DOMAIN}"
        )
    cycle(app["id"])
    account = accounts(app["id"])[second.id]
    assert account.user_id is None and account.disposition == "conflict"
    assert str(bob) in (account.conflict_reason or "")
    assert alice not in {a.user_id for a in accounts(app["id"]).values()}

    # Matching again changes nothing (idempotent).
    with transaction() as session:
        row = session.get(App, app["id"])
        assert row is not None
        summary = match_accounts(session, row, None)
    assert summary.total_matched == 0 and summary.conflicts == 1
    with transaction() as session:
        linked = session.exec(select(TenantAccount).where(col(TenantAccount.user_id) == bob)).all()
        assert [a.object_id for a in linked] == [both.id]
