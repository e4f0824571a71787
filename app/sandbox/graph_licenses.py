"""Graph licensing endpoints: subscribedSkus, assignLicense and licenseDetails (contract §4)."""

from __future__ import annotations

from typing import Any

from app.sandbox.errors import (
    MSG_INVALID_VALUES,
    MSG_NO_SEATS,
    MSG_NOT_LICENSED,
    MSG_UNKNOWN_SKU,
    MSG_USAGE_LOCATION,
    bad_request,
)
from app.sandbox.graph_core import GraphContext, GraphResponse, json_response, require_body, route
from app.sandbox.graph_users import READ_USERS, user_view
from app.sandbox.odata import parse_select
from app.sandbox.state import AssignedLicense, Sku, Tenant

READ_SKUS = {
    "LicenseAssignment.Read.All",
    "LicenseAssignment.ReadWrite.All",
    "Organization.Read.All",
    "Organization.ReadWrite.All",
    "Directory.Read.All",
}
# assignLicense: "LicenseAssignment.ReadWrite.All" (least privileged), then
# "Directory.ReadWrite.All" and "User.ReadWrite.All" (user-assignlicense, Permissions).
ASSIGN = {"LicenseAssignment.ReadWrite.All", "User.ReadWrite.All", "Directory.ReadWrite.All"}
READ_DETAILS = READ_USERS | {"LicenseAssignment.Read.All", "LicenseAssignment.ReadWrite.All"}

SKU_PROPERTIES = (
    "accountId",
    "accountName",
    "appliesTo",
    "capabilityStatus",
    "consumedUnits",
    "id",
    "prepaidUnits",
    "servicePlans",
    "skuId",
    "skuPartNumber",
    "subscriptionIds",
)


def sku_view(tenant: Tenant, sku: Sku) -> dict[str, Any]:
    return {
        "accountName": tenant.display_name.lower().replace(" ", ""),
        "accountId": tenant.id,
        "appliesTo": sku.applies_to,
        "capabilityStatus": sku.capability_status,
        "consumedUnits": tenant.consumed_units(sku.sku_id),
        "id": f"{tenant.id}_{sku.sku_id}",
        "skuId": sku.sku_id,
        "skuPartNumber": sku.part_number,
        "subscriptionIds": [],
        "prepaidUnits": {
            "enabled": sku.enabled,
            "suspended": sku.suspended,
            "warning": sku.warning,
            "lockedOut": sku.locked_out,
        },
        "servicePlans": [
            {
                "servicePlanId": plan.service_plan_id,
                "servicePlanName": plan.name,
                "provisioningStatus": "Success",
                "appliesTo": plan.applies_to,
            }
            for plan in sku.service_plans
        ],
    }


@route("GET", "/subscribedSkus", permissions=READ_SKUS, ru=3)
def list_skus(ctx: GraphContext, _: dict[str, str]) -> GraphResponse:
    select = parse_select(ctx.q("$select"), SKU_PROPERTIES, "microsoft.graph.subscribedSku")
    values = []
    for sku in ctx.tenant.skus.values():
        view = sku_view(ctx.tenant, sku)
        values.append({k: v for k, v in view.items() if not select or k in select or k == "id"})
    return json_response(
        200, {"@odata.context": ctx.context_url("subscribedSkus"), "value": values}
    )


def _guid(value: Any) -> str:
    if not isinstance(value, str) or len(value) != 36:
        raise bad_request(MSG_INVALID_VALUES)
    return value.lower()


@route("POST", "/users/{user}/assignLicense", permissions=ASSIGN)
def assign_license(ctx: GraphContext, params: dict[str, str]) -> GraphResponse:
    body = require_body(ctx.request)
    user = ctx.find_user(params["user"])
    tenant = ctx.tenant
    add = body.get("addLicenses")
    remove = body.get("removeLicenses")
    # Whether Graph rejects a missing removeLicenses is unverified (contract §4); tolerate it.
    if add is None:
        add = []
    if remove is None:
        remove = []
    if not isinstance(add, list) or not isinstance(remove, list):
        raise bad_request(MSG_INVALID_VALUES)

    additions: list[AssignedLicense] = []
    for item in add:
        if not isinstance(item, dict):
            raise bad_request(MSG_INVALID_VALUES)
        sku_id = _guid(item.get("skuId"))
        sku = tenant.skus.get(sku_id)
        if sku is None or sku.applies_to != "User":
            raise bad_request(MSG_UNKNOWN_SKU.format(sku=sku_id))
        disabled = [_guid(p) for p in item.get("disabledPlans") or []]
        known_plans = {p.service_plan_id for p in sku.service_plans}
        if any(p not in known_plans for p in disabled):
            raise bad_request(MSG_INVALID_VALUES)
        additions.append(AssignedLicense(sku_id=sku_id, disabled_plans=disabled))
    removals = [_guid(s) for s in remove]
    for sku_id in removals:
        if sku_id not in tenant.skus:
            raise bad_request(MSG_UNKNOWN_SKU.format(sku=sku_id))
        if not any(lic.sku_id == sku_id for lic in user.licenses):
            raise bad_request(MSG_NOT_LICENSED)

    if additions and not user.props.get("usageLocation"):
        raise bad_request(MSG_USAGE_LOCATION)
    held = {lic.sku_id for lic in user.licenses}
    for lic in additions:
        sku = tenant.skus[lic.sku_id]
        if lic.sku_id not in held and tenant.consumed_units(lic.sku_id) >= sku.enabled:
            raise bad_request(MSG_NO_SEATS.format(sku=lic.sku_id))

    # All checks passed: apply atomically, replacing disabled plans of re-added SKUs.
    kept = [lic for lic in user.licenses if lic.sku_id not in removals]
    by_sku = {lic.sku_id: lic for lic in kept}
    for lic in additions:
        by_sku[lic.sku_id] = lic
    tenant.set_licenses(user, list(by_sku.values()))
    tenant.touch(user)
    body_out = {"@odata.context": ctx.context_url("users/$entity"), **user_view(user, None)}
    return json_response(200, body_out)


@route("GET", "/users/{user}/licenseDetails", permissions=READ_DETAILS, ru=2)
def license_details(ctx: GraphContext, params: dict[str, str]) -> GraphResponse:
    user = ctx.find_user(params["user"])
    select = parse_select(
        ctx.q("$select"),
        ("id", "servicePlans", "skuId", "skuPartNumber"),
        "microsoft.graph.licenseDetails",
    )
    values = []
    for lic in user.licenses:
        sku = ctx.tenant.skus.get(lic.sku_id)
        if sku is None:
            continue
        view = {
            "id": f"{user.id.replace('-', '')[:16]}{lic.sku_id.replace('-', '')[:16]}",
            "skuId": sku.sku_id,
            "skuPartNumber": sku.part_number,
            "servicePlans": [
                {
                    "servicePlanId": plan.service_plan_id,
                    "servicePlanName": plan.name,
                    "provisioningStatus": (
                        "Disabled" if plan.service_plan_id in lic.disabled_plans else "Success"
                    ),
                    "appliesTo": plan.applies_to,
                }
                for plan in sku.service_plans
            ],
        }
        values.append({k: v for k, v in view.items() if not select or k in select or k == "id"})
    context = ctx.context_url(f"users('{user.id}')/licenseDetails")
    return json_response(200, {"@odata.context": context, "value": values})
