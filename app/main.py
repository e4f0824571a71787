"""The FastAPI application: routers, error handlers, local API docs, start-up checks."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from app import db, errors, queue
from app.api import health
from app.api.auth_gate import AuthGateMiddleware
from app.api.limits import BodyLimitMiddleware
from app.api.routing import ProblemRoute, install_problem_openapi
from app.apps.router import consent_router
from app.apps.router import router as apps_router
from app.apps.runtime import close_api_runtime
from app.audit.router import router as audit_router
from app.background import install_dispatcher
from app.directory.router import router as directory_router
from app.drift.router import router as drift_router
from app.jobs.router import router as jobs_router
from app.mappings.router import router as mappings_router
from app.observability import router as observability
from app.observability.middleware import MetricsMiddleware, RequestIdMiddleware
from app.provisioning.router import router as provisioning_router
from app.provisioning.rules.router import router as rules_router
from app.scim.router import create_scim_app
from app.settings import Settings, get_settings
from app.source_sync.router import router as source_sync_router
from app.sources.router import router as sources_router
from app.sync.router import router as sync_router
from app.tenant_accounts.router import router as tenant_accounts_router
from app.tokens.router import router as tokens_router
from app.webhooks.router import router as webhooks_router

log = logging.getLogger("app")

DOCS_ASSETS = Path(fastapi_offline.__file__).parent / "static"

DESCRIPTION = """\
Keeps a Microsoft 365 tenant in step with a directory of people.

Every `/api/v1` call needs `Authorization: Bearer <token>` (create one with
`provisioner token create --scope admin`). Errors are `application/problem+json` (RFC 9457).
"""


def api_router() -> APIRouter:
    # Each route's problem responses come from its route class (`app.api.routing`).
    api = APIRouter(prefix="/api/v1", route_class=ProblemRoute)
    api.include_router(directory_router)
    api.include_router(mappings_router)
    api.include_router(jobs_router)
    api.include_router(apps_router)
    api.include_router(rules_router)
    api.include_router(provisioning_router)
    api.include_router(tokens_router)
    api.include_router(webhooks_router)
    api.include_router(audit_router)
    api.include_router(tenant_accounts_router)
    api.include_router(drift_router)
    api.include_router(sync_router)
    api.include_router(sources_router)
    api.include_router(source_sync_router)
    return api


def create_app(settings: Settings | None = None, *, check_schema: bool = True) -> FastAPI:
    settings = settings or get_settings()
    install_dispatcher(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if check_schema:
            db.check_schema(db.get_engine())
        yield
        await close_api_runtime(_)
        queue.close_dispatcher()

    app = FastAPI(
        title=settings.docs_title,
        version="0.1.0",
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    errors.install_handlers(app)
    app.include_router(health.router)
    app.include_router(observability.router)
    app.include_router(api_router())
    app.include_router(consent_router)
    # SCIM is its own ASGI app: its errors use SCIM's shape and it is described by its own
    # discovery endpoints rather than by our OpenAPI document.
    app.mount("/scim/v2", create_scim_app(), name="scim")
    _install_docs(app)
    install_problem_openapi(app)
    # Added last so the request id is the outermost layer: every log line and metric of the
    # request, error handlers included, runs with the id bound.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    # Outside the body limit: a request without a token is told 401 before anything reads it.
    app.add_middleware(AuthGateMiddleware)
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(RequestIdMiddleware)
    return app


def _swagger_ui(request: Request) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title=f"{request.app.title} - API",
        swagger_js_url="/docs-assets/swagger-ui-bundle.js",
        swagger_css_url="/docs-assets/swagger-ui.css",
        swagger_favicon_url="/docs-assets/favicon.png",
        swagger_ui_parameters={"persistAuthorization": True, "displayOperationId": True},
    )


def _redoc(request: Request) -> HTMLResponse:
    return get_redoc_html(
        openapi_url="/openapi.json",
        title=f"{request.app.title} - ReDoc",
        redoc_js_url="/docs-assets/redoc.standalone.js",
        redoc_favicon_url="/docs-assets/favicon.png",
        with_google_fonts=False,
    )


def _install_docs(app: FastAPI) -> None:
    # Served from the package's own copies: the machine running this may have no internet.
    app.mount("/docs-assets", StaticFiles(directory=DOCS_ASSETS), name="docs-assets")
    # Module-level endpoints reading the app from the request, not closures over `app`:
    # FastAPI caches what it learns of each endpoint function (keyed on the function), so a
    # closure would keep its whole app alive for as long as the process lives, one per
    # `create_app` (the test suite builds hundreds).
    app.add_api_route("/docs", _swagger_ui, methods=["GET"], include_in_schema=False)
    app.add_api_route("/redoc", _redoc, methods=["GET"], include_in_schema=False)
