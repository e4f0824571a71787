"""What the rule editor offers: condition sources, operators and values (shared with
mappings) and, per action, the app's licenses, Microsoft 365 groups and parameters."""

from __future__ import annotations

from sqlmodel import Session, select

from app.errors import Conflict, NotFound
from app.evaluation import conditions as cond
from app.evaluation.errors import EvaluationError
from app.mappings.schemas import CatalogItem
from app.mappings.service import custom_attribute_names
from app.models import App, Group, Role
from app.provisioning.rules.entitlements import entitlements_of, parameter_names
from app.provisioning.rules.schemas import ActionValue

ACTIONS = [
    CatalogItem(
        value="set_licenses",
        name="Set licenses",
        value_count='one or more: "<skuId>" or "<skuId>:<planId>,<planId>" (plans to disable)',
        kind="license",
    ),
    CatalogItem(
        value="set_groups",
        name="Set Microsoft 365 groups",
        value_count="one or more group ids",
        kind="group",
    ),
    CatalogItem(
        value="set_parameter",
        name="Set parameter",
        value_count="two: parameter name, value",
        kind="parameter",
    ),
]


def condition_sources(session: Session) -> list[CatalogItem]:
    sources = cond.condition_sources(custom_attribute_names(session))
    return [CatalogItem(value=s.name, name=s.label, kind=s.kind) for s in sources]


def condition_operators(source: str) -> list[CatalogItem]:
    try:
        ops = cond.operators_for(source)
    except EvaluationError as exc:
        raise NotFound(exc.message) from None
    return [CatalogItem(value=o.name, name=o.label, needs_value=o.needs_value) for o in ops]


def condition_values(session: Session, source: str) -> list[CatalogItem]:
    if source == "has_role":
        roles = session.exec(select(Role).order_by(Role.name)).all()
        return [CatalogItem(value=str(r.id), name=r.name) for r in roles]
    if source == "group":
        groups = session.exec(select(Group).order_by(Group.name)).all()
        return [CatalogItem(value=str(g.id), name=g.name) for g in groups]
    try:
        cond.source_kind(source)
    except EvaluationError as exc:
        raise NotFound(exc.message) from None
    return []


def action_values(app: App, action: str) -> list[ActionValue]:
    if action == "set_parameter":
        return [
            ActionValue(value=name, name=name, kind="parameter") for name in parameter_names(app)
        ]
    if action not in ("set_licenses", "set_groups"):
        known = ", ".join(a.value for a in ACTIONS)
        raise NotFound(f"Unknown rule action {action!r}; known: {known}.")
    ents = entitlements_of(app)
    if ents is None:
        raise Conflict(f"Refresh entitlements first: app {app.name!r} has not loaded them yet.")
    if action == "set_groups":
        # Only groups a rule may name: the editor never offers what saving would reject.
        return [
            ActionValue(value=g.id, name=g.display_name or g.id, kind="group")
            for g in ents.groups.values()
            if g.unsupported_reason() is None
        ]
    return [
        ActionValue(
            value=lic.sku_id,
            name=f"{lic.part_number or lic.sku_id} ({lic.available} of {lic.enabled} free)",
            kind="license",
            free_seats=lic.available,
            service_plans=[
                CatalogItem(value=plan_id, name=name or plan_id, kind="service_plan")
                for plan_id, name in lic.plans.items()
            ],
        )
        for lic in ents.licenses.values()
        if lic.assignable
    ]
