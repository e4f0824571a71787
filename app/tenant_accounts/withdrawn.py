"""A deprovision of a tenant account that will never run (denied or cancelled) gives the
account back its disposition from before the deprovision was planned; one that ended without
success runs again only on the account as it was planned for (`check_retry`).

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
from app.errors import Conflict
from app.models import Task, TaskStatus, utcnow
from app.tenant_accounts import repository as repo
from app.tenant_accounts.repository import DEPROVISIONING

WITHDRAWN = (TaskStatus.denied, TaskStatus.cancelled)


def restore_dispositions(session: Session, tasks: Iterable[Task]) -> None:
    """For each denied or cancelled task that deprovisions a tenant account: the account's
    disposition as it was before (none for an account that was simply unmatched)."""
    for task in tasks:
        account_id = task.deprovisioned_account_id
        if account_id is None or task.status not in WITHDRAWN:
            continue
        account = repo.get(session, task.app_id, account_id, lock=True)
        if account is None or account.disposition != DEPROVISIONING:
            continue
        previous = task.plan.get("disposition_before")
        before = audit.snapshot(account)
        account.disposition = None if previous == DEPROVISIONING else previous
        account.changed_at = utcnow()
        session.add(account)
        audit.record(session, "tenant_account.deprovision_withdrawn", account, before)


def check_retry(session: Session, task: Task) -> None:
    """A failed or blocked deprovision of a tenant account runs again only on the account it
    was planned for as it was then: still belonging to nobody, still marked for it, and with
    no other deprovision of it open. Since the task ended, the account may have been linked to
    a directory user or imported (link and import only wait for *open* deprovisions): sending
    the old plan then would disable or delete a person's account that nobody asked to
    deprovision. Raises Conflict (409). Other tasks (of a directory user, even one deleted
    since, whose task lost its assignment) are not this function's business."""
    account_id = task.deprovisioned_account_id
    if account_id is None:
        return
    account = repo.get(session, task.app_id, account_id, lock=True)
    if account is None:
        raise Conflict(
            f"Task {task.id} deprovisions a tenant account that the snapshot no longer holds; "
            "it is not run again."
        )
    if account.user_id is not None or account.disposition != DEPROVISIONING:
        held = (
            f"is linked to directory user {account.user_id}"
            if account.user_id is not None
            else f"is now {account.disposition or 'unmatched'}"
        )
        raise Conflict(
            f"Tenant account {account.id} ({account.user_principal_name}) {held} since task "
            f"{task.id} ended; the old deprovision is not run again. Plan a new one if it is "
            "still wanted."
        )
    other = repo.open_deprovision(session, task.app_id, account.id)
    if other is not None and other.id != task.id:
        raise Conflict(
            f"Task {other.id} already deprovisions tenant account {account.id} "
            f"({other.status}); it supersedes task {task.id}."
        )
