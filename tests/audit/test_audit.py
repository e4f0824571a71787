"""The audit trail: each kind of change is one entry with its actor and the changed fields
before and after, written in the change's own transaction (a refused or rolled-back change
leaves none); filters, cursor pages and the CSV export."""

from __future__ import annotations

import csv
import hashlib
import io
from typing import Any

import pytest
from sqlmodel import select

from app.audit.service import Actor, act_as, record, snapshot
from app.db import transaction
from app.models import AuditEntry, Group
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.apps.helpers import app_body
from tests.support import ApiClient, make_token, user_body


def _entries(**where: Any) -> list[AuditEntry]:
    with transaction() as session:
        stmt = select(AuditEntry).order_by(AuditEntry.id)  # type: ignore[arg-type]
        for key, value in where.items():
            stmt = stmt.where(getattr(AuditEntry, key) == value)
        return list(session.exec(stmt).all())


def _one(action: str, object_id: Any) -> AuditEntry:
    found = _entries(action=action, object_id=str(object_id))
    assert len(found) == 1, [(e.action, e.object_id) for e in _entries()]
    return found[0]


def test_changes_to_the_directory_are_recorded_with_actor_and_values(api: ApiClient) -> None:
    group = api.ok("POST", "/groups", json={"name": "Sales"})
    role = api.ok("POST", "/roles", json={"name": "Office 365"})
    user = api.ok("POST", "/users", json=user_body(1, group_id=group["id"]))
    api.ok("PATCH", f"/users/{user['id']}", json={"department": "Marketing", "title": "CFO"})
    api.ok("PUT", f"/users/{user['id']}/roles", json={"role_ids": [role["id"]]})
    api.ok("PATCH", f"/groups/{group['id']}", json={"description": "All sellers"})
    api.ok("PATCH", f"/roles/{role['id']}", json={"name": "Office 365 E3"})
    api.ok("DELETE", f"/users/{user['id']}", expect=204)

    created = _one("user.created", user["id"])
    assert created.actor_type == "token" and created.actor_name == "admin"
    assert created.actor_id is not None and created.object_name == "user1"
    assert created.before is None and created.after is not None
    assert created.after["department"] == "Sales" and created.after["group_id"] == group["id"]
    updated = _one("user.updated", user["id"])
    assert updated.before == {"department": "Sales", "title": None}
    assert updated.after == {"department": "Marketing", "title": "CFO"}
    roles = _one("user.roles_changed", user["id"])
    assert (roles.before, roles.after) == ({"role_ids": []}, {"role_ids": [role["id"]]})
    group_update = _one("group.updated", group["id"])
    assert (group_update.before, group_update.after) == (
        {"description": None},
        {"description": "All sellers"},
    )
    role_update = _one("role.updated", role["id"])
    assert role_update.before == {"name": "Office 365"}
    assert role_update.after == {"name": "Office 365 E3"}
    deleted = _one("user.deleted", user["id"])
    assert deleted.after is None and deleted.before and deleted.before["title"] == "CFO"


