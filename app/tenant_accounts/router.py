"""HTTP routes for an app's tenant accounts: the tenant snapshot's users, whether they belong
to a directory user, and what an admin does with those that do not (link, import, ignore,
deprovision)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Depends, Query

from app.api.deps import Reader, SessionDep, Writer
from app.api.ids import Id
from app.api.routing import ProblemRoute, problem
from app.apps.service import get_app, require_app
from app.errors import Forbidden
from app.inputs import SearchText
from app.models import Scope, TenantAccount
from app.pagination import Page, PageParams, paginate
from app.security import Principal
from app.tenant_accounts import repository, service
from app.tenant_accounts.schemas import (
    AccountAction,
    AccountActionIn,
    AccountActionResult,
    AccountActionsIn,
    AccountActionsResult,
    Disposition,
    TenantAccountRead,
)

router = APIRouter(route_class=ProblemRoute, tags=["tenant-accounts"])


def _reads(session: SessionDep, rows: Sequence[TenantAccount]) -> list[TenantAccountRead]:
    names = repository.usernames(session, {r.user_id for r in rows if r.user_id is not None})
    out = []
    for r in rows:
        assert r.id is not None
        out.append(
            TenantAccountRead(
                id=r.id,
                app_id=r.app_id,
                object_id=r.object_id,
                user_principal_name=r.user_principal_name,
                mail=(r.attributes or {}).get("mail") or r.mail_lower,
                on_premises_immutable_id=r.on_premises_immutable_id,
                account_enabled=r.account_enabled,
                on_premises_sync_enabled=r.on_premises_sync_enabled,
                assigned_licenses=list(r.assigned_licenses or []),
                attributes=dict(r.attributes or {}),
                deleted=r.deleted,
                user_id=r.user_id,
                username=names.get(r.user_id) if r.user_id is not None else None,
                match_method=r.match_method,
                disposition=Disposition(r.disposition) if r.disposition else None,
                first_seen_at=r.first_seen_at,
                changed_at=r.changed_at,
            )
        )
    return out


@router.get(
    "/apps/{app_id:int}/tenant-accounts",
    response_model=Page[TenantAccountRead],
    operation_id="tenant-accounts-list",
)
def list_accounts(
    app_id: Id,
    session: SessionDep,
    _: Reader,
    page: PageParams = Depends(),
    matched: bool | None = Query(
        None,
        description="true: linked to a directory user; false: belonging to nobody here "
        "(ignored ones only with `disposition=ignored`)",
    ),
    disposition: Disposition | None = Query(None),
    q: SearchText | None = Query(
        None, max_length=200, description="Part of the userPrincipalName or mail"
    ),
) -> Page[TenantAccountRead]:
    """The app's tenant users as the snapshot holds them."""
    require_app(session, app_id)
    stmt = repository.account_query(
        app_id,
        repository.AccountFilter(matched, disposition.value if disposition else None, q),
    )
    rows, cursor, url = paginate(session, stmt, TenantAccount.id, page)
    return Page(items=_reads(session, rows), next_cursor=cursor, next=url)


@router.get(
    "/apps/{app_id:int}/tenant-accounts/{account_id:int}",
    response_model=TenantAccountRead,
    operation_id="tenant-accounts-get",
)
def get_account(app_id: Id, account_id: Id, session: SessionDep, _: Reader) -> TenantAccountRead:
    require_app(session, app_id)
    return _reads(session, [service.get_account(session, app_id, account_id)])[0]


# Taking over an account that belongs to nobody here is as strong as deprovisioning it: once
# linked (or imported) it is a directory user's, and a `write` token may suspend or delete
# that user's account (PATCH the user, DELETE /users/{id}). So link and import need `admin`
# like deprovision; ignore only hides the account from the list and stays `write`.
ADMIN_ACTIONS = frozenset({AccountAction.link, AccountAction.import_, AccountAction.deprovision})

_FORBIDDEN = problem(
    403,
    "Token lacks the required scope: `link`, `import` and `deprovision` need `admin` (they "
    "take over, delete or suspend an account that belongs to no directory user); `ignore` "
    "needs `write`",
)


def _may(principal: Principal, action: AccountAction) -> None:
    if action in ADMIN_ACTIONS and not principal.has(Scope.admin):
        raise Forbidden(
            f"`{action.value}` on a tenant account that belongs to no directory user needs the "
            "`admin` scope (linking or importing hands the account to a directory user, whom "
            "`write` may then suspend or delete); `write` may only ignore it."
        )


@router.post(
    "/apps/{app_id:int}/tenant-accounts/{account_id:int}/actions",
    response_model=AccountActionResult,
    operation_id="tenant-accounts-act",
    responses={403: _FORBIDDEN},
)
def act(
    app_id: Id, account_id: Id, data: AccountActionIn, session: SessionDep, principal: Writer
) -> AccountActionResult:
    """One action on one account: `link` (to `user_id`), `import` (a new directory user from
    the account's attributes, then link), `ignore`, or `deprovision` (delete or suspend it
    under the app's on_user_deleted, as a task that waits for approval under the app's
    policy). `link`, `import` and `deprovision` need `admin`, `ignore` needs `write`. A
    refusal is the problem it met (403, 404, 409, 422)."""
    _may(principal, data.action)
    app = get_app(session, app_id)
    done = service.act(session, app, data.action, account_id, data.user_id)
    return AccountActionResult(
        account_id=account_id,
        ok=True,
        status=200,
        account=_reads(session, [done.account])[0],
        user_id=done.user_id,
        task_id=done.task.id if done.task else None,
        task_status=done.task.status if done.task else None,
    )


@router.post(
    "/apps/{app_id:int}/tenant-accounts/actions",
    response_model=AccountActionsResult,
    operation_id="tenant-accounts-act-bulk",
    responses={403: _FORBIDDEN},
)
def act_bulk(
    app_id: Id, data: AccountActionsIn, session: SessionDep, principal: Writer
) -> AccountActionsResult:
    """One action on many accounts, each on its own: the answer has every item's result
    (a refused item is undone alone and carries its status and reason). Deprovisioning more
    accounts than the app's deletion threshold holds them all for approval. The scopes are
    those of the single action (`link`, `import`, `deprovision`: `admin`; `ignore`: `write`)."""
    _may(principal, data.action)
    app = get_app(session, app_id)
    results = service.act_on_many(
        session,
        app,
        data.action,
        data.account_ids,
        data.user_id,
        lambda account: _reads(session, [account])[0],
    )
    ok = sum(1 for r in results if r.ok)
    return AccountActionsResult(
        action=data.action, succeeded=ok, failed=len(results) - ok, results=results
    )
