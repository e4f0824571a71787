"""PATCH fields that may be left out but not set to null, said so in the schema.

A PATCH model declares `name: str | None = None` so that a field can be omitted; the service
refuses an explicit null for most of them (`app.errors.reject_nulls`). `non_nullable(...)` as
the model's `json_schema_extra` makes the published schema say what the service does: those
properties lose their `null` alternative and their `null` default. Validation is unchanged
(the service answers a null with its own 422).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

JsonDict = dict[str, Any]


def _strip_null(prop: JsonDict) -> None:
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


def non_nullable(*fields: str) -> Callable[[JsonDict], None]:
    def extra(schema: JsonDict) -> None:
        properties = schema.get("properties", {})
        for name in fields or tuple(properties):
            if name in properties:
                _strip_null(properties[name])

    return extra
