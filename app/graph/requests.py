"""Builders for the Graph requests the provisioning engine sends: every URL, body and `$filter`.

Callers get a `GraphCall` (method, relative URL, body) and either send it through
`GraphClient.request` or turn it into a `$batch` item; nobody formats a Graph URL by hand. Three
rules of the contract live here so no caller has to remember them:

- path segments (object ids) are percent-encoded, so an id can never add a segment or a query;
- OData string literals are single-quoted with inner quotes doubled (`'O''Brien'`, contract §2);
- query values are percent-encoded, because in a URL query `+` means a space: an ImmutableID
  (base64: `+`, `/`, `=`) inside `$filter` must travel as `%2B`, `%2F`, `%3D` or the filter
  silently matches nothing (contract §11). A `$batch` item URL is parsed the same way as a
  direct request's, so the same encoding serves both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from app.graph.models import BatchRequest

API_VERSION = "v1.0"
# The user properties the engine reads: without `$select` Graph leaves out accountEnabled,
# usageLocation, onPremisesImmutableId, onPremisesSyncEnabled and assignedLicenses
# (contract §2). onPremisesSyncEnabled says the on-premises directory masters the user.
USER_SELECT = (
    "id,userPrincipalName,onPremisesImmutableId,onPremisesSyncEnabled,accountEnabled,"
    "assignedLicenses,displayName,givenName,surname,mailNickname,mail,usageLocation,jobTitle,"
    "department,companyName,officeLocation,city,country,state,postalCode,streetAddress,"
    "mobilePhone,businessPhones,employeeId"
)
DELETED_USERS = "/directory/deletedItems/microsoft.graph.user"
# Advanced queries need this header and `$count=true` (contract §2).
_EVENTUAL = (("ConsistencyLevel", "eventual"),)
# OData punctuation stays readable, as in Graph's docs; everything else is encoded, including
# `+`, `/`, `=`, `&` and `#` inside literals.
_QUERY_SAFE = "$,'()*:@"
_JSON = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class GraphCall:
    """One Graph request: method, path relative to the version, query options, JSON body."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    body: dict[str, Any] | None = None
    headers: tuple[tuple[str, str], ...] = ()  # e.g. ConsistencyLevel for advanced queries

    @property
    def url(self) -> str:
        """The path plus its encoded query, relative to `/v1.0` (what `$batch` items carry)."""
        return self.path + ("?" + encode_query(self.query) if self.query else "")

    def batch_item(self, request_id: str) -> BatchRequest:
        # Graph rejects a batched body without a Content-Type in the item's headers; an
        # advanced query carries its ConsistencyLevel in the item's headers too (contract §8).
        headers = {**(_JSON if self.body is not None else {}), **dict(self.headers)}
        return BatchRequest(
            request_id, self.method, self.url, body=self.body, headers=headers or None
        )


# --- encoding -------------------------------------------------------------------------------


def segment(value: str) -> str:
    """One path segment, percent-encoded so it stays one segment (`/` becomes `%2F`)."""
    return quote(value, safe="")


def odata_string(value: str) -> str:
    """An OData string literal: single quotes, an inner quote doubled (`'O''Brien'`)."""
    return "'" + value.replace("'", "''") + "'"


def encode_query(params: Iterable[tuple[str, str]]) -> str:
    """`k=v&...` with keys and values percent-encoded; spaces become `%20`, never `+`."""
    return "&".join(
        f"{quote(key, safe=_QUERY_SAFE)}={quote(value, safe=_QUERY_SAFE)}" for key, value in params
    )


def in_filter(prop: str, values: Iterable[str]) -> str:
    """`prop in ('a','b')`, which Graph accepts wherever `eq` works (contract §2)."""
    return f"{prop} in (" + ",".join(odata_string(v) for v in values) + ")"


def directory_object_url(graph_base: str, object_id: str) -> str:
    """The absolute `@odata.id` of a directory object, as member references need it (§5)."""
    return f"{graph_base.rstrip('/')}/{API_VERSION}/directoryObjects/{segment(object_id)}"


# --- users ----------------------------------------------------------------------------------


def get_user(user_id: str, select: str = USER_SELECT) -> GraphCall:
    return GraphCall("GET", f"/users/{segment(user_id)}", (("$select", select),))


def user_groups(user_id: str) -> GraphCall:
    """The groups a user is a direct member of, ids only (`GET /users/{id}/memberOf`, cast to
    groups so directory roles and administrative units stay out). One page of 999 covers any
    user the engine manages; a `@odata.nextLink` in the answer means "not all of them"."""
    path = f"/users/{segment(user_id)}/memberOf/microsoft.graph.group"
    return GraphCall("GET", path, (("$select", "id"), ("$top", "999")))


def find_users_by_immutable_ids(values: Sequence[str], select: str = USER_SELECT) -> GraphCall:
    return _find_users(in_filter("onPremisesImmutableId", values), select)


def find_users_by_upns(values: Sequence[str], select: str = USER_SELECT) -> GraphCall:
    return _find_users(in_filter("userPrincipalName", values), select)


def find_user_by_upn(upn: str, select: str = USER_SELECT) -> GraphCall:
    return _find_users(f"userPrincipalName eq {odata_string(upn)}", select)


# Properties a create can conflict on, and how to find who holds a value (contract §1).
CONFLICT_PROPERTIES = frozenset(
    {"userPrincipalName", "onPremisesImmutableId", "mailNickname", "proxyAddresses"}
)


