"""Cursor pagination: keyset on the primary key, opaque cursors, a ready-made `next` link."""

from __future__ import annotations

import base64
import json
from typing import Any, Generic, TypeVar

from fastapi import Query, Request
from pydantic import BaseModel
from sqlalchemy import Select

from app.errors import BadRequest

T = TypeVar("T")

MAX_LIMIT = 500
MAX_ID = 2**31 - 1
"""The largest id a row can have: ids are Postgres `integer` columns."""


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None
    next: str | None = None


class PageParams:
    def __init__(
        self,
        request: Request,
        limit: int = Query(50, ge=1, le=MAX_LIMIT, description="Items per page"),
        cursor: str | None = Query(None, description="`next_cursor` from the previous page"),
    ) -> None:
        self.request = request
        self.limit = limit
        self.after_id = decode_cursor(cursor) if cursor else None


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": last_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))["after"]
        # bool is an int in Python; an id beyond the column's range is no id we issued.
        if type(value) is not int or not 0 <= value <= MAX_ID:
            raise ValueError
        return value
    except (ValueError, KeyError, TypeError, RecursionError) as exc:  # nesting: 400 too
        raise BadRequest("The cursor is not one this API issued.") from exc


def paginate(
    session: Any, stmt: Select[Any], id_column: Any, params: PageParams
) -> tuple[list[Any], str | None, str | None]:
    """Run `stmt` ordered by id after the cursor; returns (rows, next_cursor, next_url)."""
    if params.after_id is not None:
        stmt = stmt.where(id_column > params.after_id)
    page = stmt.order_by(id_column).limit(params.limit + 1)
    # One entity selected: its objects; several columns: rows.
    result = session.execute(page)
    rows = list(result.scalars() if len(stmt.column_descriptions) == 1 else result.all())
    if len(rows) <= params.limit:
        return rows, None, None
    rows = rows[: params.limit]
    last = rows[-1]
    last_id = last.id if hasattr(last, "id") else last[0].id
    cursor = encode_cursor(last_id)
    url = params.request.url.include_query_params(cursor=cursor, limit=params.limit)
    return rows, cursor, str(url)
