"""What we ask a tenant about itself: domains, organization, licenses, Microsoft 365 groups and
which of the permissions the engine needs were granted. Async functions over a `GraphClient`;
no database here, so the API, jobs and preflight share them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from app.graph import (
    GraphAuthError,
    GraphClient,
    GraphError,
    GraphNotFoundError,
    GraphResponse,
    requests,
)
from app.graph.requests import GraphCall

UNIFIED_FILTER = "groupTypes/any(c:c eq 'Unified')"
GROUP_SELECT = "id,displayName,mailNickname,mailEnabled,securityEnabled,groupTypes"
# Graph's largest page for directory objects: a tenant with 5,000 groups is 6 calls, not 50.
GROUP_PAGE_SIZE = 999


@dataclass(frozen=True)
class DomainStatus:
    domain: str
    exists: bool
    verified: bool
    type: str | None  # "Managed" or "Federated"


async def check_domain(client: GraphClient, domain: str) -> DomainStatus:
    try:
        response = await _send(client, requests.get_domain(domain))
    except GraphNotFoundError:
        return DomainStatus(domain, exists=False, verified=False, type=None)
    body = response.json or {}
    kind = body.get("authenticationType")
    return DomainStatus(
        domain,
        exists=True,
        verified=bool(body.get("isVerified")),
        type=kind if kind in ("Managed", "Federated") else None,
    )


async def verified_domains(client: GraphClient) -> tuple[set[str], set[str]]:
    """(verified domain names, the federated ones among them), lower-case.

    Every verified federated domain counts, not only the app's own: a user may be given a
    UPN in any of them, and each needs an ImmutableID at creation (contract §1, §6).
    """
    verified: set[str] = set()
    federated: set[str] = set()
    async for domain in client.paged(requests.list_domains().url):
        if not domain.get("isVerified"):
            continue
        name = str(domain.get("id") or "").lower()
        verified.add(name)
        if domain.get("authenticationType") == "Federated":
            federated.add(name)
    return verified, federated


async def synced_users(client: GraphClient) -> tuple[set[str], set[str]]:
    """(UPNs, ImmutableIDs) of the tenant's users mastered on premises; UPNs lower-case."""
    upns: set[str] = set()
    anchors: set[str] = set()
    async for user in client.paged(requests.synced_users().url, consistency_eventual=True):
        upns.add(str(user.get("userPrincipalName") or "").lower())
        if user.get("onPremisesImmutableId"):
            anchors.add(str(user["onPremisesImmutableId"]))
    return upns, anchors


async def organization(client: GraphClient) -> dict[str, Any]:
    response = await _send(client, requests.get_organization())
    values = (response.json or {}).get("value") or [{}]
    return dict(values[0])


async def default_usage_location(client: GraphClient) -> str | None:
    """The organization's defaultUsageLocation: None when unset, or when the app may not read
    the organization (403): users without a country then get no usageLocation."""
    try:
        org = await organization(client)
    except GraphAuthError as exc:
        if exc.status == 403:
            return None
        raise
    value = org.get("defaultUsageLocation")
    return str(value) if value else None


def license_entry(sku: dict[str, Any]) -> dict[str, Any]:
    """A `subscribedSku` in the shape stored on `App.entitlements["licenses"]`."""
    enabled = int((sku.get("prepaidUnits") or {}).get("enabled") or 0)
    consumed = int(sku.get("consumedUnits") or 0)
    return {
        "sku_id": str(sku.get("skuId") or "").lower(),
        "sku_part_number": sku.get("skuPartNumber") or "",
        "applies_to": sku.get("appliesTo"),
        "capability_status": sku.get("capabilityStatus"),
        "service_plans": [
            {
                "service_plan_id": str(p.get("servicePlanId") or "").lower(),
                "service_plan_name": p.get("servicePlanName") or "",
            }
            for p in sku.get("servicePlans") or []
        ],
        "enabled": enabled,
        "consumed": consumed,
        # Free seats = prepaidUnits.enabled - consumedUnits (contract §4).
        "available": max(0, enabled - consumed),
    }


def group_entry(group: dict[str, Any]) -> dict[str, Any]:
    """A Microsoft 365 group in the shape stored on `App.entitlements["groups"]`."""
    return {
        "id": str(group.get("id") or "").lower(),
        "display_name": group.get("displayName"),
        "mail_nickname": group.get("mailNickname"),
        "mail_enabled": group.get("mailEnabled"),
        "security_enabled": group.get("securityEnabled"),
        "group_types": list(group.get("groupTypes") or []),
    }


