"""What the engine knows about one user, and the prepared view predicates read.

``UserFacts`` is the input every evaluation step takes: the user's own state only, never a
previous outcome, which is what makes evaluation a pure (and therefore idempotent) function.

``Subject`` is the per-user view conditions are tested against. It is built once per user and
holds every text value twice, as given and casefolded, so 20 mappings x N conditions never
casefold the same value again. Mapping evaluation mutates it as mappings grant roles, set the
group or write attributes, so later mappings see what earlier ones produced.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

USER_FIELDS = (
    "username",
    "email",
    "firstname",
    "lastname",
    "display_name",
    "distinguished_name",
    "department",
    "title",
    "company",
    "phone",
    "country",
    "status",
)
USER_FIELD_SET = frozenset(USER_FIELDS)
CUSTOM_PREFIX = "custom_attributes."


def custom_attribute_name(source: str) -> str | None:
    """The custom attribute a reference names (`custom_attributes.immutable_id` ->
    `immutable_id`), or None for a reference to anything else."""
    return source[len(CUSTOM_PREFIX) :] if source.startswith(CUSTOM_PREFIX) else None


RAW = 0
"""Index of the values as given in ``Subject.text`` / ``Subject.member_of``."""
FOLDED = 1
"""Index of the casefolded values."""


@dataclass(frozen=True, slots=True)
class UserFacts:
    id: int
    fields: Mapping[str, str | None]
    member_of: tuple[str, ...]
    custom_attributes: Mapping[str, str]
    role_ids: frozenset[int]
    group_id: int | None

    @property
    def active(self) -> bool:
        """Anything but an explicit ``suspended`` status counts as active."""
        return (self.fields.get("status") or "active").casefold() != "suspended"


# A text source as evaluation needs it: (source name, custom attribute name or None for a field).
TextKey = tuple[str, str | None]


def text_key(source: str) -> TextKey:
    if source.startswith(CUSTOM_PREFIX):
        return (source, source[len(CUSTOM_PREFIX) :])
    return (source, None)


def all_text_keys(user: UserFacts) -> tuple[TextKey, ...]:
    keys: list[TextKey] = [(name, None) for name in user.fields]
    keys.extend((CUSTOM_PREFIX + name, name) for name in user.custom_attributes)
    return tuple(keys)


_NO_MEMBERS: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())


class Subject:
    """Mutable, prepared view of one user for predicates.

    ``text[RAW]`` / ``text[FOLDED]`` map a source name (``department``,
    ``custom_attributes.cost_center``) to its value; missing, None and empty values are simply
    absent, so "missing" has one representation. ``member_of`` is indexed the same way and
    ``member_set`` holds the casefolded names for O(1) ``equals``/``in``. Predicates pick the
    index once at compile time, so case sensitivity costs a tuple subscript rather than a
    second implementation of every operator.
    """

    __slots__ = ("group_id", "member_of", "member_set", "role_ids", "text")

    text: tuple[dict[str, str], dict[str, str]]
    member_of: tuple[tuple[str, ...], tuple[str, ...]]
    member_set: frozenset[str]
    role_ids: set[int]
    group_id: int | None

    def __init__(
        self,
        text: Mapping[str, str | None],
        member_of: Iterable[str] = (),
        role_ids: Iterable[int] = (),
        group_id: int | None = None,
    ) -> None:
        raw: dict[str, str] = {}
        folded: dict[str, str] = {}
        for key, value in text.items():
            if value:
                raw[key] = value
                folded[key] = value.casefold()
        self._fill(raw, folded, member_of, role_ids, group_id)

    def _fill(
        self,
        raw: dict[str, str],
        folded: dict[str, str],
        member_of: Iterable[str],
        role_ids: Iterable[int],
        group_id: int | None,
    ) -> None:
        names = tuple(m for m in member_of if m)
        folded_names = tuple(m.casefold() for m in names)
        self.text = (raw, folded)
        self.member_of = (names, folded_names)
        self.member_set = frozenset(folded_names)
        self.role_ids = set(role_ids)
        self.group_id = group_id

    @classmethod
    def from_facts(
        cls,
        user: UserFacts,
        keys: Iterable[TextKey] | None = None,
        with_member_of: bool = True,
    ) -> Subject:
        """Prepare ``user``; ``keys`` limits the text values to those conditions reference.

        This runs once per user per evaluation, so it builds both dicts in a single pass and
        skips ``__init__``'s generic input handling.
        """
        fields = user.fields
        custom = user.custom_attributes
        raw: dict[str, str] = {}
        folded: dict[str, str] = {}
        for source, custom_name in all_text_keys(user) if keys is None else keys:
            value = fields.get(source) if custom_name is None else custom.get(custom_name)
            if value:
                raw[source] = value
                folded[source] = value.casefold()
        subject = cls.__new__(cls)
        subject.text = (raw, folded)
        if with_member_of and user.member_of:
            names = tuple(m for m in user.member_of if m)
            folded_names = tuple(m.casefold() for m in names)
            subject.member_of = (names, folded_names)
            subject.member_set = frozenset(folded_names)
        else:
            subject.member_of = _NO_MEMBERS
            subject.member_set = frozenset()
        subject.role_ids = set(user.role_ids)
        subject.group_id = user.group_id
        return subject

    def set_text(self, source: str, value: str | None) -> None:
        """Overwrite one text value (a mapping's ``set_attribute``); empty means absent."""
        raw, folded = self.text
        if value:
            raw[source] = value
            folded[source] = value.casefold()
        else:
            raw.pop(source, None)
            folded.pop(source, None)
