"""What an admin does with the tenant accounts of an app: link one to a directory user,
import one into the directory, ignore one, or deprovision one that belongs to nobody here.

Rules only: queries are in `repository`; the caller owns the transaction. Every action is
recorded in the audit trail under the session's actor.

Deprovisioning an account that belongs to no directory user is a task like any other, so it
waits for approval under the app's policy, is held by the deletion threshold, retries, and is
logged with Graph's answers. Tasks are made for assignments, and such an account has none
(nobody here to assign), so its task is the smallest honest variant: no assignment, no
directory user (`task.user_id` null), and a plan naming the tenant account and its object id.
The worker carries it out as the delete or suspend of that object id (`runner._account_work`)
and writes the outcome to the account (`runner._record_account`). An account linked to a
directory user is never deprovisioned here: its user's assignment owns it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from app.audit import service as audit
from app.db import savepoint
from app.directory import service as directory
from app.directory.schemas import UserCreate
from app.errors import Conflict, FieldError, InvalidInput, NotFound, ProblemError, field_error
from app.evaluation.facts import custom_attribute_name
from app.models import (
    App,
    Assignment,
    AssignmentState,
    DeprovisionPolicy,
    Task,
    TaskAction,
    TaskStatus,
    TenantAccount,
    User,
    utcnow,
)
from app.observability.context import current_request_id
from app.provisioning import planning
from app.provisioning import repository as provisioning_repo
from app.tenant_accounts import linking
from app.tenant_accounts import repository as repo
from app.tenant_accounts.repository import DEPROVISIONING, IGNORED, IMPORTED
from app.tenant_accounts.schemas import AccountAction, AccountActionResult
from app.webhooks import service as webhooks

MANUAL = "manual"


def get_account(
    session: Session, app_id: int, account_id: int, *, lock: bool = False
) -> TenantAccount:
    account = repo.get(session, app_id, account_id, lock=lock)
    if account is None:
        raise NotFound(f"App {app_id} has no tenant account {account_id}.")
    return account


# --- link -----------------------------------------------------------------------------------


def link(session: Session, app: App, account_id: int, user_id: int | None) -> TenantAccount:
    """Link the account to a directory user by hand."""
    if user_id is None:
        raise field_error("user_id", "Linking needs the directory user's id.", "missing")
    account = get_account(session, _id(app), account_id, lock=True)
    user = directory.get_user(session, user_id)
    before = audit.snapshot(account)
    _link(session, app, account, user)
    audit.record(session, "tenant_account.linked", account, before)
    return account


def _id(app: App) -> int:
    assert app.id is not None
    return app.id


def _link(session: Session, app: App, account: TenantAccount, user: User) -> None:
    """Make `account` the tenant user of `user` for this app: the account names the user,
    and the user's assignment holds the account's object id with the tenant's state as the
    applied state, so the next run changes what differs instead of creating anyone."""
    assert user.id is not None and account.id is not None
    pending = repo.open_deprovision(session, _id(app), account.id)
    if pending is not None:
        # Linking would make a person of ours the target of a delete or suspend planned for
        # an account of nobody's (and perhaps approved later without a second look).
        raise Conflict(
            f"Task {pending.id} deprovisions tenant account {account.id} ({pending.status}); "
            "deny or cancel it before linking the account to a directory user."
        )
    if account.user_id is not None and account.user_id != user.id:
        raise Conflict(
            f"Tenant account {account.id} ({account.user_principal_name}) is already linked to "
            f"directory user {account.user_id}."
        )
    other = repo.linked_to_user(session, _id(app), user.id)
    if other is not None and other.id != account.id:
        raise Conflict(
            f"Directory user {user.id} ({user.username}) is already linked to tenant account "
            f"{other.id} ({other.user_principal_name})."
        )
    assignment = _assignment(session, _id(app), user.id)
    if (
        assignment is not None
        and assignment.tenant_object_id not in (None, account.object_id)
        and assignment.state != AssignmentState.deleted
    ):
        raise Conflict(
            f"Directory user {user.id} ({user.username}) is provisioned in this app as tenant "
            f"user {assignment.tenant_object_id}, not {account.object_id}."
        )
    account.user_id = user.id
    account.match_method = MANUAL
    if account.disposition != IMPORTED:
        account.disposition = None
    account.changed_at = utcnow()
    session.add(account)
    if assignment is not None:
        linking.adopt(session, assignment, account)
        if app.provisioning_enabled:
            planning.reconcile(session, app, assignment)


def _assignment(session: Session, app_id: int, user_id: int) -> Assignment | None:
    found = provisioning_repo.assignments_of_users(session, [user_id], app_id)
    return found[0] if found else None


# --- import ---------------------------------------------------------------------------------


def user_from_account(app: App, account: TenantAccount) -> UserCreate:
    """The directory user the tenant account describes (422 when its values do not make a
    valid user, e.g. no userPrincipalName)."""
    tenant = linking.tenant_view(account)
    upn = account.user_principal_name
    if not upn:
        raise InvalidInput(f"Tenant account {account.id} has no userPrincipalName to import.")
    custom: dict[str, str] = {}
    source = custom_attribute_name(app.immutable_id_attribute)
    if source and account.on_premises_immutable_id:
        custom[source] = account.on_premises_immutable_id
    values = {
        "username": upn,
        "email": tenant.get("mail") or upn,
        "firstname": tenant.get("givenName"),
        "lastname": tenant.get("surname"),
        "display_name": tenant.get("displayName"),
        "department": tenant.get("department"),
        "title": tenant.get("jobTitle"),
        "country": tenant.get("usageLocation"),
        "custom_attributes": custom,
    }
    try:
        return UserCreate.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        errors = [
            FieldError(field=".".join(str(p) for p in e["loc"]), message=e["msg"], code=e["type"])
            for e in exc.errors()
        ]
        raise InvalidInput(
            f"Tenant account {account.id} does not make a valid directory user.", errors=errors
        ) from exc


def import_account(session: Session, app: App, account_id: int) -> tuple[TenantAccount, User]:
    """Create a directory user from the account's attributes, then link the account to it."""
    account = get_account(session, _id(app), account_id, lock=True)
    if account.user_id is not None:
        raise Conflict(
            f"Tenant account {account.id} is already linked to directory user {account.user_id}."
        )
    before = audit.snapshot(account)
    user = directory.create_user(session, user_from_account(app, account))
    assert user.id is not None
    _link(session, app, account, user)
    account.disposition = IMPORTED
    session.add(account)
    audit.record(session, "tenant_account.imported", account, before)
    return account, user


