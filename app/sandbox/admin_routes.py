"""The sandbox's own control API under `/_sandbox/` (no auth; JSON).

Lets tests, benchmarks and the demo UI inspect the tenant as it really is (deleted users,
licenses, memberships, immutable ids), change behaviour switches at runtime, and set up
situations a real tenant would need an admin portal for: federated domains, exhausted
seats, extra tenants and app registrations; and make the changes an admin makes by hand in
the portal (admin_changes.py), which the engine must then find through delta.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Body, Depends, HTTPException, Request
from pydantic import BaseModel, Field

from app.sandbox.admin_changes import add_change_routes
from app.sandbox.graph_users import SELECTABLE, user_value
from app.sandbox.seed import add_group, add_sku, add_user
from app.sandbox.state import Domain, SandboxState, Tenant, User


class TenantIn(BaseModel):
    display_name: str
    id: str | None = None
    domains: list[str] = Field(default_factory=list)
    default_usage_location: str | None = "US"
    default: bool = False


class DomainIn(BaseModel):
    name: str
    authentication_type: str = Field("Managed", pattern="^(Managed|Federated)$")
    is_verified: bool = True
    is_default: bool = False
    is_initial: bool = False


class PlanIn(BaseModel):
    service_plan_id: str
    name: str
    applies_to: str = "User"


class SkuIn(BaseModel):
    sku_id: str
    part_number: str
    enabled: int = Field(ge=0)
    applies_to: str = "User"
    service_plans: list[PlanIn] = Field(default_factory=list)


class SeatsIn(BaseModel):
    enabled: int = Field(ge=0)


class GroupIn(BaseModel):
    display_name: str
    id: str | None = None
    kind: str = Field("unified", pattern="^(unified|security|distribution|mail_security|dynamic)$")
    members: list[str] = Field(default_factory=list)
    description: str | None = None


class UserIn(BaseModel):
    user_principal_name: str
    display_name: str
    id: str | None = None
    licenses: list[str] = Field(default_factory=list)
    properties: dict[str, Any] = Field(default_factory=dict)


class OrganizationIn(BaseModel):
    on_premises_sync_enabled: bool | None = None
    default_usage_location: str | None = None


class AppIn(BaseModel):
    display_name: str
    client_id: str | None = None
    secret: str | None = None
    certificate_pem: str | None = None
    permissions: list[str] | None = None
    consented_tenants: list[str] = Field(default_factory=list)


class ConsentIn(BaseModel):
    tenant: str


def full_user(tenant: Tenant, user: User) -> dict[str, Any]:
    """Everything about a user, including what Graph only shows via $select or not at all."""
    view = {name: user_value(user, name) for name in SELECTABLE}
    view["deleted"] = user.is_deleted
    view["deletedUserPrincipalName"] = user.deleted_upn() if user.is_deleted else None
    view["groups"] = [
        {"id": g.id, "displayName": g.display_name}
        for g in tenant.groups.values()
        if user.id in g.members
    ]
    view["changeSeq"] = user.change_seq
    return view


def tenant_summary(state: SandboxState, tenant: Tenant) -> dict[str, Any]:
    return {
        "id": tenant.id,
        "displayName": tenant.display_name,
        "default": tenant.id == state.default_tenant_id,
        "domains": [asdict(d) for d in tenant.domains.values()],
        "users": sum(1 for _ in tenant.live_users()),
        "deletedUsers": sum(1 for u in tenant.users.values() if u.is_deleted),
        "groups": len(tenant.groups),
        "skus": [
            {
                "skuId": s.sku_id,
                "skuPartNumber": s.part_number,
                "enabled": s.enabled,
                "consumed": tenant.consumed_units(s.sku_id),
                "appliesTo": s.applies_to,
            }
            for s in tenant.skus.values()
        ],
        "onPremisesSyncEnabled": tenant.on_premises_sync_enabled,
        "defaultUsageLocation": tenant.default_usage_location,
    }


def app_summary(app: Any) -> dict[str, Any]:
    return {
        "clientId": app.client_id,
        "displayName": app.display_name,
        "permissions": sorted(app.permissions),
        "consentedTenants": sorted(app.consented_tenants),
        "secrets": len(app.secrets),
        "certificates": len(app.certificates),
    }


# Runtime switches and measurements, not the tenant: changing them is not worth a save.
_NOT_TENANT = ("/_sandbox/behaviour", "/_sandbox/counters", "/_sandbox/log")


def build_admin_router(state: SandboxState) -> APIRouter:
    def note_change(request: Request) -> Iterator[None]:
        # After the handler: every admin write may have changed what persistence keeps.
        yield
        if request.method != "GET" and not request.url.path.startswith(_NOT_TENANT):
            state.changed()

    router = APIRouter(prefix="/_sandbox", tags=["sandbox"], dependencies=[Depends(note_change)])

    def tenant_or_404(name: str) -> Tenant:
        tenant = state.resolve_tenant(name)
        if tenant is None:
            raise HTTPException(404, f"unknown tenant {name!r}")
        return tenant

    @router.get("/state")
    def get_state() -> dict[str, Any]:
        with state.lock:
            return {
                "defaultTenantId": state.default_tenant_id,
                "tenants": [tenant_summary(state, t) for t in state.tenants.values()],
                "apps": [app_summary(a) for a in state.apps.values()],
                "activeTokens": len(state.tokens),
                "behaviour": state.behaviour.to_dict(),
                "counters": state.counters.to_dict(),
            }

    @router.post("/reset")
    def reset() -> dict[str, Any]:
        state.reset()
        return {"reset": True, "defaultTenantId": state.default_tenant_id}

    @router.get("/behaviour")
    def get_behaviour() -> dict[str, Any]:
        with state.lock:
            return state.behaviour.to_dict()

    @router.api_route("/behaviour", methods=["PUT", "PATCH"])
    def put_behaviour(values: dict[str, Any] = Body(...)) -> dict[str, Any]:
        """Change the given switches; switches not named keep their value."""
        try:
            state.set_behaviour(values)
        except (ValueError, TypeError) as exc:
            raise HTTPException(422, str(exc)) from None
        return state.behaviour.to_dict()

    @router.get("/counters")
    def get_counters() -> dict[str, Any]:
        with state.lock:
            return state.counters.to_dict()

    @router.delete("/counters")
    def reset_counters() -> dict[str, Any]:
        from app.sandbox.state import Counters

        with state.lock:
            state.counters = Counters()
            return state.counters.to_dict()

    @router.get("/log")
    def get_log(limit: int = 200) -> list[dict[str, Any]]:
        with state.lock:
            entries = list(state.request_log)[-limit:] if limit > 0 else []
            return [asdict(e) for e in entries]

    @router.delete("/log")
    def clear_log() -> dict[str, Any]:
        state.clear_log()
        return {"cleared": True}

    @router.get("/tenants")
    def list_tenants() -> list[dict[str, Any]]:
        with state.lock:
            return [tenant_summary(state, t) for t in state.tenants.values()]

    @router.post("/tenants", status_code=201)
    def create_tenant(body: TenantIn) -> dict[str, Any]:
        with state.lock:
            if body.id and body.id.lower() in state.tenants:
                raise HTTPException(409, "tenant exists")
            tenant = state.add_tenant(body.display_name, body.id, default=body.default)
            tenant.default_usage_location = body.default_usage_location
            slug = "".join(c for c in body.display_name.lower() if c.isalnum()) or "tenant"
            tenant.add_domain(Domain(f"{slug}.onmicrosoft.com", is_initial=True, is_default=True))
            for name in body.domains:
                tenant.add_domain(Domain(name))
            return tenant_summary(state, tenant)

    @router.get("/tenants/{tenant}")
    def get_tenant(tenant: str) -> dict[str, Any]:
        with state.lock:
            return tenant_summary(state, tenant_or_404(tenant))

    @router.patch("/tenants/{tenant}/organization")
    def patch_organization(tenant: str, body: OrganizationIn) -> dict[str, Any]:
        with state.lock:
            found = tenant_or_404(tenant)
            fields = body.model_fields_set
            if "on_premises_sync_enabled" in fields:
                found.on_premises_sync_enabled = body.on_premises_sync_enabled
            if "default_usage_location" in fields:
                found.default_usage_location = body.default_usage_location
            return tenant_summary(state, found)

    @router.post("/tenants/{tenant}/domains", status_code=201)
    def create_domain(tenant: str, body: DomainIn) -> dict[str, Any]:
        with state.lock:
            found = tenant_or_404(tenant)
            domain = found.add_domain(Domain(**body.model_dump()))
            return asdict(domain)

    @router.get("/tenants/{tenant}/users")
    def list_users(tenant: str, include_deleted: bool = True) -> list[dict[str, Any]]:
        with state.lock:
            found = tenant_or_404(tenant)
            return [
                full_user(found, u)
                for u in sorted(found.users.values(), key=lambda u: u.upn)
                if include_deleted or not u.is_deleted
            ]

    @router.get("/tenants/{tenant}/users/{ref}")
    def get_user(tenant: str, ref: str) -> dict[str, Any]:
        with state.lock:
            found = tenant_or_404(tenant)
            user = found.users.get(ref.lower()) or next(
                (u for u in found.users.values() if u.upn.lower() == ref.lower()), None
            )
            if user is None:
                raise HTTPException(404, f"unknown user {ref!r}")
            return full_user(found, user)

    @router.post("/tenants/{tenant}/users", status_code=201)
    def create_user(tenant: str, body: UserIn) -> dict[str, Any]:
        """Insert a user directly (no Graph validation, no replication delay): for fixtures."""
        with state.lock:
            found = tenant_or_404(tenant)
            user = add_user(
                found,
                body.user_principal_name,
                body.display_name,
                user_id=body.id,
                licenses=body.licenses,
                **body.properties,
            )
            return full_user(found, user)

    @router.get("/tenants/{tenant}/groups")
    def list_groups(tenant: str) -> list[dict[str, Any]]:
        with state.lock:
            found = tenant_or_404(tenant)
            return [
                {
                    "id": g.id,
                    "displayName": g.display_name,
                    "groupTypes": g.group_types,
                    "mailEnabled": g.mail_enabled,
                    "securityEnabled": g.security_enabled,
                    "members": list(g.members),
                }
                for g in found.groups.values()
            ]

    @router.post("/tenants/{tenant}/groups", status_code=201)
    def create_group(tenant: str, body: GroupIn) -> dict[str, Any]:
        with state.lock:
            found = tenant_or_404(tenant)
            group = add_group(
                found,
                body.display_name,
                group_id=body.id,
                kind=body.kind,
                members=body.members,
                description=body.description,
            )
            return {"id": group.id, "displayName": group.display_name, "kind": body.kind}

    @router.get("/tenants/{tenant}/skus")
    def list_skus(tenant: str) -> list[dict[str, Any]]:
        with state.lock:
            skus: list[dict[str, Any]] = tenant_summary(state, tenant_or_404(tenant))["skus"]
            return skus

    @router.post("/tenants/{tenant}/skus", status_code=201)
    def create_sku(tenant: str, body: SkuIn) -> dict[str, Any]:
        with state.lock:
            found = tenant_or_404(tenant)
            sku = add_sku(
                found,
                body.sku_id,
                body.part_number,
                body.enabled,
                [(p.service_plan_id, p.name, p.applies_to) for p in body.service_plans],
                applies_to=body.applies_to,
            )
            return {"skuId": sku.sku_id, "skuPartNumber": sku.part_number, "enabled": sku.enabled}

    @router.put("/tenants/{tenant}/skus/{sku_id}/seats")
    def set_seats(tenant: str, sku_id: str, body: SeatsIn) -> dict[str, Any]:
        with state.lock:
            found = tenant_or_404(tenant)
            sku = found.skus.get(sku_id.lower()) or next(
                (s for s in found.skus.values() if s.part_number.lower() == sku_id.lower()), None
            )
            if sku is None:
                raise HTTPException(404, f"unknown sku {sku_id!r}")
            sku.enabled = body.enabled
            return {
                "skuId": sku.sku_id,
                "enabled": sku.enabled,
                "consumed": found.consumed_units(sku.sku_id),
            }

    @router.get("/apps")
    def list_apps() -> list[dict[str, Any]]:
        with state.lock:
            return [app_summary(a) for a in state.apps.values()]

    @router.post("/apps", status_code=201)
    def create_app(body: AppIn) -> dict[str, Any]:
        with state.lock:
            tenants = []
            for name in body.consented_tenants:
                tenants.append(tenant_or_404(name).id)
            app = state.add_app(
                body.display_name,
                body.client_id,
                secret=body.secret,
                certificate_pem=body.certificate_pem,
                permissions=body.permissions,
                consented_tenants=tenants,
            )
            return app_summary(app)

    @router.post("/apps/{client_id}/consent")
    def grant_consent(client_id: str, body: ConsentIn) -> dict[str, Any]:
        with state.lock:
            app = state.apps.get(client_id.lower())
            if app is None:
                raise HTTPException(404, f"unknown app {client_id!r}")
            app.consented_tenants.add(tenant_or_404(body.tenant).id)
            return app_summary(app)

    @router.delete("/apps/{client_id}/consent/{tenant}")
    def revoke_consent(client_id: str, tenant: str) -> dict[str, Any]:
        with state.lock:
            app = state.apps.get(client_id.lower())
            if app is None:
                raise HTTPException(404, f"unknown app {client_id!r}")
            app.consented_tenants.discard(tenant_or_404(tenant).id)
            return app_summary(app)

    add_change_routes(router, state, tenant_or_404, full_user)
    return router