def test_app_policy_credentials_and_deletion_are_recorded(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app = api.ok("POST", "/apps", json=app_body())
    new_secret = "another-secret-value-0123456789"
    api.ok(
        "PATCH",
        f"/apps/{app['id']}",
        json={"deletion_threshold": 3, "approval_required": {"create": True}},
    )
    api.ok("PATCH", f"/apps/{app['id']}", json={"client_secret": new_secret})
    api.ok("PATCH", f"/apps/{app['id']}", json={"domain": seed.DOMAIN_FEDERATED})
    api.ok("DELETE", f"/apps/{app['id']}", expect=204)

    created = _one("app.created", app["id"])
    assert created.after and created.after["client_secret"].startswith("set:")
    policy = _one("app.policy_changed", app["id"])
    assert policy.before is not None and policy.after is not None
    assert set(policy.after) == {"deletion_threshold", "approval_required"}
    assert policy.before["deletion_threshold"] is None and policy.after["deletion_threshold"] == 3
    assert policy.after["approval_required"]["create"] is True
    creds = _one("app.credentials_changed", app["id"])
    assert creds.before is not None and creds.after is not None
    assert set(creds.after) == {"client_secret"}
    assert creds.before["client_secret"] != creds.after["client_secret"]
    everything = str([(e.before, e.after) for e in _entries()])
    assert new_secret not in everything and seed.DEMO_CLIENT_SECRET not in everything
    domain = _one("app.updated", app["id"])
    assert domain.after == {"domain": seed.DOMAIN_FEDERATED}
    assert _one("app.deleted", app["id"]).before is not None


def _audit(api: ApiClient, **params: Any) -> list[dict[str, Any]]:
    return api.ok("GET", "/audit", params={"limit": 500, **params})["items"]


def test_drift_match_and_sync_settings_changes_are_recorded(api: ApiClient) -> None:
    app = api.ok("POST", "/apps", json=app_body())
    api.ok(
        "PATCH",
        f"/apps/{app['id']}",
        json={"drift_policy": {"groups": "enforce"}, "match_order": ["mail"]},
    )
    api.ok("PATCH", f"/apps/{app['id']}", json={"sync_interval_s": 600})
    api.ok("PATCH", f"/apps/{app['id']}", json={"full_sync_interval_s": 7200})

    (policy,) = _audit(api, action="app.policy_changed", object_type="app", object=app["id"])
    assert set(policy["after"]) == {"drift_policy", "match_order"}
    assert policy["before"]["drift_policy"]["groups"] == "report"
    assert policy["after"]["drift_policy"]["groups"] == "enforce"
    assert policy["before"]["match_order"] == ["immutable_id", "user_principal_name", "mail"]
    assert policy["after"]["match_order"] == ["mail"]
    updates = _audit(api, action="app.updated", object_type="app", object=app["id"])
    assert [(u["before"], u["after"]) for u in updates] == [
        ({"sync_interval_s": 300}, {"sync_interval_s": 600}),
        ({"full_sync_interval_s": 86400}, {"full_sync_interval_s": 7200}),
    ]


def test_webhook_endpoints_are_recorded_without_their_secret_or_url_path(
    api: ApiClient,
) -> None:
    url = "https://hooks.example.com/services/T0/B0/capability-in-the-path"
    created = api.ok("POST", "/webhooks", json={"url": url, "description": "ops"})
    hook = created["id"]
    api.ok("PATCH", f"/webhooks/{hook}", json={"url": "https://other.example.net:8443/in"})
    api.ok("PATCH", f"/webhooks/{hook}", json={"secret": created["secret"][:-4] + "AAA="})
    api.ok("DELETE", f"/webhooks/{hook}", expect=204)

    entries = _audit(api, object_type="webhook", object=hook)
    assert [e["action"] for e in entries] == [
        "webhook.created",
        "webhook.updated",
        "webhook.updated",
        "webhook.deleted",
    ]
    made, moved, rekeyed, gone = entries
    assert made["actor"]["name"] == "admin" and made["after"]["description"] == "ops"
    assert made["after"]["url"].startswith("https://hooks.example.com (hmac:")
    assert made["after"]["secret"].startswith("set:")
    assert set(moved["after"]) == {"url"}
    assert moved["before"]["url"] == made["after"]["url"]
    assert moved["after"]["url"].startswith("https://other.example.net:8443 (hmac:")
    assert set(rekeyed["after"]) == {"secret"}
    assert rekeyed["before"]["secret"] != rekeyed["after"]["secret"]
    assert gone["after"] is None and gone["before"]["url"] == moved["after"]["url"]
    everything = str(_audit(api))
    assert created["secret"] not in everything and "capability-in-the-path" not in everything
    # The fingerprint is keyed: a plain hash of a guessed URL does not confirm it.
    plain = hashlib.sha256(url.encode()).hexdigest()
    assert plain[:12] not in everything and plain[:16] not in everything
    assert created["secret"][6:-4] not in everything


def test_mappings_rules_tokens_and_approvals_are_recorded(
    api: ApiClient, sandbox: SandboxServer, o365: dict[str, Any]
) -> None:
    app_id, role_id = o365["app"]["id"], o365["role"]["id"]
    (mapping,) = api.ok("GET", "/mappings")
    api.ok("PATCH", f"/mappings/{mapping['id']}", json={"enabled": False})
    api.ok("PATCH", f"/mappings/{mapping['id']}", json={"enabled": True})
    rule = api.ok(
        "POST",
        f"/apps/{app_id}/rules",
        json={
            "name": "Josh",
            "conditions": [{"source": "firstname", "operator": "equals", "value": "Josh"}],
            "actions": [{"action": "set_licenses", "value": [seed.SKU_E3]}],
        },
    )
    api.ok("PATCH", f"/apps/{app_id}/rules/{rule['id']}", json={"name": "Josh E3"})
    token = api.ok("POST", "/tokens", json={"name": "approver", "scopes": ["approve"]})
    api.ok("DELETE", f"/tokens/{token['id']}", expect=204)
    api.ok("PATCH", f"/apps/{app_id}", json={"approval_required": {"create": True}})
    api.ok("PATCH", f"/apps/{app_id}", json={"provisioning_enabled": True})
    user = api.ok("POST", "/users", json=user_body(1, member_of=["Office 365"]))
    [task] = api.ok("GET", "/provisioning/tasks", params={"user_id": user["id"]})["items"]
    assert task["status"] == "pending_approval"
    approver = ApiClient(make_token("approve", name="alice"))
    approver.ok("POST", f"/provisioning/tasks/{task['id']}/deny")

    assert _one("mapping.created", mapping["id"]).after["name"] == "Office 365 members"  # type: ignore[index]
    toggles = _entries(action="mapping.updated", object_id=str(mapping["id"]))
    assert [(e.before, e.after) for e in toggles] == [
        ({"enabled": True}, {"enabled": False}),
        ({"enabled": False}, {"enabled": True}),
    ]
    assert _one("role.created", role_id).after["app_ids"] == [app_id]  # type: ignore[index]
    assert _one("rule.created", rule["id"]).object_name == "Josh"
    renamed = _one("rule.updated", rule["id"])
    assert (renamed.before, renamed.after) == ({"name": "Josh"}, {"name": "Josh E3"})
    assert _one("token.created", token["id"]).after["scopes"] == ["approve"]  # type: ignore[index]
    revoked = _one("token.revoked", token["id"])
    assert revoked.before == {"revoked_at": None} and revoked.after
    assert "token_hash" not in str(revoked.after) and token["token"] not in str(_entries())
    denied = _one("task.denied", task["id"])
    assert denied.actor_name == "alice" and denied.actor_type == "token"
    assert denied.before == {"status": "pending_approval"}
    assert denied.after and denied.after["status"] == "denied"


def test_scim_changes_name_the_identity_providers_token(api: ApiClient) -> None:
    scim = ApiClient(make_token("scim", name="Entra provisioning"))
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "ada@example.com",
        "emails": [{"value": "ada@example.com", "primary": True}],
    }
    resp = scim.post("/scim/v2/Users", json=body)
    assert resp.status_code == 201, resp.text
    (created,) = _entries(action="user.created")
    assert (created.actor_type, created.actor_name) == ("scim", "Entra provisioning")


