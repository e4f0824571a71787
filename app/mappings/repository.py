"""Every query of mappings: the mapping rows, and the bulk write of users' mapping outcomes.
Functions take the caller's session and never commit (the edge owns the transaction).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import bindparam, func, select, text
from sqlmodel import Session, col

from app.evaluation.mappings import MappingOutcome
from app.models import MappingRow, User, utcnow

Changed = Sequence[tuple[int, MappingOutcome, str]]
"""(user id, new outcome, its fingerprint) for each user whose outcome changed."""


def get(session: Session, mapping_id: int, *, lock: bool = False) -> MappingRow | None:
    """The row; `lock` loads it with `SELECT ... FOR UPDATE` (held until the transaction
    ends) so concurrent partial updates merge into the latest row one after the other."""
    return session.get(MappingRow, mapping_id, with_for_update=lock or None, populate_existing=lock)


def in_order(session: Session) -> list[MappingRow]:
    """Every mapping in evaluation order (position, then id)."""
    stmt = select(MappingRow).order_by(col(MappingRow.position), col(MappingRow.id))
    return list(session.execute(stmt).scalars())


def versions(session: Session) -> tuple[tuple[int, datetime], ...]:
    """(id, updated_at) of every mapping: a cheap fingerprint of the mapping set (create,
    update, reorder and delete each change it)."""
    stmt = select(col(MappingRow.id), col(MappingRow.updated_at)).order_by(col(MappingRow.id))
    return tuple((mid, ts) for mid, ts in session.execute(stmt).all() if mid is not None)


def next_position(session: Session) -> int:
    """The position after the last mapping."""
    top = session.execute(select(func.max(MappingRow.position))).scalar_one()
    return 0 if top is None else int(top) + 1


def write_outcomes(
    session: Session, changed: Changed, seen: Mapping[int, datetime] | None = None
) -> set[int]:
    """Store these users' mapping outcomes and fingerprints, in bulk; returns the ids written.

    `seen`: each user's `updated_at` when its facts were read (a reapply reads them in one
    transaction and writes in another). A user whose row moved since is left alone: its own
    write re-evaluated it, or will, and an outcome from the facts before it would undo it.

    The statements bypass the identity map: expire loaded users afterwards if they are read
    again in the same session.
    """
    if not changed:
        return set()
    if session.get_bind().dialect.name == "postgresql":
        return _write_outcomes_pg(session, changed, seen)
    return _write_outcomes_generic(session, changed, seen)


def _roles_json(outcome: MappingOutcome) -> dict[str, int]:
    return {str(rid): mid for rid, mid in outcome.granted_roles.items()}


def outcome_columns(outcome: MappingOutcome, fingerprint: str) -> dict[str, Any]:
    """The `directory_user` columns that keep this outcome, as `write_outcomes` writes them:
    for a row inserted with its outcome in place."""
    return {
        "mapped_roles": _roles_json(outcome),
        "mapped_group_id": outcome.group_id,
        "mapped_attributes": dict(outcome.attributes),
        "mapping_fingerprint": fingerprint,
    }


def _write_outcomes_pg(
    session: Session, changed: Changed, seen: Mapping[int, datetime] | None
) -> set[int]:
    # One statement per chunk, its rows sent as one JSON document (orjson) read back by
    # jsonb_to_recordset. Sending them as six arrays instead cost more than the update:
    # psycopg dumps a text array element by element in Python, escaping each with a regex
    # (at 100,000 users, half of each writer's time went there; profiled with py-spy).
    ids = [uid for uid, _, _ in changed]
    rows = [
        {
            "id": uid,
            "r": _roles_json(o),
            "g": o.group_id,
            "a": dict(o.attributes),
            "f": fp,
            "s": None if seen is None else seen.get(uid),
        }
        for uid, o, fp in changed
    ]
    payload = orjson.dumps(rows)
    if b"\\u0000" in payload:  # jsonb refuses NUL; the text columns it came from do too
        raise ValueError("a mapping outcome holds a NUL character")
    result = session.execute(
        text(
            "UPDATE directory_user AS u SET mapped_roles = v.r, mapped_group_id = v.g, "
            "mapped_attributes = v.a, mapping_fingerprint = v.f, updated_at = :now "
            "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) "
            "AS v(id int, r jsonb, g int, a jsonb, f text, s timestamptz) WHERE u.id = v.id "
            "AND (v.s IS NULL OR u.updated_at = v.s) "
            # The bounds let the merge join start at the chunk's first id: without them it
            # walks the primary key from the table's first row on every chunk.
            "AND u.id BETWEEN :lo AND :hi RETURNING u.id"
        ),
        {"rows": payload.decode(), "lo": min(ids), "hi": max(ids), "now": utcnow()},
    )
    return {int(uid) for (uid,) in result.all()}


def _write_outcomes_generic(
    session: Session, changed: Changed, seen: Mapping[int, datetime] | None
) -> set[int]:
    table = User.__table__  # type: ignore[attr-defined]
    now = utcnow()
    values = {
        "mapped_roles": bindparam("r"),
        "mapped_group_id": bindparam("g"),
        "mapped_attributes": bindparam("a"),
        "mapping_fingerprint": bindparam("f"),
        "updated_at": now,
    }
    rows = [
        {"uid": uid, "r": _roles_json(o), "g": o.group_id, "a": dict(o.attributes), "f": fp}
        for uid, o, fp in changed
    ]
    if seen is None:
        # Core (not ORM) update: executemany keyed on our own bind names.
        session.execute(table.update().where(table.c.id == bindparam("uid")).values(values), rows)
        return {uid for uid, _, _ in changed}
    # Row by row, to learn which rows moved since they were read (SQLite, the embedded
    # default, holds small directories).
    guarded = (
        table.update()
        .where(table.c.id == bindparam("uid"), table.c.updated_at == bindparam("s"))
        .values(values)
    )
    written: set[int] = set()
    for (uid, _, _), row in zip(changed, rows, strict=True):
        result = session.execute(guarded, {**row, "s": seen.get(uid)})
        if result.rowcount:  # type: ignore[attr-defined]
            written.add(uid)
    return written
