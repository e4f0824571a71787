"""HTTP routes for apps: CRUD, the tenant actions (verify domain, authenticate, clear token,
refresh entitlements, preflight) and the admin-consent callback.

The callback lives outside `/api/v1`: Microsoft redirects the admin's browser to it, which
cannot carry our bearer token, so the single-use state alone authenticates it.
"""

from __future__ import annotations

import html
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from app.api.deps import Reader, SessionDep, Writer
from app.api.ids import Id
from app.api.routing import ProblemRoute, problem, problems
from app.apps import preflight, repository, service, tenant
from app.apps.errors import ConsentFailed, from_graph
from app.apps.runtime import GraphRuntime, api_runtime, prove_consent, unconsented_connection
from app.apps.schemas import (
    AppCreate,
    AppRead,
    AppUpdate,
    AuthorizeRead,
    DomainCheckRead,
    PreflightReport,
    SandboxDemoRead,
)
from app.audit import activity
from app.db import transaction
from app.errors import Problem
from app.graph import GraphError
from app.jobs.kinds import JobKind
from app.jobs.schemas import JobRead, job_read
from app.jobs.service import start_job
from app.models import App, Scope
from app.pagination import Page, PageParams, paginate
from app.settings import get_settings
from app.sync import service as sync_service

router = APIRouter(route_class=ProblemRoute, tags=["apps"])
Runtime = Annotated[GraphRuntime, Depends(api_runtime)]

_TENANT_PROBLEMS: dict[int | str, dict[str, object]] = {
    status: {"model": Problem, "content": {"application/problem+json": {}}, "description": desc}
    for status, desc in {
        409: "The app is not authenticated, has no credentials, or the tenant refused us",
        502: "Microsoft Graph returned an unexpected error",
        503: "Microsoft Graph did not answer",
    }.items()
}


@router.get("/apps", response_model=Page[AppRead], operation_id="apps-list")
def list_apps(session: SessionDep, _: Reader, page: PageParams = Depends()) -> Page[AppRead]:
    rows, cursor, url = paginate(session, repository.query(), App.id, page)
    return Page(items=[service.to_read(a) for a in rows], next_cursor=cursor, next=url)


@router.post("/apps", status_code=201, response_model=AppRead, operation_id="apps-create")
def create_app(data: AppCreate, session: SessionDep, _: Writer) -> AppRead:
    """Connect a tenant. The secret or certificate is stored encrypted and never returned."""
    return service.to_read(service.create_app(session, data))


@router.get("/apps/sandbox-demo", response_model=SandboxDemoRead, operation_id="apps-sandbox-demo")
def sandbox_demo(_: Reader) -> SandboxDemoRead:
    """The sandbox tenant this server talks to, as that sandbox reports itself (or why there
    is none): create an app from `example` to try everything."""
    return service.sandbox_demo(get_settings())


@router.get("/apps/{app_id:int}", response_model=AppRead, operation_id="apps-get")
def get_app(app_id: Id, session: SessionDep, _: Reader) -> AppRead:
    read = service.to_read(service.get_app(session, app_id))
    read.sync = sync_service.sync_read(session, app_id)
    return read


@router.patch(
    "/apps/{app_id:int}",
    response_model=AppRead,
    operation_id="apps-update",
    responses={
        403: {
            "model": Problem,
            "content": {"application/problem+json": {}},
            "description": "A policy or credential field changed without the `admin` scope",
        }
    },
)
def update_app(app_id: Id, data: AppUpdate, session: SessionDep, principal: Writer) -> AppRead:
    """Change an app. A new tenant, cloud or client id forgets consent and cached tokens.

    Needs `write`; changing who approves what (`approval_required`, `deletion_threshold`) or
    the deprovisioning policy (`on_user_deleted`, `on_user_suspended`, `on_app_removed`), or
    the credentials (`client_secret`, `certificate`, `client_id`, `tenant`) needs `admin`:
    a `write` token gets a 403 naming those fields and nothing changes. Each such change is
    in the audit trail (`audit-list`) as `app.policy_changed` / `app.credentials_changed`
    (who, which fields, before and after; a secret only as a fingerprint, a certificate as its
    thumbprint, never a value)."""
    updated = service.update_app(session, app_id, data, privileged=principal.has(Scope.admin))
    return service.to_read(updated)


@router.delete("/apps/{app_id:int}", status_code=204, operation_id="apps-delete")
def delete_app(app_id: Id, session: SessionDep, _: Writer) -> Response:
    """Remove the app; roles that granted it lose the link."""
    service.delete_app(session, app_id)
    return Response(status_code=204)


