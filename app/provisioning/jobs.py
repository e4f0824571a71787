"""Background work of the engine: recompute one app's assignments (after its rules,
parameters or policy changed, or when an admin reapplies its rules)."""

from __future__ import annotations

import asyncio
from typing import Any

from app.db import transaction
from app.jobs.service import JobContext
from app.provisioning.assignments import recompute_app


async def recompute_app_job(ctx: JobContext) -> dict[str, Any]:
    return await asyncio.to_thread(
        recompute_app, transaction, int(ctx.params["app_id"]), ctx.progress
    )
