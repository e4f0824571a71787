"""The one type of every id the API takes: in a path, a query or a body array.

Ids are Postgres `integer` columns, so anything outside 1..2147483647 names no row: refusing it
in validation makes it a documented 422 (the schema says `minimum`/`maximum`) instead of a
database error.
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Le

MAX_ID = 2**31 - 1

Id = Annotated[int, Ge(1), Le(MAX_ID)]


def parse_id(text: object) -> int | None:
    """`text` as one of our ids, or None when it cannot be one (not digits, 0, or beyond the
    column's range): a caller answers "no such object" instead of sending the database a
    number it cannot hold (SQLite raises OverflowError past 2**63, Postgres past 2**31)."""
    raw = str(text).strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10:
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None
