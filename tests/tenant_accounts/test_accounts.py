"""Tenant accounts end to end (API, Postgres, in-process runner, sandbox tenant): the list and
its filters, link, import, ignore and deprovision (per account and in bulk), and the plan
telling link from create. The snapshot is filled from the sandbox as a delta round would."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from app.db import transaction
from app.models import Assignment, AuditEntry, Task, TaskStatus, User
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.apps.helpers import app_body
from tests.provisioning.conftest import make_app, wait_tasks
from tests.support import ApiClient, user_body
from tests.tenant_accounts.snapshot import account, add_tenant_user, copy_tenant, wait_jobs


def _app(api: ApiClient, sb: SandboxServer, **policy: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    app = make_app(api, sb)
    role = api.ok("POST", "/roles", json={"name": "M365", "app_ids": [app["id"]]})
    if policy:
        api.ok("PATCH", f"/apps/{app['id']}", json=policy)
    return app, role


def _act(api: ApiClient, app_id: int, account_id: int, **body: Any) -> dict[str, Any]:
    return api.ok("POST", f"/apps/{app_id}/tenant-accounts/{account_id}/actions", json=body)


def _bulk(api: ApiClient, app_id: int, **body: Any) -> dict[str, Any]:
    return api.ok("POST", f"/apps/{app_id}/tenant-accounts/actions", json=body)


def _list(api: ApiClient, app_id: int, **params: Any) -> list[dict[str, Any]]:
    return api.ok("GET", f"/apps/{app_id}/tenant-accounts", params={"limit": 500, **params})[
        "items"
    ]


def _upns(items: list[dict[str, Any]]) -> list[str]:
    return sorted(i["user_principal_name"] for i in items)


def _assignment(app_id: int, user_id: int) -> Assignment:
    with transaction() as session:
        row = session.exec(
            select(Assignment).where(Assignment.app_id == app_id, Assignment.user_id == user_id)
        ).one()
        session.expunge(row)
        return row


def _audit(action: str) -> list[AuditEntry]:
    with transaction() as session:
        rows = session.exec(
            select(AuditEntry).where(AuditEntry.action == action).order_by(col(AuditEntry.id))
        ).all()
        for r in rows:
            session.expunge(r)
        return list(rows)


def _user_count() -> int:
    with transaction() as session:
        return len(session.exec(select(User)).all())


MEGAN = f"meganb@{seed.DOMAIN_DEFAULT}"
NESTOR = f"nestorw@{seed.DOMAIN_DEFAULT}"
ALEX = f"alexw@{seed.DOMAIN_FEDERATED}"
ADMIN = f"admin@{seed.DOMAIN_INITIAL}"


def test_the_list_filters_by_match_disposition_and_text_and_pages(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app, _ = _app(api, sandbox)
    aid = app["id"]
    ids = copy_tenant(sandbox, aid)
    uid = api.ok("POST", "/users", json=user_body(1))["id"]
    _act(api, aid, ids[MEGAN], action="link", user_id=uid)
    _act(api, aid, ids[NESTOR], action="ignore")

    assert _upns(_list(api, aid)) == sorted([ADMIN, MEGAN, NESTOR, ALEX])
    [matched] = _list(api, aid, matched="true")
    assert (matched["user_principal_name"], matched["user_id"]) == (MEGAN, uid)
    assert (matched["username"], matched["match_method"]) == ("user1", "manual")
    assert matched["object_id"] == seed.USER_MEGAN
    assert matched["assigned_licenses"] == [seed.SKU_M365_E5.lower()]
    # Ignored accounts leave the list of accounts to handle; they are listed on request.
    assert _upns(_list(api, aid, matched="false")) == sorted([ADMIN, ALEX])
    assert _upns(_list(api, aid, matched="false", disposition="ignored")) == [NESTOR]
    assert _upns(_list(api, aid, q="FABRIKAM")) == [ALEX]
    assert _upns(_list(api, aid, q="megan", matched="false")) == []

    first = api.ok("GET", f"/apps/{aid}/tenant-accounts", params={"limit": 3})
    assert len(first["items"]) == 3 and first["next_cursor"]
    rest = api.ok(
        "GET", f"/apps/{aid}/tenant-accounts", params={"limit": 3, "cursor": first["next_cursor"]}
    )
    assert rest["next_cursor"] is None
    assert _upns(first["items"] + rest["items"]) == sorted([ADMIN, MEGAN, NESTOR, ALEX])

    one = api.ok("GET", f"/apps/{aid}/tenant-accounts/{ids[ALEX]}")
    assert one["on_premises_immutable_id"] == seed.ALEX_IMMUTABLE_ID
    assert one["attributes"]["givenName"] == "Alex"

    api.problem("GET", f"/apps/{aid}/tenant-accounts/999999", 404)
    api.problem("GET", "/apps/999999/tenant-accounts", 404)
    api.problem("GET", f"/apps/{aid}/tenant-accounts", 422, params={"matched": "maybe"})
    api.problem("GET", f"/apps/{aid}/tenant-accounts", 422, params={"disposition": "lost"})
    api.problem("GET", f"/apps/{aid}/tenant-accounts", 400, params={"cursor": "nope"})
    reader = api.with_scopes("read")
    assert reader.ok("GET", f"/apps/{aid}/tenant-accounts/{ids[ALEX]}")["id"] == ids[ALEX]
    reader.problem(
        "POST", f"/apps/{aid}/tenant-accounts/{ids[ALEX]}/actions", 403, json={"action": "ignore"}
    )
    assert account(ids[ALEX]).disposition is None
    api.problem(
        "POST", f"/apps/{aid}/tenant-accounts/{ids[ALEX]}/actions", 422, json={"action": "adopt"}
    )
    api.problem(
        "POST", f"/apps/{aid}/tenant-accounts/{ids[ALEX]}/actions", 422, json={"action": "link"}
    )
    api.problem(
        "POST",
        f"/apps/{aid}/tenant-accounts/actions",
        422,
        json={"action": "ignore", "account_ids": []},
    )
    # Ignoring an account that belongs to someone is refused.
    api.problem(
        "POST", f"/apps/{aid}/tenant-accounts/{ids[MEGAN]}/actions", 409, json={"action": "ignore"}
    )
    [ignored] = _audit("tenant_account.ignored")
    assert ignored.actor_name == "admin" and ignored.after == {"disposition": "ignored"}


def test_a_link_turns_the_planned_create_into_an_update_and_the_run_patches(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    """The person exists in the tenant under another UPN and mail: nothing would find them,
    so a create is planned. Linked by hand, the run changes that tenant user (PATCH), and
    never creates one (no POST /users)."""
    app, role = _app(api, sandbox)
    aid = app["id"]
    old = add_tenant_user(
        sandbox, "j.doe.old@contoso.com", "J Doe", mail="j.doe.old@contoso.com", givenName="J"
    )
    ids = copy_tenant(sandbox, aid)
    uid = api.ok(
        "POST", "/users", json=user_body(1, email="jdoe@example.com", role_ids=[role["id"]])
    )["id"]
    assert api.ok("GET", f"/apps/{aid}/plan")["totals"] == {"create": 1}

    result = _act(api, aid, ids["j.doe.old@contoso.com"], action="link", user_id=uid)

    assert result["ok"] and result["account"]["user_id"] == uid
    assert result["account"]["match_method"] == "manual"
    assert _assignment(aid, uid).tenant_object_id == old.id
    assert api.ok("GET", f"/apps/{aid}/plan")["totals"] == {"update": 1}
    [entry] = _audit("tenant_account.linked")
    assert entry.actor_name == "admin" and entry.after == {"user_id": uid, "match_method": "manual"}
    # Another user for the same account, or another account for the same user: 409.
    other = api.ok("POST", "/users", json=user_body(2))["id"]
    api.problem(
        "POST",
        f"/apps/{aid}/tenant-accounts/{ids[MEGAN]}/actions",
        409,
        json={"action": "link", "user_id": uid},
    )
    api.problem(
        "POST",
        f"/apps/{aid}/tenant-accounts/{ids['j.doe.old@contoso.com']}/actions",
        409,
        json={"action": "link", "user_id": other},
    )
    api.problem(
        "POST",
        f"/apps/{aid}/tenant-accounts/{ids[MEGAN]}/actions",
        404,
        json={"action": "link", "user_id": 999999},
    )
    assert account(ids[MEGAN]).user_id is None

    # Enabling provisioning plans and runs every assignment's next step: the update.
    sandbox.state.clear_log()
    api.ok("PATCH", f"/apps/{aid}", json={"provisioning_enabled": True})
    wait_jobs(api)
    [task] = wait_tasks(api, aid)

    assert (task["action"], task["status"]) == ("update", "succeeded"), task
    assert sandbox.state.calls_to("POST", "/users") == []
    assert len(sandbox.state.calls_to("PATCH", f"/users/{old.id}")) == 1
    tenant = sandbox.state.tenant(seed.DEMO_TENANT_ID)
    assert tenant.users[old.id].upn == f"jdoe@{seed.DOMAIN_DEFAULT}"
    assert sum(1 for u in tenant.live_users() if u.upn.startswith("jdoe")) == 1
    assert _assignment(aid, uid).state == "provisioned"


def test_accounts_linked_before_a_grant_are_held_by_every_new_assignment_at_once(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    """Several people linked to tenant accounts before any role granted the app, then one
    change grants it to all of them, in this app and another: every new assignment holds its
    account (an update is planned, never a create), whichever way the grant arrives."""
    app = make_app(api, sandbox)
    aid = app["id"]
    later = api.ok("POST", "/roles", json={"name": "Later", "app_ids": []})
    people = {}
    for n, upn in enumerate(("ann.old@contoso.com", "bob.old@contoso.com"), start=1):
        add_tenant_user(sandbox, upn, f"Person {n}", mail=upn)
        people[upn] = api.ok(
            "POST", "/users", json=user_body(n, email=f"p{n}@example.com", role_ids=[later["id"]])
        )["id"]
    ids = copy_tenant(sandbox, aid)
    for upn, uid in people.items():
        _act(api, aid, ids[upn], action="link", user_id=uid)

    # One role change grants the app to both linked people.
    api.ok("PATCH", f"/roles/{later['id']}", json={"app_ids": [aid]})

    for upn, uid in people.items():
        assert _assignment(aid, uid).tenant_object_id == account(ids[upn]).object_id
    assert api.ok("GET", f"/apps/{aid}/plan")["totals"] == {"update": 2}

    # A mapping granting a role of this app and a second one to a third linked person.
    other = api.ok("POST", "/apps", json=app_body(2))["id"]
    both = api.ok("POST", "/roles", json={"name": "Both", "app_ids": [aid, other]})
    add_tenant_user(sandbox, "cy.old@contoso.com", "Person 3", mail="cy.old@contoso.com")
    cy = api.ok("POST", "/users", json=user_body(3, email="p3@example.com", department="Ops"))["id"]
    ids = copy_tenant(sandbox, aid)
    _act(api, aid, ids["cy.old@contoso.com"], action="link", user_id=cy)
    api.ok(
        "POST",
        "/mappings",
        json={
            "name": "ops",
            "conditions": [{"source": "department", "operator": "equals", "value": "Ops"}],
            "actions": [{"action": "add_role", "value": [str(both["id"])]}],
        },
    )
    job = api.ok("POST", "/mappings/reapply", expect=202)
    assert api.wait_job(job["id"])["status"] == "succeeded"
    assert _assignment(aid, cy).tenant_object_id == account(ids["cy.old@contoso.com"]).object_id
    assert _assignment(other, cy).tenant_object_id is None


def test_import_makes_the_directory_user_from_the_tenant_and_a_later_grant_links_it(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app, role = _app(api, sandbox)
    aid = app["id"]
    kim = add_tenant_user(
        sandbox,
        "kim@contoso.com",
        "Kim Akers",
        mail="Kim.Akers@contoso.com",
        givenName="Kim",
        surname="Akers",
        department="Finance",
        jobTitle="Controller",
        usageLocation="GB",
        onPremisesImmutableId="S2ltQWtlcnM=",
    )
    add_tenant_user(sandbox, "kim2@contoso.com", "Kim Again", mail="kim.akers@contoso.com")
    ids = copy_tenant(sandbox, aid)

    result = _act(api, aid, ids["kim@contoso.com"], action="import")

    user = api.ok("GET", f"/users/{result['user_id']}")
    assert (user["username"], user["email"]) == ("kim@contoso.com", "Kim.Akers@contoso.com")
    assert (user["firstname"], user["lastname"], user["display_name"]) == (
        "Kim",
        "Akers",
        "Kim Akers",
    )
    assert (user["department"], user["title"], user["country"]) == ("Finance", "Controller", "GB")
    assert user["custom_attributes"] == {"immutable_id": "S2ltQWtlcnM="}
    row = account(ids["kim@contoso.com"])
    assert (row.user_id, row.disposition, row.match_method) == (user["id"], "imported", "manual")
    assert [e.object_name for e in _audit("tenant_account.imported")] == ["kim@contoso.com"]
    assert [e.object_name for e in _audit("user.created")] == ["kim@contoso.com"]

    # The same email is taken now: a clear 409, and no user is made.
    before = _user_count()
    problem = api.problem(
        "POST",
        f"/apps/{aid}/tenant-accounts/{ids['kim2@contoso.com']}/actions",
        409,
        json={"action": "import"},
    )
    assert "email" in problem["detail"]
    assert _user_count() == before and account(ids["kim2@contoso.com"]).user_id is None

    # Granted the app later, the imported user's assignment holds the linked account.
    api.ok("PUT", f"/users/{user['id']}/roles", json={"role_ids": [role["id"]]})
    assignment = _assignment(aid, user["id"])
    assert assignment.tenant_object_id == kim.id
    assert "create" not in api.ok("GET", f"/apps/{aid}/plan")["totals"]


def test_deprovision_waits_for_approval_then_deletes_the_account_in_the_tenant(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app, _ = _app(
        api,
        sandbox,
        provisioning_enabled=True,
        on_user_deleted="delete",
        approval_required={"delete": True},
    )
    aid = app["id"]
    orphan = add_tenant_user(sandbox, "orphan@contoso.com", "Orphan")
    ids = copy_tenant(sandbox, aid)

    result = _act(api, aid, ids["orphan@contoso.com"], action="deprovision")

    assert result["task_status"] == "pending_approval"
    assert result["account"]["disposition"] == "deprovisioning"
    task = api.ok("GET", f"/provisioning/tasks/{result['task_id']}")
    assert (task["action"], task["user_id"], task["assignment_id"]) == ("delete", None, None)
    assert task["plan"]["tenant_object_id"] == orphan.id
    tenant = sandbox.state.tenant(seed.DEMO_TENANT_ID)
    assert not tenant.users[orphan.id].is_deleted
    assert sandbox.state.calls_to("DELETE", f"/users/{orphan.id}") == []
    api.problem(
        "POST",
        f"/apps/{aid}/tenant-accounts/{ids['orphan@contoso.com']}/actions",
        409,
        json={"action": "deprovision"},
    )

    api.ok("POST", f"/provisioning/tasks/{task['id']}/approve")
    [done] = [t for t in wait_tasks(api, aid) if t["id"] == task["id"]]

    assert done["status"] == "succeeded", done
    assert tenant.users[orphan.id].is_deleted
    assert len(sandbox.state.calls_to("DELETE", f"/users/{orphan.id}")) == 1
    row = account(ids["orphan@contoso.com"])
    assert (row.deleted, row.disposition) == (True, "deprovisioned")
    assert [e.object_name for e in _audit("tenant_account.deprovision_planned")] == [
        "orphan@contoso.com"
    ]
    log = api.ok("GET", f"/apps/{aid}/provisioning/log")["items"]
    assert any("tenant account 'orphan@contoso.com'" in e["text"] for e in log)


def test_deprovision_without_approval_suspends_under_a_suspend_policy(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app, _ = _app(api, sandbox, provisioning_enabled=True, on_user_deleted="suspend")
    aid = app["id"]
    orphan = add_tenant_user(sandbox, "leaver@contoso.com", "Leaver")
    ids = copy_tenant(sandbox, aid)

    result = _act(api, aid, ids["leaver@contoso.com"], action="deprovision")
    [task] = [t for t in wait_tasks(api, aid) if t["id"] == result["task_id"]]

    assert (task["action"], task["status"]) == ("suspend", "succeeded"), task
    user = sandbox.state.tenant(seed.DEMO_TENANT_ID).users[orphan.id]
    assert user.props["accountEnabled"] is False and not user.is_deleted
    row = account(ids["leaver@contoso.com"])
    assert (row.account_enabled, row.disposition) == (False, "deprovisioned")


def test_bulk_actions_answer_for_each_account_and_the_threshold_holds_them_all(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app, _ = _app(
        api, sandbox, provisioning_enabled=True, on_user_deleted="suspend", deletion_threshold=1
    )
    aid = app["id"]
    a = add_tenant_user(sandbox, "a@contoso.com", "A", mail="a@contoso.com")
    b = add_tenant_user(sandbox, "b@contoso.com", "B", mail="b@contoso.com")
    add_tenant_user(sandbox, "c@contoso.com", "C", mail="c@contoso.com")
    add_tenant_user(sandbox, "c2@contoso.com", "C Again", mail="c@contoso.com")
    ids = copy_tenant(sandbox, aid)
    uid = api.ok("POST", "/users", json=user_body(1))["id"]
    _act(api, aid, ids[MEGAN], action="link", user_id=uid)

    out = _bulk(
        api,
        aid,
        action="deprovision",
        account_ids=[ids["a@contoso.com"], ids["b@contoso.com"], ids[MEGAN], 999999],
    )

    assert (out["succeeded"], out["failed"]) == (2, 2)
    by_id = {r["account_id"]: r for r in out["results"]}
    assert by_id[ids["a@contoso.com"]]["task_status"] == "pending_approval"
    assert by_id[ids["b@contoso.com"]]["task_status"] == "pending_approval"
    assert (by_id[ids[MEGAN]]["ok"], by_id[ids[MEGAN]]["status"]) == (False, 409)
    assert (by_id[999999]["ok"], by_id[999999]["status"]) == (False, 404)
    task = api.ok("GET", f"/provisioning/tasks/{by_id[ids['a@contoso.com']]['task_id']}")
    assert "deletion threshold" in task["reason"]
    tenant = sandbox.state.tenant(seed.DEMO_TENANT_ID)
    assert tenant.users[a.id].props["accountEnabled"] and tenant.users[b.id].props["accountEnabled"]
    assert account(ids[MEGAN]).disposition is None

    # Import in bulk: the second account's mail is the first one's, now a directory user's.
    users_before = _user_count()
    out = _bulk(
        api, aid, action="import", account_ids=[ids["c@contoso.com"], ids["c2@contoso.com"]]
    )
    first, second = out["results"]
    assert first["ok"] and first["user_id"] and first["account"]["disposition"] == "imported"
    assert (second["ok"], second["status"]) == (False, 409) and "email" in second["detail"]
    assert _user_count() == users_before + 1
    assert account(ids["c2@contoso.com"]).user_id is None


def test_the_plan_counts_people_already_in_the_tenant_as_link(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app, role = _app(api, sandbox)
    aid = app["id"]
    ana = add_tenant_user(sandbox, "ana@contoso.com", "Ana")  # found by UPN
    bo = add_tenant_user(sandbox, "bo.old@contoso.com", "Bo", mail="bo@example.com")  # by mail
    imm = add_tenant_user(
        sandbox, "immy@contoso.com", "Immy", onPremisesImmutableId="SW1teQ=="
    )  # by ImmutableID
    copy_tenant(sandbox, aid)
    rid = [role["id"]]
    api.ok(
        "POST", "/users", json=user_body(1, username="ana", email="ana@example.com", role_ids=rid)
    )
    api.ok("POST", "/users", json=user_body(2, username="bo", email="bo@example.com", role_ids=rid))
    api.ok(
        "POST",
        "/users",
        json=user_body(
            3,
            username="im",
            email="im@example.com",
            role_ids=rid,
            custom_attributes={"immutable_id": "SW1teQ=="},
        ),
    )
    api.ok(
        "POST", "/users", json=user_body(4, username="new", email="new@example.com", role_ids=rid)
    )

    plan = api.ok("GET", f"/apps/{aid}/plan")

    assert plan["totals"] == {"link": 3, "create": 1}
    links = {e["username"]: e for e in plan["actions"]["link"]["examples"]}
    assert {u: (e["tenant_object_id"], e["matched_on"]) for u, e in links.items()} == {
        "ana": (ana.id, "user_principal_name"),
        "bo": (bo.id, "mail"),
        "im": (imm.id, "immutable_id"),
    }
    assert [e["username"] for e in plan["actions"]["create"]["examples"]] == ["new"]

    # The app matches on mail only: the UPN and the ImmutableID no longer count.
    api.ok("PATCH", f"/apps/{aid}", json={"match_order": ["mail"]})
    assert api.ok("GET", f"/apps/{aid}/plan")["totals"] == {"link": 1, "create": 3}


def test_deprovisioning_the_tenants_global_admin_is_refused_by_graph_and_says_so(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    """An app-only caller may not disable an administrator (Graph's sensitive-action rule): the
    task fails with Graph's answer, the account stays enabled, and nothing claims otherwise."""
    app, _ = _app(api, sandbox, provisioning_enabled=True, on_user_deleted="suspend")
    aid = app["id"]
    ids = copy_tenant(sandbox, aid)

    result = _act(api, aid, ids[ADMIN], action="deprovision")
    [task] = [t for t in wait_tasks(api, aid) if t["id"] == result["task_id"]]

    assert (task["action"], task["status"]) == ("suspend", "failed"), task
    assert task["error"]["code"] == "Authorization_RequestDenied"
    admin = sandbox.state.tenant(seed.DEMO_TENANT_ID).users[seed.USER_ADMIN]
    assert admin.props["accountEnabled"] is True and not admin.is_deleted
    row = account(ids[ADMIN])
    assert row.account_enabled is True and row.disposition != "deprovisioned"


def test_a_failed_deprovision_is_not_retried_on_an_account_linked_since(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    """Link waits only for an open deprovision; a failed one can be retried later. By then the
    account may belong to someone: the retry is refused and nothing is sent."""
    app, role = _app(api, sandbox, provisioning_enabled=True, on_user_deleted="suspend")
    aid = app["id"]
    ids = copy_tenant(sandbox, aid)
    first = _act(api, aid, ids[ADMIN], action="deprovision")
    other = _act(api, aid, ids[MEGAN], action="deprovision")
    tasks = {t["id"]: t for t in wait_tasks(api, aid)}
    assert tasks[first["task_id"]]["status"] == "failed"  # Graph refuses it for an admin
    assert tasks[other["task_id"]]["status"] == "succeeded"
    uid = api.ok("POST", "/users", json=user_body(7, role_ids=[role["id"]]))["id"]
    _act(api, aid, ids[ADMIN], action="link", user_id=uid)

    refused = api.problem("POST", f"/provisioning/tasks/{first['task_id']}/retry", 409)

    assert f"linked to directory user {uid}" in refused["detail"]
    [task] = [t for t in wait_tasks(api, aid) if t["id"] == first["task_id"]]
    assert (task["status"], task["attempts"]) == ("failed", tasks[first["task_id"]]["attempts"])
    admin = sandbox.state.tenant(seed.DEMO_TENANT_ID).users[seed.USER_ADMIN]
    assert admin.props["accountEnabled"] is True


def _failed_admin_deprovision(
    api: ApiClient, sandbox: SandboxServer
) -> tuple[int, dict[str, int], dict[str, Any]]:
    """An app whose deprovision of the Global Administrator's account failed (Graph refuses
    an app-only caller), with a deletion threshold of 0 from then on, so the next
    deprovision is held; returns (app id, its account ids, the failed action's result)."""
    app, _ = _app(api, sandbox, provisioning_enabled=True, on_user_deleted="suspend")
    aid = app["id"]
    ids = copy_tenant(sandbox, aid)
    first = _act(api, aid, ids[ADMIN], action="deprovision")
    assert [t["status"] for t in wait_tasks(api, aid)] == ["failed"]
    api.ok("PATCH", f"/apps/{aid}", json={"deletion_threshold": 0})
    return aid, ids, first


def test_a_failed_deprovision_of_an_account_still_of_nobody_can_be_retried(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    """Even while another account's deprovision is open: an account task has no assignment, so
    "another open task of the same assignment" must not mean any open account task."""
    aid, ids, first = _failed_admin_deprovision(api, sandbox)
    held = _act(api, aid, ids[NESTOR], action="deprovision")

    retried = api.ok("POST", f"/provisioning/tasks/{first['task_id']}/retry")

    assert retried["status"] == "queued"
    tasks = {t["id"]: t for t in wait_tasks(api, aid)}
    assert tasks[first["task_id"]]["status"] == "failed"  # Graph still refuses an admin
    assert tasks[held["task_id"]]["status"] == "pending_approval"


def test_a_failed_deprovision_is_not_retried_while_another_of_the_same_account_is_open(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    aid, ids, first = _failed_admin_deprovision(api, sandbox)
    again = _act(api, aid, ids[ADMIN], action="deprovision")  # held by the threshold

    refused = api.problem("POST", f"/provisioning/tasks/{first['task_id']}/retry", 409)

    assert f"Task {again['task_id']} already deprovisions" in refused["detail"]
    tasks = {t["id"]: t["status"] for t in wait_tasks(api, aid)}
    assert tasks == {first["task_id"]: "failed", again["task_id"]: "pending_approval"}


def test_a_task_whose_user_and_assignment_are_gone_is_not_retried_as_an_account_task(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    """A deleted user's assignment goes once its tasks end, and their tasks keep NULL in its
    place: such a task is not a tenant account's deprovision, and there is nothing to run."""
    app, role = _app(api, sandbox, provisioning_enabled=True)
    aid = app["id"]
    api.ok("POST", "/users", json=user_body(3, role_ids=[role["id"]]))
    [task] = wait_tasks(api, aid)
    with transaction() as session:
        row = session.get(Task, task["id"])
        assert row is not None
        row.status, row.assignment_id = TaskStatus.failed, None
        session.add(row)

    refused = api.problem("POST", f"/provisioning/tasks/{task['id']}/retry", 409)

    assert "assignment that no longer exists" in refused["detail"]
    assert [t["status"] for t in wait_tasks(api, aid)] == ["failed"]
