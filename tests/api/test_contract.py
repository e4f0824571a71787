"""The contract documents every answer: problem statuses per operation, id ranges, 405s with
`Allow`, and 401 before a body is parsed."""

from __future__ import annotations

import sys
from typing import Any

import httpx
import pytest

from app.api.ids import MAX_ID
from app.errors import PROBLEM_JSON
from app.main import create_app
from tests.ops.conftest import ROOT
from tests.support import ApiClient, user_body

SPEC: dict[str, Any] = create_app(check_schema=False).openapi()
OPERATIONS = [
    (method.upper(), path, op)
    for path, ops in SPEC["paths"].items()
    if path.startswith("/api/v1")
    for method, op in ops.items()
]


def test_every_api_operation_declares_its_problems() -> None:
    missing = []
    for method, path, op in OPERATIONS:
        wanted = {"400", "401", "403", "422", "503"}
        if "{" in path or method in ("POST", "PUT", "PATCH"):
            wanted.add("404")
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            wanted.add("409")
        if method in ("POST", "PUT", "PATCH"):
            wanted.add("413")
        for status in sorted(wanted - set(op["responses"])):
            missing.append(f"{method} {path}: {status}")
        for status, response in op["responses"].items():
            if status.startswith(("4", "5")):
                schema = response["content"][PROBLEM_JSON]["schema"]
                assert schema == {"$ref": "#/components/schemas/Problem"}, (method, path, status)
    assert not missing, missing


def test_path_templates_hide_the_int_convertor() -> None:
    assert not [p for p in SPEC["paths"] if ":int" in p]


def test_every_id_parameter_is_a_postgres_integer() -> None:
    for method, path, op in OPERATIONS:
        for param in op.get("parameters", []):
            if param["name"].endswith("_id"):
                schema = param["schema"]
                schema = next((s for s in schema.get("anyOf", [schema]) if "type" in s), schema)
                assert schema.get("type") == "integer", (method, path, param)
                assert (schema.get("minimum"), schema.get("maximum")) == (1, MAX_ID), (
                    method,
                    path,
                    param["name"],
                )


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PATCH", "/api/v1/mappings/actions", "GET"),
        ("DELETE", "/api/v1/mappings/conditions", "GET"),
        ("POST", "/api/v1/mappings/sort", "PUT"),
        ("DELETE", "/api/v1/users", "GET, POST"),
        ("POST", "/api/v1/users/1", "GET, PATCH, DELETE"),
        ("PUT", "/api/v1/apps/sandbox-demo", "GET"),
        ("PATCH", "/api/v1/apps/1/rules/actions", "GET"),
        ("GET", "/api/v1/provisioning/tasks/approve", "POST"),
    ],
)
def test_wrong_method_is_405_with_allow(
    client: ApiClient, method: str, path: str, allow: str
) -> None:
    resp = client.request(method, path, json={})
    assert resp.status_code == 405, resp.text
    assert resp.headers["allow"] == allow
    assert resp.headers["content-type"].startswith(PROBLEM_JSON)


def test_ids_out_of_range_are_422(client: ApiClient) -> None:
    for path in (f"/users/{MAX_ID + 1}", "/users/0", f"/jobs/{2**63}"):
        client.problem("GET", path, 422)
    client.problem("GET", f"/users?role_id={MAX_ID + 1}", 422)
    client.problem("PUT", "/users/1/roles", 422, json={"role_ids": [MAX_ID + 1]})
    client.problem("POST", "/provisioning/tasks/approve", 422, json={"task_ids": [0]})
    # Not digits: no route has that path, so no id is parsed.
    assert client.get("/api/v1/users/-1").status_code == 404


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Basic eDp5"}, {"Authorization": ""}])
def test_no_token_is_401_before_the_body_is_parsed(
    env: dict[str, str], headers: dict[str, str]
) -> None:
    with ApiClient(None) as anon:
        for path in ("/api/v1/users", "/api/v1/users/1/roles"):
            resp = anon.post(path, content=b"{not json", headers=headers)
            assert resp.status_code == 401, resp.text
            assert resp.headers["content-type"].startswith(PROBLEM_JSON)
            assert resp.headers["www-authenticate"].startswith("Bearer")
        resp = anon.post("/scim/v2/Users", content=b"{not json", headers=headers)
        assert resp.status_code == 401, resp.text
        assert resp.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
        # Outside the API nothing changes.
        assert anon.get("/healthz").status_code == 200


def test_generated_client_returns_a_problem_for_a_duplicate(client: ApiClient) -> None:
    sys.path.insert(0, str(ROOT / "openapi" / "client"))
    try:
        from provisioner_client import AuthenticatedClient
        from provisioner_client.api.users import users_create
        from provisioner_client.models import Problem, UserCreate, UserRead
    finally:
        sys.path.remove(str(ROOT / "openapi" / "client"))
    token = client.headers["Authorization"].removeprefix("Bearer ")
    api = AuthenticatedClient(base_url="http://testserver", token=token)
    api.set_httpx_client(
        httpx.Client(
            transport=client._transport,
            base_url="http://testserver",
            headers={"Authorization": f"Bearer {token}"},
        )
    )
    body = UserCreate.from_dict(user_body(1))
    assert isinstance(users_create.sync(client=api, body=body), UserRead)
    duplicate = users_create.sync(client=api, body=body)
    assert isinstance(duplicate, Problem), duplicate
    assert duplicate.status == 409


def test_date_times_are_iso_strings_not_numbers(client: ApiClient) -> None:
    for query in ("since=0", "since=1700000000", "since=1e9"):
        client.problem("GET", f"/jobs?{query}", 422)
    client.problem("GET", "/users?updated_since=0", 422)
    client.problem("POST", "/tokens", 422, json={"name": "t", "scopes": ["read"], "expires_at": 0})
    assert client.ok("GET", "/jobs?since=2026-01-01T00:00:00Z")["items"] == []
