"""The one type of every date-time the API takes: an ISO 8601 string, as the schema says.

Pydantic also reads a number (or a string of digits) as seconds since 1970, so `since=0` or
`"expires_at": 0` was accepted although the schema says `format: date-time`; here it is a 422.

Every value is turned into UTC as it comes in (a value without an offset is taken as UTC):
SQLite stores date-times without their offset, so `19:29+05:00` kept as written would be read
back as 19:29 UTC, five hours late (a token outliving its expiry, a `since` filter off by
the offset). Postgres compares instants either way. A value that is no date-time in UTC
(the first or last day of the range with a far offset) is a 422 naming the field.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

_NUMBER = re.compile(r"\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*")


def _iso_only(value: Any) -> Any:
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("Expected an ISO 8601 date-time, not a number.")
    return value


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        # 0001-01-01T00:00+14:00 is in the year 0 in UTC, 9999-12-31T23:59-14:00 in 10000:
        # Python has neither. A ValueError is the field's 422; an OverflowError was a 500.
        raise ValueError(
            "The date-time is out of range: in UTC it must fall in the years 1 to 9999."
        ) from None


Timestamp = Annotated[datetime, BeforeValidator(_iso_only), AfterValidator(_utc)]
