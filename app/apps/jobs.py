"""Background jobs for apps: refreshing entitlements (licenses and Microsoft 365 groups, and
the tenant's defaultUsageLocation).

The handler takes an app id, talks to Graph through the process's `GraphRuntime` (put into the
worker context at start-up) and writes the result in one short transaction of its own.
"""

from __future__ import annotations

import asyncio
from typing import Any

from app.apps import service, tenant
from app.apps.runtime import GraphRuntime
from app.audit import activity
from app.db import transaction
from app.errors import ProblemError
from app.graph import GraphAuthError, GraphClient, GraphError
from app.jobs.service import JobContext
from app.settings import get_settings


class RefreshFailed(RuntimeError):
    """Carries a readable reason into the job's `error` (never a secret)."""


async def _runtime(ctx: JobContext) -> tuple[GraphRuntime, bool]:
    runtime = ctx.runtime.get("graph")
    if isinstance(runtime, GraphRuntime):
        return runtime, False
    # A runner started without one (an old worker build): make a short-lived runtime.
    return GraphRuntime(ctx.runtime.get("settings") or get_settings()), True


async def refresh_entitlements(ctx: JobContext) -> dict[str, Any]:
    app_id = int(ctx.params["app_id"])
    runtime, owned = await _runtime(ctx)
    try:
        async with activity.recorded(app_id, "refresh_entitlements"):
            client = await runtime.client_for(app_id)
            await asyncio.to_thread(ctx.progress, 0, 2)
            licenses = await tenant.licenses(client)
            await asyncio.to_thread(ctx.progress, 1, 2)
            groups = await tenant.unified_groups(client)
            usage_location = await tenant.default_usage_location(client)
            federated = await _federated_domains(client)
    except ProblemError as exc:
        raise RefreshFailed(exc.detail or exc.title) from None
    except GraphError as exc:
        raise RefreshFailed(str(exc)) from None
    finally:
        if owned:
            await runtime.aclose()

    def store() -> None:
        with transaction() as session:
            service.store_entitlements(session, app_id, licenses, groups, usage_location, federated)

    await asyncio.to_thread(store)
    await asyncio.to_thread(ctx.progress, 2, 2)
    return {"app_id": app_id, "licenses": len(licenses), "groups": len(groups)}


async def _federated_domains(client: GraphClient) -> set[str] | None:
    """The tenant's verified federated domains; None (keep what is stored) when the app may
    not read domains (Domain.Read.All missing: preflight reports that)."""
    try:
        _, federated = await tenant.verified_domains(client)
    except GraphAuthError:
        return None
    return federated
