"""HTTP routes for per-app rules: CRUD, the editor catalog, sort, check and reapply.

Static paths (`conditions`, `actions`, `sort`, `reapply`) are declared before `{rule_id}` so
they never parse as a rule id.
"""

from __future__ import annotations

from fastapi import APIRouter, Body, Response

from app.api.deps import Reader, SessionDep, Writer
from app.api.ids import Id
from app.api.routing import ProblemRoute, problems
from app.apps.service import get_app, require_app
from app.jobs.schemas import JobRead, job_read
from app.jobs.service import start_job
from app.mappings import catalog as conditions_catalog
from app.mappings.schemas import CatalogItem, UserIds
from app.provisioning.rules import catalog, service
from app.provisioning.rules.schemas import (
    ActionValue,
    CheckRead,
    RuleCreate,
    RuleRead,
    RuleUpdate,
)

router = APIRouter(route_class=ProblemRoute, prefix="/apps/{app_id:int}/rules", tags=["rules"])


@router.get("", response_model=list[RuleRead], operation_id="rules-list")
def list_rules(app_id: Id, session: SessionDep, _: Reader) -> list[RuleRead]:
    """The app's rules in evaluation order."""
    return [service.to_read(r) for r in service.list_rules(session, app_id)]


@router.post("", status_code=201, response_model=RuleRead, operation_id="rules-create")
def create_rule(app_id: Id, data: RuleCreate, session: SessionDep, _: Writer) -> RuleRead:
    """Create a rule. Licenses, groups and parameters are checked against the app's refreshed
    entitlements and parameters; the app's assignments are recomputed in the background."""
    return service.to_read(service.create_rule(session, app_id, data))


@router.get("/conditions", response_model=list[CatalogItem], operation_id="rules-conditions")
def conditions(app_id: Id, session: SessionDep, _: Reader) -> list[CatalogItem]:
    require_app(session, app_id)
    return conditions_catalog.condition_sources(session)


@router.get(
    "/conditions/{source}/operators",
    response_model=list[CatalogItem],
    operation_id="rules-condition-operators",
)
def condition_operators(
    app_id: Id, source: str, session: SessionDep, _: Reader
) -> list[CatalogItem]:
    require_app(session, app_id)
    return conditions_catalog.condition_operators(source)


@router.get(
    "/conditions/{source}/values",
    response_model=list[CatalogItem],
    operation_id="rules-condition-values",
)
def condition_values(app_id: Id, source: str, session: SessionDep, _: Reader) -> list[CatalogItem]:
    """The values to pick from, for sources that take ids (`has_role`, `group`)."""
    require_app(session, app_id)
    return conditions_catalog.condition_values(session, source)


@router.get("/actions", response_model=list[CatalogItem], operation_id="rules-actions")
def actions(app_id: Id, session: SessionDep, _: Reader) -> list[CatalogItem]:
    require_app(session, app_id)
    return catalog.ACTIONS


@router.get(
    "/actions/{action}/values",
    response_model=list[ActionValue],
    operation_id="rules-action-values",
    responses=problems(409),
)
def action_values(app_id: Id, action: str, session: SessionDep, _: Reader) -> list[ActionValue]:
    """Licenses (with free seats and service plans), Microsoft 365 groups, or parameters.
    409 until the app has refreshed its entitlements."""
    return catalog.action_values(get_app(session, app_id), action)


@router.put("/sort", response_model=list[RuleRead], operation_id="rules-sort")
def sort(
    app_id: Id, session: SessionDep, _: Writer, ids: list[Id] = Body(..., examples=[[3, 1, 2]])
) -> list[RuleRead]:
    """Set the evaluation order: the body lists every rule id of the app, first to last."""
    return [service.to_read(r) for r in service.sort_rules(session, app_id, ids)]


@router.post("/reapply", status_code=202, response_model=JobRead, operation_id="rules-reapply")
def reapply(app_id: Id, session: SessionDep, principal: Writer) -> JobRead:
    """Reapply provisioning mappings: recompute every assigned user's desired state for this
    app, in the background; poll the job."""
    require_app(session, app_id)
    job = start_job(
        session, service.REAPPLY_JOB, params={"app_id": app_id}, created_by=principal.label
    )
    return job_read(job)


@router.get("/{rule_id:int}", response_model=RuleRead, operation_id="rules-get")
def get_rule(app_id: Id, rule_id: Id, session: SessionDep, _: Reader) -> RuleRead:
    return service.to_read(service.get_rule(session, app_id, rule_id))


@router.patch("/{rule_id:int}", response_model=RuleRead, operation_id="rules-update")
def update_rule(
    app_id: Id, rule_id: Id, data: RuleUpdate, session: SessionDep, _: Writer
) -> RuleRead:
    """Change a rule. References (roles, groups, licenses, parameters) are re-checked only for
    the parts sent, so a rule whose license has left the tenant can still be disabled."""
    return service.to_read(service.update_rule(session, app_id, rule_id, data))


@router.delete("/{rule_id:int}", status_code=204, operation_id="rules-delete")
def delete_rule(app_id: Id, rule_id: Id, session: SessionDep, _: Writer) -> Response:
    service.delete_rule(session, app_id, rule_id)
    return Response(status_code=204)


@router.post("/{rule_id:int}/check", response_model=CheckRead, operation_id="rules-check")
def check(app_id: Id, rule_id: Id, data: UserIds, session: SessionDep, _: Reader) -> CheckRead:
    """Check rule with users: whether each user will be mapped by this rule (enabled or not),
    seeing their effective roles, group and attributes, and what it would give them."""
    return CheckRead(
        rule_id=rule_id, users=service.check_rule(session, app_id, rule_id, data.user_ids)
    )
