"""Drift detection, as the sync cycle calls it.

Placeholder in the sync branch: helper C's version of this module replaces it at merge (the
lead takes C's file). It keeps exactly the agreed API so the cycle can call it now.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from sqlmodel import Session

from app.models import App


@dataclass
class DriftSummary:
    found: dict[str, int] = field(default_factory=dict)  # kind -> open drift items after this cycle
    new: int = 0
    fixed: int = 0
    tasks_planned: int = 0


def detect_drift(session: Session, app: App, object_ids: Collection[str] | None) -> DriftSummary:
    """Compare the snapshot with the assignments of `app` (only `object_ids`, or all when
    None) and act by the app's drift policy.

    This branch's stand-in finds nothing; helper C's version replaces it at merge."""
    return DriftSummary()