def test_a_refused_or_rolled_back_change_leaves_no_entry(api: ApiClient) -> None:
    first = api.ok("POST", "/users", json=user_body(1))
    api.ok("POST", "/users", json=user_body(2))
    writer = ApiClient(make_token("write"))
    before = len(_entries())
    # A conflict raised after the row was already changed in the transaction.
    api.problem("PATCH", f"/users/{first['id']}", 409, json={"email": "user2@example.com"})
    writer.problem("PATCH", "/apps/999", 404, json={"deletion_threshold": 1})
    assert len(_entries()) == before
    # A change recorded, then rolled back with its transaction: the entry goes with it.
    with pytest.raises(RuntimeError), transaction() as session:
        group = Group(name="Temporary")
        session.add(group)
        session.flush()
        act_as(session, Actor("cli", "cli:test"))
        record(session, "group.created", group)
        assert snapshot(group)["name"] == "Temporary"
        raise RuntimeError("the change fails after its entry was written")
    assert len(_entries()) == before


def test_filters_pages_and_csv(api: ApiClient) -> None:
    other = ApiClient(make_token("write", name="bob"))
    group = api.ok("POST", "/groups", json={"name": "Sales"})
    other.ok("PATCH", f"/groups/{group['id']}", json={"description": "x"})
    for n in range(3):
        other.ok("POST", "/users", json=user_body(n))
    # The two tokens' creations come first (the test client's and bob's).
    tokens, everything = api.ok("GET", "/audit")["items"][:2], api.ok("GET", "/audit")["items"][2:]
    assert [e["action"] for e in tokens] == ["token.created"] * 2
    assert tokens[0]["actor"] == {"type": "system", "id": None, "name": "system"}
    assert len(everything) == 5

    by_bob = api.ok("GET", "/audit", params={"actor": "bob"})["items"]
    assert len(by_bob) == 4 and {e["actor"]["name"] for e in by_bob} == {"bob"}
    on_group = api.ok("GET", "/audit", params={"object_type": "group", "object": str(group["id"])})[
        "items"
    ]
    assert [e["action"] for e in on_group] == ["group.created", "group.updated"]
    assert on_group[1]["before"] == {"description": None}
    assert on_group[1]["object"] == {"type": "group", "id": str(group["id"]), "name": "Sales"}
    created = api.ok("GET", "/audit", params={"action": ["user.created", "group.created"]})
    assert len(created["items"]) == 4
    cut = everything[2]["created_at"]
    since = api.ok("GET", "/audit", params={"since": cut})["items"]
    until = api.ok("GET", "/audit", params={"until": cut})["items"]
    every_id = {e["id"] for e in tokens + everything}
    assert {e["id"] for e in since} | {e["id"] for e in until} == every_id
    assert everything[2]["id"] in {e["id"] for e in since} - {e["id"] for e in until}

    first = api.ok("GET", "/audit", params={"limit": 3})
    second = api.ok("GET", "/audit", params={"limit": 3, "cursor": first["next_cursor"]})
    assert [e["id"] for e in first["items"] + second["items"]] == [
        e["id"] for e in tokens + everything[:4]
    ]

    for resp in (
        api.get("/api/v1/audit", params={"actor": "bob"}, headers={"Accept": "text/csv"}),
        api.get("/api/v1/audit", params={"actor": "bob", "format": "csv"}),
    ):
        assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(resp.text)))
        assert [r["action"] for r in rows] == ["group.updated"] + ["user.created"] * 3
        assert rows[0]["actor_name"] == "bob" and '"description": "x"' in rows[0]["after"]

    api.problem("GET", "/audit", 422, params={"object_type": "spaceship"})
    api.problem("GET", "/audit", 422, params={"since": "yesterday"})


