"""Strange bodies get SCIM's 400 invalidSyntax and change nothing, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.scim.conftest import ERROR, GROUP, PATCH, ScimClient, scim_user
from tests.support import ApiClient


@pytest.mark.parametrize("depth", [40, 5_000, 200_000])
def test_deeply_nested_bodies_are_refused(scim: ScimClient, admin: ApiClient, depth: int) -> None:
    body = '{"schemas": ' + "[" * depth + "]" * depth + "}"
    scim.error(
        "POST",
        "/Users",
        400,
        "invalidSyntax",
        content=body,
        headers={"Content-Type": "application/scim+json"},
    )
    assert admin.ok("GET", "/users")["items"] == []


def test_ordinary_nesting_still_works(scim: ScimClient) -> None:
    scim.json("POST", "/Users", 201, json=scim_user(1))


def test_parallel_creates_of_one_username_give_one_user_and_uniqueness_errors(
    scim: ScimClient, admin: ApiClient
) -> None:
    from collections import Counter
    from concurrent.futures import ThreadPoolExecutor

    def create(n: int) -> int:
        body = scim_user(1)
        body["emails"] = [{"value": f"same{n}@example.com", "type": "work", "primary": True}]
        return scim.post("/scim/v2/Users", json=body).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = Counter(pool.map(create, range(8)))

    assert codes[201] == 1 and codes[409] == 7, codes
    assert len(admin.ok("GET", "/users")["items"]) == 1


BIG = "2147483648"  # one past Postgres' integer range


def _refused(scim: ScimClient, method: str, url: str, **kwargs: Any) -> None:
    """A clear SCIM error in the 4xx range (404 or 400 invalidValue), never a 500."""
    resp = scim.request(method, "/scim/v2" + url, **kwargs)
    assert 400 <= resp.status_code < 500, f"{method} {url}: {resp.status_code} {resp.text}"
    assert resp.json()["schemas"] == [ERROR]


@pytest.mark.parametrize("resource", ["Users", "Groups"])
def test_ids_beyond_the_integer_range_are_refused_not_a_500(
    scim: ScimClient, resource: str
) -> None:
    _refused(scim, "GET", f"/{resource}/{BIG}")
    _refused(scim, "DELETE", f"/{resource}/{BIG}")
    _refused(scim, "PATCH", f"/{resource}/{BIG}", json={"schemas": [PATCH], "Operations": []})


def test_filters_and_references_with_ids_beyond_the_range_find_nothing(
    scim: ScimClient, admin: ApiClient
) -> None:
    filters = [("Users", f'id eq "{BIG}"'), ("Users", f'manager.value eq "{BIG}"')]
    for resource, flt in [*filters, ("Groups", f'id eq "{BIG}"')]:
        resp = scim.request("GET", f"/scim/v2/{resource}", params={"filter": flt})
        # Matching nothing or refusing the value are both clear answers; a 500 is not.
        if resp.status_code == 200:
            assert resp.json()["totalResults"] == 0, (resource, flt)
        else:
            _refused(scim, "GET", f"/{resource}", params={"filter": flt})
    user = scim.json("POST", "/Users", 201, json=scim_user(1))
    group = scim.json("POST", "/Groups", 201, json={"schemas": [GROUP], "displayName": "g"})
    add = {"op": "add", "path": "members", "value": [{"value": BIG}]}
    _refused(
        scim, "PATCH", f"/Groups/{group['id']}", json={"schemas": [PATCH], "Operations": [add]}
    )
    assert admin.ok("GET", f"/users/{user['id']}")["member_of"] == []
