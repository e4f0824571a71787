"""Builders for rules tests: apps inserted as rows (the apps API is built separately), with
entitlements shaped like a refresh of the sandbox's Contoso tenant (Microsoft's real ids)."""

from __future__ import annotations

from typing import Any

from app.db import transaction
from app.models import App, utcnow
from app.sandbox import seed
from tests.support import ApiClient

E3_PLANS = {
    seed.PLAN_EXCHANGE_E3: "EXCHANGE_S_ENTERPRISE",
    seed.PLAN_SHAREPOINT_E3: "SHAREPOINTENTERPRISE",
    seed.PLAN_OFFICE_WEB: "SHAREPOINTWAC",
    seed.PLAN_OFFICE_PRO_PLUS: "OFFICESUBSCRIPTION",
    seed.PLAN_YAMMER: "YAMMER_ENTERPRISE",
    seed.PLAN_TEAMS: "TEAMS1",
    seed.PLAN_SKYPE: "MCOSTANDARD",
    seed.PLAN_SWAY: "SWAY",
    seed.PLAN_FORMS_E3: "FORMS_PLAN_E3",
    seed.PLAN_RMS: "RMS_S_ENTERPRISE",
    seed.PLAN_INTUNE_O365: "INTUNE_O365",
}
# The article's rule: Yammer, Office Web Apps and Office Professional; everything else off.
ARTICLE_PLANS = {seed.PLAN_YAMMER, seed.PLAN_OFFICE_WEB, seed.PLAN_OFFICE_PRO_PLUS}
ARTICLE_LICENSE = f"{seed.SKU_E3}:{','.join(sorted(p for p in E3_PLANS if p not in ARTICLE_PLANS))}"


def _license(
    sku: str,
    part: str,
    enabled: int,
    consumed: int,
    plans: dict[str, str],
    applies_to: str = "User",
) -> dict[str, Any]:
    return {
        "sku_id": sku,
        "sku_part_number": part,
        "applies_to": applies_to,
        "capability_status": "Enabled",
        "service_plans": [{"service_plan_id": k, "service_plan_name": v} for k, v in plans.items()],
        "enabled": enabled,
        "consumed": consumed,
        "available": enabled - consumed,
    }


def _group(
    group_id: str, name: str, types: list[str], mail: bool, security: bool
) -> dict[str, Any]:
    return {
        "id": group_id,
        "display_name": name,
        "mail_nickname": name.replace(" ", ""),
        "mail_enabled": mail,
        "security_enabled": security,
        "group_types": types,
    }


def contoso_entitlements() -> dict[str, Any]:
    return {
        "licenses": [
            _license(seed.SKU_E3, "ENTERPRISEPACK", 25, 1, E3_PLANS),
            _license(
                seed.SKU_E1,
                "STANDARDPACK",
                10,
                1,
                {
                    seed.PLAN_EXCHANGE_E1: "EXCHANGE_S_STANDARD",
                    seed.PLAN_YAMMER: "YAMMER_ENTERPRISE",
                },
            ),
            _license(
                seed.SKU_PSTN_CREDITS,
                "MCOPSTNC",
                10,
                0,
                {seed.PLAN_PSTN_CREDITS: "MCOPSTNC"},
                applies_to="Company",
            ),
        ],
        "groups": [
            _group(seed.GROUP_ALL_COMPANY, "All Company", ["Unified"], True, False),
            _group(seed.GROUP_SALES, "Sales and Marketing", ["Unified"], True, False),
            _group(seed.GROUP_SECURITY, "IT Security", [], False, True),
            _group(seed.GROUP_DISTRIBUTION, "All Staff", [], True, False),
            _group(
                seed.GROUP_DYNAMIC,
                "Sales Team (dynamic)",
                ["Unified", "DynamicMembership"],
                True,
                False,
            ),
        ],
    }


def make_app(
    name: str = "Office 365",
    *,
    entitlements: dict[str, Any] | None = None,
    refreshed: bool = True,
    parameters: list[dict[str, Any]] | None = None,
) -> int:
    """Insert an app row; by default it has refreshed Contoso's entitlements."""
    with transaction() as session:
        app = App(
            name=name,
            tenant=seed.DOMAIN_INITIAL,
            domain=seed.DOMAIN_DEFAULT,
            cloud="sandbox",
            client_id=seed.DEMO_CLIENT_ID,
            approval_required={},
            parameters=parameters or [],
            entitlements=(entitlements or contoso_entitlements()) if refreshed else {},
            entitlements_refreshed_at=utcnow() if refreshed else None,
        )
        session.add(app)
        session.flush()
        assert app.id is not None
        return app.id


def set_entitlements(app_id: int, entitlements: dict[str, Any]) -> None:
    with transaction() as session:
        app = session.get(App, app_id)
        assert app is not None
        app.entitlements = entitlements
        session.add(app)


def rule_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Sales get E3",
        "conditions": [{"source": "department", "operator": "equals", "value": "Sales"}],
        "actions": [{"action": "set_licenses", "value": [seed.SKU_E3]}],
    }
    body.update(overrides)
    return body


def create_rule(client: ApiClient, app_id: int, **overrides: Any) -> dict[str, Any]:
    return client.ok("POST", f"/apps/{app_id}/rules", json=rule_body(**overrides))
