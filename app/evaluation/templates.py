"""Attribute templates: ``{firstname|lower}.{lastname|lower}@{domain}``.

A template is literal text with ``{placeholder|filter|filter}`` slots; ``{{`` and ``}}`` are
literal braces. Placeholders are user fields, ``custom_attributes.<name>``, ``id`` and
``domain`` (the app's provisioning domain); ``member_of`` is multi-valued and not allowed.

If any placeholder has no value (or a filter leaves nothing), the whole template renders to
nothing and the attribute is omitted: a UPN is never built as ``@contoso.com``.

The normalizing filters (``upn_local``, ``nickname``, ``ascii``, ``alnum``, ``iso2``) come
from ``app.graph.rules``, next to the Graph rules they make values fit.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass

from app.evaluation.errors import ParameterError
from app.evaluation.facts import CUSTOM_PREFIX, USER_FIELD_SET, USER_FIELDS
from app.graph import rules

_ALIAS_CHARS = frozenset(string.ascii_letters + string.digits + "._-")


to_ascii = rules.transliterate
"""Spell text in ASCII (é -> e, ß -> ss, Влад -> Vlad); symbols and emoji are dropped."""


def to_alias(text: str) -> str:
    """Keep only ``A-Z a-z 0-9 . - _``: valid in both a UPN alias and a mailNickname.

    Dots are collapsed and trimmed, since neither may start or end with one.
    """
    return rules.fit(text, _ALIAS_CHARS)


def to_iso2(text: str) -> str:
    """The ISO 3166-1 alpha-2 code ``text`` names; what names no country is left as written,
    so the usageLocation rule reports it instead of the user silently losing the value."""
    return rules.country_code(text) or text.strip()


FILTERS: dict[str, Callable[[str], str]] = {
    "lower": str.lower,
    "upper": str.upper,
    "ascii": to_ascii,
    "alnum": to_alias,
    "upn_local": rules.upn_local,
    "nickname": rules.mail_nickname,
    "initial": lambda s: s.strip()[:1],
    "local": lambda s: s.partition("@")[0],
    "iso2": to_iso2,
    "trim": str.strip,
}
"""``initial``: first character; ``local``: the part before ``@``; ``ascii``: ASCII spelling;
``alnum``: ASCII letters, digits and ``. - _``; ``upn_local`` / ``nickname``: the characters a
UPN's alias / a mailNickname may hold, accents transliterated (``josé.núñez`` ->
``jose.nunez``), other characters dropped (``Mills, Jr.`` -> ``MillsJr``) and dots tidied;
``iso2``: a country code from a code, name or alias (``Germany`` -> ``DE``, ``UK`` -> ``GB``).
See ``app.graph.rules`` for the exact behaviour of each."""

PLACEHOLDER_NAMES = (*USER_FIELDS, "id", "domain")


@dataclass(frozen=True, slots=True)
class Slot:
    source: str
    filters: tuple[Callable[[str], str], ...]


Template = tuple[str | Slot, ...]
Lookup = Callable[[str], str | None]

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


def check_source(source: str, what: str) -> None:
    """Raise ``ParameterError`` unless ``source`` is a field a parameter may read."""
    if source in USER_FIELD_SET or source == "id":
        return
    if source.startswith(CUSTOM_PREFIX) and source[len(CUSTOM_PREFIX) :].strip():
        return
    hint = " (it is multi-valued)" if source == "member_of" else ""
    raise ParameterError(
        "value",
        f"{what} {source!r} is not allowed{hint}; use a user field, custom_attributes.<name> or id",
    )


def parse_template(text: str) -> Template:
    """Parse once; raises ``ParameterError`` for unknown placeholders, filters or stray braces."""
    parts: list[str | Slot] = []
    pos = 0
    for token in _TOKEN.finditer(text):
        if token.start() > pos:
            parts.append(text[pos : token.start()])
        pos = token.end()
        raw = token.group(0)
        if raw in ("{{", "}}"):
            parts.append(raw[0])
            continue
        if token.group(1) is None:
            raise ParameterError(
                "value", f"unmatched {raw!r} at offset {token.start()}; write {raw * 2} for a brace"
            )
        name, *filter_names = (p.strip() for p in token.group(1).split("|"))
        if name != "domain":
            check_source(name, "placeholder")
        filters = []
        for filter_name in filter_names:
            if filter_name not in FILTERS:
                raise ParameterError(
                    "value",
                    f"unknown filter {filter_name!r}; available: {', '.join(FILTERS)}",
                )
            filters.append(FILTERS[filter_name])
        parts.append(Slot(name, tuple(filters)))
    if pos < len(text):
        parts.append(text[pos:])
    # Merge adjacent literals so rendering joins as few pieces as possible.
    merged: list[str | Slot] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    return tuple(merged)


def literal_parts(template: Template) -> tuple[str | None, ...]:
    """The literal texts, with None for each placeholder: the shape ``check_template`` takes."""
    return tuple(part if isinstance(part, str) else None for part in template)


def render(template: Template, lookup: Lookup) -> str | None:
    """The rendered text, or None if any placeholder (after its filters) is empty."""
    out: list[str] = []
    for part in template:
        if isinstance(part, str):
            out.append(part)
            continue
        value = lookup(part.source)
        if not value:
            return None
        for apply in part.filters:
            value = apply(value)
        if not value:
            return None
        out.append(value)
    return "".join(out)
