"""SCIM fixtures: a client holding a `scim`-only token, plus builders for SCIM payloads."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support import ApiClient, make_token

SCIM_JSON = "application/scim+json"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


class ScimClient(ApiClient):
    """Calls /scim/v2 and checks SCIM's media type on every answer with a body."""

    def scim(self, method: str, url: str, expect: int, **kwargs: Any) -> Any:
        resp = self.request(method, "/scim/v2" + url, **kwargs)
        assert resp.status_code == expect, f"{method} {url}: {resp.status_code} {resp.text}"
        if resp.status_code in (204, 304):
            return resp
        assert resp.headers["content-type"].startswith(SCIM_JSON), resp.headers
        return resp

    def json(self, method: str, url: str, expect: int = 200, **kwargs: Any) -> Any:
        return self.scim(method, url, expect, **kwargs).json()

    def error(
        self, method: str, url: str, status: int, scim_type: str | None = None, **kw: Any
    ) -> Any:
        body = self.json(method, url, status, **kw)
        assert body["schemas"] == [ERROR]
        assert body["status"] == str(status)
        assert body.get("scimType") == scim_type, body
        return body

    def patch_ops(self, url: str, *ops: dict[str, Any], expect: int = 200, **kw: Any) -> Any:
        return self.json(
            "PATCH", url, expect, json={"schemas": [PATCH], "Operations": list(ops)}, **kw
        )


@pytest.fixture
def scim(env: dict[str, str]) -> Iterator[ScimClient]:
    with ScimClient(make_token("scim", name="idp")) as client:
        yield client


@pytest.fixture
def admin(env: dict[str, str]) -> Iterator[ApiClient]:
    """The main API, to check what SCIM changes did to the directory."""
    with ApiClient.admin() as client:
        yield client


def scim_user(n: int = 1, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "schemas": [USER, ENTERPRISE],
        "userName": f"bjensen{n}@example.com",
        "externalId": f"ext-{n}",
        "name": {"givenName": "Barbara", "familyName": f"Jensen{n}"},
        "displayName": f"Babs Jensen {n}",
        "title": "Tour Guide",
        "active": True,
        "emails": [{"value": f"bjensen{n}@example.com", "type": "work", "primary": True}],
        "phoneNumbers": [{"value": "+1 555 0100", "type": "work"}],
        "addresses": [{"type": "work", "country": "US"}],
        ENTERPRISE: {
            "employeeNumber": f"E{n:04d}",
            "department": "Sales",
            "organization": "Contoso",
            "manager": {"value": "42"},
        },
    }
    body.update(overrides)
    return body


def scim_group(name: str, *member_ids: Any, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "schemas": [GROUP],
        "displayName": name,
        "members": [{"value": str(m)} for m in member_ids],
    }
    body.update(overrides)
    return body
