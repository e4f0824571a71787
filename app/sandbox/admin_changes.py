"""Out-of-band changes through the sandbox admin API, as an admin makes them in the portal.

Someone in the Microsoft 365 admin center edits a user's department, blocks sign-in,
deletes, restores or permanently deletes a user, takes a license away or drops a member
from a group: the engine never sent those changes, and must find them in its next delta
round. These routes make the same changes to the sandbox tenant, stamping change sequences
exactly as the Graph handlers do, so `/users/delta` and `/groups/delta` report them as Graph
would. They skip Graph's request validation (they are not Graph calls) but refuse what the
portal refuses: a license without seats or usage location, a restore onto a taken UPN, a
permanent delete of a user that was not deleted first.

`POST /tenants/{tenant}/users:bulk` seeds many users at once for benchmarks (100,000 in a
few seconds), without the replication delay or per-user Graph calls.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from app.sandbox.graph_users import USER_PROPERTIES
from app.sandbox.state import AssignedLicense, Group, SandboxState, Tenant, User

# Properties the engine manages and an admin may change out of band (every stored one).
PATCHABLE = frozenset(USER_PROPERTIES)
_LIST_PROPERTIES = frozenset(k for k, v in USER_PROPERTIES.items() if isinstance(v, list))


class LicenseIn(BaseModel):
    # Graph's names, as in assignLicense.
    skuId: str
    disabledPlans: list[str] = Field(default_factory=list)


class MemberIn(BaseModel):
    id: str = Field(description="The user's id or userPrincipalName")


class BulkUsersIn(BaseModel):
    """`{n}` in a pattern is the user's number; `{prefix}` and `{domain}` are as given."""

    count: int = Field(ge=1, le=1_000_000)
    prefix: str = Field("user", min_length=1, pattern=r"^[A-Za-z0-9._-]+$")
    domain: str | None = Field(None, description="Default: the tenant's default domain")
    start: int = Field(1, ge=0, description="The first user's number")
    immutable_id_pattern: str | None = Field(None, examples=["imm-{n}"])
    mail_pattern: str | None = Field(None, examples=["{prefix}{n}@{domain}"])
    licenses: list[str] = Field(default_factory=list)
    properties: dict[str, Any] = Field(
        default_factory=dict, description="Graph user properties; string values may hold {n}"
    )


def _fill(pattern: str, n: int, prefix: str, domain: str) -> str:
    return pattern.replace("{n}", str(n)).replace("{prefix}", prefix).replace("{domain}", domain)


def find_user(tenant: Tenant, ref: str) -> User:
    """A user by id or UPN, deleted ones included (the admin center lists them too)."""
    user = tenant.users.get(ref.lower()) or next(
        (u for u in tenant.users.values() if u.upn.lower() == ref.lower()), None
    )
    if user is None:
        raise HTTPException(404, f"unknown user {ref!r}")
    return user


def _live_user(tenant: Tenant, ref: str) -> User:
    user = find_user(tenant, ref)
    if user.is_deleted:
        raise HTTPException(409, f"user {ref!r} is deleted; restore it first")
    return user


def _group(tenant: Tenant, group_id: str) -> Group:
    group = tenant.groups.get(group_id.lower())
    if group is None:
        raise HTTPException(404, f"unknown group {group_id!r}")
    return group


def _check_property(tenant: Tenant, user: User, name: str, value: Any) -> None:
    if name not in PATCHABLE:
        raise HTTPException(422, f"{name!r} is not a user property the sandbox keeps")
    if name == "accountEnabled" and not isinstance(value, bool):
        raise HTTPException(422, "accountEnabled must be true or false")
    if name in _LIST_PROPERTIES and not isinstance(value, list):
        raise HTTPException(422, f"{name} must be a list")
    if name == "userPrincipalName":
        if not isinstance(value, str) or "@" not in value:
            raise HTTPException(422, "userPrincipalName must be alias@domain")
        if tenant.domain(value.split("@", 1)[1]) is None:
            raise HTTPException(422, f"the tenant has no domain {value.split('@', 1)[1]!r}")
        other = tenant.user_by_upn(value)
        if other is not None and other is not user:
            raise HTTPException(409, f"userPrincipalName {value!r} is taken")


def group_summary(group: Group) -> dict[str, Any]:
    return {
        "id": group.id,
        "displayName": group.display_name,
        "members": list(group.members),
        "changeSeq": group.change_seq,
    }


