"""What every API input model shares: no hidden characters in text, no null where a PATCH
means "leave it", and identifiers in one Unicode form.

* Hidden characters. Control characters (C0, DEL, C1), zero-width characters (U+200B..U+200D,
  U+2060, U+FEFF) and bidirectional controls (U+200E, U+200F, U+202A..U+202E, U+2066..U+2069)
  are refused with a 422 naming the field, in every string of every `Input` model: fields,
  list items, dict keys and values. Tab, line feed and carriage return are allowed only in the
  fields a model lists in `multiline` (free text such as descriptions). Query strings use the
  `SearchText` type for the same check.
* Null in a PATCH. A `Patch` model refuses an explicit `null` for every field not listed in
  `nullable`, with a 422 naming the field; leaving the field out keeps the current value.
* Identifiers. `NFKC` names and `IdentifierEmail` are NFKC-normalized before any other check,
  so `josh` typed in fullwidth letters (U+FF4A...) is stored as plain `josh` and collides
  with it (uniqueness is compared case-insensitively). Only new writes are normalized: rows
  stored before this rule keep their spelling until they are next written (no migration).

This module imports nothing from `app`, so every schema module can use it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any, ClassVar

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    SecretStr,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

_INVISIBLE = "\u200b-\u200d\u2060\ufeff\u200e\u200f\u202a-\u202e\u2066-\u2069"
_HIDDEN = re.compile(f"[\x00-\x1f\x7f-\x9f{_INVISIBLE}]")
_HIDDEN_MULTILINE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_INVISIBLE}]")


def hidden_character(value: str, *, multiline: bool = False) -> str | None:
    """The first character of `value` the service refuses, as `U+XXXX`, or None."""
    found = (_HIDDEN_MULTILINE if multiline else _HIDDEN).search(value)
    return None if found is None else f"U+{ord(found.group()):04X}"


def _refuse_hidden(value: Any, multiline: bool, where: str = "") -> None:
    if isinstance(value, str):
        char = hidden_character(value, multiline=multiline)
        if char is not None:
            raise PydanticCustomError(
                "hidden_character",
                "{where}contains {char}, a control, zero-width or bidirectional character",
                {"where": where, "char": char},
            )
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _refuse_hidden(item, multiline, where)
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_hidden(key, False, "a key ")
            _refuse_hidden(item, multiline, f"the value of {key!r} ")


def _plain_text(value: str) -> str:
    _refuse_hidden(value, False)
    return value


def nfkc(value: Any) -> Any:
    """NFKC form of a string (other values are left to the type's own validation)."""
    return normalized(value) if isinstance(value, str) else value


def normalized(text: str) -> str:
    """The form identifiers are stored and compared in (NFKC)."""
    return unicodedata.normalize("NFKC", text)


SearchText = Annotated[str, AfterValidator(_plain_text)]
"""A query-string value: single-line text without hidden characters (else 422)."""

NFKC = BeforeValidator(nfkc)
"""Stores a name people and systems match on (username, group and role names) in NFKC.

Put it after the string's constraints: `Annotated[str, StringConstraints(...), NFKC]`. pydantic
then normalizes, strips and checks the length, in that order. Wrapped the other way round
(`Annotated[Annotated[str, NFKC], StringConstraints(...)]`), it checks the length of the
value as sent and strips afterwards, so a username of three spaces passed `min_length=1`
and was stored as an empty string."""

IdentifierEmail = Annotated[EmailStr, BeforeValidator(nfkc)]
"""An email address, NFKC-normalized before it is validated."""


def email_key(text: str) -> str:
    """The lowercased form `email_lower` holds of an address as an `IdentifierEmail` stores it:
    NFKC, then email-validator's normalization (an IDNA domain in Unicode: `xn--bcher-kva` is
    stored as `bücher`), lowercased. A filter by email compares this, so an address found
    taken on create is found by the filter too. Anything else (not an address, or more than
    one: `Name <addr>`, which the email type would reduce to the address) is only
    NFKC-normalized and lowercased, and matches nobody stored."""
    text = normalized(text)
    try:
        address = validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        return text.lower()
    return address.lower()


def lowercase_fits(limit: int) -> AfterValidator:
    """A value kept unique case-insensitively through a lowercased copy in a column of
    `limit` characters (usernames, emails) must fit there once lowercased: `str.lower` can
    lengthen a value (U+0130, "İ", becomes two code points), so a value within its own limit
    could pass validation and then fail at the database."""

    def check(value: Any) -> Any:
        if len(str(value).lower()) > limit:
            raise ValueError(f"Value should have at most {limit} characters once lowercased")
        return value

    return AfterValidator(check)


class Input(BaseModel):
    """Base of every request body: unknown fields are refused, and so is hidden text."""

    model_config = ConfigDict(extra="forbid")

    multiline: ClassVar[frozenset[str]] = frozenset()
    """Fields of free text, where tab and line breaks are allowed."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_hidden_characters(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, SecretStr | BaseModel):
            _refuse_hidden(value, info.field_name in cls.multiline)
        return value


def _publish_nullable(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """The published schema says what validation does: a PATCH property loses its `null`
    alternative (and its null default) unless the model lists it in `nullable`."""
    nullable: frozenset[str] = getattr(model, "nullable", frozenset())
    for name, prop in schema.get("properties", {}).items():
        if name in nullable:
            continue
        options = prop.get("anyOf")
        if isinstance(options, list):
            kept = [o for o in options if o != {"type": "null"}]
            if len(kept) == 1:
                del prop["anyOf"]
                prop.update(kept[0])
            else:
                prop["anyOf"] = kept
        if "default" in prop and prop["default"] is None:
            del prop["default"]


class Patch(Input):
    """Base of every PATCH body: a field left out keeps its value; null clears only the fields
    listed in `nullable` and is refused (422) for the others, and the schema says so."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_publish_nullable)
    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _no_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise PydanticCustomError(
                "null", "cannot be null; leave the field out to keep its current value"
            )
        return value