# --- ignore ---------------------------------------------------------------------------------


def ignore(session: Session, app: App, account_id: int) -> TenantAccount:
    """Leave an account that belongs to nobody here out of the list of accounts to handle."""
    account = get_account(session, _id(app), account_id, lock=True)
    if account.user_id is not None:
        raise Conflict(
            f"Tenant account {account.id} is linked to directory user {account.user_id}; "
            "only accounts that belong to nobody here are ignored."
        )
    pending = repo.open_deprovision(session, _id(app), account.id)
    if pending is not None:
        # Refused rather than cancelling the task: the deprovision was an `admin`'s call (and
        # may be awaiting an approver), which an `ignore` with `write` must not undo in
        # passing; nor may the account look ignored while a task still deletes or suspends it.
        raise Conflict(
            f"Task {pending.id} deprovisions tenant account {account.id} ({pending.status}); "
            "deny or cancel it before ignoring the account."
        )
    before = audit.snapshot(account)
    account.disposition = IGNORED
    account.changed_at = utcnow()
    session.add(account)
    audit.record(session, "tenant_account.ignored", account, before)
    return account


# --- deprovision ----------------------------------------------------------------------------


def deprovision_action(app: App) -> TaskAction:
    """What deprovisioning does under the app's policy for deleted users."""
    policy = app.on_user_deleted
    if policy == DeprovisionPolicy.nothing:
        raise Conflict(
            "The app's policy for deleted users (on_user_deleted) is `nothing`: deprovisioning "
            "does not touch the tenant. Set it to delete or suspend first."
        )
    return TaskAction.delete if policy == DeprovisionPolicy.delete else TaskAction.suspend


def threshold_hold(session: Session, app: App, count: int) -> str | None:
    """Like a planning run: more deletes/suspends in one call than the app's threshold hold
    every one of them for approval (and tell the webhooks once)."""
    threshold = app.deletion_threshold
    if threshold is None or count <= threshold:
        return None
    webhooks.deletion_threshold_reached(session, app, count)
    return (
        f"deletion threshold: this request would delete or suspend {count} tenant accounts, "
        f"more than {threshold}"
    )


