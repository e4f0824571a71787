"""Accept the shapes identity providers actually send where scim2-models reads RFC 7643 strictly.

The enterprise `manager` is the one case: the RFC schema marks `manager.$ref` required, yet
Entra ID sends the manager's id alone, as a bare string or as `{"value": id}`. We complete it
into `{"value": id, "$ref": <our Users URL>}` before validation instead of refusing the user.
"""

from __future__ import annotations

from typing import Any

from app.scim.catalog import ENTERPRISE_SCHEMA

_MANAGER = f"{ENTERPRISE_SCHEMA}:manager".lower()


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


def patch_body(body: dict[str, Any], base: str) -> dict[str, Any]:
    for op in body.get("Operations") or []:
        if not isinstance(op, dict):
            continue
        path = str(op.get("path") or "").lower()
        if path in (_MANAGER, f"{_MANAGER}.value") and "value" in op and op["value"] is not None:
            value = op["value"]
            if path.endswith(".value"):
                value = {"value": value}
            op["path"] = f"{ENTERPRISE_SCHEMA}:manager"
            op["value"] = manager_value(value, base)
        elif not path and isinstance(op.get("value"), dict):
            value = op["value"]
            for key in list(value):
                if key.lower() == _MANAGER:
                    value[key] = manager_value(value[key], base)
            user_body(value, base)
    return body
