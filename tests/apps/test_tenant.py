"""What the tenant tells us: verify-domain, the entitlements job, and preflight findings."""

from __future__ import annotations

from typing import Any

from app.sandbox import seed
from app.sandbox.seed import add_group, add_user
from app.sandbox.server import SandboxServer
from app.sandbox.state import Domain
from tests.apps.helpers import app_body, authenticate, row
from tests.support import ApiClient, user_body


def _connected(api: ApiClient, sandbox: SandboxServer, **overrides: Any) -> int:
    app_id: int = api.ok("POST", "/apps", json=app_body(**overrides))["id"]
    authenticate(api, sandbox, app_id)
    return app_id


def test_verify_domain_records_managed_federated_unverified_and_missing(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app_id = _connected(api, sandbox)
    cases = [
        (seed.DOMAIN_DEFAULT, True, True, "Managed"),
        (seed.DOMAIN_FEDERATED, True, True, "Federated"),
        (seed.DOMAIN_UNVERIFIED, True, False, "Managed"),
        ("nowhere.example", False, False, None),
    ]
    for domain, exists, verified, kind in cases:
        api.ok("PATCH", f"/apps/{app_id}", json={"domain": domain})
        result = api.ok("POST", f"/apps/{app_id}/verify-domain")
        assert (result["domain"], result["exists"], result["verified"], result["type"]) == (
            domain,
            exists,
            verified,
            kind,
        )
        stored = row(app_id)
        assert stored.domain_verified is verified and stored.domain_checked_at is not None
        assert stored.domain_type == kind
        # Every verified federated domain of the tenant, whichever domain the app has.
        assert stored.federated_domains == [seed.DOMAIN_FEDERATED]
        check = api.ok("GET", f"/apps/{app_id}")["domain_check"]
        assert (check["exists"], check["verified"]) == (exists, verified)  # as the check said
    # Changing the domain forgets the last check; consent survives it.
    app = api.ok("PATCH", f"/apps/{app_id}", json={"domain": seed.DOMAIN_DEFAULT})
    assert app["domain_check"]["verified"] is None and app["consent"]["authenticated"] is True
    assert app["domain_check"]["exists"] is None


def test_refresh_entitlements_pages_through_groups_and_stores_seats(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    tenant = sandbox.state.tenant(seed.DEMO_TENANT_ID)
    with sandbox.state.lock:
        for n in range(1_050):
            add_group(tenant, f"Team {n:04d}")
        add_group(tenant, "Another security group", kind="security")
    app_id = _connected(api, sandbox)
    job = api.ok("POST", f"/apps/{app_id}/entitlements/refresh", expect=202)
    done = api.wait_job(job["id"])
    assert done["status"] == "succeeded", done
    unified = 1_050 + 4  # the demo's All Company, Sales, Engineering and the dynamic group
    assert done["result"] == {"app_id": app_id, "licenses": 5, "groups": unified}
    group_pages = [e for e in sandbox.state.request_log if e.path.startswith("/v1.0/groups")]
    assert len(group_pages) == 2 and "$skiptoken=" in group_pages[1].path

    stored = row(app_id).entitlements
    assert set(stored) == {"licenses", "groups", "default_usage_location"}
    assert stored["default_usage_location"] == tenant.default_usage_location == "US"
    assert len(stored["groups"]) == unified
    assert seed.GROUP_SECURITY not in {g["id"] for g in stored["groups"]}
    sales = next(g for g in stored["groups"] if g["id"] == seed.GROUP_SALES)
    assert sales == {
        "id": seed.GROUP_SALES,
        "display_name": "Sales and Marketing",
        "mail_nickname": "SalesandMarketing",
        "mail_enabled": True,
        "security_enabled": False,
        "group_types": ["Unified"],
    }
    e5 = next(sku for sku in stored["licenses"] if sku["sku_id"] == seed.SKU_M365_E5)
    assert (e5["sku_part_number"], e5["enabled"], e5["consumed"], e5["available"]) == (
        "SPE_E5", 2, 2, 0,
    )  # fmt: skip
    assert e5["applies_to"] == "User" and e5["capability_status"] == "Enabled"
    assert {"service_plan_id": seed.PLAN_TEAMS, "service_plan_name": "TEAMS1"} in e5[
        "service_plans"
    ]
    read = api.ok("GET", f"/apps/{app_id}")["entitlements"]
    assert read["refreshed_at"] is not None and len(read["groups"]) == unified


def test_refresh_stores_every_verified_federated_domain_of_the_tenant(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    tenant = sandbox.state.tenant(seed.DEMO_TENANT_ID)
    with sandbox.state.lock:
        tenant.add_domain(Domain("Northwind.example", authentication_type="Federated"))
        tenant.add_domain(
            Domain("pending.example", authentication_type="Federated", is_verified=False)
        )
    app_id = _connected(api, sandbox)
    assert row(app_id).federated_domains is None  # nothing read yet
    job = api.ok("POST", f"/apps/{app_id}/entitlements/refresh", expect=202)
    assert api.wait_job(job["id"])["status"] == "succeeded"
    assert row(app_id).federated_domains == [seed.DOMAIN_FEDERATED, "northwind.example"]


def test_refresh_of_an_unauthenticated_app_fails_the_job_clearly(api: ApiClient) -> None:
    app_id = api.ok("POST", "/apps", json=app_body())["id"]
    job = api.ok("POST", f"/apps/{app_id}/entitlements/refresh", expect=202)
    done = api.wait_job(job["id"])
    assert done["status"] == "failed" and "not authenticated" in done["error"]
    api.problem("POST", "/apps/999/entitlements/refresh", 404)


def _codes(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f"{f['code']}:{f.get('attribute') or ''}": f for f in report["findings"]}


def test_preflight_without_consent_says_authenticate_first(api: ApiClient) -> None:
    app_id = api.ok("POST", "/apps", json=app_body())["id"]
    report = api.ok("GET", f"/apps/{app_id}/preflight")
    assert report["ok"] is False
    assert report["findings"][0]["code"] == "not_authenticated"
    assert report["findings"][0]["severity"] == "error"


def test_preflight_reports_tenant_and_user_problems(api: ApiClient, sandbox: SandboxServer) -> None:
    demo = sandbox.state.tenant(seed.DEMO_TENANT_ID)
    demo.on_premises_sync_enabled = True
    demo.default_usage_location = None
    parameters = [
        {"name": "userPrincipalName", "source": "template", "value": "{email|local}@{domain}"},
        {"name": "displayName", "source": "field", "value": "display_name"},
        # Spaces are not allowed in a mail alias: every user with a display name fails.
        {"name": "mailNickname", "source": "field", "value": "display_name"},
        {"name": "usageLocation", "source": "template", "value": "{country|iso2}"},
    ]
    app_id = _connected(api, sandbox, domain=seed.DOMAIN_UNVERIFIED, parameters=parameters)
    role = api.ok("POST", "/roles", json={"name": "Office 365", "app_ids": [app_id]})
    ids = [
        api.ok("POST", "/users", json=user_body(n, display_name=f"Josh Ames{n}",
                                                 role_ids=[role["id"]], country=country))["id"]
        for n, country in enumerate(["US", "US", None, None, None, None, None], start=1)
    ]  # fmt: skip
    api.ok("POST", "/users", json=user_body(99, display_name="Not In Scope"))

    report = api.ok("GET", f"/apps/{app_id}/preflight")
    codes = _codes(report)
    assert report["ok"] is False and report["users_checked"] == 7
    assert "token_ok:" in codes and not any(c.startswith("permission_") for c in codes)
    assert codes["directory_sync_enabled:"]["severity"] == "warning"
    assert codes["domain_unverified:"]["severity"] == "error"
    assert codes[f"license_no_free_seats:{seed.SKU_M365_E5}"]["severity"] == "warning"
    assert codes[f"license_no_free_seats:{seed.SKU_M365_E5}"]["message"].startswith(
        f"Microsoft 365 E5 (SPE_E5, {seed.SKU_M365_E5}) has no free seats"
    )
    nickname = codes["mailNickname.characters:mailNickname"]
    assert nickname["count"] == 7 and nickname["example_user_ids"] == ids[:5]
    assert "'Josh Ames1'" in nickname["message"]
    assert codes["upn.domain_not_verified:userPrincipalName"]["count"] == 7
    usage = codes["usage_location_missing:usageLocation"]
    assert usage["count"] == 5 and usage["example_user_ids"] == ids[2:7]
    refused = codes["users_refused:"]
    assert refused["severity"] == "error"
    assert refused["count"] == 7 and refused["example_user_ids"] == ids[:5]
    assert [f["severity"] for f in report["findings"]] == sorted(
        (f["severity"] for f in report["findings"]), key=["error", "warning", "info"].index
    )


def test_preflight_on_a_federated_domain_wants_immutable_ids(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    app_id = _connected(api, sandbox, domain=seed.DOMAIN_FEDERATED)
    role = api.ok("POST", "/roles", json={"name": "Office 365", "app_ids": [app_id]})
    with_id = user_body(1, role_ids=[role["id"]], custom_attributes={"immutable_id": "QUJD"})
    without = api.ok("POST", "/users", json=user_body(2, role_ids=[role["id"]]))["id"]
    api.ok("POST", "/users", json=with_id)
    codes = _codes(api.ok("GET", f"/apps/{app_id}/preflight"))
    immutable = codes["onPremisesImmutableId.federated:onPremisesImmutableId"]
    assert immutable["severity"] == "warning" and immutable["example_user_ids"] == [without]
    # The engine derives a missing ImmutableID: nobody is refused for the lack of one.
    assert "users_refused:" not in codes
    domain_type = codes["domain_type:"]
    assert domain_type["severity"] == "info"
    assert domain_type["message"].startswith(
        f"{seed.DOMAIN_FEDERATED} is federated: new users need an ImmutableID"
    )


def test_preflight_uses_the_tenant_default_usage_location_and_resolves_country_names(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    sandbox.state.tenant(seed.DEMO_TENANT_ID).default_usage_location = "NL"
    app_id = _connected(api, sandbox)
    role = api.ok("POST", "/roles", json={"name": "Office 365", "app_ids": [app_id]})
    for n, country in enumerate([None, "Germany", "Gemany"], start=1):
        api.ok("POST", "/users", json=user_body(n, role_ids=[role["id"]], country=country))

    codes = _codes(api.ok("GET", f"/apps/{app_id}/preflight"))
    assert "usage_location_missing:usageLocation" not in codes
    # A typo is reported by name, never silently replaced by the default.
    usage = codes["usageLocation.iso3166:usageLocation"]
    assert usage["count"] == 1 and "'Gemany'" in usage["message"]
    assert codes["users_refused:"]["count"] == 1


def test_preflight_names_each_missing_permission(api: ApiClient, sandbox: SandboxServer) -> None:
    registration = sandbox.state.add_app(
        "read-only app",
        secret="read-only-secret",
        permissions=["User.Read.All", "Organization.Read.All"],
    )
    app_id = _connected(
        api, sandbox, client_id=registration.client_id, client_secret="read-only-secret"
    )
    codes = _codes(api.ok("GET", f"/apps/{app_id}/preflight"))
    missing = {c.split(":", 1)[1] for c in codes if c.startswith("permission_missing:")}
    assert missing == {
        "User.ReadWrite.All",
        "LicenseAssignment.ReadWrite.All",
        "GroupMember.Read.All",
        "GroupMember.ReadWrite.All",
        "Domain.Read.All",
    }
    assert "403" in codes["permission_missing:Domain.Read.All"]["message"]
    # Writes are judged from the token, never tried on the tenant.
    assert (
        "token carries no permission" in codes["permission_missing:User.ReadWrite.All"]["message"]
    )


def test_preflight_sends_no_write_to_the_tenant(api: ApiClient, sandbox: SandboxServer) -> None:
    """Write permissions are read from the token's roles: a preflight leaves no failed write
    in the tenant's audit log (issue 10 §6)."""
    app_id = _connected(api, sandbox)
    sandbox.state.calls.clear()
    codes = _codes(api.ok("GET", f"/apps/{app_id}/preflight"))
    assert not any(c.startswith("permission_missing:") for c in codes)
    methods = {call.method for call in sandbox.state.calls}
    assert methods == {"GET"}, sorted((c.method, c.path) for c in sandbox.state.calls)


def test_preflight_counts_a_higher_privileged_permission(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    """Directory.ReadWrite.All grants every write the engine makes (Graph's permission
    tables): nothing is reported missing, and the sandbox lets the writes through."""
    registration = sandbox.state.add_app(
        "directory app",
        secret="directory-secret",
        permissions=["Directory.ReadWrite.All", "Directory.Read.All"],
    )
    app_id = _connected(
        api, sandbox, client_id=registration.client_id, client_secret="directory-secret"
    )
    codes = _codes(api.ok("GET", f"/apps/{app_id}/preflight"))
    assert not any(c.startswith("permission_missing:") for c in codes), codes


def test_preflight_counts_the_synced_users_the_app_would_manage(
    api: ApiClient, sandbox: SandboxServer
) -> None:
    tenant = sandbox.state.tenant(seed.DEMO_TENANT_ID)
    with sandbox.state.lock:
        add_user(tenant, "user2@fabrikam.com", "Synced Two", onPremisesSyncEnabled=True)
        add_user(tenant, "outside@fabrikam.com", "Synced, not ours", onPremisesSyncEnabled=True)
    app_id = _connected(api, sandbox, domain=seed.DOMAIN_FEDERATED)
    role = api.ok("POST", "/roles", json={"name": "Office 365", "app_ids": [app_id]})
    by_anchor = api.ok(
        "POST",
        "/users",
        json=user_body(
            1, role_ids=[role["id"]], custom_attributes={"immutable_id": seed.ALEX_IMMUTABLE_ID}
        ),
    )["id"]
    by_upn = api.ok("POST", "/users", json=user_body(2, role_ids=[role["id"]]))["id"]
    api.ok("POST", "/users", json=user_body(3, role_ids=[role["id"]]))  # a cloud-only user

    codes = _codes(api.ok("GET", f"/apps/{app_id}/preflight"))

    synced = codes["synced_user:onPremisesSyncEnabled"]
    assert synced["severity"] == "warning" and synced["count"] == 2
    assert synced["example_user_ids"] == [by_anchor, by_upn]
    assert "licenses" in synced["message"] and "on-premises" in synced["message"]
