"""Which of a person's fields belong to the directory source that feeds them.

As in Azure AD Connect, what the source sets is the source's: a change made through our API
would be overwritten at the next sync (or, worse, provisioned to the tenant and then taken
back), so the directory refuses it with a 409 naming the source and the fields. The rule
itself lives in `app.directory.service` (every way of editing a user passes there: the API,
SCIM, the CLI); this module only says which fields a source owns.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.errors import Conflict
from app.models import Source

# Always the source's, mapped or not: group memberships come from the source's groups, the
# status from its account state (AD's userAccountControl, a deletion in the source), and the
# distinguished name is where the entry lives.
ALWAYS_OWNED = frozenset({"member_of", "status", "distinguished_name"})


class SourceOwned(Conflict):
    slug, title = "source-owned", "Set by a directory source"


def owned_fields(source: Source) -> frozenset[str]:
    """Our fields (`department`, `custom_attributes.employee_id`, ...) this source sets."""
    owned = set(ALWAYS_OWNED) | set(source.attribute_map or {})
    if source.immutable_id_attribute:
        owned.add(source.immutable_id_attribute)
    return frozenset(owned)


def refusal(user_id: int, source: Source, fields: Iterable[str]) -> SourceOwned:
    names = ", ".join(sorted(fields))
    return SourceOwned(
        f"User {user_id} is owned by source {source.name!r} (id {source.id}): {names} "
        f"{'is' if ',' not in names else 'are'} set there. Change them in the source; the "
        "other fields can be edited here."
    )


def deletion_refusal(user_id: int, source: Source) -> SourceOwned:
    return SourceOwned(
        f"User {user_id} is owned by source {source.name!r} (id {source.id}): the next sync "
        "would bring them back. Delete or disable them in the source, or take them out of the "
        "source's scope (base DNs, user filter)."
    )
