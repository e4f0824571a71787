"""Problem details (RFC 9457) for every error the API returns.

Services raise `ProblemError` subclasses; one set of handlers renders them, FastAPI's own
validation errors, HTTP errors and anything unexpected into the same problem+json shape.
422 is reserved for payloads that are malformed or fail validation.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://provisioner.dev/problems/"

log = logging.getLogger("app.errors")


class FieldError(BaseModel):
    field: str
    message: str
    code: str | None = None


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


class ProblemError(Exception):
    status: int = 500
    slug: str = "internal-error"
    title: str = "Internal server error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = errors
        self.headers = headers

    def to_problem(self, instance: str | None = None) -> Problem:
        return Problem(
            type=TYPE_BASE + self.slug,
            title=self.title,
            status=self.status,
            detail=self.detail,
            instance=instance,
            errors=self.errors,
        )


class BadRequest(ProblemError):
    status, slug, title = 400, "bad-request", "Bad request"


class Unauthorized(ProblemError):
    status, slug, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="provisioner"'})


class Forbidden(ProblemError):
    status, slug, title = 403, "forbidden", "Insufficient scope"


class NotFound(ProblemError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(ProblemError):
    status, slug, title = 409, "conflict", "Conflict"


class PreconditionFailed(ProblemError):
    status, slug, title = 412, "precondition-failed", "Precondition failed"


class InvalidInput(ProblemError):
    status, slug, title = 422, "validation-error", "Invalid input"


class ServiceUnavailable(ProblemError):
    status, slug, title = 503, "service-unavailable", "Service unavailable"


def field_error(field: str, message: str, code: str | None = None) -> InvalidInput:
    return InvalidInput(message, errors=[FieldError(field=field, message=message, code=code)])


def reject_nulls(changes: dict[str, Any], keys: Iterable[str]) -> None:
    """A PATCH may leave a required field out, but not set it to null."""
    for key in keys:
        if key in changes and changes[key] is None:
            raise field_error(key, f"{key} cannot be null.", "null")


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        problem.model_dump(exclude_none=True),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _loc_to_field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _field_error(error: dict[str, Any]) -> FieldError:
    """One validation error as a field error. Body JSON that does not parse has no field: its
    location is the character position, which belongs in the message, not in `field`."""
    if error["type"] == "json_invalid":
        loc = tuple(error["loc"])
        at = f" at character {loc[-1]}" if loc and isinstance(loc[-1], int) else ""
        return FieldError(field="body", message=f"{error['msg']}{at}", code=error["type"])
    return FieldError(
        field=_loc_to_field(tuple(error["loc"])), message=error["msg"], code=error["type"]
    )


def _allowed_methods(request: Request) -> str:
    """Every method some route answers on this path. Starlette's own 405 names the methods of
    the first route whose path matched; `GET /users` and `POST /users` are two routes."""
    from starlette.routing import Match

    allowed = [
        method
        for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.router.routes
        )
    ]
    return ", ".join(allowed)


def unavailable() -> ServiceUnavailable:
    """The answer to a database error of the operational kind (`OperationalError`): the
    connection was lost or refused (a restart, a failover: `AdminShutdown`, "the database
    system is starting up"), the statement was cancelled, a lock or the SQLite file was
    busy, a serialization or deadlock failure. The request's transaction was rolled back
    and nothing of it kept, and the same request may well succeed a moment later: 503 with
    Retry-After, never a 500."""
    return ServiceUnavailable(
        "The database is unavailable or busy; nothing was changed. Retry shortly.",
        headers={"Retry-After": "1"},
    )


def database_unavailable(exc: BaseException) -> bool:
    """Whether a database error says the database, not the request, failed, so `unavailable`
    answers it: an `OperationalError`, or a driver error of another class that SQLAlchemy's
    dialect recognised as a lost connection (`connection_invalidated`: psycopg2 raises
    `InterfaceError: connection already closed`, and SQLAlchemy then discards the pooled
    connection). Another `InterfaceError` (PEP 249: a misuse of the driver) or a
    `ProgrammingError` is a fault of ours, a 500. (SQLite raises even a statement it cannot
    parse as an `OperationalError`, so there such a fault is answered 503 too; the suite runs
    every statement on both databases.)"""
    if isinstance(exc, OperationalError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def reason(exc: DBAPIError) -> str:
    """What to log of a database error: its driver class only. Its text holds the SQL and
    its parameters, which may be people's values."""
    return type(exc.orig).__name__ if exc.orig is not None else type(exc).__name__


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(exc.to_problem(request.url.path), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [_field_error(e) for e in exc.errors()]
        problem = InvalidInput(
            "The request is malformed or has invalid values.", errors=errors
        ).to_problem(request.url.path)
        return problem_response(problem)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        try:
            title = HTTPStatus(exc.status_code).phrase
        except ValueError:
            title = "Error"
        slug = title.lower().replace(" ", "-")
        problem = Problem(
            type=TYPE_BASE + slug,
            title=title,
            status=exc.status_code,
            detail=str(exc.detail) if exc.detail and exc.detail != title else None,
            instance=request.url.path,
        )
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": _allowed_methods(request)}
        return problem_response(problem, headers)

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        # A uniqueness check passed, then a concurrent request committed the same key first
        # (two creates of one username, a retry racing a new plan): the database refused the
        # second write and nothing of this request was kept.
        log.info("integrity conflict on %s %s: %s", request.method, request.url.path, exc.orig)
        problem = Conflict(
            "A concurrent change conflicts with this one; nothing was changed. Read the "
            "current state and try again."
        ).to_problem(request.url.path)
        return problem_response(problem)

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> JSONResponse:
        # The database refused a value the API let through (an id beyond its integer range,
        # a NUL character in text): the input is bad, not the service. Nothing was kept.
        log.info("data error on %s %s: %s", request.method, request.url.path, exc.orig)
        problem = BadRequest(
            "A value in the request is out of range or has characters the service cannot "
            "store (for example an id above 2147483647, or a NUL character)."
        ).to_problem(request.url.path)
        return problem_response(problem)

    # Integrity and data errors have their own handlers above (Starlette picks the nearest
    # class); every other driver error lands here.
    @app.exception_handler(DBAPIError)
    async def _database_unavailable(request: Request, exc: DBAPIError) -> JSONResponse:
        if not database_unavailable(exc):
            return await _unexpected(request, exc)
        log.warning(
            "database unavailable on %s %s: %s", request.method, request.url.path, reason(exc)
        )
        answer = unavailable()
        return problem_response(answer.to_problem(request.url.path), answer.headers)

    @app.exception_handler(SATimeoutError)
    async def _pool_timeout(request: Request, exc: SATimeoutError) -> JSONResponse:
        # Every database connection is busy: shed load rather than hold the caller.
        problem = ServiceUnavailable("The service is busy; retry shortly.").to_problem(
            request.url.path
        )
        return problem_response(problem, {"Retry-After": "1"})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        from app.observability.context import current_request_id

        log.exception("unhandled error on %s %s", request.method, request.url.path)
        # This handler runs outside the request-id middleware (Starlette puts it outermost),
        # which re-binds the id before re-raising: echo it so a 500 can be traced too.
        request_id = current_request_id()
        return problem_response(
            ProblemError("An unexpected error occurred.").to_problem(request.url.path),
            {"X-Request-ID": request_id} if request_id else None,
        )


# Documented on every route so the generated client knows the error shape.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": desc}
    for status, desc in {
        401: "Missing or invalid token",
        403: "Token lacks the required scope",
        422: "Malformed or invalid input",
    }.items()
}
