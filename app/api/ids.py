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
