"""What the rule editor offers: its actions and, per action, the app's licenses, Microsoft 365
groups and parameters. Conditions are the mappings' (`app.mappings.catalog`)."""

from __future__ import annotations

from app.errors import Conflict, NotFound
from app.licensing import product_name
from app.mappings.schemas import CatalogItem
from app.models import App
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
            name=_label(lic.sku_id, lic.part_number, f"{lic.available} of {lic.enabled} free"),
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


def _label(sku_id: str, part_number: str | None, seats: str) -> str:
    """Microsoft's product name, then the part number admins script with and the free
    seats: "Office 365 E3 (ENTERPRISEPACK, 24 of 25 free)"."""
    name = product_name(sku_id, part_number)
    code = part_number or sku_id
    return f"{name} ({code}, {seats})" if name else f"{code} ({seats})"
