"""No token, no parsing: a request to the API without a bearer token is answered 401 first.

FastAPI reads and decodes a JSON body before it runs any dependency, so a POST with no token
and a malformed body was told 422 about its body. This plain ASGI layer looks only at the
`Authorization` header of `/api/v1` and `/scim/v2` requests: none, or not `Bearer`, is a 401
in the API's problem shape (SCIM's error shape under `/scim/v2`) before the body is read. The
token itself is still checked by `app.security`.
"""

from __future__ import annotations

import json

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import PROBLEM_JSON, TYPE_BASE

PROTECTED = ("/api/v1/", "/scim/v2/")
SCIM_JSON = "application/scim+json"
SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def _has_bearer(scope: Scope) -> bool:
    value = Headers(scope=scope).get("authorization", "")
    scheme, _, credentials = value.partition(" ")
    return scheme.lower() == "bearer" and bool(credentials.strip())


class AuthGateMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if (
            (not path.startswith(PROTECTED) and path not in ("/api/v1", "/scim/v2"))
            or scope.get("method") == "OPTIONS"
            or _has_bearer(scope)
        ):
            await self.app(scope, receive, send)
            return
        detail = "Send `Authorization: Bearer <token>`."
        if path.startswith("/scim/v2"):
            body: dict[str, object] = {"schemas": [SCIM_ERROR], "status": "401", "detail": detail}
            media = SCIM_JSON
        else:
            body = {
                "type": TYPE_BASE + "unauthorized",
                "title": "Authentication required",
                "status": 401,
                "detail": detail,
                "instance": path,
            }
            media = PROBLEM_JSON
        raw = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", media.encode()),
                    (b"content-length", str(len(raw)).encode()),
                    (b"www-authenticate", b'Bearer realm="provisioner"'),
                ],
            }
        )
        await send({"type": "http.response.body", "body": raw})
