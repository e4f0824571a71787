"""Every kind of job, by name. The handlers are listed in `app.background.catalogue`; services
start jobs by kind, so they never import the code that runs them."""

from __future__ import annotations

from enum import StrEnum


class JobKind(StrEnum):
    mappings_reapply = "mappings.reapply"
    """Re-run every mapping for every user ("Reapply provisioning mappings")."""
    assignments_recompute = "assignments.recompute"
    """Recompute one app's assignments: after its rules, parameters or policy changed, or on
    an admin's "reapply" of its rules."""
    refresh_entitlements = "apps.refresh_entitlements"
    """Pull an app's licenses and Microsoft 365 groups from its tenant."""
    users_import = "users.import"
    """A CSV/JSON import; it runs in the CLI that started it, under the job's lease."""
    sync_run = "apps.sync"
    """One delta cycle of an app now (`POST /apps/{id}/sync`)."""
    sync_import = "apps.import"
    """Read every tenant user of an app and match each to a directory user."""
    source_sync = "sources.sync"
    """One sync of a directory source now (`POST /sources/{id}/sync`, its release, the CLI)."""
