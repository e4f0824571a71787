"""Strange bodies get SCIM's 400 invalidSyntax and change nothing, never a 500."""

from __future__ import annotations

import pytest

from tests.scim.conftest import ScimClient, scim_user
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
