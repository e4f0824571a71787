"""HTTP routes for users, groups, roles and users' manual roles."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as SATimeoutError

from app.api.deps import Reader, SessionDep, SessionlessWriter, Writer
from app.api.ids import Id
from app.api.routing import ProblemRoute, problem
from app.api.timestamps import Timestamp
from app.audit import service as audit
from app.combine import Combiner, Unsplit
from app.db import lost_race, transaction
from app.directory import repository, service
from app.directory.schemas import (
    GroupCreate,
    GroupRead,
    GroupUpdate,
    RoleCreate,
    RoleIds,
    RoleRead,
    RoleUpdate,
    UserBulkCreate,
    UserBulkResult,
    UserCreate,
    UserRead,
    UserUpdate,
)
from app.errors import ProblemError, database_unavailable
from app.inputs import SearchText
from app.models import Group, Role, User, UserStatus
from app.observability.context import current_request_id
from app.pagination import Page, PageParams, paginate
from app.security import Scope, actor_of, recheck

router = APIRouter(route_class=ProblemRoute)


@router.get("/users", response_model=Page[UserRead], operation_id="users-list", tags=["users"])
def list_users(
    session: SessionDep,
    _: Reader,
    page: PageParams = Depends(),
    email: SearchText | None = Query(None, description="Exact email, case-insensitive"),
    username: SearchText | None = Query(None, description="Exact username, case-insensitive"),
    role_id: Id | None = Query(None, description="Holds this role (manually or by mapping)"),
    group_id: Id | None = Query(None, description="In this group (effective)"),
    status: UserStatus | None = None,
    updated_since: Timestamp | None = Query(None, description="Changed at or after this time"),
    q: SearchText | None = Query(None, max_length=200, description="Search names, username, email"),
) -> Page[UserRead]:
    stmt = repository.user_query(
        repository.UserFilter(email, username, role_id, group_id, status, updated_since, q)
    )
    rows, cursor, url = paginate(session, stmt, User.id, page)
    return Page(items=service.read_users(session, rows), next_cursor=cursor, next=url)


@router.post(
    "/users", status_code=201, response_model=UserRead, operation_id="users-create", tags=["users"]
)
async def create_user(data: UserCreate, principal: SessionlessWriter) -> UserRead:
    """Create a user. Requests that arrive while others are being written are written
    together, one transaction for the lot, each still answered (and refused) on its own."""
    # No worker thread of its own: the scope check ran on the event loop, no request session
    # is opened, and the request waits for its batch (which runs in one thread) on the loop.
    return await _creates.submit(actor_of(principal), (current_request_id(), data))


def _write_created(
    actor: audit.Actor, requests: Sequence[tuple[str | None, UserCreate]]
) -> list[UserRead | ProblemError]:
    """The edge of a combined batch of `POST /users`: its own transaction, under the
    requests' actor (a batch holds one actor's requests), answered once committed.

    The batch is written without a savepoint: should another request commit one of its
    usernames or emails between the check and the insert, the transaction rolls back and the
    batch runs again, its inserts guarded, so only the requests that now collide are refused.
    So does a batch the database chose to fail because its inserts and another's waited on
    each other's keys (a deadlock, `db.lost_race`): a 409 for those that collide, not a 503.

    Failures every request of the batch shares are raised `Unsplit`, so no request is run
    again alone: the token revoked or expired since the gate let the requests in (401 for
    each), the database unreachable or no connection free (503 for each, after one wait
    rather than one per request), and anything from the commit on (the users may be
    written; run again, each would be refused as its own "another user")."""
    try:
        return _write_batch(actor, requests, guarded=False)
    except (IntegrityError, _LostRace):
        return _write_batch(actor, requests, guarded=True)


class _LostRace(Exception):
    """The unguarded batch lost a race with another transaction before its commit."""


def _write_batch(
    actor: audit.Actor, requests: Sequence[tuple[str | None, UserCreate]], *, guarded: bool
) -> list[UserRead | ProblemError]:
    committing = False
    try:
        with transaction() as session:
            try:
                # The gate may have let these requests in on a token it saw moments ago
                # (`auth_gate.RECHECKED`): a token revoked or expired before this read, or
                # without the write scope now, refuses every request of the batch.
                recheck(session, actor.id, Scope.write)
            except ProblemError as exc:
                raise Unsplit(exc) from exc
            audit.act_as(session, actor)
            answers = service.create_requested_users(session, requests, guarded=guarded)
            committing = True
    except SATimeoutError as exc:
        raise Unsplit(exc) from exc
    except Exception as exc:
        if not (committing or guarded) and lost_race(exc):
            raise _LostRace from exc
        if committing or (isinstance(exc, DBAPIError) and database_unavailable(exc)):
            raise Unsplit(exc) from exc
        raise
    return answers


# At most as many requests as a batch may take.
_creates: Combiner[audit.Actor, tuple[str | None, UserCreate], UserRead] = Combiner(
    _write_created, max_batch=100
)


@router.post(
    "/users/bulk",
    response_model=UserBulkResult,
    operation_id="users-bulk-create",
    tags=["users"],
    responses={
        413: problem(413, "Request body too large (over the service's body limit)"),
        422: problem(
            422,
            "Malformed request, more than 1,000 users, or (all-or-nothing) refused items: "
            "`errors` names each as `users.<index>.<field>`; nothing was created",
        ),
    },
)
def bulk_create_users(data: UserBulkCreate, session: SessionDep, _: Writer) -> UserBulkResult:
    """Create up to 1,000 users in one request, under the rules of `POST /users` (validation,
    unique username and email, existing group and roles), evaluated in one pass.

    `per_item` answers 200 with each item's own status (201 with its id, or 409 / 422 with a
    problem); `all_or_nothing` answers 200 with every item created, or 422 and creates none.
    """
    return service.bulk_create(session, data)


@router.get(
    "/users/{user_id:int}", response_model=UserRead, operation_id="users-get", tags=["users"]
)
def get_user(user_id: Id, session: SessionDep, _: Reader) -> UserRead:
    return service.read_users(session, [service.get_user(session, user_id)])[0]


@router.patch(
    "/users/{user_id:int}", response_model=UserRead, operation_id="users-update", tags=["users"]
)
def update_user(user_id: Id, data: UserUpdate, session: SessionDep, _: Writer) -> UserRead:
    user = service.update_user(session, user_id, data)
    return service.read_users(session, [user])[0]


@router.delete("/users/{user_id:int}", status_code=204, operation_id="users-delete", tags=["users"])
def delete_user(user_id: Id, session: SessionDep, _: Writer) -> Response:
    service.delete_user(session, user_id)
    return Response(status_code=204)


@router.put(
    "/users/{user_id:int}/roles",
    response_model=UserRead,
    operation_id="users-roles-set",
    tags=["users"],
)
def set_user_roles(user_id: Id, data: RoleIds, session: SessionDep, _: Writer) -> UserRead:
    """Replace the roles the user holds by hand (mapping-granted roles are not touched)."""
    service.set_manual_roles(session, user_id, data.role_ids, replace=True)
    return service.read_users(session, [service.get_user(session, user_id)])[0]


@router.post(
    "/users/{user_id:int}/roles",
    response_model=UserRead,
    operation_id="users-roles-add",
    tags=["users"],
)
def add_user_roles(user_id: Id, data: RoleIds, session: SessionDep, _: Writer) -> UserRead:
    service.set_manual_roles(session, user_id, data.role_ids, replace=False)
    return service.read_users(session, [service.get_user(session, user_id)])[0]


@router.delete(
    "/users/{user_id:int}/roles/{role_id:int}",
    status_code=204,
    operation_id="users-roles-remove",
    tags=["users"],
)
def remove_user_role(user_id: Id, role_id: Id, session: SessionDep, _: Writer) -> Response:
    service.remove_manual_role(session, user_id, role_id)
    return Response(status_code=204)


# --- groups ---------------------------------------------------------------------------------


def _group_read(group: Group) -> GroupRead:
    return GroupRead.model_validate(group, from_attributes=True)


@router.get("/groups", response_model=Page[GroupRead], operation_id="groups-list", tags=["groups"])
def list_groups(
    session: SessionDep,
    _: Reader,
    page: PageParams = Depends(),
    q: SearchText | None = Query(None, max_length=200, description="Search the name"),
) -> Page[GroupRead]:
    rows, cursor, url = paginate(session, repository.group_query(q), Group.id, page)
    return Page(items=[_group_read(g) for g in rows], next_cursor=cursor, next=url)


@router.post(
    "/groups",
    status_code=201,
    response_model=GroupRead,
    operation_id="groups-create",
    tags=["groups"],
)
def create_group(data: GroupCreate, session: SessionDep, _: Writer) -> GroupRead:
    return _group_read(service.create_group(session, data))


@router.get(
    "/groups/{group_id:int}", response_model=GroupRead, operation_id="groups-get", tags=["groups"]
)
def get_group(group_id: Id, session: SessionDep, _: Reader) -> GroupRead:
    return _group_read(service.get_group(session, group_id))


@router.patch(
    "/groups/{group_id:int}",
    response_model=GroupRead,
    operation_id="groups-update",
    tags=["groups"],
)
def update_group(group_id: Id, data: GroupUpdate, session: SessionDep, _: Writer) -> GroupRead:
    return _group_read(service.update_group(session, group_id, data))


@router.delete(
    "/groups/{group_id:int}", status_code=204, operation_id="groups-delete", tags=["groups"]
)
def delete_group(group_id: Id, session: SessionDep, _: Writer) -> Response:
    service.delete_group(session, group_id)
    return Response(status_code=204)


# --- roles ----------------------------------------------------------------------------------


@router.get("/roles", response_model=Page[RoleRead], operation_id="roles-list", tags=["roles"])
def list_roles(
    session: SessionDep,
    _: Reader,
    page: PageParams = Depends(),
    q: SearchText | None = Query(None, max_length=200, description="Search the name"),
) -> Page[RoleRead]:
    rows, cursor, url = paginate(session, repository.role_query(q), Role.id, page)
    return Page(items=service.role_reads(session, rows), next_cursor=cursor, next=url)


@router.post(
    "/roles", status_code=201, response_model=RoleRead, operation_id="roles-create", tags=["roles"]
)
def create_role(data: RoleCreate, session: SessionDep, _: Writer) -> RoleRead:
    return service.role_reads(session, [service.create_role(session, data)])[0]


@router.get(
    "/roles/{role_id:int}", response_model=RoleRead, operation_id="roles-get", tags=["roles"]
)
def get_role(role_id: Id, session: SessionDep, _: Reader) -> RoleRead:
    return service.role_reads(session, [service.get_role(session, role_id)])[0]


@router.patch(
    "/roles/{role_id:int}", response_model=RoleRead, operation_id="roles-update", tags=["roles"]
)
def update_role(role_id: Id, data: RoleUpdate, session: SessionDep, _: Writer) -> RoleRead:
    return service.role_reads(session, [service.update_role(session, role_id, data)])[0]


@router.delete("/roles/{role_id:int}", status_code=204, operation_id="roles-delete", tags=["roles"])
def delete_role(role_id: Id, session: SessionDep, _: Writer) -> Response:
    service.delete_role(session, role_id)
    return Response(status_code=204)
