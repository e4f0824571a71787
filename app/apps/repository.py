"""Every query of the apps domain: apps, their consent states, the roles that grant them, the
token cache and the users a preflight checks. Functions take the caller's session and never
commit (the edge owns the transaction).

`get` is the one way to load an app; `app.apps.service.get_app` wraps it with the 404.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Row, Select, func, or_, select, update
from sqlmodel import Session, col

from app.directory.repository import has_mapped_role
from app.evaluation.facts import USER_FIELDS
from app.models import App, Event, OAuthState, RoleApp, User, UserRole, UserStatus, utcnow

# --- apps -----------------------------------------------------------------------------------


def get(session: Session, app_id: int) -> App | None:
    return session.get(App, app_id)


def get_for_update(session: Session, app_id: int) -> App | None:
    """The app, its row locked until the transaction ends (`SELECT ... FOR UPDATE`), so
    concurrent partial updates apply one after the other to the latest row."""
    stmt = select(App).where(col(App.id) == app_id).with_for_update()
    return session.execute(stmt.execution_options(populate_existing=True)).scalars().first()


def many(session: Session, app_ids: Iterable[int] | None = None) -> list[App]:
    """These apps (every app without ids), in no particular order."""
    stmt = select(App)
    if app_ids is not None:
        stmt = stmt.where(col(App.id).in_(list(app_ids)))
    return list(session.execute(stmt).scalars())


def exists(session: Session, app_id: int) -> bool:
    """Whether the app exists, without loading its (possibly large) JSON columns."""
    return session.execute(select(col(App.id)).where(col(App.id) == app_id)).first() is not None


def existing_ids(session: Session, app_ids: Iterable[int]) -> set[int]:
    """Those of these app ids that exist."""
    stmt = select(col(App.id)).where(col(App.id).in_(list(app_ids)))
    return set(session.execute(stmt).scalars())


def query() -> Select[App]:
    """Every app, for the paginated list."""
    return select(App)


def name_taken(session: Session, name: str, exclude: int | None) -> bool:
    """Whether an app other than `exclude` has this name (case-insensitive)."""
    stmt = select(col(App.id)).where(func.lower(App.name) == name.lower())
    if exclude is not None:
        stmt = stmt.where(col(App.id) != exclude)
    return session.execute(stmt).first() is not None


def roles_granting(session: Session, app_id: int) -> list[int]:
    """Ids of the roles that grant this app."""
    stmt = select(col(RoleApp.role_id)).where(col(RoleApp.app_id) == app_id)
    return [int(r) for r in session.execute(stmt).scalars()]


# --- consent states and the token cache -----------------------------------------------------


def state_by_hash(session: Session, state_hash: str) -> OAuthState | None:
    stmt = select(OAuthState).where(col(OAuthState.state_hash) == state_hash)
    return session.execute(stmt).scalars().first()


def use_state(session: Session, state_id: int | None) -> bool:
    """Mark the state used; False when it already was. One atomic UPDATE makes a state
    single-use even if the browser retries concurrently."""
    result = session.execute(
        update(OAuthState)
        .where(col(OAuthState.id) == state_id, col(OAuthState.used_at).is_(None))
        .values(used_at=utcnow())
    )
    return int(result.rowcount) == 1  # type: ignore[attr-defined]


def token_cache(session: Session, app_id: int) -> str | None:
    """The app's encrypted token cache (None for an unknown app or an empty cache)."""
    app = get(session, app_id)
    return app.token_cache_enc if app is not None else None


def save_token_cache(session: Session, app_id: int, token_cache_enc: str) -> None:
    """Store the encrypted token cache, touching that column only (not `updated_at`). An app
    whose consent was cleared meanwhile keeps no cache: "clear token" must win."""
    session.execute(
        update(App)
        .where(col(App.id) == app_id, col(App.consented_tenant_id).is_not(None))
        .values(token_cache_enc=token_cache_enc)
    )


# --- events ---------------------------------------------------------------------------------


def add_event(session: Session, kind: str, app_id: int | None, data: dict[str, Any]) -> None:
    session.add(Event(kind=kind, app_id=app_id, data=data))


# --- users a preflight checks ---------------------------------------------------------------


def users_in_scope(
    session: Session, role_ids: Sequence[int], after: int, limit: int
) -> Sequence[Row[Any]]:
    """A page (ids above `after`) of active, live users holding any of these roles by hand or
    through a mapping: id, every `USER_FIELDS` column, own and mapped custom attributes."""
    holders = or_(
        col(User.id).in_(
            select(col(UserRole.user_id)).where(col(UserRole.role_id).in_(list(role_ids)))
        ),
        *(has_mapped_role(r) for r in role_ids),
    )
    columns = [User.id, *(getattr(User, f) for f in USER_FIELDS)]
    columns += [User.custom_attributes, User.mapped_attributes]
    stmt = (
        select(*columns)
        .where(
            holders,
            col(User.status) == UserStatus.active,
            col(User.deleted_at).is_(None),
            col(User.id) > after,
        )
        .order_by(col(User.id))
        .limit(limit)
    )
    return session.execute(stmt).all()


def list_all(session: Session) -> list[App]:
    """Every app, oldest first."""
    return list(session.execute(query().order_by(col(App.id))).scalars())
