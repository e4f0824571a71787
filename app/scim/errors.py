"""SCIM's own error shape (RFC 7644 3.12) for everything under /scim/v2.

The SCIM application is mounted apart from the main API, so these handlers see only SCIM
requests: identity providers get `urn:ietf:params:scim:api:messages:2.0:Error` bodies while the
rest of the API keeps problem+json. Directory errors (`ProblemError`) raised by the services we
reuse are translated here rather than caught at each call.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from scim2_models import Error, SCIMException
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import ProblemError, database_unavailable, reason, unavailable

SCIM_JSON = "application/scim+json"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"

log = logging.getLogger("app.scim")

# What a directory error means in SCIM terms (status -> scimType).
_PROBLEM_SCIM_TYPES = {400: "invalidValue", 409: "uniqueness", 422: "invalidValue"}


def error_response(
    status: int,
    detail: str | None,
    scim_type: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"schemas": [ERROR_SCHEMA], "status": str(status)}
    if scim_type:
        body["scimType"] = scim_type
    if detail:
        body["detail"] = detail
    return JSONResponse(body, status_code=status, media_type=SCIM_JSON, headers=headers)


def _from_error(error: Error) -> JSONResponse:
    return error_response(error.status or 400, error.detail, error.scim_type)


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(SCIMException)
    async def _scim(_: Request, exc: SCIMException) -> JSONResponse:
        return _from_error(exc.to_error())

    @app.exception_handler(ValidationError)
    async def _invalid(_: Request, exc: ValidationError) -> JSONResponse:
        # scim2-models reports its own errors (mutability, noTarget...) inside pydantic's.
        errors = Error.from_validation_errors(exc)
        return _from_error(errors[0]) if errors else error_response(400, str(exc), "invalidValue")

    @app.exception_handler(ProblemError)
    async def _problem(_: Request, exc: ProblemError) -> JSONResponse:
        detail = exc.detail or exc.title
        if exc.errors:
            detail = "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
        return error_response(exc.status, detail, _PROBLEM_SCIM_TYPES.get(exc.status), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _request(_: Request, exc: RequestValidationError) -> JSONResponse:
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors()
        )
        return error_response(400, detail, "invalidValue")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(exc.status_code, str(exc.detail), None, getattr(exc, "headers", None))

    @app.exception_handler(IntegrityError)
    async def _unique(_: Request, exc: IntegrityError) -> JSONResponse:
        # Two identity-provider calls created the same userName at once: the database kept the
        # first; the second is told so, as SCIM says (409 uniqueness), never a 500.
        log.info("scim integrity conflict: %s", exc.orig)
        return error_response(
            409,
            "A concurrent request created the same resource; nothing was changed.",
            "uniqueness",
        )

    @app.exception_handler(DataError)
    async def _data(_: Request, exc: DataError) -> JSONResponse:
        log.info("scim data error: %s", exc.orig)
        return error_response(400, "A value is out of range or cannot be stored.", "invalidValue")

    # As the REST API: every driver error but integrity and data errors (handled above).
    @app.exception_handler(DBAPIError)
    async def _unavailable(request: Request, exc: DBAPIError) -> JSONResponse:
        if not database_unavailable(exc):
            return await _unexpected(request, exc)
        log.warning("database unavailable on SCIM %s: %s", request.url.path, reason(exc))
        busy = unavailable()
        return error_response(busy.status, busy.detail, None, busy.headers)

    @app.exception_handler(SATimeoutError)
    async def _busy(_: Request, exc: SATimeoutError) -> JSONResponse:
        return error_response(
            503, "The service is busy; retry shortly.", None, {"Retry-After": "1"}
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled SCIM error on %s %s", request.method, request.url.path)
        return error_response(500, "An unexpected error occurred.")
