"""Syncs from a real Active Directory (Samba's AD DC): objectGUID anchors, disabled accounts,
uSNChanged increments, deletions from the tombstones, and the article's walkthrough end to
end into the sandbox tenant."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from app.sandbox.server import SandboxServer
from app.source_sync import service
from tests.ldap_support import LdapOu
from tests.provisioning.conftest import tenant_user, wait_tasks
from tests.source_sync.helpers import make_source, owned, source_row
from tests.support import ApiClient


def test_full_and_incremental_from_active_directory(env: Any, samba_ou: LdapOu) -> None:
    ann = samba_ou.add_user("ann", "Ann", "Lee", "ann@contoso.com", employee_id="E1")
    bob = samba_ou.add_user("bob", "Bob", "Ray", "bob@contoso.com")
    cat = samba_ou.add_user("cat", "Cat", "Poe", "cat@contoso.com", enabled=False)
    inner = samba_ou.add_group("Sales", [ann])
    samba_ou.add_group("Office 365", [inner, bob])
    source_id = make_source(samba_ou)

    outcome = service.run_sync(source_id, full=True)
    assert outcome.detail == "idle", outcome.figures
    people = owned(source_id)
    upn = "@corp.example.com"
    assert sorted(people) == [f"ann{upn}", f"bob{upn}", f"cat{upn}"]
    assert people[f"ann{upn}"].member_of == ["Office 365", "Sales"]
    assert people[f"cat{upn}"].status == "suspended"  # ACCOUNTDISABLE
    raw = samba_ou.read(ann, ["objectGUID"])["objectGUID"][0]
    assert people[f"ann{upn}"].source_anchor == str(uuid.UUID(bytes_le=raw))
    assert people[f"ann{upn}"].custom_attributes["immutable_id"] == base64.b64encode(raw).decode()
    cursor = source_row(source_id).cursor or {}
    assert cursor["usn"] > 0 and cursor["invocation_id"]

    stamps = {u: p.updated_at for u, p in people.items()}
    samba_ou.disable(bob)
    samba_ou.delete(ann)
    samba_ou.enable(cat)
    outcome = service.run_sync(source_id)
    assert outcome.figures["kind"] == "incremental", outcome.figures
    people = owned(source_id)
    assert f"ann{upn}" not in people  # found among the tombstones
    assert people[f"bob{upn}"].status == "suspended"
    assert people[f"cat{upn}"].status == "active"
    assert outcome.figures["deleted"] == 1 and outcome.figures["suspended"] == 1
    assert people[f"bob{upn}"].updated_at != stamps[f"bob{upn}"]


def test_the_article_walkthrough_from_active_directory(
    api: ApiClient, sandbox: SandboxServer, o365: dict[str, Any], samba_ou: LdapOu
) -> None:
    """AD security group "Office 365"; mapping member_of contains "Office 365" -> role holding
    the app; people provisioned into the tenant; one disabled, one deleted in AD, and the
    tenant follows through the app's policy."""
    app_id = o365["app"]["id"]
    api.ok(
        "PATCH",
        f"/apps/{app_id}",
        json={
            "provisioning_enabled": True,
            "on_user_deleted": "delete",
            "on_user_suspended": "suspend",
        },
    )
    josh = samba_ou.add_user("josh.ames", "Josh", "Ames", "josh.ames@contoso.com")
    mia = samba_ou.add_user("mia.wong", "Mia", "Wong", "mia.wong@contoso.com")
    samba_ou.add_user("outsider", "Out", "Sider", "outsider@contoso.com")
    samba_ou.add_group("Office 365", [josh, mia])
    source_id = make_source(samba_ou)

    job = api.ok("POST", f"/sources/{source_id}/sync", json={"full": True}, expect=202)
    assert api.wait_job(job["id"])["status"] == "succeeded"
    state = api.ok("GET", f"/sources/{source_id}/sync")
    assert state["status"] == "idle" and state["last_sync"]["created"] == 3
    wait_tasks(api, app_id)
    raw = samba_ou.read(josh, ["objectGUID"])["objectGUID"][0]
    tenant_josh = tenant_user(sandbox, "josh.ames@contoso.com")
    assert tenant_josh.props["onPremisesImmutableId"] == base64.b64encode(raw).decode()
    tenant_user(sandbox, "mia.wong@contoso.com")
    from app.sandbox import seed

    tenant = sandbox.state.tenant(seed.DEMO_TENANT_ID)
    assert tenant.user_by_upn("outsider@contoso.com") is None  # not in "Office 365"

    samba_ou.disable(josh)
    samba_ou.delete(mia)
    job = api.ok("POST", f"/sources/{source_id}/sync", json={"full": False}, expect=202)
    assert api.wait_job(job["id"])["status"] == "succeeded"
    wait_tasks(api, app_id)
    assert tenant_user(sandbox, "josh.ames@contoso.com").props["accountEnabled"] is False
    assert tenant.user_by_upn("mia.wong@contoso.com") is None  # deleted (live users only)
