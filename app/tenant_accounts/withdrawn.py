"""A deprovision of a tenant account that will never run (denied or cancelled) gives the
account back its disposition from before the deprovision was planned.

`service.deprovision` marks the account `deprovisioning` while its task is open; nothing else
takes that mark off but the task's success (`deprovisioned`, written by the runner). Left in
place after a denial it claimed a delete or suspend was coming, and hid the account from the
list of accounts that belong to nobody (`matched=false`) although it is exactly that again.

Its own module because `app.provisioning.service` (deny, cancel) calls it, and
`tenant_accounts.service` depends on provisioning: this depends on nothing above the models
and the audit trail.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session

from app.audit import service as audit
from app.models import Task, TaskStatus, utcnow
from app.tenant_accounts import repository as repo
from app.tenant_accounts.repository import DEPROVISIONING

WITHDRAWN = (TaskStatus.denied, TaskStatus.cancelled)


def restore_dispositions(session: Session, tasks: Iterable[Task]) -> None:
    """For each denied or cancelled task that deprovisions a tenant account: the account's
    disposition as it was before (none for an account that was simply unmatched)."""
    for task in tasks:
        plan = task.plan or {}
        if task.assignment_id is not None or task.status not in WITHDRAWN:
            continue
        account = repo.get(session, task.app_id, plan.get("tenant_account_id"), lock=True)
        if account is None or account.disposition != DEPROVISIONING:
            continue
        previous = plan.get("disposition_before")
        before = audit.snapshot(account)
        account.disposition = None if previous == DEPROVISIONING else previous
        account.changed_at = utcnow()
        session.add(account)
        audit.record(session, "tenant_account.deprovision_withdrawn", account, before)
