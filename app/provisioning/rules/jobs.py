"""The "Reapply provisioning mappings" job: recompute every assignment of one app."""

from __future__ import annotations

import asyncio
from typing import Any

from app.jobs.service import JobContext, handler
from app.provisioning.rules.service import REAPPLY_JOB


@handler(REAPPLY_JOB)
async def reapply_job(ctx: JobContext) -> dict[str, Any]:
    # Imported here: the assignments engine imports this package (compiled_rules), and the
    # handler registry must load without pulling the whole engine in.
    from app.db import transaction
    from app.provisioning.assignments import recompute_app

    app_id = int(ctx.params["app_id"])
    return await asyncio.to_thread(recompute_app, transaction, app_id, ctx.progress)
