"""Desired state of one assignment, its fingerprint, and the plan that gets a tenant there.

``DesiredState`` is what we want the Entra ID user to look like; the same type stores the state
last applied (JSON column). ``fingerprint()`` is a sha256 of canonical JSON, so "the desired
state did not change, so no task" is one string comparison. ``diff`` turns (desired, applied)
into a ``Plan``:

* nothing applied yet: ``create`` with everything, or ``none`` if the user should be disabled
  (a suspended person is not created just to be suspended);
* enabled -> disabled: ``suspend``; disabled -> enabled: ``reactivate``; otherwise ``update``
  when anything differs, else ``none``. Suspend and reactivate carry the other changes too.
* An attribute that is no longer desired is listed with value ``None`` (clear it in Graph).
* A SKU whose disabled plans changed appears in ``licenses_add`` (assignLicense updates it).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from app.evaluation.rules import RuleOutcome

PlanAction = Literal["create", "update", "suspend", "reactivate", "none"]


@dataclass(frozen=True, slots=True)
class DesiredState:
    attributes: dict[str, Any]
    licenses: dict[str, frozenset[str]]
    """sku id -> disabled service plan ids."""
    groups: frozenset[str]
    enabled: bool

    @classmethod
    def build(cls, attributes: dict[str, Any], rules: RuleOutcome, enabled: bool) -> DesiredState:
        """Compose computed attributes and a rule outcome (licenses, groups)."""
        return cls(
            attributes=dict(attributes),
            licenses={sku: grant.disabled_plans for sku, grant in rules.licenses.items()},
            groups=frozenset(rules.groups),
            enabled=enabled,
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict with sorted collections, so equal states serialise equally."""
        return {
            "attributes": {k: self.attributes[k] for k in sorted(self.attributes)},
            "licenses": {sku: sorted(self.licenses[sku]) for sku in sorted(self.licenses)},
            "groups": sorted(self.groups),
            "enabled": self.enabled,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DesiredState:
        return cls(
            attributes=dict(data.get("attributes") or {}),
            licenses={sku: frozenset(plans) for sku, plans in (data.get("licenses") or {}).items()},
            groups=frozenset(data.get("groups") or ()),
            enabled=bool(data.get("enabled", True)),
        )

    def fingerprint(self) -> str:
        canonical = json.dumps(
            self.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Plan:
    action: PlanAction
    attributes_changed: dict[str, Any] = field(default_factory=dict)
    """Attribute -> new value; ``None`` clears it."""
    licenses_add: dict[str, frozenset[str]] = field(default_factory=dict)
    licenses_remove: list[str] = field(default_factory=list)
    groups_add: list[str] = field(default_factory=list)
    groups_remove: list[str] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return self.action != "none"

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "attributes_changed": {
                k: self.attributes_changed[k] for k in sorted(self.attributes_changed)
            },
            "licenses_add": {
                sku: sorted(self.licenses_add[sku]) for sku in sorted(self.licenses_add)
            },
            "licenses_remove": list(self.licenses_remove),
            "groups_add": list(self.groups_add),
            "groups_remove": list(self.groups_remove),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        return cls(
            action=data["action"],
            attributes_changed=dict(data.get("attributes_changed") or {}),
            licenses_add={
                sku: frozenset(plans) for sku, plans in (data.get("licenses_add") or {}).items()
            },
            licenses_remove=list(data.get("licenses_remove") or ()),
            groups_add=list(data.get("groups_add") or ()),
            groups_remove=list(data.get("groups_remove") or ()),
        )


def diff(desired: DesiredState, applied: DesiredState | None) -> Plan:
    """The plan that takes the tenant from ``applied`` (None: never provisioned) to ``desired``."""
    if applied is None:
        if not desired.enabled:
            return Plan("none")
        return Plan(
            "create",
            attributes_changed={k: desired.attributes[k] for k in sorted(desired.attributes)},
            licenses_add={sku: desired.licenses[sku] for sku in sorted(desired.licenses)},
            groups_add=sorted(desired.groups),
        )
    attributes = {
        k: desired.attributes.get(k)
        for k in sorted(desired.attributes.keys() | applied.attributes.keys())
        if desired.attributes.get(k) != applied.attributes.get(k)
    }
    licenses_add = {
        sku: plans
        for sku, plans in sorted(desired.licenses.items())
        if applied.licenses.get(sku) != plans
    }
    licenses_remove = sorted(applied.licenses.keys() - desired.licenses.keys())
    groups_add = sorted(desired.groups - applied.groups)
    groups_remove = sorted(applied.groups - desired.groups)
    action: PlanAction
    if applied.enabled and not desired.enabled:
        action = "suspend"
    elif desired.enabled and not applied.enabled:
        action = "reactivate"
    elif attributes or licenses_add or licenses_remove or groups_add or groups_remove:
        action = "update"
    else:
        return Plan("none")
    return Plan(action, attributes, licenses_add, licenses_remove, groups_add, groups_remove)
