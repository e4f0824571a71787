"""HTTP routes for directory sources: CRUD and the connection test.

Scopes: reading needs `read`. Creating, changing and deleting a source needs `admin`, as an
app's credentials do: a source holds a bind password, and it decides who is in the directory
(it adds, changes, disables and removes people, who then get or lose tenant accounts).
Testing a saved source needs `write` (it only talks to the configured server); testing
unsaved settings needs `admin`, since it makes this server connect to any host and port the
caller names.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from app.api.deps import Admin, Reader, SessionDep, Writer
from app.api.ids import Id
from app.api.routing import ProblemRoute, problem
from app.models import Source
from app.pagination import Page, PageParams, paginate
from app.sources import repository, service
from app.sources.schemas import (
    ConnectionReport,
    SourceCreate,
    SourceDeleted,
    SourceRead,
    SourceTestRequest,
    SourceUpdate,
)

router = APIRouter(route_class=ProblemRoute, tags=["sources"])

_INVALID = problem(
    422,
    "Malformed or invalid settings: a URL that is not ldaps:// or ldap://host:port, a `tls` "
    "that does not fit the URL's scheme, `plaintext` without `allow_plaintext`, a filter that "
    "is not RFC 4515, a DN that is not RFC 4514, an unknown field or a bad LDAP attribute name "
    "in `attribute_map`, a PEM that is not an X.509 certificate; `errors` names the field",
)
_CONFLICT = problem(
    409,
    "A source with this name exists, or (PATCH) the anchor of a source that owns people "
    "would change",
)


@router.get("/sources", response_model=Page[SourceRead], operation_id="sources-list")
def list_sources(session: SessionDep, _: Reader, page: PageParams = Depends()) -> Page[SourceRead]:
    rows, cursor, url = paginate(session, repository.query(), Source.id, page)
    return Page(items=service.reads(session, list(rows)), next_cursor=cursor, next=url)


@router.post(
    "/sources",
    status_code=201,
    response_model=SourceRead,
    operation_id="sources-create",
    responses={409: _CONFLICT, 422: _INVALID},
)
def create_source(data: SourceCreate, session: SessionDep, _: Admin) -> SourceRead:
    """Add an LDAP or Active Directory server whose people and groups feed the directory.
    Settings left out take the kind's defaults (Active Directory: as Azure AD Connect;
    `ldap`: inetOrgPerson). The bind password is stored encrypted and never returned.
    Needs `admin`."""
    return service.read(session, service.create_source(session, data))


@router.get("/sources/{source_id:int}", response_model=SourceRead, operation_id="sources-get")
def get_source(source_id: Id, session: SessionDep, _: Reader) -> SourceRead:
    return service.read(session, service.get_source(session, source_id))


@router.patch(
    "/sources/{source_id:int}",
    response_model=SourceRead,
    operation_id="sources-update",
    responses={409: _CONFLICT, 422: _INVALID},
)
def update_source(source_id: Id, data: SourceUpdate, session: SessionDep, _: Admin) -> SourceRead:
    """Change a source; `attribute_map` is merged (RFC 7396: null removes a mapping). A
    change of the server, base DNs, filters, map or anchor makes the next sync a full one.
    Needs `admin`."""
    return service.read(session, service.update_source(session, source_id, data))


@router.delete(
    "/sources/{source_id:int}",
    response_model=SourceDeleted,
    operation_id="sources-delete",
    responses={409: problem(409, "A sync of the source is running: delete it once it ends")},
)
def delete_source(source_id: Id, session: SessionDep, _: Admin) -> SourceDeleted:
    """Delete a source. Its people are released, not deleted: they keep their values and
    become API-managed (the answer says how many). Needs `admin`."""
    return service.delete_source(session, source_id)


@router.post(
    "/sources/{source_id:int}/test",
    response_model=ConnectionReport,
    operation_id="sources-test",
)
def test_source(source_id: Id, session: SessionDep, _: Writer) -> ConnectionReport:
    """Connect, bind, read the root DSE and count people and groups under each base DN with
    the stored settings. Writes nothing. A failure (unreachable, TLS, refused bind, unknown
    base DN) is a 200 report with `ok: false` and the step that failed."""
    return service.test_saved(session, source_id)


@router.post(
    "/sources/test",
    response_model=ConnectionReport,
    operation_id="sources-test-settings",
    responses={422: _INVALID},
)
def test_settings(data: SourceTestRequest, _: Admin) -> ConnectionReport:
    """The connection test for settings not saved yet (the body of `sources-create`). Needs
    `admin`: it connects to whatever host and port the body names."""
    return service.test_unsaved(data)
