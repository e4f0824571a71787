"""Steps and refusals: what the engine remembers about each part of a task's work.

A *step* is one part of a task's work in the tenant (link, restore, create, the attribute
PATCH, each license change, each group change, the ImmutableID write-back, delete). Each has
its own outcome, and a failed step hides no other: only a step that leaves no tenant user
(link, restore, create) stops the ones after it.

A *refusal* is a step value Graph refused for good (`outcome.decide` said Failed): the
properties a PATCH carried, the SKU and plans added, the group joined. The assignment remembers it,
and neither planning nor the executor sends that value again until the step's own desired
value changes (then the memory no longer applies) or an admin retries the task (which clears
it). Without this, every unrelated change that re-plans the assignment (another rule, a
reapply) would send the same refused call once more.

Pure functions over plain data: no database, no HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from app.evaluation.desired import DesiredState, Plan
from app.graph.errors import GraphError
from app.models import StepKind

ENABLED = "accountEnabled"
"""The attribute name a refused suspend or reactivate is remembered under."""
USER_KINDS = frozenset({StepKind.link, StepKind.create})
"""Steps that establish the tenant user of a create task."""


class _Missing:
    """The step is not wanted at all by the desired state."""


MISSING = _Missing()


def error_json(error: GraphError) -> dict[str, Any]:
    """Graph's code, message, HTTP status and request id, as stored and shown."""
    return {
        "code": error.code,
        "message": error.message,
        "status": error.status,
        "request_id": error.request_id,
    }


def error_from_json(data: dict[str, Any]) -> GraphError:
    """The remembered error again, as a plain (permanent) `GraphError`."""
    return GraphError(
        int(data.get("status") or 400),
        str(data.get("code") or ""),
        str(data.get("message") or ""),
        request_id=data.get("request_id"),
    )


def license_value(plans: frozenset[str] | list[str], desired: DesiredState) -> dict[str, Any]:
    """What a license addition depends on: its disabled plans and the user's usageLocation
    (Graph refuses licenses for a user without one), so fixing either sends it again."""
    return {
        "disabled_plans": sorted(plans),
        "usageLocation": desired.attributes.get("usageLocation"),
    }


def attribute_value(desired: DesiredState, name: str) -> Any:
    return desired.enabled if name == ENABLED else desired.attributes.get(name)


def desired_value(
    kind: str, target: str | None, desired: DesiredState | None, names: Any = ()
) -> Any:
    """The desired value of one step, comparable with what a refusal remembers; `MISSING`
    when the desired state does not want that step any more. For the attribute PATCH the
    value is the desired value of each of `names`, the properties the refused PATCH carried."""
    if kind == StepKind.delete:
        return None if desired is None else MISSING
    if desired is None:
        return MISSING
    if kind in USER_KINDS:
        return desired.to_json()["attributes"]
    if kind == StepKind.attributes:
        return {name: attribute_value(desired, name) for name in names}
    if kind == StepKind.license_add:
        plans = desired.licenses.get(target or "")
        return MISSING if plans is None else license_value(plans, desired)
    if kind == StepKind.license_remove:
        return MISSING if (target or "") in desired.licenses else None
    if kind == StepKind.group_add:
        return None if (target or "") in desired.groups else MISSING
    if kind == StepKind.group_remove:
        return MISSING if (target or "") in desired.groups else None
    return MISSING


@dataclass(frozen=True)
class Refusal:
    """One step value Graph refused: `kind` and `target` (attribute name, sku id, group id,
    UPN, tenant object id) name the step, `value` is what was sent, `error` Graph's answer."""

    kind: str
    target: str | None
    value: Any
    error: dict[str, Any]
    task_id: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "target": self.target,
            "value": self.value,
            "error": self.error,
            "task_id": self.task_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Refusal:
        return cls(
            kind=str(data["kind"]),
            target=data.get("target"),
            value=data.get("value"),
            error=dict(data.get("error") or {}),
            task_id=data.get("task_id"),
        )

    @property
    def keys(self) -> set[tuple[str, str | None]]:
        """What it is about: (kind, target), or one (attributes, name) per PATCHed property."""
        if self.kind == StepKind.attributes:
            return {(self.kind, name) for name in dict(self.value or {})}
        return {(self.kind, self.target)}

    def applies_to(self, desired: DesiredState | None) -> bool:
        """Still the desired value: holding it back is still right. A refused PATCH is one
        step: once any property it carried is wanted with another value, it is sent again
        whole (the refusal may have been that property's)."""
        names = dict(self.value or {}) if self.kind == StepKind.attributes else ()
        want = desired_value(self.kind, self.target, desired, names)
        return want is not MISSING and want == self.value


