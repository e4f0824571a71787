"""Preflight: one report of everything that would make provisioning fail or surprise an admin.

Tenant checks (token, permissions, domain, directory sync, seats) run as concurrent Graph
calls; user checks compute every in-scope user's attributes with the app's parameters (and
the tenant's defaultUsageLocation) and test them against Graph's rules (``app.graph.rules``),
keeping counts and a few example ids per rule, plus how many users Graph would refuse, so a
100k-user directory yields a short report rather than 100k rows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlmodel import Session

from app.apps import repository as repo
from app.apps import tenant
from app.apps.errors import from_graph
from app.apps.runtime import GraphRuntime, connection_of
from app.apps.schemas import Finding, PreflightReport
from app.apps.service import get_app, parameters_of
from app.audit import activity
from app.db import transaction
from app.errors import ProblemError
from app.evaluation.facts import USER_FIELDS, UserFacts
from app.evaluation.parameters import Parameter, compute_attributes
from app.graph import GraphAuthError, GraphClient, GraphError, rules
from app.graph.rules import TenantFacts
from app.licensing import product_name
from app.models import App, utcnow
from app.provisioning.outcome import admin_action

EXAMPLES = 5
CHUNK = 2000
# User findings Graph would not reject outright: the engine derives a missing ImmutableID,
# and usageLocation only matters once a license is assigned.
_WARNINGS = {"usage_location_missing", "synced_user", *rules.WARNING_RULES}

T = TypeVar("T")


@dataclass
class _Tally:
    """Counts user findings per (code, attribute), keeping the first message and a few ids."""

    counts: dict[tuple[str, str], int] = field(default_factory=dict)
    examples: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    messages: dict[tuple[str, str], str] = field(default_factory=dict)

    def add(self, code: str, attribute: str, message: str, user_id: int) -> None:
        key = (code, attribute)
        self.counts[key] = self.counts.get(key, 0) + 1
        ids = self.examples.setdefault(key, [])
        if len(ids) < EXAMPLES:
            ids.append(user_id)
        self.messages.setdefault(key, f"{message} (user {user_id})")

    def findings(self) -> list[Finding]:
        return [
            Finding(
                severity="warning" if code in _WARNINGS else "error",
                code=code,
                attribute=attribute,
                message=self.messages[(code, attribute)],
                count=count,
                example_user_ids=self.examples[(code, attribute)],
            )
            for (code, attribute), count in sorted(self.counts.items())
        ]


@dataclass(frozen=True)
class _AppSnapshot:
    app_id: int
    domain: str
    parameters: tuple[Parameter, ...]
    blocker: Finding | None  # why Graph cannot be asked at all


def _snapshot(app_id: int) -> _AppSnapshot:
    with transaction() as session:
        app = get_app(session, app_id)
        blocker = None
        try:
            connection_of(app)
        except ProblemError as exc:
            code = admin_action(exc).value
            blocker = Finding(severity="error", code=code, message=exc.detail or exc.title)
        return _AppSnapshot(app_id, app.domain, parameters_of(app), blocker)


# --- users ----------------------------------------------------------------------------------


def _users(session: Session, app: App) -> Iterator[UserFacts]:
    assert app.id is not None
    role_ids = repo.roles_granting(session, app.id)
    if not role_ids:
        return
    n = len(USER_FIELDS)
    after = 0
    while True:
        rows = repo.users_in_scope(session, role_ids, after, CHUNK)
        for row in rows:
            # Parameters read the effective attributes: own, overlaid by mapped ones.
            attributes = dict(row[1 + n] or {})
            for name, value in (row[2 + n] or {}).items():
                if value:
                    attributes[name] = value
                else:
                    attributes.pop(name, None)
            yield UserFacts(
                id=row[0],
                fields=dict(zip(USER_FIELDS, row[1 : 1 + n], strict=True)),
                member_of=(),
                custom_attributes=attributes,
                role_ids=frozenset(),
                group_id=None,
            )
        if len(rows) < CHUNK:
            return
        after = rows[-1][0]


def check_users(
    snapshot: _AppSnapshot,
    tenant: TenantFacts | None,
    synced: tuple[set[str], set[str]] | None = None,
) -> tuple[int, list[Finding]]:
    """(users checked, findings) for every active user holding a role that grants the app.

    Rules that need the tenant (verified and federated domains) are judged only when
    ``tenant`` knows them; without a token there is nothing to judge them by. `synced` is
    (UPNs, ImmutableIDs) of the tenant's users mastered on premises: an in-scope user matching
    one is counted, since the engine can only manage part of such a user.
    """
    synced_upns, synced_anchors = synced or (set(), set())
    tally = _Tally()
    checked = refused = 0
    refused_ids: list[int] = []
    default_usage_location = tenant.default_usage_location if tenant else None
    with transaction() as session:
        app = get_app(session, snapshot.app_id)
        for user in _users(session, app):
            checked += 1
            attrs = compute_attributes(
                snapshot.parameters,
                user,
                snapshot.domain,
                default_usage_location=default_usage_location,
            )
            violations = rules.check_user(attrs, tenant)
            for v in violations:
                tally.add(v.rule, v.attribute, str(v), user.id)
            if any(v.rule not in rules.WARNING_RULES for v in violations):
                refused += 1
                if len(refused_ids) < EXAMPLES:
                    refused_ids.append(user.id)
            # License assignment needs a usageLocation; until rules say who gets a license,
            # everyone in scope might.
            if (
                str(attrs.get("userPrincipalName") or "").lower() in synced_upns
                or attrs.get("onPremisesImmutableId") in synced_anchors
            ):
                tally.add(
                    "synced_user",
                    "onPremisesSyncEnabled",
                    "synced from an on-premises directory: Graph refuses changes to the "
                    "attributes it masters (name, mail, department, UPN, ...), to the account's "
                    "enabled state and its deletion; the engine leaves those to the directory "
                    "and still applies licenses, usageLocation and groups",
                    user.id,
                )
            if not attrs.get("usageLocation"):
                tally.add(
                    "usage_location_missing",
                    "usageLocation",
                    "no usageLocation and no tenant default: Graph refuses to assign this user "
                    "a license",
                    user.id,
                )
    findings = tally.findings()
    if refused:
        findings.append(
            Finding(
                severity="error",
                code="users_refused",
                message=f"Graph would refuse {refused} of {checked} users as their attributes "
                "stand; the findings per rule say what to change.",
                count=refused,
                example_user_ids=refused_ids,
            )
        )
    return checked, findings


# --- the tenant -----------------------------------------------------------------------------


async def _guarded(call: Callable[[], Awaitable[T]]) -> T | GraphError:
    try:
        return await call()
    except GraphError as exc:
        return exc


def _permission_findings(results: list[tenant.ProbeResult]) -> list[Finding]:
    out = []
    for r in results:
        if r.granted:
            continue
        p = r.probe
        if r.missing:
            if p.call is not None:
                seen = f"Graph refused to {p.capability} ({p.method} {p.path.split('/')[1]}: 403)"
            else:
                held = " or ".join(sorted(p.granted_by))
                seen = f"The app's token carries no permission to {p.capability} ({held})"
            out.append(
                Finding(
                    severity="error",
                    code="permission_missing",
                    attribute=p.permission,
                    message=f"{seen}: grant the application permission {p.permission} and "
                    "consent again.",
                )
            )
        else:
            out.append(
                Finding(
                    severity="warning",
                    code="permission_unchecked",
                    attribute=p.permission,
                    message=f"Could not check {p.permission}: {r.error}",
                )
            )
    return out


def _domain_findings(status: tenant.DomainStatus) -> list[Finding]:
    if not status.exists:
        return [
            Finding(
                severity="error",
                code="domain_missing",
                message=f"{status.domain} is not a domain of the tenant: add and verify it.",
            )
        ]
    if not status.verified:
        return [
            Finding(
                severity="error",
                code="domain_unverified",
                message=f"{status.domain} is not verified in the tenant: users cannot be created "
                "under it.",
            )
        ]
    note = (
        "federated: new users need an ImmutableID (derived when the user has none)"
        if status.type == "Federated"
        else "managed: Entra ID authenticates its users"
    )
    return [Finding(severity="info", code="domain_type", message=f"{status.domain} is {note}.")]


def _license_findings(licenses: list[dict[str, Any]]) -> list[Finding]:
    out = []
    for sku in licenses:
        if sku["applies_to"] not in (None, "User"):
            continue
        product = product_name(sku["sku_id"], sku["sku_part_number"])
        ids = f"{sku['sku_part_number']}, {sku['sku_id']}" if product else sku["sku_id"]
        name = f"{product or sku['sku_part_number']} ({ids})"
        if sku["capability_status"] not in (None, "Enabled"):
            out.append(
                Finding(
                    severity="warning",
                    code="license_not_active",
                    attribute=sku["sku_id"],
                    message=f"{name} is {sku['capability_status']}: it cannot be assigned.",
                )
            )
        elif sku["available"] <= 0:
            out.append(
                Finding(
                    severity="warning",
                    code="license_no_free_seats",
                    attribute=sku["sku_id"],
                    message=f"{name} has no free seats ({sku['consumed']} of {sku['enabled']} "
                    "used): assignments of it will wait.",
                )
            )
    return out


async def check_tenant(
    client: GraphClient, domain: str
) -> tuple[list[Finding], TenantFacts | None, tuple[set[str], set[str]] | None]:
    """Tenant findings, what the user rules need to know of the tenant (its verified and
    federated domains, its defaultUsageLocation) as far as it could be read, and the synced
    users' (UPNs, ImmutableIDs) when they could be read."""
    org = await _guarded(lambda: tenant.organization(client))
    if isinstance(org, GraphError) and not (isinstance(org, GraphAuthError) and org.status == 403):
        problem = from_graph(org)
        code = "token_failed" if isinstance(org, GraphAuthError) else "tenant_unreachable"
        finding = Finding(severity="error", code=code, message=problem.detail or problem.title)
        return [finding], None, None
    findings = [Finding(severity="info", code="token_ok", message="A token was issued.")]
    probes, status, domains, licenses, synced = await asyncio.gather(
        tenant.probe_permissions(client),
        _guarded(lambda: tenant.check_domain(client, domain)),
        _guarded(lambda: tenant.verified_domains(client)),
        _guarded(lambda: tenant.licenses(client)),
        _guarded(lambda: tenant.synced_users(client)),
    )
    findings += _permission_findings(probes)
    if isinstance(status, tenant.DomainStatus):
        findings += _domain_findings(status)
    if isinstance(org, dict) and org.get("onPremisesSyncEnabled") is True:
        findings.append(
            Finding(
                severity="warning",
                code="directory_sync_enabled",
                message="Directory sync (Azure AD Connect) is active in the tenant: synced users "
                "are mastered on premises and Graph cannot change them. Disable it after a full "
                "sync cycle if this engine is to replace it.",
            )
        )
    if isinstance(licenses, list):
        findings += _license_findings(licenses)
    default_usage_location = org.get("defaultUsageLocation") if isinstance(org, dict) else None
    verified, federated = domains if isinstance(domains, tuple) else (None, ())
    return (
        findings,
        TenantFacts.of(verified, federated, default_usage_location),
        synced if isinstance(synced, tuple) else None,
    )


