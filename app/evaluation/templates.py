"""Attribute templates: ``{firstname|lower}.{lastname|lower}@{domain}``.

A template is literal text with ``{placeholder|filter|filter}`` slots; ``{{`` and ``}}`` are
literal braces. Placeholders are user fields, ``custom_attributes.<name>``, ``id`` and
``domain`` (the app's provisioning domain); ``member_of`` is multi-valued and not allowed.

If any placeholder has no value (or a filter leaves nothing), the whole template renders to
nothing and the attribute is omitted: a UPN is never built as ``@contoso.com``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from app.evaluation.errors import ParameterError
from app.evaluation.facts import CUSTOM_PREFIX, USER_FIELD_SET, USER_FIELDS

# Letters NFKD does not decompose into ASCII but that have a customary transliteration.
_TRANSLITERATE = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE", "đ": "d",
     "Đ": "D", "ł": "l", "Ł": "L", "þ": "th", "Þ": "TH", "ð": "d", "Ð": "D", "\u0131": "i"}
)  # fmt: skip
_NOT_ALIAS = re.compile(r"[^A-Za-z0-9._-]+")
_DOTS = re.compile(r"\.{2,}")
_TWO_LETTERS = re.compile(r"^[A-Za-z]{2}$")


def to_ascii(text: str) -> str:
    """Strip accents (é -> e, ß -> ss) and drop whatever has no ASCII form."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATE))
    return decomposed.encode("ascii", "ignore").decode("ascii")


def to_alias(text: str) -> str:
    """Keep only ``A-Z a-z 0-9 . - _``: valid in both a UPN alias and a mailNickname.

    Dots are collapsed and trimmed, since neither may start or end with one.
    """
    kept = _NOT_ALIAS.sub("", to_ascii(text))
    return _DOTS.sub(".", kept).strip(".")


def _iso2(text: str) -> str:
    text = text.strip()
    return text.upper() if _TWO_LETTERS.match(text) else ""


FILTERS: dict[str, Callable[[str], str]] = {
    "lower": str.lower,
    "upper": str.upper,
    "ascii": to_ascii,
    "alnum": to_alias,
    "initial": lambda s: s.strip()[:1],
    "local": lambda s: s.partition("@")[0],
    "iso2": _iso2,
    "trim": str.strip,
}
"""``initial``: first character; ``local``: the part before ``@``; ``iso2``: a two-letter
country code in upper case, nothing otherwise."""

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