@dataclass(frozen=True)
class Refusals:
    """The refusals an assignment remembers."""

    entries: tuple[Refusal, ...] = ()

    @classmethod
    def from_json(cls, data: list[dict[str, Any]] | None) -> Refusals:
        return cls(tuple(Refusal.from_json(d) for d in data or ()))

    def to_json(self) -> list[dict[str, Any]] | None:
        return [r.to_json() for r in self.entries] or None

    def __bool__(self) -> bool:
        return bool(self.entries)

    def held(self, kind: str, target: str | None, value: Any) -> Refusal | None:
        """The refusal of exactly this step value, if Graph refused it before."""
        for r in self.entries:
            if r.kind == kind and r.target == target and r.value == value:
                return r
        return None

    def held_user(self, desired: DesiredState) -> Refusal | None:
        """A refused create (or link) of the person as the desired state has them now."""
        attributes = desired.to_json()["attributes"]
        for r in self.entries:
            if r.kind in USER_KINDS and r.value == attributes:
                return r
        return None

    def applying_to(self, desired: DesiredState | None) -> Refusals:
        """Only the refusals whose step still wants the refused value."""
        return Refusals(tuple(r for r in self.entries if r.applies_to(desired)))

    def after_run(
        self,
        answered: set[tuple[str, str | None]],
        refused: list[Refusal],
        desired: DesiredState | None,
    ) -> Refusals:
        """The memory after a task ran: steps Graph answered this time replace what was
        remembered for them, new refusals are added, and refusals whose desired value moved
        on are forgotten."""
        kept = [r for r in self.entries if not r.keys & answered]
        return Refusals(tuple(kept) + tuple(refused)).applying_to(desired)

    def held_attributes(self, desired: DesiredState) -> list[Refusal]:
        """Refused PATCHes whose properties are all still wanted with the refused values."""
        return [r for r in self.entries if r.kind == StepKind.attributes and r.applies_to(desired)]

    def filter_plan(self, plan: Plan, desired: DesiredState) -> Plan:
        """`plan` without the step values Graph refused for good (None-action if that was all)."""
        if not self.entries or plan.action == "none":
            return plan
        if plan.action == "create":
            return Plan("none") if self.held_user(desired) else plan

        held_names = {name for r in self.held_attributes(desired) for name in r.value}

        def keep(kind: StepKind, target: str) -> bool:
            if kind == StepKind.attributes:
                return target not in held_names
            r = next((r for r in self.entries if (kind, target) in r.keys), None)
            return r is None or not r.applies_to(desired)

        filtered = replace(
            plan,
            attributes_changed={
                k: v for k, v in plan.attributes_changed.items() if keep(StepKind.attributes, k)
            },
            licenses_add={
                k: v for k, v in plan.licenses_add.items() if keep(StepKind.license_add, k)
            },
            licenses_remove=[k for k in plan.licenses_remove if keep(StepKind.license_remove, k)],
            groups_add=[g for g in plan.groups_add if keep(StepKind.group_add, g)],
            groups_remove=[g for g in plan.groups_remove if keep(StepKind.group_remove, g)],
        )
        changes = bool(
            filtered.attributes_changed
            or filtered.licenses_add
            or filtered.licenses_remove
            or filtered.groups_add
            or filtered.groups_remove
        )
        action = plan.action
        if action in ("suspend", "reactivate") and not keep(StepKind.attributes, ENABLED):
            action = "update"  # the refused enable/disable is not sent again
        if action == "update" and not changes:
            return Plan("none")
        return replace(filtered, action=action)

    def holds_delete(self, tenant_object_id: str | None) -> bool:
        return any(r.kind == StepKind.delete and r.target == tenant_object_id for r in self.entries)
