"""Who already exists in the tenant: the snapshot's account a directory user would be linked
to rather than created, by the account already matched to them, else by the app's match order
(ImmutableID, userPrincipalName, mail by default; `App.match_order`).

Read by the plan (`GET /apps/{id}/plan`), which counts such people as "link", not "create".
An account matched or linked to someone else is never theirs: that is a conflict for an
admin, not a link.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.apps.schemas import DEFAULT_MATCH_ORDER
from app.models import App, MatchKey, TenantAccount
from app.tenant_accounts import repository as repo


@dataclass(frozen=True)
class Person:
    """A directory user about to be created, by the values a tenant account is matched on."""

    user_id: int
    user_principal_name: str | None
    mail: str | None
    immutable_id: str | None

    @classmethod
    def from_desired(
        cls, user_id: int, desired: dict[str, Any], immutable_id: str | None
    ) -> Person:
        attributes = desired.get("attributes") or {}
        return cls(
            user_id,
            _text(attributes.get("userPrincipalName")),
            _text(attributes.get("mail")),
            _text(attributes.get("onPremisesImmutableId")) or immutable_id,
        )


@dataclass(frozen=True)
class Found:
    account: TenantAccount
    matched_on: str  # "linked" (already matched to this user) or a MatchKey


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def match_order(app: App) -> list[MatchKey]:
    return [MatchKey(k) for k in app.match_order or DEFAULT_MATCH_ORDER]


def existing(session: Session, app: App, people: Sequence[Person]) -> dict[int, Found]:
    """The live account each person would be linked to (people without one are left out)."""
    assert app.id is not None
    if not people:
        return {}
    linked = repo.live_accounts_of_users(session, app.id, [p.user_id for p in people])
    keys = repo.Keys(
        upns=frozenset(p.user_principal_name.lower() for p in people if p.user_principal_name),
        mails=frozenset(p.mail.lower() for p in people if p.mail),
        immutable_ids=frozenset(p.immutable_id for p in people if p.immutable_id),
    )
    by: dict[MatchKey, dict[str, TenantAccount]] = {k: {} for k in MatchKey}
    for account in repo.live_accounts_holding(session, app.id, keys):
        if account.on_premises_immutable_id:
            by[MatchKey.immutable_id].setdefault(account.on_premises_immutable_id, account)
        if account.user_principal_name_lower:
            by[MatchKey.user_principal_name].setdefault(account.user_principal_name_lower, account)
        if account.mail_lower:
            by[MatchKey.mail].setdefault(account.mail_lower, account)
    order = match_order(app)
    out: dict[int, Found] = {}
    for person in people:
        if person.user_id in linked:
            out[person.user_id] = Found(linked[person.user_id], "linked")
            continue
        values = {
            MatchKey.immutable_id: person.immutable_id,
            MatchKey.user_principal_name: (person.user_principal_name or "").lower() or None,
            MatchKey.mail: (person.mail or "").lower() or None,
        }
        for key in order:
            value = values[key]
            holder = by[key].get(value) if value else None
            if holder is not None and holder.user_id in (None, person.user_id):
                out[person.user_id] = Found(holder, str(key))
                break
    return out
