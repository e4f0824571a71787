"""A request id the API accepts (`X-Request-ID`, up to 128 characters) fits wherever it is
kept: the audit entry and the tasks the request causes, which carry it to Graph."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import col, select

from alembic import command
from app.db import _alembic_config, get_engine, head_revision, transaction
from app.models import AuditEntry, Task
from tests.apps.helpers import app_body
from tests.support import ApiClient, user_body

LONGEST = "r" + "-0123456789abcdef" * 7 + "01234567"  # 128 characters, all accepted


def _column_length(table: str, column: str) -> int:
    with get_engine().connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT character_maximum_length FROM information_schema.columns "
                    "WHERE table_name = :t AND column_name = :c"
                ),
                {"t": table, "c": column},
            ).scalar_one()
        )


def test_the_longest_accepted_request_id_reaches_the_audit_entry_and_the_tasks(
    client: ApiClient,
) -> None:
    assert len(LONGEST) == 128
    app = client.ok("POST", "/apps", json=app_body(provisioning_enabled=True))
    role = client.ok("POST", "/roles", json={"name": "M365", "app_ids": [app["id"]]})
    created = client.post(
        "/api/v1/users",
        json=user_body(1, role_ids=[role["id"]]),
        headers={"X-Request-ID": LONGEST},
    )
    assert created.status_code == 201, created.text
    assert created.headers["x-request-id"] == LONGEST
    changed = client.patch(
        f"/api/v1/users/{created.json()['id']}",
        json={"department": "Finance"},
        headers={"X-Request-ID": LONGEST[::-1]},
    )
    assert changed.status_code == 200, changed.text
    with transaction() as session:
        causes = set(session.execute(select(Task.correlation_id)).scalars())
        entries = session.execute(
            select(AuditEntry.action, AuditEntry.request_id).where(
                col(AuditEntry.object_type) == "user"
            )
        ).all()
    assert LONGEST in causes
    assert set(entries) == {("user.created", LONGEST), ("user.updated", LONGEST[::-1])}


def test_the_migration_widens_the_task_cause_and_goes_back(client: ApiClient) -> None:
    engine = get_engine()
    assert _column_length("task", "correlation_id") == 128
    cfg = _alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0022_user_role_index")
    assert _column_length("task", "correlation_id") == 64
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    assert _column_length("task", "correlation_id") == 128
    with engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert version == head_revision()
