"""Background work of mappings: "Reapply provisioning mappings" over the whole directory."""

from __future__ import annotations

import asyncio
from typing import Any

from app.db import transaction
from app.jobs.service import JobContext
from app.mappings.service import reapply_all


async def reapply(ctx: JobContext) -> dict[str, Any]:
    return await asyncio.to_thread(reapply_all, transaction, ctx.progress)