async def licenses(client: GraphClient) -> list[dict[str, Any]]:
    response = await _send(client, requests.list_subscribed_skus())
    skus = (response.json or {}).get("value") or []
    return sorted((license_entry(s) for s in skus), key=lambda e: e["sku_part_number"])


async def unified_groups(client: GraphClient) -> list[dict[str, Any]]:
    """Every Microsoft 365 group, across all pages (the filter needs no advanced query)."""
    call = requests.list_groups(UNIFIED_FILTER, GROUP_SELECT, GROUP_PAGE_SIZE)
    groups = [group_entry(g) async for g in client.paged(call.url)]
    return sorted(groups, key=lambda g: ((g["display_name"] or "").lower(), g["id"]))


# --- permissions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """One capability the engine needs and how preflight tells whether it was granted.

    Reads are proved by sending them (`call`: a GET of one object or none). Writes are never
    sent to a tenant to see what happens (each refused write lands in the tenant's audit
    log): they are judged from the application permissions in the app's token (its `roles`
    claim), against `granted_by`, the permissions Graph's doc for the call lists (least
    privileged first).
    """

    capability: str
    permission: str  # the least-privileged application permission that grants it
    call: GraphCall | None = None
    granted_by: frozenset[str] = frozenset()

    @property
    def method(self) -> str:
        return self.call.method if self.call else "token"

    @property
    def path(self) -> str:
        return self.call.path if self.call else "/roles"


def _write(capability: str, *granted_by: str) -> Probe:
    return Probe(capability, granted_by[0], granted_by=frozenset(granted_by))


PROBES = (
    Probe("read users", "User.Read.All", requests.list_users("id", top=1)),
    # user-post-users, user-update, user-delete: Permissions (application).
    _write("create, update and delete users", "User.ReadWrite.All", "Directory.ReadWrite.All"),
    Probe("read licenses", "LicenseAssignment.Read.All", requests.list_subscribed_skus("skuId")),
    # user-assignlicense: Permissions (application).
    _write("assign licenses", "LicenseAssignment.ReadWrite.All", "User.ReadWrite.All",
           "Directory.ReadWrite.All"),
    Probe("read groups", "GroupMember.Read.All", requests.list_groups(top=1)),
    # group-post-members, group-delete-members: Permissions (application).
    _write("change group members", "GroupMember.ReadWrite.All", "Group.ReadWrite.All",
           "Directory.ReadWrite.All"),
    Probe("read domains", "Domain.Read.All", requests.list_domains()),
    Probe("read the organization", "Organization.Read.All", requests.get_organization()),
)  # fmt: skip


@dataclass(frozen=True)
class ProbeResult:
    probe: Probe
    granted: bool
    error: GraphError | None = None

    @property
    def missing(self) -> bool:
        """Known not granted: Graph answered 403, or the token does not carry it."""
        if self.granted:
            return False
        return self.error is None or self.error.status == 403


async def _run_probe(
    client: GraphClient, probe: Probe, roles: frozenset[str] | GraphError
) -> ProbeResult:
    if probe.call is None:
        if isinstance(roles, GraphError):
            return ProbeResult(probe, granted=False, error=roles)
        return ProbeResult(probe, granted=bool(probe.granted_by & roles))
    try:
        await _send(client, probe.call, idempotent=True)
    except GraphAuthError as exc:
        if exc.status == 403:
            return ProbeResult(probe, granted=False, error=exc)
        raise  # 401 / token failures: the caller reports the token, not a permission
    except GraphError as exc:
        if exc.status == 404:
            # Past the permission check: the call only failed on our made-up object.
            return ProbeResult(probe, granted=True)
        return ProbeResult(probe, granted=False, error=exc)
    return ProbeResult(probe, granted=True)


async def probe_permissions(client: GraphClient) -> list[ProbeResult]:
    """Reads by reading; writes by the token's `roles` claim. Nothing is written."""
    roles: frozenset[str] | GraphError
    try:
        roles = await client.application_permissions()
    except GraphAuthError:
        raise
    except GraphError as exc:
        roles = exc
    return list(await asyncio.gather(*(_run_probe(client, p, roles) for p in PROBES)))


async def _send(
    client: GraphClient, call: GraphCall, *, idempotent: bool | None = None
) -> GraphResponse:
    return await client.request(
        call.method, call.url, json=call.body, headers=dict(call.headers), idempotent=idempotent
    )
