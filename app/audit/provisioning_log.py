"""The provisioning log: each task and each of its steps in words, with names ("added license
Office 365 E3"), the Graph request that carried each step, Graph's answer and request id, the
engine's events for the task, and why the user's assignment wants what it wants ("rule 'Josh'
granted Office 365 E3", "mapping 'Office 365 members' granted role 'Office 365'")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from app.audit import repository as repo
from app.audit.explain import Names, why_read
from app.audit.schemas import GraphCallRead, LogEvent, LogStep, NamedRef, ProvisioningLogEntry
from app.models import StepKind, Task

# Which `$batch` requests (executor/keys.py `Step`, by name) carry each kind of step.
_REQUESTS: dict[str, tuple[str, ...]] = {
    StepKind.link: ("read_user", "find_by_immutable_id", "find_by_upn"),
    StepKind.restore: ("restore",),
    StepKind.create: ("create",),
    StepKind.attributes: ("patch",),
    StepKind.delete: ("delete",),
    StepKind.license_add: ("assign_license",),
    StepKind.license_remove: ("assign_license",),
    StepKind.group_add: ("bind_members", "add_member"),
    StepKind.group_remove: ("remove_member",),
}
_VERBS = {
    StepKind.link: "linked to the tenant user",
    StepKind.restore: "restored the tenant user",
    StepKind.create: "created the tenant user",
    StepKind.attributes: "updated",
    StepKind.delete: "deleted the tenant user",
    StepKind.license_add: "added license",
    StepKind.license_remove: "removed license",
    StepKind.group_add: "added to group",
    StepKind.group_remove: "removed from group",
    StepKind.write_back: "wrote the tenant's ImmutableID back to",
}


def _call_for(step: dict[str, Any], calls: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The latest request that carried this step (a group's requests name the group)."""
    wanted = _REQUESTS.get(step["kind"], ())
    target = step.get("target") or ""
    groups = (StepKind.group_add, StepKind.group_remove)
    for call in reversed(calls):
        if call.get("request") not in wanted:
            continue
        if step["kind"] in groups and target not in str(call.get("path")):
            continue
        return dict(call)
    return None


def _step(names: Names, task: Task, step: dict[str, Any], calls: list[dict[str, Any]]) -> LogStep:
    kind, target = step["kind"], step.get("target")
    target_name: str | None = None
    if kind in (StepKind.license_add, StepKind.license_remove) and target:
        target_name = names.license(task.app_id, target)
    elif kind in (StepKind.group_add, StepKind.group_remove) and target:
        target_name = names.group(task.app_id, target)
    shown = target_name or target or ""
    if kind in (StepKind.group_add, StepKind.group_remove) and target_name:
        shown = f"'{target_name}'"
    text = f"{_VERBS.get(kind, kind)} {shown}".strip() + f": {step['status']}"
    error = step.get("error")
    if error:
        text += f" (Graph {error.get('status')} {error.get('code')}: {error.get('message')})"
    call = _call_for(step, calls)
    return LogStep(
        kind=kind,
        target=target,
        target_name=target_name,
        status=step["status"],
        text=text,
        reason=step.get("reason"),
        error=error,
        graph_call=GraphCallRead.model_validate(call) if call else None,
    )


def entries(session: Session, tasks: Sequence[Task]) -> list[ProvisioningLogEntry]:
    assignments = repo.assignments_by_id(
        session, {t.assignment_id for t in tasks if t.assignment_id is not None}
    )
    whys = {a_id: a.why for a_id, a in assignments.items()}
    names = Names.load(session, whys.values(), {t.app_id for t in tasks})
    users = repo.usernames(session, {t.user_id for t in tasks if t.user_id is not None})
    events = repo.events_of_tasks(session, [t.id for t in tasks if t.id is not None])
    out = []
    for t in tasks:
        assert t.id is not None
        app = names.apps.get(t.app_id)
        user = users.get(t.user_id) if t.user_id is not None else None
        calls = list(t.graph_calls or [])
        steps = [_step(names, t, s, calls) for s in t.steps or []]
        why = whys.get(t.assignment_id) if t.assignment_id is not None else None
        text = (
            f"task {t.id}: {t.action} of {_whom(t, user)} in "
            f"{_name(app.name if app else None, 'app', t.app_id)}: {t.status}"
        )
        if t.reason:
            text += f" ({t.reason})"
        out.append(
            ProvisioningLogEntry(
                task_id=t.id,
                app=NamedRef(id=t.app_id, name=app.name if app else None),
                user=NamedRef(id=t.user_id, name=user) if t.user_id is not None else None,
                action=t.action,
                status=t.status,
                reason=t.reason,
                text=text,
                approved_by=t.approved_by,
                denied_by=t.denied_by,
                correlation_id=t.correlation_id,
                created_at=t.created_at,
                finished_at=t.finished_at,
                why=why_read(names, t.app_id, why),
                steps=steps,
                graph_calls=[GraphCallRead.model_validate(c) for c in calls],
                events=[
                    LogEvent(kind=e.kind, data=e.data or {}, created_at=e.created_at)
                    for e in events.get(t.id, [])
                ],
            )
        )
    return out


def _whom(t: Task, user: str | None) -> str:
    """The person a task is for: a directory user, or (deprovisioning an account that
    belongs to nobody here) the tenant account its plan names."""
    if t.user_id is None:
        upn = (t.plan or {}).get("user_principal_name")
        return f"tenant account '{upn}'" if upn else "a tenant account"
    return _name(user, "user", t.user_id)


def _name(name: str | None, what: str, id_: int) -> str:
    return f"{what} '{name}'" if name else f"{what} {id_}"