async def run(runtime: GraphRuntime, app_id: int) -> PreflightReport:
    snapshot = await asyncio.to_thread(_snapshot, app_id)
    findings: list[Finding] = []
    tenant_facts = synced = None
    if snapshot.blocker is not None:
        findings.append(snapshot.blocker)
    else:
        async with activity.recorded(app_id, "preflight") as op:
            try:
                client = await runtime.client_for(app_id)
            except ProblemError as exc:
                findings.append(
                    Finding(severity="error", code=exc.slug, message=exc.detail or exc.title)
                )
            else:
                tenant_findings, tenant_facts, synced = await check_tenant(client, snapshot.domain)
                findings += tenant_findings
            # The tenant could not be asked (no client, no token, unreachable): the operation
            # failed. Findings about the tenant's answers are the report, not a failure.
            reached = tenant_facts is not None
            op.error = None if reached else "; ".join(f.message for f in findings) or None
    checked, user_findings = await asyncio.to_thread(check_users, snapshot, tenant_facts, synced)
    if checked == 0:
        findings.append(
            Finding(
                severity="info",
                code="no_users_in_scope",
                message="No active user holds a role that grants this app.",
            )
        )
    findings += user_findings
    order = {"error": 0, "warning": 1, "info": 2}
    findings.sort(key=lambda f: order[f.severity])
    return PreflightReport(
        app_id=app_id,
        ok=not any(f.severity == "error" for f in findings),
        users_checked=checked,
        findings=findings,
        checked_at=utcnow(),
    )
