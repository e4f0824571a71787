"""Every /api/v1 route: 401 without a token, 403 without the scope, allowed with it."""

from __future__ import annotations

import re

import pytest

from app.main import create_app
from tests.support import ApiClient, make_token

SCOPES = ("read", "write", "approve", "admin", "scim")
# Which scopes satisfy which requirement (admin satisfies everything).
SATISFIES = {
    "read": {"read", "write", "approve", "admin"},
    "write": {"write", "admin"},
    "approve": {"approve", "admin"},
    "admin": {"admin"},
}


# Expected scope per route, written out independently of the code under test.
READ_ONLY_POSTS = ("/dry-run", "/check")


def expected_scope(method: str, path: str) -> str:
    if path.startswith(("/api/v1/tokens", "/api/v1/webhooks")):
        return "admin"  # webhooks: where the service sends data, with a secret shown once
    if path.startswith("/api/v1/sources") and method != "GET":
        # A source holds a bind password and decides who is in the directory; testing a
        # saved one only talks to its server, testing settings connects anywhere.
        return "write" if path.endswith("}/test") else "admin"
    if path.endswith(("/approve", "/deny")):
        return "approve"
    if path.endswith("/authorize"):
        return "write"  # like clearing the token: completing consent undoes a clear
    if method == "GET" or (method == "POST" and path.endswith(READ_ONLY_POSTS)):
        return "read"
    return "write"


def api_routes() -> list[tuple[str, str, str]]:
    spec = create_app(check_schema=False).openapi()
    out = []
    for template, operations in spec["paths"].items():
        if not template.startswith("/api/v1"):
            continue
        path = re.sub(r"\{[^}]+\}", "999", template)
        for method in operations:
            out.append((method.upper(), path, expected_scope(method.upper(), template)))
    return out


ROUTES = api_routes()


def test_every_api_route_is_guarded() -> None:
    assert len(ROUTES) > 20


@pytest.mark.parametrize(
    ("method", "path", "needed"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES]
)
def test_scope_matrix(env: dict[str, str], method: str, path: str, needed: str) -> None:
    with ApiClient(None) as anon:
        resp = anon.request(method, path, json={})
        assert resp.status_code == 401, resp.text
        assert resp.headers["content-type"].startswith("application/problem+json")
        assert resp.headers["www-authenticate"].startswith("Bearer")
        resp = anon.request(method, path, json={}, headers={"Authorization": "Bearer pvn_nope"})
        assert resp.status_code == 401
        for scope in SCOPES:
            auth = {"Authorization": f"Bearer {make_token(scope)}"}
            status = anon.request(method, path, json={}, headers=auth).status_code
            if scope in SATISFIES[needed]:
                assert status not in (401, 403), f"{scope} should pass {method} {path}"
            else:
                assert status == 403, f"{scope} should be refused {method} {path}: {status}"


def test_revoked_token_is_refused(client: ApiClient) -> None:
    created = client.ok("POST", "/tokens", json={"name": "ci", "scopes": ["read"]})
    assert created["token"].startswith("pvn_")
    with ApiClient(created["token"]) as api:
        assert api.get("/api/v1/users").status_code == 200
        client.ok("DELETE", f"/tokens/{created['id']}", expect=204)
        assert api.get("/api/v1/users").status_code == 401
    listed = client.ok("GET", "/tokens")["items"]
    assert all("token" not in t and "token_hash" not in t for t in listed)
    assert any(t["revoked_at"] for t in listed)