def holder_filter(prop: str, value: str) -> str:
    """`$filter` for the object holding `value` of `prop`; a proxy address is `smtp:<mail>`."""
    if prop == "proxyAddresses":
        return f"proxyAddresses/any(p:p eq {odata_string('smtp:' + value)})"
    return f"{prop} eq {odata_string(value)}"


def find_users_holding(prop: str, value: str, select: str = USER_SELECT) -> GraphCall:
    return _find_users(holder_filter(prop, value), select)


def find_deleted_users_holding(prop: str, value: str, select: str = USER_SELECT) -> GraphCall:
    """Soft-deleted users holding `value`. A deleted user's UPN is shown with its id in front
    (`<id without dashes><upn>`), so the UPN is matched with `endswith`, an advanced query."""
    if prop == "userPrincipalName":
        flt = f"endswith(userPrincipalName,{odata_string(value)})"
        query = (("$filter", flt), ("$select", select), ("$count", "true"))
        return GraphCall("GET", DELETED_USERS, query, headers=_EVENTUAL)
    return GraphCall(
        "GET", DELETED_USERS, (("$filter", holder_filter(prop, value)), ("$select", select))
    )


def find_deleted_users_by_immutable_ids(
    values: Sequence[str], select: str = USER_SELECT
) -> GraphCall:
    flt = in_filter("onPremisesImmutableId", values)
    return GraphCall("GET", DELETED_USERS, (("$filter", flt), ("$select", select)))


def deleted_upn(object_id: str, upn: str) -> str:
    """How Graph shows the UPN of a soft-deleted user."""
    return object_id.replace("-", "") + upn


def list_users(select: str = "id", top: int | None = None, flt: str | None = None) -> GraphCall:
    query: list[tuple[str, str]] = []
    if flt is not None:
        query.append(("$filter", flt))
    query.append(("$select", select))
    if top is not None:
        query.append(("$top", str(top)))
    return GraphCall("GET", "/users", tuple(query))


def synced_users(select: str = "id,userPrincipalName,onPremisesImmutableId") -> GraphCall:
    """Users mastered on premises: filtering on onPremisesSyncEnabled is an advanced query."""
    query = (
        ("$filter", "onPremisesSyncEnabled eq true"),
        ("$select", select),
        ("$count", "true"),
        ("$top", "999"),
    )
    return GraphCall("GET", "/users", query, headers=_EVENTUAL)


def _find_users(flt: str, select: str) -> GraphCall:
    return GraphCall("GET", "/users", (("$filter", flt), ("$select", select)))


def create_user(body: Mapping[str, Any]) -> GraphCall:
    return GraphCall("POST", "/users", body=dict(body))


def update_user(user_id: str, changes: Mapping[str, Any]) -> GraphCall:
    """PATCH with only the properties that change (contract §3); 204 on success."""
    return GraphCall("PATCH", f"/users/{segment(user_id)}", body=dict(changes))


def delete_user(user_id: str) -> GraphCall:
    """A soft delete: the user stays restorable from deleted items for 30 days (§3)."""
    return GraphCall("DELETE", f"/users/{segment(user_id)}")


def restore_deleted_item(item_id: str) -> GraphCall:
    return GraphCall("POST", f"/directory/deletedItems/{segment(item_id)}/restore")


def assign_license(
    user_id: str, add: Mapping[str, Iterable[str]], remove: Iterable[str]
) -> GraphCall:
    """`add` maps SKU id -> disabled plan ids; both keys are always sent (contract §4)."""
    body = {
        "addLicenses": [
            {"skuId": sku, "disabledPlans": sorted(plans)} for sku, plans in add.items()
        ],
        "removeLicenses": list(remove),
    }
    return GraphCall("POST", f"/users/{segment(user_id)}/assignLicense", body=body)


# --- the tenant -----------------------------------------------------------------------------


def get_domain(name: str) -> GraphCall:
    return GraphCall("GET", f"/domains/{segment(name)}")


def list_domains() -> GraphCall:
    return GraphCall("GET", "/domains")


def get_organization() -> GraphCall:
    return GraphCall("GET", "/organization")


def list_subscribed_skus(select: str | None = None) -> GraphCall:
    return GraphCall("GET", "/subscribedSkus", (("$select", select),) if select else ())


def list_groups(flt: str | None = None, select: str = "id", top: int | None = None) -> GraphCall:
    query: list[tuple[str, str]] = []
    if flt is not None:
        query.append(("$filter", flt))
    query.append(("$select", select))
    if top is not None:
        query.append(("$top", str(top)))
    return GraphCall("GET", "/groups", tuple(query))


# --- group membership -----------------------------------------------------------------------


def bind_members(graph_base: str, group_id: str, member_ids: Sequence[str]) -> GraphCall:
    """Add several members in one PATCH (at most 20; all-or-nothing, contract §5)."""
    refs = [directory_object_url(graph_base, m) for m in member_ids]
    return GraphCall("PATCH", f"/groups/{segment(group_id)}", body={"members@odata.bind": refs})


def add_member(graph_base: str, group_id: str, member_id: str) -> GraphCall:
    body = {"@odata.id": directory_object_url(graph_base, member_id)}
    return GraphCall("POST", f"/groups/{segment(group_id)}/members/$ref", body=body)


def remove_member(group_id: str, member_id: str) -> GraphCall:
    # Always through `/$ref`: without it Graph deletes the user object itself (contract §5).
    return GraphCall("DELETE", f"/groups/{segment(group_id)}/members/{segment(member_id)}/$ref")
