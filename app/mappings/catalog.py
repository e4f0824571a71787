"""What the mapping editor offers: its actions, and the condition sources, their operators
and the values of the sources that take ids. Mappings and per-app rules share conditions, so
the rule editor offers the same conditions from here.
"""

from __future__ import annotations

from sqlmodel import Session

from app.directory import repository as directory_repo
from app.errors import NotFound
from app.evaluation import conditions as cond
from app.evaluation.errors import EvaluationError
from app.mappings.schemas import CatalogItem

ACTIONS = [
    CatalogItem(
        value="set_role", name="Set role(s)", value_count="one or more role ids", kind="role"
    ),
    CatalogItem(
        value="add_role", name="Add role(s)", value_count="one or more role ids", kind="role"
    ),
    CatalogItem(value="set_group", name="Set group", value_count="one group id", kind="group"),
    CatalogItem(
        value="set_attribute",
        name="Set custom attribute",
        value_count="two: attribute name, value",
        kind="attribute",
    ),
]


def condition_sources(session: Session) -> list[CatalogItem]:
    """Every source a condition can read, custom attributes in use included."""
    sources = cond.condition_sources(directory_repo.custom_attribute_names(session))
    return [CatalogItem(value=s.name, name=s.label, kind=s.kind) for s in sources]


def condition_operators(source: str) -> list[CatalogItem]:
    try:
        ops = cond.operators_for(source)
    except EvaluationError as exc:
        raise NotFound(exc.message) from None
    return [CatalogItem(value=o.name, name=o.label, needs_value=o.needs_value) for o in ops]


def condition_values(session: Session, source: str) -> list[CatalogItem]:
    """The values to pick from, by name, for sources that take ids (`has_role`, `group`);
    none for the others, 404 for an unknown source."""
    if source == "has_role":
        return [
            CatalogItem(value=str(r.id), name=r.name) for r in directory_repo.roles_by_name(session)
        ]
    if source == "group":
        return [
            CatalogItem(value=str(g.id), name=g.name)
            for g in directory_repo.groups_by_name(session)
        ]
    try:
        cond.source_kind(source)
    except EvaluationError as exc:
        raise NotFound(exc.message) from None
    return []
