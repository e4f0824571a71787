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
