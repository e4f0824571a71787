"""A read-only view of an app's cached entitlements (what "refresh entitlements" stored).

The JSON is written by another module and may grow fields, so it is read defensively: ids are
normalised the way rule values are (GUIDs lowercased), and a missing optional field never
turns a usable license or group into an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.evaluation.parameters import default_parameters
from app.evaluation.rules import normalize_id
from app.models import App


@dataclass(frozen=True, slots=True)
class License:
    sku_id: str
    part_number: str | None
    plans: Mapping[str, str | None]
    """Service plan id -> name, in the tenant's order."""
    enabled: int
    consumed: int
    available: int
    applies_to: str | None

    @property
    def assignable(self) -> bool:
        # Graph only assigns "User" SKUs to users; company-wide ones (PSTN credits) fail.
        return (self.applies_to or "User").casefold() == "user"


@dataclass(frozen=True, slots=True)
class TenantGroup:
    id: str
    display_name: str | None
    mail_enabled: bool | None
    group_types: tuple[str, ...] | None
    """None when the refresh did not record them: such a group is taken on trust."""

    def unsupported_reason(self) -> str | None:
        """Why a rule cannot manage this group's members, or None when it can."""
        if self.group_types is None:
            return None
        if "DynamicMembership" in self.group_types:
            return "its membership is dynamic (set by a membership rule in the tenant)"
        if "Unified" in self.group_types:
            return None
        if self.mail_enabled:
            return "it is a distribution list or mail-enabled security group, read-only in Graph"
        return "it is a security group; rules manage Microsoft 365 (unified) groups only"


@dataclass(frozen=True, slots=True)
class Entitlements:
    licenses: Mapping[str, License]
    groups: Mapping[str, TenantGroup]


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _license(item: Mapping[str, Any]) -> License:
    plans = {
        normalize_id(str(p.get("service_plan_id", ""))): p.get("service_plan_name")
        for p in item.get("service_plans") or []
        if p.get("service_plan_id")
    }
    enabled, consumed = _int(item.get("enabled")), _int(item.get("consumed"))
    available = _int(item["available"]) if "available" in item else enabled - consumed
    return License(
        sku_id=normalize_id(str(item["sku_id"])),
        part_number=item.get("sku_part_number"),
        plans=plans,
        enabled=enabled,
        consumed=consumed,
        available=available,
        applies_to=item.get("applies_to"),
    )


def _group(item: Mapping[str, Any]) -> TenantGroup:
    types = item.get("group_types")
    return TenantGroup(
        id=normalize_id(str(item["id"])),
        display_name=item.get("display_name"),
        mail_enabled=item.get("mail_enabled"),
        group_types=None if types is None else tuple(types),
    )


def entitlements_of(app: App) -> Entitlements | None:
    """The app's licenses and groups, or None if entitlements were never refreshed."""
    data = app.entitlements or {}
    if app.entitlements_refreshed_at is None and not data:
        return None
    licenses = [_license(i) for i in data.get("licenses") or [] if i.get("sku_id")]
    groups = [_group(i) for i in data.get("groups") or [] if i.get("id")]
    return Entitlements({lic.sku_id: lic for lic in licenses}, {g.id: g for g in groups})


def parameter_names(app: App) -> list[str]:
    """Parameters a rule may set: the app's own, or the standard set while it defines none."""
    names = [str(p["name"]) for p in app.parameters or [] if p.get("name")]
    return names or [p.name for p in default_parameters(app.immutable_id_attribute)]
