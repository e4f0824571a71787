"""The OpenAPI document's links: every resource a call answers with leads to the operations on
that resource, with its ids filled in, and references between resources are declared."""

from __future__ import annotations

import re
from typing import Any

from app.main import create_app

SPEC: dict[str, Any] = create_app(check_schema=False).openapi()
OPERATIONS = {
    op["operationId"]: (method, path, op)
    for path, ops in SPEC["paths"].items()
    for method, op in ops.items()
}


def _links(operation_id: str, status: str) -> dict[str, dict[str, Any]]:
    links: dict[str, dict[str, Any]] = OPERATIONS[operation_id][2]["responses"][status].get(
        "links", {}
    )
    return links


def test_every_create_links_to_the_operations_on_what_it_created() -> None:
    creates = [
        (op_id, path)
        for op_id, (method, path, op) in OPERATIONS.items()
        if method == "post" and "201" in op["responses"]
    ]
    assert {c for c, _ in creates} >= {
        "users-create",
        "groups-create",
        "roles-create",
        "mappings-create",
        "apps-create",
        "rules-create",
        "tokens-create",
    }
    for create, collection in creates:
        links = _links(create, "201")
        item = re.compile(re.escape(collection) + r"/\{[^}/]+\}(/.*)?$")
        on_item = {
            op_id
            for op_id, (_, path, _) in OPERATIONS.items()
            if item.match(path)
            and not re.findall(r"\{(\w+_id)\}", path[len(collection) :])[1:]  # no other id
        }
        assert on_item, create
        assert on_item <= set(links), f"{create}: no link to {sorted(on_item - set(links))}"
        for target in on_item:
            parameters = links[target]["parameters"]
            own = re.match(re.escape(collection) + r"/\{(\w+)", OPERATIONS[target][1])
            assert own is not None
            assert parameters[f"path.{own.group(1)}"] == "$response.body#/id", (create, target)


def test_sub_resources_take_their_parent_from_the_request() -> None:
    link = _links("rules-create", "201")["rules-get"]
    assert link["parameters"] == {
        "path.app_id": "$request.path.app_id",
        "path.rule_id": "$response.body#/id",
    }
    # From a list, the first item; from an app, its rules.
    assert _links("tasks-list", "200")["tasks-approve"]["parameters"] == {
        "path.task_id": "$response.body#/items/0/id"
    }
    assert "rules-create" in _links("apps-create", "201")
    assert _links("apps-refresh-entitlements", "202")["jobs-get"]["parameters"] == {
        "path.job_id": "$response.body#/id"
    }


def test_references_between_resources() -> None:
    assert _links("roles-create", "201")["users-create"]["requestBody"] == {
        "role_ids": ["$response.body#/id"]
    }
    assert _links("apps-create", "201")["roles-create"]["requestBody"] == {
        "app_ids": ["$response.body#/id"]
    }
    assert _links("groups-create", "201")["users-create"]["requestBody"] == {
        "group_id": "$response.body#/id"
    }
    assert _links("users-create", "201")["tasks-list"]["parameters"] == {
        "query.user_id": "$response.body#/id"
    }


def test_every_link_names_an_operation_and_its_parameters() -> None:
    count = 0
    for _, path, op in OPERATIONS.values():
        for response in op["responses"].values():
            for name, link in response.get("links", {}).items():
                count += 1
                target = OPERATIONS[link["operationId"]][2]
                declared = {f"{p['in']}.{p['name']}" for p in target.get("parameters", [])}
                assert set(link.get("parameters", {})) <= declared, (path, name)
                if "requestBody" in link:
                    assert "requestBody" in target, (path, name)
    assert count > 100