def deprovision(session: Session, app: App, account_id: int, hold: str | None) -> Task:
    """Plan the delete or suspend of an account that belongs to nobody here."""
    account = get_account(session, _id(app), account_id, lock=True)
    if account.user_id is not None:
        raise Conflict(
            f"Tenant account {account.id} is linked to directory user {account.user_id}: "
            "deprovision it through that user (remove the role granting the app, or delete "
            "the user)."
        )
    if account.deleted:
        raise Conflict(f"Tenant account {account.id} is already deleted in the tenant.")
    if not app.provisioning_enabled:
        raise Conflict(f"Provisioning is disabled for app {app.id}; enable it first.")
    action = deprovision_action(app)
    if action == TaskAction.suspend and account.account_enabled is False:
        raise Conflict(f"Tenant account {account.id} is already disabled in the tenant.")
    pending = repo.open_deprovision(session, _id(app), account.id)
    if pending is not None:
        raise Conflict(
            f"Task {pending.id} already deprovisions tenant account {account.id} "
            f"({pending.status})."
        )
    before = audit.snapshot(account)
    reason = planning.approval_reason(app, action) or hold
    task = Task(
        assignment_id=None,
        app_id=_id(app),
        user_id=None,
        action=action,
        plan={
            "action": str(action),
            "tenant_account_id": account.id,
            "tenant_object_id": account.object_id,
            "user_principal_name": account.user_principal_name,
            # What a denied or cancelled deprovision puts back (`withdrawn.restore_dispositions`).
            "disposition_before": account.disposition,
        },
        status=TaskStatus.queued if reason is None else TaskStatus.pending_approval,
        reason=reason,
        request_ids=[],
        correlation_id=current_request_id(),
    )
    session.add(task)
    session.flush()
    account.disposition = DEPROVISIONING
    account.changed_at = utcnow()
    session.add(account)
    audit.record(session, "tenant_account.deprovision_planned", account, before, extra={})
    audit.record_values(
        session,
        "task.planned",
        task,
        None,
        {"action": action, "status": task.status, "tenant_account_id": account.id},
    )
    if task.status == TaskStatus.queued:
        planning.wake(session, task)
    else:
        webhooks.approval_waiting(session, app, task)
    return task


# --- one action, many accounts --------------------------------------------------------------


@dataclass
class Done:
    account: TenantAccount
    user_id: int | None = None
    task: Task | None = None


def act(
    session: Session,
    app: App,
    action: AccountAction,
    account_id: int,
    user_id: int | None,
    hold: str | None = None,
) -> Done:
    """One action on one account."""
    match action:
        case AccountAction.link:
            return Done(link(session, app, account_id, user_id))
        case AccountAction.import_:
            account, user = import_account(session, app, account_id)
            return Done(account, user_id=user.id)
        case AccountAction.ignore:
            return Done(ignore(session, app, account_id))
        case AccountAction.deprovision:
            # One account at a time is still a run of deletes: the threshold applies to it too.
            hold = hold if hold is not None else threshold_hold(session, app, 1)
            task = deprovision(session, app, account_id, hold)
            return Done(get_account(session, _id(app), account_id), task=task)
    raise AssertionError(action)


def act_on_many(
    session: Session,
    app: App,
    action: AccountAction,
    account_ids: Sequence[int],
    user_id: int | None,
    read: Any,
) -> list[AccountActionResult]:
    """The action on each account, each in a savepoint of its own: an item refused (a
    duplicate username, an account linked already) leaves nothing behind and keeps no other
    item from being done. `read` turns an account into its API shape."""
    ids = list(dict.fromkeys(account_ids))
    # Lock the accounts before the first savepoint: on Postgres it orders writers (a sync
    # cycle); on SQLite it takes the write lock (BEGIN IMMEDIATE), as a savepoint would.
    repo.lock_accounts(session, _id(app), ids)
    hold = threshold_hold(session, app, len(ids)) if action == AccountAction.deprovision else None
    results: list[AccountActionResult] = []
    for account_id in ids:
        try:
            # `db.savepoint`, not a bare nested transaction: an item rolled back takes its
            # wake-ups and after-commit callbacks (webhooks, log lines) with it, so nothing is
            # announced for a task or a change that was never written.
            with savepoint(session):
                done = act(session, app, action, account_id, user_id, hold)
        except ProblemError as exc:
            results.append(
                AccountActionResult(
                    account_id=account_id,
                    ok=False,
                    status=exc.status,
                    detail=exc.detail or str(exc),
                )
            )
            continue
        results.append(
            AccountActionResult(
                account_id=account_id,
                ok=True,
                status=200,
                account=read(done.account),
                user_id=done.user_id,
                task_id=done.task.id if done.task else None,
                task_status=done.task.status if done.task else None,
            )
        )
    return results
