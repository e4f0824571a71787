"""No lost updates: parallel partial updates of one row each land, and a burst is answered
quickly or shed with 503 + Retry-After, never held and failed."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import Engine

from app.db import get_engine, pool_exhausted, transaction
from app.models import User
from tests.scim.conftest import ScimClient, scim_group, scim_user
from tests.support import ApiClient, make_token, user_body


def _user(user_id: int) -> User:
    with transaction() as session:
        user = session.get(User, user_id)
        assert user is not None
        session.expunge(user)
        return user


def _parallel(n: int, call: Any) -> list[Any]:
    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(call, range(n)))


def test_ten_parallel_patches_keep_every_custom_attribute(client: ApiClient) -> None:
    user_id = client.ok("POST", "/users", json=user_body(1))["id"]

    def patch(n: int) -> int:
        body = {"custom_attributes": {f"key{n}": f"value{n}"}}
        return client.patch(f"/api/v1/users/{user_id}", json=body).status_code

    assert _parallel(10, patch) == [200] * 10
    attributes = _user(user_id).custom_attributes
    assert attributes == {f"key{n}": f"value{n}" for n in range(10)}


def test_five_parallel_scim_group_patches_keep_every_membership(client: ApiClient) -> None:
    with ScimClient(make_token("scim", name="idp")) as scim:
        (user,) = [scim.json("POST", "/Users", 201, json=scim_user(1))["id"]]
        groups = [
            scim.json("POST", "/Groups", 201, json=scim_group(f"Team {n}"))["id"] for n in range(5)
        ]

        def add(n: int) -> int:
            body = {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "add", "path": "members", "value": [{"value": user}]}],
            }
            return scim.patch(f"/scim/v2/Groups/{groups[n]}", json=body).status_code

        assert _parallel(5, add) == [200] * 5
    assert sorted(_user(int(user)).member_of) == [f"Team {n}" for n in range(5)]


def test_parallel_patches_of_every_other_kind_serialize(client: ApiClient) -> None:
    group = client.ok("POST", "/groups", json={"name": "g"})["id"]
    role = client.ok("POST", "/roles", json={"name": "r"})["id"]
    urls = [f"/api/v1/groups/{group}", f"/api/v1/roles/{role}"]

    def patch(n: int) -> int:
        return client.patch(urls[n % 2], json={"description": f"d{n}"}).status_code

    assert _parallel(10, patch) == [200] * 10


def test_a_burst_is_answered_or_shed_quickly_and_loses_nothing(client: ApiClient) -> None:
    user_id = client.ok("POST", "/users", json=user_body(1))["id"]

    def patch(n: int) -> tuple[int, float, str | None, int]:
        started = time.monotonic()
        body = {"custom_attributes": {f"key{n}": f"value{n}"}}
        answer = client.patch(f"/api/v1/users/{user_id}", json=body)
        return answer.status_code, time.monotonic() - started, answer.headers.get("retry-after"), n

    results = _parallel(50, patch)
    assert {status for status, *_ in results} <= {200, 503}, results
    assert all(seconds < 20 for _, seconds, _, _ in results), results
    assert all(retry for status, _, retry, _ in results if status == 503)
    kept = _user(user_id).custom_attributes
    assert kept == {f"key{n}": f"value{n}" for status, _, _, n in results if status == 200}
    assert kept  # the burst was served, not only shed


def test_readyz_is_not_ready_while_the_pool_is_exhausted(client: ApiClient) -> None:
    engine: Engine = get_engine()
    assert client.get("/readyz").status_code == 200
    pool = engine.pool
    held = []
    try:
        while not pool_exhausted(engine):
            held.append(engine.connect())
        answer = client.get("/readyz")
        assert answer.status_code == 503, answer.text
        assert answer.json()["checks"]["database"] == "error: connection pool exhausted"
    finally:
        for connection in held:
            connection.close()
    assert pool.checkedout() < 30
    assert client.get("/readyz").status_code == 200