def test_csv_cells_a_spreadsheet_would_run_are_quoted(api: ApiClient) -> None:
    """Names come from API callers: a cell starting with = + - @ would be a formula in a
    spreadsheet (CSV injection), so the export quotes it; accents stay as written."""
    api.ok("POST", "/groups", json={"name": '=HYPERLINK("http://x")'})
    api.ok("POST", "/groups", json={"name": "Chloé's team"})
    resp = api.get("/api/v1/audit", params={"object_type": "group", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    names = [r["object_name"] for r in rows]
    assert names == ['\'=HYPERLINK("http://x")', "Chloé's team"]
    assert "Chloé" in rows[1]["after"]


def test_every_actor_and_object_the_trail_records_can_be_read(api: ApiClient) -> None:
    """The reader's types cover everything the recorder writes: an entry it cannot show
    would make every list that includes it fail."""
    from app.audit import service as audit_service
    from app.audit.schemas import ActorType, ObjectType

    recorded = {kind for kind, _ in audit_service._FIELDS.values()} | {"app", "source"}
    assert recorded <= {t.value for t in ObjectType}
    actors = [audit_service.SYSTEM, audit_service.CLI, Actor("source", "corp-ad", 7)]
    assert {a.type for a in actors} | {"token", "scim"} <= {t.value for t in ActorType}
    group = api.ok("POST", "/groups", json={"name": "Readers"})
    with transaction() as session:
        row = session.get(Group, group["id"])
        for actor in actors:
            act_as(session, actor)
            record(session, "group.updated", row, {"description": "old"})
    items = api.ok("GET", "/audit", params={"object_type": "group", "limit": 100})["items"]
    assert {(e["actor"]["type"], e["actor"]["name"]) for e in items} >= {
        ("system", "system"),
        ("cli", "cli"),
        ("source", "corp-ad"),
    }
