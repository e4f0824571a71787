"""Bulk import of users from CSV or JSON, all or nothing, through the directory service.

Every row goes through `UserCreate` (the API's own schema) and `service.create_user` (the API's
own rules: uniqueness, group and role references, mappings) inside one transaction, each row in
a savepoint. A rejected row rolls back only its savepoint, so the rest of the file is still
checked against everything before it, duplicates inside the file included; at the end the
whole transaction commits or rolls back. A dry run is the same pass, always rolled back, so it
reports exactly what a real import would do.

File shapes:
- CSV: a header of `UserCreate` field names; `member_of` and `role_ids` hold `;`-separated
  values; `custom_attributes.<name>` columns fill custom attributes; empty cells are unset.
- JSON: a list of `UserCreate` objects, or `{"users": [...]}`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from app.db import savepoint
from app.directory import service
from app.directory.schemas import UserCreate
from app.errors import ProblemError
from app.jobs.kinds import JobKind

IMPORT_JOB = JobKind.users_import
ATTR_PREFIX = "custom_attributes."
LIST_SEPARATOR = ";"
LIST_FIELDS = ("member_of", "role_ids")


class ImportFileError(ValueError):
    """The file as a whole cannot be read (format, header); no row was looked at."""


@dataclass(frozen=True)
class Rejection:
    row: int  # 1-based data row (CSV: the header is row 0; JSON: list position + 1)
    key: str  # username or email when known, to find the row in the file
    field: str
    reason: str


@dataclass
class ImportResult:
    total: int
    created_ids: list[int] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    committed: bool = False

    @property
    def valid(self) -> int:
        return self.total - len(self.rejected)


# --- reading ------------------------------------------------------------------------------


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Raw rows from a `.csv` or `.json` file, shaped like `UserCreate` input."""
    suffix = path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8-sig")  # -sig: spreadsheets write a BOM
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFileError(f"cannot read {path}: {exc}") from None
    if suffix == ".json":
        return _json_rows(text)
    if suffix == ".csv":
        return list(_csv_rows(text))
    raise ImportFileError(f"{path.name}: expected a .csv or .json file")


def _json_rows(text: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"invalid JSON: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("users"), list):
        data = data["users"]
    if not isinstance(data, list):
        raise ImportFileError('JSON must be a list of users or {"users": [...]}')
    # Non-objects are kept so they are rejected with their row number rather than dropped.
    return [row if isinstance(row, dict) else {"__invalid__": row} for row in data]


def _csv_rows(text: str) -> Iterator[dict[str, Any]]:
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    if not header:
        raise ImportFileError("the CSV file has no header row")
    known = set(UserCreate.model_fields)
    unknown = [h for h in header if h not in known and not h.startswith(ATTR_PREFIX)]
    if unknown:
        raise ImportFileError(
            f"unknown columns: {', '.join(unknown)}; columns are UserCreate fields "
            f"({', '.join(sorted(known))}) or {ATTR_PREFIX}<name>"
        )
    for raw in reader:
        yield _csv_row(raw)


def _csv_row(raw: dict[str | None, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    attrs: dict[str, str] = {}
    for column, value in raw.items():
        if column is None:  # more cells than header columns
            row["__extra_cells__"] = value
            continue
        if value is None or value.strip() == "":
            continue
        if column.startswith(ATTR_PREFIX):
            attrs[column[len(ATTR_PREFIX) :]] = value
        elif column in LIST_FIELDS:
            row[column] = [v.strip() for v in value.split(LIST_SEPARATOR) if v.strip()]
        else:
            row[column] = value
    if attrs:
        row["custom_attributes"] = attrs
    return row


# --- validating and writing ---------------------------------------------------------------

Progress = Callable[[int, int], None]


def _key(row: dict[str, Any]) -> str:
    return str(row.get("username") or row.get("email") or "")


def _validation_rejections(n: int, row: dict[str, Any], exc: ValidationError) -> list[Rejection]:
    if "__invalid__" in row:
        return [Rejection(n, "", "row", "not a user object")]
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "row"
        if loc == "__extra_cells__":
            out.append(Rejection(n, _key(row), "row", "more cells than header columns"))
        else:
            out.append(Rejection(n, _key(row), loc, err["msg"]))
    return out


def import_users(
    session: Session,
    rows: list[dict[str, Any]],
    *,
    skip_invalid: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Create the users in `session`; returns what was created and rejected.

    The caller owns the transaction: commit when `result.committed` is true, roll back
    otherwise. Without `skip_invalid`, a single rejected row means nothing should be kept.
    """
    result = ImportResult(total=len(rows))
    seen: dict[str, int] = {}
    for n, row in enumerate(rows, start=1):
        try:
            data = UserCreate.model_validate(row)
        except ValidationError as exc:
            result.rejected.extend(_validation_rejections(n, row, exc))
        else:
            duplicate = _duplicate_in_file(data, n, seen)
            if duplicate:
                result.rejected.append(duplicate)
            else:
                _create_in_savepoint(session, n, data, result)
        if progress:
            progress(n, result.total)
    result.committed = not dry_run and (skip_invalid or not result.rejected)
    return result


def _duplicate_in_file(data: UserCreate, n: int, seen: dict[str, int]) -> Rejection | None:
    # The service would reject these too (the earlier row is already in the transaction);
    # checked here first so the reason names the row it duplicates.
    for label, value in (("username", data.username), ("email", str(data.email))):
        marker = f"{label}:{value.lower()}"
        if marker in seen:
            return Rejection(n, data.username, label, f"duplicates row {seen[marker]} of the file")
    for label, value in (("username", data.username), ("email", str(data.email))):
        seen[f"{label}:{value.lower()}"] = n
    return None


def _create_in_savepoint(session: Session, n: int, data: UserCreate, result: ImportResult) -> None:
    try:
        # Wake-ups registered by a row that is rolled back must not fire after the commit.
        with savepoint(session):
            user = service.create_user(session, data)
    except ProblemError as exc:
        field_name = exc.errors[0].field if exc.errors else _conflict_field(exc)
        result.rejected.append(Rejection(n, data.username, field_name, exc.detail or exc.title))
        return
    assert user.id is not None
    result.created_ids.append(user.id)


def _conflict_field(exc: ProblemError) -> str:
    detail = exc.detail or ""
    for name in ("username", "email"):
        if f"the {name} " in detail:
            return name
    return "row"
