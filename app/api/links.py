"""OpenAPI links: which answer's values the next call can use (`responses.<status>.links`).

A client (and schemathesis' stateful phase, which follows links to chain calls) learns from
them that the `id` of `POST /users` is the `user_id` of `GET`, `PATCH` and `DELETE
/users/{user_id}` and of the paths beneath it. They are derived from the routes, not written
by hand, so a new route gets its links with nothing to remember:

- **Resource links.** An operation whose success answer is a resource (a `UserRead`), a list
  of them or a page of them links to every operation on that resource's item path and beneath
  it. The item path of a resource is the path of the `GET` that answers with it, or, for a
  resource that has no such `GET` (a token), the collection path its `POST` creates it on plus
  the one path parameter below. The resource's `id` fills the item's parameter; a parent's
  parameter (`app_id` of `/apps/{app_id}/rules/{rule_id}`) comes from the request's own path
  or else from the resource's field of that name. From a list, the first item's values.
- **Reference links** (`REFERENCES`): where one resource names another in a body or a query
  (a user's `role_ids`, a role's `app_ids`, the tasks of a user), declared by operation id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

OK = ("200", "201", "202")
PARAMETER = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")


@dataclass(frozen=True)
class Reference:
    """A link from `source`'s success answer to `target`: `parameters` maps `<in>.<name>` to a
    runtime expression, `body` is merged into the generated request body."""

    source: str
    target: str
    description: str
    parameters: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None


REFERENCES: tuple[Reference, ...] = (
    Reference(
        "apps-create",
        "roles-create",
        "A role that assigns the new app.",
        body={"app_ids": ["$response.body#/id"]},
    ),
    Reference(
        "apps-create",
        "tasks-list",
        "The provisioning tasks of the new app.",
        {"query.app_id": "$response.body#/id"},
    ),
    Reference(
        "roles-create",
        "users-create",
        "A user who holds the new role (which may plan provisioning tasks).",
        body={"role_ids": ["$response.body#/id"]},
    ),
    Reference(
        "roles-create",
        "users-list",
        "The users who hold the new role.",
        {"query.role_id": "$response.body#/id"},
    ),
    Reference(
        "groups-create",
        "users-create",
        "A user in the new group.",
        body={"group_id": "$response.body#/id"},
    ),
    Reference(
        "groups-create",
        "users-list",
        "The users of the new group.",
        {"query.group_id": "$response.body#/id"},
    ),
    Reference(
        "users-create",
        "tasks-list",
        "The provisioning tasks planned for the new user.",
        {"query.user_id": "$response.body#/id"},
    ),
    Reference(
        "users-create",
        "users-roles-remove",
        "Take the new user's first role away again.",
        {"path.user_id": "$response.body#/id", "path.role_id": "$response.body#/roles/0/id"},
    ),
    Reference(
        "users-roles-add",
        "users-roles-remove",
        "Take the role just added away again.",
        {"path.user_id": "$request.path.user_id", "path.role_id": "$request.body#/role_ids/0"},
    ),
)


@dataclass(frozen=True)
class _Operation:
    path: str
    method: str
    spec: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.spec["operationId"])

    @property
    def parameters(self) -> list[str]:
        return PARAMETER.findall(self.path)


def add_links(spec: dict[str, Any]) -> None:
    """Add the resource and reference links to `spec` (an OpenAPI document), in place."""
    operations = [
        _Operation(path, method, op)
        for path, methods in spec.get("paths", {}).items()
        for method, op in methods.items()
        if isinstance(op, dict) and "operationId" in op
    ]
    by_id = {op.id: op for op in operations}
    schemas: dict[str, Any] = spec.get("components", {}).get("schemas", {})
    items = _item_paths(operations, schemas)
    for source in operations:
        for status, response in source.spec.get("responses", {}).items():
            if status not in OK:
                continue
            answer = _answer(response, schemas)
            if answer is None:
                continue
            resource, pointer = answer
            item = items.get(resource)
            if item is None:
                continue
            for target in operations:
                found = _resource_link(source, target, item, resource, pointer, schemas)
                if found is not None:
                    response.setdefault("links", {})[target.id] = found
    for ref in REFERENCES:
        source, target = by_id[ref.source], by_id[ref.target]
        status = next(s for s in OK if s in source.spec["responses"])
        link: dict[str, Any] = {"operationId": target.id, "description": ref.description}
        if ref.parameters:
            link["parameters"] = ref.parameters
        if ref.body is not None:
            link["requestBody"] = ref.body
        source.spec["responses"][status].setdefault("links", {})[target.id] = link


def _ref_name(schema: dict[str, Any] | None) -> str | None:
    ref = (schema or {}).get("$ref", "")
    return ref.rpartition("/")[2] if ref.startswith("#/components/schemas/") else None


def _answer(response: dict[str, Any], schemas: dict[str, Any]) -> tuple[str, str] | None:
    """The resource a success answer carries and the JSON pointer of its first one: `""` for
    the resource itself, `/0` for a list, `/items/0` for a page."""
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    name = _ref_name(schema)
    if name is not None:
        properties = schemas.get(name, {}).get("properties", {})
        if "id" in properties:
            return name, ""
        inner = _ref_name(properties.get("items", {}).get("items"))
        if inner is not None and "id" in schemas.get(inner, {}).get("properties", {}):
            return inner, "/items/0"
        return None
    if isinstance(schema, dict) and schema.get("type") == "array":
        inner = _ref_name(schema.get("items"))
        if inner is not None and "id" in schemas.get(inner, {}).get("properties", {}):
            return inner, "/0"
    return None


def _item_paths(operations: list[_Operation], schemas: dict[str, Any]) -> dict[str, str]:
    """Resource schema name -> the path of one such resource (`/api/v1/users/{user_id}`)."""
    paths = {op.path for op in operations}
    out: dict[str, str] = {}
    for op in operations:
        answer = _answer(op.spec.get("responses", {}).get("200", {}), schemas)
        if op.method == "get" and answer is not None and answer[1] == "" and _is_item(op.path):
            out.setdefault(answer[0], op.path)
    for op in operations:
        answer = _answer(op.spec.get("responses", {}).get("201", {}), schemas)
        if op.method == "post" and answer is not None and answer[0] not in out:
            below = [p for p in paths if p.startswith(op.path + "/") and _is_item(p)]
            below = [p for p in below if p.count("/") == op.path.count("/") + 1]
            if len(below) == 1:
                out[answer[0]] = below[0]
    return out


def _is_item(path: str) -> bool:
    return PARAMETER.fullmatch(path.rpartition("/")[2]) is not None


def _resource_link(
    source: _Operation,
    target: _Operation,
    item: str,
    resource: str,
    pointer: str,
    schemas: dict[str, Any],
) -> dict[str, Any] | None:
    """The link from `source`'s answer (a `resource`, at `pointer`) to `target`, when `target`
    acts on that resource; `None` otherwise or when one of its ids cannot be filled."""
    if target.path != item and not target.path.startswith(item + "/"):
        return None
    if source.path == target.path and source.method == target.method:
        return None
    own = PARAMETER.findall(item)[-1]
    fields = schemas.get(resource, {}).get("properties", {})
    parameters: dict[str, str] = {}
    for name in target.parameters:
        if name == own:
            parameters[f"path.{name}"] = f"$response.body#{pointer}/id"
        elif name in source.parameters:
            parameters[f"path.{name}"] = f"$request.path.{name}"
        elif name in fields:
            parameters[f"path.{name}"] = f"$response.body#{pointer}/{name}"
        elif name.endswith("_id"):
            # Another resource's id that this answer does not carry: a guess would be a 404.
            return None
    action = target.spec.get("summary") or target.id
    return {
        "operationId": target.id,
        "parameters": parameters,
        "description": f"{action}: the `{own}` is this answer's `id`.",
    }
