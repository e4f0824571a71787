"""Carries out a batch of claimed tasks of one app against Microsoft Graph.

Every step is idempotent (design invariant 3): before creating, look the person up by
ImmutableID, then by userPrincipalName, and link to what is there; a user deleted within 30
days is restored rather than duplicated; "already a member" and "already deleted" are
success; licenses and groups are applied as the difference to what the tenant reports.

Round trips and writes are spent sparingly across the whole batch: look-ups use `in (...)`
filters inside one `$batch`, creates / PATCHes / assignLicense go 20 to a `$batch`, and group
additions use `members@odata.bind` with 20 members per request.

The executor holds no database session: it takes plain `Work` items and returns plain
`Outcome`s that the runner writes back in one transaction.

One module per Graph concern: `lookup` (find and link), `restore` (deleted items), `users`
(create, PATCH, delete), `licenses` (assignLicense), `groups` (membership); `executor` holds
the phase order; every request comes from `app.graph.requests`, and what a failure means
comes from `app.provisioning.outcome`.
"""

from app.provisioning.executor.executor import Executor
from app.provisioning.executor.types import AppInfo, Outcome, Work

__all__ = ["AppInfo", "Executor", "Outcome", "Work"]
