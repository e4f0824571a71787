"""Background work of the directory."""

from __future__ import annotations

from typing import Any

from app.jobs.service import JobContext


async def orphaned_import(_ctx: JobContext) -> dict[str, Any]:
    """An import runs inside the CLI process that created its job row, under a lease. A runner
    only ever gets one whose process died (the lease ran out), and by then its transaction has
    rolled back: say so instead of leaving the row running."""
    raise RuntimeError(
        "The importing process stopped before it finished; nothing was imported. "
        "Run the import again."
    )
