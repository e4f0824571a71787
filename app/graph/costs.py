"""What one Graph request costs against the identity service's throttling budgets.

Source: "Identity and access service limits" on https://learn.microsoft.com/graph/throttling-limits
(microsoftgraph/microsoft-graph-docs-contrib, includes/throttling-identity-and-access.md):
- base resource-unit (RU) cost per request path, 1 for any identity path not listed;
- write cost 1 for POST, PATCH, PUT and DELETE, 0 for GET;
- `$select` -1, `$expand` +1, `$top` below 20 -1, never below 1 RU;
- a cost listed for `me/...` also applies to `users/{id | userPrincipalName}/...`.
Requests inside a `$batch` are evaluated one by one (https://learn.microsoft.com/graph/throttling).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})

# Base RU costs from the published table, keyed by (method, templated path without version).
# Only the entries relevant to directory objects this product touches plus their neighbours.
_BASE_UNITS: dict[tuple[str, str], int] = {
    ("GET", "/applications"): 2,
    ("GET", "/applications/{id}/extensionProperties"): 2,
    ("GET", "/contracts"): 3,
    ("POST", "/directoryObjects/getByIds"): 5,
    ("GET", "/domains/{id}/domainNameReferences"): 4,
    ("POST", "/getObjectsById"): 5,
    ("GET", "/groups/{id}/members"): 3,
    ("GET", "/groups/{id}/transitiveMembers"): 5,
    ("POST", "/isMemberOf"): 4,
    ("POST", "/users/{id}/checkMemberGroups"): 4,
    ("POST", "/users/{id}/checkMemberObjects"): 4,
    ("POST", "/users/{id}/getMemberGroups"): 2,
    ("POST", "/users/{id}/getMemberObjects"): 2,
    ("GET", "/users/{id}/licenseDetails"): 2,
    ("GET", "/users/{id}/memberOf"): 2,
    ("GET", "/users/{id}/ownedObjects"): 2,
    ("GET", "/users/{id}/transitiveMemberOf"): 2,
    ("GET", "/oauth2PermissionGrants"): 2,
    ("GET", "/oauth2PermissionGrants/{id}"): 2,
    ("GET", "/servicePrincipals/{id}/appRoleAssignments"): 2,
    ("GET", "/subscribedSkus"): 3,
    ("GET", "/users"): 2,
}

_VERSION = re.compile(r"^/(v1\.0|beta)(?=/|$)")
# Property, action and type-cast segments (`members`, `assignLicense`, `microsoft.graph.user`)
# are letters and dots; ids (GUIDs, UPNs, emulator ids) always have a digit, `@`, `-` or `%`.
_NAME = re.compile(r"^[A-Za-z][A-Za-z.]*$")


@dataclass(frozen=True)
class RequestCost:
    writes: int
    units: int

    def __add__(self, other: RequestCost) -> RequestCost:
        return RequestCost(self.writes + other.writes, self.units + other.units)


def path_template(path_or_url: str) -> str:
    """`/users/8f3c.../licenseDetails?$x=y` -> `/users/{id}/licenseDetails` (for costs and metrics).

    Ids (GUIDs, UPNs, anything that is not a plain name) become `{id}`; the query, host and API
    version are dropped, so no user data or skip token reaches logs or metric labels.
    """
    path = unquote(urlsplit(path_or_url).path) if "://" in path_or_url else path_or_url
    path = path.split("?", 1)[0]
    if not path.startswith("/"):
        path = "/" + path
    path = _VERSION.sub("", path)
    out: list[str] = []
    for segment in path.split("/")[1:]:
        if not segment:
            continue
        is_name = _NAME.match(segment) is not None
        out.append(segment if segment.startswith("$") or is_name else "{id}")
    if out and out[0] == "me":  # `me/...` costs the same as `users/{id}/...`
        out = ["users", "{id}", *out[1:]]
    return "/" + "/".join(out)


def request_cost(
    method: str, path_or_url: str, params: Mapping[str, Any] | None = None
) -> RequestCost:
    """Writes and resource units one request is charged, following the published table."""
    method = method.upper()
    template = path_template(path_or_url)
    query: dict[str, str] = {}
    if "?" in path_or_url:
        query.update(parse_qsl(path_or_url.split("?", 1)[1], keep_blank_values=True))
    if params:
        query.update({str(k): str(v) for k, v in params.items()})
    units = _BASE_UNITS.get((method, template), 1)
    if "$select" in query:
        units -= 1
    if "$expand" in query:
        units += 1
    top = query.get("$top")
    if top is not None and top.isdigit() and int(top) < 20:
        units -= 1
    return RequestCost(writes=1 if method in WRITE_METHODS else 0, units=max(1, units))
