"""Rules of one app: storage, validation, the compiled rule set, and "check rule with users".

Every write starts a recompute of the app's assignments so that they follow the new rules.
Rules only: queries are in `repository`, apps are loaded through `app.apps.service`; services
never commit (the request owns the transaction).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from app.apps.service import get_app, require_app
from app.audit import service as audit
from app.directory.repository import effective_user_facts
from app.errors import NotFound, field_error, reject_nulls
from app.evaluation import rules as engine
from app.evaluation.conditions import parse_list
from app.evaluation.errors import EvaluationError
from app.jobs.kinds import JobKind
from app.jobs.service import start_job
from app.mappings.schemas import read_fields, stored_fields
from app.mappings.service import reorder
from app.models import RuleRow, utcnow
from app.provisioning.rules import repository as repo
from app.provisioning.rules.compiled import to_domain
from app.provisioning.rules.entitlements import Entitlements, entitlements_of
from app.provisioning.rules.schemas import (
    CheckGroup,
    CheckLicense,
    CheckUser,
    PlanRead,
    RuleCreate,
    RuleRead,
    RuleUpdate,
)
from app.provisioning.rules.validation import invalid, validate

REAPPLY_JOB = JobKind.assignments_recompute
"""Reapplying an app's rules recomputes its assignments: the same job a rule change starts."""


def _rules_changed(session: Session, app_id: int) -> None:
    """Rules of this app changed: its assignments are recomputed in the background."""
    start_job(session, JobKind.assignments_recompute, {"app_id": app_id}, created_by="rules")


# --- conversion -----------------------------------------------------------------------------


def to_read(row: RuleRow) -> RuleRead:
    assert row.id is not None
    return RuleRead(id=row.id, app_id=row.app_id, **read_fields(row))


# --- CRUD -----------------------------------------------------------------------------------


def list_rules(session: Session, app_id: int) -> list[RuleRow]:
    require_app(session, app_id)
    return repo.list_rules(session, app_id)


def get_rule(session: Session, app_id: int, rule_id: int) -> RuleRow:
    require_app(session, app_id)
    return _rule_of(session, app_id, rule_id)


def _rule_of(session: Session, app_id: int, rule_id: int, *, lock: bool = False) -> RuleRow:
    row = repo.get_rule(session, rule_id, lock=lock)
    # A rule of another app is "not found" here: ids must not leak across apps.
    if row is None or row.app_id != app_id:
        raise NotFound(f"Rule {rule_id} does not exist for app {app_id}.")
    return row


def create_rule(session: Session, app_id: int, data: RuleCreate) -> RuleRow:
    app = get_app(session, app_id)
    position = data.position
    if position is None:
        position = repo.next_position(session, app_id)
    row = RuleRow(app_id=app_id, position=position, **stored_fields(data))
    validate(session, app, to_domain(row), conditions=True, actions=True)
    session.add(row)
    session.flush()
    audit.record(session, "rule.created", row)
    _rules_changed(session, app_id)
    return row


def update_rule(session: Session, app_id: int, rule_id: int, data: RuleUpdate) -> RuleRow:
    app = get_app(session, app_id)
    row = _rule_of(session, app_id, rule_id, lock=True)  # parallel PATCHes apply in turn
    before = audit.snapshot(row)
    changes = data.model_dump(exclude_unset=True)
    reject_nulls(changes, changes.keys())
    for key, value in changes.items():
        setattr(row, key, value)
    validate(
        session,
        app,
        to_domain(row),
        conditions="conditions" in changes,
        actions="actions" in changes,
    )
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    audit.record(session, "rule.updated", row, before)
    _rules_changed(session, app_id)
    return row


def delete_rule(session: Session, app_id: int, rule_id: int) -> None:
    row = get_rule(session, app_id, rule_id)
    audit.record(session, "rule.deleted", row)
    session.delete(row)
    session.flush()
    _rules_changed(session, app_id)


def sort_rules(session: Session, app_id: int, ordered_ids: Sequence[int]) -> list[RuleRow]:
    rows: dict[int | None, Any] = {r.id: r for r in list_rules(session, app_id)}
    ordered = reorder(session, rows, ordered_ids, f"rule id of app {app_id}")
    _rules_changed(session, app_id)
    return ordered


def rules_referencing(session: Session, source: str, directory_id: int) -> list[int]:
    """Ids of rules (any app) whose conditions name this directory role (`has_role`) or group
    (`group`): deleting it would silently change what they match, so callers refuse (409)."""
    out = set()
    for row in repo.all_rules(session):
        for c in row.conditions or []:
            if c.get("source") == source and str(directory_id) in parse_list(c.get("value") or ""):
                out.add(row.id)
    return sorted(i for i in out if i is not None)


# --- check rule with users ------------------------------------------------------------------


def check_rule(
    session: Session, app_id: int, rule_id: int, user_ids: Sequence[int]
) -> list[CheckUser]:
    """What this rule alone (enabled or not) would give each user, changing nothing."""
    app = get_app(session, app_id)
    rule = to_domain(_rule_of(session, app_id, rule_id))
    facts = {f.id: f for f in effective_user_facts(session, user_ids)}
    missing = sorted({u for u in user_ids if u not in facts})
    if missing:
        raise field_error("user_ids", f"Users do not exist: {missing}.", "not_found")
    ents = entitlements_of(app) or Entitlements({}, {})
    out = []
    for user_id in dict.fromkeys(user_ids):
        try:
            result = engine.check_rule(rule, facts[user_id])
        except EvaluationError as exc:
            raise invalid(exc) from None
        out.append(_check_user(user_id, result, ents))
    return out


def _check_user(user_id: int, result: engine.RuleCheck, ents: Entitlements) -> CheckUser:
    licenses = []
    for sku_id, disabled in result.licenses.items():
        lic = ents.licenses.get(sku_id)
        plans = lic.plans if lic else {}
        licenses.append(
            CheckLicense(
                sku_id=sku_id,
                sku_part_number=lic.part_number if lic else None,
                disabled_plans=[
                    PlanRead(service_plan_id=p, service_plan_name=plans.get(p))
                    for p in sorted(disabled)
                ],
                enabled_plans=[
                    PlanRead(service_plan_id=p, service_plan_name=name)
                    for p, name in plans.items()
                    if p not in disabled
                ],
            )
        )
    groups = []
    for group_id in result.groups:
        group = ents.groups.get(group_id)
        groups.append(CheckGroup(id=group_id, display_name=group.display_name if group else None))
    return CheckUser(
        user_id=user_id,
        will_be_mapped=result.will_be_mapped,
        result="will be mapped" if result.will_be_mapped else "will not be mapped",
        licenses=licenses,
        groups=groups,
        parameters=dict(result.parameters),
    )
