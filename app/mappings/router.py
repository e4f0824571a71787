"""HTTP routes for mappings: CRUD, the editor catalog, sort, dry run and reapply."""

from __future__ import annotations

from fastapi import APIRouter, Body, Response

from app.api.deps import Reader, SessionDep, Writer
from app.api.ids import Id
from app.api.routing import ProblemRoute
from app.errors import InvalidInput
from app.evaluation.errors import EvaluationError
from app.jobs.schemas import JobRead, job_read
from app.jobs.service import start_job
from app.mappings import catalog, service
from app.mappings.schemas import (
    CatalogItem,
    ChangeRead,
    DryRunRead,
    DryRunUser,
    MappingCreate,
    MappingRead,
    MappingUpdate,
    UserIds,
)

router = APIRouter(route_class=ProblemRoute, tags=["mappings"])


@router.get("/mappings", response_model=list[MappingRead], operation_id="mappings-list")
def list_mappings(session: SessionDep, _: Reader) -> list[MappingRead]:
    """All mappings in evaluation order."""
    return [service.to_read(r) for r in service.list_mappings(session)]


@router.post(
    "/mappings", status_code=201, response_model=MappingRead, operation_id="mappings-create"
)
def create_mapping(data: MappingCreate, session: SessionDep, _: Writer) -> MappingRead:
    """Create a mapping. Like OneLogin, saving does not touch existing users: preview with
    `dry-run`, then `reapply`. A user's next change evaluates it at once."""
    return service.to_read(service.create_mapping(session, data))


@router.get(
    "/mappings/conditions", response_model=list[CatalogItem], operation_id="mappings-conditions"
)
def conditions(session: SessionDep, _: Reader) -> list[CatalogItem]:
    return catalog.condition_sources(session)


@router.get(
    "/mappings/conditions/{source}/operators",
    response_model=list[CatalogItem],
    operation_id="mappings-condition-operators",
)
def condition_operators(source: str, _: Reader) -> list[CatalogItem]:
    return catalog.condition_operators(source)


@router.get(
    "/mappings/conditions/{source}/values",
    response_model=list[CatalogItem],
    operation_id="mappings-condition-values",
)
def condition_values(source: str, session: SessionDep, _: Reader) -> list[CatalogItem]:
    """The values to pick from, for sources that take ids (`has_role`, `group`)."""
    return catalog.condition_values(session, source)


@router.get("/mappings/actions", response_model=list[CatalogItem], operation_id="mappings-actions")
def actions(_: Reader) -> list[CatalogItem]:
    return catalog.ACTIONS


@router.put("/mappings/sort", response_model=list[MappingRead], operation_id="mappings-sort")
def sort(
    session: SessionDep, _: Writer, ids: list[Id] = Body(..., examples=[[3, 1, 2]])
) -> list[MappingRead]:
    """Set the evaluation order: the body lists every mapping id, first to last."""
    return [service.to_read(r) for r in service.sort_mappings(session, ids)]


@router.post(
    "/mappings/reapply", status_code=202, response_model=JobRead, operation_id="mappings-reapply"
)
def reapply(session: SessionDep, principal: Writer) -> JobRead:
    """Re-evaluate every user against all mappings, in the background; poll the job."""
    return job_read(start_job(session, service.REAPPLY_JOB, created_by=principal.label))


@router.get("/mappings/{mapping_id:int}", response_model=MappingRead, operation_id="mappings-get")
def get_mapping(mapping_id: Id, session: SessionDep, _: Reader) -> MappingRead:
    return service.to_read(service.get_mapping(session, mapping_id))


@router.patch(
    "/mappings/{mapping_id:int}", response_model=MappingRead, operation_id="mappings-update"
)
def update_mapping(
    mapping_id: Id, data: MappingUpdate, session: SessionDep, _: Writer
) -> MappingRead:
    return service.to_read(service.update_mapping(session, mapping_id, data))


@router.delete("/mappings/{mapping_id:int}", status_code=204, operation_id="mappings-delete")
def delete_mapping(mapping_id: Id, session: SessionDep, _: Writer) -> Response:
    service.delete_mapping(session, mapping_id)
    return Response(status_code=204)


@router.post(
    "/mappings/{mapping_id:int}/dry-run", response_model=DryRunRead, operation_id="mappings-dry-run"
)
def dry_run(mapping_id: Id, data: UserIds, session: SessionDep, _: Reader) -> DryRunRead:
    """What this mapping would do for these users (even while disabled), changing nothing."""
    try:
        results = service.dry_run(session, mapping_id, data.user_ids)
    except EvaluationError as exc:
        raise InvalidInput(exc.message) from None
    return DryRunRead(
        mapping_id=mapping_id,
        users=[
            DryRunUser(
                user_id=uid,
                will_be_mapped=r.will_be_mapped,
                result="will be mapped" if r.will_be_mapped else "will not be mapped",
                changes=[
                    ChangeRead(**{k: getattr(c, k) for k in ChangeRead.model_fields})
                    for c in r.changes
                ],
            )
            for uid, r in results
        ],
    )
