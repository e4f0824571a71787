"""The one type of every date-time the API takes: an ISO 8601 string, as the schema says.

Pydantic also reads a number (or a string of digits) as seconds since 1970, so `since=0` or
`"expires_at": 0` was accepted although the schema says `format: date-time`; here it is a 422.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator

_NUMBER = re.compile(r"\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*")


def _iso_only(value: Any) -> Any:
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("Expected an ISO 8601 date-time, not a number.")
    return value


Timestamp = Annotated[datetime, BeforeValidator(_iso_only)]
