"""`provisioner apps list|show`: the connected Microsoft 365 tenants, read only.

Apps are read through `AppRead`, which by construction carries no secret: only whether a
client secret is set and which certificate (thumbprint, expiry) is used.

Exit codes: 0 shown; 1 the app does not exist; 2 the schema is not migrated.
"""

from __future__ import annotations

from typing import Annotated

import typer

from app.api.ids import MAX_ID
from app.apps import service
from app.apps.schemas import AppRead
from app.cli.common import fail, require_schema, stdout, table, when, yes
from app.db import transaction
from app.errors import NotFound
from app.models import TaskStatus
from app.provisioning import repository as provisioning

apps_app = typer.Typer(help="Connected Microsoft 365 tenants (read only)", no_args_is_help=True)


@apps_app.command("list")
def apps_list() -> None:
    """Every app: tenant, consent, domain, provisioning and what waits for approval."""
    require_schema()
    with transaction() as session:
        apps = [service.to_read(a) for a in service.list_apps(session)]
        assigned = provisioning.active_assignments_per_app(session)
        pending = provisioning.tasks_per_app(session, TaskStatus.pending_approval)
    out = table(
        f"{len(apps)} apps",
        "id",
        "name",
        "tenant",
        "domain",
        "cloud",
        "authenticated",
        "domain verified",
        "provisioning",
        "approval for",
        "users",
        "pending approval",
    )
    for a in apps:
        out.add_row(
            str(a.id),
            a.name,
            a.tenant,
            a.domain,
            a.cloud,
            yes(a.consent.authenticated),
            yes(a.domain_check.verified),
            "on" if a.provisioning_enabled else "off",
            _approval(a),
            str(assigned.get(a.id, 0)),
            str(pending.get(a.id, 0)),
        )
    stdout().print(out)


@apps_app.command("show")
def apps_show(
    app_id: Annotated[int, typer.Argument(help="The app's id", min=1, max=MAX_ID)],
) -> None:
    """One app: configuration, policy, consent and domain status, entitlements. Never secrets:
    only whether a client secret is set and which certificate (thumbprint, expiry) is used."""
    require_schema()
    try:
        with transaction() as session:
            app = service.to_read(service.get_app(session, app_id))
            tasks = provisioning.tasks_per_status(session, app_id)
    except NotFound as exc:
        raise fail(str(exc)) from None

    out = stdout()
    if app.certificate is not None:
        credential = (
            f"certificate {app.certificate.thumbprint} (expires {when(app.certificate.expires_at)})"
        )
    else:
        credential = "client secret (set)" if app.has_client_secret else "none"
    details = table(f"App {app.id}: {app.name}", "setting", "value")
    for key, value in (
        ("tenant", app.tenant),
        ("domain", app.domain),
        ("cloud", app.cloud),
        ("client id", app.client_id),
        ("credential", credential),
        ("authenticated", yes(app.consent.authenticated)),
        ("consented tenant", app.consent.tenant_id or "-"),
        ("consented at", when(app.consent.consented_at)),
        ("domain verified", yes(app.domain_check.verified)),
        ("domain type", app.domain_check.type or "-"),
        ("domain checked at", when(app.domain_check.checked_at)),
        ("provisioning", "on" if app.provisioning_enabled else "off"),
        ("approval required for", _approval(app)),
        ("on user deleted", app.on_user_deleted),
        ("on user suspended", app.on_user_suspended),
        ("on app removed", app.on_app_removed),
        (
            "deletion threshold",
            "-" if app.deletion_threshold is None else str(app.deletion_threshold),
        ),
        ("ImmutableID attribute", app.immutable_id_attribute),
        ("parameters", ", ".join(p.name for p in app.parameters if p.include) or "-"),
        ("tasks", ", ".join(f"{n} {s}" for s, n in sorted(tasks.items())) or "none"),
    ):
        details.add_row(key, value)
    out.print(details)

    ent = app.entitlements
    licenses = table(
        f"{len(ent.licenses)} licenses (refreshed {when(ent.refreshed_at)})",
        "sku",
        "sku id",
        "enabled",
        "consumed",
        "available",
    )
    for lic in ent.licenses:
        licenses.add_row(
            lic.sku_part_number, lic.sku_id, str(lic.enabled), str(lic.consumed), str(lic.available)
        )
    out.print(licenses)
    groups = ", ".join(sorted(g.display_name or g.id for g in ent.groups))
    out.print(f"{len(ent.groups)} Microsoft 365 groups: {groups or '-'}")


def _approval(app: AppRead) -> str:
    actions = [k for k, v in app.approval_required.model_dump().items() if v]
    return ", ".join(actions) or "-"
