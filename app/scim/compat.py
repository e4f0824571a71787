"""Accept the shapes identity providers actually send where scim2-models reads RFC 7643 strictly.

* The enterprise `manager`: the RFC schema marks `manager.$ref` required, yet Entra ID sends
  the manager's id alone, as a bare string or as `{"value": id}`. We complete it into
  `{"value": id, "$ref": <our Users URL>}` before validation instead of refusing the user.
* Removing the manager: Entra ID and others write `remove` with the manager's path and its id
  as a value, as a filter (`manager[value eq "id"]`) or on `manager.value`. Each becomes a plain
  removal of the manager when the id is the user's manager, and nothing when it is not.
* Removing group members: Entra ID lists them in the value with a `"$ref": null`, which never
  equals the stored member (whose `$ref` is set); each listed member becomes its own
  `members[value eq "id"]` removal.
* Removing `active` would leave a user neither active nor suspended: refused (400 mutability)
  instead of answered with a 200 that changed nothing.
"""

from __future__ import annotations

import re
from typing import Any

from scim2_models import MutabilityException

from app.scim.catalog import ENTERPRISE_SCHEMA, USER_SCHEMA

_MANAGER = f"{ENTERPRISE_SCHEMA}:manager".lower()
_MANAGER_PATH = re.compile(
    rf"^(?:{re.escape(ENTERPRISE_SCHEMA)}:)?manager"
    r'(?:\[\s*value\s+eq\s+"(?P<id>[^"]*)"\s*\])?(?:\.value)?$',
    re.IGNORECASE,
)
_ACTIVE_PATH = re.compile(rf"^(?:{re.escape(USER_SCHEMA)}:)?active$", re.IGNORECASE)
_MEMBERS_PATH = re.compile(r"^(?:urn:ietf:params:scim:schemas:core:2\.0:group:)?members$", re.I)


def manager_value(value: Any, base: str) -> Any:
    if isinstance(value, str | int):
        value = {"value": str(value)}
    if isinstance(value, dict) and value.get("value") and not value.get("$ref"):
        value = {**value, "$ref": f"{base}/Users/{value['value']}"}
    return value


def user_body(body: dict[str, Any], base: str) -> dict[str, Any]:
    """A user resource (POST, PUT, or the value of a path-less PATCH) with its manager completed."""
    for key, ext in body.items():
        if key.lower() == ENTERPRISE_SCHEMA.lower() and isinstance(ext, dict):
            for name in list(ext):
                if name.lower() == "manager":
                    ext[name] = manager_value(ext[name], base)
    return body


def _listed_ids(value: Any) -> list[str] | None:
    """The ids a remove's value names (`[{"value": id}, ...]`, one such object, or a bare id)."""
    items = value if isinstance(value, list) else [value]
    ids: list[str] = []
    for item in items:
        if isinstance(item, dict):
            found = item.get("value")
            if found is None and isinstance(item.get("$ref"), str):
                found = item["$ref"].rstrip("/").rsplit("/", 1)[-1]
        else:
            found = item
        if not isinstance(found, str | int) or isinstance(found, bool):
            return None
        ids.append(str(found))
    return ids


def _manager_removal(op: dict[str, Any], path: str, manager: str | None) -> dict[str, Any] | None:
    """A remove aimed at the manager, as a plain removal when it names the user's manager (or
    no one in particular); None when it names someone else (then it removes nothing)."""
    match = _MANAGER_PATH.match(path)
    assert match is not None
    named = [match["id"]] if match["id"] is not None else None
    if named is None and op.get("value") is not None:
        named = _listed_ids(op["value"])
    if named is not None and manager not in named:
        return None
    return {"op": "remove", "path": f"{ENTERPRISE_SCHEMA}:manager"}


def patch_body(body: dict[str, Any], base: str, manager: str | None = None) -> dict[str, Any]:
    """A user PATCH in the shapes scim2-models applies; `manager` is the user's manager id."""
    operations = body.get("Operations")
    if not isinstance(operations, list):
        return body
    kept: list[Any] = []
    for op in operations:
        if not isinstance(op, dict):
            kept.append(op)
            continue
        kind = str(op.get("op") or "").lower()
        raw_path = str(op.get("path") or "").strip()
        if kind == "remove" and _ACTIVE_PATH.match(raw_path):
            raise MutabilityException(
                detail="active cannot be removed: replace it with true or false."
            )
        if kind == "remove" and _MANAGER_PATH.match(raw_path):
            removal = _manager_removal(op, raw_path, manager)
            if removal is not None:
                kept.append(removal)
                manager = None
            continue
        kept.append(op)
        path = raw_path.lower()
        if path in (_MANAGER, f"{_MANAGER}.value") and "value" in op and op["value"] is not None:
            value = op["value"]
            if path.endswith(".value"):
                value = {"value": value}
            op["path"] = f"{ENTERPRISE_SCHEMA}:manager"
            op["value"] = manager_value(value, base)
            manager = str(op["value"].get("value")) if isinstance(op["value"], dict) else None
        elif not path and isinstance(op.get("value"), dict):
            value = op["value"]
            for key in list(value):
                if key.lower() == _MANAGER:
                    value[key] = manager_value(value[key], base)
            user_body(value, base)
    body["Operations"] = kept
    return body


def group_patch_body(body: dict[str, Any]) -> dict[str, Any]:
    """A group PATCH with each member a `remove` lists turned into its own filtered removal."""
    operations = body.get("Operations")
    if not isinstance(operations, list):
        return body
    out: list[Any] = []
    for op in operations:
        path = str(op.get("path") or "").strip() if isinstance(op, dict) else ""
        if (
            isinstance(op, dict)
            and str(op.get("op") or "").lower() == "remove"
            and _MEMBERS_PATH.match(path)
            and op.get("value") is not None
        ):
            ids = _listed_ids(op["value"])
            if ids is not None:
                out.extend(
                    {"op": "remove", "path": f'members[value eq "{_quoted(i)}"]'} for i in ids
                )
                continue
        out.append(op)
    body["Operations"] = out
    return body


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')
