"""The demo tenant "Contoso" and helpers to put directory objects into a tenant directly.

All ids are fixed so documentation, tests and the first-run demo can name them. SKU and
service-plan GUIDs and part numbers are Microsoft's real ones (from the published
"product names and service plan identifiers for licensing" table).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from app.sandbox.graph_users import USER_PROPERTIES
from app.sandbox.state import (
    AssignedLicense,
    Domain,
    Group,
    SandboxState,
    ServicePlan,
    Sku,
    Tenant,
    User,
)

DEMO_TENANT_ID = "c0a1b2c3-d4e5-4f60-8a7b-9c0d1e2f3a4b"
DEMO_TENANT_NAME = "Contoso"
DEMO_CLIENT_ID = "5a1e0b7c-3d2f-4e8a-9b6c-1d0e2f3a4b5c"
DEMO_CLIENT_SECRET = "sandbox-secret"
DEMO_APP_NAME = "Provisioning Engine (sandbox)"

DOMAIN_INITIAL = "contoso.onmicrosoft.com"
DOMAIN_DEFAULT = "contoso.com"
DOMAIN_FEDERATED = "fabrikam.com"
DOMAIN_UNVERIFIED = "unverified.example"

SKU_E3 = "6fd2c87f-b296-42f0-b197-1e91e994b900"  # ENTERPRISEPACK, Office 365 E3
SKU_E1 = "18181a46-0d4e-45cd-891e-60aabd171b4e"  # STANDARDPACK, Office 365 E1
SKU_M365_E5 = "06ebc4ee-1bb5-47dd-8120-11324bc54e06"  # SPE_E5, no free seats in the demo
SKU_EMS = "efccb6f7-5641-4e0e-bd10-b4976e1bf68e"  # EMS, Enterprise Mobility + Security E3
SKU_PSTN_CREDITS = "47794cd0-f0e5-45c5-9033-2eb6b5fc84e0"  # MCOPSTNC, appliesTo Company

PLAN_EXCHANGE_E3 = "efb87545-963c-4e0d-99df-69c6916d9eb0"  # EXCHANGE_S_ENTERPRISE
PLAN_EXCHANGE_E1 = "9aaf7827-d63c-4b61-89c3-182f06f82e5c"  # EXCHANGE_S_STANDARD
PLAN_SHAREPOINT_E3 = "5dbe027f-2339-4123-9542-606e4d348a72"  # SHAREPOINTENTERPRISE
PLAN_SHAREPOINT_E1 = "c7699d2e-19aa-44de-8edf-1736da088ca1"  # SHAREPOINTSTANDARD
PLAN_OFFICE_WEB = "e95bec33-7c88-4a70-8e19-b10bd9d0c014"  # SHAREPOINTWAC, Office for the web
PLAN_OFFICE_PRO_PLUS = "43de0ff5-c92c-492b-9116-175376d08c38"  # OFFICESUBSCRIPTION
PLAN_YAMMER = "7547a3fe-08ee-4ccb-b430-5077c5041653"  # YAMMER_ENTERPRISE
PLAN_TEAMS = "57ff2da0-773e-42df-b2af-ffb7a2317929"  # TEAMS1
PLAN_SKYPE = "0feaeb32-d00e-4d66-bd5a-43b5b83db82c"  # MCOSTANDARD
PLAN_SWAY = "a23b959c-7ce8-4e57-9140-b90eb88a9e97"  # SWAY
PLAN_FORMS_E3 = "2789c901-c14e-48ab-a76a-be334d9d793a"  # FORMS_PLAN_E3
PLAN_FORMS_E1 = "159f4cd6-e380-449f-a816-af1a9ef76344"  # FORMS_PLAN_E1
PLAN_RMS = "bea4c11e-220a-4e6d-8eb8-8ea15d019f90"  # RMS_S_ENTERPRISE
PLAN_INTUNE_O365 = "882e1d05-acd1-4ccb-8708-6ee03664b117"  # INTUNE_O365 (Company)
PLAN_AAD_P1 = "41781fb2-bc02-4b7c-bd55-b576c07bb09d"  # AAD_PREMIUM
PLAN_INTUNE_A = "c1ec4a95-1f05-45b3-a911-aa3fa01094f5"  # INTUNE_A
PLAN_PSTN_CREDITS = "505e180f-f7e0-4b65-91d4-00d670bbd18c"  # MCOPSTNC (Company)

GROUP_ALL_COMPANY = "0b9e5a51-7c1d-4f2e-8a3b-1c2d3e4f5a01"
GROUP_SALES = "0b9e5a51-7c1d-4f2e-8a3b-1c2d3e4f5a02"
GROUP_ENGINEERING = "0b9e5a51-7c1d-4f2e-8a3b-1c2d3e4f5a03"
GROUP_SECURITY = "0b9e5a51-7c1d-4f2e-8a3b-1c2d3e4f5a04"  # security group, writable
GROUP_DISTRIBUTION = "0b9e5a51-7c1d-4f2e-8a3b-1c2d3e4f5a05"  # distribution list, read-only
GROUP_MAIL_SECURITY = "0b9e5a51-7c1d-4f2e-8a3b-1c2d3e4f5a06"  # mail-enabled security, read-only
GROUP_DYNAMIC = "0b9e5a51-7c1d-4f2e-8a3b-1c2d3e4f5a07"  # dynamic Microsoft 365 group

USER_ADMIN = "9f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e01"
USER_MEGAN = "9f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e02"
USER_NESTOR = "9f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e03"
# Alex is synced from an on-premises Active Directory (Azure AD Connect), as users of a
# federated domain usually are: Graph refuses changes to the attributes the directory masters,
# and refuses to delete him; licenses, usageLocation and cloud groups stay writable.
USER_ALEX_FABRIKAM = "9f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e04"
ALEX_IMMUTABLE_ID = "QWxleFdpbGJlcjEyMzQ1Ng=="


@dataclass(frozen=True)
class DemoTenant:
    tenant_id: str
    client_id: str
    client_secret: str
    domains: tuple[str, ...]
    default_domain: str
    federated_domain: str


# --- building blocks (also used by the admin API) ----------------------------------------


def add_sku(
    tenant: Tenant,
    sku_id: str,
    part_number: str,
    enabled: int,
    plans: Iterable[tuple[str, str] | tuple[str, str, str]] = (),
    *,
    applies_to: str = "User",
) -> Sku:
    service_plans = [
        ServicePlan(service_plan_id=p[0].lower(), name=p[1], applies_to=(p[2:] or ("User",))[0])
        for p in plans
    ]
    sku = Sku(
        sku_id=sku_id.lower(),
        part_number=part_number,
        enabled=enabled,
        service_plans=service_plans,
        applies_to=applies_to,
    )
    tenant.skus[sku.sku_id] = sku
    return sku


def add_user(
    tenant: Tenant,
    user_principal_name: str,
    display_name: str,
    *,
    user_id: str | None = None,
    licenses: Iterable[str] = (),
    backdate: bool = True,
    **props: Any,
) -> User:
    """Put a user straight into the directory, skipping Graph's validation (for fixtures).

    `onPremisesSyncEnabled=True` among the properties makes a user synced from on premises.
    """
    synced = props.pop("onPremisesSyncEnabled", None)
    values = dict(USER_PROPERTIES)
    local = user_principal_name.split("@")[0]
    values.update(
        {
            "userPrincipalName": user_principal_name,
            "displayName": display_name,
            "mailNickname": local,
            "usageLocation": tenant.default_usage_location,
        }
    )
    values.update(props)
    user = User(
        id=(user_id or str(uuid.uuid4())).lower(),
        props=values,
        licenses=[AssignedLicense(sku_id=s.lower()) for s in licenses],
        on_premises_sync=synced,
    )
    if backdate:
        # Fixture users exist "since long ago": never inside the replication-delay window.
        user.created_mono -= 10**6
    tenant.insert_user(user)
    tenant.touch(user)
    return user


def add_group(
    tenant: Tenant,
    display_name: str,
    *,
    group_id: str | None = None,
    kind: str = "unified",
    members: Iterable[str] = (),
    description: str | None = None,
) -> Group:
    """kind: unified, security, distribution, mail_security or dynamic (a dynamic M365 group)."""
    nickname = "".join(c for c in display_name if c.isalnum()) or "group"
    domain = next((d.name for d in tenant.domains.values() if d.is_default), None)
    mail = f"{nickname.lower()}@{domain}" if domain else None
    shapes: dict[str, dict[str, Any]] = {
        "unified": {"group_types": ["Unified"], "mail_enabled": True, "security_enabled": False},
        "security": {"group_types": [], "mail_enabled": False, "security_enabled": True},
        "distribution": {"group_types": [], "mail_enabled": True, "security_enabled": False},
        "mail_security": {"group_types": [], "mail_enabled": True, "security_enabled": True},
        "dynamic": {
            "group_types": ["Unified", "DynamicMembership"],
            "mail_enabled": True,
            "security_enabled": False,
        },
    }
    if kind not in shapes:
        raise ValueError(f"unknown group kind {kind!r}")
    shape = shapes[kind]
    group = Group(
        id=(group_id or str(uuid.uuid4())).lower(),
        display_name=display_name,
        mail_nickname=nickname,
        mail=mail if shape["mail_enabled"] else None,
        description=description,
        visibility="Private" if kind in ("unified", "dynamic") else None,
        membership_rule='user.department -eq "Sales"' if kind == "dynamic" else None,
        members=[m.lower() for m in members],
        **shape,
    )
    tenant.groups[group.id] = group
    tenant.touch_group(group)
    return group


# --- the demo tenant ---------------------------------------------------------------------


def seed_demo_tenant(state: SandboxState) -> DemoTenant:
    """Create Contoso, its SKUs, groups, a few users and the pre-consented demo app."""
    with state.lock:
        tenant = state.add_tenant(DEMO_TENANT_NAME, DEMO_TENANT_ID, default=True)
        tenant.add_domain(Domain(DOMAIN_INITIAL, is_initial=True))
        tenant.add_domain(Domain(DOMAIN_DEFAULT, is_default=True))
        tenant.add_domain(Domain(DOMAIN_FEDERATED, authentication_type="Federated"))
        tenant.add_domain(Domain(DOMAIN_UNVERIFIED, is_verified=False))

        add_sku(
            tenant,
            SKU_E3,
            "ENTERPRISEPACK",
            25,
            [
                (PLAN_EXCHANGE_E3, "EXCHANGE_S_ENTERPRISE"),
                (PLAN_SHAREPOINT_E3, "SHAREPOINTENTERPRISE"),
                (PLAN_OFFICE_WEB, "SHAREPOINTWAC"),
                (PLAN_OFFICE_PRO_PLUS, "OFFICESUBSCRIPTION"),
                (PLAN_YAMMER, "YAMMER_ENTERPRISE"),
                (PLAN_TEAMS, "TEAMS1"),
                (PLAN_SKYPE, "MCOSTANDARD"),
                (PLAN_SWAY, "SWAY"),
                (PLAN_FORMS_E3, "FORMS_PLAN_E3"),
                (PLAN_RMS, "RMS_S_ENTERPRISE"),
                (PLAN_INTUNE_O365, "INTUNE_O365", "Company"),
            ],
        )
        add_sku(
            tenant,
            SKU_E1,
            "STANDARDPACK",
            10,
            [
                (PLAN_EXCHANGE_E1, "EXCHANGE_S_STANDARD"),
                (PLAN_SHAREPOINT_E1, "SHAREPOINTSTANDARD"),
                (PLAN_OFFICE_WEB, "SHAREPOINTWAC"),
                (PLAN_YAMMER, "YAMMER_ENTERPRISE"),
                (PLAN_TEAMS, "TEAMS1"),
                (PLAN_SKYPE, "MCOSTANDARD"),
                (PLAN_SWAY, "SWAY"),
                (PLAN_FORMS_E1, "FORMS_PLAN_E1"),
            ],
        )
        add_sku(
            tenant,
            SKU_M365_E5,
            "SPE_E5",
            2,
            [
                (PLAN_EXCHANGE_E3, "EXCHANGE_S_ENTERPRISE"),
                (PLAN_OFFICE_PRO_PLUS, "OFFICESUBSCRIPTION"),
                (PLAN_TEAMS, "TEAMS1"),
                (PLAN_AAD_P1, "AAD_PREMIUM"),
            ],
        )
        add_sku(
            tenant, SKU_EMS, "EMS", 15, [(PLAN_AAD_P1, "AAD_PREMIUM"), (PLAN_INTUNE_A, "INTUNE_A")]
        )
        add_sku(
            tenant,
            SKU_PSTN_CREDITS,
            "MCOPSTNC",
            10,
            [(PLAN_PSTN_CREDITS, "MCOPSTNC", "Company")],
            applies_to="Company",
        )

        # The two E5 holders use up every E5 seat, so "no seats left" is testable at once.
        add_user(
            tenant,
            f"admin@{DOMAIN_INITIAL}",
            "MOD Administrator",
            user_id=USER_ADMIN,
            licenses=[SKU_M365_E5],
        ).admin_roles.append("Global Administrator")
        add_user(
            tenant,
            f"meganb@{DOMAIN_DEFAULT}",
            "Megan Bowen",
            user_id=USER_MEGAN,
            licenses=[SKU_M365_E5],
            givenName="Megan",
            surname="Bowen",
            jobTitle="Marketing Manager",
            department="Marketing",
            mail=f"meganb@{DOMAIN_DEFAULT}",
        )
        add_user(
            tenant,
            f"nestorw@{DOMAIN_DEFAULT}",
            "Nestor Wilke",
            user_id=USER_NESTOR,
            licenses=[SKU_E3],
            givenName="Nestor",
            surname="Wilke",
            jobTitle="Director",
            department="Operations",
            mail=f"nestorw@{DOMAIN_DEFAULT}",
        )
        add_user(
            tenant,
            f"alexw@{DOMAIN_FEDERATED}",
            "Alex Wilber",
            user_id=USER_ALEX_FABRIKAM,
            licenses=[SKU_E1],
            givenName="Alex",
            surname="Wilber",
            onPremisesImmutableId=ALEX_IMMUTABLE_ID,
            onPremisesSyncEnabled=True,
        )

        add_group(
            tenant, "All Company", group_id=GROUP_ALL_COMPANY, members=[USER_MEGAN, USER_NESTOR]
        )
        add_group(tenant, "Sales and Marketing", group_id=GROUP_SALES, members=[USER_MEGAN])
        add_group(tenant, "Engineering", group_id=GROUP_ENGINEERING)
        add_group(tenant, "IT Security", group_id=GROUP_SECURITY, kind="security")
        add_group(
            tenant,
            "All Staff",
            group_id=GROUP_DISTRIBUTION,
            kind="distribution",
            members=[USER_NESTOR],
        )
        add_group(tenant, "Finance Approvers", group_id=GROUP_MAIL_SECURITY, kind="mail_security")
        add_group(tenant, "Sales Team (dynamic)", group_id=GROUP_DYNAMIC, kind="dynamic")

        state.add_app(
            DEMO_APP_NAME,
            DEMO_CLIENT_ID,
            secret=DEMO_CLIENT_SECRET,
            consented_tenants=[tenant.id],
        )
    return DemoTenant(
        tenant_id=DEMO_TENANT_ID,
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
        domains=(DOMAIN_INITIAL, DOMAIN_DEFAULT, DOMAIN_FEDERATED, DOMAIN_UNVERIFIED),
        default_domain=DOMAIN_DEFAULT,
        federated_domain=DOMAIN_FEDERATED,
    )


def new_demo_state() -> SandboxState:
    """A state holding the demo tenant, which `reset()` restores."""
    state = SandboxState()
    state.seeder = seed_demo_tenant
    seed_demo_tenant(state)
    return state