@router.post(
    "/apps/{app_id:int}/verify-domain",
    response_model=DomainCheckRead,
    operation_id="apps-verify-domain",
    responses=_TENANT_PROBLEMS,
)
async def verify_domain(
    app_id: Id, session: SessionDep, _: Writer, runtime: Runtime
) -> DomainCheckRead:
    """Ask the tenant whether the app's domain exists and is verified, and record whether it
    is Managed or Federated (federated UPNs need an ImmutableID)."""
    app = await run_in_threadpool(service.get_app, session, app_id)
    domain = app.domain
    async with activity.recorded(app_id, "verify_domain"):
        client = await runtime.client_for(app_id)
        try:
            status = await tenant.check_domain(client, domain)
            # Every verified federated domain counts, not only this one (users may get any).
            federated = (await tenant.verified_domains(client))[1]
        except GraphError as exc:
            raise from_graph(exc) from None
    app = await run_in_threadpool(service.record_domain, session, app_id, status, federated)
    return DomainCheckRead(
        domain=domain,
        exists=status.exists,
        verified=status.verified,
        type=status.type,
        checked_at=app.domain_checked_at,
    )


@router.get(
    "/apps/{app_id:int}/authorize",
    response_model=AuthorizeRead,
    operation_id="apps-authorize",
    responses=problems(409),
)
def authorize(app_id: Id, session: SessionDep, _: Writer) -> AuthorizeRead:
    """The "Authenticate" button: the Microsoft admin-consent URL for this app. The link works
    once and expires; Microsoft sends the admin back to `/oauth/consent/callback`, which
    records consent only once Microsoft issues the app a token for that tenant.

    Needs `write`, like "Clear token": completing it undoes a cleared token."""
    return service.start_consent(session, app_id, get_settings())


@router.delete("/apps/{app_id:int}/token", status_code=204, operation_id="apps-clear-token")
async def clear_token(app_id: Id, session: SessionDep, _: Writer, runtime: Runtime) -> Response:
    """The "Clear token" button: forget cached tokens and the recorded consent (authenticate
    again to reconnect)."""
    await run_in_threadpool(service.clear_token, session, app_id)
    await runtime.forget(app_id)
    return Response(status_code=204)


@router.post(
    "/apps/{app_id:int}/entitlements/refresh",
    status_code=202,
    response_model=JobRead,
    operation_id="apps-refresh-entitlements",
)
def refresh_entitlements(app_id: Id, session: SessionDep, principal: Writer) -> JobRead:
    """Pull the tenant's licenses and Microsoft 365 groups in the background; poll the job."""
    service.get_app(session, app_id)
    job = start_job(
        session, JobKind.refresh_entitlements, {"app_id": app_id}, created_by=principal.label
    )
    return job_read(job)


@router.get(
    "/apps/{app_id:int}/preflight",
    response_model=PreflightReport,
    operation_id="apps-preflight",
    responses=_TENANT_PROBLEMS,
)
async def run_preflight(app_id: Id, _: Reader, runtime: Runtime) -> PreflightReport:
    """Everything that would make provisioning fail or surprise an admin, in one report."""
    return await preflight.run(runtime, app_id)


# --- the admin-consent callback (no bearer token) ------------------------------------------

consent_router = APIRouter(tags=["apps"])


@consent_router.get(
    "/oauth/consent/callback",
    response_class=HTMLResponse,
    operation_id="oauth-consent-callback",
    responses={
        400: problem(400, "The consent did not complete, or the state is unknown or spent"),
        503: problem(503),
    },
)
async def consent_callback(request: Request) -> HTMLResponse:
    """Where Microsoft sends the admin after consent; authenticated by the single-use state.

    The query string is only a claim: the app counts as authenticated once Microsoft issues it
    an app-only token, with its own credentials, whose `tid` is the tenant named here and
    matches the app's configured tenant (GUID or domain). A refusal is a 400 saying why, and an
    `app.consent_failed` event.
    """
    params = {k: str(v) for k, v in request.query_params.items()}
    app_id, expired = await run_in_threadpool(_claim, params.get("state"))
    try:
        # The state is spent now (committed), whatever the rest of the callback says.
        if expired:
            raise ConsentFailed("This consent link has expired: start again from `apps-authorize`.")
        tenant_id = service.consent_answer(params)
        app = await run_in_threadpool(_load, app_id)
        proved_for = service.identity_of(app)
        cache = await prove_consent(get_settings(), unconsented_connection(app), tenant_id)
        name = await run_in_threadpool(_finish, app_id, tenant_id, proved_for, cache)
    except ConsentFailed as failed:
        reason = failed.detail or failed.title
        await run_in_threadpool(_record_failure, app_id, reason, params)
        raise
    body = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Consent recorded</title></head>"
        f"<body><h1>Consent recorded</h1><p>{html.escape(name)} is authenticated for tenant "
        f"{html.escape(tenant_id)}. You can close this window.</p></body></html>"
    )
    return HTMLResponse(body)


def _claim(state: str | None) -> tuple[int, bool]:
    with transaction() as session:
        return service.claim_state(session, state)


def _load(app_id: int) -> App:
    with transaction() as session:
        app = service.get_app(session, app_id)
        session.expunge(app)
        return app


def _finish(
    app_id: int, tenant_id: str, proved_for: tuple[str, str, str], cache: str | None
) -> str:
    with transaction() as session:
        return service.finish_consent(session, app_id, tenant_id, proved_for, cache).name


def _record_failure(app_id: int, reason: str, params: dict[str, str]) -> None:
    with transaction() as session:
        service.record_consent_failure(session, app_id, reason, params)
