"""`app.db.new_object`: a table model's object made the fast way is the object its own
`__init__` makes, and the ORM writes it as such."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import inspect
from sqlmodel import SQLModel

from app.db import new_object, transaction
from app.models import App, Assignment, Task, User, utcnow


def _task_values() -> dict[str, Any]:
    now = utcnow()
    return {
        "created_at": now,
        "updated_at": now,
        "assignment_id": 7,
        "app_id": 3,
        "user_id": 5,
        "action": "create",
        "plan": {"action": "create", "set": {"department": "Sales"}},
        "status": "queued",
        "reason": None,
        "request_ids": [],
        "correlation_id": "req-1",
    }


CASES: list[tuple[type[SQLModel], dict[str, Any]]] = [
    (Task, _task_values()),
    (Task, {"app_id": 3, "action": "delete"}),  # the rest at their defaults
    (Assignment, {"app_id": 3, "user_id": 5}),
    (Assignment, {"app_id": 3, "user_id": 5, "target": "deleted", "desired": None}),
]


@pytest.mark.parametrize(("model", "values"), CASES)
def test_new_object_is_what_the_models_init_makes(
    model: type[SQLModel], values: dict[str, Any]
) -> None:
    slow, fast = model(**values), new_object(model, **values)
    made_at = {"created_at", "updated_at"} - values.keys()  # factories called at each make
    assert fast.model_dump(exclude=made_at) == slow.model_dump(exclude=made_at)
    assert fast.model_fields_set == slow.model_fields_set == set(values)
    assert set(fast.__dict__) == set(slow.__dict__)
    assert inspect(fast).transient and inspect(slow).transient


def test_a_field_the_model_lacks_is_refused() -> None:
    with pytest.raises(TypeError, match="no field 'actoin'"):
        new_object(Task, app_id=1, actoin="create")


def test_the_orm_writes_an_object_made_so_as_it_writes_one_made_by_init(
    env: dict[str, str],
) -> None:
    """Added to a session and flushed (not through `insert_objects`), then changed: the row
    holds every value given, the defaults, and the change."""
    with transaction() as session:
        app = App(name="A", tenant="t.onmicrosoft.com", domain="t.com", client_id="c")
        user = User(username="u1", username_lower="u1", email="u1@t.com", email_lower="u1@t.com")
        session.add_all([app, user])
        session.flush()
        assert app.id is not None and user.id is not None
        assignment = new_object(Assignment, app_id=app.id, user_id=user.id)
        session.add(assignment)
        session.flush()
        values = {**_task_values(), "app_id": app.id, "user_id": user.id}
        values["assignment_id"] = assignment.id
        task = new_object(Task, **values)
        session.add(task)
        session.flush()
        task.status = "running"  # tracked like any other object's change
        ids = assignment.id, task.id
    with transaction() as session:
        stored = session.get(Assignment, ids[0])
        assert stored is not None
        assert (stored.target, stored.state, stored.active) == ("present", "pending", True)
        row = session.get(Task, ids[1])
        assert row is not None
        assert row.status == "running"
        for name, value in values.items():
            if name != "status":
                assert getattr(row, name) == value, name
