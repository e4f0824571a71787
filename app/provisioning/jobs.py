"""Background jobs of the engine: recompute one app's assignments (after its rules,
parameters or policy changed)."""

from __future__ import annotations

import asyncio
from typing import Any

from app.jobs.service import JobContext, handler

RECOMPUTE_JOB = "assignments.recompute"


@handler(RECOMPUTE_JOB)
async def recompute_app_job(ctx: JobContext) -> dict[str, Any]:
    from app.db import transaction
    from app.provisioning.assignments import recompute_app

    return await asyncio.to_thread(
        recompute_app, transaction, int(ctx.params["app_id"]), ctx.progress
    )