def add_change_routes(
    router: APIRouter,
    state: SandboxState,
    tenant_or_404: Callable[[str], Tenant],
    user_view: Callable[[Tenant, User], dict[str, Any]],
) -> None:
    """Register the out-of-band change routes on the admin router."""

    @router.patch("/tenants/{tenant}/users/{ref}")
    def patch_user(tenant: str, ref: str, body: dict[str, Any]) -> dict[str, Any]:
        """Change Graph user properties (camelCase names, e.g. department, accountEnabled)."""
        with state.lock:
            found = tenant_or_404(tenant)
            user = _live_user(found, ref)
            for name, value in body.items():
                _check_property(found, user, name, value)
            changes = {k: v for k, v in body.items() if user.props.get(k) != v}
            if changes:
                # Only a real change is a change: delta must not report a no-op edit.
                user.props.update(changes)
                found.reindex(user)
                found.touch(user)
            return user_view(found, user)

    def set_enabled(tenant: str, ref: str, enabled: bool) -> dict[str, Any]:
        with state.lock:
            found = tenant_or_404(tenant)
            user = _live_user(found, ref)
            if user.props.get("accountEnabled") is not enabled:
                user.props["accountEnabled"] = enabled
                found.touch(user)
            return user_view(found, user)

    @router.post("/tenants/{tenant}/users/{ref}/disable")
    def disable_user(tenant: str, ref: str) -> dict[str, Any]:
        """Block sign-in (accountEnabled false)."""
        return set_enabled(tenant, ref, False)

    @router.post("/tenants/{tenant}/users/{ref}/enable")
    def enable_user(tenant: str, ref: str) -> dict[str, Any]:
        return set_enabled(tenant, ref, True)

    @router.delete("/tenants/{tenant}/users/{ref}")
    def delete_user(tenant: str, ref: str) -> dict[str, Any]:
        """Soft delete: the user goes to deleted users, restorable for 30 days."""
        with state.lock:
            found = tenant_or_404(tenant)
            user = _live_user(found, ref)
            user.deleted_at = datetime.now(UTC)
            found.touch(user)
            return user_view(found, user)

    @router.post("/tenants/{tenant}/users/{ref}/restore")
    def restore_user(tenant: str, ref: str) -> dict[str, Any]:
        with state.lock:
            found = tenant_or_404(tenant)
            user = find_user(found, ref)
            if not user.is_deleted:
                raise HTTPException(409, f"user {ref!r} is not deleted")
            if found.user_by_upn(user.upn) is not None:
                raise HTTPException(409, f"userPrincipalName {user.upn!r} is taken")
            user.deleted_at = None
            found.touch(user)
            return user_view(found, user)

    @router.post("/tenants/{tenant}/users/{ref}/purge")
    def purge_user(tenant: str, ref: str) -> dict[str, Any]:
        """Permanently delete a deleted user (delta then says `@removed: deleted`)."""
        with state.lock:
            found = tenant_or_404(tenant)
            user = find_user(found, ref)
            if not user.is_deleted:
                raise HTTPException(409, f"user {ref!r} is not deleted; delete it first")
            found.purge_user(user)
            return {"id": user.id, "purged": True}

    @router.post("/tenants/{tenant}/users/{ref}/licenses")
    def add_license(tenant: str, ref: str, body: LicenseIn) -> dict[str, Any]:
        with state.lock:
            found = tenant_or_404(tenant)
            user = _live_user(found, ref)
            sku_id = body.skuId.lower()
            sku = found.skus.get(sku_id)
            if sku is None or sku.applies_to != "User":
                raise HTTPException(404, f"unknown user SKU {body.skuId!r}")
            if any(lic.sku_id == sku_id for lic in user.licenses):
                raise HTTPException(409, "the user already has this license")
            if not user.props.get("usageLocation"):
                raise HTTPException(409, "the user has no usage location")
            if found.consumed_units(sku_id) >= sku.enabled:
                raise HTTPException(409, f"no licenses of {sku.part_number} left")
            plans = [p.lower() for p in body.disabledPlans]
            license = AssignedLicense(sku_id=sku_id, disabled_plans=plans)
            found.set_licenses(user, [*user.licenses, license])
            found.touch(user)
            return user_view(found, user)

    @router.delete("/tenants/{tenant}/users/{ref}/licenses/{sku_id}")
    def remove_license(tenant: str, ref: str, sku_id: str) -> dict[str, Any]:
        with state.lock:
            found = tenant_or_404(tenant)
            user = _live_user(found, ref)
            kept = [lic for lic in user.licenses if lic.sku_id != sku_id.lower()]
            if len(kept) == len(user.licenses):
                raise HTTPException(404, f"the user has no license {sku_id!r}")
            found.set_licenses(user, kept)
            found.touch(user)
            return user_view(found, user)

    @router.post("/tenants/{tenant}/groups/{group_id}/members")
    def add_member(tenant: str, group_id: str, body: MemberIn) -> dict[str, Any]:
        with state.lock:
            found = tenant_or_404(tenant)
            group = _group(found, group_id)
            user = _live_user(found, body.id)
            if user.id in group.members:
                raise HTTPException(409, "already a member")
            found.add_member(group, user.id)
            return group_summary(group)

    @router.delete("/tenants/{tenant}/groups/{group_id}/members/{ref}")
    def remove_member(tenant: str, group_id: str, ref: str) -> dict[str, Any]:
        with state.lock:
            found = tenant_or_404(tenant)
            group = _group(found, group_id)
            user = find_user(found, ref)
            if user.id not in group.members:
                raise HTTPException(404, "not a member")
            found.remove_member(group, user.id)
            return group_summary(group)

    @router.delete("/tenants/{tenant}/groups/{group_id}")
    def delete_group(tenant: str, group_id: str) -> dict[str, Any]:
        """Delete a group for good (groups delta then says `@removed: deleted`)."""
        with state.lock:
            found = tenant_or_404(tenant)
            group = _group(found, group_id)
            found.delete_group(group)
            return {"id": group.id, "deleted": True}

    @router.post("/tenants/{tenant}/users:bulk", status_code=201)
    def bulk_users(tenant: str, body: BulkUsersIn) -> dict[str, Any]:
        """Seed `count` users `{prefix}{n}@{domain}` for n from `start` (benchmarks)."""
        with state.lock:
            found = tenant_or_404(tenant)
            domain = (
                body.domain
                or next((d.name for d in found.domains.values() if d.is_default), None)
                or ""
            ).lower()
            if found.domain(domain) is None:
                raise HTTPException(422, f"the tenant has no domain {domain!r}")
            for name in body.properties:
                if name not in PATCHABLE:
                    raise HTTPException(422, f"{name!r} is not a user property the sandbox keeps")
            skus = [s.lower() for s in body.licenses]
            for sku in skus:
                if sku not in found.skus:
                    raise HTTPException(404, f"unknown SKU {sku!r}")
            numbers = range(body.start, body.start + body.count)
            taken = {u.upn.lower() for u in found.users.values()}
            clash = next(
                (n for n in numbers if f"{body.prefix}{n}@{domain}".lower() in taken), None
            )
            if clash is not None:
                raise HTTPException(409, f"{body.prefix}{clash}@{domain} exists")
            base = dict(USER_PROPERTIES)
            base["usageLocation"] = found.default_usage_location
            base.update(body.properties)
            templated = [k for k, v in body.properties.items() if isinstance(v, str) and "{n}" in v]
            now = datetime.now(UTC)
            first_seq = found.seq + 1
            for n in numbers:
                alias = f"{body.prefix}{n}"
                props = dict(base)
                props["userPrincipalName"] = f"{alias}@{domain}"
                props["displayName"] = f"{body.prefix.title()} {n}"
                props["mailNickname"] = alias
                for name in templated:
                    props[name] = _fill(body.properties[name], n, body.prefix, domain)
                if body.mail_pattern:
                    props["mail"] = _fill(body.mail_pattern, n, body.prefix, domain)
                if body.immutable_id_pattern:
                    props["onPremisesImmutableId"] = _fill(
                        body.immutable_id_pattern, n, body.prefix, domain
                    )
                user = User(
                    id=str(uuid.uuid4()),
                    props=props,
                    licenses=[AssignedLicense(sku_id=s) for s in skus],
                    created_at=now,
                )
                # Seeded users exist "since long ago": never inside the replication delay.
                user.created_mono -= 10**6
                found.insert_user(user)
                found.touch(user)
            return {
                "created": body.count,
                "first": f"{body.prefix}{body.start}@{domain}",
                "last": f"{body.prefix}{body.start + body.count - 1}@{domain}",
                "firstChangeSeq": first_seq,
                "lastChangeSeq": found.seq,
            }
