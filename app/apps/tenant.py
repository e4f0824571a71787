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
# An id no object has: write probes aimed at it prove a permission without changing anything
# (a granted call answers 404 for the missing object; a refused one answers 403 first).
NO_OBJECT = "00000000-0000-0000-0000-000000000000"


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
    capability: str
    permission: str  # the least-privileged application permission that grants it
    call: GraphCall

    @property
    def method(self) -> str:
        return self.call.method

    @property
    def path(self) -> str:
        return self.call.path


PROBES = (
    Probe("read users", "User.Read.All", requests.list_users("id", top=1)),
    Probe("create, update and delete users", "User.ReadWrite.All",
          requests.update_user(NO_OBJECT, {"department": None})),
    Probe("read licenses", "LicenseAssignment.Read.All", requests.list_subscribed_skus("skuId")),
    Probe("assign licenses", "LicenseAssignment.ReadWrite.All",
          requests.assign_license(NO_OBJECT, {}, [])),
    Probe("read groups", "GroupMember.Read.All", requests.list_groups(top=1)),
    Probe("change group members", "GroupMember.ReadWrite.All",
          requests.remove_member(NO_OBJECT, NO_OBJECT)),
    Probe("read domains", "Domain.Read.All", requests.list_domains()),
    Probe("read the organization", "Organization.Read.All", requests.get_organization()),
)  # fmt: skip


@dataclass(frozen=True)
class ProbeResult:
    probe: Probe
    granted: bool
    error: GraphError | None = None


async def _run_probe(client: GraphClient, probe: Probe) -> ProbeResult:
    try:
        # Aimed at an object that does not exist: sending one again changes nothing.
        await _send(client, probe.call, idempotent=True)
    except GraphAuthError as exc:
        if exc.status == 403:
            return ProbeResult(probe, granted=False, error=exc)
        raise  # 401 / token failures: the caller reports the token, not a permission
    except GraphError as exc:
        if exc.status in (400, 404):
            # Past the permission check: the call only failed on our made-up object.
            return ProbeResult(probe, granted=True)
        return ProbeResult(probe, granted=False, error=exc)
    return ProbeResult(probe, granted=True)


async def probe_permissions(client: GraphClient) -> list[ProbeResult]:
    return list(await asyncio.gather(*(_run_probe(client, p) for p in PROBES)))


async def _send(
    client: GraphClient, call: GraphCall, *, idempotent: bool | None = None
) -> GraphResponse:
    return await client.request(
        call.method, call.url, json=call.body, headers=dict(call.headers), idempotent=idempotent
    )
